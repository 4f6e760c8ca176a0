"""Background work of the privacy domain."""

from __future__ import annotations

from marketplace.blueprints.privacy.models import DeletionRequest
from marketplace.blueprints.privacy.services import delete_files
from marketplace.core.extensions import db
from marketplace.core.jobs import job


@job(queue="default", timeout=120, retry_intervals=(30, 120, 600))
def delete_erased_files(request_id: int) -> None:
    """Remove the files of an erasure once it has committed. Safe to rerun: a file
    already gone is skipped and the list is emptied in the job's own commit."""
    request = db.session.get(DeletionRequest, request_id)
    if request is not None and request.files_to_delete:
        delete_files(request)
