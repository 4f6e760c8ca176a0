"""Routes of outcomes from real work: career plans, document reviews, rules, the spectrum."""

from tests.contracts.route_table import STAFF, STUDENT

ROUTES = {
    # GET POST /me/career-plan
    "outcomes.edit_career_plan": STUDENT,
    # GET POST /me/documents
    "outcomes.my_documents": STUDENT,
    # GET /me/documents/<int:document_id>/file
    "outcomes.download_own_document": STUDENT,
    # GET /staff/outcomes/reviews
    "outcomes.review_queue": STAFF,
    # GET POST /staff/outcomes/plans/<int:plan_id>
    "outcomes.review_career_plan": STAFF,
    # GET POST /staff/outcomes/documents/<int:document_id>
    "outcomes.review_document": STAFF,
    # GET /staff/outcomes/documents/<int:document_id>/file
    "outcomes.download_document": STAFF,
    # GET /staff/outcomes/rules
    "outcomes.evidence_rules": STAFF,
    # POST /staff/outcomes/rules/<key>
    "outcomes.change_evidence_rule": STAFF,
    # GET /staff/outcomes/spectrum
    "outcomes.spectrum_by_class": STAFF,
    # POST /api/v1/career-plans
    "api.submit_career_plan": STUDENT,
    # POST /api/v1/career-plans/<int:plan_id>/approve
    "api.approve_career_plan": STAFF,
    # POST /api/v1/documents
    "api.submit_document_api": STUDENT,
    # POST /api/v1/documents/<int:document_id>/review
    "api.review_document_api": STAFF,
    # GET /api/v1/students/<int:student_id>/progress
    # A student sees only their own (403 for another's id): OWN_RECORD_ONLY.
    "api.student_progress": STUDENT + STAFF,
}
