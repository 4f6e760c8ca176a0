"""People: accounts, passwords, sign-in, sessions and profiles."""

from __future__ import annotations

import secrets
from datetime import date

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts import hooks
from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    Organization,
    OrganizationStatus,
    OrganizationType,
    StudentProfile,
    User,
)
from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.accounts.services.sessions import end_all_sessions
from marketplace.blueprints.accounts.services.tokens import revoke_api_tokens
from marketplace.blueprints.notifications.services import notify
from marketplace.core.audit import audit
from marketplace.core.clock import institution_today
from marketplace.core.db import utcnow
from marketplace.core.errors import (
    Conflict,
    ValidationFailed,
)
from marketplace.core.extensions import db
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role

MIN_PASSWORD_LENGTH = 12


MAX_PASSWORD_LENGTH = 256


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("password_hasher")
    if hasher is None:
        cfg = current_app.config
        hasher = PasswordHasher(
            time_cost=cfg["ARGON2_TIME_COST"],
            memory_cost=cfg["ARGON2_MEMORY_COST"],
            parallelism=cfg["ARGON2_PARALLELISM"],
        )
        current_app.extensions["password_hasher"] = hasher
    return hasher


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters. "
            "A few unrelated words make a good one.",
            {"password": f"At least {MIN_PASSWORD_LENGTH} characters."},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Passwords can be at most {MAX_PASSWORD_LENGTH} characters.",
            {"password": f"At most {MAX_PASSWORD_LENGTH} characters."},
        )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def account_for_address(email: str) -> User | None:
    """The account that signs in with ``email``, or keeps it as its personal address."""
    email = normalize_email(email)
    return db.session.scalar(sa.select(User).where(
        sa.or_(User.email == email, User.personal_email == email)).limit(1))


class EmailTaken(Conflict):
    """The address already has an account. Self-registration answers as if it had worked
    and tells the owner by e-mail (``views.register_role``); staff see this message."""


def _new_user(email: str, name: str, role: Role, password: str) -> User:
    check_password_rules(password)
    email = normalize_email(email)
    # Hashed first, whether or not the address is taken: both answers take as long.
    password_hash = hash_password(password)
    if account_for_address(email) is not None:
        raise EmailTaken(
            "An account with this e-mail address already exists. Log in, or use another address.",
            {"email": "Already registered."},
        )
    user = User(email=email, name=name.strip(), role=role, password_hash=password_hash)
    try:
        with db.session.begin_nested():  # a registration racing this one took it first
            db.session.add(user)
            db.session.flush()
    except IntegrityError:
        raise EmailTaken("An account with this e-mail address already exists.",
                         {"email": "Already registered."}) from None
    return user


WELCOME_TEXT = {
    Role.STUDENT: "Browse opportunities that career staff have checked, and book an hour with "
                  "an alum in the field you want. Your dashboard shows the career outcomes "
                  "you have reached so far.",
    Role.EMPLOYER: "Career staff will verify your organization; meanwhile you can prepare "
                   "your first posting.",
    Role.ALUMNI: "Thank you for giving your time. Offer a mentoring slot whenever it suits "
                 "you, in your own time zone.",
    Role.STAFF: "You can vet employers, review postings and see outcome reports.",
}


def _welcome(user: User, created_by_staff: bool = False) -> None:
    title = ("A Career Connections account was created for you" if created_by_staff
             else "Welcome to Career Connections")
    # A person who registered gets one e-mail, the confirmation link; the welcome waits
    # in the app. Someone staff made an account for hears of it by e-mail.
    notify(user, "welcome", title, WELCOME_TEXT[user.role], link="home.home",
           email=created_by_staff)


def register_student(email: str, name: str, password: str, welcome: bool = True,
                     **profile) -> User:
    """Create a student account with its profile and queue a welcome e-mail.

    Flushes; not safe to rerun (the e-mail address is unique).
    """
    user = _new_user(email, name, Role.STUDENT, password)
    clusters = profile.pop("clusters", [])
    user.student_profile = StudentProfile(**profile)
    user.student_profile.clusters = clusters
    db.session.flush()
    if welcome:
        _welcome(user)
    return user


