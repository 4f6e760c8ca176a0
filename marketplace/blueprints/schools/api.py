"""API: the Perkins V 5S3 report."""

from __future__ import annotations

from flask import jsonify, request
from flask_login import current_user

from marketplace.blueprints.schools.report import GROUPS, perkins_5s3
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.errors import ValidationFailed
from marketplace.core.policies import Role, role_required

REPORT = schema("Perkins5S3", {
    "type": "object", "required": ["graduation_year", "min_hours", "rows"],
    "properties": {
        "graduation_year": {"type": "integer"},
        "min_hours": {"type": "integer",
                      "description": "Hours a completed placement needs to count"},
        "rows": {"type": "array", "items": {
            "type": "object",
            "required": ["school", "group", "denominator", "numerator", "rate", "students"],
            "properties": {
                "school": {"type": "string"},
                "group": {"type": "string", "enum": list(GROUPS)},
                "denominator": {"type": "integer"}, "numerator": {"type": "integer"},
                "rate": {"type": ["number", "null"]},
                "students": {"type": "array", "items": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": {"type": "string"},
                    "completed": {"type": "boolean"}}}}}}}}})


def parse_year(value: str | None) -> int:
    """The graduating year asked for, or ValidationFailed naming the parameter."""
    if not value or not value.isdigit() or not 1950 <= int(value) <= 2100:
        raise ValidationFailed("Give the graduating year, like 2027.",
                               {"graduation_year": "A year from 1950 to 2100."})
    return int(value)


@bp.route("/reports/perkins-5s3")
@documented("/reports/perkins-5s3", "get",
            "Perkins V 5S3: CTE concentrators graduating in a year who completed "
            "work-based learning, by school and student group (school staff: their school)",
            response=REPORT, roles="staff (district or school)",
            parameters=[{"name": "graduation_year", "in": "query", "required": True,
                         "schema": {"type": "integer", "minimum": 1950, "maximum": 2100}}],
            errors=("401", "403", "422"))
@role_required(Role.STAFF)
def perkins_5s3_api():
    report = perkins_5s3(parse_year(request.args.get("graduation_year")), current_user)
    rows = []
    for cell in report.cells:
        done = {student_id for student_id, _ in cell.completers}
        rows.append({"school": cell.school, "group": cell.group,
                     "denominator": len(cell.students), "numerator": len(cell.completers),
                     "rate": round(cell.rate, 4) if cell.rate is not None else None,
                     "students": [{"id": i, "name": n, "completed": i in done}
                                  for i, n in cell.students]})
    return jsonify({"graduation_year": report.graduation_year, "min_hours": report.min_hours,
                    "rows": rows})
