"""Background work of the applications domain."""

from __future__ import annotations

from marketplace.blueprints.applications.services import sweep_unreferenced_resumes
from marketplace.core.jobs import periodic


@periodic(every=3600, queue="low", timeout=600)
def sweep_resumes() -> int:
    """Remove resume files no application refers to. Safe to rerun."""
    return sweep_unreferenced_resumes()
