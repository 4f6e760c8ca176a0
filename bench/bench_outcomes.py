"""``make bench-outcomes``: the outcomes summary and dashboard on 50,000 students.

Loads 50,000 students (three graduating classes, with majors, clusters and
first-generation / Pell flags) and 200,000 evidence rows into a fresh PostgreSQL
database, then times, median of several runs in the same process:

- ``SELECT count(*) FROM outcome_evidence`` (the baseline),
- the summary for one class broken down by first-generation status (SQL only),
- the whole ``/staff/outcomes`` page for that class (summary, group breakdown,
  trend, first destinations, rendering), through the app as a logged-in staff user,
  by first-generation status and by major (the heatmap: 12 majors x 6 outcomes),
- a campaign's results page (both arms, three windows) for a 10,000-student segment.

Prints each time and its ratio to the baseline. Goal: each page under 1 second and
under 10 x the count.

Then, with Redis, the campaign is sent through two workers (the message to each of
the 9,000 students written to, and its e-mail to a local SMTP server), next to RQ's
own worker doing empty jobs in the same run: jobs per second for each, and a check
that every student was written to exactly once and no held-out student at all.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench.common import fresh_database

ROOT = Path(__file__).resolve().parents[1]

STUDENTS = int(os.environ.get("BENCH_STUDENTS", 50_000))
EVIDENCE = int(os.environ.get("BENCH_EVIDENCE", 200_000))
RUNS = int(os.environ.get("BENCH_RUNS", 7))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OUTCOMES = ["career_design", "skills_competencies", "experiential_learning", "connections",
            "articulation", "job_search"]
MAJORS = ["Nursing", "Computer Science", "Business Administration", "Welding Technology",
          "Elementary Education", "Biology", "Accounting", "Graphic Design", "Criminal Justice",
          "Mechanical Engineering", "Psychology", "Hospitality Management"]
CLUSTERS = ["healthcare_human_services", "digital_technology", "management_entrepreneurship",
            "advanced_manufacturing", "education", "financial_services",
            "arts_entertainment_design", "public_service_safety"]
PASSWORD = "bench passphrase 2026"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
# The campaign's segment: a class of its own, none of whom has Articulation yet.
SEGMENT = int(os.environ.get("BENCH_SEGMENT", 10_000))
SEGMENT_CLASS = 2030


def load(app) -> None:
    from flask_migrate import upgrade

    from marketplace.blueprints.accounts.services import create_user
    from marketplace.blueprints.outcomes.services import rebuild_attainment
    from marketplace.core.extensions import db
    from marketplace.core.policies import Role

    rng = random.Random(11)
    with app.app_context():
        upgrade()
        create_user("staff@bench.example", "Bench Staff", Role.STAFF, PASSWORD)
        db.session.commit()
        users, profiles, clusters = (db.metadata.tables[name] for name in (
            "user_account", "student_profile", "student_cluster"))
        now = datetime.now(UTC)
        first_id = (db.session.execute(sa.text("SELECT max(id) FROM user_account")).scalar_one()
                    or 0) + 1
        for start in range(0, STUDENTS, 5000):
            ids = range(first_id + start, first_id + min(start + 5000, STUDENTS))
            db.session.execute(users.insert(), [
                {"id": i, "email": f"s{i}@bench.example", "name": f"Student {i}",
                 "role": Role.STUDENT.value, "password_hash": "!bench", "active": True,
                 "session_version": 1, "created_at": now} for i in ids])
            db.session.execute(profiles.insert(), [
                {"user_id": i, "graduation_year": 2026 + i % 3, "major": MAJORS[i % len(MAJORS)],
                 "first_generation": rng.random() < 0.35, "pell_eligible": rng.random() < 0.3,
                 "time_zone": "America/New_York"} for i in ids])
            db.session.execute(clusters.insert(), [
                {"user_id": i, "cluster": CLUSTERS[(i + k) % len(CLUSTERS)]}
                for i in ids for k in range(1 + i % 2)])
        segment_first = first_id + STUDENTS
        for start in range(0, SEGMENT, 5000):
            ids = range(segment_first + start, segment_first + min(start + 5000, SEGMENT))
            db.session.execute(users.insert(), [
                {"id": i, "email": f"c{i}@bench.example", "name": f"Student {i}",
                 "role": Role.STUDENT.value, "password_hash": "!bench", "active": True,
                 "session_version": 1, "created_at": now} for i in ids])
            db.session.execute(profiles.insert(), [
                {"user_id": i, "graduation_year": SEGMENT_CLASS, "major": MAJORS[i % len(MAJORS)],
                 "first_generation": rng.random() < 0.35, "pell_eligible": rng.random() < 0.3,
                 "time_zone": "America/New_York"} for i in ids])
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('user_account', 'id'),"
                                   " (SELECT max(id) FROM user_account))"))
        evidence = db.metadata.tables["outcome_evidence"]
        seen = set()
        batch = []
        while len(seen) < EVIDENCE:
            student = first_id + rng.randrange(STUDENTS)
            outcome = rng.choice(OUTCOMES)
            source = rng.randrange(1, 4)
            if (student, outcome, source) in seen:
                continue
            seen.add((student, outcome, source))
            batch.append({"student_id": student, "outcome": outcome, "source_kind": "staff",
                          "source_id": source, "details": None,
                          "recorded_at": now - timedelta(days=rng.randrange(400))})
            if len(batch) == 10_000:
                db.session.execute(evidence.insert(), batch)
                batch = []
        if batch:
            db.session.execute(evidence.insert(), batch)
        rebuild_attainment()  # bulk rows skipped record_evidence
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


def median_ms(action, runs: int = RUNS) -> float:
    action()  # warm caches and connections once
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    from marketplace import create_app
    from marketplace.blueprints.outcomes.reports import summary
    from marketplace.core.extensions import db

    url = fresh_database(PG_URL, "cc_bench_outcomes")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False})
    started = time.perf_counter()
    load(app)
    print(f"loaded {STUDENTS:,} students and {EVIDENCE:,} evidence rows in "
          f"{time.perf_counter() - started:.0f} s", flush=True)

    with app.app_context():
        def count() -> None:
            db.session.execute(sa.text("SELECT count(*) FROM outcome_evidence")).scalar_one()
            db.session.rollback()

        def summarize() -> None:
            summary(2027, "first_generation")
            db.session.rollback()

        count_ms = median_ms(count)
        summary_ms = median_ms(summarize)

    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf[_-]token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/auth/login", data={"csrf_token": token,
                                                "email": "staff@bench.example",
                                                "password": PASSWORD})
    assert response.status_code == 302, "could not log in"

    def dashboard() -> None:
        answer = client.get("/staff/outcomes?graduation_year=2027&group_by=first_generation")
        assert answer.status_code == 200

    page_ms = median_ms(dashboard)

    def heatmap() -> None:
        answer = client.get("/staff/outcomes?graduation_year=2027&group_by=major")
        assert answer.status_code == 200 and "Gaps by major" in answer.get_data(as_text=True)

    heatmap_ms = median_ms(heatmap)
    campaign_id, contacted, held = make_campaign(app)

    def campaign_page() -> None:
        answer = client.get(f"/staff/outcomes/campaigns/{campaign_id}")
        assert answer.status_code == 200

    campaign_ms = median_ms(campaign_page)
    with app.app_context():
        db.engine.dispose()
    print(f"\nmedian of {RUNS} runs, PostgreSQL, {STUDENTS:,} students, "
          f"{EVIDENCE:,} evidence rows")
    print(f"{'SELECT count(*) FROM outcome_evidence':<44}{count_ms:9.1f} ms   1.0 x")
    print(f"{'summary, class of 2027 by first-generation':<44}{summary_ms:9.1f} ms"
          f"{summary_ms / count_ms:6.1f} x")
    print(f"{'/staff/outcomes page, same view':<44}{page_ms:9.1f} ms"
          f"{page_ms / count_ms:6.1f} x")
    print(f"{'/staff/outcomes by major (the heatmap)':<44}{heatmap_ms:9.1f} ms"
          f"{heatmap_ms / count_ms:6.1f} x")
    print(f"{'campaign results, ' + format(contacted + held, ',') + ' students':<44}"
          f"{campaign_ms:9.1f} ms{campaign_ms / count_ms:6.1f} x")
    verdict = all(ms < 1000 and ms < 10 * count_ms for ms in (page_ms, heatmap_ms, campaign_ms))
    print(f"goal (each page < 1 s and < 10 x the count): {'met' if verdict else 'NOT met'}")
    send_campaign(url, app)


def make_campaign(app) -> tuple[int, int, int]:
    """A campaign to the segment class (10 % held out), its contacted arm marked as
    written to 40 days ago and a quarter of each arm since reaching the outcome, so the
    results page reads real numbers. Returns its id and the arms' sizes."""
    from marketplace.blueprints.accounts.models import User
    from marketplace.blueprints.outcomes.campaigns import services
    from marketplace.blueprints.outcomes.campaigns.models import (
        Arm,
        CampaignMember,
        NextStep,
    )
    from marketplace.blueprints.outcomes.models import StudentAttainment
    from marketplace.core.extensions import db

    with app.app_context():
        staff = db.session.scalar(sa.select(User).where(User.email == "staff@bench.example"))
        campaign = services.create_campaign(
            services.Segment(SEGMENT_CLASS, "articulation"), "Your resume, reviewed",
            "Send your resume to the review queue this week.", NextStep.DOCUMENT_REVIEW,
            staff, 10, rng=random.Random(3))
        started = datetime.now(UTC) - timedelta(days=40)
        campaign.created_at = started
        db.session.flush()
        db.session.execute(sa.update(CampaignMember).where(
            CampaignMember.campaign_id == campaign.id, CampaignMember.arm == Arm.CONTACTED)
            .values(sent_at=started))
        members = db.session.execute(sa.select(CampaignMember.student_id).where(
            CampaignMember.campaign_id == campaign.id)).scalars().all()
        db.session.execute(sa.insert(StudentAttainment), [
            {"student_id": student_id,
             "articulation": started + timedelta(days=5 + n % 80)}
            for n, student_id in enumerate(members) if n % 4 == 0])
        # The outbox row the campaign queued is left unsent: send_campaign sends one.
        db.session.execute(sa.text("DELETE FROM outbox_message"))
        db.session.commit()
        result = (campaign.id, campaign.to_send, campaign.holdout_size)
        db.session.remove()
        return result