def register_alumni(email: str, name: str, password: str, welcome: bool = True,
                    **profile) -> User:
    """Create an alum's account with its profile and queue a welcome e-mail. Flushes."""
    user = _new_user(email, name, Role.ALUMNI, password)
    user.alumni_profile = AlumniProfile(**profile)
    db.session.flush()
    if welcome:
        _welcome(user)
    return user


def register_employer(
    email: str,
    name: str,
    password: str,
    organization_name: str,
    organization_type: OrganizationType,
    website: str | None = None,
    verified: bool = False,
    welcome: bool = True,
) -> User:
    """Create an employer and its organization (``pending`` unless ``verified``).

    Queues a welcome e-mail. Flushes; not safe to rerun.
    """
    user = _new_user(email, name, Role.EMPLOYER, password)
    user.organization = Organization(
        name=organization_name.strip(),
        type=organization_type,
        website=website or None,
        status=OrganizationStatus.VERIFIED if verified else OrganizationStatus.PENDING,
    )
    db.session.flush()
    if welcome:
        _welcome(user)
    return user


def create_user(
    email: str, name: str, role: Role, password: str, organization_name: str | None = None,
    by: User | None = None,
) -> User:
    """Create any kind of account, staff included (CLI and staff only).

    Flushes; audit-logged; tells the new user by notification and e-mail.
    """
    if role is Role.EMPLOYER:
        if not organization_name:
            raise ValidationFailed(
                "An employer needs an organization name.", {"org": "Required for employers."}
            )
        existing = db.session.scalar(
            sa.select(Organization).where(Organization.name == organization_name.strip())
        )
        if existing is not None:
            user = _new_user(email, name, role, password)
            user.organization = existing
        else:
            user = register_employer(
                email, name, password, organization_name, OrganizationType.COMPANY,
                verified=True, welcome=False,
            )
    elif role is Role.STUDENT:
        user = register_student(email, name, password, welcome=False)
    elif role is Role.ALUMNI:
        user = register_alumni(email, name, password, welcome=False)
    else:
        user = _new_user(email, name, role, password)
    # Staff vouch for the address they typed; the person need not confirm it.
    user.email_verified_at = utcnow()
    db.session.flush()
    _welcome(user, created_by_staff=True)
    audit(by, "user.created", subject_type="user", subject_id=user.id, role=role.value)
    return user


# A hash of a random password, checked when the e-mail is unknown so that a
# wrong e-mail costs as much time as a wrong password.
_DUMMY_HASH: dict[str, str] = {}


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None. Rehashes old parameters.

    An address never confirmed does not sign in with a password (whoever registered it may
    not own it): the link sent to it signs its owner in. The answer is the same as for a
    wrong password, so a log-in tells nobody which addresses were registered.
    """
    user = find_user_by_email(email) if email else None
    hasher = _hasher()
    if user is None or not user.active:
        key = f"{hasher.time_cost}:{hasher.memory_cost}"
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hasher.hash(secrets.token_urlsafe(16))
        try:
            hasher.verify(_DUMMY_HASH[key], password)
        except (VerificationError, InvalidHashError):
            pass
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if not user.email_verified:
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to ``user`` so far."""
    user.session_version = (user.session_version or 1) + 1
    end_all_sessions(user)


def confirm_email(user: User) -> None:
    """The person opened the link we sent to their address. Flushes; safe to rerun."""
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit(user, "user.email_confirmed", subject_type="user", subject_id=user.id)
    db.session.flush()


