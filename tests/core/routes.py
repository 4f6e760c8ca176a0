"""Every core route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import PUBLIC

ROUTES = {
    # GET /api/v1/openapi.json
    "api.openapi_document": PUBLIC,
}
