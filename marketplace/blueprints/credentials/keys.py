"""The issuer's signing keys: made by ``flask credentials init-key``, the private half
sealed at rest, the public halves published as a JWK set.

The seal is Fernet (AES-128-CBC with HMAC-SHA256) under a key derived with HKDF from
``CREDENTIALS_KEY``, or from ``SECRET_KEY`` when that is not set: a copy of the database
alone signs nothing. A key is never logged or shown.
"""

from __future__ import annotations

import base64
import re

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from joserfc.jwk import ECKey, KeySet

from marketplace.blueprints.credentials.models import IssuerKey
from marketplace.core.db import utcnow
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db

ALGORITHM = "ES256"


class NoSigningKey(Conflict):
    """Credentials cannot be issued before the institution has a key."""

    def __init__(self):
        super().__init__("The career center has not set up credentials yet "
                         "(flask credentials init-key).")


def _fernet() -> Fernet:
    material = (current_app.config.get("CREDENTIALS_KEY") or current_app.secret_key)
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"career-connections issuer key seal").derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def create_key() -> IssuerKey:
    """A new P-256 key that signs from now on; the one before it is retired (still
    published). Flushes."""
    key = ECKey.generate_key("P-256", parameters={"use": "sig", "alg": ALGORITHM},
                             private=True)
    kid = key.thumbprint()
    now = utcnow()
    db.session.execute(sa.update(IssuerKey).where(IssuerKey.retired_at.is_(None))
                       .values(retired_at=now))
    public = key.as_dict(private=False)
    public.update(kid=kid, alg=ALGORITHM, use="sig")
    row = IssuerKey(kid=kid, algorithm=ALGORITHM, public_jwk=public, created_at=now,
                    sealed_private_key=_fernet().encrypt(key.as_pem(private=True)).decode())
    db.session.add(row)
    db.session.flush()
    return row


def active_key() -> IssuerKey | None:
    return db.session.scalar(sa.select(IssuerKey).where(IssuerKey.retired_at.is_(None))
                             .order_by(IssuerKey.created_at.desc()).limit(1))


def signing_key() -> tuple[str, ECKey]:
    """The active key's id and private key; NoSigningKey when there is none."""
    row = active_key()
    if row is None:
        raise NoSigningKey()
    try:
        pem = _fernet().decrypt(row.sealed_private_key.encode())
    except InvalidToken:
        raise RuntimeError("The issuer key cannot be unsealed: CREDENTIALS_KEY (or "
                           "SECRET_KEY) is not the one it was sealed with.") from None
    return row.kid, ECKey.import_key(pem)


def public_keys() -> KeySet:
    """Every key this issuer ever signed with, public halves only."""
    return KeySet([ECKey.import_key(row.public_jwk) for row in public_keys_rows()])


def public_keys_rows() -> list[IssuerKey]:
    return db.session.scalars(sa.select(IssuerKey).order_by(IssuerKey.created_at)).all()


def jwks() -> dict:
    return {"keys": [row.public_jwk for row in public_keys_rows()]}


# A key id as we make them (a base64url JWK thumbprint): anything else is nobody's.
KID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def public_key(kid) -> ECKey | None:
    if not isinstance(kid, str) or not KID.fullmatch(kid):
        return None
    row = db.session.get(IssuerKey, kid)
    return ECKey.import_key(row.public_jwk) if row is not None else None
