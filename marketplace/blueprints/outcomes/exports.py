"""CSV exports built by a worker: the evidence ledger and the outcomes summary."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from datetime import timedelta
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.outcomes.models import ExportJob, ExportStatus, OutcomeEvidence
from marketplace.blueprints.outcomes.reports import GROUPS, cohort, summary
from marketplace.core.db import utcnow
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.reference import OUTCOMES
from marketplace.core.storage import (
    StorageUnavailable,
    discard_unless_committed,
    storage,
    stored_files,
)
from marketplace.core.text import CSV_BOM, csv_safe

EXPORT_KINDS = {"evidence": "The evidence ledger", "summary": "The outcomes summary by group"}


BATCH = 2_000


def export_key(filename: str) -> str:
    """Where an export's file lives in the store (``marketplace.core.storage``)."""
    return f"exports/{filename}"


def start_export(kind: str, graduation_year: int | None, by: User,
                 school_id: int | None = None) -> ExportJob:
    """Queue an export of the cohort (one school's students, when given), built after the
    commit. Flushes."""
    if kind not in EXPORT_KINDS:
        raise ValidationFailed("Choose what to export.", {"kind": "Unknown export."})
    # A school's export names its school; the whole institution's names none.
    school = {"school_id": school_id} if school_id is not None else {}
    export = ExportJob(kind=kind, params={"graduation_year": graduation_year, **school},
                       created_by_id=by.id)
    db.session.add(export)
    db.session.flush()
    enqueue_after_commit("build_export", export.id)
    return export


def recent_exports(school_id: int | None, by_id: int, count: int = 5) -> list[ExportJob]:
    """The newest exports: everyone's, or with ``school_id`` (a school's staff) those
    ``by_id`` made for that school. One query."""
    statement = sa.select(ExportJob).order_by(ExportJob.id.desc())
    if school_id is None:
        return list(db.session.scalars(statement.limit(count)))
    mine = db.session.scalars(statement.where(ExportJob.created_by_id == by_id)
                              .limit(count * 4))
    return [export for export in mine
            if (export.params or {}).get("school_id") == school_id][:count]


@stored_files("exports")
def referenced_exports(names: list[str]) -> set[str]:
    """Of these export file names, the ones an export row refers to."""
    return set(db.session.scalars(sa.select(ExportJob.filename).where(
        ExportJob.filename.in_(names))))


def open_export(export: ExportJob) -> BinaryIO | None:
    """A finished export's file for reading, or None."""
    if export.status is not ExportStatus.DONE or not export.filename:
        return None
    try:
        return storage().open(export_key(export.filename))
    except FileNotFoundError:
        return None


def _progress(export_id: int, **values) -> None:
    """Commits: progress is written in its own short transaction, so the page sees it at
    once while the export goes on."""
    db.session.execute(sa.update(ExportJob).where(ExportJob.id == export_id).values(**values))
    db.session.commit()


record_progress = _progress  # for the other jobs that build an ExportJob's file


def record_failure(export_id: int, error: Exception, noun: str, thing: str,
                   log_name: str) -> None:
    """Commits: mark the job failed with what a person can act on (the store is down, or
    ``thing`` could not be built; either way it is retried); the details go to the log
    and the job console, not to the page. The store kept nothing of the file."""
    db.session.rollback()
    current_app.logger.exception("%s %s failed", log_name, export_id)
    _progress(export_id, status=ExportStatus.FAILED,
              error=f"The file store is not answering just now. The {noun} is retried "
                    "automatically once it is back."
              if isinstance(error, StorageUnavailable) else
              f"The {thing} could not be built. It is retried automatically; if it "
              "keeps failing, the job console has the details.")


