"""Data tables become cards on a phone: every cell of a `table--cards` table names its column.

The CSS shows each cell's `data-label` before it once the header row is out of sight, so a
label that is missing, empty or not its column's header would show a card with a wrong or
no name. Each page is rendered for someone who may see it, with rows in every table.
"""

from __future__ import annotations

import re
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from marketplace.blueprints.accounts.services import issue_api_token
from marketplace.blueprints.applications.models import Application, ApplicationStatus
from marketplace.blueprints.billing.models import Payment, PaymentStatus
from marketplace.blueprints.mentoring.models import Booking, BookingStatus, MentoringSlot
from marketplace.blueprints.notifications.models import DeliveryStatus, EmailDelivery
from marketplace.blueprints.privacy.models import DeletionRequest, DeletionStatus
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.models import OutboxMessage
from tests.factories import (
    DEFAULT_PASSWORD,
    AlumniFactory,
    EmployerFactory,
    OpportunityFactory,
    StaffFactory,
    StudentFactory,
)

TEMPLATES = Path(__file__).resolve().parents[2] / "marketplace" / "templates"
# Tables that stay tables on a phone (they scroll sideways inside their frame instead):
NOT_CARDS = {
    # Cross-tabs read along rows and down columns (outcomes by group, by month; the
    # chart's numbers): a card per row would hide the comparison they exist for.
    "outcomes/dashboard.html",
    # A grid of inputs (fee per item and organization type), a form rather than records.
    "billing/fees.html",
}


