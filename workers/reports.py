"""Staff exports."""

from __future__ import annotations

from marketplace.services.exports import build, purge_old_exports

from .registry import job, periodic


@job(queue="low", timeout=600, retry_intervals=(30, 120))
def build_export(export_id: int) -> None:
    """Build one CSV export, reporting progress on its row. Safe to rerun."""
    build(export_id)


@periodic(every=3600, queue="low", timeout=300)
def purge_exports() -> int:
    """Exports hold student data: keep them a week."""
    return purge_old_exports()
