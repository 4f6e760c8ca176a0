"""The stable CLI: users create, users token, seed-demo."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import ApiToken, Organization, OrganizationStatus, User
from marketplace.core.extensions import db
from marketplace.core.policies import Role


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_users_create_staff(app):
    result = run(app, "users", "create", "dana@school.edu", "--role", "staff",
                 "--password", "staff passphrase 1", "--name", "Dana W")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "dana@school.edu"))
    assert user.role is Role.STAFF and user.name == "Dana W"


def test_users_create_employer_makes_a_verified_organization(app):
    result = run(app, "users", "create", "hr@northwind.example", "--role", "employer",
                 "--password", "employer passphrase", "--name", "Pat", "--org", "Northwind")
    assert result.exit_code == 0, result.output
    org = db.session.scalar(sa.select(Organization).where(Organization.name == "Northwind"))
    assert org.status is OrganizationStatus.VERIFIED


def test_users_create_refuses_bad_input_with_a_message(app):
    short = run(app, "users", "create", "x@school.edu", "--role", "staff", "--password", "short",
                "--name", "X")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    no_org = run(app, "users", "create", "y@school.edu", "--role", "employer",
                 "--password", "long enough passphrase", "--name", "Y")
    assert no_org.exit_code != 0 and "organization" in no_org.output
    bad_role = run(app, "users", "create", "z@school.edu", "--role", "wizard",
                   "--password", "long enough passphrase", "--name", "Z")
    assert bad_role.exit_code != 0


def test_users_token_prints_only_the_token_and_stores_its_hash(app, client):
    run(app, "users", "create", "api@school.edu", "--role", "student",
        "--password", "student passphrase", "--name", "Api User")
    result = run(app, "users", "token", "api@school.edu")
    token = result.stdout.strip()  # click keeps stdout apart from stderr
    assert result.exit_code == 0 and "\n" not in token and len(token) > 30
    stored = db.session.scalars(sa.select(ApiToken.token_hash)).all()
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["email"] == "api@school.edu"


def test_users_token_for_unknown_user(app):
    result = run(app, "users", "token", "ghost@school.edu")
    assert result.exit_code != 0 and "No user" in result.output


def test_seed_demo_is_idempotent(app):
    first = run(app, "seed-demo")
    assert first.exit_code == 0, first.output
    counts = {role: db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == role))
              for role in Role}
    assert counts[Role.STAFF] >= 1 and counts[Role.STUDENT] >= 40
    assert counts[Role.ALUMNI] >= 5 and counts[Role.EMPLOYER] >= 5
    cohorts = set(db.session.scalars(sa.text(
        "SELECT DISTINCT graduation_year FROM student_profile")))
    assert len(cohorts) >= 3

    second = run(app, "seed-demo")
    assert "nothing added" in second.output
    again = {role: db.session.scalar(sa.select(sa.func.count(User.id)).where(User.role == role))
             for role in Role}
    assert again == counts
    assert "student@demo.edu" in second.output
