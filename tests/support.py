"""Test plumbing shared by the fixtures: databases, live servers, form posting."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import ics
import sqlalchemy as sa
import vobject
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict
from werkzeug.serving import make_server

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or None
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
ON_SERVICES = bool(TEST_DATABASE_URL)
TMP_ROOT = Path(tempfile.mkdtemp(prefix="cc-tests-"))
ROOT = Path(__file__).resolve().parents[1]
RUN_ID = uuid.uuid4().hex[:8]
# Under pytest-xdist each worker process is one of "gw0", "gw1"...: databases named for a
# purpose get the worker's name too, so two workers never drop each other's.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# The web app and the workers the tests start share it, as hosts of one deployment do
# (a worker signs the links it e-mails).
TEST_SECRET_KEY = "test-secret-key-not-for-production"


def fresh_database(name: str) -> str:
    """A new empty database for one purpose, on PostgreSQL or SQLite."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{TMP_ROOT / (name + '.db')}"
    url = sa.make_url(TEST_DATABASE_URL)
    database = f"cc_test_{name}" + (f"_{WORKER}" if WORKER else "")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    return url.set(database=database).render_as_string(hide_password=False)


def app_config(database_url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": TEST_REDIS_URL,
        "BASE_URL": "http://127.0.0.1",
        # argon2id still, at a cost that keeps the suite quick.
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 8 * 1024,
        "ARGON2_PARALLELISM": 1,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": TEST_REDIS_URL or "memory://",
        "RATELIMIT_KEY_PREFIX": f"cc-test-{RUN_ID}-{uuid.uuid4().hex[:6]}",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "LOGIN_ACCOUNT_RATE_LIMIT": "1000 per minute",
        "ACCOUNT_RATE_LIMIT": "1000 per minute",
        "UPLOAD_FOLDER": str(TMP_ROOT / "uploads"),
        "MAIL_SERVER": None,
        # One prefix per app: a worker serving one test app never takes another's jobs.
        "RQ_QUEUE_PREFIX": f"cc-test-{RUN_ID}-{uuid.uuid4().hex[:6]}-",
        "OUTBOX_GRACE_SECONDS": 30,
        # Tests run periodic jobs themselves, when they mean to.
        "INLINE_PERIODIC_JOBS": False,
        # On PostgreSQL each app's feed would hold a listening connection for the rest of
        # the run: on for the feed's own tests and the browser journeys only.
        "CHANGE_FEED": False,
    }
    if database_url.startswith("sqlite"):
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    config.update(extra)
    return config


def migrated_app(name: str, **extra):
    """A new app on a fresh database of its own, migrated: for tests that really commit."""
    from flask_migrate import upgrade

    from marketplace import create_app

    app = create_app(app_config(fresh_database(name), **extra))
    with app.app_context():
        upgrade()
    return app


