"""The job registry: every background job, its queue, timeout and retry schedule.

Jobs are plain functions taking ids. They flush; the runner commits once, in the
same transaction that marks their outbox row done, so a job whose effect is
committed never runs again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

QUEUES = ("high", "default", "low")


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable
    queue: str = "default"
    timeout: int = 60
    retry_intervals: tuple[int, ...] = (10, 60, 300)


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    func: Callable
    every: int
    queue: str = "low"
    timeout: int = 300
    extra: dict = field(default_factory=dict)


JOBS: dict[str, JobSpec] = {}
PERIODIC: dict[str, PeriodicSpec] = {}


def job(queue: str = "default", timeout: int = 60,
        retry_intervals: tuple[int, ...] = (10, 60, 300)) -> Callable:
    """Register a background job, run through the outbox with ``enqueue_after_commit``."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def decorator(func: Callable) -> Callable:
        JOBS[func.__name__] = JobSpec(func.__name__, func, queue, timeout, retry_intervals)
        return func

    return decorator


def periodic(every: int, queue: str = "low", timeout: int = 300) -> Callable:
    """Register a job that runs every ``every`` seconds, once per period whatever the workers."""

    def decorator(func: Callable) -> Callable:
        PERIODIC[func.__name__] = PeriodicSpec(func.__name__, func, every, queue, timeout)
        return func

    return decorator


def load_jobs() -> None:
    """Import every module that registers jobs (and extra ones named in the environment)."""
    import importlib
    import os

    from . import (  # noqa: F401
        evidence,
        maintenance,
        mentoring,
        notifications,
        opportunities,
        payments,
        reports,
    )

    for module in filter(None, os.environ.get("CC_EXTRA_JOB_MODULES", "").split(",")):
        importlib.import_module(module.strip())