def reset_password(user: User, new_password: str) -> None:
    """Set a new password from an e-mailed link: every session and API token ends, and
    the address counts as confirmed (the link reached it). Flushes."""
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    revoke_api_tokens(user)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit(user, "user.password_reset", subject_type="user", subject_id=user.id)
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password and end every session of the user (the caller logs this one back in)."""
    try:
        _hasher().verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise ValidationFailed(
            "Your current password is not right.", {"current_password": "Not right."}
        ) from None
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    revoke_api_tokens(user)


LANGUAGES = {"en": "English", "es": "Español"}


def date_of_birth_problem(value: date) -> str | None:
    """Why a date of birth cannot be right (in the future, over 100 years ago), or None."""
    today = institution_today()
    if value > today:
        return "A date of birth cannot be in the future."
    earliest = date(today.year - 100, today.month, 28 if (today.month, today.day) == (2, 29)
                    else today.day)
    if value < earliest:
        return "A date of birth more than 100 years ago cannot be right; check the year."
    return None


def check_school_fields(fields: dict) -> dict:
    """The schools fields of a student profile, checked and normalized (those given only).
    Raises ValidationFailed naming each field that is wrong."""
    errors, clean = {}, dict(fields)
    if clean.get("date_of_birth") is not None:
        problem = date_of_birth_problem(clean["date_of_birth"])
        if problem:
            errors["date_of_birth"] = problem
    if clean.get("school_id") is not None:
        schools = dict(pair for answer in hooks.school_choices.results() for pair in answer)
        if clean["school_id"] not in schools:
            errors["school_id"] = "Choose one of the district's schools."
    if "guardian_email" in clean:
        address = normalize_email(clean["guardian_email"] or "") or None
        local, at, domain = (address or "").rpartition("@")
        if address and not (at and local and "." in domain and " " not in address):
            errors["guardian_email"] = "Enter a valid e-mail address, like name@example.org."
        clean["guardian_email"] = address
    if "preferred_language" in clean and clean["preferred_language"] not in LANGUAGES:
        errors["preferred_language"] = "Choose English (en) or Spanish (es)."
    if "cte_concentrator" in clean and not isinstance(clean["cte_concentrator"], bool):
        errors["cte_concentrator"] = "Yes or no."
    if errors:
        raise ValidationFailed("Please check your profile.", errors)
    return clean


def update_student_profile(user: User, *, name: str, clusters: list[str], **fields) -> None:
    """Overwrite the student's name and profile fields. Flushes; safe to rerun.
    Raises ValidationFailed for a wrong date of birth, school, guardian address or
    language (``check_school_fields``), and for a school other than the one already set
    (the student chooses it once; the roster import changes it)."""
    fields = check_school_fields(fields)
    profile = user.student_profile or StudentProfile(user=user)
    if profile.school_id is not None and fields.get("school_id", profile.school_id) \
            != profile.school_id:
        # A student's school decides which postings they see and which school's staff
        # see them: chosen once by the student, then changed by the roster (staff).
        raise ValidationFailed("Please check your profile.", {
            "school_id": "Your school is on the district's roster: ask your career center "
                         "to change it."})
    user.name = name.strip()
    for key, value in fields.items():
        setattr(profile, key, value)
    profile.clusters = clusters
    g.pop("viewer_clusters", None)  # read with the person at sign-in: no longer so
    db.session.flush()


def set_personal_email(user: User, address: str | None) -> bool:
    """Ask to keep ``address`` as the student's personal e-mail. Flushes.

    It counts only once the link sent to it is opened (``confirm_personal_email``); the
    school address hears of the change. Any address is taken here, so the answer tells
    nothing about other accounts; one already in use is refused when confirmed, to the
    mailbox's owner only. Returns whether a link goes out. None removes both.
    """
    address = normalize_email(address) if address else None
    if address == user.email:
        raise ValidationFailed("Give an address other than the one you sign in with now.",
                               {"personal_email": "Not your school address."})
    if address is None:
        user.personal_email = user.personal_email_pending = None
        db.session.flush()
        return False
    if address in (user.personal_email, user.personal_email_pending):
        return False
    user.personal_email_pending = address
    db.session.flush()
    enqueue_after_commit("send_personal_email_confirmation", user.id)
    notify(user, "personal_email", "A personal e-mail was added to your account",
           f"We sent a link to {address}; it counts once the link is opened. If you did not "
           "add it, change your password and tell the career center.",
           link="accounts.edit_student_profile")
    return True


def confirm_personal_email(user: User) -> None:
    """The link sent to the pending personal address was opened. Flushes. Refuses an
    address that another account signs in with or keeps."""
    address = user.personal_email_pending
    holder = account_for_address(address) if address else None
    if not address or (holder is not None and holder.id != user.id):
        raise Conflict("This address cannot be used as your personal e-mail. Add another "
                       "on your profile.", {"personal_email": "Cannot be used."})
    try:
        with db.session.begin_nested():
            user.personal_email, user.personal_email_pending = address, None
            db.session.flush()
    except IntegrityError:
        raise Conflict("This address cannot be used as your personal e-mail.",
                       {"personal_email": "Cannot be used."}) from None
    audit(user, "user.personal_email_confirmed", subject_type="user", subject_id=user.id)


def graduation_counts(year: int, viewer: User | None = None) -> dict:
    """How many active students of the class ``year`` there are (that ``viewer`` may see:
    a school's staff, their school's), and how many gave a personal e-mail (the others
    keep signing in with their school address)."""
    rows = db.session.execute(sa.select(
        sa.func.count(User.id), sa.func.count(User.personal_email)).join(
        StudentProfile, StudentProfile.user_id == User.id).where(
        User.role == Role.STUDENT, User.active.is_(True),
        StudentProfile.graduation_year == year, students_in_scope(viewer, User.id))).one()
    return {"students": rows[0], "with_personal_email": rows[1]}


def graduate_class(year: int, by: User | None) -> list[User]:
    """The class of ``year`` graduates: each active student account becomes an alum
    account, signing in with the personal e-mail where one was given, keeping its id (so
    applications, placements, bookings and outcome evidence stay theirs) and its student
    profile (the class reports count it). Flushes; audit-logged; tells each by e-mail.
    Safe to rerun: graduates are no longer students. Asked by a school's staff member, only
    their school's class graduates."""
    students = db.session.scalars(sa.select(User).join(
        StudentProfile, StudentProfile.user_id == User.id).where(
        User.role == Role.STUDENT, User.active.is_(True),
        StudentProfile.graduation_year == year, students_in_scope(by, User.id))
        .order_by(User.id).with_for_update()).all()
    for user in students:
        profile = user.student_profile
        user.role = Role.ALUMNI
        if user.alumni_profile is None:
            user.alumni_profile = AlumniProfile(
                graduation_year=year, time_zone=profile.time_zone,
                cluster=profile.clusters[0] if profile.clusters else None)
        moved = False
        if user.personal_email:
            # Only a confirmed address, and only while no account signs in with it (an
            # import may have made one since): otherwise the school address stays.
            try:
                with db.session.begin_nested():
                    user.email, user.personal_email = user.personal_email, None
                    db.session.flush()
                moved = True
            except IntegrityError:
                pass
        db.session.flush()
        notify(user, "graduated", "Congratulations, graduate: your account is now an alum account",
               ("You now sign in with this address. Your history and outcomes stay with you; "
                "offer an hour of mentoring whenever it suits you." if moved else
                "Your history and outcomes stay with you. Add a personal e-mail on your "
                "profile before your school address closes."), link="home.home")
        audit(by, "user.graduated", subject_type="user", subject_id=user.id, year=year,
              moved_email=moved)
    return students


def update_alumni_profile(user: User, *, name: str, **fields) -> None:
    """Overwrite the alum's name and profile fields. Flushes; safe to rerun."""
    user.name = name.strip()
    profile = user.alumni_profile or AlumniProfile(user=user)
    for key, value in fields.items():
        setattr(profile, key, value)
    db.session.flush()
