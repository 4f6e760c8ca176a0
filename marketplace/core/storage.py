"""The storage door: every file the product keeps (resumes, exports…) goes through here.

Files are named by keys such as ``resumes/3f2a….pdf``, never by paths, so services
stay free of the file system and hosts can share one store. Two stores stand behind
the door: the embedded default keeps files under ``UPLOAD_FOLDER`` (``instance/uploads``)
on this host; ``STORAGE_URL=s3://bucket/prefix`` keeps them in any S3-compatible
store (``S3_ENDPOINT_URL`` for MinIO, Ceph or similar), where every web host and
worker finds what any other one wrote.

A file appears whole or not at all, in both: a failed write leaves nothing under
its key. Keys carry generated names only, never a person's. A store that cannot be
reached raises ``StorageUnavailable``: an upload then says so and records nothing, a
download answers 503 "try again", and a job lets it reach its retries.

Writes come before the commit that refers to them. ``discard_unless_committed``
removes a file whose transaction then fails; a file left by a process that died in
between is an orphan, removed by the hourly ``sweep_stored_files`` job once no row of
its area (``stored_files``) names it.
"""

from __future__ import annotations

import errno
import io
import logging
import os
import re
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.core.db import utcnow
from marketplace.core.errorpages import json_error, wants_json
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.jobs import periodic

KEY = re.compile(r"^[a-z0-9_-]+(/[A-Za-z0-9_.-]+)+$")

log = logging.getLogger(__name__)


class StorageUnavailable(DomainError):
    """The store did not answer (down, unreachable, refusing us): try again later."""

    status = 503
    code = "storage_unavailable"

    def __init__(self, message: str = "The file store is not answering just now. Please "
                                      "try again in a minute.",
                 fields: dict[str, str] | None = None):
        super().__init__(message, fields)


def check_key(key: str) -> str:
    """``key`` if it is a storage key (``area/name``, no way up or out); else ValueError."""
    if not isinstance(key, str) or not KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a storage key: {key!r}")
    return key


class Store(Protocol):
    """What both stores offer."""

    def writer(self, key: str, text: bool = False): ...
    def put(self, key: str, data: bytes) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def keys(self, prefix: str) -> Iterator[tuple[str, float]]: ...
    def sweep_partials(self, prefix: str, older_than: float) -> int: ...
    def delete(self, key: str) -> None: ...


# A folder on a full, read-only, unmounted or stale network disk: the local store's
# "unreachable". A missing file (ENOENT) and a taken key (EEXIST) are answers, not faults.
DISK_FAULTS = frozenset({errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.EIO,
                         errno.EROFS, errno.ENOTDIR, errno.ESTALE, errno.ENOTCONN,
                         errno.ETIMEDOUT, errno.EHOSTDOWN})


@contextmanager
def _disk_faults() -> Iterator[None]:
    try:
        yield
    except OSError as error:
        if error.errno in DISK_FAULTS:
            raise StorageUnavailable() from error
        raise


