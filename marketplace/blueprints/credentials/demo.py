"""Demo data: the demo campus has a signing key, so its students can claim credentials."""

from __future__ import annotations

from marketplace.blueprints.credentials import keys


def seed_issuer_key() -> bool:
    """Make the signing key ``flask credentials init-key`` would, once. Flushes."""
    if keys.active_key() is not None:
        return False
    keys.create_key()
    return True
