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
}
