"""Schools: the district and its schools, who staff see, guardians' consent for minors,
and the supervisor's hours and evaluations. Services flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.accounts.policies import can_staff_see_student, students_in_scope
from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.applications.services import (
    complete_placement_by_supervisor,
    move_placement,
)
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.schools import links
from marketplace.blueprints.schools.models import (
    ConsentStatus,
    Evaluation,
    EvaluationKind,
    EvaluationReminder,
    GuardianConsent,
    InstitutionKind,
    InstitutionSetting,
    School,
    SchoolStaff,
    SupervisorLinks,
    WeeklyHours,
)
from marketplace.core.clock import institution_today
from marketplace.core.db import lock_row, utcnow
from marketplace.core.errors import Conflict, NotFound, ValidationFailed
from marketplace.core.extensions import db, insert_or_ignore
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role
from marketplace.core.reference import NACE_COMPETENCIES

ADULT_AGE = 18
# Job arguments are ids: an evaluation kind travels as its number.
KIND_NUMBER = {EvaluationKind.MIDPOINT: 1, EvaluationKind.FINAL: 2}


# --- The district and its schools -------------------------------------------------------

def setting() -> InstitutionSetting:
    """The institution's setting row (a college until a school is added). Flushes."""
    row = db.session.get(InstitutionSetting, 1)
    if row is None:
        row = InstitutionSetting(id=1, kind=InstitutionKind.COLLEGE, min_wbl_hours=20)
        db.session.add(row)
        db.session.flush()
    return row


def is_district() -> bool:
    row = db.session.get(InstitutionSetting, 1)
    return row is not None and row.kind is InstitutionKind.DISTRICT


def add_school(name: str) -> School:
    """Make the institution a district, if it is not, and add the school. Safe to rerun:
    an existing school of that name is returned. Flushes."""
    name = " ".join((name or "").split())[:200]
    if not name:
        raise ValidationFailed("Name the school.", {"name": "Required."})
    setting().kind = InstitutionKind.DISTRICT
    school = db.session.scalar(sa.select(School).where(School.name == name))
    if school is None:
        school = School(name=name)
        db.session.add(school)
    db.session.flush()
    return school


def school_named(name: str) -> School | None:
    return db.session.scalar(sa.select(School).where(School.name == " ".join(name.split())))


def school_choices() -> list[tuple[int, str]]:
    """The district's schools for a student's profile; none for a college."""
    return [(s.id, s.name) for s in db.session.scalars(sa.select(School).order_by(School.name))]


def assign_school_staff(user: User, school: School) -> None:
    """Make a staff account school staff: it sees that school's students only. Flushes."""
    if user.role is not Role.STAFF:
        raise ValidationFailed("Only staff accounts belong to a school as staff.",
                               {"school": "Not a staff account."})
    row = db.session.get(SchoolStaff, user.id) or SchoolStaff(user_id=user.id)
    row.school_id = school.id
    db.session.add(row)
    db.session.flush()


def staff_school_id(user) -> int | None:
    """The one school a staff member is limited to, or None (district or college staff).
    Asks the database: registered on ``accounts.hooks.staff_school``; everything else
    asks ``accounts.policies.staff_school_limit``, which keeps the answer per request."""
    if not getattr(user, "is_authenticated", False) or user.role is not Role.STAFF:
        return None
    return db.session.scalar(sa.select(SchoolStaff.school_id).where(
        SchoolStaff.user_id == user.id))


# --- Minors and consent -----------------------------------------------------------------

def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def placement_first_day(placement: Placement) -> date:
    return placement.start_date or placement.opportunity.start_date or institution_today()


def needs_consent(placement: Placement) -> bool:
    """Whether the student is a minor on the placement's first day (the posting's start,
    else today). In a district a student with no date of birth counts as a minor: the
    safe side. If so, opens the consent request and e-mails the guardian after commit.
    (Registered on ``applications.hooks.placement_needs_consent``.) Flushes."""
    profile = db.session.get(StudentProfile, placement.student_id)
    born = profile.date_of_birth if profile else None
    if born is None:
        minor = is_district()
    else:
        minor = age_on(born, placement_first_day(placement)) < ADULT_AGE
    if not minor:
        return False
    consent = GuardianConsent(placement_id=placement.id, nonce=links.new_nonce(),
                              guardian_email=profile.guardian_email if profile else None,
                              language=(profile.preferred_language if profile else None)
                              or "en")
    db.session.add(consent)
    db.session.flush()
    if consent.guardian_email:
        consent.sent_at, consent.sent_count = utcnow(), 1
        enqueue_after_commit("send_consent_request", consent.id)
    return True


def consent_token(consent: GuardianConsent) -> str:
    return links.make_token("consent", c=consent.id, f=_consent_fingerprint(consent))


