"""Outcome attainment by cohort and student group, first destinations, drill-downs.

Everything is counted in SQL with grouped aggregates over ``student_attainment``
(one row per student with the time each outcome was first reached, kept in step
with the evidence ledger): no Python loop over students, students and not
ledger rows counted, and each view one pass over the cohort.

Classes graduate in May (``GRADUATION_MONTH``): first destinations count graduates
only, and the dashboard opens on the latest class that has graduated.

In a district every count can be narrowed to one school (``school_id``): a school's
staff see only theirs (``policies.staff_school_limit``), district staff may choose one.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentCluster, StudentProfile, User
from marketplace.blueprints.outcomes.models import (
    POSITIVE_DESTINATIONS,
    DestinationCategory,
    FirstDestination,
    StudentAttainment,
)
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from marketplace.core.reference import CAREER_CLUSTERS, OUTCOMES

GROUPS = {
    "major": "Major",
    "cluster": "Career cluster",
    "first_generation": "First-generation",
    "pell_eligible": "Pell-eligible",
    "graduation_year": "Graduating class",
}


GAP_POINTS = 10  # a group this many points below the overall rate is called out


# Small-cell suppression: a group of fewer students is named, but its rates are not
# shown (a rate of one or two students points at a person) nor drawn, nor called out.
MIN_GROUP = 5


# Classes graduate at the end of this month: from the first of the next one, the class
# of the year counts as graduates (first destinations, the dashboard's default class).
GRADUATION_MONTH = 5


UNKNOWN = "(not given)"


@dataclass
class OutcomeCount:
    key: str
    with_evidence: int
    students: int

    @property
    def rate(self) -> float:
        return self.with_evidence / self.students if self.students else 0.0

    @property
    def label(self) -> str:
        return OUTCOMES[self.key]


@dataclass
class Group:
    value: str
    label: str
    students: int
    outcomes: dict[str, OutcomeCount] = field(default_factory=dict)

    @property
    def suppressed(self) -> bool:
        """Too few students to show this group's rates (``MIN_GROUP``)."""
        return self.students < MIN_GROUP


@dataclass
class Summary:
    graduation_year: int | None
    students: int
    outcomes: list[OutcomeCount]
    group_by: str | None = None
    groups: list[Group] = field(default_factory=list)

    def overall(self, key: str) -> OutcomeCount:
        """The cohort's count for one outcome."""
        return next(o for o in self.outcomes if o.key == key)

    def gap(self, group: Group, key: str) -> float:
        """The group's rate minus the overall rate, in percentage points."""
        return round((group.outcomes[key].rate - self.overall(key).rate) * 100, 1)

    def gaps(self) -> list[tuple[Group, OutcomeCount, float]]:
        """Groups GAP_POINTS or more below the overall rate (MIN_GROUP+ students), widest first."""
        found = [(group, group.outcomes[key], self.gap(group, key))
                 for group in self.groups if group.students >= MIN_GROUP for key in OUTCOMES]
        return sorted([row for row in found if row[2] <= -GAP_POINTS], key=lambda row: row[2])


def parse_year(text: str | None) -> int | None:
    """A graduating class as written in a URL ("2027"); None when it is not one."""
    text = (text or "").strip()
    return int(text) if re.fullmatch(r"(19|20|21)[0-9]{2}", text) else None


def last_graduated_class(today: date) -> int:
    """The most recent class that has graduated by ``today`` (classes graduate in May)."""
    return today.year if today.month > GRADUATION_MONTH else today.year - 1


def has_graduated(graduation_year: int, today: date | None = None) -> bool:
    return graduation_year <= last_graduated_class(today or datetime.now(UTC).date())


def in_school(school_id: int | None) -> sa.ColumnElement[bool]:
    """A WHERE clause on StudentProfile keeping one school's students (None: everyone)."""
    return sa.true() if school_id is None else StudentProfile.school_id == school_id