def send_campaign(url: str, app) -> None:
    """The same segment again (the first campaign's results stand), sent for real."""
    from redis import Redis

    from bench.bench_worker import baseline
    from marketplace.blueprints.accounts.models import User
    from marketplace.blueprints.notifications.models import (
        DeliveryStatus,
        EmailDelivery,
        Notification,
    )
    from marketplace.blueprints.outcomes.campaigns import services
    from marketplace.blueprints.outcomes.campaigns.models import Arm, CampaignMember, NextStep
    from marketplace.core.extensions import db
    from marketplace.core.models import OutboxMessage
    from marketplace.core.outbox import dispatch_ready

    redis = Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except OSError:
        print("\nRedis is not running: the campaign is not sent through workers.")
        return
    base = baseline(redis, "rq.worker.Worker")
    smtp = LocalSMTP()
    prefix = f"bench-campaign-{uuid.uuid4().hex[:6]}-"
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS_URL, "RQ_QUEUE_PREFIX": prefix,
           "SECRET_KEY": "bench", "PYTHONPATH": str(ROOT), "RQ_LOG_LEVEL": "WARNING",
           "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port)}
    sender = create_sender(url, prefix, smtp.port)
    with sender.app_context():
        staff = db.session.scalar(sa.select(User).where(User.email == "staff@bench.example"))
        # Not the students written to by the first campaign less than 7 days ago: nobody.
        campaign = services.create_campaign(
            services.Segment(SEGMENT_CLASS, "connections"), "Meet a mentor",
            "Book a mentor in your cluster this month.", NextStep.MENTOR, staff, 10,
            rng=random.Random(4))
        db.session.commit()
        campaign_id, to_send = campaign.id, campaign.to_send
        dispatch_ready()
    started = time.perf_counter()
    deadline = started + 1800
    while True:
        workers = [subprocess.Popen([sys.executable, "-m", "workers", "--burst"], cwd=ROOT,
                                    env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL) for _ in range(2)]
        for worker in workers:
            worker.wait(timeout=1800)
        with sender.app_context():
            open_rows = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.completed_at.is_(None)))
            db.session.remove()
        if not open_rows or time.perf_counter() > deadline:
            break
    seconds = time.perf_counter() - started
    with sender.app_context():
        jobs = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.completed_at.is_not(None)))
        held = set(db.session.scalars(sa.select(CampaignMember.student_id).where(
            CampaignMember.campaign_id == campaign_id, CampaignMember.arm == Arm.HOLDOUT)))
        per_student = dict(db.session.execute(
            sa.select(Notification.user_id, sa.func.count()).where(
                Notification.kind == "campaign", Notification.title == "Meet a mentor")
            .group_by(Notification.user_id)).all())
        mailed = db.session.scalar(sa.select(sa.func.count(EmailDelivery.id)).where(
            EmailDelivery.template == "campaign", EmailDelivery.status == DeliveryStatus.SENT))
        db.engine.dispose()
    smtp.stop()
    print(f"\ncampaign to {to_send + len(held):,} students ({len(held):,} held out), "
          f"two workers, PostgreSQL and Redis")
    print(f"{'RQ worker, empty job (baseline)':<44}{base:9.1f} jobs/s   1.0 x")
    print(f"{'campaign: batches, messages and e-mails':<44}{jobs / seconds:9.1f} jobs/s"
          f"{jobs / seconds / base:6.2f} x   ({jobs:,} jobs in {seconds:.0f} s)")
    once = sum(1 for count in per_student.values() if count == 1)
    print(f"written to exactly once: {once:,} of {to_send:,}; held out written to: "
          f"{len(held & set(per_student)):,}; e-mails received: {len(smtp.received):,} "
          f"({mailed:,} logged sent)")
    if once != to_send or held & set(per_student) or len(smtp.received) != to_send:
        raise SystemExit("the campaign did not reach each student exactly once")


def create_sender(url: str, prefix: str, smtp_port: int):
    from marketplace import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "REDIS_URL": REDIS_URL, "RQ_QUEUE_PREFIX": prefix,
                       "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port})


class LocalSMTP:
    """A real SMTP server on a loopback port (aiosmtpd) that counts what it receives."""

    def __init__(self):
        import socket

        from aiosmtpd.controller import Controller

        self.received: list[bytes] = []
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                outer.received.append(envelope.content)
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


if __name__ == "__main__":
    main()
