"""CSV imports for career staff: the student roster, evidence, first destinations.

Every row is checked before anything is written; one bad row refuses the whole
file, and the report names each bad row by its line and says why. Imports are
idempotent: the same file twice changes nothing the second time.

The first line is read forgivingly and dates may be ISO or US (``import_files``);
``import_preview`` runs the whole import inside a savepoint and rolls it back, so
staff see each row's change before anything is written. A roster may also carry a
district's columns (school, date of birth, CTE concentrator, guardian e-mail, preferred
language: ``import_profile``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.outcomes.import_files import (
    ALIASES,
    COLUMNS,
    EMAIL_RE,
    EXTRA,
    KINDS,
    MAX_BYTES,
    column_for,
    header_key,
    parse_date,
    parse_flag,
    parse_year,
    read_rows,
    short,
)
from marketplace.blueprints.outcomes.import_profile import (
    PROFILE_LABELS,
    profile_fields,
    schools_by_name,
    shown_profile,
)
from marketplace.blueprints.outcomes.models import (
    DESTINATION_LABELS,
    DestinationCategory,
    FirstDestination,
    SourceKind,
    StaffRecord,
)
from marketplace.blueprints.outcomes.policies import can_record_for, staff_school_limit
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.errors import Conflict, NotFound, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from marketplace.core.reference import OUTCOMES

UNUSABLE_PASSWORD = "!imported"


# Experiential Learning and Connections come only from confirmed placements and
# mentoring sessions; staff record the other four.
STAFF_OUTCOMES = {key: label for key, label in OUTCOMES.items()
                  if key not in ("experiential_learning", "connections")}


# Rows of the preview that show their change; the counts cover every row.
PREVIEW_ROWS = 20


@dataclass
class RowChange:
    line: int
    email: str
    action: str  # created, updated, unchanged
    details: list[str] = field(default_factory=list)  # "major: History → Nursing"


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # columns not imported, and why
    changes: list[RowChange] = field(default_factory=list)  # the first PREVIEW_ROWS


class ImportRefused(ValidationFailed):
    """The file had bad rows; nothing was written."""

    def __init__(self, result: ImportResult):
        count = len(result.errors)
        super().__init__(f"Nothing was imported: {count} row{'s' if count != 1 else ''} "
                         "need fixing first.")
        self.result = result


def _date(value: str) -> tuple[date | None, str | None]:
    parsed = parse_date(value)
    if parsed is None:
        return None, f"“{short(value)}” is not a date like 2026-05-14 or 5/14/2026"
    if parsed > datetime.now(UTC).date():
        return None, f"{value} is in the future"
    if parsed.year < 1950:
        return None, f"{value} is too long ago"
    return parsed, None


def _students_by_email(emails: set[str]) -> dict[str, User]:
    if not emails:
        return {}
    found = {}
    batch = sorted(emails)
    for start in range(0, len(batch), 900):
        for user in db.session.scalars(sa.select(User).where(
                sa.func.lower(User.email).in_(batch[start:start + 900]))):
            found[user.email.lower()] = user
    return found


def _seen_by(by: User, users: dict[str, User]) -> set[int]:
    """The ids of ``users`` that ``by`` may see (the school scope), a batch per query."""
    ids = sorted(user.id for user in users.values())
    seen: set[int] = set()
    for start in range(0, len(ids), 900):
        seen.update(db.session.scalars(sa.select(User.id).where(
            User.id.in_(ids[start:start + 900]), students_in_scope(by, User.id))))
    return seen


def import_csv(kind: str, data: bytes, by: User) -> ImportResult:
    """Check every row, then write them all (flushes), or raise ImportRefused. The result
    counts the rows by what happened to them and keeps the first rows' changes.

    A school's staff import their school's students only: a row naming another school, or
    an existing student they may not see, is a bad row; a roster row without a school
    gets theirs."""
    rows, ignored = read_rows(data, kind)
    result = ImportResult(kind=kind, rows=len(rows), ignored=ignored)
    emails = {row.get("email", "").lower() for _, row in rows}
    users = _students_by_email(emails)
    checked: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    this_year = datetime.now(UTC).year
    own_school = staff_school_limit(by)
    visible = _seen_by(by, users) if own_school is not None else None
    # One look-up for the file, and only when a roster names a school or a school's staff
    # import (their school goes on each roster row, and its name in what is refused).
    schools = schools_by_name() if own_school is not None or (
        kind == "roster" and "school" in rows[0][1]) else {}
    school_names = {school_id: name for school_id, name in schools.values()}
    own_name = school_names.get(own_school, "your school")
    for line, row in rows:
        problems = []
        email = row.get("email", "").lower()
        if not EMAIL_RE.match(email) or len(email) > 254:
            problems.append(f"“{short(row.get('email', ''))}” is not an e-mail address")
        user = users.get(email)
        if user is not None and user.role is not Role.STUDENT:
            problems.append(f"{email} belongs to a {user.role.value} account, not a student")
        elif user is not None and visible is not None and user.id not in visible:
            problems.append(f"{email} is not one of {own_name}'s students: you import "
                            "your school's students only")
        if row.get(EXTRA):
            problems.append("it has more fields than the first line names (a comma inside "
                            "a value needs quotes)")
        values: dict = {"email": email, "user": user}
        if kind == "roster":
            name = row.get("name", "")
            if not name or len(name) > 120:
                problems.append("the name is missing" if not name else "the name is too long")
            year = parse_year(row.get("graduation_year", ""))
            if year is None or not this_year - 10 <= year <= this_year + 8:
                year = None
                problems.append(f"“{short(row.get('graduation_year', ''))}” is not a "
                                f"graduation year between {this_year - 10} and {this_year + 8}")
            major = row.get("major", "")
            if len(major) > 120:
                problems.append("the major is too long")
            first_gen, error = parse_flag(row.get("first_generation", ""))
            if error:
                problems.append(f"first_generation: {error}")
            pell, error = parse_flag(row.get("pell_eligible", ""))
            if error:
                problems.append(f"pell_eligible: {error}")
            profile, errors = profile_fields(row, email, schools)
            problems.extend(errors)
            if own_school is not None:
                named = profile.get("school_id")
                if named is not None and named != own_school:
                    problems.append(f"school: “{short(row['school'])}” is not your school "
                                    f"(you import {own_name}'s students only)")
                profile["school_id"] = own_school  # an empty or missing school: theirs
            values.update(name=name, year=year, major=major or None, first_gen=first_gen,
                          pell=pell, profile=profile, school_names=school_names)
            key = (email,)
        else:
            if user is None and not problems:
                problems.append(f"no student account has the e-mail {email}")
            when, error = _date(row.get("date", ""))
            if error:
                problems.append(error)
            values["date"] = when
            if kind == "evidence":
                outcome = header_key(row.get("outcome", ""))
                outcome = {header_key(name): key_ for key_, label in STAFF_OUTCOMES.items()
                           for name in (key_, label)}.get(outcome, outcome)
                if outcome not in STAFF_OUTCOMES:
                    problems.append(f"“{short(row.get('outcome', ''))}” is not one of: "
                                    + ", ".join(STAFF_OUTCOMES))
                description = row.get("description", "")
                if not description or len(description) > 500:
                    problems.append("the description is missing" if not description
                                    else "the description is longer than 500 characters")
                values.update(outcome=outcome, description=description)
                key = (email, outcome, when, description)
            else:
                category = _category(row.get("category", ""))
                if category is None:
                    problems.append(f"“{short(row.get('category', ''))}” is not a NACE first-"
                                    "destination category")
                employer = row.get("employer", "")
                if len(employer) > 200:
                    problems.append("the employer is too long")
                values.update(category=category, employer=employer or None)
                key = (email,)
        if not problems and key in seen:
            problems.append(f"the same as line {seen[key]}")
        seen.setdefault(key, line)
        if problems:
            result.errors.append((line, "; ".join(problems)))
        else:
            checked.append((line, values))
    if result.errors:
        raise ImportRefused(result)
    writer = {"roster": _write_student, "evidence": _write_evidence,
              "destinations": _write_destination}[kind]
    try:
        for line, values in checked:
            outcome, details = writer(values, by)
            setattr(result, outcome, getattr(result, outcome) + 1)
            if len(result.changes) < PREVIEW_ROWS:
                result.changes.append(RowChange(line, values["email"], outcome, details))
        db.session.flush()
    except IntegrityError:
        # Someone imported the same students at the same moment.
        db.session.rollback()
        raise Conflict("These records changed while the file was being imported; nothing "
                       "was imported. Upload it again.") from None
    return result


def _category(value: str) -> DestinationCategory | None:
    lowered = value.strip().lower()
    for category, label in DESTINATION_LABELS.items():
        if lowered in (category.value, label.lower()):
            return category
    return None


def _changed(labels: list[str], before: tuple, after: tuple) -> list[str]:
    """"label: before → after" for each value that changes."""
    def shown(value) -> str:
        if value is None or value == "":
            return "(empty)"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return getattr(value, "label", str(value))

    return [f"{label}: {shown(old)} → {shown(new)}"
            for label, old, new in zip(labels, before, after, strict=True) if old != new]


STUDENT_FIELDS = ["name", "graduation year", "major", "first-generation", "Pell-eligible"]


def _write_student(values: dict, by: User) -> tuple[str, list[str]]:
    user = values["user"]
    extra = values["profile"]  # the district's columns that are in the file
    if user is None:
        # No usable password (not a hash, so no password ever matches): the account
        # carries the roster data staff report on until the student is given access.
        user = User(email=values["email"], name=values["name"], role=Role.STUDENT,
                    password_hash=UNUSABLE_PASSWORD)
        user.student_profile = StudentProfile(
            graduation_year=values["year"], major=values["major"],
            first_generation=values["first_gen"], pell_eligible=values["pell"], **extra)
        db.session.add(user)
        school = shown_profile(values["school_names"], "school_id", extra.get("school_id"))
        return "created", [f"new student: {values['name']}, class of {values['year']}"
                           + (f", {school}" if school else "")]
    profile = user.student_profile or StudentProfile(user=user)
    before = (user.name, profile.graduation_year, profile.major, profile.first_generation,
              profile.pell_eligible)
    after = (values["name"], values["year"], values["major"], values["first_gen"],
             values["pell"])
    extra_before = {attribute: getattr(profile, attribute) for attribute in extra}
    if before == after and extra_before == extra:
        return "unchanged", []
    user.name = values["name"]
    profile.graduation_year, profile.major = values["year"], values["major"]
    profile.first_generation, profile.pell_eligible = values["first_gen"], values["pell"]
    for attribute, value in extra.items():
        setattr(profile, attribute, value)
    names = values["school_names"]
    return "updated", _changed(
        STUDENT_FIELDS + [PROFILE_LABELS[attribute] for attribute in extra],
        before + tuple(shown_profile(names, a, v) for a, v in extra_before.items()),
        after + tuple(shown_profile(names, a, v) for a, v in extra.items()))


def record_staff_evidence(student: User, outcome: str, occurred_on: date, description: str,
                          by: User) -> bool:
    """One piece of staff-recorded evidence; False when the same record exists. Flushes."""
    if outcome not in STAFF_OUTCOMES:
        raise ValidationFailed("Choose one of the four outcomes staff record.",
                               {"outcome": "Not an outcome staff record."})
    if not can_record_for(by, student):
        raise NotFound("No such student.")
    existing = db.session.scalar(sa.select(StaffRecord).where(
        StaffRecord.student_id == student.id, StaffRecord.outcome == outcome,
        StaffRecord.occurred_on == occurred_on, StaffRecord.description == description))
    if existing is not None:
        return False
    record = StaffRecord(student_id=student.id, outcome=outcome, occurred_on=occurred_on,
                         description=description, recorded_by_id=by.id)
    try:
        with db.session.begin_nested():  # the same record entered at the same moment
            db.session.add(record)
    except IntegrityError:
        return False
    record_evidence(student.id, outcome, SourceKind.STAFF, record.id,
                    {"description": description, "date": occurred_on.isoformat()},
                    occurred_at=datetime.combine(occurred_on, time(12), tzinfo=UTC))
    return True


def _write_evidence(values: dict, by: User) -> tuple[str, list[str]]:
    added = record_staff_evidence(values["user"], values["outcome"], values["date"],
                                  values["description"], by)
    if not added:
        return "unchanged", []
    return "created", [f"{OUTCOMES[values['outcome']]} on {values['date'].isoformat()}: "
                       f"{short(values['description'])}"]


DESTINATION_FIELDS = ["category", "employer", "date"]


def _write_destination(values: dict, by: User) -> tuple[str, list[str]]:
    user = values["user"]
    record = db.session.scalar(sa.select(FirstDestination).where(
        FirstDestination.student_id == user.id))
    if record is None:
        db.session.add(FirstDestination(student_id=user.id, category=values["category"],
                                        employer=values["employer"],
                                        recorded_on=values["date"]))
        return "created", [values["category"].label]
    before = (record.category, record.employer, record.recorded_on)
    after = (values["category"], values["employer"], values["date"])
    if before == after:
        return "unchanged", []
    record.category, record.employer = values["category"], values["employer"]
    record.recorded_on = values["date"]
    return "updated", _changed(DESTINATION_FIELDS, before, after)


# What the views, the API and the preview use; the file's reading is ``import_files``.
__all__ = ["ALIASES", "COLUMNS", "KINDS", "MAX_BYTES", "STAFF_OUTCOMES", "UNUSABLE_PASSWORD",
           "ImportRefused", "ImportResult", "RowChange", "column_for", "import_csv",
           "parse_date", "record_staff_evidence"]
