"""The student's own pages: dashboard and profile."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from ...errors import DomainError
from ...extensions import db
from ...models import (
    Application,
    ApplicationStatus,
    Opportunity,
    Placement,
    RecordAccess,
    Role,
    StudentProfile,
)
from ...policies import role_required
from ...services.applications import add_reflection, allowed_moves, move_application
from ...services.profiles import update_student_profile
from ..helpers import show_domain_error
from .forms import ApplicationActionForm, ReflectionForm, StudentProfileForm

bp = Blueprint("students", __name__)


@bp.route("/")
@role_required(Role.STUDENT)
def dashboard():
    return render_template("students/dashboard.html")


@bp.route("/profile", methods=["GET", "POST"])
@role_required(Role.STUDENT)
def edit_profile():
    profile = current_user.student_profile or StudentProfile(user=current_user)
    form = StudentProfileForm(obj=profile, name=current_user.name, clusters=profile.clusters)
    if form.validate_on_submit():
        update_student_profile(
            current_user, name=form.name.data, graduation_year=form.graduation_year.data,
            major=form.major.data or None, clusters=form.clusters.data,
            first_generation=form.first_generation.value, pell_eligible=form.pell_eligible.value,
            time_zone=form.time_zone.data,
        )
        db.session.commit()
        flash("Profile saved.", "success")
        return redirect(url_for("students.edit_profile"))
    return render_template("students/profile.html", form=form)


@bp.route("/applications")
@role_required(Role.STUDENT)
def list_applications():
    applications = db.session.scalars(
        sa.select(Application).where(Application.student_id == current_user.id)
        .options(joinedload(Application.opportunity).joinedload(Opportunity.organization))
        .order_by(Application.created_at.desc())).all()
    return render_template("students/applications.html", applications=applications)


def _own_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.student_id != current_user.id:
        abort(404)
    return application


@bp.route("/applications/<int:application_id>")
@role_required(Role.STUDENT)
def show_application(application_id: int):
    application = _own_application(application_id)
    views = db.session.scalars(
        sa.select(RecordAccess).where(RecordAccess.application_id == application.id)
        .options(joinedload(RecordAccess.viewer)).order_by(RecordAccess.id.desc())).all()
    placement = db.session.scalar(sa.select(Placement).where(
        Placement.application_id == application.id))
    return render_template("students/application.html", application=application, views=views,
                           moves=allowed_moves(application, current_user),
                           form=ApplicationActionForm(), placement=placement,
                           reflection_form=ReflectionForm(reflection=placement.reflection
                                                          if placement else None))


@bp.route("/placements/<int:placement_id>/reflection", methods=["POST"])
@role_required(Role.STUDENT)
def save_reflection(placement_id: int):
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.student_id != current_user.id:
        abort(404)
    form = ReflectionForm()
    if form.validate_on_submit():
        try:
            add_reflection(placement, current_user, form.reflection.data)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Reflection saved.", "success")
    else:
        flash("Write a few words (at most 4,000 characters).", "error")
    return redirect(url_for("students.show_application",
                            application_id=placement.application_id))


STUDENT_ACTIONS = {"accept": ApplicationStatus.HIRED, "decline": ApplicationStatus.OFFER_DECLINED,
                   "withdraw": ApplicationStatus.WITHDRAWN}


@bp.route("/applications/<int:application_id>/<action>", methods=["POST"])
@role_required(Role.STUDENT)
def act_on_application(application_id: int, action: str):
    if action not in STUDENT_ACTIONS:
        abort(404)
    _own_application(application_id)
    if not ApplicationActionForm().validate_on_submit():
        abort(400)
    try:
        move_application(application_id, STUDENT_ACTIONS[action], current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash({"accept": "Congratulations! You accepted the offer; your placement is set up.",
               "decline": "You declined the offer.",
               "withdraw": "Your application is withdrawn."}[action], "success")
    return redirect(url_for("students.show_application", application_id=application_id))
