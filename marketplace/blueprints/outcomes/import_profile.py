"""The roster's district columns: school, date of birth, CTE concentrator, guardian
e-mail and preferred language (SPEC: work-based learning for schools).

Each is changed only when the file has its column (an empty cell clears it), so a
college's roster, or last year's file, leaves what students and staff set alone. Schools
are matched by name, case and spaces aside, against the district's schools as
``accounts.hooks.school_choices`` answers them: the school table is the schools domain's,
which sits above outcomes, so outcomes asks through the hook and never imports it.
"""

from __future__ import annotations

from marketplace.blueprints.accounts.hooks import school_choices
from marketplace.blueprints.accounts.services import date_of_birth_problem
from marketplace.blueprints.outcomes.import_files import EMAIL_RE, parse_date, parse_flag, short
from marketplace.core.clock import institution_today

# The profile's attribute for each column, and how the preview names it.
PROFILE_LABELS = {"school_id": "school", "date_of_birth": "date of birth",
                  "cte_concentrator": "CTE concentrator", "guardian_email": "guardian e-mail",
                  "preferred_language": "language"}


# What a language cell may say, compared in lower case.
LANGUAGES = {"en": "en", "english": "en", "es": "es", "spanish": "es", "espanol": "es",
             "español": "es"}
LANGUAGE_LABELS = {"en": "English", "es": "Spanish"}


def name_key(name: str) -> str:
    """A school's name as compared: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


def schools_by_name() -> dict[str, tuple[int, str]]:
    """The district's schools by compared name, as (id, name); none for a college.
    One query, whatever the file's size."""
    return {name_key(name): (school_id, name)
            for answer in school_choices.results() for school_id, name in answer}


def profile_fields(row: dict[str, str], email: str, schools: dict[str, tuple[int, str]]
                   ) -> tuple[dict, list[str]]:
    """The district columns ``row`` has, as the profile's values, and what is wrong with
    each ("column: why"). ``email`` is the student's own address (lower case)."""
    values: dict = {}
    problems: list[str] = []
    if "school" in row:
        name = row["school"]
        found = schools.get(name_key(name)) if name else None
        if name and found is None:
            problems.append(f"school: “{short(name)}” is not one of the district's schools"
                            if schools else
                            f"school: “{short(name)}” is not a school here (no schools have "
                            "been added)")
        values["school_id"] = found[0] if found else None
    if "date_of_birth" in row:
        text = row["date_of_birth"]
        born = parse_date(text) if text else None
        if text and born is None:
            problems.append(f"date_of_birth: “{short(text)}” is not a date like 2010-05-14 "
                            "or 5/14/2010")
        elif born is not None and date_of_birth_problem(born):
            problems.append(f"date_of_birth: {text} is in the future"
                            if born > institution_today() else
                            f"date_of_birth: {text} is more than 100 years ago")
        values["date_of_birth"] = born
    if "cte_concentrator" in row:
        flag, error = parse_flag(row["cte_concentrator"])
        if error:
            problems.append(f"cte_concentrator: {error}")
        values["cte_concentrator"] = bool(flag)  # not a concentrator unless it says so
    if "guardian_email" in row:
        address = row["guardian_email"].lower()
        if address and (not EMAIL_RE.match(address) or len(address) > 254):
            problems.append(f"guardian_email: “{short(row['guardian_email'])}” is not an "
                            "e-mail address")
        elif address and address == email:
            # A minor's placement waits for consent asked at this address.
            problems.append("guardian_email: it is the student's own address")
        values["guardian_email"] = address or None
    if "preferred_language" in row:
        text = row["preferred_language"]
        language = LANGUAGES.get(text.casefold()) if text else "en"
        if language is None:
            problems.append(f"preferred_language: “{short(text)}” is not en or es (English "
                            "or Spanish)")
        values["preferred_language"] = language or "en"
    return values, problems


def shown_profile(school_names: dict[int, str], attribute: str, value):
    """A district value as the preview shows it: a school by its name, a language in
    words, anything else as it is."""
    if value is None:
        return None
    if attribute == "school_id":
        return school_names.get(value, f"school #{value}")
    if attribute == "preferred_language":
        return LANGUAGE_LABELS.get(value, value)
    return value
