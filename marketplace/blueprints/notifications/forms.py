"""marketplace.blueprints.notifications.forms."""

from __future__ import annotations

from marketplace.core.forms import Form


class MarkReadForm(Form):
    """Only the CSRF token: which notification is in the URL."""
