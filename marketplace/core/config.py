"""Configuration, read from environment variables only.

The embedded default (no variables set) is what ``make run`` uses: SQLite under
``instance/`` and background jobs run inline after each commit. A deployment
sets ``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY`` and an https ``BASE_URL``.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit


class ConfigurationError(RuntimeError):
    """A setting that production needs is missing or malformed."""


def _instance_secret_key(instance_path: Path) -> str:
    # Development convenience only: a random key kept under instance/ so that
    # restarting `make run` does not log everybody out.
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def instance_folder() -> str | None:
    """``INSTANCE_PATH``: this host's own ``instance/`` folder (None: Flask's default
    beside the package). Hosts of one deployment each keep their own."""
    folder = os.environ.get("INSTANCE_PATH")
    return os.path.abspath(folder) if folder else None


# An S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens.
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _storage_url(value: str | None) -> str | None:
    """``STORAGE_URL``, checked: unset (files under ``instance/``) or ``s3://bucket/prefix``."""
    if not value:
        return None
    parts = urlsplit(value)
    prefix = parts.path.strip("/")
    if parts.scheme != "s3" or not BUCKET.match(parts.netloc) or parts.query or \
            parts.fragment or not re.fullmatch(r"[A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*", prefix):
        raise ConfigurationError(
            f"STORAGE_URL is {value!r}: it must be s3://bucket or s3://bucket/prefix (an S3 "
            "bucket name, and a prefix of letters, digits, '.', '_', '-' and '/'), or unset "
            "to keep files under instance/.")
    return f"s3://{parts.netloc}/{prefix}" if prefix else f"s3://{parts.netloc}"


