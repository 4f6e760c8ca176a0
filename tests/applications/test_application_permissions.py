"""Per-object permissions on a student's records: every route × every kind of viewer."""

from __future__ import annotations

import pytest

from marketplace.blueprints.applications.models import Application, ApplicationStatus, Placement
from marketplace.core.extensions import db
from tests.factories import (
    AlumniFactory,
    EmployerFactory,
    OpportunityFactory,
    StaffFactory,
    StudentFactory,
)
from tests.support import PDF

VIEWERS = ("owner", "other_student", "employer_here", "employer_elsewhere", "alum", "staff",
           "anonymous")
OK, GONE, FORBIDDEN, LOGIN, UNAUTHORIZED, REDIRECT, CONFLICT = 200, 404, 403, 302, 401, 302, 409
NO_TOKEN = 400  # an anonymous POST has no CSRF token: refused before anything else

# (method, path template, expected status per viewer, in VIEWERS order)
TABLE = [
    ("GET", "/employers/applications/{a}",
     (FORBIDDEN, FORBIDDEN, OK, GONE, FORBIDDEN, OK, LOGIN)),
    ("GET", "/employers/applications/{a}/resume",
     (FORBIDDEN, FORBIDDEN, OK, GONE, FORBIDDEN, OK, LOGIN)),
    ("GET", "/staff/applications",
     (FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, LOGIN)),
    ("GET", "/employers/opportunities/{o}/applicants",
     (FORBIDDEN, FORBIDDEN, OK, GONE, FORBIDDEN, FORBIDDEN, LOGIN)),
    ("GET", "/employers/opportunities/{o}/applicants.csv",
     (FORBIDDEN, FORBIDDEN, OK, GONE, FORBIDDEN, FORBIDDEN, LOGIN)),
    ("POST", "/employers/applications/{a}/move",
     (FORBIDDEN, FORBIDDEN, REDIRECT, GONE, FORBIDDEN, FORBIDDEN, NO_TOKEN)),
    ("POST", "/employers/placements/{p}/complete",
     (FORBIDDEN, FORBIDDEN, REDIRECT, GONE, FORBIDDEN, REDIRECT, NO_TOKEN)),
    ("GET", "/students/applications/{a}",
     (OK, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, LOGIN)),
    ("POST", "/students/applications/{a}/withdraw",
     (REDIRECT, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NO_TOKEN)),
    ("POST", "/students/placements/{p}/reflection",
     (REDIRECT, GONE, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, NO_TOKEN)),
    ("POST", "/api/v1/applications/{a}/status",
     (CONFLICT, GONE, OK, GONE, GONE, FORBIDDEN, UNAUTHORIZED)),
    ("POST", "/api/v1/placements/{p}/complete",
     (GONE, GONE, OK, GONE, GONE, OK, UNAUTHORIZED)),
    ("GET", "/api/v1/students/{s}/evidence",
     (OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, UNAUTHORIZED)),
]


@pytest.fixture
def world():
    opportunity = OpportunityFactory(positions=5)
    employer = EmployerFactory(organization=opportunity.organization)
    opportunity.created_by = employer
    owner = StudentFactory()
    application = Application(opportunity=opportunity, student=owner, cover_letter="Hi",
                              status=ApplicationStatus.REVIEWING,
                              resume_stored_name=None, resume_filename="cv.pdf")
    hired = Application(opportunity=opportunity, student=owner, cover_letter="Earlier",
                        status=ApplicationStatus.HIRED)
    hired.opportunity = OpportunityFactory(organization=opportunity.organization)
    placement = Placement(application=hired, student_id=owner.id,
                          opportunity_id=hired.opportunity.id)
    db.session.add_all([application, hired, placement])
    db.session.flush()
    users = {"owner": owner, "other_student": StudentFactory(), "employer_here": employer,
             "employer_elsewhere": EmployerFactory(), "alum": AlumniFactory(),
             "staff": StaffFactory(), "anonymous": None}
    db.session.commit()
    return {"a": application.id, "o": opportunity.id, "p": placement.id, "s": owner.id,
            "users": users, "application": application}


@pytest.fixture
def resume_on_disk(app, world):
    from pathlib import Path

    folder = Path(app.config["UPLOAD_FOLDER"]) / "resumes"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"perm-{world['a']}-test.pdf"
    (folder / name).write_bytes(PDF)
    world["application"].resume_stored_name = name
    db.session.commit()


def body_for(path: str) -> dict:
    if path.endswith("/status"):
        return {"json": {"status": "interviewing"}}
    if "/api/v1/placements/" in path:
        return {"json": {"hours": 10}}
    return {}


@pytest.mark.parametrize("method, template, expected", TABLE,
                         ids=[f"{m} {t}" for m, t, _ in TABLE])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_record_permissions(app, world, resume_on_disk, login_as, api_client, method, template,
                            expected, viewer):
    path = template.format(**{k: v for k, v in world.items() if k in "aops"})
    user = world["users"][viewer]
    want = expected[VIEWERS.index(viewer)]
    if path.startswith("/api/"):
        client = api_client(user) if user else app.test_client()
        response = client.open(path, method=method, **body_for(path))
    else:
        client = login_as(user) if user else app.test_client()
        if method == "POST":
            token = client.csrf_token() if user else ""
            data = {"csrf_token": token, "status": "interviewing", "hours": "10",
                    "reflection": "Learned a lot."}
            response = client.post(path, data=data)
        else:
            response = client.get(path)
    assert response.status_code == want, (viewer, path, response.get_data(as_text=True)[:300])
