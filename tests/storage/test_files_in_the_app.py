"""Resumes and exports through the app with the S3 store (a real moto server over HTTP):
where files land, how they are named and encrypted, who may stream them back, and what
a person sees while the store is down."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace.blueprints.applications.models import Application, RecordAccess
from marketplace.blueprints.applications.services import apply, resume_key
from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.outcomes import exports
from marketplace.blueprints.outcomes.models import ExportJob, ExportStatus
from marketplace.core.extensions import db
from marketplace.core.jobs import run_outbox_message
from marketplace.core.models import OutboxMessage
from marketplace.core.storage import AREAS, storage, sweep_stored_files, sweep_unreferenced
from tests.factories import (
    DEFAULT_PASSWORD,
    EmployerFactory,
    OpportunityFactory,
    StaffFactory,
    StudentFactory,
)
from tests.storage.conftest import s3_store
from tests.storage.s3server import MotoServer
from tests.support import PDF

TRY_AGAIN = "We could not save your file just now; please try again."


@pytest.fixture
def s3_app(app, moto_server):
    """The test app with an S3 store (a prefix of its own on the session's moto server)."""
    local = app.extensions["storage"]
    app.extensions["storage"] = s3_store(moto_server)
    try:
        yield app
    finally:
        app.extensions["storage"] = local


@pytest.fixture
def down_store(app, moto_server):
    """The test app with an S3 store on a moto server of its own, which the test stops
    and starts."""
    server = MotoServer()
    server.start()
    local = app.extensions["storage"]
    app.extensions["storage"] = s3_store(server, prefix="cc")
    try:
        yield server
    finally:
        app.extensions["storage"] = local
        server.stop()


def signed_in(app, user):
    """A client of its own, logged in as ``user`` through the log-in form."""
    client = app.test_client()
    response = client.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def posting_with_contact():
    opportunity = OpportunityFactory()
    employer = EmployerFactory(organization=opportunity.organization)
    opportunity.created_by = employer
    return opportunity, employer


def apply_with_resume(client, opportunity, name="Maya Okafor resume.pdf"):
    resume = FileStorage(io.BytesIO(PDF), filename=name, content_type="application/pdf")
    return client.submit(f"/opportunities/{opportunity.id}/apply",
                         {"cover_letter": "I would love to.", "resume": resume},
                         page=f"/opportunities/{opportunity.id}",
                         content_type="multipart/form-data")


def test_a_resume_lands_in_the_store_encrypted_under_a_generated_name(s3_app, moto_server):
    opportunity, employer = posting_with_contact()
    student = StudentFactory(name="Maya Okafor")
    db.session.commit()
    client = signed_in(s3_app, student)
    assert apply_with_resume(client, opportunity).status_code == 302
    application = db.session.scalar(sa.select(Application).where(
        Application.student_id == student.id))
    store = storage()
    name = f"{store.prefix}/{resume_key(application.resume_stored_name)}"
    objects = moto_server.objects(store.prefix + "/")
    assert list(objects) == [name]
    # The key carries a generated name only: nothing of the student or their file name.
    assert re.fullmatch(r"[^/]+/resumes/[0-9a-f]{32}\.pdf", name)
    assert "maya" not in name.lower() and "okafor" not in name.lower()
    head = moto_server.client().head_object(Bucket=moto_server.bucket, Key=name)
    assert head["ServerSideEncryption"] == "AES256"

    own = client.get(f"/me/data/resumes/{application.id}")
    assert own.status_code == 200 and own.get_data() == PDF
    download = signed_in(s3_app, employer).get(f"/employers/applications/{application.id}/resume")
    assert download.status_code == 200 and download.get_data() == PDF
    assert 'filename="Maya Okafor resume.pdf"' in download.headers["Content-Disposition"]
    assert db.session.scalar(sa.select(RecordAccess.what).where(
        RecordAccess.application_id == application.id, RecordAccess.viewer_id == employer.id,
        RecordAccess.what == "resume")) == "resume"
    # Served by the app, never by a link into the bucket.
    assert moto_server.endpoint_url not in download.get_data(as_text=True)
    assert "Location" not in download.headers


def test_a_commit_that_fails_takes_its_resume_with_it(s3_app, moto_server):
    opportunity, _ = posting_with_contact()
    student = StudentFactory()
    db.session.commit()
    resume = FileStorage(io.BytesIO(PDF), filename="cv.pdf")
    application = apply(opportunity, student, "Hello", resume)
    key = resume_key(application.resume_stored_name)
    assert storage().exists(key)  # written before the commit that is to name it
    # A second application to the same posting, slipped into the same transaction: the
    # commit fails on the unique constraint.
    db.session.add(Application(opportunity=opportunity, student=student, cover_letter="x"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert not storage().exists(key)
    assert list(storage().keys("resumes")) == []


def test_the_hourly_sweep_covers_every_area_the_product_writes(s3_app):
    assert set(AREAS) == {"resumes", "exports", "imports", "documents"}
    opportunity, _ = posting_with_contact()
    student, staff = StudentFactory(), StaffFactory()
    db.session.commit()
    application = apply(opportunity, student, "Hi", FileStorage(io.BytesIO(PDF), "cv.pdf"))
    export = ExportJob(kind="summary", params={}, created_by_id=staff.id,
                       status=ExportStatus.DONE, filename="7-summary-aa.csv")
    db.session.add(export)
    db.session.commit()
    store = storage()
    store.put(exports.export_key("7-summary-aa.csv"), b"kept")
    store.put(exports.export_key("8-evidence-bb.csv"), b"left by a worker that died")
    store.put(resume_key("0123456789abcdef0123456789abcdef.pdf"), PDF)
    # Written just now: a row may still be on its way, so nothing goes yet.
    assert sweep_stored_files() == 0
    # Old enough (a cutoff in the future counts everything as old): only orphans go.
    assert sweep_unreferenced("resumes", older_than=-timedelta(seconds=5)) == 1
    assert sweep_unreferenced("exports", older_than=-timedelta(seconds=5)) == 1
    assert dict(store.keys("resumes")).keys() == {resume_key(application.resume_stored_name)}
    assert dict(store.keys("exports")).keys() == {"exports/7-summary-aa.csv"}


def test_with_the_store_down_uploads_and_downloads_say_try_again(down_store, app, api_client):
    opportunity, employer = posting_with_contact()
    first, second = StudentFactory(), StudentFactory()
    other = OpportunityFactory()
    db.session.commit()
    assert apply_with_resume(signed_in(app, first), opportunity).status_code == 302
    application = db.session.scalar(sa.select(Application).where(
        Application.student_id == first.id))

    down_store.stop()
    student, hiring = signed_in(app, second), signed_in(app, employer)
    refused = apply_with_resume(student, opportunity)
    assert refused.status_code == 503
    html = refused.get_data(as_text=True)
    assert TRY_AGAIN in html and "I would love to." in html  # the form, as it was typed
    assert db.session.scalar(sa.select(sa.func.count(Application.id)).where(
        Application.student_id == second.id)) == 0
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == employer.id)) == 1  # the first application's only
    api = api_client(second).post(
        f"/api/v1/opportunities/{other.id}/applications",
        data={"cover_letter": "Hi", "resume": (io.BytesIO(PDF), "cv.pdf")},
        content_type="multipart/form-data")
    assert api.status_code == 503
    assert api.get_json()["error"]["code"] == "storage_unavailable"
    assert api.get_json()["error"]["message"] == TRY_AGAIN

    download = hiring.get(f"/employers/applications/{application.id}/resume")
    assert download.status_code == 503 and download.headers["Retry-After"] == "30"
    assert "try again" in download.get_data(as_text=True).lower()

    down_store.start()  # back, and empty: a store restored from nothing
    assert apply_with_resume(student, opportunity).status_code == 302
    assert hiring.get(f"/employers/applications/{application.id}/resume").status_code == 404


def test_an_export_waits_in_the_outbox_while_the_store_is_down(
        down_store, client, login_as, run_jobs):
    staff = StaffFactory()
    db.session.commit()
    login_as(staff)
    down_store.stop()
    response = client.submit("/staff/outcomes/exports", {"kind": "summary"},
                             page="/staff/outcomes")
    assert response.status_code == 302
    export = db.session.scalar(sa.select(ExportJob).order_by(ExportJob.id.desc()))
    run_jobs()
    db.session.expire_all()
    row = db.session.scalar(sa.select(OutboxMessage).where(
        OutboxMessage.job == "build_export").order_by(OutboxMessage.id.desc()))
    assert row.completed_at is None and row.attempts == 1
    assert row.last_error.startswith("StorageUnavailable")
    status = client.get(f"/staff/outcomes/exports/{export.id}/status").get_json()
    assert status["status"] == "failed" and "retried automatically" in status["error"]
    assert client.get(f"/staff/outcomes/exports/{export.id}/download").status_code == 404

    down_store.start()
    assert run_outbox_message(row.id) == "done"  # what its retry runs
    db.session.expire_all()
    status = client.get(f"/staff/outcomes/exports/{export.id}/status").get_json()
    assert status["status"] == "done"
    body = client.get(status["download"]).get_data().decode("utf-8-sig")
    assert body.startswith("graduation_year,")
