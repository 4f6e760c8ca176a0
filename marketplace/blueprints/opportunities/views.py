"""Public browse and search of postings, the detail page, and saving for students."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from marketplace.blueprints.accounts.policies import staff_school_limit
from marketplace.blueprints.opportunities import hooks
from marketplace.blueprints.opportunities import services as postings
from marketplace.blueprints.opportunities.audience import (
    open_to_school,
    school_names,
    student_school_id,
)
from marketplace.blueprints.opportunities.browse import (
    BrowseFilters,
    browse,
    featured_postings,
    reader_filters,
)
from marketplace.blueprints.opportunities.forms import (
    ActionForm,
    BulkApproveForm,
    DecisionForm,
    OpportunityForm,
    SaveForm,
    parse_filters,
)
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    SavedOpportunity,
)
from marketplace.blueprints.opportunities.pagecache import (
    cached_for_visitors,
    keep_page_until,
    kept_until_change,
)
from marketplace.blueprints.opportunities.policies import can_view_opportunity
from marketplace.blueprints.opportunities.services import toggle_saved
from marketplace.core.changes import user_topic
from marketplace.core.db import utcnow
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import show_domain_error
from marketplace.core.kept import Snapshot, in_session, kept_while_live, snapshot
from marketplace.core.policies import Role, public, role_required
from marketplace.core.text import plain_excerpt, render_markdown

bp = Blueprint("opportunities", __name__)


@bp.route("/employers/opportunities")
@role_required(Role.EMPLOYER)
def list_own_opportunities():
    organization = current_user.organization
    if organization is None:
        abort(403)
    rows = db.session.scalars(
        sa.select(Opportunity).where(Opportunity.organization_id == organization.id)
        .order_by(Opportunity.updated_at.desc(), Opportunity.id.desc())).all()
    extra = hooks.employer_postings_context.merged({"feature_price": None}, organization)
    return render_template("opportunities/own_list.html", opportunities=rows,
                           organization=organization, action_form=ActionForm(),
                           now=utcnow(), **extra)


def managed_opportunity(opportunity_id: int) -> Opportunity:
    try:
        return postings.get_managed_opportunity(opportunity_id, current_user)
    except DomainError:
        abort(404)


@bp.route("/employers/opportunities/new", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def create_opportunity():
    organization = current_user.organization
    if organization is None:
        abort(403)
    form = OpportunityForm()
    if form.validate_on_submit():
        try:
            opportunity = postings.create_opportunity(organization, current_user, **form.values())
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Draft saved. Submit it for review when it is ready.", "success")
            return redirect(url_for("opportunities.edit_opportunity",
                                    opportunity_id=opportunity.id))
    return render_template("opportunities/form.html", form=form, opportunity=None,
                           action_form=ActionForm())


@bp.route("/employers/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def edit_opportunity(opportunity_id: int):
    opportunity = managed_opportunity(opportunity_id)
    form = OpportunityForm(obj=opportunity)
    if form.validate_on_submit():
        # "Submit for review" is a button of this form: what is on the screen is saved,
        # then submitted, in one go (never the last saved version without the edits).
        then_submit = request.form.get("then") == "submit"
        try:
            back_to_review = postings.update_opportunity(opportunity, current_user,
                                                         **form.values())
            status = postings.submit_opportunity(opportunity, current_user) \
                if then_submit else None
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            if then_submit:
                return after_submission(opportunity, status)
            flash("Saved. The change to a live posting goes back to career staff for review."
                  if back_to_review else "Saved.", "success")
            return redirect(url_for("opportunities.edit_opportunity",
                                    opportunity_id=opportunity_id))
    return render_template("opportunities/form.html", form=form, opportunity=opportunity,
                           action_form=ActionForm())


@bp.route("/employers/opportunities/<int:opportunity_id>/<action>", methods=["POST"])
@role_required(Role.EMPLOYER)
def act_on_opportunity(opportunity_id: int, action: str):
    if action not in ("submit", "duplicate", "close"):
        abort(404)
    opportunity = managed_opportunity(opportunity_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if action == "submit":
            status = postings.submit_opportunity(opportunity, current_user)
            db.session.commit()
            return after_submission(opportunity, status)
        if action == "duplicate":
            opportunity = postings.duplicate_opportunity(opportunity, current_user)
            message = "Copied into a new draft. Set a new deadline before submitting."
        else:
            postings.close_opportunity(opportunity, current_user)
            message = "Closed: it no longer takes applications."
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash(message, "success")
    if action == "duplicate":
        return redirect(url_for("opportunities.edit_opportunity", opportunity_id=opportunity.id))
    return redirect(url_for("opportunities.list_own_opportunities"))


def after_submission(opportunity: Opportunity, status: OpportunityStatus):
    """Where an employer goes once a submission is committed."""
    if status is OpportunityStatus.AWAITING_PAYMENT:
        # To Stripe's checkout page: the fee is authorized now, charged only when
        # career staff approve the posting.
        return redirect(hooks.checkout_url.first(opportunity), code=303)
    flash("Published: your organization is trusted, so it went live right away."
          if status is OpportunityStatus.PUBLISHED else
          "Submitted. Career staff review postings within a few working days.", "success")
    return redirect(url_for("opportunities.list_own_opportunities"))


# A student's saved postings, all of them, are kept per worker while the change feed
# hears nothing of the student (``core.changes``), up to this many; past it, or without a
# live feed, a page asks about its own postings.
SAVED_KEPT = 1000


def saved_ids(opportunity_ids: list[int]) -> set[int]:
    if not (_is_student() and opportunity_ids):
        return set()
    student_id = current_user.id
    every = kept_while_live("saved_cache", student_id, (user_topic(student_id),),
                            lambda: _every_saved(student_id))
    if every is not None:
        return every.intersection(opportunity_ids)
    return set(db.session.scalars(sa.select(SavedOpportunity.opportunity_id).where(
        SavedOpportunity.user_id == student_id,
        SavedOpportunity.opportunity_id.in_(opportunity_ids))))


def _every_saved(student_id: int) -> frozenset[int] | None:
    ids = db.session.scalars(sa.select(SavedOpportunity.opportunity_id).where(
        SavedOpportunity.user_id == student_id).limit(SAVED_KEPT + 1)).all()
    return frozenset(ids) if len(ids) <= SAVED_KEPT else None


@bp.route("/opportunities")
@cached_for_visitors
@public
def list_opportunities():
    errors = {}
    # Who reads: a student's clusters order best match; their school, what they see.
    reader = reader_filters(current_user)
    try:
        filters = parse_filters(request.args, **reader)
    except DomainError as error:
        errors = error.fields
        filters = BrowseFilters(sort="relevance" if reader.get("student_id") else "newest",
                                **reader)
    page = browse(filters, cards=True)
    items = page.items
    featured = ([] if filters.cursor is not None or page.any_featured is False
                else featured_postings(filters=filters))
    if featured:
        keep_page_until(min(o.featured_until for o in featured))
    # The cards are kept for every reader (``browse``); which the student saved is theirs.
    saved = saved_ids([o.id for o in items] + [o.id for o in featured])
    return render_template(
        "opportunities/list.html", items=items, next_cursor=page.next_cursor, filters=filters,
        featured=featured, ranked_window=page.ranked_window, total=page.total,
        total_is_estimate=page.total_is_estimate,
        errors=errors, saved=saved, excerpt=plain_excerpt,
        kinds=list(OpportunityKind), first_page=filters.cursor is None)


@bp.route("/opportunities/<int:opportunity_id>")
@cached_for_visitors
@public
def show_opportunity(opportunity_id: int):
    found = posting_page(opportunity_id)
    opportunity = found.opportunity if found is not None else None
    # Drafts, pending, rejected and expired postings do not exist for students.
    if opportunity is None or not can_view_opportunity(current_user, opportunity):
        abort(404)
    return render_detail(opportunity, posting_top=found.top)


@dataclass(frozen=True)
class KeptPosting:
    """A posting's page as kept for every reader until the catalog changes: the posting
    with its organization and the schools it is open to, and the part of its page every
    reader sees (``_posting.html``), rendered."""

    posting: Snapshot
    top: Markup


@dataclass(frozen=True)
class PostingPage:
    opportunity: Opportunity
    top: Markup


# The page and the check need the organization and the schools: in the same query.
POSTING_PAGE_OPTIONS = (joinedload(Opportunity.organization), joinedload(Opportunity.school_rows))


def posting_page(opportunity_id: int) -> PostingPage | None:
    """The posting as a row of this request's session, and the part of its page every
    reader sees: kept in the results cache until the catalog changes (for
    ``PAGE_CACHE_SECONDS`` at most), then no query at all. (The mount point is in the
    key: the part's links are built with it.)"""
    kept = kept_until_change("results_cache", ("posting", opportunity_id, request.script_root),
                             lambda: _kept_posting(opportunity_id))
    if kept is None:
        return None
    opportunity = in_session(kept.posting) or db.session.get(
        Opportunity, opportunity_id, options=list(POSTING_PAGE_OPTIONS))
    return PostingPage(opportunity, kept.top) if opportunity is not None else None


def _kept_posting(opportunity_id: int) -> KeptPosting | None:
    opportunity = db.session.get(Opportunity, opportunity_id, options=list(POSTING_PAGE_OPTIONS))
    if opportunity is None:
        return None
    return KeptPosting(snapshot(opportunity, "organization", "school_rows"),
                       posting_top(opportunity))


def posting_top(opportunity: Opportunity) -> Markup:
    """The part of a posting's page every reader sees, rendered: the posting, who it is
    open to (named, when it is not every school) and how to apply."""
    open_to = ([name for school_id, name in school_names().items()
                if school_id in opportunity.school_ids] if opportunity.school_ids else [])
    return Markup(render_template("opportunities/_posting.html", opportunity=opportunity,
                                  description=render_markdown(opportunity.description),
                                  open_to=open_to))


def _is_student() -> bool:
    return current_user.is_authenticated and current_user.role is Role.STUDENT


def render_detail(opportunity: Opportunity, **values):
    """A posting's page. For a student, the domains above add their part through
    ``hooks.detail_context`` (applications: the apply form, or their application);
    ``values`` override it (a form sent back with its errors)."""
    # The forms (and so a CSRF token in the session) only for students, who can use them:
    # a visitor's page then sets no cookie and can be served from the page cache.
    student = _is_student()
    extra = {"apply_form": None, "apply_fields": None, "application": None}
    if student:
        extra = hooks.detail_context.merged(extra, opportunity, current_user)
    extra.update(values)
    if extra.get("posting_top") is None:
        extra["posting_top"] = posting_top(opportunity)
    return render_template("opportunities/detail.html", opportunity=opportunity,
                           saved=opportunity.id in saved_ids([opportunity.id]), **extra)


@bp.route("/opportunities/<int:opportunity_id>/save", methods=["POST"])
@role_required(Role.STUDENT)
def save_opportunity(opportunity_id: int):
    opportunity = db.session.get(Opportunity, opportunity_id)
    # A student manages nothing: public postings open to their school only.
    if opportunity is None or not can_view_opportunity(current_user, opportunity):
        abort(404)
    if not SaveForm().validate_on_submit():
        abort(400)
    now_saved = toggle_saved(opportunity, current_user)
    db.session.commit()
    flash("Saved to your list." if now_saved else "Removed from your saved list.", "success")
    return redirect(url_for("opportunities.show_opportunity", opportunity_id=opportunity_id))


@bp.route("/opportunities/saved")
@role_required(Role.STUDENT)
def list_saved():
    items = db.session.scalars(
        sa.select(Opportunity).join(SavedOpportunity,
                                    SavedOpportunity.opportunity_id == Opportunity.id)
        .where(SavedOpportunity.user_id == current_user.id,
               # Saved while it was open to them: no longer theirs to see.
               open_to_school(student_school_id(current_user)))
        .order_by(SavedOpportunity.created_at.desc())).all()
    return render_template("opportunities/saved.html", items=items, excerpt=plain_excerpt)


@bp.route("/staff/review")
@role_required(Role.STAFF)
def review_queue():
    # A school's staff review the postings open to their school (or to every school).
    queue = postings.review_queue(school_id=staff_school_limit(current_user))
    extra = hooks.review_context.merged(
        {"fees": {}, "expiring_soon": lambda payment: False}, queue)
    names = school_names() if any(o.school_ids for o in queue) else {}
    return render_template("opportunities/review.html", queue=queue, now=utcnow(), **extra,
                           school_names=names,
                           median_wait=postings.median_wait_this_month(),
                           decision_form=DecisionForm(), bulk_form=BulkApproveForm())


@bp.route("/staff/review/<int:opportunity_id>/<decision>", methods=["POST"])
@role_required(Role.STAFF)
def decide_opportunity(opportunity_id: int, decision: str):
    if decision not in ("approve", "reject"):
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("Please try again: the form had expired.", "error")
        return redirect(url_for("opportunities.review_queue"))
    try:
        if decision == "approve":
            opportunity = postings.approve_opportunity(opportunity_id, current_user)
        else:
            opportunity = postings.reject_opportunity(opportunity_id, current_user,
                                                      form.reason.data)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash(f"{'Approved' if decision == 'approve' else 'Rejected'}: {opportunity.title}.",
              "success")
    return redirect(url_for("opportunities.review_queue"))


@bp.route("/staff/review/bulk-approve", methods=["POST"])
@role_required(Role.STAFF)
def bulk_approve():
    form = BulkApproveForm()
    if not form.validate_on_submit() or not form.opportunity_ids.data:
        flash("Tick the postings to approve first.", "error")
        return redirect(url_for("opportunities.review_queue"))
    approved, problems = [], []
    for opportunity_id in form.opportunity_ids.data[:200]:
        try:
            approved.append(postings.approve_opportunity(opportunity_id, current_user).title)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            problems.append(error.message)
    if approved:
        flash(f"Approved {len(approved)} posting{'s' if len(approved) != 1 else ''}.", "success")
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for("opportunities.review_queue"))