def _consent_fingerprint(consent: GuardianConsent) -> str:
    return links.fingerprint("consent", consent.id, consent.nonce, consent.guardian_email)


@dataclass(frozen=True)
class ConsentLink:
    """What a consent link opens: the request, or why not ("expired", "invalid",
    "replaced" by a newer link, "answered" already)."""

    consent: GuardianConsent | None
    problem: str | None


def open_consent_link(token: str) -> ConsentLink:
    reading = links.read_token("consent", token, links.CONSENT_LIFETIME)
    if reading.problem:
        return ConsentLink(None, reading.problem)
    consent_id = reading.fields.get("c")
    consent = db.session.get(GuardianConsent, consent_id) if type(consent_id) is int else None
    if consent is None:
        return ConsentLink(None, "invalid")
    if not links.same(reading.fields["f"], _consent_fingerprint(consent)):
        return ConsentLink(None, "replaced")
    if consent.status is not ConsentStatus.PENDING:
        return ConsentLink(consent, "answered")
    return ConsentLink(consent, None)


def decide_consent(token: str, agree: bool, ip: str | None, guardian_name: str,
                   emergency_name: str | None, emergency_phone: str | None,
                   language: str) -> GuardianConsent:
    """Record a guardian's answer through their link, with the time and address it came
    from: consent starts the placement, refusal cancels it and tells the student and the
    host. Locks the request first and writes the answer before the placement moves, so
    two answers at once record one (the other: Conflict). Flushes."""
    opened = open_consent_link(token)
    if opened.consent is None or opened.problem not in (None, "answered"):
        raise NotFound("This link does not work any more.")
    consent = lock_row(GuardianConsent, opened.consent.id)
    if consent.status is not ConsentStatus.PENDING \
            or not links.same(links.read_token("consent", token, links.CONSENT_LIFETIME)
                              .fields.get("f", ""), _consent_fingerprint(consent)):
        raise Conflict("This consent request has been answered already.")
    consent.status = ConsentStatus.CONSENTED if agree else ConsentStatus.REFUSED
    consent.decided_at, consent.decided_ip = utcnow(), (ip or "")[:45] or None
    consent.guardian_name = guardian_name.strip()[:120]
    consent.emergency_name = (emergency_name or "").strip()[:120] or None
    consent.emergency_phone = (emergency_phone or "").strip()[:40] or None
    consent.language = language if language in ("en", "es") else consent.language
    db.session.flush()  # written now: on SQLite the write lock stays with this transaction
    placement = move_placement(consent.placement_id, PlacementStatus.ACTIVE if agree
                               else PlacementStatus.CANCELLED,
                               reason="guardian consent" if agree else "guardian refusal")
    _tell_about_consent(placement, agree)
    return consent


def _tell_about_consent(placement: Placement, agree: bool) -> None:
    title = placement.opportunity.title
    if agree:
        notify(placement.student, "placement_consent",
               f"Your parent or guardian agreed: “{title}” can start",
               link="schools.my_placement", placement_id=placement.id)
        text = "Consent was given; the placement can start."
    else:
        notify(placement.student, "placement_consent",
               f"Your placement “{title}” cannot go ahead",
               "Your parent or guardian did not give consent. Talk to your school's career "
               "staff if you have questions.")
        text = "The student's parent or guardian did not consent; the placement is closed."
    host = placement.opportunity.created_by
    if host:
        notify(host, "placement_consent", f"{placement.student.name}, “{title}”: {text}",
               link="applications.list_applicants", opportunity_id=placement.opportunity_id)


def resend_consent(consent_id: int, by: User, guardian_email: str | None) -> GuardianConsent:
    """Staff send the consent request again, maybe to a corrected address: a new nonce, so
    every earlier link stops working. Only while it waits. Flushes."""
    consent = lock_row(GuardianConsent, consent_id)
    if consent is None or not can_staff_see_student(by, consent.placement.student_id):
        raise NotFound("No such consent request.")
    if consent.status is not ConsentStatus.PENDING:
        raise Conflict("This consent request has been answered already.")
    address = (guardian_email or consent.guardian_email or "").strip().lower()
    if not address:
        raise ValidationFailed("Give the parent's or guardian's e-mail address.",
                               {"guardian_email": "Required: nobody to send it to."})
    consent.guardian_email = address
    consent.nonce = links.new_nonce()
    consent.sent_at, consent.sent_count = utcnow(), consent.sent_count + 1
    db.session.flush()
    enqueue_after_commit("send_consent_request", consent.id)
    return consent


