"""Every accounts route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import ALUMNI, EMPLOYER, PUBLIC, SIGNED_IN, STAFF, STUDENT

ROUTES = {
    # PATCH /api/v1/me
    "api.patch_me": SIGNED_IN,
    # GET /api/v1/organizations
    "api.list_organizations_api": STAFF,
    # POST /api/v1/organizations/<id>/verify
    "api.verify_organization_api": STAFF,
    # POST /api/v1/organizations/<id>/suspend
    "api.suspend_organization_api": STAFF,

    # GET POST /me/tokens
    "accounts.manage_tokens": SIGNED_IN,
    # POST /me/tokens/<int:token_id>/revoke
    "accounts.revoke_token": SIGNED_IN,
    # GET /api/v1/tokens
    "api.list_tokens": SIGNED_IN,
    # DELETE /api/v1/tokens/<int:token_id>
    "api.revoke_token": SIGNED_IN,
    # GET POST /alumni/profile
    "accounts.edit_alumni_profile": ALUMNI,
    # GET /api/v1/me
    "api.get_me": SIGNED_IN,
    # POST /api/v1/tokens
    "api.create_token": SIGNED_IN,
    # GET POST /auth/login
    "accounts.login": PUBLIC,
    # POST /auth/logout
    "accounts.logout": SIGNED_IN,
    # GET POST /auth/password
    "accounts.change_password": SIGNED_IN,
    # GET /auth/register
    "accounts.register": PUBLIC,
    # GET POST /auth/register/<role>
    "accounts.register_role": PUBLIC,
    # GET POST /employers/organization
    "accounts.edit_organization": EMPLOYER,
    # GET /staff/organizations
    "accounts.list_organizations": STAFF,
    # POST /staff/organizations/<int:organization_id>/<action>
    "accounts.decide_organization": STAFF,
    # GET POST /staff/users
    "accounts.manage_users": STAFF,
    # GET POST /students/profile
    "accounts.edit_student_profile": STUDENT,
    # GET /api/v1/me/sessions
    "api.list_sessions": SIGNED_IN,
    # DELETE /api/v1/me/sessions/<int:session_id>
    "api.end_session_api": SIGNED_IN,
    # GET /me/personal-email/<token>
    "accounts.confirm_personal_email": PUBLIC,
    # GET /auth/register/sent
    "accounts.check_email": PUBLIC,
    # GET /auth/verify/<token>
    "accounts.verify_email": PUBLIC,
    # POST /auth/verify
    "accounts.resend_verification": SIGNED_IN,
    # GET POST /auth/reset
    "accounts.ask_reset": PUBLIC,
    # GET POST /auth/reset/<token>
    "accounts.reset_password": PUBLIC,
    # GET /me/sessions
    "accounts.manage_sessions": SIGNED_IN,
    # POST /me/sessions/<int:session_id>/end
    "accounts.end_session": SIGNED_IN,
    # POST /me/sessions/end-others
    "accounts.end_other_sessions": SIGNED_IN,
    # GET /auth/sso/<name>/login
    "sso.login": PUBLIC,
    # GET /auth/sso/<name>/callback
    "sso.oidc_callback": PUBLIC,
    # POST /auth/saml/<name>/acs
    "sso.saml_acs": PUBLIC,
    # GET /auth/saml/<name>/metadata
    "sso.saml_metadata": PUBLIC,
    # GET POST /staff/graduation
    "accounts.graduation": STAFF,
    # GET /staff/sso
    "sso.manage_providers": STAFF,
    # POST /staff/sso/<name>/staff-sign-in
    "sso.allow_staff": STAFF,
    # POST /staff/sso/links/<int:identity_id>/<action>
    "sso.decide_link": STAFF,
}
