"""The student's own pages: dashboard and profile."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ...extensions import db
from ...models import Role, StudentProfile
from ...policies import role_required
from ...services.profiles import update_student_profile
from .forms import StudentProfileForm

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
