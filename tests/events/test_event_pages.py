"""The events pages that hold tables: each is a card table whose every cell names its
column, rendered with rows for someone who may see it (see tests/contracts/test_table_cards)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from marketplace.blueprints.events import services as events
from marketplace.blueprints.events.models import EventKind, FairStatus, RegistrationPause
from marketplace.core.extensions import db
from tests.contracts.test_table_cards import card_tables
from tests.events.helpers import make_event
from tests.factories import DEFAULT_PASSWORD, EmployerFactory, StaffFactory, StudentFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "marketplace" / "templates"


def signed_in(app, user):
    client = app.test_client()
    assert client.submit("/auth/login", {"email": user.email,
                                         "password": DEFAULT_PASSWORD}).status_code == 302
    return client


def world() -> dict:
    staff, employer, student = StaffFactory(), EmployerFactory(), StudentFactory()
    fair = make_event(kind=EventKind.CAREER_FAIR, starts_in=timedelta(hours=1))
    events.register(fair.id, student)
    events.register_organization(fair.id, employer, 2, "Internships")
    events.register_organization(fair.id, EmployerFactory(), 1)
    events.decide_organization(fair.id, employer.organization_id, staff, FairStatus.APPROVED)
    conversation, _ = events.log_conversation(fair.id, events.current_code(student).code,
                                              employer, note="Great talk")
    events.share_profile(conversation.id, student)
    db.session.add(RegistrationPause(student_id=StudentFactory().id, reason="test"))
    db.session.commit()
    return {"staff": staff, "employer": employer, "student": student, "fair": fair}


PAGES = {
    "events/manage.html": ("staff", lambda w: f"/staff/events/{w['fair'].id}"),
    "events/staff.html": ("staff", lambda w: "/staff/events"),
    "events/conversations.html": ("employer", lambda w: f"/events/{w['fair'].id}/conversations"),
    "events/mine.html": ("student", lambda w: "/events/mine"),
}


@pytest.mark.parametrize("template", sorted(PAGES))
def test_every_cell_is_labelled_with_its_column(app, template):
    w = world()
    who, path = PAGES[template]
    response = signed_in(app, w[who]).get(path(w))
    assert response.status_code == 200, path
    tables = card_tables(response.get_data(as_text=True))
    assert len(tables) == (TEMPLATES / template).read_text().count("<table"), template
    for table in tables:
        headers = [" ".join(cell["text"].split()) for cell in table["headers"]]
        assert headers and all(headers), headers
        assert table["rows"], f"{template}: no rows rendered, nothing checked"
        for row in table["rows"]:
            assert len(row) == len(headers)
            for header, cell in zip(headers, row, strict=True):
                assert cell["attrs"].get("data-label") == header, (template, header)