def waiting_for_consent(user) -> list[GuardianConsent]:
    """The consent requests still waiting, that ``user`` (staff) may see, oldest first."""
    return list(db.session.scalars(
        sa.select(GuardianConsent).join(Placement, Placement.id == GuardianConsent.placement_id)
        .where(GuardianConsent.status == ConsentStatus.PENDING,
               Placement.status == PlacementStatus.AWAITING_CONSENT,
               students_in_scope(user, Placement.student_id))
        .order_by(GuardianConsent.created_at).limit(500)))


# --- Supervisors: hours and evaluations -------------------------------------------------

def supervisor_nonce(placement: Placement) -> str:
    """The placement's current supervisor nonce, drawn when first needed. Flushes."""
    row = db.session.get(SupervisorLinks, placement.id)
    if row is None:
        row = SupervisorLinks(placement_id=placement.id, nonce=links.new_nonce())
        db.session.add(row)
        db.session.flush()
    return row.nonce


def revoke_supervisor_links(placement: Placement) -> None:
    """A new nonce: every supervisor link sent so far stops working. Flushes."""
    row = db.session.get(SupervisorLinks, placement.id)
    if row is not None:
        row.nonce, row.sent_at = links.new_nonce(), utcnow()
        db.session.flush()


def supervisor_token(placement: Placement, action: str) -> str:
    """A link for ``action`` ("hours:<id>", "midpoint", "final") for the supervisor on
    file now. Flushes (the nonce)."""
    return links.make_token("supervisor", p=placement.id, a=action,
                            f=_supervisor_fingerprint(placement, action))


def _supervisor_fingerprint(placement: Placement, action: str) -> str:
    row = db.session.get(SupervisorLinks, placement.id)
    nonce = row.nonce if row else supervisor_nonce(placement)
    extra = ""
    if action.startswith("hours:"):
        hours = db.session.get(WeeklyHours, int(action.split(":", 1)[1]))
        extra = f"{hours.hours}:{hours.week_start}" if hours else "gone"
    return links.fingerprint("supervisor", placement.id, action, nonce,
                             placement.supervisor_email or "", extra)


@dataclass(frozen=True)
class SupervisorLink:
    placement: Placement | None
    action: str
    problem: str | None  # "expired", "invalid", "replaced", "used", "closed"


def open_supervisor_link(token: str) -> SupervisorLink:
    reading = links.read_token("supervisor", token, links.SUPERVISOR_LIFETIME)
    if reading.problem:
        return SupervisorLink(None, "", reading.problem)
    placement_id, action = reading.fields.get("p"), reading.fields.get("a")
    if type(placement_id) is not int or not isinstance(action, str) or not (
            action in ("midpoint", "final") or (action.startswith("hours:")
                                                and action[6:].isdigit())):
        return SupervisorLink(None, "", "invalid")
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        return SupervisorLink(None, action, "invalid")
    if not links.same(reading.fields["f"], _supervisor_fingerprint(placement, action)):
        return SupervisorLink(None, action, "replaced")
    if action.startswith("hours:"):
        hours = db.session.get(WeeklyHours, int(action[6:]))
        if hours is None or hours.placement_id != placement.id:
            return SupervisorLink(None, action, "invalid")
        if hours.confirmed_at is not None:
            return SupervisorLink(placement, action, "used")
    elif db.session.scalar(sa.select(Evaluation.id).where(
            Evaluation.placement_id == placement.id, Evaluation.kind == action)):
        return SupervisorLink(placement, action, "used")
    if placement.status is not PlacementStatus.ACTIVE:
        return SupervisorLink(placement, action, "closed")
    return SupervisorLink(placement, action, None)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def log_hours(placement: Placement, student: User, day: date, hours: float,
              note: str | None) -> WeeklyHours:
    """The student logs the hours of the week containing ``day`` (a change replaces an
    unconfirmed entry; a confirmed week stays). The supervisor is e-mailed a link to
    confirm, after commit. Flushes."""
    if placement.student_id != student.id:
        raise NotFound("No such placement.")
    if placement.status is not PlacementStatus.ACTIVE:
        raise Conflict("Hours are logged while the placement is active.")
    errors = {}
    if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0.5 <= hours <= 80:
        errors["hours"] = "Enter the hours of that week, from 0.5 to 80."
    if day > institution_today():
        errors["week"] = "Log a week that has begun."
    if errors:
        raise ValidationFailed("Please check the hours.", errors)
    monday = week_start(day)
    row = db.session.scalar(sa.select(WeeklyHours).where(
        WeeklyHours.placement_id == placement.id, WeeklyHours.week_start == monday))
    if row is not None and row.confirmed_at is not None:
        raise Conflict("Your supervisor has confirmed that week already.")
    if row is None:
        row = WeeklyHours(placement_id=placement.id, week_start=monday, hours=float(hours))
        try:
            with db.session.begin_nested():
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            raise Conflict("That week was just logged; reload the page.") from None
    row.hours, row.note, row.logged_at = float(hours), (note or "").strip()[:500] or None, \
        utcnow()
    db.session.flush()
    if placement.supervisor_email:
        enqueue_after_commit("send_hours_confirmation", row.id)
    return row


