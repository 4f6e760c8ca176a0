"""marketplace.blueprints.home.views."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    render_template,
)
from flask_login import current_user

from marketplace.blueprints.accounts.models import Organization, OrganizationStatus, User
from marketplace.core.extensions import db
from marketplace.core.policies import Role, public, role_required

bp = Blueprint("home", __name__)


@bp.route("/alumni/")
@role_required(Role.ALUMNI)
def alumni_dashboard():
    return render_template("home/alumni.html")


@bp.route("/employers/")
@role_required(Role.EMPLOYER)
def employer_dashboard():
    return render_template("home/employer.html", organization=current_user.organization)


@bp.route("/")
@public
def home():
    return render_template("home/home.html")


@bp.route("/staff/")
@role_required(Role.STAFF)
def staff_dashboard():
    counts = dict(db.session.execute(
        sa.select(User.role, sa.func.count(User.id)).group_by(User.role)).all())
    pending_organizations = db.session.scalar(
        sa.select(sa.func.count(Organization.id)).where(
            Organization.status == OrganizationStatus.PENDING))
    return render_template("home/staff.html", counts=counts,
                           pending_organizations=pending_organizations)


@bp.route("/students/")
@role_required(Role.STUDENT)
def student_dashboard():
    return render_template("home/student.html")