def _encryption(value: str | None) -> str | None:
    value = (value or "AES256").strip()
    if value.lower() == "off":
        return None
    if value not in ("AES256", "aws:kms"):
        raise ConfigurationError(
            f"S3_SERVER_SIDE_ENCRYPTION is {value!r}: use AES256 (the default), aws:kms, "
            "or off for a store that refuses the header.")
    return value


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment (and test overrides)."""
    env = os.environ
    overrides = overrides or {}
    # Unset, it is where `make run` serves: links in e-mails, invitations and the API
    # document follow PORT.
    base_url = (overrides.get("BASE_URL") or env.get("BASE_URL")
                or f"http://127.0.0.1:{env.get('PORT') or 5000}").rstrip("/")
    production = base_url.startswith("https://")

    secret_key = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise ConfigurationError(
                "SECRET_KEY is not set. A deployment (BASE_URL is https) needs a long random "
                "SECRET_KEY in the environment."
            )
        secret_key = _instance_secret_key(instance_path)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'marketplace.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]

    redis_url = env.get("REDIS_URL") or None

    config = {
        "SECRET_KEY": secret_key,
        "BASE_URL": base_url,
        "PRODUCTION": production,
        "SQLALCHEMY_DATABASE_URI": database_url,
        # No ping at every checkout: ``extensions._ping_if_idle`` checks idle ones. In a
        # deployment an error names the statement, never its values (addresses, names).
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": production},
        "REDIS_URL": redis_url,
        # Uploads (resumes) are at most 5 MB; the margin covers the multipart
        # envelope and the cover letter.
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": production,
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Redis down must not lock everybody out: limits fall back to memory.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        "LOGIN_ACCOUNT_RATE_LIMIT": "5 per minute",
        "ACCOUNT_RATE_LIMIT": "10 per minute;30 per hour",
        # Behind a TLS proxy, the number of proxies that set X-Forwarded-For.
        "PROXY_FIX_HOPS": int(env.get("PROXY_FIX_HOPS") or 0),
        "INSTITUTION_TIME_ZONE": env.get("INSTITUTION_TIME_ZONE") or "America/New_York",
        # The issuer named in students' credentials (Open Badges), and the key material
        # their signing key is sealed with at rest (unset: derived from SECRET_KEY).
        "INSTITUTION_NAME": env.get("INSTITUTION_NAME") or "Career Center",
        "CREDENTIALS_KEY": env.get("CREDENTIALS_KEY") or None,
        # argon2id; OWASP's recommended minimum is m=19 MiB, t=2. Tests lower it.
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST": 64 * 1024,
        "ARGON2_PARALLELISM": 2,
        "MAIL_SERVER": env.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(env.get("MAIL_PORT") or 25),
        "MAIL_FROM": env.get("MAIL_FROM") or "Career Connections <careers@localhost>",
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": env.get("STRIPE_API_BASE") or None,
        "UPLOAD_FOLDER": str(instance_path / "uploads"),
        # Where files live (marketplace.core.storage): unset, UPLOAD_FOLDER on this host;
        # s3://bucket/prefix, an S3-compatible store every host shares (credentials and
        # region from the usual AWS_* variables). S3_ENDPOINT_URL names a store that is not
        # AWS (MinIO, Ceph). Objects are written with the server-side encryption header
        # unless S3_SERVER_SIDE_ENCRYPTION is "off" (a MinIO without a KMS refuses it).
        "STORAGE_URL": env.get("STORAGE_URL") or None,
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        "S3_SERVER_SIDE_ENCRYPTION": _encryption(env.get("S3_SERVER_SIDE_ENCRYPTION")),
        # The SAML service provider's signing key and certificate (PEM files). Every web
        # host needs the same pair: set both in a deployment. Unset, one is made under
        # instance/saml/ on first use (one host, development).
        "SAML_SP_KEY_FILE": env.get("SAML_SP_KEY_FILE") or None,
        "SAML_SP_CERT_FILE": env.get("SAML_SP_CERT_FILE") or None,
        # How far the IdP's clock may be from ours when checking NotBefore / NotOnOrAfter.
        "SAML_CLOCK_SKEW_SECONDS": int(env.get("SAML_CLOCK_SKEW_SECONDS") or 60),
        "RQ_QUEUE_PREFIX": env.get("RQ_QUEUE_PREFIX", ""),
        # Rows not handed to the queue within this many seconds are re-sent by the relay.
        "OUTBOX_GRACE_SECONDS": int(env.get("OUTBOX_GRACE_SECONDS") or 30),
        # Pages visitors see without logging in, kept per worker until postings
        # change (marketplace.pagecache); 0 turns the cache off.
        "PAGE_CACHE_SIZE": int(env.get("PAGE_CACHE_SIZE") or 256),
        "PAGE_CACHE_SECONDS": int(env.get("PAGE_CACHE_SECONDS") or 30),
        # Pages of search results (cards, nothing personal) kept per worker for every
        # reader, signed in or not, until postings change (opportunities.browse); 0: off.
        "RESULTS_CACHE_SIZE": int(env.get("RESULTS_CACHE_SIZE") or 512),
        # On PostgreSQL each worker listens for what changed (marketplace.core.changes)
        # and keeps what a signed-in person's pages read until it does; "0" turns it off.
        "CHANGE_FEED": env.get("CHANGE_FEED", "1") != "0",
        # Signed-in browsers whose person a worker keeps (accounts.services.sessions).
        "PEOPLE_CACHE_SIZE": int(env.get("PEOPLE_CACHE_SIZE") or 4096),
        # Parts of a person's own pages kept rendered per worker (their home, their
        # outcomes) until what they show changes (marketplace.core.kept); 0: none.
        "FRAGMENT_CACHE_SIZE": int(env.get("FRAGMENT_CACHE_SIZE") or 1024),
        # With no worker (embedded default), periodic jobs run after requests.
        "INLINE_PERIODIC_JOBS": True,
        # "json": every log record one JSON object per line on stderr (the default in a
        # deployment); "text": Python's own logging, untouched (make run, tests).
        "LOG_FORMAT": (env.get("LOG_FORMAT") or ("json" if production else "text")).lower(),
        "LOG_LEVEL": (env.get("LOG_LEVEL") or "INFO").upper(),
        # GET /metrics answers a scraper sending "Authorization: Bearer <METRICS_TOKEN>";
        # unset, only a request from this host's loopback.
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
    }
    config.update({key: value for key, value in overrides.items() if key != "BASE_URL"})
    config["STORAGE_URL"] = _storage_url(config["STORAGE_URL"])
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # One file shared by threads: writers wait for each other.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30},
                                               "hide_parameters": production}
    return config
