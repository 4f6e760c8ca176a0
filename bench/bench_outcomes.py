"""``make bench-outcomes``: the outcomes summary and dashboard on 50,000 students.

Loads 50,000 students (three graduating classes, with majors, clusters and
first-generation / Pell flags) and 200,000 evidence rows into a fresh PostgreSQL
database, then times, median of several runs in the same process:

- ``SELECT count(*) FROM outcome_evidence`` (the baseline),
- the summary for one class broken down by first-generation status (SQL only),
- the whole ``/staff/outcomes`` page for that class (summary, group breakdown,
  trend, first destinations, rendering), through the app as a logged-in staff user.

Prints each time and its ratio to the baseline. Goal: the page under 1 second
and under 10 x the count.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import time
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from bench.common import fresh_database

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
    with app.app_context():
        db.engine.dispose()
    print(f"\nmedian of {RUNS} runs, PostgreSQL, {STUDENTS:,} students, "
          f"{EVIDENCE:,} evidence rows")
    print(f"{'SELECT count(*) FROM outcome_evidence':<44}{count_ms:9.1f} ms   1.0 x")
    print(f"{'summary, class of 2027 by first-generation':<44}{summary_ms:9.1f} ms"
          f"{summary_ms / count_ms:6.1f} x")
    print(f"{'/staff/outcomes page, same view':<44}{page_ms:9.1f} ms"
          f"{page_ms / count_ms:6.1f} x")
    verdict = page_ms < 1000 and page_ms < 10 * count_ms
    print(f"goal (page < 1 s and < 10 x the count): {'met' if verdict else 'NOT met'}")


if __name__ == "__main__":
    main()
