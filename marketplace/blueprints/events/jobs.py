"""Events: Connections evidence from conversations, reminders, no-shows."""

from __future__ import annotations

from marketplace.blueprints.events.models import Conversation
from marketplace.blueprints.events.services import mark_no_shows, send_due_reminders
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.outcomes.models import SourceKind
from marketplace.blueprints.outcomes.rules import RULES, rule_for_recording, rule_key
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.extensions import db
from marketplace.core.jobs import job, periodic


@job(queue="high", timeout=60, retry_intervals=(10, 60, 300))
def record_event_evidence(conversation_id: int) -> None:
    """A conversation an employer logged with a student at an event is evidence of
    Connections: one row per conversation, so one per (student, employer, event).
    Attendance alone records nothing.

    Safe to rerun: the ledger's unique key makes a second run add and send nothing.
    """
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        return
    event, organization = conversation.event, conversation.organization
    details = {"organization": organization.name, "event": event.title,
               "event_id": event.id, "kind": event.kind.value}
    # The row names the version of the rule that recorded it once outcomes has a rule
    # for events ("connections.event"); until then it names none, like staff records.
    key = rule_key("connections", SourceKind.EVENT)
    rule_version_id = rule_for_recording(key).id if key in RULES else None
    if record_evidence(conversation.student_id, "connections", SourceKind.EVENT,
                       conversation.id, details, occurred_at=conversation.created_at,
                       rule_version_id=rule_version_id):
        notify(conversation.student, "evidence_recorded",
               f"Meeting {organization.name} at {event.title} counts toward Connections",
               "It is now on your career outcomes record.", link="outcomes.my_outcomes")


@periodic(every=300, queue="default", timeout=240)
def send_event_reminders() -> int:
    """Remind registered students a day before each event, once per registration."""
    return send_due_reminders()


@periodic(every=3600, queue="low", timeout=300)
def mark_event_no_shows() -> int:
    """After an event that took attendance, mark the places nobody used; three no-shows in
    a term pause the student's registrations. Safe to rerun."""
    return mark_no_shows()
