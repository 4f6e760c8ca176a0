"""Structured logs: one JSON line per request and per job, the request id from the request
to the jobs it enqueued, and nothing personal beyond ids."""

from __future__ import annotations

import io
import json
import logging
import re
import time
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.core import logs
from marketplace.core.config import load_config
from marketplace.core.extensions import db
from marketplace.core.outbox import enqueue_after_commit
from tests.factories import StudentFactory
from tests.smtp_server import SMTPServer
from tests.support import (
    ON_SERVICES,
    TEST_REDIS_URL,
    Client,
    WorkerProcess,
    app_config,
    free_port,
    fresh_database,
)


@pytest.fixture
def json_lines():
    """The process logs as JSON lines into a buffer, as ``LOG_FORMAT=json`` makes it log
    to stderr; returns a function reading the lines written so far."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    buffer = io.StringIO()
    handler = logs.use_json_logs("INFO", stream=buffer)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        for kept in handlers:
            if kept not in root.handlers:
                root.addHandler(kept)
        root.setLevel(level)


def events(lines: list[dict], kind: str) -> list[dict]:
    return [line for line in lines if line.get("event") == kind]


@pytest.fixture
def mail_server_down(app):
    """MAIL_SERVER names a port nobody listens on: every send fails."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    try:
        yield
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)


def test_request_id_is_taken_when_well_formed_and_made_otherwise(client):
    given = "3f0c1a52-9d4e-4b8a-a1f7-2c6d7e8f9a0b"
    assert client.get("/ping", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    made = set()
    for bad in (None, "short", "has spaces in it", "x" * 129, "quote\"d-request-id",
                "semi;colon-request-id"):
        headers = {"X-Request-ID": bad} if bad else {}
        answer = client.get("/ping", headers=headers).headers["X-Request-ID"]
        assert re.fullmatch(r"[0-9a-f]{32}", answer), (bad, answer)
        made.add(answer)
    assert len(made) == 6  # a new one each time


def test_one_json_line_per_request_and_per_job_with_the_same_request_id(
        client, json_lines, run_jobs, mail_server_down):
    student = StudentFactory(email="ana.flores@school.edu")
    db.session.commit()
    request_id = "req-7f3a9c2e4b1d"
    page = client.get("/auth/reset").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/auth/reset", data={"csrf_token": token, "email": student.email},
                           headers={"X-Request-ID": request_id})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == request_id
    run_jobs()  # inline: already ran after the commit; Redis: an RQ worker runs it now

    lines = json_lines()
    [request_line] = [line for line in events(lines, "request")
                      if line["endpoint"] == "accounts.ask_reset" and line["method"] == "POST"]
    assert request_line["request_id"] == request_id
    assert request_line["route"] == "/auth/reset" and request_line["status"] == 200
    assert request_line["user_id"] is None and request_line["level"] == "info"
    assert isinstance(request_line["duration_ms"], float) and request_line["duration_ms"] >= 0
    assert request_line["time"].endswith("Z")

    # The mail server is down: the job fails, and its line says so under the same id.
    [job_line] = [line for line in events(lines, "job")
                  if line.get("job") == "send_password_reset_email"]
    assert job_line["request_id"] == request_id
    assert job_line["status"] == "failed" and job_line["level"] == "error"
    assert job_line["error"] == "ConnectionRefusedError"
    assert job_line["args"] == [student.id] and job_line["attempt"] == 1

    # Ids only: not the address, whatever line of the process it would be in.
    everything = "\n".join(json.dumps(line) for line in lines)
    assert "ana.flores" not in everything and "school.edu" not in everything


def test_a_signed_in_request_names_the_person_and_never_the_query(
        client, login_as, json_lines):
    student = StudentFactory()
    login_as(student)
    assert client.get("/opportunities?q=my+secret+search+words&location=Springfield"
                      ).status_code == 200
    [line] = [line for line in events(json_lines(), "request")
              if line["endpoint"] == "opportunities.list_opportunities"]
    assert line["user_id"] == student.id and line["status"] == 200
    assert line["route"] == "/opportunities"
    everything = json.dumps(json_lines())
    assert "secret" not in everything and "Springfield" not in everything


