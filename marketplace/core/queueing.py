"""The connection to the job queue: Redis when ``REDIS_URL`` is set, inline otherwise."""

from __future__ import annotations

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue


def redis_connection() -> Redis | None:
    """The app's Redis client (created lazily, once per app), or None in inline mode."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("redis")
    if client is None:
        client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        current_app.extensions["redis"] = client
    return client


def queue_name(name: str) -> str:
    # A prefix keeps test runs (and several deployments on one Redis) apart.
    return current_app.config.get("RQ_QUEUE_PREFIX", "") + name


def queue_for(name: str) -> Queue:
    return Queue(queue_name(name), connection=redis_connection())


def queue_health() -> str:
    """``inline`` without Redis, ``ok`` when Redis answers, ``error`` otherwise."""
    client = redis_connection()
    if client is None:
        return "inline"
    try:
        client.ping()
    except RedisError as error:
        current_app.logger.warning("health check: queue: %s", error)
        return "error"
    return "ok"
