"""factory_boy factories. They flush into the test's session; the test is rolled back."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    Organization,
    OrganizationStatus,
    OrganizationType,
    StudentProfile,
    User,
)
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
)
from marketplace.core.extensions import db
from marketplace.core.policies import Role

DEFAULT_PASSWORD = "correct horse battery staple"
_HASHES: dict[str, str] = {}


def password_hash(password: str = DEFAULT_PASSWORD) -> str:
    # Hashing once per password keeps the suite fast; the hash is a real argon2id one.
    if password not in _HASHES:
        from marketplace.blueprints.accounts.services import hash_password

        _HASHES[password] = hash_password(password)
    return _HASHES[password]


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganizationFactory(Base):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    website = "https://org.example"
    type = OrganizationType.COMPANY
    status = OrganizationStatus.VERIFIED


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@school.edu")
    name = factory.Sequence(lambda n: f"User {n}")
    role = Role.STUDENT
    password_hash = factory.LazyFunction(password_hash)
    email_verified_at = factory.LazyFunction(lambda: datetime.now(UTC))


class StudentFactory(UserFactory):
    role = Role.STUDENT
    email = factory.Sequence(lambda n: f"student{n}@school.edu")
    student_profile = factory.LazyFunction(
        lambda: StudentProfile(graduation_year=2027, major="Biology", time_zone="America/New_York")
    )


class EmployerFactory(UserFactory):
    role = Role.EMPLOYER
    email = factory.Sequence(lambda n: f"employer{n}@company.example")
    organization = factory.SubFactory(OrganizationFactory)


class AlumniFactory(UserFactory):
    role = Role.ALUMNI
    email = factory.Sequence(lambda n: f"alum{n}@alumni.example")
    alumni_profile = factory.LazyFunction(
        lambda: AlumniProfile(graduation_year=2015, employer="Acme", title="Engineer",
                              cluster="digital_technology", time_zone="America/Chicago")
    )


class StaffFactory(UserFactory):
    role = Role.STAFF
    email = factory.Sequence(lambda n: f"staff{n}@school.edu")


class OpportunityFactory(Base):
    class Meta:
        model = Opportunity

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Opportunity {n}")
    kind = OpportunityKind.INTERNSHIP
    status = OpportunityStatus.PUBLISHED
    description = "Hands-on work with a friendly team."
    location = "Dayton, OH"
    paid = True
    pay_min = 18
    pay_period = "hour"
    career_cluster = "digital_technology"
    positions = 1
    skills = factory.LazyFunction(list)
    risk_flags = factory.LazyFunction(list)
    application_deadline = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    published_at = factory.Sequence(
        lambda n: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n))
    submitted_at = factory.LazyAttribute(lambda o: o.published_at)
