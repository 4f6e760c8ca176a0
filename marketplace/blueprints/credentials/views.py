"""Credentials in the browser: a student claims and shares theirs; anyone verifies one or
opens one a student shared; staff revoke. Also the issuer's public documents: its keys,
its profile, each outcome as an achievement, and the revocation status list."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from marketplace.blueprints.accounts.policies import can_staff_see_student, students_in_scope
from marketplace.blueprints.accounts.services import find_user_by_email
from marketplace.blueprints.credentials import keys, services
from marketplace.blueprints.credentials.models import Credential
from marketplace.blueprints.credentials.policies import (
    can_claim_evidence,
    can_manage_credential,
    can_revoke_credential,
)
from marketplace.blueprints.outcomes.models import OutcomeEvidence
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import Form, show_domain_error
from marketplace.core.policies import Role, public, role_required
from marketplace.core.reference import OUTCOMES

bp = Blueprint("credentials", __name__)

HOLDERS = (Role.STUDENT, Role.ALUMNI)


class ClaimForm(Form):
    evidence_id = HiddenField(validators=[InputRequired()])


class ShareForm(Form):
    pass


class VerifyForm(Form):
    jwt = TextAreaField("The credential", validators=[
        DataRequired(message="Paste the credential (the long text that starts with eyJ)."),
        Length(max=20_000, message="That is too long to be a credential.")],
        description="Paste the whole credential: the text that starts with “eyJ”.")


class EmailCheckForm(Form):
    email = StringField("The e-mail address the student gave you", validators=[
        DataRequired(message="Enter an e-mail address."),
        Email(message="Enter an e-mail address."), Length(max=254)])


class RevokeForm(Form):
    reason = StringField("Why", validators=[
        DataRequired(message="Say why: the verifier shows it."), Length(max=300)],
        description="For example: “Evidence recorded in error”.")


class FindForm(Form):
    class Meta:
        csrf = False

    email = StringField("Student's e-mail", validators=[Length(max=254)])


# -- The issuer's public documents --------------------------------------------------


@bp.route("/.well-known/jwks.json")
@public
def jwks():
    response = jsonify(keys.jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/issuer")
@public
def issuer():
    return jsonify({"@context": [services.OB_CONTEXT], **services.issuer_profile()})


@bp.route("/achievements/<outcome>")
@public
def achievement(outcome: str):
    if outcome not in OUTCOMES:
        abort(404)
    return jsonify({"@context": [services.OB_CONTEXT], **services.achievement(outcome)})


@bp.route("/credentials/status/revocation")
@public
def status_list():
    response = jsonify(services.status_list())
    response.headers["Cache-Control"] = "no-cache"  # a revocation shows at once
    return response


# -- A student's own ----------------------------------------------------------------


@bp.route("/me/credentials")
@role_required(*HOLDERS)
def my_credentials():
    credentials = services.credentials_of(current_user)
    issued = {c.evidence_id for c in credentials}
    evidence = {row.id: row for row in db.session.scalars(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.id.in_(issued)))} if issued else {}
    rows = [row for row in services.claimable(current_user) if row.id not in issued]
    return render_template(
        "credentials/mine.html", rows=rows, credentials=credentials, evidence=evidence,
        outcomes=OUTCOMES,
        claim_form=ClaimForm(), share_form=ShareForm(), has_key=keys.active_key() is not None,
        shares=services.record_shares(current_user), linkedin=services.linkedin_url,
        public_url=services.public_url)


@bp.route("/me/credentials", methods=["POST"])
@role_required(*HOLDERS)
def claim_credential():
    form = ClaimForm()
    if not form.validate_on_submit() or not str(form.evidence_id.data).isdigit():
        abort(400, description="Choose a piece of evidence to claim.")
    row = db.session.get(OutcomeEvidence, int(form.evidence_id.data))
    if not can_claim_evidence(current_user, row):
        abort(404)
    try:
        credential = services.issue(row, current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash(f"Your {OUTCOMES[credential.outcome]} credential is ready to share.", "success")
    return redirect(url_for("credentials.my_credentials"))


@bp.route("/me/credentials/<int:credential_id>/sharing", methods=["POST"])
@role_required(*HOLDERS)
def set_sharing(credential_id: int):
    credential = db.session.get(Credential, credential_id)
    if not can_manage_credential(current_user, credential):
        abort(404)
    if not ShareForm().validate_on_submit():
        abort(400)
    shared = request.form.get("shared") == "1"
    services.set_shared(credential, current_user, shared)
    db.session.commit()
    flash("Its page is open to anyone with the link." if shared else
          "Its page is closed: the link answers “not found”.", "success")
    return redirect(url_for("credentials.my_credentials"))


@bp.route("/me/credentials/<int:credential_id>/download")
@role_required(*HOLDERS)
def download_credential(credential_id: int):
    credential = db.session.get(Credential, credential_id)
    if not can_manage_credential(current_user, credential):
        abort(404)
    return Response(credential.jwt, mimetype="application/jwt", headers={
        "Content-Disposition": f'attachment; filename="{credential.outcome}-credential.jwt"'})


@bp.route("/me/record/<kind>")
@role_required(*HOLDERS)
def download_record(kind: str):
    if kind not in ("clr.json", "clr.jwt"):
        abort(404)
    return _record_download(current_user, kind)


def _record_download(student, kind: str, shared_only: bool = False) -> Response:
    try:
        document, token = services.learner_record(student, shared_only)
    except DomainError as error:
        abort(409, description=error.message)
    if kind == "clr.jwt":
        return Response(token, mimetype="application/jwt", headers={
            "Content-Disposition": 'attachment; filename="learner-record.jwt"'})
    response = jsonify(document)
    response.headers["Content-Disposition"] = 'attachment; filename="learner-record.json"'
    return response


@bp.route("/me/record/shares", methods=["POST"])
@role_required(*HOLDERS)
def share_record():
    if not ShareForm().validate_on_submit():
        abort(400)
    token = services.share_record(current_user)
    db.session.commit()
    flash("Your learner record can be opened at "
          f"{url_for('credentials.shared_record', token=token, _external=True)} "
          "— copy the link now: it is shown only once.", "success")
    return redirect(url_for("credentials.my_credentials"))


@bp.route("/me/record/shares/<int:share_id>/stop", methods=["POST"])
@role_required(*HOLDERS)
def stop_sharing_record(share_id: int):
    if not ShareForm().validate_on_submit():
        abort(400)
    try:
        services.stop_share(current_user, share_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash("That link no longer opens your record.", "success")
    return redirect(url_for("credentials.my_credentials"))


# -- Anyone -------------------------------------------------------------------------


@bp.route("/credentials/<public_id>", methods=["GET", "POST"])
@public
def shared_credential(public_id: str):
    credential = services.shared_credential(public_id)
    if credential is None:
        abort(404)
    verdict = services.verify(credential.jwt)
    form = EmailCheckForm()
    matched = None
    if request.method == "POST" and form.validate_on_submit():
        matched = services.email_matches(services.document_of(credential), form.email.data)
    return render_template("credentials/public.html", credential=credential,
                           document=services.document_of(credential), verdict=verdict,
                           form=form, matched=matched, issuer=services.issuer_name(),
                           url=services.public_url(credential)), \
        422 if request.method == "POST" and form.errors else 200


@bp.route("/credentials/<public_id>/jwt")
@public
def shared_credential_jwt(public_id: str):
    credential = services.shared_credential(public_id)
    if credential is None:
        abort(404)
    return Response(credential.jwt, mimetype="application/jwt")


@bp.route("/records/<token>")
@public
def shared_record(token: str):
    student = services.student_for_share(token)
    if student is None:
        abort(404)
    active = services.record_credentials(student, shared_only=True)
    return render_template("credentials/record.html", credentials=active, token=token,
                           documents={c.id: services.document_of(c) for c in active},
                           issuer=services.issuer_name(), public_url=services.public_url)


@bp.route("/records/<token>/<kind>")
@public
def shared_record_download(token: str, kind: str):
    student = services.student_for_share(token)
    if student is None or kind not in ("clr.json", "clr.jwt"):
        abort(404)
    return _record_download(student, kind, shared_only=True)


@bp.route("/verify", methods=["GET", "POST"])
@public
def verify_page():
    form = VerifyForm()
    verdict = None
    if form.validate_on_submit():
        verdict = services.verify(form.jwt.data)
    status = 422 if request.method == "POST" and form.errors else 200
    return render_template("credentials/verify.html", form=form, verdict=verdict,
                           issuer=services.issuer_name()), status


# -- Staff --------------------------------------------------------------------------


@bp.route("/staff/credentials")
@role_required(Role.STAFF)
def staff_credentials():
    find = FindForm(request.args)
    # A school's staff see (and revoke) their school's students' credentials only.
    statement = sa.select(Credential).where(
        students_in_scope(current_user, Credential.student_id)
    ).order_by(Credential.issued_at.desc()).limit(100)
    student = None
    if find.email.data:
        student = find_user_by_email(find.email.data.strip())
        if student is not None and not can_staff_see_student(current_user, student.id):
            student = None  # another school's student is nobody to a school's staff
        statement = statement.where(Credential.student_id == (student.id if student else -1))
    return render_template("credentials/staff.html", credentials=db.session.scalars(
        statement).all(), find=find, student=student, revoke_form=RevokeForm(),
        revoking=None, outcomes=OUTCOMES)


@bp.route("/staff/credentials/<int:credential_id>/revoke", methods=["POST"])
@role_required(Role.STAFF)
def revoke_credential(credential_id: int):
    credential = db.session.get(Credential, credential_id)
    if credential is None or not can_revoke_credential(current_user, credential):
        abort(404)  # staff only reach here: another school's student's is not there
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(credential, form.reason.data, current_user)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash(f"Revoked. Anyone verifying it now reads: {credential.revoked_reason}",
                  "success")
            return redirect(url_for("credentials.staff_credentials"))
    # The page again, with the reason as typed and what is wrong with it.
    return render_template("credentials/staff.html", credentials=[credential], find=FindForm(),
                           student=credential.student, revoke_form=form,
                           revoking=credential.id, outcomes=OUTCOMES), 422
