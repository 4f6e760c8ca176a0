"""Every ops route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import PUBLIC, STAFF

ROUTES = {
    # GET /healthz
    "ops.healthz": PUBLIC,
    # GET /metrics (no role opens it: METRICS_TOKEN, or loopback when it is unset)
    "ops.serve_metrics": PUBLIC,
    # GET /ping
    "ops.ping": PUBLIC,
    # GET /staff/emails
    "ops.email_log": STAFF,
    # GET /staff/jobs
    "ops.job_console": STAFF,
    # POST /staff/jobs/retry
    "ops.retry_job": STAFF,
    # GET /staff/people
    "ops.search_people": STAFF,
    # GET /staff/people/<int:user_id>
    "ops.show_person": STAFF,
}
