"""Reminders with two real worker processes running the reminder job at the same time:
each booking is reminded once. Services round only (``make test-services``)."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.blueprints.accounts.services import create_user
from marketplace.blueprints.mentoring import services as mentoring
from marketplace.blueprints.mentoring.models import Booking, MentoringSlot
from marketplace.blueprints.notifications.models import Notification
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.models import OutboxMessage
from marketplace.core.policies import Role
from tests.support import ON_SERVICES, TEST_REDIS_URL, WorkerProcess, app_config, fresh_database

pytestmark = [
    pytest.mark.services, pytest.mark.no_db, pytest.mark.slow,
    pytest.mark.skipif(not ON_SERVICES, reason="needs PostgreSQL and Redis (make test-services)"),
]

BOOKINGS = 40
RUNS = 6


def test_two_workers_remind_each_booking_once():
    url = fresh_database("mentoring_workers")
    prefix = f"remind-{uuid.uuid4().hex[:6]}-"
    app = create_app(app_config(url, RQ_QUEUE_PREFIX=prefix))
    with app.app_context():
        upgrade()
        alumni = [create_user(f"alum{n}@remind.example", f"Alum {n}", Role.ALUMNI,
                              "alumni passphrase") for n in range(4)]
        students = [create_user(f"s{n}@remind.example", f"Student {n}", Role.STUDENT,
                                "student passphrase") for n in range(BOOKINGS)]
        db.session.commit()
        for n, student in enumerate(students):
            # Three days out for now: the beat's own first reminder run finds nothing.
            start = (utcnow() + timedelta(days=3, minutes=n)).replace(microsecond=0)
            slot = MentoringSlot(alumni_id=alumni[n % 4].id, starts_at=start,
                                 ends_at=start + timedelta(minutes=30), duration_minutes=30,
                                 time_zone="America/Chicago", capacity=1, topic="Remind")
            db.session.add(slot)
            db.session.commit()
            mentoring.book(slot.id, student)
            db.session.commit()

    from redis import Redis
    from rq import Queue, Worker

    queue = Queue(prefix + "default", connection=Redis.from_url(TEST_REDIS_URL))
    workers = [WorkerProcess(url, TEST_REDIS_URL, prefix, name) for name in ("one", "two")]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(Worker.all(queue=queue)) < 2:
            time.sleep(0.2)
        assert len(Worker.all(queue=queue)) == 2
        with app.app_context():
            # Let the workers finish the booking confirmations, then bring every
            # session within the next day.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and db.session.scalar(
                    sa.select(sa.func.count(OutboxMessage.id)).where(
                        OutboxMessage.completed_at.is_(None))):
                db.session.rollback()
                time.sleep(0.3)
            shift = timedelta(days=3) - timedelta(hours=2)
            for model in (Booking, MentoringSlot):
                for row in db.session.scalars(sa.select(model)):
                    row.starts_at, row.ends_at = row.starts_at - shift, row.ends_at - shift
            db.session.commit()
        # Several runs of the reminder job at once, as overlapping periods or a
        # slow run would give; both workers, waiting on the queue, take some.
        jobs = [queue.enqueue("workers.runner.run_periodic", "send_booking_reminders",
                              job_id=f"reminders-{prefix}{n}") for n in range(RUNS)]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(
                job.get_status(refresh=True) in ("finished", "failed") for job in jobs):
            time.sleep(0.5)
        statuses = [job.get_status(refresh=True) for job in jobs]
        assert set(statuses) == {"finished"}, (statuses, workers[0].log.read_text()[-2000:])
        for job in jobs:
            job.refresh()
        ran_by = {job.worker_name for job in jobs}
    finally:
        for worker in workers:
            worker.stop()

    results = [int(job.return_value()) for job in jobs]
    print(f"{RUNS} reminder runs on {len(ran_by)} workers: {results} bookings reminded")
    assert len(ran_by) == 2
    with app.app_context():
        per_booking = db.session.execute(
            sa.select(Notification.booking_id, sa.func.count(Notification.id))
            .where(Notification.kind == "booking_reminder").group_by(Notification.booking_id)
        ).all()
        db.engine.dispose()
    # The beat's own periodic run may have taken some, should its period have
    # turned during the test; each booking is still reminded exactly once.
    assert 0 < sum(results) <= BOOKINGS
    assert len(per_booking) == BOOKINGS
    assert {count for _, count in per_booking} == {2}  # the student and the alum, once each
