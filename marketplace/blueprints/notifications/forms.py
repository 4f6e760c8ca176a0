from __future__ import annotations

from ..fields import Form


class MarkReadForm(Form):
    """Only the CSRF token: which notification is in the URL."""
