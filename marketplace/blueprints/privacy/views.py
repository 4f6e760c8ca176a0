"""My data (download everything, ask to be deleted) and the staff deletion queue."""

from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user

from marketplace.blueprints.applications.models import Application
from marketplace.blueprints.applications.services import open_resume
from marketplace.blueprints.privacy.export import SECTIONS, personal_data
from marketplace.blueprints.privacy.forms import (
    CarryOutForm,
    DeclineForm,
    DeletionRequestForm,
    WithdrawForm,
)
from marketplace.blueprints.privacy.models import DeletionRequest
from marketplace.blueprints.privacy.policies import (
    can_decide_deletion,
    can_download_own_resume,
    can_export_data,
    can_see_deletion_request,
)
from marketplace.blueprints.privacy.services import (
    carry_out_deletion,
    decline_deletion,
    deletion_queue,
    pending_request,
    recent_decisions,
    request_deletion,
    requests_of,
    withdraw_deletion,
)
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import show_domain_error
from marketplace.core.policies import SIGNED_IN, Role, role_required

bp = Blueprint("privacy", __name__)

EXPORT_FILENAME = "career-connections-data.json"


def render_my_data(form: DeletionRequestForm | None = None, status: int = 200):
    return render_template(
        "privacy/my_data.html", form=form or DeletionRequestForm(), withdraw_form=WithdrawForm(),
        pending=pending_request(current_user), history=requests_of(current_user),
        sections=SECTIONS), status


@bp.route("/me/data")
@role_required(*SIGNED_IN)
def my_data():
    return render_my_data()


@bp.route("/me/data/export")
@role_required(*SIGNED_IN)
def download_my_data():
    if not can_export_data(current_user, current_user):
        abort(403)
    body = json.dumps(personal_data(current_user), ensure_ascii=False, indent=2)
    return body, 200, {"Content-Type": "application/json; charset=utf-8",
                       "Content-Disposition": f"attachment; filename={EXPORT_FILENAME}"}


@bp.route("/me/data/resumes/<int:application_id>")
@role_required(Role.STUDENT, Role.ALUMNI)  # a graduate's applications are still theirs
def download_my_resume(application_id: int):
    application = db.session.get(Application, application_id)
    if application is None or not can_download_own_resume(current_user, application):
        abort(404)
    resume = open_resume(application)
    if resume is None:
        abort(404)
    return send_file(resume, mimetype="application/pdf", as_attachment=True,
                     download_name=application.resume_filename or "resume.pdf", max_age=0)


@bp.route("/me/data/deletion-request", methods=["POST"])
@role_required(*SIGNED_IN)
def request_my_deletion():
    form = DeletionRequestForm()
    if not form.validate_on_submit():
        return render_my_data(form, 422)
    try:
        request_deletion(current_user, form.note.data)
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)
        return render_my_data(form, error.status)
    flash("Your request is with career staff. We will tell you when it is decided.", "success")
    return redirect(url_for("privacy.my_data"))


@bp.route("/me/data/deletion-request/<int:request_id>/withdraw", methods=["POST"])
@role_required(*SIGNED_IN)
def withdraw_my_deletion(request_id: int):
    if not WithdrawForm().validate_on_submit():
        abort(400, description="This form had expired. Please submit it again.")
    try:
        withdraw_deletion(request_id, current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
        if error.status == 404:
            abort(404)
    else:
        flash("Your deletion request is withdrawn; your account stays as it is.", "success")
    return redirect(url_for("privacy.my_data"))


@bp.route("/staff/deletion-requests")
@role_required(Role.STAFF)
def deletion_queue_page():
    return render_template("privacy/queue.html", requests=deletion_queue(current_user),
                           decided=recent_decisions(current_user),
                           carry_out_form=CarryOutForm(),
                           decline_form=DeclineForm(), can_decide=can_decide_deletion)


def _decidable(request_id: int) -> DeletionRequest:
    deletion = db.session.get(DeletionRequest, request_id)
    if deletion is None or not can_see_deletion_request(current_user, deletion):
        abort(404)  # a school's staff: another school's student's request is not there
    if not can_decide_deletion(current_user, deletion):
        abort(403, description="Another member of staff carries out or declines your own "
                               "request.")
    return deletion


@bp.route("/staff/deletion-requests/<int:request_id>/carry-out", methods=["POST"])
@role_required(Role.STAFF)
def carry_out_request(request_id: int):
    _decidable(request_id)
    if not CarryOutForm().validate_on_submit():
        abort(400, description="This form had expired. Please submit it again.")
    try:
        done = carry_out_deletion(request_id, current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash(f"Request #{done.id} is carried out: the account is erased; its outcome "
              "evidence stays in the counts, anonymously.", "success")
    return redirect(url_for("privacy.deletion_queue_page"))


@bp.route("/staff/deletion-requests/<int:request_id>/decline", methods=["POST"])
@role_required(Role.STAFF)
def decline_request(request_id: int):
    _decidable(request_id)
    form = DeclineForm()
    if not form.validate_on_submit():
        for message in [*form.reason.errors, *form.errors.get("csrf_token", [])]:
            flash(str(message), "error")
        return redirect(url_for("privacy.deletion_queue_page"))
    try:
        decline_deletion(request_id, current_user, form.reason.data)
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)
    else:
        flash("Declined; the person is told why.", "success")
    return redirect(url_for("privacy.deletion_queue_page"))

