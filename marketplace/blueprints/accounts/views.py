"""Log in, log out, register (student, employer, alum), change password."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from marketplace.blueprints.accounts import services as accounts
from marketplace.blueprints.accounts.forms import (
    AlumniProfileForm,
    AlumniRegistrationForm,
    CreateUserForm,
    EmployerRegistrationForm,
    EndSessionForm,
    GraduationForm,
    LoginForm,
    OrganizationDecisionForm,
    OrganizationForm,
    PasswordChangeForm,
    ResendVerificationForm,
    ResetPasswordForm,
    ResetRequestForm,
    RevokeTokenForm,
    StudentProfileForm,
    StudentRegistrationForm,
    TokenForm,
)
from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    Organization,
    OrganizationStatus,
    OrganizationType,
    StudentProfile,
    User,
)
from marketplace.blueprints.accounts.policies import can_edit_organization
from marketplace.blueprints.accounts.services import (
    create_user,
    update_alumni_profile,
    update_organization,
    update_student_profile,
)
from marketplace.blueprints.accounts.sso.logout import provider_logout_url
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db, limiter
from marketplace.core.forms import show_domain_error
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import SIGNED_IN, Role, public, role_required
from marketplace.core.urls import safe_next

bp = Blueprint("accounts", __name__)


@bp.route("/alumni/profile", methods=["GET", "POST"])
@role_required(Role.ALUMNI)
def edit_alumni_profile():
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
        return redirect(url_for("accounts.edit_alumni_profile"))
    return render_template("accounts/alumni_profile.html", form=form)


BAD_CREDENTIALS = ("That e-mail address and password do not match an account. Just "
                   "registered? Open the link we e-mailed you first.")


def home_for(user: User) -> str:
    return {
        Role.STUDENT: url_for("home.student_dashboard"),
        Role.EMPLOYER: url_for("home.employer_dashboard"),
        Role.ALUMNI: url_for("home.alumni_dashboard"),
        Role.STAFF: url_for("home.staff_dashboard"),
    }[user.role]


def start_session(user: User, method: str = "password") -> None:
    """Sign ``user`` in on this browser: a fresh cookie (nothing from before
    authentication carries over) and a session row they can see and end. Flushes."""
    session.clear()
    row, new_device = accounts.open_session(user, method)
    login_user(user)
    if new_device:
        enqueue_after_commit("send_new_device_email", row.id)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_email() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()[:254]


def _login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def _failed(response) -> bool:
    """A log-in that did not let anyone in (a signed-in person is redirected)."""
    return response.status_code != 302


def _account_limit() -> str:
    return current_app.config["ACCOUNT_RATE_LIMIT"]


@bp.route("/auth/login", methods=["GET", "POST"])
# Only failed attempts count: a campus behind one address, or a person who signs in
# often, is never limited for succeeding.
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed)
# Per account as well, so guessing one password from many clients is slowed too; a
# short window, so the owner waits a minute at most rather than being locked out.
@limiter.limit(_login_account_limit, methods=["POST"], key_func=_login_email,
               deduct_when=_failed)
@public
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(BAD_CREDENTIALS, "error")
        else:
            start_session(user)
            db.session.commit()
            flash(f"Welcome back, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next")) or home_for(user))
    return render_template("accounts/login.html", form=form)


@bp.route("/auth/logout", methods=["POST"])
@role_required(*SIGNED_IN)
def logout():
    # This browser only; /me/sessions ends the others.
    row = accounts.current_session(current_user)
    if row is not None:
        accounts.end_session(current_user, row.id)
    db.session.commit()
    provider_logout = provider_logout_url()
    logout_user()
    session.clear()
    flash("You are logged out.", "success")
    if provider_logout:
        # After a campus (OpenID Connect) sign-in the campus session ends too. A page that
        # moves on by itself, not a redirect: a form may only post to this site
        # (Content-Security-Policy form-action), redirects included.
        return render_template("accounts/signing_out.html", url=provider_logout)
    return redirect(url_for("home.home"))


REGISTRATION_FORMS = {
    "student": StudentRegistrationForm,
    "employer": EmployerRegistrationForm,
    "alumni": AlumniRegistrationForm,
}


@bp.route("/auth/register")
@public
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("accounts/register_choose.html")


@bp.route("/auth/register/<role>", methods=["GET", "POST"])
@limiter.limit(_account_limit, methods=["POST"])
@public
def register_role(role: str):
    if role not in REGISTRATION_FORMS:
        abort(404)
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = REGISTRATION_FORMS[role]()
    if form.validate_on_submit():
        address = accounts.normalize_email(form.email.data)
        try:
            user = _create_account(role, form)
            enqueue_after_commit("send_verification_email", user.id)
            db.session.commit()
        except accounts.EmailTaken:
            # Answered exactly like a new account, so the page tells nobody which
            # addresses have one; the owner hears of the attempt by e-mail.
            db.session.rollback()
            owner = accounts.account_for_address(address)
            if owner is not None:
                enqueue_after_commit("send_registration_attempt_email", owner.id)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
            return render_template("accounts/register.html", form=form, role=role)
        session["registered_address"] = address
        return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form, role=role)


@bp.route("/auth/register/sent")
@public
def check_email():
    return render_template("accounts/check_email.html",
                           address=session.get("registered_address"))


def _create_account(role: str, form) -> User:
    common = {"email": form.email.data, "name": form.name.data, "password": form.password.data}
    if role == "student":
        return accounts.register_student(
            **common, graduation_year=form.graduation_year.data, major=form.major.data or None,
            clusters=form.clusters.data, first_generation=form.first_generation.value,
            pell_eligible=form.pell_eligible.value, time_zone=form.time_zone.data,
        )
    if role == "employer":
        return accounts.register_employer(
            **common, organization_name=form.organization_name.data,
            organization_type=OrganizationType(form.organization_type.data),
            website=form.website.data or None,
        )
    return accounts.register_alumni(
        **common, graduation_year=form.graduation_year.data, employer=form.employer.data or None,
        title=form.title.data or None, cluster=form.cluster.data or None,
        time_zone=form.time_zone.data,
    )


@bp.route("/auth/password", methods=["GET", "POST"])
@role_required(*SIGNED_IN)
@limiter.limit(_account_limit, methods=["POST"])
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            start_session(current_user._get_current_object())
            db.session.commit()
            flash("Password changed. You have been logged out on every other device.", "success")
            return redirect(home_for(current_user))
    return render_template("accounts/password.html", form=form)


@bp.route("/employers/organization", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def edit_organization():
    organization = current_user.organization
    if organization is None or not can_edit_organization(current_user, organization):
        abort(403)
    form = OrganizationForm(obj=organization, contact_name=current_user.name,
                            type=organization.type.value)
    if form.validate_on_submit():
        try:
            current_user.name = form.contact_name.data.strip()
            waiting = update_organization(organization, name=form.name.data,
                                          website=form.website.data,
                                          type=OrganizationType(form.type.data), by=current_user)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Saved. The new name and website wait for career staff to check them; "
                  "your postings keep the verified name until then." if waiting else
                  "Organization profile saved.", "success")
            return redirect(url_for("accounts.edit_organization"))
    return render_template("accounts/organization.html", form=form, organization=organization)


@bp.route("/staff/users", methods=["GET", "POST"])
@role_required(Role.STAFF)
def manage_users():
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.name.data, Role(form.role.data),
                               form.password.data, organization_name=form.organization.data,
                               by=current_user)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash(f"Created {user.role.label.lower()} account for {user.email}. "
                  "Give them the temporary password privately; they can change it after "
                  "logging in.", "success")
            return redirect(url_for("accounts.manage_users"))
    users = db.session.scalars(
        sa.select(User).where(User.role == Role.STAFF).order_by(User.name)).all()
    return render_template("accounts/users.html", form=form, staff_users=users)


@bp.route("/staff/organizations")
@role_required(Role.STAFF)
def list_organizations():
    status = request.args.get("status", "pending")
    statement = sa.select(Organization).order_by(Organization.created_at, Organization.id)
    if status in {s.value for s in OrganizationStatus}:
        statement = statement.where(Organization.status == status)
    elif status == "changes":
        statement = statement.where(Organization.change_requested_at.is_not(None))
    else:
        status = "all"
    organizations = db.session.scalars(statement.limit(500)).all()
    return render_template("accounts/organizations.html", organizations=organizations,
                           status=status, form=OrganizationDecisionForm())


@bp.route("/staff/organizations/<int:organization_id>/<action>", methods=["POST"])
@role_required(Role.STAFF)
def decide_organization(organization_id: int, action: str):
    if action not in ("verify", "suspend", "trust", "untrust", "approve_change",
                      "refuse_change"):
        abort(404)
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        abort(404)
    form = OrganizationDecisionForm()
    if not form.validate_on_submit():
        flash("Please try again: the form had expired.", "error")
        return redirect(url_for("accounts.list_organizations"))
    try:
        if action == "verify":
            accounts.set_organization_status(organization, OrganizationStatus.VERIFIED,
                                             current_user, form.reason.data)
        elif action == "suspend":
            accounts.set_organization_status(organization, OrganizationStatus.SUSPENDED,
                                             current_user, form.reason.data)
        elif action in ("approve_change", "refuse_change"):
            accounts.decide_organization_change(organization, action == "approve_change",
                                                current_user)
        else:
            accounts.set_organization_trusted(organization, action == "trust", current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash(f"{organization.name}: {action.replace('_', ' ')} done.", "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(
        request.host_url) else url_for("accounts.list_organizations"))


@bp.route("/students/profile", methods=["GET", "POST"])
@role_required(Role.STUDENT)
def edit_student_profile():
    profile = current_user.student_profile or StudentProfile(user=current_user)
    form = StudentProfileForm(obj=profile, name=current_user.name, clusters=profile.clusters,
                              personal_email=current_user.personal_email_pending
                              or current_user.personal_email)
    if form.validate_on_submit():
        try:
            update_student_profile(
                current_user, name=form.name.data, graduation_year=form.graduation_year.data,
                major=form.major.data or None, clusters=form.clusters.data,
                first_generation=form.first_generation.value,
                pell_eligible=form.pell_eligible.value, time_zone=form.time_zone.data,
                date_of_birth=form.date_of_birth.data,
                school_id=(form.school_id.data if form.has_schools and not form.school_fixed
                           else profile.school_id),
                cte_concentrator=form.cte_concentrator.data,
                guardian_email=form.guardian_email.data or None,
                preferred_language=form.preferred_language.data,
            )
            sent = accounts.set_personal_email(current_user, form.personal_email.data or None)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash(f"Profile saved. We sent a link to {current_user.personal_email_pending}: "
                  "your personal e-mail counts once you open it." if sent else "Profile saved.",
                  "success")
            return redirect(url_for("accounts.edit_student_profile"))
    return render_template("accounts/student_profile.html", form=form)


@bp.route("/me/tokens", methods=["GET", "POST"])
@role_required(*SIGNED_IN)
def manage_tokens():
    """Personal API tokens: issue one (shown once), see when each was last used, revoke."""
    form, new_token = TokenForm(), None
    if form.validate_on_submit():
        try:
            new_token = accounts.issue_api_token(current_user, form.name.data, form.days.data)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            form = TokenForm(formdata=None)
    return render_template("accounts/tokens.html", form=form, new_token=new_token,
                           tokens=accounts.api_tokens(current_user),
                           status=accounts.token_status, revoke_form=RevokeTokenForm())


@bp.route("/me/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(*SIGNED_IN)
def revoke_token(token_id: int):
    if not RevokeTokenForm().validate_on_submit():
        abort(400)
    try:
        token = accounts.revoke_api_token(current_user, token_id)
        db.session.commit()
    except DomainError:
        abort(404)
    flash(f"“{token.name}” is revoked: it no longer works.", "success")
    return redirect(url_for("accounts.manage_tokens"))


@bp.route("/auth/verify/<token>")
@public
def verify_email(token: str):
    """The link in the confirmation e-mail: confirms the address and signs the person in.

    A GET that writes, on purpose: the link is opened from a mail program. It works
    once (its fingerprint covers "not yet confirmed") and for three days.
    """
    user = accounts.user_for_link_token(token, accounts.VERIFY)
    if user is None:
        return render_template("accounts/link_invalid.html", purpose="verify"), 400
    accounts.confirm_email(user)
    if not (current_user.is_authenticated and current_user.id == user.id):
        start_session(user, method="link")
    db.session.commit()
    flash("Thank you: your e-mail address is confirmed.", "success")
    return redirect(home_for(user))


@bp.route("/auth/verify", methods=["POST"])
@role_required(*SIGNED_IN)
@limiter.limit(_account_limit)
def resend_verification():
    if not ResendVerificationForm().validate_on_submit():
        abort(400)
    if not current_user.email_verified:
        enqueue_after_commit("send_verification_email", current_user.id)
        db.session.commit()
    flash(f"We sent a new link to {current_user.email}. It works for three days.", "success")
    return redirect(safe_next(request.form.get("next")) or home_for(current_user))


def _reset_email() -> str:
    return "reset-email:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/auth/reset", methods=["GET", "POST"])
@limiter.limit(_account_limit, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_reset_email)
@public
def ask_reset():
    """Ask for a password link. The answer is the same whether or not the address has an
    account, so the page tells nobody which addresses do."""
    form = ResetRequestForm()
    sent_to = None
    if form.validate_on_submit():
        sent_to = accounts.normalize_email(form.email.data)
        user = accounts.find_user_by_email(sent_to)
        if user is not None and user.active:
            enqueue_after_commit("send_password_reset_email", user.id)
            db.session.commit()
    return render_template("accounts/reset_ask.html", form=form, sent_to=sent_to)


@bp.route("/auth/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_account_limit, methods=["POST"])
@public
def reset_password(token: str):
    user = accounts.user_for_link_token(token, accounts.RESET)
    if user is None:
        return render_template("accounts/link_invalid.html", purpose="reset"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.password.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            if current_user.is_authenticated:
                logout_user()
            start_session(user, method="link")
            db.session.commit()
            flash("Your new password is set. Every other session has been signed out.",
                  "success")
            return redirect(home_for(user))
    return render_template("accounts/reset_set.html", form=form, user=user)


@bp.route("/me/sessions")
@role_required(*SIGNED_IN)
def manage_sessions():
    this = accounts.current_session(current_user)
    return render_template("accounts/sessions.html", sessions=accounts.active_sessions(
        current_user), this_id=this.id if this else None, describe=accounts.describe_device,
        form=EndSessionForm())


@bp.route("/me/sessions/<int:session_id>/end", methods=["POST"])
@role_required(*SIGNED_IN)
def end_session(session_id: int):
    if not EndSessionForm().validate_on_submit():
        abort(400)
    try:
        row = accounts.end_session(current_user, session_id)
    except DomainError:
        abort(404)
    db.session.commit()
    flash(f"Signed out {accounts.describe_device(row.user_agent)}.", "success")
    return redirect(url_for("accounts.manage_sessions"))


@bp.route("/me/sessions/end-others", methods=["POST"])
@role_required(*SIGNED_IN)
def end_other_sessions():
    if not EndSessionForm().validate_on_submit():
        abort(400)
    this = accounts.current_session(current_user)
    ended = accounts.end_all_sessions(current_user, except_id=this.id if this else None)
    db.session.commit()
    flash(f"Signed out {ended} other session{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for("accounts.manage_sessions"))


@bp.route("/staff/graduation", methods=["GET", "POST"])
@role_required(Role.STAFF)
def graduation():
    """Graduate a class: its student accounts become alum accounts (alumni continuity)."""
    if request.method == "POST":
        form = GraduationForm()
        if form.validate_on_submit():
            graduates = accounts.graduate_class(form.graduation_year.data, current_user)
            db.session.commit()
            flash(f"The class of {form.graduation_year.data} graduated: {len(graduates)} "
                  f"account{'s are' if len(graduates) != 1 else ' is'} now alum accounts.",
                  "success")
            return redirect(url_for("accounts.graduation"))
        return render_template("accounts/graduation.html", form=form, counts=None, year=None)
    # Looking at a class is a GET: the year is in the address, no token needed.
    form = GraduationForm(request.args, meta={"csrf": False})
    year = counts = None
    if "graduation_year" in request.args and form.validate():
        year = form.graduation_year.data
        counts = accounts.graduation_counts(year, current_user)
    return render_template("accounts/graduation.html", form=form, counts=counts, year=year)


@bp.route("/me/personal-email/<token>")
@public
def confirm_personal_email(token: str):
    """The link sent to a student's personal address: confirms it (signs nobody in)."""
    user = accounts.user_for_link_token(token, accounts.PERSONAL)
    if user is None or not user.personal_email_pending:
        return render_template("accounts/link_invalid.html", purpose="personal"), 400
    try:
        accounts.confirm_personal_email(user)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        return render_template("accounts/link_invalid.html", purpose="personal",
                               message=error.message), 409
    flash(f"Thank you: {user.personal_email} is confirmed as your personal e-mail.", "success")
    return redirect(url_for("home.home"))
