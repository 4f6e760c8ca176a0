"""Campus sign-in routes: start (either protocol), the OIDC callback, the SAML assertion
consumer and metadata, and the staff page for providers and staff links."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from marketplace.blueprints.accounts.forms import OrganizationDecisionForm
from marketplace.blueprints.accounts.sso import oidc, saml
from marketplace.blueprints.accounts.sso import services as sso
from marketplace.blueprints.accounts.sso.logout import LOGOUT
from marketplace.blueprints.accounts.sso.models import ProviderKind
from marketplace.blueprints.accounts.views import home_for, start_session
from marketplace.core.errors import DomainError
from marketplace.core.extensions import csrf, db, limiter
from marketplace.core.forms import show_domain_error
from marketplace.core.policies import Role, public, role_required
from marketplace.core.urls import safe_next

bp = Blueprint("sso", __name__)



PENDING = "sso_pending"  # the OIDC sign-in this browser started (state, nonce, verifier)
SAML_COOKIE = "cc_saml"  # the SAML request this browser started (see saml_login)
SAML_SECONDS = 600


def _failed(message: str, status: int = 400):
    return render_template("accounts/sso_failed.html", message=message), status


def _provider(name: str):
    try:
        return sso.get_provider(name)
    except DomainError:
        abort(404)


def _saml_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="saml-request")


@bp.route("/auth/sso/<name>/login")
@public
def login(name: str):
    provider = _provider(name)
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    next_path = safe_next(request.args.get("next"))
    try:
        if provider.kind is ProviderKind.OIDC:
            url, pending = oidc.authorization(provider, _callback_url(provider))
            session[PENDING] = {**pending, "provider": provider.name, "next": next_path}
            return redirect(url)
        url, request_id = saml.authorization(provider, relay_state=provider.name)
    except oidc.ProviderUnavailable as error:
        current_app.logger.warning("SSO %s unavailable: %s", provider.name, error)
        return _failed(f"{provider.display_name} is not answering just now. Try again in a few "
                       "minutes, or log in with your e-mail and password.", 503)
    response = redirect(url)
    # Its own cookie: the IdP posts the answer back from another site, and a cross-site
    # POST carries no Lax session cookie. Signed, short-lived, for the one path.
    production = current_app.config["SESSION_COOKIE_SECURE"]
    response.set_cookie(
        SAML_COOKIE, _saml_serializer().dumps({"p": provider.name, "r": request_id,
                                               "n": next_path}),
        max_age=SAML_SECONDS, path=url_for("sso.saml_acs", name=provider.name),
        httponly=True, secure=production, samesite="None" if production else "Lax")
    return response


def _callback_url(provider) -> str:
    return current_app.config["BASE_URL"] + url_for("sso.oidc_callback", name=provider.name)


def _signed_in(provider, assertion: sso.Assertion, next_path: str | None):
    try:
        user = sso.sign_in_external(provider, assertion)
    except DomainError as error:
        db.session.commit()  # a staff link waiting for approval is kept
        return _failed(error.message, 403)
    start_session(user, method=f"sso:{provider.name}")
    db.session.commit()
    flash(f"Welcome, {user.name}.", "success")
    return redirect(next_path or home_for(user))


@bp.route("/auth/sso/<name>/callback")
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@public
def oidc_callback(name: str):
    provider = _provider(name)
    if provider.kind is not ProviderKind.OIDC:
        abort(404)
    pending = session.pop(PENDING, None)
    if not isinstance(pending, dict) or pending.get("provider") != provider.name:
        pending = None
    try:
        assertion, id_token = oidc.finish(provider, _callback_url(provider), request.url,
                                          request.args.to_dict(), pending)
    except oidc.ProviderUnavailable as error:
        current_app.logger.warning("SSO %s unavailable: %s", provider.name, error)
        return _failed(f"{provider.display_name} is not answering just now. Try again in a few "
                       "minutes.", 503)
    except oidc.AnswerRefused as error:
        current_app.logger.warning("SSO %s answer refused: %s", provider.name, error)
        return _failed(f"We could not accept the answer from {provider.display_name}. "
                       "Start again from the log-in page.")
    response = _signed_in(provider, assertion, pending.get("next"))
    if current_user.is_authenticated:
        session[LOGOUT] = {"provider": provider.name, "id_token": id_token}
    return response


@bp.route("/auth/saml/<name>/acs", methods=["POST"])
@csrf.exempt  # the IdP posts here; its signed response and our signed cookie stand in
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@public
def saml_acs(name: str):
    provider = _provider(name)
    if provider.kind is not ProviderKind.SAML:
        abort(404)
    try:
        started = _saml_serializer().loads(request.cookies.get(SAML_COOKIE, ""),
                                           max_age=SAML_SECONDS)
    except BadSignature:
        started = None
    if not isinstance(started, dict) or started.get("p") != provider.name:
        started = {}
    saml_response = request.form.get("SAMLResponse", "")
    if not saml_response or len(saml_response) > 500_000:
        return _failed("That was not a sign-in answer we can read. Start again from the "
                       "log-in page.")
    try:
        assertion = saml.finish(provider, saml_response, started.get("r"))
    except saml.AnswerRefused as error:
        current_app.logger.warning("SAML %s answer refused: %s", provider.name, error)
        db.session.rollback()
        return _failed(f"We could not accept the answer from {provider.display_name}. "
                       "Start again from the log-in page.")
    response = _signed_in(provider, assertion, started.get("n"))
    if not isinstance(response, tuple):
        response.delete_cookie(SAML_COOKIE, path=url_for("sso.saml_acs", name=provider.name))
    return response


@bp.route("/auth/saml/<name>/metadata")
@public
def saml_metadata(name: str):
    provider = _provider(name)
    if provider.kind is not ProviderKind.SAML:
        abort(404)
    return Response(saml.sp_metadata(provider), mimetype="application/samlmetadata+xml")


@bp.route("/staff/sso")
@role_required(Role.STAFF)
def manage_providers():
    return render_template("accounts/sso_providers.html", providers=sso.all_providers(),
                           pending=sso.pending_links(), form=OrganizationDecisionForm(),
                           sp_urls=saml.sp_urls)


@bp.route("/staff/sso/<name>/staff-sign-in", methods=["POST"])
@role_required(Role.STAFF)
def allow_staff(name: str):
    provider = _provider(name)
    if not OrganizationDecisionForm().validate_on_submit():
        abort(400)
    allow = request.form.get("allow") == "yes"
    sso.set_allow_staff(provider, allow, current_user)
    db.session.commit()
    flash(f"{provider.display_name}: staff and faculty {'may' if allow else 'may not'} sign in "
          "as staff.", "success")
    return redirect(url_for("sso.manage_providers"))


@bp.route("/staff/sso/links/<int:identity_id>/<action>", methods=["POST"])
@role_required(Role.STAFF)
def decide_link(identity_id: int, action: str):
    if action not in ("approve", "refuse"):
        abort(404)
    if not OrganizationDecisionForm().validate_on_submit():
        abort(400)
    try:
        identity = sso.decide_link(identity_id, action == "approve", current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash(f"Campus sign-in for {identity.user.email}: {action}d.", "success")
    return redirect(url_for("sso.manage_providers"))
