"""Every outcomes route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import PUBLIC, SIGNED_IN, STAFF, STUDENT

ROUTES = {
    # POST /api/v1/students/<id>/evidence
    "api.record_student_evidence": STAFF,
    # POST /api/v1/outcomes/imports
    "api.import_outcomes_api": STAFF,

    # GET /api/v1/outcomes/summary
    "api.outcomes_summary": STAFF,
    # POST /api/v1/placements/<int:placement_id>/complete
    "api.complete_placement_api": SIGNED_IN,
    # GET /api/v1/students/<int:student_id>/evidence
    # A student sees only their own (403 for another's id): OWN_RECORD_ONLY.
    "api.student_evidence": STUDENT + STAFF,
    # GET /me/outcomes
    "outcomes.my_outcomes": STUDENT,
    # GET /staff/outcomes
    "outcomes.outcomes_dashboard": STAFF,
    # POST /staff/outcomes/exports
    "outcomes.start_outcomes_export": STAFF,
    # GET /staff/outcomes/exports/<int:export_id>
    "outcomes.show_export": STAFF,
    # GET /staff/outcomes/exports/<int:export_id>/download
    "outcomes.download_export": STAFF,
    # GET /staff/outcomes/exports/<int:export_id>/status
    "outcomes.export_status": STAFF,
    # GET POST /staff/outcomes/import
    "outcomes.import_outcomes_csv": STAFF,
    # GET POST /staff/outcomes/record
    "outcomes.record_outcome_evidence": STAFF,
    # GET /staff/outcomes/students
    "outcomes.outcome_students": STAFF,
    # Outreach campaigns (outcomes.campaigns)
    # GET /staff/outcomes/campaigns
    "campaigns.list_campaigns": STAFF,
    # GET POST /staff/outcomes/campaigns/new
    "campaigns.new_campaign": STAFF,
    # GET /staff/outcomes/campaigns/<int:campaign_id>
    "campaigns.show_campaign": STAFF,
    # GET POST /campaigns/unsubscribe/<token>: the signed token is the credential
    "campaigns.unsubscribe": PUBLIC,
    # POST /api/v1/campaigns
    "api.create_campaign_api": STAFF,
    # GET /api/v1/campaigns/<int:campaign_id>
    "api.campaign_api": STAFF,
}

# Outcomes from real work (tests/outcomes/routes_real_work.py).
from tests.outcomes.routes_real_work import ROUTES as _REAL_WORK  # noqa: E402

ROUTES.update(_REAL_WORK)

# The dashboard's annual report and the import preview (tests/outcomes/test_reports_and_imports.py).
ROUTES.update({
    # GET /staff/outcomes/report
    "outcomes.annual_report": STAFF,
    # POST /staff/outcomes/report/pdf
    "outcomes.start_report_pdf": STAFF,
    # GET /staff/outcomes/import/template/<kind>.csv
    "outcomes.download_import_template": STAFF,
    # POST /staff/outcomes/import/confirm
    "outcomes.confirm_outcomes_import": STAFF,
})
