"""The import's preview step: what a file would change, before anything is written.

The uploaded file is kept through the storage door (``imports/<random>.csv``) between
the preview and "Import"; the confirm form carries a signed token naming the file, its
kind and the staff member who uploaded it, so only they can import it, within an hour.
The file is deleted once imported; one never confirmed is removed by the hourly sweep
(no row names an upload, so every one an hour old goes).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.outcomes.imports import KINDS, ImportResult, import_csv
from marketplace.core.errors import DomainError, PermissionDenied
from marketplace.core.extensions import db
from marketplace.core.storage import storage, stored_files

AREA = "imports"


# How long a preview can be confirmed; the sweep removes files older than this too.
CONFIRM_WITHIN = 3600


class UploadGone(DomainError):
    """The preview's file is no longer there (imported, expired or swept)."""

    status = 410
    code = "upload_gone"


class NotYourUpload(PermissionDenied):
    """Another staff member's upload: only the person who previewed it imports it."""


@dataclass(frozen=True)
class Upload:
    name: str  # the file's name in the area (random)
    kind: str
    by_id: int

    @property
    def key(self) -> str:
        return f"{AREA}/{self.name}"


@stored_files(AREA)
def referenced_uploads(names: list[str]) -> Iterable[str]:
    """No row names an upload: every one the sweep finds an hour old is left over."""
    return ()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="outcome-import")


def preview_csv(kind: str, data: bytes, by: User) -> ImportResult:
    """What importing ``data`` would change, row by row: the whole import runs inside a
    savepoint that is rolled back, so nothing is written. Raises ImportRefused (or
    another ValidationFailed) exactly as the import would."""
    pending = list(db.session.info.get("outbox_pending", []))
    savepoint = db.session.begin_nested()
    try:
        return import_csv(kind, data, by)
    finally:
        if savepoint.is_active:
            savepoint.rollback()
        # Jobs the rolled-back rows asked for must not be sent at the next commit.
        db.session.info["outbox_pending"] = pending


def keep_upload(kind: str, data: bytes, by: User) -> str:
    """Keep the previewed file in the store; returns the signed token for the confirm
    form. Writes a file, no row."""
    upload = Upload(f"{secrets.token_hex(16)}.csv", kind, by.id)
    storage().put(upload.key, data)
    return _serializer().dumps({"name": upload.name, "kind": kind, "by": by.id})


def upload_for(token: str, user: User) -> Upload:
    """The upload a confirm form names, if ``user`` uploaded it within the hour."""
    try:
        value = _serializer().loads(token, max_age=CONFIRM_WITHIN)
    except SignatureExpired:
        raise UploadGone("This preview is more than an hour old. Upload the file "
                         "again.") from None
    except BadSignature:
        raise UploadGone("This preview could not be found. Upload the file again.") from None
    if (not isinstance(value, dict) or value.get("kind") not in KINDS
            or not isinstance(value.get("name"), str) or not isinstance(value.get("by"), int)):
        raise UploadGone("This preview could not be found. Upload the file again.")
    if value["by"] != user.id:
        raise NotYourUpload("Only the person who uploaded this file can import it.")
    return Upload(value["name"], value["kind"], value["by"])


def read_upload(upload: Upload) -> bytes:
    try:
        with storage().open(upload.key) as handle:
            return handle.read()
    except (FileNotFoundError, ValueError):
        raise UploadGone("This file was imported already or has expired. Upload it "
                         "again.") from None


def discard_upload(upload: Upload) -> None:
    """Delete the kept file (after the import's commit)."""
    storage().delete(upload.key)
