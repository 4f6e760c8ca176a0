"""Every table of every domain in one place: Alembic's autogenerate (``migrations/env.py``)
imports this to see the whole schema. The app itself never imports it (``make lint``)."""

from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    ApiToken,
    Organization,
    OrganizationStatus,
    OrganizationType,
    StudentCluster,
    StudentProfile,
    User,
    UserSession,
)
from marketplace.blueprints.accounts.sso.models import (
    ExternalIdentity,
    IdentityProvider,
    ProviderKind,
    UsedAssertion,
)
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Placement,
    PlacementStatus,
    RecordAccess,
)
from marketplace.blueprints.billing.models import (
    BillingSettings,
    FeeRule,
    Payment,
    PaymentStatus,
    StripeEvent,
)
from marketplace.blueprints.credentials.models import Credential, IssuerKey, RecordShare
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
    SlotMode,
    SlotStatus,
)
from marketplace.blueprints.notifications.models import (
    DeliveryStatus,
    EmailDelivery,
    Notification,
)
from marketplace.blueprints.opportunities.models import (
    CatalogVersion,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    SavedOpportunity,
    WorkMode,
)
from marketplace.blueprints.outcomes.campaigns.models import (
    Campaign,
    CampaignContact,
    CampaignMember,
    CampaignOptOut,
)
from marketplace.blueprints.outcomes.models import (
    DestinationCategory,
    ExportJob,
    ExportStatus,
    FirstDestination,
    OutcomeEvidence,
    SourceKind,
    StaffRecord,
    StudentAttainment,
)
from marketplace.blueprints.privacy.models import DeletionRequest, DeletionStatus
from marketplace.core.models import (
    AuditEntry,
    OutboxMessage,
)

__all__ = [
    "Credential",
    "IssuerKey",
    "RecordShare",
    "Campaign",
    "CampaignContact",
    "CampaignMember",
    "CampaignOptOut",
    "UsedAssertion",
    "ProviderKind",
    "IdentityProvider",
    "ExternalIdentity",
    "UserSession",
    "AlumniProfile",
    "ApiToken",
    "Application",
    "ApplicationEvent",
    "ApplicationStatus",
    "AuditEntry",
    "BillingSettings",
    "Booking",
    "BookingStatus",
    "CatalogVersion",
    "DeletionRequest",
    "DeletionStatus",
    "DeliveryStatus",
    "DestinationCategory",
    "EmailDelivery",
    "ExportJob",
    "ExportStatus",
    "FeeRule",
    "FirstDestination",
    "MentoringSlot",
    "Notification",
    "Opportunity",
    "OpportunityKind",
    "OpportunityStatus",
    "Organization",
    "OrganizationStatus",
    "OrganizationType",
    "OutboxMessage",
    "OutcomeEvidence",
    "Payment",
    "PaymentStatus",
    "Placement",
    "PlacementStatus",
    "RecordAccess",
    "SavedOpportunity",
    "SlotMode",
    "SlotStatus",
    "SourceKind",
    "StaffRecord",
    "StripeEvent",
    "StudentAttainment",
    "StudentCluster",
    "StudentProfile",
    "User",
    "WorkMode",
]
