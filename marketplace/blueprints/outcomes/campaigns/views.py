"""Staff pages for campaigns (segment, preview, send, results), and the unsubscribe page
a campaign e-mail links to."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from marketplace.blueprints.accounts.models import StudentProfile
from marketplace.blueprints.outcomes.campaigns import services
from marketplace.blueprints.outcomes.campaigns.models import NEXT_STEP_LABELS, NextStep
from marketplace.blueprints.outcomes.policies import can_resubscribe, staff_school_limit
from marketplace.core.errors import DomainError
from marketplace.core.extensions import csrf, db
from marketplace.core.forms import Form, show_domain_error
from marketplace.core.policies import Role, public, role_required
from marketplace.core.reference import CAREER_CLUSTERS, OUTCOMES

bp = Blueprint("campaigns", __name__)


def group_choices() -> list[tuple[str, str]]:
    """"key=value" groups a segment can be narrowed to (a major is typed instead)."""
    choices = [("", "Every student of the class")]
    for key, label in (("first_generation", "First-generation"),
                       ("pell_eligible", "Pell-eligible")):
        choices += [(f"{key}=yes", f"{label}: yes"), (f"{key}=no", f"{label}: no")]
    choices += [(f"cluster={key}", f"Career cluster: {label}")
                for key, label in CAREER_CLUSTERS.items()]
    return choices


def parse_group(text: str | None, major: str | None = None) -> tuple[str | None, str | None]:
    """("first_generation", "yes") from "first_generation=yes"; a typed major wins."""
    if major and major.strip():
        return "major", major.strip()
    key, _, value = (text or "").partition("=")
    return (key, value) if key else (None, None)


class CampaignForm(Form):
    # The choice itself is checked (SelectField): a required attribute on a select whose
    # first option is a class would be invalid HTML.
    graduation_year = SelectField("Graduating class", coerce=int)
    missing_outcome = SelectField("Students missing", choices=list(OUTCOMES.items()))
    group = SelectField("Group", choices=[], validate_choice=True)
    major = StringField("Or a major", validators=[Optional(), Length(max=200)],
                        description="Only students of this major (as written on profiles).")
    subject = StringField("Subject", validators=[
        InputRequired(message="Write a subject line."), Length(max=150)])
    message = TextAreaField("Message", validators=[
        InputRequired(message="Write the message."), Length(max=4000)],
        description="Plain text. Say why it matters and what to do next.")
    next_step = SelectField("Suggested next step", choices=[
        (step.value, label) for step, label in NEXT_STEP_LABELS.items()])
    posting_id = IntegerField("Posting number", validators=[Optional()],
                              description="For “Apply to a posting”: the number in the "
                                          "posting's address (/opportunities/123).")
    holdout = IntegerField("Holdout (%)", default=services.DEFAULT_HOLDOUT, validators=[
        InputRequired(message="Enter a percentage."),
        NumberRange(min=0, max=services.MAX_HOLDOUT,
                    message=f"Between 0 and {services.MAX_HOLDOUT}.")],
        description="Chosen at random and sent nothing, so the effect can be measured.")


def classes(school_id: int | None = None) -> list[int]:
    """The graduating classes to choose from (of one school's students, when given)."""
    return list(db.session.scalars(sa.select(StudentProfile.graduation_year).distinct()
                                   .where(StudentProfile.graduation_year.is_not(None),
                                          sa.true() if school_id is None else
                                          StudentProfile.school_id == school_id)
                                   .order_by(StudentProfile.graduation_year.desc())))


@bp.route("/staff/outcomes/campaigns")
@role_required(Role.STAFF)
def list_campaigns():
    return render_template("outcomes/campaigns/list.html",
                           campaigns=services.recent_campaigns(current_user),
                           outcomes=OUTCOMES)


@bp.route("/staff/outcomes/campaigns/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new_campaign():
    form = CampaignForm()
    school_id = staff_school_limit(current_user)  # a school's staff reach their own only
    form.graduation_year.choices = [(year, f"Class of {year}") for year in classes(school_id)]
    form.group.choices = group_choices()
    if request.method == "GET":  # from the dashboard's "write to them"
        if request.args.get("outcome") in OUTCOMES:
            form.missing_outcome.data = request.args["outcome"]
        year = request.args.get("graduation_year", "")
        if year.isdigit() and int(year) in dict(form.graduation_year.choices):
            form.graduation_year.data = int(year)
    estimate = None
    if form.validate_on_submit():
        group_by, group_value = parse_group(form.group.data, form.major.data)
        segment = services.Segment(form.graduation_year.data, form.missing_outcome.data,
                                   group_by, group_value)
        if request.form.get("action") != "send":
            estimate = services.preview(segment, form.holdout.data, school_id)
        else:
            try:
                campaign = services.create_campaign(
                    segment, form.subject.data, form.message.data, NextStep(form.next_step.data),
                    current_user, form.holdout.data, form.posting_id.data)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                show_domain_error(form, error)
            else:
                flash(f"Sending to {campaign.to_send:,} students; {campaign.holdout_size:,} "
                      "are held out.", "success")
                return redirect(url_for("campaigns.show_campaign", campaign_id=campaign.id))
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("outcomes/campaigns/new.html", form=form, estimate=estimate,
                           outcomes=OUTCOMES), status


@bp.route("/staff/outcomes/campaigns/<int:campaign_id>")
@role_required(Role.STAFF)
def show_campaign(campaign_id: int):
    try:
        campaign = services.campaign_for(campaign_id, current_user)
    except DomainError:
        abort(404)
    return render_template("outcomes/campaigns/show.html", campaign=campaign,
                           results=services.results(campaign), outcomes=OUTCOMES,
                           groups=services.SEGMENT_GROUPS, next_steps=NEXT_STEP_LABELS)


@bp.route("/campaigns/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail programs post here (RFC 8058)
@public
def unsubscribe(token: str):
    user = services.user_for_token(token)
    if user is None:
        abort(404)
    done = None
    # The link only unsubscribes (it may have been forwarded); subscribing again takes
    # the person themself, signed in.
    owner = can_resubscribe(current_user, user)
    if request.method == "POST":
        if request.form.get("action") == "resubscribe":
            if not owner:
                abort(403, description="Sign in to get campaign messages again.")
            services.resubscribe(user)
            done = "resubscribed"
        else:
            services.unsubscribe(user)
            done = "unsubscribed"
        db.session.commit()
    return render_template("outcomes/campaigns/unsubscribe.html", done=done, owner=owner,
                           unsubscribed=services.is_unsubscribed(user))
