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

__all__ = [
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
