"""A person's events are in their data export, and erasing them gives their places to the
next in line and removes what employers noted about them."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.blueprints.events.models import (
    Conversation,
    EventRegistration,
    RegistrationStatus,
)
from marketplace.blueprints.events.services import register
from marketplace.blueprints.privacy import services as privacy
from marketplace.blueprints.privacy.export import personal_data
from marketplace.core.extensions import db
from tests.events.helpers import make_event
from tests.factories import EmployerFactory, StaffFactory, StudentFactory


def test_events_in_the_export_and_after_erasure():
    event = make_event(capacity=1, title="Spring fair")
    leaving, waiting = StudentFactory(), StudentFactory()
    host = EmployerFactory()
    db.session.flush()
    register(event.id, leaving)
    register(event.id, waiting)
    db.session.add(Conversation(event_id=event.id, student_id=leaving.id,
                                organization_id=host.organization_id,
                                representative_id=host.id, note="Strong in SQL; call back"))
    db.session.commit()
    document = personal_data(leaving)
    assert [r["event"] for r in document["event_registrations"]] == ["Spring fair"]
    assert document["event_registrations"][0]["status"] == "registered"
    assert document["event_conversations"][0]["note"] == "Strong in SQL; call back"

    request = privacy.request_deletion(leaving)
    db.session.commit()
    privacy.carry_out_deletion(request.id, StaffFactory())
    db.session.commit()
    places = dict(db.session.execute(sa.select(EventRegistration.student_id,
                                               EventRegistration.status)).all())
    assert places == {leaving.id: RegistrationStatus.CANCELLED,
                      waiting.id: RegistrationStatus.REGISTERED}
    conversation = db.session.scalar(sa.select(Conversation))
    assert conversation.note == "" and conversation.shared_at is None
