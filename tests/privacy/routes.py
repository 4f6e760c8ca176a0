"""Every privacy route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import ALUMNI, SIGNED_IN, STAFF, STUDENT

ROUTES = {
    # GET /api/v1/me/export
    "api.export_my_data": SIGNED_IN,
    # GET /me/data
    "privacy.my_data": SIGNED_IN,
    # GET /me/data/export
    "privacy.download_my_data": SIGNED_IN,
    # GET /me/data/resumes/<int:application_id> (their own only; anyone else's is a 404)
    "privacy.download_my_resume": STUDENT + ALUMNI,
    # POST /me/data/deletion-request
    "privacy.request_my_deletion": SIGNED_IN,
    # POST /me/data/deletion-request/<int:request_id>/withdraw
    "privacy.withdraw_my_deletion": SIGNED_IN,
    # GET /staff/deletion-requests
    "privacy.deletion_queue_page": STAFF,
    # POST /staff/deletion-requests/<int:request_id>/carry-out
    "privacy.carry_out_request": STAFF,
    # POST /staff/deletion-requests/<int:request_id>/decline
    "privacy.decline_request": STAFF,
}
