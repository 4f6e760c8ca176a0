"""What more than one home uses: durations in words, a time zone's city."""

from __future__ import annotations

from datetime import datetime, timedelta

from marketplace.core.db import utcnow

# A posting whose deadline is this close is "closing soon"; so is a saved one.
SOON = timedelta(days=7)
LIST_LIMIT = 10


def waited(since: datetime | None, now: datetime | None = None) -> str | None:
    """How long something has waited, in words: "2 hours", "3 days"."""
    if since is None:
        return None
    seconds = max(((now or utcnow()) - since).total_seconds(), 0)
    if seconds < 3600:
        minutes = max(int(seconds // 60), 1)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if seconds < 86400:
        hours = int(seconds // 3600)
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''}"
