"""Public browse and search of postings, the detail page, and saving for students."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ...errors import DomainError
from ...extensions import db
from ...models import Application, Opportunity, OpportunityKind, Role, SavedOpportunity
from ...pagecache import cached_for_visitors, keep_page_until
from ...policies import can_view_opportunity, role_required
from ...services.applications import apply
from ...services.browse import BrowseFilters, browse, featured_postings, parse_filters
from ...services.opportunities import toggle_saved
from ...text import plain_excerpt, render_markdown
from ..helpers import show_domain_error
from .forms import ApplicationForm, SaveForm

bp = Blueprint("opportunities", __name__)


def saved_ids(opportunity_ids: list[int]) -> set[int]:
    if not (_is_student() and opportunity_ids):
        return set()
    return set(db.session.scalars(sa.select(SavedOpportunity.opportunity_id).where(
        SavedOpportunity.user_id == current_user.id,
        SavedOpportunity.opportunity_id.in_(opportunity_ids))))


@bp.route("")
@cached_for_visitors
def list_opportunities():
    errors = {}
    try:
        filters = parse_filters(request.args)
    except DomainError as error:
        errors = error.fields
        filters = BrowseFilters()
    page = browse(filters, cards=True)
    items = page.items
    featured = ([] if filters.cursor is not None or page.any_featured is False
                else featured_postings())
    if featured:
        keep_page_until(min(o.featured_until for o in featured))
    return render_template(
        "opportunities/list.html", items=items, next_cursor=page.next_cursor, filters=filters,
        featured=featured, ranked_window=page.ranked_window,
        errors=errors, saved=saved_ids([o.id for o in items]), excerpt=plain_excerpt,
        kinds=list(OpportunityKind), first_page=filters.cursor is None)


@bp.route("/<int:opportunity_id>")
@cached_for_visitors
def show_opportunity(opportunity_id: int):
    # With its organization in the same query: the page and the check both need it.
    opportunity = db.session.get(Opportunity, opportunity_id,
                                 options=[joinedload(Opportunity.organization)])
    # Drafts, pending, rejected and expired postings do not exist for students.
    if opportunity is None or not can_view_opportunity(current_user, opportunity):
        abort(404)
    student = _is_student()
    return render_detail(opportunity, ApplicationForm() if student else None,
                         _own_application(opportunity) if student else None)


def _is_student() -> bool:
    return current_user.is_authenticated and current_user.role is Role.STUDENT


def render_detail(opportunity: Opportunity, apply_form: ApplicationForm | None,
                  application: Application | None):
    # The forms (and so a CSRF token in the session) only for students, who can use them:
    # a visitor's page then sets no cookie and can be served from the page cache.
    return render_template("opportunities/detail.html", opportunity=opportunity,
                           description=render_markdown(opportunity.description),
                           saved=opportunity.id in saved_ids([opportunity.id]),
                           save_form=SaveForm() if _is_student() else None,
                           apply_form=apply_form, application=application)


def _own_application(opportunity: Opportunity) -> Application | None:
    return db.session.scalar(sa.select(Application).where(
        Application.opportunity_id == opportunity.id, Application.student_id == current_user.id))


@bp.route("/<int:opportunity_id>/apply", methods=["POST"])
@role_required(Role.STUDENT)
def apply_to_opportunity(opportunity_id: int):
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or not opportunity.is_public:
        abort(404)
    form = ApplicationForm()
    if form.validate_on_submit():
        try:
            application = apply(opportunity, current_user, form.cover_letter.data,
                                form.resume.data)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Application sent. You can follow it here.", "success")
            return redirect(url_for("students.show_application", application_id=application.id))
    return render_detail(opportunity, form, None), 422


@bp.route("/<int:opportunity_id>/save", methods=["POST"])
@role_required(Role.STUDENT)
def save_opportunity(opportunity_id: int):
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or not opportunity.is_public:
        abort(404)
    if not SaveForm().validate_on_submit():
        abort(400)
    now_saved = toggle_saved(opportunity, current_user)
    db.session.commit()
    flash("Saved to your list." if now_saved else "Removed from your saved list.", "success")
    return redirect(url_for("opportunities.show_opportunity", opportunity_id=opportunity_id))


@bp.route("/saved")
@role_required(Role.STUDENT)
def list_saved():
    items = db.session.scalars(
        sa.select(Opportunity).join(SavedOpportunity,
                                    SavedOpportunity.opportunity_id == Opportunity.id)
        .where(SavedOpportunity.user_id == current_user.id)
        .order_by(SavedOpportunity.created_at.desc())).all()
    return render_template("opportunities/saved.html", items=items, excerpt=plain_excerpt)
