"""``flask schools add`` makes the institution a district; ``users create --school`` makes
school staff."""

from __future__ import annotations

from marketplace.blueprints.accounts.services import find_user_by_email
from marketplace.blueprints.schools import services
from marketplace.blueprints.schools.models import InstitutionKind
from marketplace.core.extensions import db


def test_schools_add_and_school_staff(app):
    runner = app.test_cli_runner()
    assert not services.is_district()
    result = runner.invoke(args=["schools", "add", "  Roosevelt   High "])
    assert result.exit_code == 0, result.output
    assert services.setting().kind is InstitutionKind.DISTRICT
    assert runner.invoke(args=["schools", "add", "Roosevelt High"]).exit_code == 0  # rerun
    assert [name for _, name in services.school_choices()] == ["Roosevelt High"]
    made = runner.invoke(args=["users", "create", "pat@district.example", "--role", "staff",
                               "--password", "a long passphrase", "--name", "Pat Lee",
                               "--school", "Roosevelt High"])
    assert made.exit_code == 0, made.output
    staff = find_user_by_email("pat@district.example")
    assert services.staff_school_id(staff) == services.school_named("Roosevelt High").id
    wrong = runner.invoke(args=["users", "create", "kim@district.example", "--role", "staff",
                                "--password", "a long passphrase", "--name", "Kim",
                                "--school", "Nowhere High"])
    assert wrong.exit_code != 0 and "No school named" in wrong.output
    student = runner.invoke(args=["users", "create", "sam@district.example", "--role",
                                  "student", "--password", "a long passphrase", "--name", "Sam",
                                  "--school", "Roosevelt High"])
    assert student.exit_code != 0 and "for staff accounts" in student.output
    db.session.rollback()