def confirm_hours(token: str, ip: str | None) -> WeeklyHours:
    """The supervisor confirms a week's hours through their link; once. Flushes."""
    opened = open_supervisor_link(token)
    if opened.problem or not opened.action.startswith("hours:"):
        raise Conflict("This link does not work any more.")
    row = lock_row(WeeklyHours, int(opened.action[6:]))
    if row.confirmed_at is not None:
        raise Conflict("These hours are confirmed already.")
    row.confirmed_at, row.confirmed_ip = utcnow(), (ip or "")[:45] or None
    db.session.flush()
    return row


def confirmed_hours(placement_id: int) -> float:
    return float(db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(WeeklyHours.hours), 0))
                                   .where(WeeklyHours.placement_id == placement_id,
                                          WeeklyHours.confirmed_at.is_not(None))) or 0)


def submit_evaluation(token: str, ratings: dict, comment: str | None,
                      ip: str | None) -> Evaluation:
    """The supervisor's mid-point or final evaluation through their link; once each (a
    unique key, whatever the race). The final one completes the placement as the host's
    confirmation does, with the confirmed hours. Flushes."""
    # Hold the placement first: evaluations and completion of one placement take turns.
    placement_id = links.read_token("supervisor", token, links.SUPERVISOR_LIFETIME
                                    ).fields.get("p")
    if type(placement_id) is not int or lock_row(Placement, placement_id) is None:
        raise Conflict("This link does not work any more.")
    opened = open_supervisor_link(token)
    if opened.problem or opened.action not in ("midpoint", "final"):
        raise Conflict("This link does not work any more.")
    bad = [key for key in NACE_COMPETENCIES if type(ratings.get(key)) is not int
           or not 1 <= ratings[key] <= 4]
    if bad or set(ratings) - set(NACE_COMPETENCIES):
        raise ValidationFailed("Rate each competency from 1 to 4.",
                               {"ratings": "Rate each competency from 1 to 4."})
    final = opened.action == "final"
    hours = confirmed_hours(opened.placement.id) if final else 0
    if final and hours < 0.5:
        raise ValidationFailed(
            "Confirm the student's weekly hours before the final evaluation: no hours are "
            "confirmed yet.", {"hours": "No confirmed hours yet."})
    evaluation = Evaluation(placement_id=opened.placement.id, kind=EvaluationKind(opened.action),
                            ratings=dict(ratings), comment=(comment or "").strip()[:4000] or None,
                            submitted_ip=(ip or "")[:45] or None)
    try:
        with db.session.begin_nested():
            db.session.add(evaluation)
            db.session.flush()
    except IntegrityError:
        raise Conflict("This evaluation has been given already.") from None
    if final:
        complete_placement_by_supervisor(opened.placement.id, hours, dict(ratings),
                                         evaluation.comment)
    return evaluation


def evaluation_due_dates(placement: Placement) -> dict[EvaluationKind, date] | None:
    """When the mid-point and final evaluations are due, from the posting's dates."""
    start = placement.start_date or placement.opportunity.start_date
    end = placement.end_date or placement.opportunity.end_date
    if start is None or end is None or end < start:
        return None
    return {EvaluationKind.MIDPOINT: start + (end - start) / 2, EvaluationKind.FINAL: end}


def remind_due_evaluations(today: date) -> int:
    """Remind supervisors of evaluations due by ``today`` and not given: once per
    evaluation (an ``evaluation_reminder`` row, inserted or ignored). Safe to rerun and
    to run twice at once. Returns how many reminders were queued. Flushes."""
    placements = db.session.scalars(sa.select(Placement).where(
        Placement.status == PlacementStatus.ACTIVE,
        Placement.supervisor_email.is_not(None))).all()
    queued = 0
    for placement in placements:
        due = evaluation_due_dates(placement) or {}
        for kind, day in due.items():
            if day > today or db.session.scalar(sa.select(Evaluation.id).where(
                    Evaluation.placement_id == placement.id, Evaluation.kind == kind)):
                continue
            # RETURNING, not rowcount: drivers need not report a row count for an INSERT.
            inserted = db.session.execute(
                insert_or_ignore(EvaluationReminder).values(
                    placement_id=placement.id, kind=kind.value, created_at=utcnow())
                .on_conflict_do_nothing(index_elements=["placement_id", "kind"])
                .returning(EvaluationReminder.placement_id)).first()
            if inserted is not None:
                enqueue_after_commit("send_evaluation_request", placement.id,
                                     KIND_NUMBER[kind])
                queued += 1
    db.session.flush()
    return queued
