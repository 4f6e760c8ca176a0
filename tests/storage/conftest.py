"""Fixtures of the storage tests: a real S3 server (moto's server mode) for the session,
and each store the door offers, fresh for each test."""

from __future__ import annotations

import os
import uuid

import pytest

from marketplace.core.storage import LocalStorage, S3Storage
from tests.storage.s3server import CREDENTIALS, MotoServer


@pytest.fixture(scope="session")
def moto_server():
    """One S3 server for the session; boto3 in this process finds its test credentials in
    the environment, as a deployment's would."""
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def s3_store(server: MotoServer, prefix: str | None = None) -> S3Storage:
    """A store on ``server``'s bucket under a prefix of its own (each test starts empty)."""
    return S3Storage(server.bucket, prefix or f"t-{uuid.uuid4().hex[:10]}",
                     endpoint_url=server.endpoint_url)


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    """Each store behind the door, empty: the contract holds for both."""
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    return s3_store(request.getfixturevalue("moto_server"))
