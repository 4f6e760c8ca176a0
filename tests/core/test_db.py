"""Database helpers: lock_row takes the lock without committing work it did not start."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.blueprints.notifications.models import Notification
from marketplace.core.db import lock_row
from marketplace.core.extensions import db
from tests.factories import StudentFactory


def test_lock_row_never_commits_what_the_transaction_wrote_before_it(app):
    student = StudentFactory()
    db.session.add(Notification(user_id=student.id, kind="welcome", title="Not yet kept"))
    db.session.flush()
    assert lock_row(type(student), student.id) is student
    db.session.rollback()  # the unit of work fails after taking the lock
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.title == "Not yet kept")) == 0


def test_lock_row_flushes_pending_changes_instead_of_committing_them(app):
    student = StudentFactory()
    db.session.flush()
    db.session.add(Notification(user_id=student.id, kind="welcome", title="Pending"))
    assert lock_row(type(student), student.id) is student
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.title == "Pending")) == 0