class LocalStorage:
    """Files in one folder on this host."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    @contextmanager
    def writer(self, key: str, text: bool = False) -> Iterator[BinaryIO]:
        """Write a new file under ``key``. It exists only once the block ends without an
        error; a key already in use raises FileExistsError (nothing is overwritten)."""
        final = self._path(key)
        partial = final.with_name(f".{final.name}.{uuid.uuid4().hex}.partial")
        try:
            with _disk_faults():
                final.parent.mkdir(parents=True, exist_ok=True)
                raw = open(partial, "xb")
            with raw:
                if text:
                    handle = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                    yield handle
                    handle.flush()
                    handle.detach()
                else:
                    yield raw
                with _disk_faults():
                    raw.flush()
                    os.fsync(raw.fileno())
            with _disk_faults():
                os.link(partial, final)  # fails, rather than overwrite, if the key is taken
        finally:
            # Tidying must not hide why the write failed; a partial it could not remove
            # is swept later.
            with suppress(OSError):
                partial.unlink(missing_ok=True)

    def put(self, key: str, data: bytes) -> None:
        with self.writer(key) as handle:
            handle.write(data)

    def open(self, key: str) -> BinaryIO:
        """The file for reading; FileNotFoundError when there is none."""
        path = self._path(key)
        with _disk_faults():
            return open(path, "rb")

    def exists(self, key: str) -> bool:
        path = self._path(key)
        # Not Path.is_file(): it answers False for a folder that is not there to ask.
        with _disk_faults():
            try:
                return stat.S_ISREG(os.stat(path).st_mode)
            except FileNotFoundError:
                return False

    def keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        """Every finished file under ``prefix`` (``resumes``) with the time it was written
        (seconds since the epoch); files still being written are not listed."""
        for entry in self._entries(prefix):
            if not entry.name.startswith(".") and entry.is_file():
                try:
                    yield f"{prefix}/{entry.name}", entry.stat().st_mtime
                except FileNotFoundError:
                    continue  # deleted since the folder was read

    def _entries(self, prefix: str) -> list[os.DirEntry]:
        """The files of one area; none when nothing was ever written there (a folder that
        cannot be read is a fault, not an empty area)."""
        folder = self._path(prefix + "/x").parent
        with _disk_faults():
            try:
                with os.scandir(folder) as entries:
                    return list(entries)
            except FileNotFoundError:
                return []

    def sweep_partials(self, prefix: str, older_than: float) -> int:
        """Delete files under ``prefix`` left half-written by a process that died while
        writing them (their ``finally`` never ran), once older than ``older_than``
        (seconds since the epoch). Returns how many."""
        removed = 0
        for entry in self._entries(prefix):
            if entry.name.startswith(".") and entry.name.endswith(".partial"):
                with _disk_faults():
                    if entry.stat().st_mtime < older_than:
                        Path(entry.path).unlink(missing_ok=True)
                        removed += 1
        return removed

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        path = self._path(key)
        with _disk_faults():
            path.unlink(missing_ok=True)


# Up to this size a file being written to S3 waits in memory; beyond it, in an
# unnamed temporary file that vanishes with the process.
SPOOL_BYTES = 8 * 1024 * 1024


class S3Storage:
    """Objects in one bucket (under an optional prefix) of an S3-compatible store.

    A PUT is atomic, so a file appears whole or not at all; ``writer`` gathers the
    file first and sends it in one request with ``If-None-Match: *`` (a key in use is
    never overwritten) and, unless turned off, the server-side encryption header.
    """

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 encryption: str | None = "AES256", client_options: dict | None = None
                 ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.endpoint_url = endpoint_url
        self.encryption = encryption or None
        self.client_options = client_options or {}
        self._client = None
        self._client_pid: int | None = None

    @property
    def client(self):
        # boto3 clients are thread-safe but must not cross a fork (RQ forks a
        # work-horse per job): each process makes its own, on first use.
        if self._client is None or self._client_pid != os.getpid():
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=5, read_timeout=60,
                retries={"max_attempts": 3, "mode": "standard"},
                # botocore's newer default checksums are refused by some S3-compatible
                # stores; send them only where the operation requires one.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required")
            self._client = boto3.session.Session().client(
                "s3", endpoint_url=self.endpoint_url, config=config, **self.client_options)
            self._client_pid = os.getpid()
        return self._client

    def _name(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    @contextmanager
    def _faults(self, key: str = "") -> Iterator[None]:
        """Turn botocore's errors into the door's: a missing object is FileNotFoundError,
        a taken key FileExistsError, anything else the store failing us."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in ("NoSuchKey", "404", "NotFound"):
                raise FileNotFoundError(errno.ENOENT, "no such file in the store", key) \
                    from None
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or status == 412:
                raise FileExistsError(errno.EEXIST, "the key is in use", key) from None
            raise StorageUnavailable() from error
        except BotoCoreError as error:
            # Connection refused or reset, timeouts, no credentials: the store is not
            # there for us now.
            raise StorageUnavailable() from error

    @contextmanager
    def writer(self, key: str, text: bool = False) -> Iterator[BinaryIO]:
        """Write a new file under ``key``. It exists only once the block ends without an
        error; a key already in use raises FileExistsError (nothing is overwritten)."""
        name = self._name(key)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as buffer:
            if text:
                handle = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
                yield handle
                handle.flush()
                handle.detach()
            else:
                yield buffer
            buffer.seek(0)
            self._put(key, name, buffer)

    def _put(self, key: str, name: str, body) -> None:
        extra = {"ServerSideEncryption": self.encryption} if self.encryption else {}
        with self._faults(key):
            self.client.put_object(Bucket=self.bucket, Key=name, Body=body, IfNoneMatch="*",
                                   **extra)

    def put(self, key: str, data: bytes) -> None:
        self._put(key, self._name(key), data)

    def open(self, key: str) -> BinaryIO:
        """The object for reading, streamed as it is read; FileNotFoundError when there
        is none."""
        name = self._name(key)
        with self._faults(key):
            return self.client.get_object(Bucket=self.bucket, Key=name)["Body"]

    def exists(self, key: str) -> bool:
        name = self._name(key)
        try:
            with self._faults(key):
                self.client.head_object(Bucket=self.bucket, Key=name)
        except FileNotFoundError:
            return False
        return True

    def keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        """Every object under ``prefix`` (``resumes``) with the time it was written
        (seconds since the epoch)."""
        folder = self._name(prefix + "/x")[:-1]
        start = len(self.prefix) + 1 if self.prefix else 0
        with self._faults():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=folder)
            for page in pages:
                for item in page.get("Contents", ()):
                    key = item["Key"][start:]
                    if KEY.fullmatch(key):
                        yield key, item["LastModified"].timestamp()

    def sweep_partials(self, prefix: str, older_than: float) -> int:
        """Abort multipart uploads under ``prefix`` begun before ``older_than`` (seconds
        since the epoch) and never finished: the store's half-written files, which
        it keeps (and bills) until someone aborts them. Returns how many."""
        folder = self._name(prefix + "/x")[:-1]
        removed = 0
        with self._faults():
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=folder)
            for page in pages:
                for upload in page.get("Uploads", ()):
                    if upload["Initiated"].timestamp() < older_than:
                        self.client.abort_multipart_upload(
                            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
                        removed += 1
        return removed

    def delete(self, key: str) -> None:
        """Remove the object if it is there."""
        name = self._name(key)
        with self._faults(key):
            self.client.delete_object(Bucket=self.bucket, Key=name)


def store_for(config: dict) -> Store:
    """The store a configuration names: ``STORAGE_URL`` (``s3://bucket/prefix``), else the
    ``UPLOAD_FOLDER`` on this host."""
    url = config.get("STORAGE_URL")
    if not url:
        return LocalStorage(Path(config["UPLOAD_FOLDER"]))
    parts = urlsplit(url)
    return S3Storage(parts.netloc, parts.path, endpoint_url=config.get("S3_ENDPOINT_URL"),
                     encryption=config.get("S3_SERVER_SIDE_ENCRYPTION"))


def init_app(app: Flask) -> None:
    app.extensions["storage"] = store_for(app.config)

    @app.errorhandler(StorageUnavailable)
    def answer_store_unavailable(error: StorageUnavailable):
        db.session.rollback()
        app.logger.warning("file store unavailable on %s %s: %r", request.method,
                           request.endpoint, type(error.__cause__ or error).__name__)
        if wants_json():
            response, status = json_error(503, error.message, error.code, error.fields)
        else:
            status = 503
            response = app.make_response((render_template(
                "errors/error.html", status=503, title="Try again", text=error.message), 503))
        # The store is usually back within a minute (a restart, a failover).
        response.headers["Retry-After"] = "30"
        return response, status


def storage() -> Store:
    """This app's store."""
    return current_app.extensions["storage"]


_UNCOMMITTED = "storage_uncommitted"


def discard_unless_committed(key: str) -> None:
    """Remove the file at ``key`` should the current transaction end without committing
    (its row failed to save, the commit failed): no file outlives the row meant to name it.
    """
    db.session.connection()  # the transaction that decides has begun, so it will end
    db.session.info.setdefault(_UNCOMMITTED, []).append((storage(), key))


@event.listens_for(Session, "after_commit")
def _files_committed(session: Session) -> None:
    # Released savepoints announce a commit too; only the outermost one keeps the files.
    if not session.in_nested_transaction():
        session.info.pop(_UNCOMMITTED, None)


@event.listens_for(Session, "after_transaction_end")
def _files_abandoned(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return  # a savepoint: the transaction that decides goes on
    for store, key in session.info.pop(_UNCOMMITTED, ()):
        try:
            store.delete(key)
        except StorageUnavailable:
            # Nothing names the file; the sweep removes it once the store is back.
            log.warning("could not remove %s after a rollback; the sweep will", key)


# Each area of the store (``resumes``, ``exports``) and how to tell which of a list of
# its file names some row still refers to. Registered by the domain that owns the rows.
AREAS: dict[str, Callable[[list[str]], Iterable[str]]] = {}


def stored_files(prefix: str) -> Callable:
    """Register the files under ``prefix`` with the function that answers, for a list of
    their names, which ones a row still names; the sweep removes the others."""
    check_key(prefix + "/x")

    def decorator(func: Callable[[list[str]], Iterable[str]]) -> Callable:
        AREAS[prefix] = func
        return func

    return decorator


# An orphan must be older than this: a file written just now may still be waiting for
# the commit of the row that names it.
ORPHAN_AGE = timedelta(hours=1)


def sweep_unreferenced(prefix: str, older_than: timedelta = ORPHAN_AGE) -> int:
    """Delete the files under ``prefix`` that no row names (left by a request or job
    that failed, or died, after writing them) and the half-written ones, once older than
    ``older_than``. Safe to rerun. Returns how many files went."""
    referenced = AREAS[prefix]
    cutoff = (utcnow() - older_than).timestamp()
    store = storage()
    store.sweep_partials(prefix, cutoff)
    old = [key for key, written in store.keys(prefix) if written < cutoff]
    removed = 0
    for start in range(0, len(old), 500):
        batch = old[start:start + 500]
        names = [key.split("/", 1)[1] for key in batch]
        kept = set(referenced(names))
        for key, name in zip(batch, names, strict=True):
            if name not in kept:
                store.delete(key)
                removed += 1
    return removed


@periodic(every=3600, queue="low", timeout=600)
def sweep_stored_files() -> int:
    """Remove orphaned and half-written files from every area of the store. Safe to rerun.
    Returns how many files went."""
    return sum(sweep_unreferenced(prefix) for prefix in sorted(AREAS))