CSRF_RE = re.compile(r'name="csrf[_-]token"[^>]*(?:value|content)="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Client(FlaskClient):
    """A test client whose every request runs in its own application context.

    The test body holds an app context of its own; without this, requests would
    share its ``g`` (and so Flask-Login's cached user) and its session.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def submit(self, url: str, data: dict | None = None, page: str | None = None, **kwargs):
        """POST a form the way a browser would: with the CSRF token from its page."""
        html = self.get(page or url).get_data(as_text=True)
        payload = {"csrf_token": csrf_from(html), **(data or {})}
        return self.post(url, data=payload, **kwargs)

    def csrf_token(self) -> str:
        """The token a page's script would send in ``X-CSRFToken`` (logged-in users)."""
        return csrf_from(self.get("/").get_data(as_text=True))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(app):
    """Serve ``app`` on a free loopback port in a thread; yields the base URL."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class WorkerProcess:
    """``python -m workers`` in its own process group, so kill -9 takes the work-horse too."""

    def __init__(self, database_url: str, redis_url: str, prefix: str, name: str,
                 log_level: str = "WARNING", extra_env: dict | None = None):
        self.log = TMP_ROOT / f"worker-{name}-{uuid.uuid4().hex[:6]}.log"
        env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
               "RQ_QUEUE_PREFIX": prefix, "SECRET_KEY": TEST_SECRET_KEY,
               "CC_EXTRA_JOB_MODULES": "tests.jobs_for_tests", "OUTBOX_GRACE_SECONDS": "1",
               "RQ_MAINTENANCE_INTERVAL": "5", "RQ_JOB_MONITORING_INTERVAL": "5",
               "RQ_LOG_LEVEL": log_level, "PYTHONPATH": str(ROOT), **(extra_env or {})}
        with open(self.log, "w") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "workers"], cwd=ROOT, env=env,
                                            stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def at_once(*actions, timeout: float = 60) -> list:
    """Run each callable in its own thread, all released at the same moment.

    Returns their results in the order given.
    """
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(index: int, action) -> None:
        barrier.wait()
        results[index] = action()

    threads = [threading.Thread(target=run, args=(index, action))
               for index, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    return results


def in_transaction(app, call) -> str:
    """Run ``call`` in its own app context and commit: "ok", or the error's class name."""
    from marketplace.core.extensions import db

    with app.app_context():
        try:
            call()
            db.session.commit()
            return "ok"
        except Exception as error:  # noqa: BLE001 - the test reports what happened
            db.session.rollback()
            return type(error).__name__
        finally:
            db.session.remove()


def post_concurrently(app, calls: list[tuple[str, str, dict | None]]) -> list[tuple[int, dict]]:
    """Send API POSTs ``(token, path, json)`` at the same moment, one thread each.

    Returns ``(status, body)`` per call, in the order given.
    """
    def sender(token: str, path: str, body: dict | None):
        client = app.test_client()

        def send() -> tuple[int, dict]:
            response = client.post(path, json=body or {},
                                   headers={"Authorization": f"Bearer {token}"})
            return response.status_code, response.get_json()

        return send

    return at_once(*[sender(*call) for call in calls])


# The smallest file the resume check takes for a PDF.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class _FormReader(HTMLParser):
    """The fields of one <form> as a browser would send them, found by its action (a form
    without one posts to its own page)."""

    def __init__(self, action: str, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.page, self.inside, self.values = action, page, False, []
        self._select = self._textarea = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("action", self.page) == self.action
        elif not self.inside:
            return
        elif tag == "input" and a.get("name") and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.append((a["name"], a.get("value", "on")))
            else:
                self.values.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select = [a.get("name"), None, None]
        elif tag == "option" and self._select is not None:
            if self._select[2] is None:
                self._select[2] = a.get("value", "")
            if "selected" in a:
                self._select[1] = a.get("value", "")
        elif tag == "textarea":
            self._textarea, self._text = a.get("name"), []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            name, chosen, first = self._select
            self.values.append((name, chosen if chosen is not None else first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.values.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, action: str, page: str | None = None) -> MultiDict:
    """What submitting the form whose action is ``action`` would send, unchanged; ``page``
    is the page's own address when it is not ``action``."""
    reader = _FormReader(action, page or action)
    reader.feed(html)
    assert reader.values, f"no form posting to {action}"
    return MultiDict(reader.values)


def read_calendar(data: bytes) -> tuple[str, str, list[str]]:
    """Parse an invitation with icalendar, ics and vobject; return its method, the
    event's status and its attendees, checked to agree across the three."""
    calendar = icalendar.Calendar.from_ical(data)
    event = next(iter(calendar.walk("VEVENT")))
    attendees = event.get("attendee")
    attendees = [str(a) for a in (attendees if isinstance(attendees, list) else
                                  [attendees] if attendees else [])]
    [other] = ics.Calendar(data.decode()).events
    assert other.begin.datetime == event.decoded("dtstart")
    parsed = vobject.readOne(data.decode())
    assert parsed.method.value == str(calendar["method"])
    assert parsed.vevent.uid.value == str(event["uid"])
    return str(calendar["method"]), str(event["status"]), attendees