class _Tables(HTMLParser):
    """Each `table--cards` table as (its column headers, its body rows of (tag, attrs))."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.depth = 0  # nesting of tables; only the outermost card table is read
        self.section = None
        self.cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.depth += 1
            if self.depth == 1 and "table--cards" in (attrs.get("class") or "").split():
                self.tables.append({"headers": [], "rows": []})
            elif self.depth == 1:
                self.tables.append(None)
            return
        table = self.tables[-1] if self.depth == 1 and self.tables else None
        if table is None:
            return
        if tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr" and self.section == "tbody":
            table["rows"].append([])
        elif tag in ("td", "th"):
            self.cell = {"tag": tag, "attrs": attrs, "text": ""}
            if self.section == "thead":
                table["headers"].append(self.cell)
            elif self.section == "tbody":
                table["rows"][-1].append(self.cell)

    def handle_endtag(self, tag):
        if tag == "table":
            self.depth -= 1
            self.section = None
        elif tag in ("td", "th"):
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def card_tables(html: str) -> list[dict]:
    reader = _Tables()
    reader.feed(html)
    return [table for table in reader.tables if table is not None]


def signed_in(app, user):
    client = app.test_client()
    assert client.submit("/auth/login", {"email": user.email,
                                         "password": DEFAULT_PASSWORD}).status_code == 302
    return client


def _world() -> dict:
    """One of everything the table pages list."""
    now = utcnow().replace(microsecond=0)
    staff, other_staff = StaffFactory(), StaffFactory()
    opportunity = OpportunityFactory(title="Lab Intern")
    employer = EmployerFactory(organization=opportunity.organization)
    opportunity.created_by = employer
    student = StudentFactory(name="Sam Student")
    db.session.add(Application(opportunity=opportunity, student=student, cover_letter="Hi",
                               status=ApplicationStatus.SUBMITTED))
    db.session.add(Payment(organization_id=opportunity.organization_id,
                           opportunity_id=opportunity.id, item="internship",
                           amount_cents=5000, status=PaymentStatus.CAPTURED,
                           idempotency_key="cards-1", authorized_at=now, captured_at=now,
                           receipt_url="https://pay.example/receipt"))
    issue_api_token(employer, name="Nightly sync")
    db.session.add(OutboxMessage(job="no_such_job", args=[1], attempts=1,
                                 last_error="Boom", last_attempt_at=now))
    db.session.add(EmailDelivery(to_address=student.email, subject="Welcome",
                                 template="welcome", status=DeliveryStatus.FAILED,
                                 error="Mailbox full"))
    alum = AlumniFactory()
    slots = []
    for starts in (now + timedelta(days=3), now - timedelta(days=3), now - timedelta(days=4)):
        slot = MentoringSlot(alumni_id=alum.id, starts_at=starts, capacity=2,
                             ends_at=starts + timedelta(minutes=30), duration_minutes=30,
                             time_zone="America/New_York", topic="Careers in data")
        db.session.add(slot)
        slots.append(slot)
    db.session.flush()
    db.session.add(Booking(slot_id=slots[0].id, student_id=student.id, agenda="My CV",
                           starts_at=slots[0].starts_at, ends_at=slots[0].ends_at))
    for slot in slots[1:]:
        db.session.add(Booking(slot_id=slot.id, student_id=student.id,
                               status=BookingStatus.NO_SHOW, starts_at=slot.starts_at,
                               ends_at=slot.ends_at))
    db.session.add(DeletionRequest(user_id=StudentFactory().id, status=DeletionStatus.DECLINED,
                                   decided_at=now, decided_by_id=other_staff.id,
                                   decline_reason="An active placement"))
    db.session.commit()
    return {"staff": staff, "employer": employer, "student": student, "alum": alum,
            "slot": slots[0]}


PAGES = {
    "opportunities/own_list.html": ("employer", lambda w: "/employers/opportunities"),
    "billing/employer.html": ("employer", lambda w: "/employers/billing"),
    "accounts/tokens.html": ("employer", lambda w: "/me/tokens"),
    "applications/student_list.html": ("student", lambda w: "/students/applications"),
    "applications/staff_list.html": ("staff", lambda w: "/staff/applications"),
    "billing/payments.html": ("staff", lambda w: "/staff/payments"),
    "accounts/users.html": ("staff", lambda w: "/staff/users"),
    "ops/jobs.html": ("staff", lambda w: "/staff/jobs"),
    "ops/emails.html": ("staff", lambda w: "/staff/emails"),
    "mentoring/staff.html": ("staff", lambda w: "/staff/mentoring"),
    "outcomes/students.html": (
        "staff", lambda w: "/staff/outcomes/students?outcome=career_design&has=0"),
    "privacy/queue.html": ("staff", lambda w: "/staff/deletion-requests"),
    "mentoring/mine.html": ("alum", lambda w: "/mentoring/mine"),
    "mentoring/slot.html": ("alum", lambda w: f"/mentoring/slots/{w['slot'].id}"),
}


@contextmanager
def a_failed_job_in_redis():
    """With Redis (the services round) the console lists RQ's failed jobs, not outbox
    rows: one real job fails in a real worker, so the table has a row to check; it is
    removed afterwards, so no other test counts it."""
    from rq import SimpleWorker
    from rq.registry import FailedJobRegistry

    from marketplace.core.queueing import queue_for, redis_connection

    if redis_connection() is None:
        yield
        return
    queue = queue_for("low")
    job = queue.enqueue("builtins.int", "not a number")
    SimpleWorker([queue], connection=redis_connection()).work(burst=True,
                                                             logging_level="ERROR")
    try:
        yield
    finally:
        FailedJobRegistry(queue=queue).remove(job, delete_job=True)


def _text(cell: dict) -> str:
    return " ".join(cell["text"].split())


@pytest.mark.parametrize("template", sorted(PAGES))
def test_every_cell_is_labelled_with_its_column(app, template):
    world = _world()
    who, path = PAGES[template]
    with a_failed_job_in_redis() if template == "ops/jobs.html" else nullcontext():
        response = signed_in(app, world[who]).get(path(world))
    assert response.status_code == 200, path
    tables = card_tables(response.get_data(as_text=True))
    # As many card tables as the template has tables (mentoring/mine has two).
    assert len(tables) == (TEMPLATES / template).read_text().count("<table"), template
    for table in tables:
        headers = [_text(cell) for cell in table["headers"]]
        assert headers and all(headers), f"{template}: a column without a name: {headers}"
        assert table["rows"], f"{template}: no rows rendered, nothing checked"
        for row in table["rows"]:
            assert len(row) == len(headers), f"{template}: {len(row)} cells, {headers}"
            for header, cell in zip(headers, row, strict=True):
                if cell["tag"] == "td":
                    assert cell["attrs"].get("data-label") == header, (
                        f"{template}: a {header!r} cell is labelled "
                        f"{cell['attrs'].get('data-label')!r}")


def test_every_data_table_is_a_card_table_or_says_why_not():
    """A new table is a card table, with a label on each cell, unless NOT_CARDS says why."""
    plain, cards = set(), set()
    for template in sorted(TEMPLATES.rglob("*.html")):
        name = template.relative_to(TEMPLATES).as_posix()
        source = template.read_text()
        tables = re.findall(r"<table\b[^>]*>", source)
        plain.update(name for tag in tables if "table--cards" not in tag)
        if tables and all("table--cards" in tag for tag in tables):
            cards.add(name)
            unlabelled = [tag for tag in re.findall(r"<td\b[^>]*>", source)
                          if not re.search(r'data-label="[^"]+"', tag)]
            assert unlabelled == [], f"{name}: cells without a data-label: {unlabelled}"
    assert plain <= NOT_CARDS, f"tables that are neither cards nor explained: {plain - NOT_CARDS}"
    assert set(PAGES) <= cards, "every page rendered above holds card tables"
