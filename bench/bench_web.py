"""``make bench``: browse, search and detail pages under load, next to a trivial route.

Loads 100,000 published postings into the PostgreSQL database it is given (the local
one by default), serves the app with gunicorn (2 x cores + 1 workers) and drives each URL
with wrk at 32 connections. Prints requests/s, p99 latency and each URL's ratio to
the trivial route measured in the same run: once as deployed, where visitors without a
session are served pages kept until postings change (``marketplace.pagecache``), and
once with that cache off, where every request renders its page as it does for a
logged-in student. In that second run a student then signs in through the log-in form
and the signed-in pages (browse, a two-word search, a posting, their home and their
outcomes) are driven with the session cookie, next to ``/ping`` with and without it,
and next to the floor under any signed-in page (``bench.floor``: finding the person
alone, and that plus the site's layout around an empty page). Signed-in pages keep what
they read until the database announces a change (``marketplace.core.changes``); a third
run measures them with that off, as on a first visit after a change.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path

import sqlalchemy as sa

from bench.common import fresh_database

ROOT = Path(__file__).resolve().parents[1]
POSTINGS = int(os.environ.get("BENCH_POSTINGS", 100_000))
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = 32
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WORDS = ("patient care data analysis welding customer service marketing design budget "
         "teaching logistics research software community nutrition safety energy solar "
         "accounting writing video events hospitality farming construction carpentry "
         "electrical plumbing robotics quality inventory outreach tutoring library archive "
         "policy grants finance lending retail sales social media photography audio "
         "laboratory chemistry biology nursing therapy counseling coaching").split()
CLUSTERS = ["advanced_manufacturing", "agriculture", "arts_entertainment_design",
            "construction", "digital_technology", "education", "energy_natural_resources",
            "financial_services", "healthcare_human_services", "hospitality_events_tourism",
            "management_entrepreneurship", "marketing_sales", "public_service_safety",
            "supply_chain_transportation"]
KINDS = ["internship", "apprenticeship", "micro_internship", "job_shadow"]
SEARCH_WORD = "welding"
SEARCH_WORDS = "data analysis"  # the signed-in round's two-word query
STUDENT_EMAIL = "bench.student@school.edu"
STUDENT_PASSWORD = "bench student password 1"


def filler_words(count: int, rng: random.Random) -> list[str]:
    """Made-up words standing in for the long tail of a real posting's vocabulary.

    Real descriptions share few words; without a long tail every domain word
    would appear in half of all postings and no search would be selective.
    """
    syllables = ["ka", "lo", "mi", "ren", "to", "sa", "vel", "dor", "qui", "ban", "es", "tur",
                 "pha", "gri", "mon", "lu", "ze", "cor", "fin", "ad"]
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def load(database_url: str) -> int:
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.blueprints.accounts.models import StudentProfile, User
    from marketplace.blueprints.accounts.services import hash_password
    from marketplace.core.extensions import db
    from marketplace.core.policies import Role

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "bench"})
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        organization_id = db.session.execute(sa.text(
            "INSERT INTO organization (name, website, type, status, trusted, created_at) "
            "VALUES ('Bench Org', NULL, 'company', 'verified', false, now()) RETURNING id"
        )).scalar_one()
        db.session.commit()
        start = datetime.now(UTC) - timedelta(days=60)
        filler = filler_words(3000, rng)
        today = date.today()
        table = db.metadata.tables["opportunity"]
        batch = []
        for n in range(POSTINGS):
            words = rng.sample(WORDS, 4)
            batch.append({
                "organization_id": organization_id, "title": f"{words[0].title()} "
                f"{words[1]} {rng.choice(['intern', 'apprentice', 'assistant', 'shadow'])}",
                "kind": rng.choice(KINDS), "status": "published",
                "description": " ".join(words) + ". " + " ".join(rng.sample(filler, 40)),
                "location": rng.choice(["Dayton, OH", "Columbus, OH", "Remote", "Akron, OH"]),
                "work_mode": rng.choice(["onsite", "hybrid", "remote"]), "paid": rng.random() < .8,
                "positions": 1, "career_cluster": rng.choice(CLUSTERS), "skills": [],
                "risk_flags": [],
                "application_deadline": today + timedelta(days=rng.randint(5, 90)),
                "published_at": start + timedelta(seconds=n * 30),
                "submitted_at": start, "created_at": start, "updated_at": start,
            })
            if len(batch) == 5000:
                db.session.execute(table.insert(), batch)
                batch = []
        if batch:
            db.session.execute(table.insert(), batch)
        # The signed-in round's student: confirmed (an unconfirmed address cannot log in).
        student = User(email=STUDENT_EMAIL, name="Bench Student", role=Role.STUDENT,
                       password_hash=hash_password(STUDENT_PASSWORD),
                       email_verified_at=datetime.now(UTC))
        student.student_profile = StudentProfile(graduation_year=2027, major="Biology",
                                                 time_zone="America/New_York")
        student.student_profile.clusters = ["digital_technology", "healthcare_human_services"]
        db.session.add(student)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE opportunity"))
        db.session.commit()
        some_id = db.session.execute(sa.text("SELECT max(id) FROM opportunity")).scalar_one()
        matches = db.session.execute(sa.text(
            "SELECT count(*) FROM opportunity WHERE search_vector @@ "
            "websearch_to_tsquery('english', :q)"), {"q": SEARCH_WORD}).scalar_one()
        both = db.session.execute(sa.text(
            "SELECT count(*) FROM opportunity WHERE search_vector @@ "
            "websearch_to_tsquery('english', :q)"), {"q": SEARCH_WORDS}).scalar_one()
        db.engine.dispose()
    print(f"'{SEARCH_WORD}' matches {matches} postings; '{SEARCH_WORDS}' has both words in "
          f"{both}", flush=True)
    return some_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wrk(url: str, cookie: str | None = None) -> tuple[float, float, int]:
    """Requests/s, p99 in ms and how many requests wrk gave up on (2 s each)."""
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    output = subprocess.run(["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{DURATION}", "--latency",
                             *header, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{output}")
    timeouts = re.search(r"Socket errors:.*timeout (\d+)", output)
    settle(url)
    return rate, p99_ms, int(timeouts.group(1)) if timeouts else 0


def settle(url: str) -> None:
    """Wait until requests left over from a run (slow pages queued behind the workers)
    are served, so that they do not slow the next URL's run: /ping answers at once again."""
    ping = url.split("/", 3)
    ping = "/".join(ping[:3]) + "/ping"
    deadline = time.monotonic() + 30
    quick = 0
    while quick < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        urllib.request.urlopen(ping, timeout=60).read()
        quick = quick + 1 if time.monotonic() - started < 0.1 else 0
        time.sleep(0.05)


