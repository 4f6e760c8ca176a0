"""Staff exports."""

from __future__ import annotations

from marketplace.services.exports import build

from .registry import job


@job(queue="low", timeout=600, retry_intervals=(30, 120))
def build_export(export_id: int) -> None:
    """Build one CSV export, reporting progress on its row. Safe to rerun."""
    build(export_id)
