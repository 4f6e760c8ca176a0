"""The employer's own pages: dashboard and organization profile."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ...extensions import db
from ...models import OrganizationType, Role
from ...policies import can_edit_organization, role_required
from ...services.profiles import update_organization
from .forms import OrganizationForm

bp = Blueprint("employers", __name__)


@bp.route("/")
@role_required(Role.EMPLOYER)
def dashboard():
    return render_template("employers/dashboard.html", organization=current_user.organization)


@bp.route("/organization", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def edit_organization():
    organization = current_user.organization
    if organization is None or not can_edit_organization(current_user, organization):
        abort(403)
    form = OrganizationForm(obj=organization, contact_name=current_user.name,
                            type=organization.type.value)
    if form.validate_on_submit():
        current_user.name = form.contact_name.data.strip()
        update_organization(organization, name=form.name.data, website=form.website.data,
                            type=OrganizationType(form.type.data))
        db.session.commit()
        flash("Organization profile saved.", "success")
        return redirect(url_for("employers.edit_organization"))
    return render_template("employers/organization.html", form=form, organization=organization)
