"""A real S3 server for the tests: moto's server mode, a process of its own on 127.0.0.1,
spoken to over HTTP by the real boto3 client. It keeps everything in memory, so a
restart comes back empty, as a store restored from nothing would; ``start`` makes the
bucket again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

from tests.support import TMP_ROOT, free_port

# moto checks no credentials, but boto3 signs every request and needs some.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "cc-test", "AWS_SECRET_ACCESS_KEY": "cc-test-secret",
               "AWS_DEFAULT_REGION": "us-east-1"}


class MotoServer:
    """``python -m moto.server`` on a free loopback port, stopped by its PID."""

    def __init__(self, bucket: str | None = None) -> None:
        self.port = free_port()
        self.endpoint_url = f"http://127.0.0.1:{self.port}"
        self.bucket = bucket or f"cc-test-{uuid.uuid4().hex[:10]}"
        self.log = TMP_ROOT / f"moto-{self.port}.log"
        self.process: subprocess.Popen | None = None

    def client(self):
        import boto3

        return boto3.session.Session(
            aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=CREDENTIALS["AWS_DEFAULT_REGION"],
        ).client("s3", endpoint_url=self.endpoint_url)

    def start(self, timeout: float = 30) -> MotoServer:
        """Start the server on its port (the same one after a stop) and make the bucket."""
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env={**os.environ, **CREDENTIALS})
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited: {self.log.read_text()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("moto_server did not start listening") from None
                time.sleep(0.05)
        self.client().create_bucket(Bucket=self.bucket)
        return self

    def stop(self) -> None:
        """Stop the server (its process group, by PID): the store is down."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): connections are accepted, nothing is answered."""
        os.killpg(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.process.pid, signal.SIGCONT)

    def storage_url(self, prefix: str = "cc") -> str:
        return f"s3://{self.bucket}/{prefix}" if prefix else f"s3://{self.bucket}"

    def objects(self, prefix: str = "") -> dict[str, dict]:
        """Every object under ``prefix`` (a full object name), with its metadata."""
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket,
                                                                    Prefix=prefix):
            for item in page.get("Contents", ()):
                found[item["Key"]] = item
        return found
