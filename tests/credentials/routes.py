"""Every credentials route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import ALUMNI, PUBLIC, STAFF, STUDENT

HOLDERS = STUDENT + ALUMNI

ROUTES = {
    # GET /.well-known/jwks.json
    "credentials.jwks": PUBLIC,
    # GET /issuer
    "credentials.issuer": PUBLIC,
    # GET /achievements/<outcome>
    "credentials.achievement": PUBLIC,
    # GET /credentials/status/revocation
    "credentials.status_list": PUBLIC,
    # GET /me/credentials
    "credentials.my_credentials": HOLDERS,
    # POST /me/credentials
    "credentials.claim_credential": HOLDERS,
    # POST /me/credentials/<int:credential_id>/sharing
    "credentials.set_sharing": HOLDERS,
    # GET /me/credentials/<int:credential_id>/download
    "credentials.download_credential": HOLDERS,
    # GET /me/record/<kind>
    "credentials.download_record": HOLDERS,
    # POST /me/record/shares
    "credentials.share_record": HOLDERS,
    # POST /me/record/shares/<int:share_id>/stop
    "credentials.stop_sharing_record": HOLDERS,
    # GET POST /credentials/<public_id>: only while its student shares it
    "credentials.shared_credential": PUBLIC,
    # GET /credentials/<public_id>/jwt
    "credentials.shared_credential_jwt": PUBLIC,
    # GET /records/<token>: the token is the credential
    "credentials.shared_record": PUBLIC,
    # GET /records/<token>/<kind>
    "credentials.shared_record_download": PUBLIC,
    # GET POST /verify
    "credentials.verify_page": PUBLIC,
    # GET /staff/credentials
    "credentials.staff_credentials": STAFF,
    # POST /staff/credentials/<int:credential_id>/revoke
    "credentials.revoke_credential": STAFF,
    # POST /api/v1/credentials
    "api.claim_credential_api": HOLDERS,
    # GET /api/v1/credentials/<int:credential_id>
    "api.credential_api": HOLDERS + STAFF,
    # POST /api/v1/credentials/<int:credential_id>/revoke
    "api.revoke_credential_api": STAFF,
    # POST /api/v1/credentials/verify
    "api.verify_credential_api": PUBLIC,
}
