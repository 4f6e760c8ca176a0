"""``GET /metrics``: Prometheus metrics for a scraper holding ``METRICS_TOKEN``.

Two kinds of numbers:

- **Requests**, counted in the process as they end (``core.logs.on_request_finished``): a
  counter and a latency histogram labelled by Flask endpoint, method and status class,
  never by path, so the number of series stays bounded whatever clients ask for. Under
  gunicorn each worker process counts its own; with ``PROMETHEUS_MULTIPROC_DIR`` set
  (prometheus_client's multi-process mode, read by the library at import) every worker
  writes to files there and a scrape of any worker adds them all up.
- **State**, read from the database and Redis at scrape time (``StateCollector``): the
  outbox backlog and its oldest row's age, queue depths, failed jobs, e-mail attempts
  by status, evidence rows by source. Any process answers the same, so these need no
  multi-process bookkeeping.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Response, current_app, request
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from marketplace.blueprints.notifications.models import DeliveryStatus, EmailDelivery
from marketplace.blueprints.ops.views import bp
from marketplace.blueprints.outcomes.models import OutcomeEvidence, SourceKind
from marketplace.core.extensions import db
from marketplace.core.jobs import JOBS, QUEUES
from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import backlog
from marketplace.core.policies import public
from marketplace.core.queueing import queue_name, redis_connection

# Not registered anywhere at import: each scrape builds its registry (below), so tests
# that make many apps in one process never register a metric twice.
REQUESTS = Counter("cc_http_requests", "HTTP requests answered, by Flask endpoint "
                   "(\"unmatched\": no route), method and status class.",
                   ["endpoint", "method", "status"], registry=None)
LATENCY = Histogram("cc_http_request_duration_seconds", "Time from the first request "
                    "hook to the last, by Flask endpoint and method.",
                    ["endpoint", "method"], registry=None)

# Any other method a client invents is "OTHER": labels never take what a client wrote.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
STATUS_CLASSES = {n: f"{n}xx" for n in range(1, 6)}
# (endpoint, method, status class) -> its counter and histogram children: labels() takes
# a lock and builds a key on every call, and this runs on every request. Bounded: the
# app's endpoints x 8 methods x 5 classes.
_children: dict[tuple[str, str, str], tuple] = {}


def observe_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    """Count one answered request (registered with ``core.logs.on_request_finished``)."""
    key = (endpoint or "unmatched", method if method in METHODS else "OTHER",
           STATUS_CLASSES.get(status // 100, "other"))
    children = _children.get(key)
    if children is None:
        children = _children[key] = (REQUESTS.labels(*key), LATENCY.labels(key[0], key[1]))
    children[0].inc()
    children[1].observe(seconds)


def multiprocess_mode() -> bool:
    # prometheus_client decides at import from the same variable.
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class StateCollector:
    """Gauges read at scrape time from the database (and Redis with ``REDIS_URL``)."""

    def collect(self) -> Iterator[Metric]:
        database_up = GaugeMetricFamily("cc_database_up", "1 when the database answered "
                                        "this scrape's queries.")
        try:
            families = list(self._from_database())
        except SQLAlchemyError as error:
            current_app.logger.warning("metrics: database: %s", type(error).__name__)
            db.session.rollback()
            database_up.add_metric([], 0)
            families = []
        else:
            database_up.add_metric([], 1)
        yield database_up
        yield from families
        yield from self._from_queue()

    def _from_database(self) -> Iterator[Metric]:
        count, oldest = backlog()
        yield GaugeMetricFamily("cc_outbox_backlog", "Outbox rows (background jobs) not "
                                "completed yet.", value=count)
        yield GaugeMetricFamily("cc_outbox_oldest_age_seconds", "Age of the oldest outbox "
                                "row not completed (0 when there is none).",
                                value=oldest.total_seconds() if oldest else 0.0)

        # Every status and source kind is present, 0 when it has no rows, so an alert
        # on failed e-mail sees 0 rather than nothing.
        deliveries = GaugeMetricFamily("cc_email_deliveries", "E-mail attempts on record, by "
                                       "status (failed: the mail server refused or was "
                                       "down; logged: no MAIL_SERVER).", labels=["status"])
        counts = dict.fromkeys(DeliveryStatus, 0) | dict(db.session.execute(
            sa.select(EmailDelivery.status, sa.func.count()).group_by(EmailDelivery.status)
        ).all())
        for status, n in counts.items():
            deliveries.add_metric([status.value], n)
        yield deliveries

        evidence = GaugeMetricFamily("cc_outcome_evidence_rows", "Rows in the outcomes "
                                     "evidence ledger, by source.", labels=["source_kind"])
        counts = dict.fromkeys(SourceKind, 0) | dict(db.session.execute(
            sa.select(OutcomeEvidence.source_kind, sa.func.count())
            .group_by(OutcomeEvidence.source_kind)).all())
        for kind, n in counts.items():
            evidence.add_metric([kind.value], n)
        yield evidence

        if redis_connection() is None:
            yield self._inline_failures()

    def _inline_failures(self) -> Metric:
        # Inline mode has no RQ failed-job registry: a job has failed for good once its
        # row has used up its retries (what /staff/jobs lists).
        failed = dict.fromkeys(QUEUES, 0)
        for queue, job, attempts, n in db.session.execute(
                sa.select(OutboxMessage.queue, OutboxMessage.job, OutboxMessage.attempts,
                          sa.func.count())
                .where(OutboxMessage.completed_at.is_(None),
                       OutboxMessage.last_error.is_not(None))
                .group_by(OutboxMessage.queue, OutboxMessage.job, OutboxMessage.attempts)):
            spec = JOBS.get(job)
            if attempts > (len(spec.retry_intervals) if spec else 0):
                failed[queue] = failed.get(queue, 0) + n
        return _failed_family(failed)

    def _from_queue(self) -> Iterator[Metric]:
        connection = redis_connection()
        mode = GaugeMetricFamily("cc_queue_mode", "How background jobs run: redis (RQ "
                                 "workers) or inline (in the web process, no Redis).",
                                 labels=["mode"])
        mode.add_metric(["inline" if connection is None else "redis"], 1)
        yield mode
        if connection is None:
            return
        from rq import Queue
        from rq.registry import FailedJobRegistry

        up = GaugeMetricFamily("cc_queue_up", "1 when Redis answered this scrape.")
        depths = GaugeMetricFamily("cc_queue_depth", "Jobs waiting in each RQ queue.",
                                   labels=["queue"])
        failed: dict[str, int] = {}
        try:
            for name in QUEUES:
                queue = Queue(queue_name(name), connection=connection)
                depths.add_metric([name], queue.count)
                failed[name] = FailedJobRegistry(queue=queue).count
        except RedisError as error:
            current_app.logger.warning("metrics: queue: %s", type(error).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield depths
        yield _failed_family(failed)


def _failed_family(failed: dict[str, int]) -> Metric:
    family = GaugeMetricFamily("cc_jobs_failed", "Jobs that failed for good (retries used "
                               "up), by queue: RQ's failed-job registry, or inline the "
                               "outbox rows past their retries.", labels=["queue"])
    for queue, n in sorted(failed.items()):
        family.add_metric([queue], n)
    return family


def scraper_refusal() -> Response | None:
    """None when the request may read the metrics, else the answer to give it.

    With ``METRICS_TOKEN`` set, only ``Authorization: Bearer <token>`` (compared in
    constant time). Unset, nobody in a deployment (``PRODUCTION``); elsewhere only a
    request made on this host's loopback and not passed on by a proxy (a proxy on the
    same host would make everybody "loopback").
    """
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.authorization
        if given is None or given.type != "bearer" or not given.token:
            return Response("Send Authorization: Bearer <METRICS_TOKEN>.\n", 401,
                            {"WWW-Authenticate": 'Bearer realm="metrics"'},
                            mimetype="text/plain")
        if not hmac.compare_digest(given.token.encode(), token.encode()):
            return Response("Wrong metrics token.\n", 403, mimetype="text/plain")
        return None
    if current_app.config.get("PRODUCTION"):
        # Behind a proxy on the same host every visitor is "loopback", and not every
        # proxy says it forwarded: a deployment scrapes with a token.
        return Response("Set METRICS_TOKEN to scrape a deployment's metrics.\n", 403,
                        mimetype="text/plain")
    proxied = "X-Forwarded-For" in request.headers or "Forwarded" in request.headers
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        loopback = False
    if loopback and not proxied:
        return None
    return Response("Metrics are open to this host's loopback only; set METRICS_TOKEN to "
                    "scrape from elsewhere.\n", 403, mimetype="text/plain")


@bp.route("/metrics")
@public  # to people no role opens it: a scraper's token, or loopback (scraper_refusal)
def serve_metrics():
    """Prometheus text format: requests of every worker process, state read now."""
    refusal = scraper_refusal()
    if refusal is not None:
        return refusal
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_mode():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(StateCollector())
    # The library's own negotiation: the classic text format unless the scraper asks
    # for OpenMetrics.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return Response(encode(registry), 200, {"Cache-Control": "no-store"},
                    content_type=content_type)
