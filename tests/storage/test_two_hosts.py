"""The multi-host shape, for real: two gunicorn web processes and one RQ worker, each
with an ``instance/`` folder of its own, sharing only PostgreSQL, Redis and an S3 store
(a moto server over HTTP). A file written through one host is read through another;
a web process killed mid-upload leaves nothing half-written; with the store down,
uploads and downloads say "try again" and an export waits in the outbox until the store
is back. Services round only (``make test-services``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.blueprints.applications.models import Application
from marketplace.blueprints.outcomes.models import ExportJob, ExportStatus
from marketplace.core.extensions import db
from marketplace.core.models import OutboxMessage
from marketplace.core.storage import storage, sweep_unreferenced
from tests.factories import (
    DEFAULT_PASSWORD,
    EmployerFactory,
    OpportunityFactory,
    StaffFactory,
    StudentFactory,
)
from tests.storage.s3server import CREDENTIALS, MotoServer
from tests.support import (
    ON_SERVICES,
    PDF,
    ROOT,
    TEST_REDIS_URL,
    TEST_SECRET_KEY,
    TMP_ROOT,
    WorkerProcess,
    app_config,
    csrf_from,
    free_port,
    fresh_database,
)

pytestmark = [
    pytest.mark.services, pytest.mark.no_db, pytest.mark.slow,
    pytest.mark.skipif(not ON_SERVICES, reason="needs PostgreSQL and Redis (make test-services)"),
]

TRY_AGAIN = "We could not save your file just now; please try again."


def wait_until(predicate, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class WebProcess:
    """One web host: gunicorn serving the app, with its own instance folder, in its own
    process group (SIGKILL takes the worker with the master)."""

    def __init__(self, name: str, env: dict) -> None:
        self.name, self.env = name, env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.instance = TMP_ROOT / f"host-{name}-{uuid.uuid4().hex[:6]}"
        self.log = TMP_ROOT / f"web-{name}-{uuid.uuid4().hex[:6]}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> WebProcess:
        env = {**self.env, "INSTANCE_PATH": str(self.instance), "BASE_URL": self.url}
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
                 "--workers", "1", "--threads", "4", "--timeout", "120",
                 "marketplace:create_app()"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

        def answering():
            if self.process.poll() is not None:
                raise RuntimeError(f"web {self.name} exited: {self.log.read_text()[-3000:]}")
            try:
                return requests.get(f"{self.url}/healthz", timeout=2).status_code == 200
            except requests.RequestException:
                return False

        assert wait_until(answering, timeout=60), self.log.read_text()[-3000:]
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Deployment:
    control: object  # an app on the same database and store, for setting up and checking
    moto: MotoServer
    web_a: WebProcess
    web_b: WebProcess
    env: dict
    posting_id: int
    second_posting_id: int
    users: dict[str, str]  # who → e-mail
    sessions: dict[str, requests.Session] = field(default_factory=dict)

    def rows(self, statement):
        with self.control.app_context():
            try:
                return db.session.execute(statement).all()
            finally:
                db.session.remove()


@pytest.fixture(scope="module")
def deployment():
    database_url = fresh_database("two_hosts")
    moto = MotoServer().start()
    prefix = f"two-hosts-{uuid.uuid4().hex[:6]}-"
    storage_url = moto.storage_url("campus")
    saved = {name: os.environ.get(name) for name in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    control = create_app(app_config(database_url, STORAGE_URL=storage_url,
                                    S3_ENDPOINT_URL=moto.endpoint_url,
                                    RQ_QUEUE_PREFIX=prefix))
    with control.app_context():
        upgrade()
        posting, second = OpportunityFactory(), OpportunityFactory()
        employer = EmployerFactory(organization=posting.organization)
        posting.created_by = employer
        users = {"student": StudentFactory(name="Ana Lima").email,
                 "second": StudentFactory().email, "third": StudentFactory().email,
                 "employer": employer.email, "staff": StaffFactory().email}
        db.session.commit()
        ids = posting.id, second.id
        db.session.remove()
        db.engine.dispose()
    env = {**os.environ, **CREDENTIALS, "DATABASE_URL": database_url,
           "REDIS_URL": TEST_REDIS_URL, "RQ_QUEUE_PREFIX": prefix,
           "SECRET_KEY": TEST_SECRET_KEY, "STORAGE_URL": storage_url,
           "S3_ENDPOINT_URL": moto.endpoint_url, "OUTBOX_GRACE_SECONDS": "1",
           "PYTHONPATH": str(ROOT)}
    web_a, web_b = WebProcess("a", env), WebProcess("b", env)
    worker = WorkerProcess(database_url, TEST_REDIS_URL, prefix, "two-hosts", extra_env={
        **CREDENTIALS, "STORAGE_URL": storage_url, "S3_ENDPOINT_URL": moto.endpoint_url,
        "INSTANCE_PATH": str(TMP_ROOT / f"host-worker-{uuid.uuid4().hex[:6]}")})
    try:
        web_a.start()
        web_b.start()
        yield Deployment(control, moto, web_a, web_b, env, *ids, users)
    finally:
        worker.stop()
        web_a.stop()
        web_b.stop()
        moto.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def signed_in(deployment: Deployment, who: str) -> requests.Session:
    """A browser session for ``who``, logged in once (through web A) and good on any
    host: sessions live in PostgreSQL, cookies are signed with the shared key."""
    if who not in deployment.sessions:
        browser = requests.Session()
        page = browser.get(f"{deployment.web_a.url}/auth/login", timeout=30).text
        response = browser.post(f"{deployment.web_a.url}/auth/login", timeout=30,
                                allow_redirects=False,
                                data={"csrf_token": csrf_from(page),
                                      "email": deployment.users[who],
                                      "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, response.text[:500]
        deployment.sessions[who] = browser
    return deployment.sessions[who]


def apply(browser: requests.Session, host: WebProcess, posting_id: int,
          filename: str = "Ana Lima CV.pdf") -> requests.Response:
    page = browser.get(f"{host.url}/opportunities/{posting_id}", timeout=30).text
    return browser.post(f"{host.url}/opportunities/{posting_id}/apply", timeout=90,
                        allow_redirects=False,
                        data={"csrf_token": csrf_from(page), "cover_letter": "Hello there"},
                        files={"resume": (filename, PDF, "application/pdf")})


def application_of(deployment: Deployment, who: str) -> tuple | None:
    from marketplace.blueprints.accounts.models import User

    found = deployment.rows(sa.select(Application.id, Application.resume_stored_name)
                            .join(User, User.id == Application.student_id)
                            .where(User.email == deployment.users[who]))
    return tuple(found[0]) if found else None


def resume_objects(deployment: Deployment) -> set[str]:
    return {name.rsplit("/", 1)[1] for name in deployment.moto.objects("campus/resumes/")}


def local_files(host: WebProcess) -> list[Path]:
    return [path for path in host.instance.rglob("*") if path.is_file()
            and "uploads" in path.parts]


def test_a_resume_uploaded_through_one_host_downloads_through_the_other(deployment):
    student = signed_in(deployment, "student")
    response = apply(student, deployment.web_a, deployment.posting_id)
    assert response.status_code == 302, response.text[:2000]
    application_id, stored = application_of(deployment, "student")
    assert resume_objects(deployment) == {stored}
    head = deployment.moto.client().head_object(Bucket=deployment.moto.bucket,
                                                Key=f"campus/resumes/{stored}")
    assert head["ServerSideEncryption"] == "AES256"
    employer = signed_in(deployment, "employer")
    download = employer.get(
        f"{deployment.web_b.url}/employers/applications/{application_id}/resume", timeout=30)
    assert download.status_code == 200 and download.content == PDF
    assert "Ana Lima CV.pdf" in download.headers["Content-Disposition"]
    # Nothing was kept on either host's own disk.
    assert local_files(deployment.web_a) == [] and local_files(deployment.web_b) == []


def test_an_export_built_by_the_worker_downloads_through_web_a(deployment):
    staff = signed_in(deployment, "staff")
    page = staff.get(f"{deployment.web_a.url}/staff/outcomes", timeout=30).text
    started = staff.post(f"{deployment.web_a.url}/staff/outcomes/exports", timeout=30,
                         allow_redirects=False,
                         data={"csrf_token": csrf_from(page), "kind": "evidence"})
    assert started.status_code == 302
    export_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])

    def finished():
        status = staff.get(f"{deployment.web_b.url}/staff/outcomes/exports/{export_id}/status",
                           timeout=30).json()
        return status if status["status"] == "done" else None

    status = wait_until(finished, timeout=90, interval=0.5)
    assert status, "the worker did not build the export"
    download = staff.get(f"{deployment.web_a.url}{status['download']}", timeout=30)
    assert download.status_code == 200
    assert download.content.decode("utf-8-sig").startswith("student_email,")
    [(filename,)] = deployment.rows(sa.select(ExportJob.filename).where(
        ExportJob.id == export_id))
    assert f"campus/exports/{filename}" in deployment.moto.objects("campus/exports/")


def moto_has_unread_request(port: int) -> bool:
    """Whether a connection to the (frozen) S3 server holds bytes it has not read: an
    upload on its way into the store."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].split(":")[1], 16)
        rx_queue = int(fields[4].split(":")[1], 16)
        if local_port == port and fields[3] == "01" and rx_queue > 0:
            return True
    return False


