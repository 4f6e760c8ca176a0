"""Reading an import file: its first line, forgivingly, and its rows.

Files come from spreadsheets people keep, so case, spaces, hyphens, underscores and
dots in column names do not matter, and the names people use are known (``ALIASES``:
"First Gen", "Pell Grant", "Grad Year", "E-mail Address", "Full Name"…). A column that
is not imported is reported, never dropped silently. Dates may be ISO (2026-11-21) or
US (11/21/2026). Nothing here touches the database.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from marketplace.core.errors import ValidationFailed

MAX_BYTES = 2 * 1024 * 1024


EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


EXTRA = "\x00extra"  # marks a row with more fields than the header


MAX_ROWS = 20_000


KINDS = {"roster": "Student roster", "evidence": "Outcome evidence",
         "destinations": "First destinations"}


COLUMNS = {
    "roster": ["email", "name", "graduation_year", "major", "first_generation",
               "pell_eligible", "school", "date_of_birth", "cte_concentrator", "guardian_email",
               "preferred_language"],
    "evidence": ["email", "outcome", "date", "description"],
    "destinations": ["email", "category", "employer", "date"],
}


REQUIRED = {"roster": {"email", "name", "graduation_year"},
            "evidence": {"email", "outcome", "date", "description"},
            "destinations": {"email", "category", "date"}}


# Other names a column goes by in the spreadsheets staff keep. Compared after
# ``header_key``: case, spaces, hyphens, underscores and dots do not matter.
ALIASES = {
    "email": ["email", "e-mail", "email address", "e-mail address", "student email",
              "student e-mail", "school email", "mail"],
    "name": ["name", "student name", "full name", "student", "student full name"],
    "graduation_year": ["graduation year", "grad year", "class", "class of",
                        "graduating class", "year of graduation", "expected graduation",
                        "cohort", "graduation"],
    "major": ["major", "program", "programme", "field of study", "degree program"],
    "first_generation": ["first generation", "first gen", "first generation student",
                         "1st gen", "1st generation", "first gen student"],
    "pell_eligible": ["pell eligible", "pell", "pell grant", "pell recipient",
                      "pell grant eligible", "pell grant recipient"],
    "school": ["school", "school name", "high school", "middle school", "home school"],
    "date_of_birth": ["date of birth", "dob", "birth date", "birthdate", "birthday",
                      "born", "born on"],
    "cte_concentrator": ["cte concentrator", "cte", "concentrator", "cte status",
                         "cte concentrator status"],
    "guardian_email": ["guardian email", "guardian e-mail", "guardian email address",
                       "parent email", "parent e-mail", "parent email address",
                       "parent/guardian email", "parent or guardian email"],
    "preferred_language": ["preferred language", "language", "home language",
                           "language preference"],
    "outcome": ["outcome", "clo", "career learning outcome", "learning outcome"],
    "date": ["date", "occurred on", "date occurred", "completed on", "completion date",
             "recorded on", "survey date", "event date"],
    "description": ["description", "activity", "what", "details", "notes", "note"],
    "category": ["category", "destination", "first destination", "nace category",
                 "destination category", "outcome category"],
    "employer": ["employer", "employer name", "organization", "organisation", "company"],
}


def header_key(name: str) -> str:
    """A column name as compared: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


KNOWN_HEADERS = {header_key(alias): column for column, aliases in ALIASES.items()
                 for alias in aliases}


def column_for(name: str) -> str | None:
    """The column a header names ("First Gen" → first_generation), or None."""
    return KNOWN_HEADERS.get(header_key(name))


def read_header(names: list[str], kind: str) -> tuple[list[str | None], list[str]]:
    """Each header's column (None: not imported) and what the result says about the
    columns left out. Refuses a file missing a required column or naming one twice."""
    columns: list[str | None] = []
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for position, name in enumerate(names, start=1):
        name = name.strip()
        column = column_for(name) if name else None
        if column is not None and column not in COLUMNS[kind]:
            ignored.append(f"“{short(name)}” (not used when importing "
                           f"{KINDS[kind].lower()})")
            column = None
        elif column is None:
            ignored.append(f"“{short(name)}” (not a column this import knows)" if name
                           else f"column {position}, which has no name")
        elif column in seen:
            raise ValidationFailed(
                f"Every column in the first line needs a name, once: “{short(seen[column])}” "
                f"and “{short(name)}” both mean {column}. Check for a repeated column name.",
                {"file": "Bad header."})
        else:
            seen[column] = name
        columns.append(column)
    missing = REQUIRED[kind] - set(seen)
    if missing:
        raise ValidationFailed(
            f"The first line must name the columns: "
            f"{', '.join(c for c in COLUMNS[kind] if c in REQUIRED[kind])}. Missing: "
            f"{', '.join(sorted(missing))}.", {"file": "Missing columns."})
    return columns, ignored


