"""The annual report of a graduating class: a page to print, and a PDF built by a worker.

One report holds the class's attainment of each outcome, its gaps by first-generation,
Pell eligibility and major (small groups suppressed as on the dashboard), each outcome's
trend over the year up to graduation, first destinations (graduates only), the
leading-vs-lagging comparison, and the class's outreach campaigns with their measured
effect. The PDF is the same body rendered by WeasyPrint, kept through the storage door
like the CSV exports (an ``ExportJob`` of kind ``annual_report``), so it shares their
status page, download check, week-long keeping and orphan sweep.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import render_template

from marketplace.blueprints.accounts.hooks import school_choices
from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.outcomes import charts, reports
from marketplace.blueprints.outcomes.campaigns.models import Campaign
from marketplace.blueprints.outcomes.campaigns.services import Results, results
from marketplace.blueprints.outcomes.exports import export_key, record_failure, record_progress
from marketplace.blueprints.outcomes.models import ExportJob, ExportStatus
from marketplace.core.db import utcnow
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.storage import discard_unless_committed, storage

REPORT_KIND = "annual_report"


# The gaps the report shows: the groups the SPEC names as left out, and majors.
REPORT_GROUPS = ("first_generation", "pell_eligible", "major")


STYLESHEET = Path(__file__).resolve().parents[2] / "static" / "css" / "report.css"


@dataclass
class GapTable:
    group_by: str
    label: str
    summary: reports.Summary
    heatmap: charts.Heatmap


@dataclass
class CampaignEffect:
    campaign: Campaign
    results: Results


@dataclass
class AnnualReport:
    graduation_year: int
    school: str | None  # one school's report (its name), or the whole institution's
    graduated: bool
    prepared_on: date
    view: reports.Dashboard  # the class as a whole: attainment, trend, destinations
    attainment: charts.BarChart
    gaps: list[GapTable]
    trends: list[charts.TrendChart]  # one per outcome: small multiples
    campaigns: list[CampaignEffect]

    @property
    def summary(self) -> reports.Summary:
        return self.view.summary

    @property
    def trend_months(self) -> list[tuple[str, int]]:
        """(label, index) of every third month, ending with the last: the trend table."""
        months = self.view.months
        return [(months[i], i) for i in range(len(months) - 1, -1, -3)][::-1]


def graduation_day(graduation_year: int) -> date:
    """The last day of the month classes graduate in."""
    month = reports.GRADUATION_MONTH
    following = date(graduation_year + (month == 12), month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def annual_report(graduation_year: int, today: date | None = None,
                  school_id: int | None = None) -> AnnualReport:
    """Everything the report shows for one class (of one school, when ``school_id`` is
    given): one grouped query for the class, one per gap table, one per campaign.

    A school's report shows only the outreach campaigns made for that school (by its
    staff: their arms are its students alone); a district campaign writes to the whole
    class, so its arms count other schools' students."""
    today = today or datetime.now(UTC).date()
    graduated = reports.has_graduated(graduation_year, today)
    # The trend covers the class's last year: up to graduation, or up to today.
    trend_end = min(today, graduation_day(graduation_year))
    view = reports.dashboard(graduation_year, None, months=12, today=today,
                             trend_end=trend_end, school_id=school_id)
    school = None
    if school_id is not None:
        school = dict(pair for answer in school_choices.results() for pair in answer).get(
            school_id, f"School #{school_id}")
    name = f"Class of {graduation_year}" + (f", {school}" if school else "")
    gaps = []
    for group_by in REPORT_GROUPS:
        summary = reports.summary(graduation_year, group_by, school_id)
        gaps.append(GapTable(group_by, reports.GROUPS[group_by], summary,
                             charts.heatmap(summary)))
    trends = [charts.trend_chart(view.months, view.series, key, label)
              for key, label in reports.OUTCOMES.items()]
    campaigns = db.session.scalars(
        sa.select(Campaign).where(Campaign.graduation_year == graduation_year,
                                  sa.true() if school_id is None
                                  else Campaign.school_id == school_id)
        .order_by(Campaign.created_at)).all()
    now = utcnow()
    return AnnualReport(
        graduation_year, school, graduated, today, view,
        charts.outcome_bars(view.summary, f"{name}: share with evidence, by outcome"),
        gaps, trends, [CampaignEffect(c, results(c, now)) for c in campaigns])


def start_report_pdf(graduation_year: int, by: User, school_id: int | None = None
                     ) -> ExportJob:
    """Queue the PDF of a class's annual report (one school's, when given), built after
    the commit. Flushes."""
    if not 1900 <= graduation_year <= 2199:
        raise ValidationFailed("Choose a graduating class.",
                               {"graduation_year": "Not a graduating class."})
    # A school's report names its school; the whole institution's names none.
    school = {"school_id": school_id} if school_id is not None else {}
    export = ExportJob(kind=REPORT_KIND, params={"graduation_year": graduation_year, **school},
                       created_by_id=by.id)
    db.session.add(export)
    db.session.flush()
    enqueue_after_commit("build_annual_report", export.id)
    return export


def render_pdf(graduation_year: int, school_id: int | None = None) -> tuple[bytes, int]:
    """The report as PDF bytes, and its number of pages."""
    # Imported here, not at the top: WeasyPrint loads Pango and fonts, which only the
    # worker that builds a PDF needs; every web process would pay for it at start-up.
    from weasyprint import CSS, HTML

    # app.css is written for browsers: WeasyPrint would log each media feature and
    # property it skips, on every report. Its errors still reach the log.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    html = render_template("outcomes/report_pdf.html",
                           report=annual_report(graduation_year, school_id=school_id),
                           min_group=reports.MIN_GROUP, outcome_labels=reports.OUTCOMES,
                           group_labels=reports.GROUPS)
    document = HTML(string=html, base_url=str(STYLESHEET.parent)).render(
        stylesheets=[CSS(filename=str(STYLESHEET.parent / "app.css")),
                     CSS(filename=str(STYLESHEET))])
    return document.write_pdf(), len(document.pages)


def build_pdf(export_id: int) -> None:
    """Render the report, put the PDF in the store, mark the row done (``rows``: pages).
    Commits. Safe to rerun: a finished row is left alone, and an unfinished one gets a
    new file name (a file left by a failed run is swept as an orphan).

    A failure marks the row failed and is raised again for the job's retries.
    """
    export = db.session.get(ExportJob, export_id)
    if export is None or export.kind != REPORT_KIND or export.status is ExportStatus.DONE:
        return
    year = int((export.params or {})["graduation_year"])
    school_id = (export.params or {}).get("school_id")
    filename = f"{export_id}-{REPORT_KIND}-{secrets.token_hex(8)}.pdf"
    record_progress(export_id, status=ExportStatus.RUNNING, progress=10, error=None)
    try:
        data, pages = render_pdf(year, school_id)
        storage().put(export_key(filename), data)
    except Exception as error:
        record_failure(export_id, error, "report", "PDF", "annual report")
        raise
    discard_unless_committed(export_key(filename))
    record_progress(export_id, status=ExportStatus.DONE, progress=100, rows=pages,
              filename=filename, finished_at=utcnow())
