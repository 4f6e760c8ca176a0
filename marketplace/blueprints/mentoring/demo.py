"""marketplace.blueprints.mentoring.demo."""

from __future__ import annotations

import random

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.mentoring.models import Booking, BookingStatus, MentoringSlot, SlotMode
from marketplace.core.clock import local_to_utc
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role

MENTORING_TOPICS = {
    "healthcare_human_services": "From nursing student to nurse manager",
    "advanced_manufacturing": "What controls engineers actually do",
    "financial_services": "Breaking into finance without a finance degree",
    "public_service_safety": "Careers in emergency management",
    "digital_technology": "Your first software job: résumé and interviews",
    "construction": "Running a family construction business",
    "education": "Is teaching for you? Ask a 4th grade teacher",
    "supply_chain_transportation": "Logistics careers, from dock to dashboard",
}


def seed_mentoring(rng: random.Random) -> bool:
    """Alumni slots across the coming weeks, some booked, some held and confirmed."""
    import uuid
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    if db.session.scalar(sa.select(sa.func.count(MentoringSlot.id))):
        return False
    alumni = db.session.scalars(sa.select(User).where(User.role == Role.ALUMNI)
                                .order_by(User.id)).all()
    students = db.session.scalars(sa.select(User).where(User.role == Role.STUDENT)
                                  .order_by(User.id)).all()
    if not alumni or not students:
        return False
    now = utcnow()
    modes = [SlotMode.VIDEO, SlotMode.VIDEO, SlotMode.PHONE, SlotMode.IN_PERSON]
    student_turn = iter(students[1:] * 4)

    def add_slot(alum: User, start: datetime, capacity: int, series: str | None) -> MentoringSlot:
        profile = alum.alumni_profile
        mode = modes[alum.id % len(modes)]
        location = {SlotMode.VIDEO: f"https://meet.demo.edu/{profile.cluster[:8]}-{alum.id}",
                    SlotMode.PHONE: "The mentor calls you at the number in your booking",
                    SlotMode.IN_PERSON: "Career Center, Room 114"}[mode]
        slot = MentoringSlot(
            alumni_id=alum.id, starts_at=start, ends_at=start + timedelta(minutes=45),
            duration_minutes=45, time_zone=profile.time_zone, capacity=capacity, mode=mode,
            location=location, topic=MENTORING_TOPICS.get(profile.cluster, "Career questions"),
            career_cluster=profile.cluster, series_id=series, created_at=now - timedelta(days=30))
        db.session.add(slot)
        return slot

    def add_booking(slot: MentoringSlot, student: User, status: BookingStatus) -> Booking:
        booking = Booking(slot=slot, student_id=student.id, status=status,
                          agenda="I would like to hear how you got started.",
                          starts_at=slot.starts_at, ends_at=slot.ends_at,
                          created_at=slot.starts_at - timedelta(days=5))
        if status is not BookingStatus.CANCELLED:
            slot.booked_count += 1
        if status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
            booking.completed_at = slot.ends_at
        db.session.add(booking)
        return booking

    completed = []
    for index, alum in enumerate(alumni):
        zone = alum.alumni_profile.time_zone
        today = now.astimezone(ZoneInfo(zone)).date()
        hour = time(12 + index % 6, 0 if index % 2 else 30)
        # A weekly series over the next four weeks; every other alum runs a group session.
        series = uuid.uuid4().hex
        upcoming = [add_slot(alum, local_to_utc(today + timedelta(days=3 + index % 4 + 7 * week),
                                                hour, zone), 3 if index % 2 else 1, series)
                    for week in range(4)]
        # Sessions in the past five weeks: two held, one waiting for the alum, two open.
        past = [add_slot(alum, local_to_utc(today - timedelta(days=7 * week + 2), hour, zone),
                         1, None) for week in range(0, 5)]
        db.session.flush()
        for slot in upcoming[:2]:
            add_booking(slot, next(student_turn), BookingStatus.BOOKED)
        for slot in past[1:3]:
            completed.append(add_booking(slot, next(student_turn), BookingStatus.COMPLETED))
        # The most recent one waits for the alum to confirm it.
        add_booking(past[0], students[0] if index == 0 else next(student_turn),
                    BookingStatus.BOOKED)
    main_student = students[0]
    # The demo student: one session booked, one held; another student missed two.
    first_free = db.session.scalars(sa.select(MentoringSlot).where(
        MentoringSlot.starts_at > now, MentoringSlot.booked_count == 0,
        MentoringSlot.alumni_id != alumni[0].id).order_by(MentoringSlot.starts_at)).first()
    if first_free is not None:
        add_booking(first_free, main_student, BookingStatus.BOOKED)
    past_slots = db.session.scalars(sa.select(MentoringSlot).where(
        MentoringSlot.starts_at < now, MentoringSlot.booked_count == 0)
        .order_by(MentoringSlot.starts_at)).all()
    if past_slots:
        completed.append(add_booking(past_slots[0], main_student, BookingStatus.COMPLETED))
    for slot in past_slots[1:3]:
        add_booking(slot, students[-1], BookingStatus.NO_SHOW)
    db.session.flush()
    return True
