"""The alum's own pages: dashboard and profile."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ...extensions import db
from ...models import AlumniProfile, Role
from ...policies import role_required
from ...services.profiles import update_alumni_profile
from .forms import AlumniProfileForm

bp = Blueprint("alumni", __name__)


@bp.route("/")
@role_required(Role.ALUMNI)
def dashboard():
    return render_template("alumni/dashboard.html")


@bp.route("/profile", methods=["GET", "POST"])
@role_required(Role.ALUMNI)
def edit_profile():
    profile = current_user.alumni_profile or AlumniProfile(user=current_user)
    form = AlumniProfileForm(obj=profile, name=current_user.name)
    if form.validate_on_submit():
        update_alumni_profile(
            current_user, name=form.name.data, graduation_year=form.graduation_year.data,
            employer=form.employer.data or None, title=form.title.data or None,
            cluster=form.cluster.data or None, time_zone=form.time_zone.data,
        )
        db.session.commit()
        flash("Profile saved.", "success")
        return redirect(url_for("alumni.edit_profile"))
    return render_template("alumni/profile.html", form=form)
