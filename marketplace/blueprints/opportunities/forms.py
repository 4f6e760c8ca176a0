from __future__ import annotations

from ..fields import Form


class SaveForm(Form):
    """Save or unsave a posting: only the CSRF token."""
