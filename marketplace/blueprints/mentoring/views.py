"""Mentoring: browse and book (students), offer and confirm sessions (alumni)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from marketplace.blueprints.mentoring import services as mentoring
from marketplace.blueprints.mentoring.forms import (
    ActionForm,
    BookForm,
    ReflectionForm,
    SlotForm,
    parse_mentor_cursor,
    parse_slot_filters,
)
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
    SlotMode,
    SlotStatus,
)
from marketplace.blueprints.mentoring.policies import can_view_booking, can_view_mentor
from marketplace.blueprints.mentoring.services import SlotDetails, no_show_counts
from marketplace.core.api.views import encode_cursor
from marketplace.core.clock import local_to_utc
from marketplace.core.db import utcnow
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import show_domain_error
from marketplace.core.policies import SIGNED_IN, Role, public, role_required
from marketplace.core.reference import CAREER_CLUSTERS

bp = Blueprint("mentoring", __name__)


def viewer_zone() -> str:
    if current_user.is_authenticated and current_user.role is not Role.EMPLOYER:
        return current_user.time_zone
    return current_app.config["INSTITUTION_TIME_ZONE"]


@bp.app_template_global()
def initials(name: str) -> str:
    """Up to two letters for a person's picture: the first and the last name's."""
    words = [word for word in (name or "").split() if word[:1].isalpha()]
    if not words:
        return "?"
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


@bp.app_template_global()
def meeting_link(location: str):
    """(address, the rest) when a meeting place is an http(s) link, else None."""
    return mentoring.web_link(location)


@bp.app_template_global()
def calendar_links(booking: Booking):
    return mentoring.calendar_links(booking)


@bp.route("/mentoring")
@public
def browse():
    zone = viewer_zone()
    filters, errors = parse_slot_filters(request.args, zone)
    after, cursor_error = parse_mentor_cursor(request.args)
    if cursor_error:
        errors["cursor"] = cursor_error
    cards, next_key = mentoring.open_mentors(filters, zone, after=after)
    booked = set()
    if current_user.is_authenticated and current_user.role is Role.STUDENT and cards:
        booked = set(db.session.scalars(sa.select(MentoringSlot.alumni_id).join(Booking).where(
            Booking.student_id == current_user.id, Booking.status == BookingStatus.BOOKED,
            Booking.ends_at > utcnow(),
            MentoringSlot.alumni_id.in_([card.mentor.id for card in cards]))))
    next_cursor = encode_cursor(next_key[0].isoformat(), next_key[1]) if next_key else None
    arguments = {key: value for key, value in request.args.items()
                 if key in ("cluster", "employer", "mode", "date_from", "date_to") and value}
    return render_template("mentoring/browse.html", cards=cards, filters=filters,
                           errors=errors, zone=zone, booked=booked, modes=list(SlotMode),
                           clusters=CAREER_CLUSTERS, next_cursor=next_cursor,
                           arguments=arguments, first_page=after is None)


@bp.route("/mentoring/mentors/<int:mentor_id>")
@public
def show_mentor(mentor_id: int):
    mentor = mentoring.find_mentor(mentor_id)
    if mentor is None or not can_view_mentor(current_user, mentor):
        abort(404)
    zone = viewer_zone()
    days = mentoring.mentor_times(mentor, zone)
    sessions = []
    if current_user.is_authenticated and current_user.role is Role.STUDENT:
        sessions = mentoring.sessions_with(current_user, mentor)
    topics = list(dict.fromkeys(slot.topic for _, slots in days for slot in slots))
    return render_template("mentoring/mentor.html", mentor=mentor,
                           profile=mentor.alumni_profile, days=days, zone=zone,
                           sessions=sessions, topics=topics, clusters=CAREER_CLUSTERS,
                           open_count=sum(len(slots) for _, slots in days))


def load_slot(slot_id: int) -> MentoringSlot:
    slot = db.session.scalar(sa.select(MentoringSlot).where(MentoringSlot.id == slot_id)
                             .options(joinedload(MentoringSlot.alumni)))
    if slot is None:
        abort(404)
    return slot


@bp.route("/mentoring/slots/<int:slot_id>")
@public
def show_slot(slot_id: int):
    slot = load_slot(slot_id)
    owner = current_user.is_authenticated and current_user.id == slot.alumni_id
    staff = current_user.is_authenticated and current_user.role is Role.STAFF
    my_booking = None
    if current_user.is_authenticated and current_user.role is Role.STUDENT:
        my_booking = db.session.scalar(sa.select(Booking).where(
            Booking.slot_id == slot.id, Booking.student_id == current_user.id)
            .order_by(Booking.id.desc()).limit(1))
    if slot.status is SlotStatus.CANCELLED and not (owner or staff or my_booking):
        abort(404)
    # The alum sees who booked; staff the students they may see (a school's, its own).
    bookings = []
    if owner:
        bookings = slot.bookings
    elif staff:
        bookings = [b for b in slot.bookings if can_view_booking(current_user, b)]
    return render_template("mentoring/slot.html", slot=slot, owner=owner, staff=staff,
                           bookings=bookings,
                           my_booking=my_booking, zone=viewer_zone(), form=BookForm(),
                           action_form=ActionForm(), now=utcnow(),
                           mentor_listed=can_view_mentor(current_user, slot.alumni))


@bp.route("/mentoring/slots/<int:slot_id>/book", methods=["POST"])
@role_required(Role.STUDENT)
def book_slot(slot_id: int):
    slot = load_slot(slot_id)
    if slot.status is SlotStatus.CANCELLED:
        abort(404)
    form = BookForm()
    if form.validate_on_submit():
        try:
            mentoring.book(slot.id, current_user, form.agenda.data or "")
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
            slot = load_slot(slot_id)
            return render_template("mentoring/slot.html", slot=slot, owner=False,
                                   staff=False, my_booking=None, zone=viewer_zone(),
                                   form=form, action_form=ActionForm(), now=utcnow(),
                                   mentor_listed=can_view_mentor(current_user, slot.alumni)), \
                error.status
        flash("Booked. The calendar invitation is on its way by e-mail, and you can "
              "download it below.", "success")
        return redirect(url_for("mentoring.my_bookings"))
    return render_template("mentoring/slot.html", slot=slot, owner=False, staff=False,
                           my_booking=None, zone=viewer_zone(), form=form,
                           action_form=ActionForm(), now=utcnow(),
                           mentor_listed=can_view_mentor(current_user, slot.alumni)), 422


@bp.route("/mentoring/bookings")
@role_required(Role.STUDENT)
def my_bookings():
    bookings = db.session.scalars(sa.select(Booking).where(Booking.student_id == current_user.id)
                                  .options(joinedload(Booking.slot).joinedload(
                                      MentoringSlot.alumni))
                                  .order_by(Booking.starts_at.desc())).all()
    now = utcnow()
    upcoming = [b for b in bookings if b.status is BookingStatus.BOOKED and b.ends_at > now]
    upcoming.reverse()
    past = [b for b in bookings if b not in upcoming]
    return render_template("mentoring/bookings.html", upcoming=upcoming, past=past,
                           zone=current_user.time_zone, action_form=ActionForm(),
                           reflection_form=ReflectionForm(), now=now,
                           cancel_deadline=mentoring.CANCEL_DEADLINE)


def load_booking(booking_id: int) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or not can_view_booking(current_user, booking):
        abort(404)
    return booking


@bp.route("/mentoring/bookings/<int:booking_id>/invite.ics")
@role_required(*SIGNED_IN)
def download_invitation(booking_id: int):
    booking = load_booking(booking_id)
    body = mentoring.invitation(booking)
    return body, 200, {
        "Content-Type": "text/calendar; charset=utf-8",
        "Content-Disposition": f'attachment; filename="mentoring-{booking.id}.ics"'}


@bp.route("/mentoring/bookings/<int:booking_id>/cancel", methods=["POST"])
@role_required(Role.STUDENT)
def cancel_booking(booking_id: int):
    form = ActionForm()
    if form.validate_on_submit():
        try:
            mentoring.cancel_booking(booking_id, current_user)
            db.session.commit()
            flash("Booking cancelled. Your mentor has been told.", "success")
        except DomainError as error:
            show_domain_error(None, error)
    return redirect(url_for("mentoring.my_bookings"))


@bp.route("/mentoring/bookings/<int:booking_id>/reflection", methods=["POST"])
@role_required(Role.STUDENT)
def save_reflection(booking_id: int):
    form = ReflectionForm()
    if form.validate_on_submit():
        try:
            mentoring.add_booking_reflection(booking_id, current_user, form.reflection.data)
            db.session.commit()
            flash("Reflection saved.", "success")
        except DomainError as error:
            show_domain_error(None, error)
    else:
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
    return redirect(url_for("mentoring.my_bookings"))


@bp.route("/mentoring/bookings/<int:booking_id>/complete", methods=["POST"])
@role_required(Role.ALUMNI)
def complete_booking(booking_id: int):
    return _mark(booking_id, "completed")


@bp.route("/mentoring/bookings/<int:booking_id>/no-show", methods=["POST"])
@role_required(Role.ALUMNI)
def no_show_booking(booking_id: int):
    return _mark(booking_id, "no_show")


def _mark(booking_id: int, outcome: str):
    form = ActionForm()
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.slot.alumni_id != current_user.id:
        abort(404)
    slot_id = booking.slot_id
    if form.validate_on_submit():
        try:
            mentoring.mark_booking(booking_id, current_user, BookingStatus(outcome))
            db.session.commit()
            flash("Thank you. The session is marked completed and counts toward the "
                  "student's Connections outcome." if outcome == "completed"
                  else "Marked as a no-show.", "success")
        except DomainError as error:
            show_domain_error(None, error)
    return redirect(url_for("mentoring.show_slot", slot_id=slot_id))


@bp.route("/mentoring/mine")
@role_required(Role.ALUMNI)
def my_slots():
    slots = db.session.scalars(sa.select(MentoringSlot).where(
        MentoringSlot.alumni_id == current_user.id)
        .options(joinedload(MentoringSlot.bookings)).order_by(MentoringSlot.starts_at)).unique()
    now = utcnow()
    slots = list(slots)
    upcoming = [s for s in slots if s.ends_at > now and s.status is SlotStatus.OPEN]
    to_confirm = [b for s in slots for b in s.bookings
                  if b.status is BookingStatus.BOOKED and b.starts_at <= now]
    past = [s for s in slots if s not in upcoming][::-1]
    return render_template("mentoring/mine.html", upcoming=upcoming, past=past,
                           to_confirm=to_confirm, zone=current_user.time_zone,
                           action_form=ActionForm())


@bp.route("/mentoring/slots/new", methods=["GET", "POST"])
@role_required(Role.ALUMNI)
def new_slot():
    form = SlotForm()
    if request.method == "GET":
        form.time_zone.data = current_user.time_zone
        profile = current_user.alumni_profile
        if profile and profile.cluster:
            form.career_cluster.data = profile.cluster
    if form.validate_on_submit():
        try:
            starts_at = local_to_utc(form.day.data, form.start_time.data, form.time_zone.data)
            slots = mentoring.create_slots(current_user, SlotDetails(
                starts_at=starts_at, duration_minutes=form.duration_minutes.data,
                time_zone=form.time_zone.data, topic=form.topic.data,
                capacity=form.capacity.data, mode=SlotMode(form.mode.data),
                location=form.location.data or "",
                career_cluster=form.career_cluster.data or None,
                weekly_cap=form.weekly_cap.data, repeat_weeks=form.repeat_weeks.data))
            db.session.commit()
        except DomainError as error:
            if "starts_at" in error.fields:
                error.fields["day"] = error.fields.pop("starts_at")
            show_domain_error(form, error)
        else:
            flash(f"{len(slots)} slot{'s' if len(slots) > 1 else ''} offered. Students can "
                  "book now.", "success")
            return redirect(url_for("mentoring.my_slots"))
    return render_template("mentoring/slot_form.html", form=form), \
        422 if form.errors or request.method == "POST" else 200


@bp.route("/mentoring/slots/<int:slot_id>/cancel", methods=["POST"])
@role_required(Role.ALUMNI, Role.STAFF)
def cancel_slot(slot_id: int):
    form = ActionForm()
    if form.validate_on_submit():
        try:
            slot = mentoring.cancel_slot(slot_id, current_user)
            db.session.commit()
            flash("Slot cancelled. Students who had booked it have been told.", "success")
            return redirect(url_for("mentoring.my_slots") if current_user.id == slot.alumni_id
                            else url_for("mentoring.show_slot", slot_id=slot_id))
        except DomainError as error:
            show_domain_error(None, error)
            if error.status == 404:
                abort(404)
    return redirect(url_for("mentoring.show_slot", slot_id=slot_id))


@bp.route("/staff/mentoring")
@role_required(Role.STAFF)
def mentoring_overview():
    counts = dict(db.session.execute(sa.select(Booking.status, sa.func.count(Booking.id))
                                     .group_by(Booking.status)).all())
    open_slots = db.session.scalar(sa.select(sa.func.count(MentoringSlot.id)).where(
        MentoringSlot.status == SlotStatus.OPEN, MentoringSlot.starts_at > utcnow(),
        MentoringSlot.booked_count < MentoringSlot.capacity))
    mentors = db.session.scalar(sa.select(sa.func.count(sa.distinct(MentoringSlot.alumni_id))))
    return render_template("mentoring/staff.html", counts=counts, statuses=list(BookingStatus),
                           open_slots=open_slots, mentors=mentors,
                           repeat_no_shows=no_show_counts(minimum=2, viewer=current_user))
