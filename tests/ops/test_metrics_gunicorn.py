"""Under a real gunicorn with two worker processes and ``PROMETHEUS_MULTIPROC_DIR``, one
scrape counts the requests of both, and every request is one JSON log line."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from marketplace.core.extensions import db
from tests.support import ROOT, TEST_SECRET_KEY, free_port, migrated_app

pytestmark = pytest.mark.no_db

PING = {"endpoint": "ops.ping", "method": "GET", "status": "2xx"}


def get(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def pings_per_process(folder: Path) -> dict[str, float]:
    """Each worker's own count of /ping, read from its own file (``counter_<pid>.db``)."""
    counts = {}
    for path in folder.glob("counter_*.db"):
        for metric in MultiProcessCollector.merge([str(path)]):
            for sample in metric.samples:
                if sample.name == "cc_http_requests_total" and sample.labels == PING:
                    counts[path.stem] = sample.value
    return counts


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn -w 2 on a migrated database of its own; yields (base URL, folder, token,
    stderr file)."""
    app = migrated_app("metrics_gunicorn")
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    with app.app_context():
        db.engine.dispose()
    folder = tmp_path / "prometheus"
    folder.mkdir()
    token = secrets.token_urlsafe(24)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET_KEY,
           "PROMETHEUS_MULTIPROC_DIR": str(folder), "LOG_FORMAT": "json",
           "METRICS_TOKEN": token, "PYTHONPATH": str(ROOT), "INSTANCE_PATH": str(tmp_path)}
    env.pop("REDIS_URL", None)
    stderr = tmp_path / "gunicorn.log"
    with open(stderr, "w") as log:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b",
             f"127.0.0.1:{port}", "marketplace:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None, stderr.read_text()[-3000:]
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        yield base, folder, token, stderr
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def test_two_workers_counts_add_up_in_one_scrape_and_each_request_is_a_json_line(gunicorn):
    base, folder, token, stderr = gunicorn
    sent: list[str] = []

    def ping(request_id: str) -> str:
        status, headers, _ = get(base + "/ping", {"X-Request-ID": request_id})
        assert status == 200
        return headers["X-Request-ID"]

    # Concurrent batches until both workers have answered some (the kernel hands each
    # connection to whichever worker accepts first).
    with ThreadPoolExecutor(max_workers=8) as pool:
        while len(pings_per_process(folder)) < 2 and len(sent) < 2000:
            batch = [f"ping-{len(sent) + i:06d}-{secrets.token_hex(4)}" for i in range(40)]
            assert list(pool.map(ping, batch)) == batch
            sent.extend(batch)

    per_process = pings_per_process(folder)
    assert len(per_process) == 2 and all(n > 0 for n in per_process.values())

    status, headers, body = get(base + "/metrics", {"Authorization": f"Bearer {token}"})
    assert status == 200
    samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(body) for s in family.samples}
    total = samples[("cc_http_requests_total", tuple(sorted(PING.items())))]
    assert total == len(sent) == sum(per_process.values())
    latency = samples[("cc_http_request_duration_seconds_count",
                       (("endpoint", "ops.ping"), ("method", "GET")))]
    assert latency == len(sent)
    assert samples[("cc_database_up", ())] == 1
    assert samples[("cc_queue_mode", (("mode", "inline"),))] == 1
    assert get(base + "/metrics")[0] == 401  # a token is set: loopback is not enough

    # The server's log: one JSON line per request, carrying the id each request sent.
    time.sleep(0.5)
    lines = [json.loads(line) for line in stderr.read_text().splitlines()
             if line.startswith("{")]
    pings = [line for line in lines
             if line.get("event") == "request" and line["endpoint"] == "ops.ping"]
    assert sorted(line["request_id"] for line in pings) == sorted(sent)
    assert {(line["route"], line["status"], line["level"]) for line in pings} == \
        {("/ping", 200, "info")}
    assert all(set(line) >= {"time", "user_id", "method", "duration_ms"} for line in pings)
