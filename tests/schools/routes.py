"""Every schools route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import EMPLOYER, PUBLIC, STAFF, STUDENT

ROUTES = {
    # GET POST /consent/<token>: the signed link is the credential (a guardian, no account)
    "schools.guardian_consent": PUBLIC,
    # POST /consent/<token>/language
    "schools.set_consent_language": PUBLIC,
    # GET POST /supervise/<token>: the signed link is the credential (a supervisor)
    "schools.supervisor_link": PUBLIC,
    # GET /students/placements
    "schools.my_placements": STUDENT,
    # GET POST /students/placements/<int:placement_id>
    "schools.my_placement": STUDENT,
    # GET /employers/placements
    "schools.host_placements": EMPLOYER,
    # GET POST /employers/placements/<int:placement_id>/supervisor
    "schools.edit_supervisor": EMPLOYER,
    # POST /employers/placements/<int:placement_id>/evaluation-link/<kind>
    "schools.send_evaluation_link": EMPLOYER,
    # GET /staff/consents
    "schools.list_consents": STAFF,
    # POST /staff/consents/<int:consent_id>/resend
    "schools.resend_consent": STAFF,
    # GET /staff/reports/perkins-5s3
    "schools.perkins_report": STAFF,
    # GET /staff/reports/perkins-5s3.csv
    "schools.perkins_report_csv": STAFF,
    # GET /api/v1/reports/perkins-5s3
    "api.perkins_5s3_api": STAFF,
}
