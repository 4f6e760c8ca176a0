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
from .jobs import DeliveryStatus, EmailDelivery, Notification, OutboxMessage

__all__ = [
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
