"""Who may see and do what with events. Deny by default: each rule names who is allowed."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import can_staff_see_student
from marketplace.blueprints.events.models import Conversation, Event, EventStatus
from marketplace.blueprints.events.services import can_log
from marketplace.core.policies import Role


def _role(user) -> Role | None:
    return user.role if getattr(user, "is_authenticated", False) else None


def can_view_event(user, event: Event) -> bool:
    """Published and cancelled events are open to everyone; drafts to staff only."""
    return event.status is not EventStatus.DRAFT or _role(user) is Role.STAFF


def can_manage_event(user, event: Event | None = None) -> bool:
    return _role(user) is Role.STAFF


def can_register(user, event: Event) -> bool:
    """Students, for a published event (the service says why when the answer is no)."""
    return _role(user) is Role.STUDENT and event.status is EventStatus.PUBLISHED


def can_register_organization(user, event: Event) -> bool:
    return (_role(user) is Role.EMPLOYER and event.is_fair
            and event.status is EventStatus.PUBLISHED and user.organization is not None)


def can_log_conversation(user, event: Event) -> bool:
    """A representative of an organization staff approved for this fair."""
    return _role(user) is Role.EMPLOYER and can_log(event, user)


def can_export_contacts(user, event: Event) -> bool:
    return can_log_conversation(user, event)


def can_view_conversation(user: User, conversation: Conversation) -> bool:
    """The student, the organization's people, and staff who may see the student (a
    school's staff: their school's students)."""
    role = _role(user)
    return ((role is Role.STAFF and can_staff_see_student(user, conversation.student_id))
            or (role is Role.STUDENT and conversation.student_id == user.id)
            or (role is Role.EMPLOYER and conversation.organization_id == user.organization_id))


def can_share_profile(user: User, conversation: Conversation) -> bool:
    return _role(user) is Role.STUDENT and conversation.student_id == user.id


def can_check_in(user, event: Event) -> bool:
    return _role(user) is Role.STAFF and event.status is EventStatus.PUBLISHED


def can_lift_pause(user, student_id: int) -> bool:
    """Staff lift the registration pause of a student they may see."""
    return can_staff_see_student(user, student_id)
