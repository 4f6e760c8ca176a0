"""Log in, log out, register (student, employer, alum), change password."""

from __future__ import annotations

from urllib.parse import urlsplit

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
from flask_login import current_user, login_required, login_user, logout_user

from ...errors import DomainError
from ...extensions import db, limiter
from ...models import OrganizationType, Role, User
from ...services import accounts
from ..helpers import show_domain_error
from .forms import (
    AlumniRegistrationForm,
    EmployerRegistrationForm,
    LoginForm,
    PasswordChangeForm,
    StudentRegistrationForm,
)

bp = Blueprint("auth", __name__)

BAD_CREDENTIALS = "That e-mail address and password do not match an account."


def home_for(user: User) -> str:
    return {
        Role.STUDENT: url_for("students.dashboard"),
        Role.EMPLOYER: url_for("employers.dashboard"),
        Role.ALUMNI: url_for("alumni.dashboard"),
        Role.STAFF: url_for("staff.dashboard"),
    }[user.role]


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never send a user to another host after log-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target


def start_session(user: User) -> None:
    # A fresh cookie at log-in: nothing from before authentication carries over.
    session.clear()
    login_user(user)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_email() -> str:
    return "login-email:" + (request.form.get("email") or "").strip().lower()[:254]


def _account_limit() -> str:
    return current_app.config["ACCOUNT_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
# Per address as well: guessing one account's password from many clients is slowed too.
@limiter.limit(_login_limit, methods=["POST"], key_func=_login_email)
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
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # Logging out here logs out everywhere: a shared or lost device is covered.
    accounts.end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "success")
    return redirect(url_for("main.home"))


REGISTRATION_FORMS = {
    "student": StudentRegistrationForm,
    "employer": EmployerRegistrationForm,
    "alumni": AlumniRegistrationForm,
}


@bp.route("/register")
def register():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return render_template("auth/register_choose.html")


@bp.route("/register/<role>", methods=["GET", "POST"])
@limiter.limit(_account_limit, methods=["POST"])
def register_role(role: str):
    if role not in REGISTRATION_FORMS:
        abort(404)
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = REGISTRATION_FORMS[role]()
    if form.validate_on_submit():
        try:
            user = _create_account(role, form)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            start_session(user)
            if role == "employer":
                flash("Your account is ready. Career staff will verify your organization "
                      "before your postings can go live; you can prepare them now.", "success")
            else:
                flash("Welcome to Career Connections. Your account is ready.", "success")
            return redirect(home_for(user))
    return render_template("auth/register.html", form=form, role=role)


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


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit(_account_limit, methods=["POST"])
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(current_user, form.current_password.data, form.password.data)
        except DomainError as error:
            show_domain_error(form, error)
        else:
            db.session.commit()
            start_session(current_user._get_current_object())
            flash("Password changed. You have been logged out on every other device.", "success")
            return redirect(home_for(current_user))
    return render_template("auth/password.html", form=form)
