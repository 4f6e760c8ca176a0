"""People and organizations: users, their role profiles, API tokens."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role


class OrganizationType(enum.StrEnum):
    COMPANY = "company"
    NONPROFIT = "nonprofit"
    GOVERNMENT = "government"
    SCHOOL = "school"


class OrganizationStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    SUSPENDED = "suspended"


class Organization(db.Model):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    type: Mapped[OrganizationType] = mapped_column(enum_type(OrganizationType))
    status: Mapped[OrganizationStatus] = mapped_column(
        enum_type(OrganizationStatus), default=OrganizationStatus.PENDING, index=True
    )
    status_reason: Mapped[str | None] = mapped_column(sa.Text)
    trusted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A verified organization's new name or website, waiting for staff: until they
    # approve it the organization stays verified under the name staff checked.
    pending_name: Mapped[str | None] = mapped_column(sa.String(200))
    pending_website: Mapped[str | None] = mapped_column(sa.String(300))
    change_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    members: Mapped[list[User]] = relationship(back_populates="organization")

    __table_args__ = (
        sa.Index("uq_organization_verified_name", sa.func.lower(name), unique=True,
                 postgresql_where=sa.text("status = 'verified'"),
                 sqlite_where=sa.text("status = 'verified'")),
    )

    @property
    def has_pending_change(self) -> bool:
        return self.change_requested_at is not None

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.name!r} {self.status}>"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(enum_type(Role), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    # Bumped on log-out and password change: every session cookie carries the
    # version it was issued under, so older cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person opened the link we e-mailed (or staff / a campus sign-in
    # vouched for the address); an employer posts only once it is set.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A student's own address, kept after graduation: the alum signs in with it. It
    # counts only once a link sent to it was opened; until then it waits as pending.
    personal_email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    personal_email_pending: Mapped[str | None] = mapped_column(sa.String(254))
    # Set when staff carried out the person's deletion request (privacy domain): the row
    # stays, anonymised, so outcome counts of past classes keep the person's evidence.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organization: Mapped[Organization | None] = relationship(back_populates="members")
    student_profile: Mapped[StudentProfile | None] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan"
    )
    alumni_profile: Mapped[AlumniProfile | None] = relationship(
        back_populates="user", uselist=False, cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def time_zone(self) -> str:
        profile = self.student_profile or self.alumni_profile
        return profile.time_zone if profile else "America/New_York"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class StudentProfile(db.Model):
    __tablename__ = "student_profile"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    graduation_year: Mapped[int | None] = mapped_column(index=True)
    major: Mapped[str | None] = mapped_column(sa.String(120))
    # Self-reported and optional: None means "prefer not to say".
    first_generation: Mapped[bool | None]
    pell_eligible: Mapped[bool | None]
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")
    # Schools (a district): who is a minor, which school, who a guardian is. The school
    # table belongs to the schools domain; only its id is kept here.
    date_of_birth: Mapped[date | None]
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    cte_concentrator: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    guardian_email: Mapped[str | None] = mapped_column(sa.String(254))
    preferred_language: Mapped[str] = mapped_column(sa.String(2), default="en",
                                                    server_default="en")

    user: Mapped[User] = relationship(back_populates="student_profile")
    cluster_rows: Mapped[list[StudentCluster]] = relationship(
        cascade="all, delete-orphan", order_by="StudentCluster.cluster"
    )

    @property
    def clusters(self) -> list[str]:
        return [row.cluster for row in self.cluster_rows]

    @clusters.setter
    def clusters(self, keys: list[str]) -> None:
        existing = {row.cluster: row for row in self.cluster_rows}
        self.cluster_rows = [existing.get(key) or StudentCluster(cluster=key) for key in keys]


class StudentCluster(db.Model):
    """A career cluster a student is interested in (one row each, for grouping in SQL)."""

    __tablename__ = "student_cluster"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("student_profile.user_id", ondelete="CASCADE"), primary_key=True
    )
    cluster: Mapped[str] = mapped_column(sa.String(40), primary_key=True)


class AlumniProfile(db.Model):
    __tablename__ = "alumni_profile"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    graduation_year: Mapped[int | None]
    employer: Mapped[str | None] = mapped_column(sa.String(200))
    title: Mapped[str | None] = mapped_column(sa.String(200))
    cluster: Mapped[str | None] = mapped_column(sa.String(40))
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="America/New_York")

    user: Mapped[User] = relationship(back_populates="alumni_profile")


class ApiToken(db.Model):
    """A personal API token. Only its SHA-256 digest is stored."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(80), server_default="API token")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UserSession(db.Model):
    """One signed-in browser: listed on ``/me/sessions`` and ended one by one.

    The cookie holds a random key; only its SHA-256 digest is stored.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    # How the person signed in: "password", "link" (an e-mailed link) or "sso:<provider>".
    method: Mapped[str] = mapped_column(sa.String(60), default="password")

    user: Mapped[User] = relationship()