def default_class(today: date | None = None, school_id: int | None = None) -> int | None:
    """The class the dashboard opens on: the latest that has graduated, else the newest
    (none: no student of the school, if one is given, has a class). Two look-ups."""
    last = last_graduated_class(today or datetime.now(UTC).date())
    year_column = StudentProfile.graduation_year
    scope = in_school(school_id)
    return (db.session.scalar(sa.select(sa.func.max(year_column)).where(year_column <= last,
                                                                        scope))
            or db.session.scalar(sa.select(sa.func.max(year_column)).where(scope)))


def _members(statement: sa.Select, graduation_year: int | None,
             school_id: int | None = None) -> sa.Select:
    """Restrict a statement over User (outer-joined to StudentProfile) to the cohort: the
    active student accounts of a graduating class (graduates included), or all of them,
    of one school when ``school_id`` is given. Erased accounts count too (anonymised, with
    the fields the groups need): neither a graduation nor a deletion changes a class's
    outcome counts."""
    statement = statement.where(
        # Graduates count with their class: alum accounts that were students here.
        sa.or_(User.role == Role.STUDENT,
               sa.and_(User.role == Role.ALUMNI, StudentProfile.user_id.is_not(None))),
        sa.or_(User.active.is_(True), User.erased_at.is_not(None)))
    if graduation_year is not None:
        statement = statement.where(StudentProfile.graduation_year == graduation_year)
    if school_id is not None:
        statement = statement.where(in_school(school_id))
    return statement


def cohort(graduation_year: int | None, school_id: int | None = None) -> sa.Select:
    """Ids of the cohort's students (of one school, when given)."""
    return _members(sa.select(User.id).outerjoin(
        StudentProfile, StudentProfile.user_id == User.id), graduation_year, school_id)


def group_column(group_by: str):
    """The SQL expression naming a student's group, and whether it needs the cluster join."""
    if group_by == "cluster":
        return StudentCluster.cluster, True
    if group_by in ("first_generation", "pell_eligible"):
        column = getattr(StudentProfile, group_by)
        return sa.case((column.is_(True), "yes"), (column.is_(False), "no"), else_=None), False
    if group_by == "graduation_year":
        return sa.cast(StudentProfile.graduation_year, sa.String), False
    if group_by == "major":
        return StudentProfile.major, False
    raise ValueError(group_by)


def group_label(group_by: str, value: str | None) -> str:
    if value is None or value == "":
        return UNKNOWN
    if group_by == "cluster":
        return CAREER_CLUSTERS.get(value, value)
    if group_by in ("first_generation", "pell_eligible"):
        return {"yes": "Yes", "no": "No"}.get(value, value)
    if group_by == "graduation_year":
        return f"Class of {value}"
    return value


def _base(*columns) -> sa.Select:
    """The cohort's students, each with their profile and attainment row (if any)."""
    return (sa.select(*columns).select_from(User)
            .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
            .outerjoin(StudentAttainment, StudentAttainment.student_id == User.id))


def _attained(key: str):
    return StudentAttainment.__table__.c[key]


@dataclass
class DestinationRates:
    graduates: int
    known: int
    not_seeking: int
    positive: int
    by_category: dict[DestinationCategory, int]

    @property
    def knowledge_rate(self) -> float:
        return self.known / self.graduates if self.graduates else 0.0

    @property
    def outcomes_rate(self) -> float:
        denominator = self.known - self.not_seeking
        return self.positive / denominator if denominator > 0 else 0.0


def _rates(by_category: dict[DestinationCategory, int], graduates: int) -> DestinationRates:
    known = sum(count for category, count in by_category.items()
                if category is not DestinationCategory.NO_INFORMATION)
    return DestinationRates(
        graduates=graduates, known=known,
        not_seeking=by_category.get(DestinationCategory.NOT_SEEKING, 0),
        positive=sum(by_category.get(category, 0) for category in POSITIVE_DESTINATIONS),
        by_category=by_category)


