"""Events pages: the list and an event (everyone), registering and the check-in code
(students), fairs and conversations (employers), running events and the kiosk (staff)."""

from __future__ import annotations

from datetime import timedelta
from itertools import groupby

import segno
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.events import services as events
from marketplace.blueprints.events.forms import (
    ActionForm,
    CodeForm,
    ConversationForm,
    DecisionForm,
    EventForm,
    FairRegistrationForm,
)
from marketplace.blueprints.events.models import (
    Conversation,
    Event,
    EventKind,
    EventRegistration,
    EventStatus,
    FairEmployer,
    FairStatus,
    RegistrationPause,
    RegistrationStatus,
)
from marketplace.blueprints.events.policies import (
    can_check_in,
    can_export_contacts,
    can_lift_pause,
    can_log_conversation,
    can_manage_event,
    can_register,
    can_register_organization,
    can_share_profile,
    can_view_event,
)
from marketplace.blueprints.mentoring.services import web_link
from marketplace.core.clock import in_zone, local_to_utc, viewer_zone
from marketplace.core.db import utcnow
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import show_domain_error
from marketplace.core.policies import Role, public, role_required
from marketplace.core.text import render_markdown

bp = Blueprint("events", __name__)


def _is(role: Role) -> bool:
    return current_user.is_authenticated and current_user.role is role


def load_event(event_id: int) -> Event:
    event = db.session.scalar(sa.select(Event).where(Event.id == event_id)
                              .options(joinedload(Event.host_organization)))
    if event is None or not can_view_event(current_user, event):
        abort(404)
    return event


@bp.app_template_global()
def event_link(event: Event):
    """(address, the rest) when the event's video link is a web link, else None."""
    return web_link(event.video_link)


@bp.route("/events")
@public
def list_events():
    kind = request.args.get("kind", "")
    error = None
    try:
        chosen = EventKind(kind) if kind else None
    except ValueError:
        chosen, error = None, "Unknown kind of event: showing every kind."
    past = request.args.get("past") == "1"
    statement = events.visible_events(current_user, events.EventFilters(
        kind=chosen, upcoming=not past))
    if past:
        statement = statement.where(Event.ends_at <= utcnow()).order_by(Event.starts_at.desc())
    else:
        statement = statement.order_by(Event.starts_at, Event.id)
    rows = db.session.scalars(statement.limit(200)).all()
    zone = viewer_zone()
    mine = {}
    if _is(Role.STUDENT) and rows:
        mine = {r.event_id: r for r in db.session.scalars(sa.select(EventRegistration).where(
            EventRegistration.student_id == current_user.id,
            EventRegistration.event_id.in_([event.id for event in rows])))}
    days = [(day, list(group)) for day, group in
            groupby(rows, key=lambda event: in_zone(event.starts_at, zone).date())]
    return render_template("events/list.html", days=days, kinds=list(EventKind),
                           kind=chosen, past=past, zone=zone, mine=mine, error=error,
                           staff=_is(Role.STAFF))


@bp.route("/events/<int:event_id>")
@public
def show_event(event_id: int):
    event = load_event(event_id)
    return render_event(event)


def render_event(event: Event, status: int = 200, fair_form=None):
    zone = viewer_zone()
    registration = conversations = None
    rank = None
    fair = None
    if _is(Role.STUDENT):
        registration = events.registration_of(event.id, current_user.id)
        rank = events.waitlist_rank(registration) if registration else None
        conversations = db.session.scalars(sa.select(Conversation).where(
            Conversation.event_id == event.id, Conversation.student_id == current_user.id)
            .options(joinedload(Conversation.organization))
            .order_by(Conversation.created_at)).all()
    elif _is(Role.EMPLOYER):
        fair = events.fair_registration(event.id, current_user.organization_id)
    employers = db.session.scalars(sa.select(FairEmployer).where(
        FairEmployer.event_id == event.id, FairEmployer.status == FairStatus.APPROVED)
        .options(joinedload(FairEmployer.organization))
        .order_by(FairEmployer.table_label, FairEmployer.id)).all() if event.is_fair else []
    now = utcnow()
    return render_template(
        "events/show.html", event=event, zone=zone, registration=registration, rank=rank,
        conversations=conversations, employers=employers, fair=fair, now=now,
        description=render_markdown(event.description),
        links=events.calendar_links(event), action_form=ActionForm(),
        fair_form=fair_form or FairRegistrationForm(),
        may_register=can_register(current_user, event) and now < event.closes_at,
        may_register_organization=can_register_organization(current_user, event),
        may_log=can_log_conversation(current_user, event),
        manage=can_manage_event(current_user, event),
        paused=_is(Role.STUDENT) and events.active_pause(current_user.id) is not None,
        audience_problem=events.audience_problem(event, current_user)
        if _is(Role.STUDENT) else None), status


