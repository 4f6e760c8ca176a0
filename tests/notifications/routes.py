"""Every notifications route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import SIGNED_IN

ROUTES = {
    # GET /api/v1/notifications
    "api.list_notifications_api": SIGNED_IN,
    # POST /api/v1/notifications/<id>/read
    "api.read_notification_api": SIGNED_IN,

    # GET /notifications/
    "notifications.list_notifications": SIGNED_IN,
    # POST /notifications/<int:notification_id>/read
    "notifications.read_notification": SIGNED_IN,
    # POST /notifications/read-all
    "notifications.read_all_notifications": SIGNED_IN,
}
