"""Perkins V secondary indicator 5S3: of the CTE concentrators graduating in a year, the
share who completed work-based learning (a completed placement of any kind with at least
the district's minimum hours), by school and by student group."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.accounts.policies import staff_school_limit
from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.schools.models import School
from marketplace.blueprints.schools.services import setting
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from marketplace.core.text import CSV_BOM, csv_safe

# The student groups the outcomes reports use for equity (self-reported, tri-state:
# None is "unknown", never "no").
GROUPS = {"all": "All students",
          "first_generation": "First-generation", "not_first_generation": "Not first-generation",
          "pell_eligible": "Pell-eligible", "not_pell_eligible": "Not Pell-eligible"}


@dataclass
class Cell:
    school: str
    group: str
    students: list[tuple[int, str]] = field(default_factory=list)  # (id, name), denominator
    completers: list[tuple[int, str]] = field(default_factory=list)  # numerator

    @property
    def rate(self) -> float | None:
        return len(self.completers) / len(self.students) if self.students else None


@dataclass
class Report5S3:
    graduation_year: int
    min_hours: int
    cells: list[Cell]


def _groups(first_generation: bool | None, pell: bool | None) -> list[str]:
    keys = ["all"]
    if first_generation is not None:
        keys.append("first_generation" if first_generation else "not_first_generation")
    if pell is not None:
        keys.append("pell_eligible" if pell else "not_pell_eligible")
    return keys


def perkins_5s3(graduation_year: int, viewer) -> Report5S3:
    """The report for ``viewer``'s scope: district staff every school (and "All schools"),
    school staff their school only. Two queries, whatever the cohort's size."""
    min_hours = setting().min_wbl_hours
    scope = staff_school_limit(viewer)
    cohort = (sa.select(User.id, User.name, StudentProfile.school_id,
                        StudentProfile.first_generation, StudentProfile.pell_eligible)
              .join(StudentProfile, StudentProfile.user_id == User.id)
              .where(User.role == Role.STUDENT, User.active.is_(True),
                     StudentProfile.cte_concentrator.is_(True),
                     StudentProfile.graduation_year == graduation_year)
              .order_by(User.name, User.id))
    if scope is not None:
        cohort = cohort.where(StudentProfile.school_id == scope)
    students = db.session.execute(cohort).all()
    completed = set(db.session.scalars(sa.select(Placement.student_id).where(
        Placement.student_id.in_([row.id for row in students]),
        Placement.status == PlacementStatus.COMPLETED,
        Placement.hours >= min_hours))) if students else set()
    names = dict(db.session.execute(sa.select(School.id, School.name)).all())
    cells: dict[tuple[str, str], Cell] = {}
    for row in students:
        schools = [names.get(row.school_id, "No school")]
        if scope is None:
            schools.append("All schools")
        for school in schools:
            for group in _groups(row.first_generation, row.pell_eligible):
                cell = cells.setdefault((school, group), Cell(school, group))
                cell.students.append((row.id, row.name))
                if row.id in completed:
                    cell.completers.append((row.id, row.name))
    order = list(GROUPS)
    ordered = sorted(cells.values(), key=lambda c: (c.school == "All schools", c.school,
                                                    order.index(c.group)))
    return Report5S3(graduation_year, min_hours, ordered)


def report_csv(report: Report5S3) -> str:
    """The state report's layout: school, group, denominator, numerator, rate."""
    buffer = io.StringIO(CSV_BOM)
    buffer.seek(0, io.SEEK_END)
    writer = csv.writer(buffer)
    writer.writerow(["school", "group", "denominator", "numerator", "rate"])
    for cell in report.cells:
        writer.writerow([csv_safe(cell.school), csv_safe(GROUPS[cell.group]),
                         len(cell.students), len(cell.completers),
                         f"{cell.rate:.4f}" if cell.rate is not None else ""])
    return buffer.getvalue()
