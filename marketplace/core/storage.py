"""The storage door: every file the product keeps (resumes, exports…) goes through here.

Files are named by keys such as ``resumes/3f2a….pdf``, never by paths, so services
stay free of the file system and another store can stand behind the same door. The
embedded default keeps them under ``UPLOAD_FOLDER`` (``instance/uploads``).

A file appears whole or not at all: it is written to a temporary name beside its
final one and linked into place only once complete; a failed write leaves nothing.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from flask import Flask, current_app

KEY = re.compile(r"^[a-z0-9_-]+(/[A-Za-z0-9_.-]+)+$")


class LocalStorage:
    """Files in one folder on this host."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        if not KEY.match(key) or ".." in key:
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    @contextmanager
    def writer(self, key: str, text: bool = False) -> Iterator[BinaryIO]:
        """Write a new file under ``key``. It exists only once the block ends without an
        error; a key already in use raises FileExistsError (nothing is overwritten)."""
        final = self._path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        partial = final.with_name(f".{final.name}.{uuid.uuid4().hex}.partial")
        try:
            with open(partial, "xb") as raw:
                if text:
                    handle = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                    yield handle
                    handle.flush()
                    handle.detach()
                else:
                    yield raw
                raw.flush()
                os.fsync(raw.fileno())
            os.link(partial, final)  # fails, rather than overwrite, if the key is taken
        finally:
            partial.unlink(missing_ok=True)

    def put(self, key: str, data: bytes) -> None:
        with self.writer(key) as handle:
            handle.write(data)

    def open(self, key: str) -> BinaryIO:
        """The file for reading; FileNotFoundError when there is none."""
        return open(self._path(key), "rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        """Every finished file under ``prefix`` (``resumes``) with the time it was written
        (seconds since the epoch); files still being written are not listed."""
        folder = self._path(prefix + "/x").parent
        if not folder.is_dir():
            return
        for path in folder.iterdir():
            if path.is_file() and not path.name.startswith("."):
                yield f"{prefix}/{path.name}", path.stat().st_mtime

    def sweep_partials(self, prefix: str, older_than: float) -> int:
        """Delete files under ``prefix`` left half-written by a process that died while
        writing them (their ``finally`` never ran), once older than ``older_than``
        (seconds since the epoch). Returns how many."""
        folder = self._path(prefix + "/x").parent
        if not folder.is_dir():
            return 0
        removed = 0
        for path in folder.glob(".*.partial"):
            if path.stat().st_mtime < older_than:
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        self._path(key).unlink(missing_ok=True)


def init_app(app: Flask) -> None:
    app.extensions["storage"] = LocalStorage(Path(app.config["UPLOAD_FOLDER"]))


def storage() -> LocalStorage:
    """This app's store."""
    return current_app.extensions["storage"]
