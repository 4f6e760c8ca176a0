"""Every opportunities route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import EMPLOYER, PUBLIC, STAFF, STUDENT

ROUTES = {
    # POST /api/v1/opportunities
    "api.create_opportunity": EMPLOYER,
    # GET /api/v1/opportunities
    "api.list_opportunities": PUBLIC,
    # GET /api/v1/opportunities/<int:opportunity_id>
    "api.get_opportunity": PUBLIC,
    # PATCH /api/v1/opportunities/<int:opportunity_id>
    "api.update_opportunity": EMPLOYER + STAFF,
    # POST /api/v1/opportunities/<int:opportunity_id>/approve
    "api.approve_opportunity": STAFF,
    # POST /api/v1/opportunities/<int:opportunity_id>/close
    "api.close_opportunity": EMPLOYER + STAFF,
    # POST /api/v1/opportunities/<int:opportunity_id>/reject
    "api.reject_opportunity": STAFF,
    # POST /api/v1/opportunities/<int:opportunity_id>/save
    "api.save_opportunity": STUDENT,
    # POST /api/v1/opportunities/<int:opportunity_id>/submit
    "api.submit_opportunity": EMPLOYER + STAFF,
    # GET /employers/opportunities
    "opportunities.list_own_opportunities": EMPLOYER,
    # POST /employers/opportunities/<int:opportunity_id>/<action>
    "opportunities.act_on_opportunity": EMPLOYER,
    # GET POST /employers/opportunities/<int:opportunity_id>/edit
    "opportunities.edit_opportunity": EMPLOYER,
    # GET POST /employers/opportunities/new
    "opportunities.create_opportunity": EMPLOYER,
    # GET /opportunities
    "opportunities.list_opportunities": PUBLIC,
    # GET /opportunities/<int:opportunity_id>
    "opportunities.show_opportunity": PUBLIC,
    # POST /opportunities/<int:opportunity_id>/save
    "opportunities.save_opportunity": STUDENT,
    # GET /opportunities/saved
    "opportunities.list_saved": STUDENT,
    # GET /staff/review
    "opportunities.review_queue": STAFF,
    # POST /staff/review/<int:opportunity_id>/<decision>
    "opportunities.decide_opportunity": STAFF,
    # POST /staff/review/bulk-approve
    "opportunities.bulk_approve": STAFF,
}