def build(export_id: int) -> None:
    """Write the file in batches, moving ``progress`` from 0 to 100, into the store, then
    mark the row done. Commits (progress is seen at once). Safe to rerun.

    Any failure, the store not answering among them, marks the row failed and is raised
    again, so the job's retries (and its outbox row) carry on until the file is written.
    """
    export = db.session.get(ExportJob, export_id)
    if export is None or export.status is ExportStatus.DONE:
        return
    kind, year = export.kind, (export.params or {}).get("graduation_year")
    school_id = (export.params or {}).get("school_id")
    filename = f"{export_id}-{kind}-{secrets.token_hex(8)}.csv"
    _progress(export_id, status=ExportStatus.RUNNING, progress=0, error=None)
    rows = 0
    try:
        with storage().writer(export_key(filename), text=True) as handle:
            handle.write(CSV_BOM)
            writer = csv.writer(handle)
            for batch, done in (_evidence_batches(year, school_id) if kind == "evidence"
                                else _summary_batches(year, school_id)):
                writer.writerows([[csv_safe(str(v)) if isinstance(v, str) else v
                                   for v in row] for row in batch])
                rows += len(batch)
                _progress(export_id, progress=done, rows=rows)
    except Exception as error:
        record_failure(export_id, error, "export", "file", "export")
        raise
    discard_unless_committed(export_key(filename))
    _progress(export_id, status=ExportStatus.DONE, progress=100, rows=rows,
              filename=filename, finished_at=utcnow())


def _evidence_batches(year: int | None, school_id: int | None = None
                      ) -> Iterator[tuple[list, int]]:
    members = cohort(year, school_id).subquery()
    where = OutcomeEvidence.student_id.in_(sa.select(members.c.id))
    total = db.session.scalar(sa.select(sa.func.count(OutcomeEvidence.id)).where(where)) or 0
    yield [["student_email", "student_name", "graduation_year", "outcome", "source_kind",
            "source_id", "recorded_at"]], 0
    last_id, written = 0, 0
    while True:
        batch = db.session.execute(
            sa.select(OutcomeEvidence.id, User.email, User.name, StudentProfile.graduation_year,
                      OutcomeEvidence.outcome, OutcomeEvidence.source_kind,
                      OutcomeEvidence.source_id, OutcomeEvidence.recorded_at)
            .join(User, User.id == OutcomeEvidence.student_id)
            .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
            .where(where, OutcomeEvidence.id > last_id)
            .order_by(OutcomeEvidence.id).limit(BATCH)).all()
        if not batch:
            return
        last_id = batch[-1][0]
        written += len(batch)
        yield ([[email, name, grad, outcome, kind.value, source_id, recorded.isoformat()]
                for _, email, name, grad, outcome, kind, source_id, recorded in batch],
               min(99, written * 100 // max(total, 1)))


def _summary_batches(year: int | None, school_id: int | None = None
                     ) -> Iterator[tuple[list, int]]:
    yield [["graduation_year", "group_by", "group", "students", "outcome", "with_evidence",
            "rate"]], 0
    overall = summary(year, school_id=school_id)
    label = year if year is not None else "all"
    yield [[label, "all", "all", overall.students, o.key, o.with_evidence, round(o.rate, 4)]
           for o in overall.outcomes], 10
    for index, group_by in enumerate(GROUPS, start=1):
        result = summary(year, group_by, school_id)
        yield [[label, group_by, group.label, group.students, key, count.with_evidence,
                round(count.rate, 4)]
               for group in result.groups for key, count in group.outcomes.items()], \
            min(99, 10 + index * 90 // len(GROUPS))


KEEP_EXPORTS = timedelta(days=7)


def purge_old_exports() -> int:
    """Delete exports (files and rows) older than a week: they hold student data."""
    cutoff = utcnow() - KEEP_EXPORTS
    old = db.session.scalars(sa.select(ExportJob).where(ExportJob.created_at < cutoff)).all()
    for export in old:
        if export.filename:
            storage().delete(export_key(export.filename))
        db.session.delete(export)
    db.session.flush()
    return len(old)


def rows_csv(rows: list[list]) -> str:
    """Rows as a CSV file Excel opens as UTF-8, every text cell formula-safe."""
    buffer = io.StringIO(CSV_BOM)
    buffer.seek(0, io.SEEK_END)
    writer = csv.writer(buffer)
    writer.writerows([[csv_safe(v) if isinstance(v, str) else v for v in row] for row in rows])
    return buffer.getvalue()


__all__ = ["EXPORT_KINDS", "OUTCOMES", "build", "open_export", "rows_csv", "start_export"]
