"""What applications asks of the domains above it (schools), registered by their
``init_app``. See ``marketplace.core.hooks``."""

from __future__ import annotations

from marketplace.core.hooks import Hook

# Schools: a minor's new placement waits for a guardian's consent. Called with the new
# placement (flushed, status active); an answer of True makes it ``awaiting_consent``.
# The registered function opens the consent request itself, in the same transaction.
placement_needs_consent = Hook("a new placement waits for a parent's or guardian's consent")
