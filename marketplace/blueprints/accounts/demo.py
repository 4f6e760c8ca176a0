"""A believable small campus for demos and manual testing (``seed-demo``).

The people and organizations; ``marketplace.demo`` runs each domain's part in order.
Idempotent: every record is looked up by a natural key before it is added.
"""

from __future__ import annotations

import random

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    Organization,
    OrganizationStatus,
    OrganizationType,
    StudentProfile,
    User,
)
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role

DEMO_PASSWORD = "career-demo-2026"


DEMO_DOMAIN = "demo.edu"


STAFF = ("staff@demo.edu", "Dana Whitfield")


MAIN_STUDENT = ("student@demo.edu", "Maya Thompson")


MAIN_EMPLOYER = ("employer@demo.edu", "Luis Ortega")


MAIN_ALUM = ("alum@demo.edu", "Priya Raman")


ORGANIZATIONS = [
    ("Riverbend Health System", OrganizationType.NONPROFIT, "https://riverbendhealth.example",
     OrganizationStatus.VERIFIED),
    ("Northgate Robotics", OrganizationType.COMPANY, "https://northgate-robotics.example",
     OrganizationStatus.VERIFIED),
    ("Harborview Credit Union", OrganizationType.COMPANY, "https://harborviewcu.example",
     OrganizationStatus.VERIFIED),
    ("Cedar County Public Library", OrganizationType.GOVERNMENT, "https://cedarcountylib.example",
     OrganizationStatus.VERIFIED),
    ("Lakeside Community Food Bank", OrganizationType.NONPROFIT, "https://lakesidefood.example",
     OrganizationStatus.VERIFIED),
    ("Summit Ridge Unified School District", OrganizationType.SCHOOL, "https://srusd.example",
     OrganizationStatus.VERIFIED),
    ("BrightPath Solar Cooperative", OrganizationType.COMPANY, "https://brightpathsolar.example",
     OrganizationStatus.PENDING),
]


EMPLOYER_CONTACTS = [
    ("Luis Ortega", "Riverbend Health System"),
    ("Hannah Kim", "Northgate Robotics"),
    ("Marcus Bell", "Harborview Credit Union"),
    ("Grace Okafor", "Cedar County Public Library"),
    ("Tom Alvarez", "Lakeside Community Food Bank"),
    ("Renee Dubois", "Summit Ridge Unified School District"),
    ("Sam Whitaker", "BrightPath Solar Cooperative"),
]


MAJORS = {
    "Nursing": ["healthcare_human_services"],
    "Computer Science": ["digital_technology"],
    "Business Administration": ["management_entrepreneurship", "financial_services"],
    "Mechanical Engineering": ["advanced_manufacturing", "energy_natural_resources"],
    "Elementary Education": ["education"],
    "Graphic Design": ["arts_entertainment_design", "marketing_sales"],
    "Environmental Science": ["energy_natural_resources", "agriculture"],
    "Criminal Justice": ["public_service_safety"],
    "Hospitality Management": ["hospitality_events_tourism"],
    "Logistics": ["supply_chain_transportation"],
}


FIRST_NAMES = [
    "Aaliyah", "Ben", "Carmen", "Darius", "Elena", "Farah", "Gabriel", "Hana", "Isaac", "Jasmine",
    "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Paige", "Quinn", "Rosa", "Samir", "Tia", "Uriel",
    "Vanessa", "Wes", "Ximena", "Yusuf", "Zoe", "Andre", "Bianca", "Chen", "Destiny",
]


LAST_NAMES = [
    "Nguyen", "Garcia", "Johnson", "Patel", "Williams", "Martinez", "Brown", "Lee", "Davis",
    "Lopez", "Wilson", "Anderson", "Thomas", "Hernandez", "Moore", "Jackson", "Clark", "Lewis",
]


