"""Reference lists the product is built on (SPEC: Career clusters, outcomes)."""

from __future__ import annotations

from zoneinfo import available_timezones

CAREER_CLUSTERS: dict[str, str] = {
    "advanced_manufacturing": "Advanced Manufacturing",
    "agriculture": "Agriculture",
    "arts_entertainment_design": "Arts, Entertainment & Design",
    "construction": "Construction",
    "digital_technology": "Digital Technology",
    "education": "Education",
    "energy_natural_resources": "Energy & Natural Resources",
    "financial_services": "Financial Services",
    "healthcare_human_services": "Healthcare & Human Services",
    "hospitality_events_tourism": "Hospitality, Events & Tourism",
    "management_entrepreneurship": "Management & Entrepreneurship",
    "marketing_sales": "Marketing & Sales",
    "public_service_safety": "Public Service & Safety",
    "supply_chain_transportation": "Supply Chain & Transportation",
}


OUTCOMES: dict[str, str] = {
    "career_design": "Career Design",
    "skills_competencies": "Skills & Competencies",
    "experiential_learning": "Experiential Learning",
    "connections": "Connections",
    "articulation": "Articulation",
    "job_search": "Job Search",
}


NACE_COMPETENCIES: dict[str, str] = {
    "career_self_development": "Career & Self-Development",
    "communication": "Communication",
    "critical_thinking": "Critical Thinking",
    "equity_inclusion": "Equity & Inclusion",
    "leadership": "Leadership",
    "professionalism": "Professionalism",
    "teamwork": "Teamwork",
    "technology": "Technology",
}


# Time zones offered in forms: the common North American ones first, then the
# rest of the IANA database for students and alumni abroad.
COMMON_TIME_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "UTC",
]


def time_zone_choices() -> list[tuple[str, str]]:
    others = sorted(
        zone for zone in available_timezones()
        if "/" in zone and not zone.startswith(("Etc/", "posix/", "right/", "SystemV/"))
        and zone not in COMMON_TIME_ZONES
    )
    return [(zone, zone.replace("_", " ")) for zone in COMMON_TIME_ZONES + others]


def is_valid_time_zone(name: str) -> bool:
    return name == "UTC" or name in available_timezones()


def cluster_choices() -> list[tuple[str, str]]:
    return list(CAREER_CLUSTERS.items())
