"""marketplace.blueprints.home.views."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    render_template,
)
from flask_login import current_user

from marketplace.blueprints.accounts.services import current_session, viewer_clusters
from marketplace.blueprints.applications.models import ApplicationStatus
from marketplace.blueprints.home import services as homes
from marketplace.core.changes import user_topic
from marketplace.core.clock import institution_today, zone_city
from marketplace.core.kept import kept_fragment
from marketplace.core.policies import Role, public, role_required

bp = Blueprint("home", __name__)


@bp.route("/alumni/")
@role_required(Role.ALUMNI)
def alumni_dashboard():
    return render_template("home/alumni.html", home=homes.alumni_home(current_user),
                           city=zone_city(current_user.time_zone))


@bp.route("/employers/")
@role_required(Role.EMPLOYER)
def employer_dashboard():
    session = current_session(current_user)
    since = homes.previous_visit(current_user, session.id if session else None)
    return render_template("home/employer.html", organization=current_user.organization,
                           home=homes.employer_home(current_user, since),
                           pipeline=homes.PIPELINE, today=institution_today(),
                           zone=current_app.config["INSTITUTION_TIME_ZONE"])


@bp.route("/")
@public
def home():
    return render_template("home/home.html")


@bp.route("/staff/")
@role_required(Role.STAFF)
def staff_dashboard():
    return render_template("home/staff.html", home=homes.staff_home())


@bp.route("/students/")
@role_required(Role.STUDENT)
def student_dashboard():
    today = institution_today()

    def render() -> str:
        return render_template("home/_student.html", home=homes.student_home(current_user),
                               stages=list(homes.Stage), steps=homes.StepKind,
                               ApplicationStatus=ApplicationStatus, today=today,
                               zone=current_user.time_zone,
                               city=zone_city(current_user.time_zone),
                               clusters=viewer_clusters(current_user))

    # Kept until anything it shows changes: the student's own rows, postings, mentors'
    # slots, the stage rule (and the day).
    content = kept_fragment(("student home", current_user.id, today), (
        user_topic(current_user.id), "catalog", "mentoring", "rules"), render)
    return render_template("home/student.html", content=content)
