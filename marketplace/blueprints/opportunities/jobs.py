"""Posting upkeep."""

from __future__ import annotations

from marketplace.blueprints.opportunities.services import expire_opportunities
from marketplace.core.jobs import periodic


@periodic(every=300, queue="low", timeout=120)
def expire_postings() -> int:
    """Expire published postings whose application deadline has passed. Safe to rerun."""
    return expire_opportunities()