@dataclass
class Dashboard:
    summary: Summary
    months: list[str]
    series: dict[str, list[float]]
    destinations: DestinationRates  # the cohort's graduates
    with_doing: DestinationRates  # graduates with Experiential Learning and Connections
    without_doing: DestinationRates  # graduates without both
    graduated_through: int  # classes up to this one have graduated (GRADUATION_MONTH)


def month_ends(months: int, today: date) -> tuple[list[str], list[datetime]]:
    """The last ``months`` months as "YYYY-MM" labels and the UTC instant each ends."""
    labels, ends = [], []
    year, number = today.year, today.month
    for _ in range(months):
        labels.append(f"{year:04d}-{number:02d}")
        following = (year + 1, 1) if number == 12 else (year, number + 1)
        ends.append(datetime(*following, 1, tzinfo=UTC))
        year, number = (year, number - 1) if number > 1 else (year - 1, 12)
    return labels[::-1], ends[::-1]


@dataclass
class _Row:
    group: str | None
    both: int
    graduated: int
    category: str | None
    students: int
    reached: dict[str, int]
    by_month: dict[str, list[int]]


def _scan(graduation_year: int | None, group_by: str | None, ends: list[datetime],
          graduated_through: int, school_id: int | None = None) -> list[_Row]:
    """One pass over the cohort, grouped by (group, has both doing outcomes, has
    graduated, first destination): students, students per outcome, and per outcome the
    students who had it by each month's end."""
    column, clusters = group_column(group_by) if group_by else (sa.null(), False)
    has_both = sa.case((sa.and_(_attained("experiential_learning").is_not(None),
                                _attained("connections").is_not(None)), 1), else_=0)
    graduated = sa.case((StudentProfile.graduation_year <= graduated_through, 1), else_=0)
    aggregates = [sa.func.count()]
    aggregates += [sa.func.count(_attained(key)) for key in OUTCOMES]
    aggregates += [sa.func.count().filter(_attained(key) < end)
                   for key in OUTCOMES for end in ends]
    statement = _base(column.label("grp"), has_both.label("both"),
                      graduated.label("graduated"), FirstDestination.category,
                      *aggregates).outerjoin(
        FirstDestination, FirstDestination.student_id == User.id)
    if clusters:
        statement = statement.outerjoin(StudentCluster, StudentCluster.user_id == User.id)
    keys = [has_both, graduated, FirstDestination.category]
    statement = statement.group_by(*([column] if group_by else []), *keys)
    rows = []
    width = len(ends)
    for row in db.session.execute(_members(statement, graduation_year, school_id)):
        trend_counts = row[5 + len(OUTCOMES):]
        rows.append(_Row(
            group=row[0], both=row[1], graduated=row[2], category=row[3], students=row[4],
            reached=dict(zip(OUTCOMES, row[5:5 + len(OUTCOMES)], strict=True)),
            by_month={key: list(trend_counts[i * width:(i + 1) * width])
                      for i, key in enumerate(OUTCOMES)}))
    return rows