TARGETS = [("trivial /ping", "/ping"), ("browse", "/opportunities"),
           ("search", f"/opportunities?q={SEARCH_WORD}"),
           ("filtered browse", "/opportunities?kind=internship&cluster=digital_technology")]
GOALS = {"browse": 0.40, "filtered browse": 0.40, "search": 0.25, "detail": 0.40}
SIGNED_IN_TARGETS = [("signed-in /ping", "/ping"),
                     # The floor under every signed-in page (``bench.floor``).
                     ("session only", "/bench/session"), ("empty layout", "/bench/layout"),
                     ("browse", "/opportunities"),
                     ("search", "/opportunities?q=" + urllib.parse.quote_plus(SEARCH_WORDS)),
                     ("home", "/students/"), ("/me/outcomes", "/me/outcomes")]
SIGNED_IN_GOALS = {"browse": 0.40, "search": 0.25, "detail": 0.40, "home": 0.25,
                   "/me/outcomes": 0.25}


def sign_in(base: str) -> str:
    """Log the bench student in through the form (CSRF token and all); the Cookie header."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/auth/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode({"csrf_token": token, "email": STUDENT_EMAIL,
                                   "password": STUDENT_PASSWORD}).encode()
    landed = opener.open(base + "/auth/login", data=form, timeout=30)
    if urllib.parse.urlsplit(landed.url).path != "/students/":
        raise SystemExit(f"the bench student could not log in (landed on {landed.url})")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def get(url: str, cookie: str | None = None) -> None:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        if cookie and (urllib.parse.urlsplit(response.url).path.startswith("/auth/")
                       or body == b"no"):
            raise SystemExit(f"{url}: the student's cookie was not accepted")


def serve_and_measure(database_url: str, detail_id: int, page_cache_size: int,
                      signed_in: dict | None = None, visitors: bool = True,
                      change_feed: bool = True) -> dict:
    """Start gunicorn with the given page cache size, run wrk on every target, stop it.

    Given a ``signed_in`` dict, a student then logs in and the signed-in targets are
    measured with their cookie into it; ``visitors=False`` measures only those (and
    ``/ping``). ``change_feed=False``: workers keep nothing between requests
    (``marketplace.core.changes``), as on a first visit after a change."""
    workers = 2 * (os.cpu_count() or 1) + 1
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench-secret",
           "PYTHONPATH": str(ROOT), "PAGE_CACHE_SIZE": str(page_cache_size),
           "CHANGE_FEED": "1" if change_feed else "0"}
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", str(workers), "-b",
         f"127.0.0.1:{port}", "--log-level", "warning", "bench.floor:create_app()"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    targets = (TARGETS + [("detail", f"/opportunities/{detail_id}")] if visitors
               else TARGETS[:1])
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/ping", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        for _, path in targets:  # warm every worker's caches
            for _ in range(workers * 2):
                urllib.request.urlopen(base + path, timeout=10).read()
        print(f"gunicorn {workers} workers; wrk {CONNECTIONS} connections, {DURATION} each")
        results = {name: wrk(base + path) for name, path in targets}
        if signed_in is not None:
            cookie = sign_in(base)
            student_targets = SIGNED_IN_TARGETS + [("detail", f"/opportunities/{detail_id}")]
            for _, path in student_targets:
                for _ in range(workers * 2):
                    get(base + path, cookie)
            signed_in.update({name: wrk(base + path, cookie) for name, path in student_targets})
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def verdict(goal: float | None, ratio: float, p99: float, timeouts: int) -> str:
    """The goal column: met or not; requests wrk gave up on (over 2 s) are not in the
    p99, so any of them means the goal is not met."""
    late = f" ({timeouts} over 2 s)" if timeouts else ""
    if goal is None:
        return late.strip()
    met = ratio >= goal and p99 < 100 and not timeouts
    return f">= {goal:.0%} and p99 < 100 ms: {'met' if met else 'NOT met'}{late}"


def report(title: str, results: dict) -> None:
    trivial = results["trivial /ping"][0]
    print(f"\n{title}")
    print(f"{'route':<18}{'req/s':>10}{'p99 ms':>10}{'ratio':>9}  goal")
    for name, (rate, p99, timeouts) in results.items():
        goal = GOALS.get(name)
        print(f"{name:<18}{rate:>10.1f}{p99:>10.1f}{rate / trivial:>9.0%}  "
              f"{verdict(goal, rate / trivial, p99, timeouts)}")


def report_signed_in(results: dict, anonymous_ping: float, title: str | None = None) -> None:
    trivial = results["signed-in /ping"][0]
    print("\n" + (title or "Signed in as a student (page cache off; ratios to the signed-in "
                           "/ping and to the visitors' /ping of the same run):"))
    print(f"{'route':<18}{'req/s':>10}{'p99 ms':>10}{'ratio':>9}{'/ anon':>9}  goal")
    for name, (rate, p99, timeouts) in results.items():
        goal = SIGNED_IN_GOALS.get(name) if title is None else None
        print(f"{name:<18}{rate:>10.1f}{p99:>10.1f}{rate / trivial:>9.0%}"
              f"{rate / anonymous_ping:>9.0%}  {verdict(goal, rate / trivial, p99, timeouts)}")


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (make bench installs Debian's wrk)")
    database_url = fresh_database(PG_URL, "cc_bench_web")
    print(f"loading {POSTINGS} published postings into {sa.make_url(database_url).database} ...",
          flush=True)
    started = time.perf_counter()
    detail_id = load(database_url)
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    # As deployed: visitors (wrk sends no cookie) are served kept pages until postings
    # change. Then with the cache off, as every logged-in student's request is served.
    deployed = serve_and_measure(database_url, detail_id, page_cache_size=256)
    signed_in: dict = {}
    rendered = serve_and_measure(database_url, detail_id, page_cache_size=0,
                                 signed_in=signed_in)
    report("As deployed (visitors' page cache on):", deployed)
    report("Every request rendered (page cache off, as for logged-in students):", rendered)
    report_signed_in(signed_in, rendered["trivial /ping"][0])
    # What each signed-in page costs when a worker has kept nothing (the first visit after
    # a change): the feed off.
    unkept: dict = {}
    alone = serve_and_measure(database_url, detail_id, page_cache_size=0, signed_in=unkept,
                              visitors=False, change_feed=False)
    report_signed_in(unkept, alone["trivial /ping"][0],
                     "Signed in, nothing kept between requests (CHANGE_FEED=0, as on a first "
                     "visit after a change; for comparison, not a goal):")


if __name__ == "__main__":
    main()