def test_a_web_process_killed_mid_upload_leaves_nothing_half_written(deployment):
    second = signed_in(deployment, "second")
    before = resume_objects(deployment)
    host = WebProcess("c", deployment.env).start()
    try:
        # Killed while the upload is still arriving: the request never reached a service.
        page = second.get(f"{host.url}/opportunities/{deployment.posting_id}", timeout=30).text
        request = requests.Request(
            "POST", f"{host.url}/opportunities/{deployment.posting_id}/apply",
            data={"csrf_token": csrf_from(page), "cover_letter": "Half"},
            files={"resume": ("cv.pdf", PDF + b"%" * 2_000_000, "application/pdf")},
            cookies=second.cookies).prepare()
        with socket.create_connection(("127.0.0.1", host.port), timeout=10) as raw:
            head = (f"POST {request.path_url} HTTP/1.1\r\nHost: 127.0.0.1:{host.port}\r\n"
                    + "".join(f"{k}: {v}\r\n" for k, v in request.headers.items())
                    + "\r\n").encode()
            raw.sendall(head + request.body[:len(request.body) // 2])
            time.sleep(0.5)
            host.kill()
        assert application_of(deployment, "second") is None
        assert resume_objects(deployment) == before

        # Killed while its file is on the way into the store: the store is frozen, so
        # the upload waits there, and the host dies before its commit.
        host.start()
        deployment.moto.pause()
        try:
            answer = {}
            sender = threading.Thread(target=lambda: answer.update(
                response=_try(lambda: apply(second, host, deployment.posting_id))))
            sender.start()
            assert wait_until(lambda: moto_has_unread_request(deployment.moto.port),
                              timeout=30), "the upload never reached the store"
            host.kill()
        finally:
            deployment.moto.resume()
        sender.join(timeout=30)
        assert application_of(deployment, "second") is None  # no row without its file
        # The store may have finished that upload after all: an orphan no row names,
        # which the sweep removes (here without waiting its hour).
        with deployment.control.app_context():
            sweep_unreferenced("resumes", older_than=-timedelta(seconds=5))
            db.session.remove()
        assert resume_objects(deployment) == before
        assert all(storage_has(deployment, name) for name in before)

        # Restarted, the host takes the same upload.
        host.start()
        assert apply(second, host, deployment.posting_id).status_code == 302
        _, stored = application_of(deployment, "second")
        assert resume_objects(deployment) == before | {stored}
    finally:
        host.stop()


def _try(call):
    try:
        return call()
    except requests.RequestException as error:
        return error


def storage_has(deployment: Deployment, name: str) -> bool:
    with deployment.control.app_context():
        return storage().exists(f"resumes/{name}")


def export_row(deployment: Deployment, export_id: int):
    """The outbox row of the job that builds export ``export_id``."""
    rows = deployment.rows(sa.select(OutboxMessage.args, OutboxMessage.attempts,
                                     OutboxMessage.last_error, OutboxMessage.completed_at)
                           .where(OutboxMessage.job == "build_export"))
    [row] = [row for row in rows if row.args == [export_id]]
    return row


def test_with_the_store_down_uploads_and_downloads_say_try_again_and_exports_wait(
        deployment):
    employer, staff, third = (signed_in(deployment, who)
                              for who in ("employer", "staff", "third"))
    application_id, _ = application_of(deployment, "student")
    deployment.moto.stop()
    try:
        refused = apply(third, deployment.web_a, deployment.second_posting_id)
        assert refused.status_code == 503 and TRY_AGAIN in refused.text
        assert application_of(deployment, "third") is None
        download = employer.get(
            f"{deployment.web_b.url}/employers/applications/{application_id}/resume",
            timeout=60)
        assert download.status_code == 503 and "try again" in download.text.lower()

        page = staff.get(f"{deployment.web_a.url}/staff/outcomes", timeout=30).text
        started = staff.post(f"{deployment.web_a.url}/staff/outcomes/exports", timeout=30,
                             allow_redirects=False,
                             data={"csrf_token": csrf_from(page), "kind": "summary"})
        assert started.status_code == 302
        export_id = int(started.headers["Location"].rstrip("/").rsplit("/", 1)[1])

        def failed_once():
            row = export_row(deployment, export_id)
            return row.attempts >= 1 and row

        row = wait_until(failed_once, timeout=90, interval=0.5)
        assert row, "the worker never tried the export"
        assert row.completed_at is None and row.last_error.startswith("StorageUnavailable")
    finally:
        deployment.moto.start()  # back (and empty, as a store restored from nothing)

    def built():
        rows = deployment.rows(sa.select(ExportJob.status).where(ExportJob.id == export_id))
        return rows[0].status is ExportStatus.DONE

    # RQ retries the job after its first interval (30 s) through the worker's scheduler.
    assert wait_until(built, timeout=120, interval=1), "the export was not retried"
    assert export_row(deployment, export_id).completed_at is not None
    download = staff.get(
        f"{deployment.web_b.url}/staff/outcomes/exports/{export_id}/download", timeout=30)
    assert download.status_code == 200
    assert download.content.decode("utf-8-sig").startswith("graduation_year,")
    assert apply(third, deployment.web_a, deployment.second_posting_id).status_code == 302