def read_rows(data: bytes, kind: str) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Decode and parse a CSV upload into (line number, row) pairs and the columns left
    out (see ``read_header``), or refuse it."""
    if kind not in KINDS:
        raise ValidationFailed("Choose what the file holds.", {"kind": "Unknown kind."})
    if not data:
        raise ValidationFailed("The file is empty.", {"file": "The file is empty."})
    if len(data) > MAX_BYTES:
        raise ValidationFailed("Files can be at most 2 MB; split it.", {"file": "Too large."})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed("Save the file as CSV with UTF-8 encoding.",
                               {"file": "Not UTF-8 text."}) from None
    if "\x00" in text:
        raise ValidationFailed("This is not a CSV file.", {"file": "Not a CSV file."})
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        names = next(reader, [])
    except csv.Error as error:
        raise ValidationFailed(f"The file could not be read as CSV: {error}.",
                               {"file": "Not a CSV file."}) from None
    columns, ignored = read_header(names, kind)
    rows = []
    try:
        for values in reader:
            if len(rows) >= MAX_ROWS:
                raise ValidationFailed(f"At most {MAX_ROWS:,} rows per file; split it.",
                                       {"file": "Too many rows."})
            # A short row (trailing empty cells left out) reads the rest as empty, so
            # every column the first line names is in every row: a column that is in
            # the file is set (an empty cell clears it), one that is not is left alone.
            cleaned = {column: "" for column in columns if column is not None}
            cleaned.update({column: value.strip()
                            for column, value in zip(columns, values, strict=False)
                            if column is not None})
            if len(values) > len(columns) and any(v.strip() for v in values[len(columns):]):
                cleaned[EXTRA] = "yes"  # more fields than the header names
            if any(value.strip() for value in values):
                rows.append((reader.line_num, cleaned))
    except csv.Error as error:
        raise ValidationFailed(f"Line {reader.line_num} could not be read: {error}.",
                               {"file": "Not a CSV file."}) from None
    if not rows:
        raise ValidationFailed("The file has a header but no rows.", {"file": "No rows."})
    return rows, ignored


def short(value: str, limit: int = 60) -> str:
    """A cell as echoed in an error message: long values cut."""
    return value if len(value) <= limit else value[:limit] + "…"


ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
# A spreadsheet may add a time of day to a date: 2026-11-21 00:00:00.
TIME_OF_DAY = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?"


def parse_date(value: str) -> date | None:
    """An ISO (2026-11-21) or US (11/21/2026, 1/5/2026) date; None when it is neither."""
    value = value.strip()
    if found := re.fullmatch(ISO_DATE.pattern + TIME_OF_DAY, value):
        year, month, day = found.groups()
    elif found := re.fullmatch(US_DATE.pattern + TIME_OF_DAY, value):
        month, day, year = found.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_flag(value: str) -> tuple[bool | None, str | None]:
    """A yes/no cell: True, False or None (empty, unknown), and what is wrong with it."""
    lowered = value.lower()
    if lowered in ("", "unknown", "prefer not to say"):
        return None, None
    if lowered in ("yes", "y", "true", "1", "x"):
        return True, None
    if lowered in ("no", "n", "false", "0"):
        return False, None
    return None, f"“{short(value)}” is not yes, no or empty"


def parse_year(value: str) -> int | None:
    """A graduation year as spreadsheets write it: 2027, 2027.0, Class of 2027."""
    found = re.fullmatch(r"(?:class\s+of\s+)?(\d{4})(?:\.0+)?", value.strip(), re.IGNORECASE)
    return int(found.group(1)) if found else None