def test_a_job_enqueued_outside_a_request_carries_no_request_id(json_lines, run_jobs):
    enqueue_after_commit("record_effect", 31)
    db.session.commit()
    run_jobs()
    [line] = [line for line in events(json_lines(), "job") if line.get("args") == [31]]
    assert line["job"] == "record_effect" and line["status"] == "done"
    assert line["request_id"] is None and line["level"] == "info"


def test_other_records_are_json_too_and_carry_the_request_id(app, client, json_lines):
    with app.test_request_context("/"):
        from flask import g

        g.request_id = "abc-request-123"
        app.logger.warning("the queue is slow (%d s)", 12)
    [line] = [line for line in json_lines() if line.get("message", "").startswith("the queue")]
    assert line == {"time": line["time"], "level": "warning", "logger": "marketplace",
                    "message": "the queue is slow (12 s)", "request_id": "abc-request-123"}


def test_json_is_the_default_in_a_deployment_and_text_on_a_laptop(tmp_path: Path,
                                                                   monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    deployed = load_config(tmp_path, {"BASE_URL": "https://careers.example.edu",
                                      "SECRET_KEY": "k"})
    laptop = load_config(tmp_path, {})
    assert (deployed["LOG_FORMAT"], laptop["LOG_FORMAT"]) == ("json", "text")
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert load_config(tmp_path, {})["LOG_FORMAT"] == "json"


@pytest.mark.services
@pytest.mark.no_db
@pytest.mark.skipif(not ON_SERVICES, reason="needs PostgreSQL and Redis (make test-services)")
def test_a_worker_process_logs_the_job_under_the_id_of_the_request_that_enqueued_it():
    """Web (this process) and a real ``python -m workers`` with ``LOG_FORMAT=json``: the
    request id crosses Redis in the RQ job's meta."""
    prefix = f"logs-{uuid.uuid4().hex[:6]}-"
    database_url = fresh_database("logs_worker")
    app = create_app(app_config(database_url, REDIS_URL=TEST_REDIS_URL, RQ_QUEUE_PREFIX=prefix))
    app.test_client_class = Client
    with app.app_context():
        upgrade()
        student = StudentFactory(email="bo.chen@school.edu")
        db.session.commit()
        email = student.email
    request_id = f"lb-{uuid.uuid4()}"
    with SMTPServer() as smtp:
        worker = WorkerProcess(database_url, TEST_REDIS_URL, prefix, "logs", log_level="INFO",
                               extra_env={"LOG_FORMAT": "json", "MAIL_SERVER": "127.0.0.1",
                                          "MAIL_PORT": str(smtp.port)})
        try:
            answer = app.test_client().submit("/auth/reset", {"email": email},
                                              headers={"X-Request-ID": request_id})
            assert answer.headers["X-Request-ID"] == request_id

            def job_lines():
                text = worker.log.read_text()
                return [line for line in map(json.loads, filter(None, text.splitlines()))
                        if line.get("event") == "job"]

            deadline = time.monotonic() + 60
            while not smtp.messages and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            worker.stop()
        assert [m["To"] for m in smtp.messages] == [email]
    # (The worker's beat runs its periodic jobs too, each a line of its own.)
    [line] = [line for line in job_lines() if line.get("job") == "send_password_reset_email"]
    assert line["status"] == "done"
    assert line["request_id"] == request_id and line["level"] == "info"
    # Every line the worker wrote is JSON (RQ's own included), and none names the person.
    text = worker.log.read_text()
    assert all(json.loads(row) for row in text.splitlines() if row.strip())
    assert "bo.chen" not in text and "school.edu" not in text
    with app.app_context():
        db.engine.dispose()
