"""Every notifications route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import SIGNED_IN

ROUTES = {
    # GET /notifications/
    "notifications.list_notifications": SIGNED_IN,
    # POST /notifications/<int:notification_id>/read
    "notifications.read_notification": SIGNED_IN,
    # POST /notifications/read-all
    "notifications.read_all_notifications": SIGNED_IN,
}