@bp.route("/events/<int:event_id>/calendar.ics")
@public
def download_calendar(event_id: int):
    event = load_event(event_id)
    return events.event_ics(event), 200, {
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": f'attachment; filename="event-{event.id}.ics"'}


@bp.route("/events/<int:event_id>/register", methods=["POST"])
@role_required(Role.STUDENT)
def register(event_id: int):
    load_event(event_id)
    if ActionForm().validate_on_submit():
        try:
            registration, created = events.register(event_id, current_user)
            db.session.commit()
        except DomainError as error:
            show_domain_error(None, error)
        else:
            if not created:
                flash("You were already registered.", "info")
            elif registration.status is RegistrationStatus.WAITLISTED:
                flash("The event is full: you are on the waitlist, and we will tell you "
                      "as soon as a place frees up.", "success")
            else:
                flash("You are registered. Show your check-in code at the door.", "success")
    else:
        flash("This form had expired. Please try again.", "error")
    return redirect(url_for("events.show_event", event_id=event_id))


@bp.route("/events/<int:event_id>/cancel-registration", methods=["POST"])
@role_required(Role.STUDENT)
def cancel_registration(event_id: int):
    load_event(event_id)
    if ActionForm().validate_on_submit():
        try:
            events.cancel_registration(event_id, current_user)
            db.session.commit()
            flash("Your registration is cancelled.", "success")
        except DomainError as error:
            show_domain_error(None, error)
    return redirect(url_for("events.show_event", event_id=event_id))


@bp.route("/events/conversations/<int:conversation_id>/share", methods=["POST"])
@role_required(Role.STUDENT)
def share_profile(conversation_id: int):
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or not can_share_profile(current_user, conversation):
        abort(404)
    share = request.form.get("share") != "0"
    if ActionForm().validate_on_submit():
        events.share_profile(conversation.id, current_user, share=share)
        db.session.commit()
        flash(f"Your profile is shared with {conversation.organization.name}." if share else
              f"{conversation.organization.name} no longer sees your profile.", "success")
    return redirect(url_for("events.show_event", event_id=conversation.event_id))


def qr_svg(text: str) -> Markup:
    """The text as a QR code, an inline SVG drawn on the server (nothing fetched)."""
    svg = segno.make(text, error="m").svg_inline(scale=8, border=4, omitsize=True, dark="#111",
                                                light="#fff", svgclass="qr",
                                                title="Your check-in code as a QR code")
    return Markup(svg)  # noqa: S704 - segno writes the SVG from the code alone


@bp.route("/me/code")
@role_required(Role.STUDENT)
def my_code():
    code = events.current_code(current_user)
    db.session.commit()
    return render_template("events/code.html", code=code,
                           display=events.display_code(code.code), qr=qr_svg(code.code),
                           action_form=ActionForm())


@bp.route("/me/code/rotate", methods=["POST"])
@role_required(Role.STUDENT)
def rotate_code():
    if ActionForm().validate_on_submit():
        events.rotate_code(current_user)
        db.session.commit()
        flash("You have a new code. The old one no longer works.", "success")
    return redirect(url_for("events.my_code"))


# Employers at fairs

@bp.route("/events/<int:event_id>/employers", methods=["POST"])
@role_required(Role.EMPLOYER)
def register_organization(event_id: int):
    event = load_event(event_id)
    form = FairRegistrationForm()
    if form.validate_on_submit():
        try:
            events.register_organization(event.id, current_user, form.representatives.data,
                                         form.recruiting_for.data or "")
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
            return render_event(load_event(event_id), error.status, fair_form=form)
        flash("Registered. The career center will confirm your place.", "success")
        return redirect(url_for("events.show_event", event_id=event.id))
    return render_event(event, 422, fair_form=form)


def _employer_page(event: Event, form: ConversationForm, status: int = 200):
    rows = db.session.scalars(sa.select(Conversation).where(
        Conversation.event_id == event.id,
        Conversation.organization_id == current_user.organization_id)
        .options(joinedload(Conversation.student))
        .order_by(Conversation.created_at.desc())).all()
    return render_template("events/conversations.html", event=event, form=form,
                           conversations=rows,
                           shared=sum(1 for row in rows if row.shared_at)), status


@bp.route("/events/<int:event_id>/conversations", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def log_conversation(event_id: int):
    event = load_event(event_id)
    if not can_log_conversation(current_user, event):
        abort(403)
    form = ConversationForm()
    if request.method == "GET":
        return _employer_page(event, form)
    if not form.validate_on_submit():
        return _employer_page(event, form, 422)
    try:
        conversation, created = events.log_conversation(
            event.id, form.code.data, current_user, note=form.note.data or "",
            follow_up=form.follow_up.data)
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)
        return _employer_page(load_event(event_id), form, error.status)
    flash(f"Conversation with {conversation.student.name} "
          f"{'logged' if created else 'updated'}.", "success")
    return redirect(url_for("events.log_conversation", event_id=event.id))


@bp.route("/events/<int:event_id>/contacts.csv")
@role_required(Role.EMPLOYER)
def export_contacts(event_id: int):
    event = load_event(event_id)
    if not can_export_contacts(current_user, event):
        abort(403)
    return events.contacts_csv(event, current_user.organization_id), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="fair-{event.id}-contacts.csv"'}


# Staff

def _details(form: EventForm) -> events.EventDetails:
    """The form's values as event details; a local time the clocks skip is a field error."""
    zone = form.time_zone.data
    starts_at = local_to_utc(form.day.data, form.start_time.data, zone)
    ends_at = local_to_utc(form.day.data, form.end_time.data, zone)
    deadline = None
    if form.deadline_day.data:
        deadline = local_to_utc(form.deadline_day.data,
                                form.deadline_time.data or form.start_time.data, zone)
    return events.EventDetails(
        kind=EventKind(form.kind.data), title=form.title.data or "",
        description=form.description.data or "", place=form.place.data or "",
        video_link=form.video_link.data or "", starts_at=starts_at, ends_at=ends_at,
        time_zone=zone, capacity=form.capacity.data, registration_deadline=deadline,
        audience_years=form.years(), audience_clusters=form.clusters.data or [],
        status=EventStatus.PUBLISHED if form.published.data else EventStatus.DRAFT)


FIELD_OF = {"starts_at": "start_time", "ends_at": "end_time",
            "registration_deadline": "deadline_day", "audience_years": "class_years",
            "audience_clusters": "clusters", "status": "published"}


def _save(form: EventForm, event: Event | None):
    try:
        details = _details(form)
        if event is None:
            saved = events.create_event(details, current_user)
        else:
            saved = events.update_event(event.id, details, current_user)
        db.session.commit()
    except DomainError as error:
        error.fields = {FIELD_OF.get(name, name): message
                        for name, message in error.fields.items()}
        show_domain_error(form, error)
        return None
    return saved


@bp.route("/staff/events/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new_event():
    form = EventForm()
    if request.method == "GET":
        form.time_zone.data = current_user.time_zone
    if form.validate_on_submit():
        event = _save(form, None)
        if event is not None:
            flash("Event saved." + ("" if event.status is EventStatus.PUBLISHED else
                                    " It is a draft: publish it when it is ready."), "success")
            return redirect(url_for("events.manage_event", event_id=event.id))
    return render_template("events/form.html", form=form, event=None), \
        422 if request.method == "POST" else 200


@bp.route("/staff/events/<int:event_id>/edit", methods=["GET", "POST"])
@role_required(Role.STAFF)
def edit_event(event_id: int):
    event = load_event(event_id)
    form = EventForm(obj=None)
    if request.method == "GET":
        start = in_zone(event.starts_at, event.time_zone)
        form.process(data={
            "kind": event.kind.value, "title": event.title, "description": event.description,
            "place": event.place, "video_link": event.video_link, "day": start.date(),
            "start_time": start.time(),
            "end_time": in_zone(event.ends_at, event.time_zone).time(),
            "time_zone": event.time_zone, "capacity": event.capacity,
            "deadline_day": in_zone(event.registration_deadline, event.time_zone).date()
            if event.registration_deadline else None,
            "deadline_time": in_zone(event.registration_deadline, event.time_zone).time()
            if event.registration_deadline else None,
            "class_years": ", ".join(str(year) for year in event.audience_years or []),
            "clusters": list(event.audience_clusters or []),
            "published": event.status is EventStatus.PUBLISHED})
    elif form.validate_on_submit():
        saved = _save(form, event)
        if saved is not None:
            flash("Event saved.", "success")
            return redirect(url_for("events.manage_event", event_id=event_id))
        event = load_event(event_id)
    return render_template("events/form.html", form=form, event=event), \
        422 if request.method == "POST" else 200


@bp.route("/staff/events/<int:event_id>")
@role_required(Role.STAFF)
def manage_event(event_id: int):
    event = load_event(event_id)
    # A school's staff see (and count) their school's students only.
    registrations = db.session.scalars(sa.select(EventRegistration).where(
        EventRegistration.event_id == event.id,
        students_in_scope(current_user, EventRegistration.student_id))
        .options(joinedload(EventRegistration.student).joinedload(User.student_profile))
        .order_by(EventRegistration.status, EventRegistration.waitlist_position,
                  EventRegistration.id)).all()
    employers = db.session.scalars(sa.select(FairEmployer).where(
        FairEmployer.event_id == event.id).options(joinedload(FairEmployer.organization))
        .order_by(FairEmployer.status, FairEmployer.id)).all()
    return render_template("events/manage.html", event=event,
                           report=events.event_report(event, current_user),
                           registrations=registrations,
                           employers=employers, action_form=ActionForm(),
                           decision_form=DecisionForm(), zone=viewer_zone())


@bp.route("/staff/events/<int:event_id>/employers/<int:organization_id>/<decision>",
          methods=["POST"])
@role_required(Role.STAFF)
def decide_organization(event_id: int, organization_id: int, decision: str):
    if decision not in ("approve", "refuse"):
        abort(404)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            fair = events.decide_organization(
                event_id, organization_id, current_user,
                FairStatus.APPROVED if decision == "approve" else FairStatus.REFUSED,
                form.table_label.data or "")
            db.session.commit()
            flash(f"{fair.organization.name} is {fair.status.label.lower()}.", "success")
        except DomainError as error:
            show_domain_error(None, error)
            if error.status == 404:
                abort(404)
    else:
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
    return redirect(url_for("events.manage_event", event_id=event_id))


@bp.route("/staff/events/<int:event_id>/cancel", methods=["POST"])
@role_required(Role.STAFF)
def cancel_event(event_id: int):
    load_event(event_id)
    if ActionForm().validate_on_submit():
        events.cancel_event(event_id, current_user)
        db.session.commit()
        flash("Event cancelled. Everyone registered or waiting has been told.", "success")
    return redirect(url_for("events.manage_event", event_id=event_id))


@bp.route("/staff/events/<int:event_id>/kiosk", methods=["GET", "POST"])
@role_required(Role.STAFF)
def kiosk(event_id: int):
    """The door: a code typed (or scanned by the page's script, which posts to the API)
    checks a student in. Without script the form posts here."""
    event = load_event(event_id)
    if not can_check_in(current_user, event):
        abort(404)
    form = CodeForm()
    result = error = None
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                result = events.check_in(event.id, form.code.data, current_user)
                db.session.commit()
                form = CodeForm(formdata=None)
            except DomainError as failure:
                db.session.rollback()
                error, status = failure.message, failure.status
        else:
            error = " ".join(form.code.errors) or "This form had expired. Please try again."
            status = 422
        event = load_event(event_id)
    attended = db.session.scalar(sa.select(sa.func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event.id,
        EventRegistration.status == RegistrationStatus.ATTENDED))
    return render_template("events/kiosk.html", event=event, form=form, result=result,
                           error=error, attended=attended), status


@bp.route("/staff/events")
@role_required(Role.STAFF)
def staff_events():
    pauses = db.session.scalars(sa.select(RegistrationPause).where(
        RegistrationPause.lifted_at.is_(None),
        students_in_scope(current_user, RegistrationPause.student_id))
        .options(joinedload(RegistrationPause.student))
        .order_by(RegistrationPause.paused_at)).all()
    upcoming = db.session.scalars(sa.select(Event).where(
        Event.ends_at > utcnow() - timedelta(days=1)).order_by(Event.starts_at)
        .limit(100)).all()
    pending = dict(db.session.execute(
        sa.select(FairEmployer.event_id, sa.func.count(FairEmployer.id))
        .where(FairEmployer.status == FairStatus.PENDING)
        .group_by(FairEmployer.event_id)).all())
    return render_template("events/staff.html", pauses=pauses, upcoming=upcoming,
                           pending=pending, action_form=ActionForm(), zone=viewer_zone())


@bp.route("/staff/events/pauses/<int:student_id>/lift", methods=["POST"])
@role_required(Role.STAFF)
def lift_pause(student_id: int):
    if not can_lift_pause(current_user, student_id):
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            events.lift_pause(student_id, current_user)
            db.session.commit()
            flash("Pause lifted: the student can register again.", "success")
        except DomainError as error:
            show_domain_error(None, error)
    return redirect(url_for("events.staff_events"))


@bp.route("/events/mine")
@role_required(Role.STUDENT)
def my_events():
    """A student's registrations and the employers who logged a conversation with them."""
    rows = db.session.scalars(sa.select(EventRegistration).where(
        EventRegistration.student_id == current_user.id,
        EventRegistration.status != RegistrationStatus.CANCELLED)
        .options(joinedload(EventRegistration.event))
        .order_by(EventRegistration.id.desc())).all()
    met = db.session.scalars(sa.select(Conversation).where(
        Conversation.student_id == current_user.id)
        .options(joinedload(Conversation.organization), joinedload(Conversation.event))
        .order_by(Conversation.created_at.desc())).all()
    return render_template("events/mine.html", registrations=rows, met=met,
                           zone=viewer_zone(), action_form=ActionForm(), now=utcnow())