ALUMNI = [
    ("Priya Raman", 2016, "Riverbend Health System", "Nurse Manager", "healthcare_human_services"),
    ("Jordan Blake", 2012, "Northgate Robotics", "Controls Engineer", "advanced_manufacturing"),
    ("Alicia Romero", 2018, "Harborview Credit Union", "Financial Analyst", "financial_services"),
    ("Kevin Osei", 2015, "Cedar County", "Deputy Emergency Manager", "public_service_safety"),
    ("Mei Tanaka", 2020, "Lumen Software", "Software Engineer", "digital_technology"),
    ("Rafael Soto", 2010, "Soto & Daughters Construction", "Owner", "construction"),
    ("Imani Carter", 2019, "Summit Ridge USD", "4th Grade Teacher", "education"),
    ("Nora Lindqvist", 2014, "Evergreen Logistics", "Operations Lead",
     "supply_chain_transportation"),
]


def demo_logins() -> list[tuple[str, str]]:
    return [("staff", STAFF[0]), ("student", MAIN_STUDENT[0]), ("employer", MAIN_EMPLOYER[0]),
            ("alumni", MAIN_ALUM[0])]


def _email_for(name: str) -> str:
    first, last = name.lower().split(" ", 1)
    return f"{first}.{last.replace(' ', '')}@{DEMO_DOMAIN}"


def seed_people(rng: random.Random, password_hash: str) -> bool:
    """Staff, organizations and their employers, alumni and students. Flushes; adds only
    what is missing. Returns True when anything was added."""
    existing = set(db.session.scalars(sa.select(User.email)))
    added = False

    def add_user(email: str, name: str, role: Role, **fields) -> User | None:
        nonlocal added
        if email in existing:
            return None
        user = User(email=email, name=name, role=role, password_hash=password_hash,
                    email_verified_at=utcnow(), **fields)
        db.session.add(user)
        existing.add(email)
        added = True
        return user

    add_user(STAFF[0], STAFF[1], Role.STAFF)

    organizations = {o.name: o for o in db.session.scalars(sa.select(Organization))}
    for name, org_type, website, status in ORGANIZATIONS:
        if name not in organizations:
            organizations[name] = Organization(name=name, type=org_type, website=website,
                                               status=status)
            db.session.add(organizations[name])
            added = True
    for index, (contact, org_name) in enumerate(EMPLOYER_CONTACTS):
        email = MAIN_EMPLOYER[0] if index == 0 else _email_for(contact)
        add_user(email, contact, Role.EMPLOYER, organization=organizations[org_name])

    for index, (name, year, employer, title, cluster) in enumerate(ALUMNI):
        email = MAIN_ALUM[0] if index == 0 else _email_for(name)
        user = add_user(email, name, Role.ALUMNI)
        if user:
            user.alumni_profile = AlumniProfile(
                graduation_year=year, employer=employer, title=title, cluster=cluster,
                time_zone=rng.choice(["America/New_York", "America/Chicago",
                                      "America/Los_Angeles"]),
            )

    majors = list(MAJORS)
    for index in range(48):
        if index == 0:
            email, name = MAIN_STUDENT
            major, year, first_gen, pell = "Nursing", 2027, True, True
        else:
            name = f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[index % len(LAST_NAMES)]}"
            email = _email_for(name) if index < len(FIRST_NAMES) else \
                f"student{index:03d}@{DEMO_DOMAIN}"
            major = majors[index % len(majors)]
            year = 2026 + index % 4
            first_gen = rng.random() < 0.35 if rng.random() < 0.9 else None
            pell = rng.random() < 0.3 if rng.random() < 0.9 else None
        user = add_user(email, name, Role.STUDENT)
        if user:
            profile = StudentProfile(graduation_year=year, major=major,
                                     first_generation=first_gen, pell_eligible=pell,
                                     time_zone="America/New_York")
            user.student_profile = profile
            profile.clusters = MAJORS[major]
    db.session.flush()
    return added
