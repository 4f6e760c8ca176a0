"""Data rights: a person's deletion request, and carrying it out."""

from marketplace.blueprints.privacy.services.erasure import (
    FORMER_NAME,
    carry_out_deletion,
    delete_files,
    placeholder_email,
)
from marketplace.blueprints.privacy.services.requests import (
    decline_deletion,
    deletion_queue,
    pending_request,
    recent_decisions,
    request_deletion,
    requests_of,
    withdraw_deletion,
)

__all__ = [
    "FORMER_NAME",
    "carry_out_deletion",
    "decline_deletion",
    "delete_files",
    "deletion_queue",
    "pending_request",
    "placeholder_email",
    "recent_decisions",
    "request_deletion",
    "requests_of",
    "withdraw_deletion",
]
