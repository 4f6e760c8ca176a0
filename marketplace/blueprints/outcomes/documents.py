"""Documents students send to the review queue: a resume or a cover letter, as a PDF.

Checked by content (PDF's opening and closing marks) and size before anything is
written; kept in the store (``core.storage``) under a generated name. Should the
transaction that names the file not commit, the file is deleted again.
"""

from __future__ import annotations

import uuid
from typing import BinaryIO

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.applications.services import display_name
from marketplace.blueprints.outcomes.models import DocumentKind, DocumentSubmission, ReviewStatus
from marketplace.core.errors import Conflict, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from marketplace.core.storage import discard_unless_committed, storage, stored_files

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# Enough to be reviewed without one student filling the queue.
MAX_WAITING = 3


def document_key(stored_name: str) -> str:
    return f"documents/{stored_name}"


@stored_files("documents")
def referenced_documents(names: list[str]) -> set[str]:
    """Of these stored document names, the ones a submission names (the hourly sweep
    removes the others: left by a process that died between file and row)."""
    return set(db.session.scalars(sa.select(DocumentSubmission.stored_name).where(
        DocumentSubmission.stored_name.in_(names))))


def parse_kind(value) -> DocumentKind:
    try:
        return DocumentKind(value)
    except ValueError:
        raise ValidationFailed("Choose whether it is a resume or a cover letter.",
                               {"kind": "Choose resume or cover letter."}) from None


def check_pdf(data: bytes) -> None:
    """A PDF by its content, not its name: the header and the end-of-file mark."""
    if not data:
        raise ValidationFailed("The file is empty.", {"file": "The file is empty."})
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed("Documents can be at most 5 MB.", {"file": "At most 5 MB."})
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationFailed("The document must be a PDF file (save or export it as PDF).",
                               {"file": "Not a PDF file."})


def submit_document(student: User, kind, upload: FileStorage | None) -> DocumentSubmission:
    """Check and store a student's PDF and put it in the review queue. Flushes.

    Raises ValidationFailed (no file, wrong kind, empty, over 5 MB, not a PDF) or
    Conflict (already ``MAX_WAITING`` documents waiting) before anything is written.
    """
    if student.role is not Role.STUDENT:
        raise PermissionDenied("Only students send documents for review.")
    kind = parse_kind(kind)
    if upload is None or not isinstance(upload, FileStorage) or not upload.filename:
        raise ValidationFailed("Choose a PDF file to send.", {"file": "Choose a PDF file."})
    data = upload.stream.read(MAX_DOCUMENT_BYTES + 1)
    check_pdf(data)
    waiting = db.session.scalar(sa.select(sa.func.count(DocumentSubmission.id)).where(
        DocumentSubmission.student_id == student.id,
        DocumentSubmission.status == ReviewStatus.SUBMITTED))
    if waiting >= MAX_WAITING:
        raise Conflict(f"You have {waiting} documents waiting for review; send another "
                       "once staff have looked at them.")
    stored = f"{uuid.uuid4().hex}.pdf"
    storage().put(document_key(stored), data)
    discard_unless_committed(document_key(stored))
    document = DocumentSubmission(student_id=student.id, kind=kind, stored_name=stored,
                                  filename=display_name(upload.filename), size=len(data))
    db.session.add(document)
    db.session.flush()
    return document


def open_document(document: DocumentSubmission) -> BinaryIO | None:
    """The stored PDF for reading, or None when the store lost it."""
    try:
        return storage().open(document_key(document.stored_name))
    except FileNotFoundError:
        return None