def dashboard(graduation_year: int | None = None, group_by: str | None = None,
              months: int = 12, today: date | None = None,
              trend_end: date | None = None, school_id: int | None = None) -> Dashboard:
    """Everything the outcomes page shows, from one grouped query (two when grouping by
    cluster: a student can be in several, so the cohort is also counted on its own).

    First destinations count graduates only: a class that has not graduated yet is in
    neither the knowledge rate's numerator nor its denominator. The trend's months end
    with ``trend_end`` (default: today's month). ``school_id``: one school's students."""
    if group_by is not None and group_by not in GROUPS:
        raise ValueError(group_by)
    today = today or datetime.now(UTC).date()
    graduated_through = last_graduated_class(today)
    labels, ends = month_ends(months, trend_end or today)
    rows = _scan(graduation_year, group_by, ends, graduated_through, school_id)
    overall = (_scan(graduation_year, None, ends, graduated_through, school_id)
               if group_by == "cluster" else rows)
    total = sum(row.students for row in overall)
    result = Summary(graduation_year, total, [
        OutcomeCount(key, sum(row.reached[key] for row in overall), total) for key in OUTCOMES])
    if group_by:
        result.group_by = group_by
        groups: dict[str | None, Group] = {}
        for row in rows:
            group = groups.get(row.group)
            if group is None:
                group = groups[row.group] = Group(row.group or "",
                                                  group_label(group_by, row.group), 0)
                group.outcomes = {key: OutcomeCount(key, 0, 0) for key in OUTCOMES}
            group.students += row.students
            for key in OUTCOMES:
                group.outcomes[key].with_evidence += row.reached[key]
        for group in groups.values():
            for count in group.outcomes.values():
                count.students = group.students
        result.groups = sorted(groups.values(),
                               key=lambda g: (g.value == "", -g.students, g.label))
    series = {key: [sum(row.by_month[key][m] for row in overall) / total if total else 0.0
                    for m in range(months)] for key in OUTCOMES}
    split: dict[int, dict[DestinationCategory, int]] = {0: defaultdict(int), 1: defaultdict(int)}
    graduates = {0: 0, 1: 0}
    for row in overall:
        if not row.graduated:
            continue
        graduates[row.both] += row.students
        if row.category is not None:
            split[row.both][DestinationCategory(row.category)] += row.students
    everyone: dict[DestinationCategory, int] = defaultdict(int)
    for flag in (0, 1):
        for category, count in split[flag].items():
            everyone[category] += count
    return Dashboard(result, labels, series,
                     _rates(dict(everyone), graduates[0] + graduates[1]),
                     _rates(dict(split[1]), graduates[1]), _rates(dict(split[0]), graduates[0]),
                     graduated_through)


def summary(graduation_year: int | None = None, group_by: str | None = None,
            school_id: int | None = None) -> Summary:
    """How many students of the cohort (of one school, when given) have each outcome,
    overall and per group."""
    return dashboard(graduation_year, group_by, months=0, school_id=school_id).summary


def trend(graduation_year: int | None, months: int = 12, today: date | None = None,
          school_id: int | None = None) -> tuple[list[str], dict[str, list[float]]]:
    """For each of the last ``months`` months, the share of the cohort that had reached
    each outcome by the month's end (UTC)."""
    view = dashboard(graduation_year, None, months, today, school_id=school_id)
    return view.months, view.series


def destinations(graduation_year: int | None, today: date | None = None,
                 school_id: int | None = None
                 ) -> tuple[DestinationRates, DestinationRates, DestinationRates]:
    """First-destination rates (SPEC's definitions) for the cohort's graduates, for those
    with both Experiential Learning and Connections evidence, and for the rest."""
    view = dashboard(graduation_year, None, months=0, today=today, school_id=school_id)
    return view.destinations, view.with_doing, view.without_doing


def drill_down(graduation_year: int | None, group_by: str | None, group: str | None,
               outcome: str, has: bool, school_id: int | None = None
               ) -> list[tuple[User, StudentProfile | None]]:
    """The students behind one cell, by name: the cohort (of one school, when given), in
    ``group`` of ``group_by`` (empty: those who did not say), with or without
    ``outcome``."""
    statement = sa.select(User, StudentProfile).outerjoin(
        StudentProfile, StudentProfile.user_id == User.id)
    if group_by:
        column, clusters = group_column(group_by)
        if clusters:
            statement = statement.outerjoin(StudentCluster, StudentCluster.user_id == User.id)
        statement = statement.where(column.is_(None) if not group else column == group)
    statement = statement.outerjoin(StudentAttainment,
                                    StudentAttainment.student_id == User.id)
    reached = _attained(outcome)
    statement = statement.where(reached.is_not(None) if has else reached.is_(None))
    return db.session.execute(_members(statement, graduation_year, school_id)
                              .order_by(User.name, User.id)).all()
