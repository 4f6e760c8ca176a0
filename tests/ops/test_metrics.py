"""GET /metrics: scraped and read by prometheus_client's own parser, with real numbers
behind every assertion; who may scrape; labels that stay bounded."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from marketplace.blueprints.notifications.models import DeliveryStatus, EmailDelivery
from marketplace.blueprints.outcomes.models import OutcomeEvidence, SourceKind
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.models import OutboxMessage
from tests.factories import StudentFactory
from tests.support import ON_SERVICES, free_port


def scrape(client, **kwargs) -> dict[tuple[str, tuple], float]:
    """``{(sample name, sorted labels): value}`` from one scrape."""
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response.headers["Cache-Control"] == "no-store"
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for sample in family.samples}


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_endpoint_method_and_status_class(client):
    before = scrape(client)
    for _ in range(5):
        assert client.get("/ping").status_code == 200
    unknown = f"/no-such-page-{secrets.token_hex(4)}"
    assert client.get(unknown).status_code == 404
    assert client.open("/ping", method="BREW").status_code == 405
    after = scrape(client)

    ping = {"endpoint": "ops.ping", "method": "GET"}
    assert value(after, "cc_http_requests_total", **ping, status="2xx") - \
        value(before, "cc_http_requests_total", **ping, status="2xx") == 5
    assert value(after, "cc_http_request_duration_seconds_count", **ping) - \
        value(before, "cc_http_request_duration_seconds_count", **ping) == 5
    # Every observation falls in some bucket: +Inf holds them all.
    assert value(after, "cc_http_request_duration_seconds_bucket", **ping, le="+Inf") == \
        value(after, "cc_http_request_duration_seconds_count", **ping)
    assert value(after, "cc_http_request_duration_seconds_sum", **ping) > \
        value(before, "cc_http_request_duration_seconds_sum", **ping)
    # The scrape before this one was counted too.
    assert value(after, "cc_http_requests_total", endpoint="ops.serve_metrics",
                 method="GET", status="2xx") >= 1
    # No path and no invented method ever becomes a label.
    assert value(after, "cc_http_requests_total", endpoint="unmatched", method="GET",
                 status="4xx") - value(before, "cc_http_requests_total", endpoint="unmatched",
                                       method="GET", status="4xx") == 1
    # (405: no route takes BREW, so no endpoint either.)
    assert value(after, "cc_http_requests_total", endpoint="unmatched", method="OTHER",
                 status="4xx") - value(before, "cc_http_requests_total", endpoint="unmatched",
                                       method="OTHER", status="4xx") == 1
    body = client.get("/metrics").get_data(as_text=True)
    assert unknown[1:] not in body and "BREW" not in body


def test_outbox_backlog_and_its_oldest_age_are_read_from_the_database(client):
    assert value(scrape(client), "cc_outbox_backlog") == 0
    now = utcnow()
    db.session.add_all([
        OutboxMessage(job="record_effect", args=[1], queue="high",
                      created_at=now - timedelta(minutes=10)),
        OutboxMessage(job="record_effect", args=[2], queue="high",
                      created_at=now - timedelta(minutes=2)),
        OutboxMessage(job="record_effect", args=[3], queue="high", created_at=now),
        # Done: not backlog.
        OutboxMessage(job="record_effect", args=[4], queue="high",
                      created_at=now - timedelta(hours=5), completed_at=now),
    ])
    db.session.commit()
    samples = scrape(client)
    assert value(samples, "cc_outbox_backlog") == 3
    assert 600 <= value(samples, "cc_outbox_oldest_age_seconds") < 660


def test_failed_emails_and_evidence_rows_are_counted(client, login_as, run_jobs):
    student = StudentFactory()
    other = StudentFactory()
    db.session.add_all([
        OutcomeEvidence(student_id=student.id, outcome="career_readiness",
                        source_kind=SourceKind.PLACEMENT, source_id=1),
        OutcomeEvidence(student_id=student.id, outcome="experiential_learning",
                        source_kind=SourceKind.PLACEMENT, source_id=1),
        OutcomeEvidence(student_id=other.id, outcome="career_readiness",
                        source_kind=SourceKind.MENTORING, source_id=7),
    ])
    db.session.commit()
    before = scrape(client)

    # A real failed sending: the mail server's port has nobody listening.
    client.application.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    try:
        client.submit("/auth/reset", {"email": student.email})
        client.submit("/auth/reset", {"email": other.email})
        run_jobs()
    finally:
        client.application.config.update(MAIL_SERVER=None, MAIL_PORT=25)
    failed_rows = db.session.query(EmailDelivery).filter_by(
        status=DeliveryStatus.FAILED).count()
    assert failed_rows == 2

    after = scrape(client)
    assert value(after, "cc_email_deliveries", status="failed") == 2
    assert value(before, "cc_email_deliveries", status="failed") == 0
    assert ("cc_email_deliveries", (("status", "sent"),)) in after  # 0, but present
    assert value(after, "cc_outcome_evidence_rows", source_kind="placement") == 2
    assert value(after, "cc_outcome_evidence_rows", source_kind="mentoring") == 1
    assert value(after, "cc_outcome_evidence_rows", source_kind="staff") == 0
    assert value(after, "cc_database_up") == 1


@pytest.mark.skipif(ON_SERVICES, reason="inline mode: the round without Redis")
def test_inline_mode_reports_failed_jobs_from_the_outbox(client):
    now = utcnow()
    db.session.add_all([
        # record_effect retries twice: a third failed attempt is final.
        OutboxMessage(job="record_effect", args=[5], queue="high", created_at=now,
                      attempts=3, last_error="RuntimeError: boom", last_attempt_at=now),
        # Still has a retry to come: not failed yet.
        OutboxMessage(job="record_effect", args=[6], queue="high", created_at=now,
                      attempts=2, last_error="RuntimeError: boom", last_attempt_at=now),
        OutboxMessage(job="fail_until_fixed", args=[7], queue="default", created_at=now,
                      attempts=5, last_error="RuntimeError: boom", last_attempt_at=now),
    ])
    db.session.commit()
    samples = scrape(client)
    assert value(samples, "cc_queue_mode", mode="inline") == 1
    assert value(samples, "cc_jobs_failed", queue="high") == 1
    assert value(samples, "cc_jobs_failed", queue="default") == 1
    assert value(samples, "cc_jobs_failed", queue="low") == 0
    assert not any(name == "cc_queue_depth" for name, _ in samples)


@pytest.mark.skipif(not ON_SERVICES, reason="needs Redis (services round)")
def test_redis_queue_depths_and_failed_jobs(app, client):
    from rq import SimpleWorker
    from rq.registry import FailedJobRegistry

    from marketplace.core.queueing import queue_for, redis_connection

    queue = queue_for("low")
    before = scrape(client)
    job = queue.enqueue("tests.jobs_for_tests.fail_until_fixed", 424242)
    try:
        waiting = scrape(client)
        assert value(waiting, "cc_queue_mode", mode="redis") == 1
        assert value(waiting, "cc_queue_up") == 1
        assert value(waiting, "cc_queue_depth", queue="low") - \
            value(before, "cc_queue_depth", queue="low") == 1
        # A real worker runs it; the job raises and RQ moves it to the failed registry.
        SimpleWorker([queue], connection=redis_connection()).work(
            burst=True, logging_level="WARNING")
        done = scrape(client)
        assert value(done, "cc_queue_depth", queue="low") == \
            value(before, "cc_queue_depth", queue="low")
        assert value(done, "cc_jobs_failed", queue="low") - \
            value(before, "cc_jobs_failed", queue="low") == 1
    finally:
        FailedJobRegistry(queue=queue).remove(job, delete_job=True)


@pytest.fixture
def metrics_token(app):
    token = secrets.token_urlsafe(24)
    app.config["METRICS_TOKEN"] = token
    try:
        yield token
    finally:
        app.config["METRICS_TOKEN"] = None


def test_with_a_token_only_its_bearer_may_scrape(client, metrics_token):
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", headers={"Authorization": "Basic Zm9vOmJhcg=="}
                      ).status_code == 401
    wrong = metrics_token[:-1] + ("A" if metrics_token[-1] != "A" else "B")
    assert client.get("/metrics", headers={"Authorization": f"Bearer {wrong}"}
                      ).status_code == 403
    # From anywhere, with the token: loopback is not what lets it in.
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {metrics_token}"},
                        environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert answer.status_code == 200 and "cc_outbox_backlog" in answer.get_data(as_text=True)


def test_without_a_token_only_loopback_may_scrape(client):
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}
                      ).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    # A proxy on this host passes everybody on from 127.0.0.1: it does not count.
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}
                      ).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1


def test_a_deployment_without_a_token_refuses_everyone(app, client):
    """Behind a proxy on the same host (one that sends only X-Real-IP, say) every
    visitor would be loopback: a deployment takes a token or nothing."""
    app.config["PRODUCTION"] = True
    try:
        refused = client.get("/metrics", headers={"X-Real-IP": "203.0.113.9"})
        assert refused.status_code == 403 and "METRICS_TOKEN" in refused.text
        assert client.get("/metrics").status_code == 403
    finally:
        app.config["PRODUCTION"] = False


def test_openmetrics_when_the_scraper_asks_for_it(client):
    answer = client.get("/metrics", headers={"Accept": "application/openmetrics-text; "
                                                       "version=1.0.0"})
    assert answer.headers["Content-Type"].startswith("application/openmetrics-text")
    assert re.search(r"^# EOF$", answer.get_data(as_text=True), re.M)
