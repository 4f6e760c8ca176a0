"""Every applications route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import EMPLOYER, SIGNED_IN, STAFF, STUDENT

ROUTES = {
    # GET /api/v1/applications/<id>
    "api.get_application": SIGNED_IN,
    # GET /api/v1/placements
    "api.list_placements": SIGNED_IN,

    # GET /api/v1/applications
    "api.list_applications": SIGNED_IN,
    # POST /api/v1/applications/<int:application_id>/status
    "api.set_application_status": SIGNED_IN,
    # POST /api/v1/opportunities/<int:opportunity_id>/applications
    "api.create_application": STUDENT,
    # GET /employers/applications/<int:application_id>
    "applications.show_applicant": EMPLOYER + STAFF,
    # POST /employers/applications/<int:application_id>/move
    "applications.move_applicant": EMPLOYER,
    # GET /employers/applications/<int:application_id>/resume
    "applications.download_resume": EMPLOYER + STAFF,
    # GET /employers/opportunities/<int:opportunity_id>/applicants
    "applications.list_applicants": EMPLOYER,
    # GET /employers/opportunities/<int:opportunity_id>/applicants.csv
    "applications.export_applicants": EMPLOYER,
    # POST /employers/opportunities/<int:opportunity_id>/applicants/decline
    "applications.decline_applicants": EMPLOYER,
    # POST /employers/placements/<int:placement_id>/complete
    "applications.complete_placement_view": EMPLOYER + STAFF,
    # POST /opportunities/<int:opportunity_id>/apply
    "applications.apply_to_opportunity": STUDENT,
    # GET /staff/access-log
    "applications.access_log": STAFF,
    # GET /staff/applications
    "applications.list_applications": STAFF,
    # GET /students/applications
    "applications.list_own_applications": STUDENT,
    # GET /students/applications/<int:application_id>
    "applications.show_own_application": STUDENT,
    # POST /students/applications/<int:application_id>/<action>
    "applications.act_on_application": STUDENT,
    # POST /students/placements/<int:placement_id>/reflection
    "applications.save_placement_reflection": STUDENT,
}
