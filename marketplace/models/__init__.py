"""Domain models, split by area and re-exported here."""

from .accounts import (
    AlumniProfile,
    ApiToken,
    AuditEntry,
    Organization,
    OrganizationStatus,
    OrganizationType,
    Role,
    StudentCluster,
    StudentProfile,
    User,
)
from .applications import (
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Placement,
    PlacementStatus,
    RecordAccess,
)
from .jobs import DeliveryStatus, EmailDelivery, Notification, OutboxMessage
from .mentoring import Booking, BookingStatus, MentoringSlot, SlotMode, SlotStatus
from .opportunities import (
    TRANSITIONS,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    SavedOpportunity,
    WorkMode,
)
from .outcomes import OutcomeEvidence, SourceKind

__all__ = [
    "Booking",
    "BookingStatus",
    "MentoringSlot",
    "SlotMode",
    "SlotStatus",
    "OutcomeEvidence",
    "SourceKind",
    "OPEN_STATUSES",
    "Application",
    "ApplicationEvent",
    "ApplicationStatus",
    "Placement",
    "PlacementStatus",
    "RecordAccess",
    "TRANSITIONS",
    "Opportunity",
    "OpportunityKind",
    "OpportunityStatus",
    "SavedOpportunity",
    "WorkMode",
    "DeliveryStatus",
    "EmailDelivery",
    "Notification",
    "OutboxMessage",
    "AlumniProfile",
    "ApiToken",
    "AuditEntry",
    "Organization",
    "OrganizationStatus",
    "OrganizationType",
    "Role",
    "StudentCluster",
    "StudentProfile",
    "User",
]
