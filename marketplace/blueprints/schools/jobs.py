"""E-mails to people without an account: a guardian's consent request (in their
language), a supervisor's links to confirm hours and to give an evaluation; and the daily
look for evaluations that are due.

Each job makes its link when it runs, from the rows as they are then (an address
changed or a request resent since makes the earlier link void). They go to the address
only: nobody's notification list holds these links.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.notifications.jobs import deliver_and_record
from marketplace.blueprints.schools import services
from marketplace.blueprints.schools.models import (
    ConsentStatus,
    EvaluationKind,
    GuardianConsent,
    WeeklyHours,
)
from marketplace.core.clock import institution_today
from marketplace.core.extensions import db
from marketplace.core.jobs import job, periodic
from marketplace.core.mail import build_message
from marketplace.core.urls import path_for

RETRIES = (30, 120, 600)
KINDS = {number: kind for kind, number in services.KIND_NUMBER.items()}


def _url(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + path_for(endpoint, **values)


def _send(address: str, template: str, subject: str, **context) -> None:
    text = render_template(f"schools/emails/{template}.txt", subject=subject, **context)
    html = render_template(f"schools/emails/{template}.html", subject=subject, **context)
    deliver_and_record(build_message(address, subject, text, html),
                       template=f"schools/{template}", user_id=None)


@job(queue="default", timeout=60, retry_intervals=RETRIES)
def send_consent_request(consent_id: int) -> None:
    """E-mail the guardian the consent link, in their language. Sends nothing for a request
    answered meanwhile. Safe to rerun (a rerun sends the same link again)."""
    consent = db.session.get(GuardianConsent, consent_id)
    if consent is None or consent.status is not ConsentStatus.PENDING \
            or not consent.guardian_email:
        return
    placement = consent.placement
    with force_locale(consent.language):
        subject = _("Consent needed: %(title)s", title=placement.opportunity.title)
        _send(consent.guardian_email, "consent_request", subject, lang=consent.language,
              placement=placement, organization=placement.opportunity.organization.name,
              first_name=placement.student.name.split()[0],
              link=_url("schools.guardian_consent", token=services.consent_token(consent)))


@job(queue="default", timeout=60, retry_intervals=RETRIES)
def send_hours_confirmation(hours_id: int) -> None:
    """E-mail the supervisor a link to confirm one week's hours. Nothing for hours
    confirmed meanwhile or a placement no longer active. Safe to rerun."""
    row = db.session.get(WeeklyHours, hours_id)
    placement = db.session.get(Placement, row.placement_id) if row else None
    if row is None or row.confirmed_at is not None or placement is None \
            or placement.status is not PlacementStatus.ACTIVE or not placement.supervisor_email:
        return
    _send(placement.supervisor_email, "confirm_hours",
          f"Please confirm hours: {placement.student.name}", placement=placement, hours=row,
          link=_url("schools.supervisor_link",
                    token=services.supervisor_token(placement, f"hours:{row.id}")))


@job(queue="default", timeout=60, retry_intervals=RETRIES)
def send_evaluation_request(placement_id: int, kind_number: int) -> None:
    """E-mail the supervisor a link for the mid-point (1) or final (2) evaluation. Nothing
    once it is given or the placement is no longer active. Safe to rerun."""
    placement = db.session.get(Placement, placement_id)
    kind = KINDS.get(kind_number)
    if placement is None or kind is None or placement.status is not PlacementStatus.ACTIVE \
            or not placement.supervisor_email:
        return
    opened = services.open_supervisor_link(services.supervisor_token(placement, kind.value))
    if opened.problem:
        return
    label = "final" if kind is EvaluationKind.FINAL else "mid-point"
    _send(placement.supervisor_email, "evaluation_request",
          f"Please give the {label} evaluation: {placement.student.name}",
          placement=placement, label=label,
          link=_url("schools.supervisor_link",
                    token=services.supervisor_token(placement, kind.value)))


@periodic(every=6 * 3600, queue="low", timeout=300)
def remind_due_evaluations() -> int:
    """Queue a reminder for every evaluation due and not given: once per evaluation.
    Safe to rerun and to run on several workers at once."""
    queued = services.remind_due_evaluations(institution_today())
    return queued
