"""Every events route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import EMPLOYER, PUBLIC, STAFF, STUDENT

ROUTES = {
    # POST /api/v1/conversations/<int:conversation_id>/share
    "api.share_profile": STUDENT,
    # POST /api/v1/events
    "api.create_event": STAFF,
    # GET /api/v1/events
    "api.list_events": PUBLIC,
    # GET /api/v1/events/<int:event_id>
    "api.get_event": PUBLIC,
    # PATCH /api/v1/events/<int:event_id>
    "api.patch_event": STAFF,
    # POST /api/v1/events/<int:event_id>/checkins
    "api.check_in": STAFF,
    # POST /api/v1/events/<int:event_id>/conversations
    "api.log_conversation": EMPLOYER,
    # POST /api/v1/events/<int:event_id>/employers
    "api.register_organization": EMPLOYER,
    # POST /api/v1/events/<int:event_id>/employers/<int:organization_id>/approve
    "api.approve_organization": STAFF,
    # POST /api/v1/events/<int:event_id>/employers/<int:organization_id>/refuse
    "api.refuse_organization": STAFF,
    # POST /api/v1/events/<int:event_id>/registrations
    "api.register_for_event": STUDENT,
    # DELETE /api/v1/events/<int:event_id>/registrations/mine
    "api.cancel_my_registration": STUDENT,
    # GET /api/v1/me/code
    "api.my_code": STUDENT,
    # POST /api/v1/me/code/rotate
    "api.rotate_my_code": STUDENT,
    # GET /events
    "events.list_events": PUBLIC,
    # GET /events/<int:event_id>
    "events.show_event": PUBLIC,
    # GET /events/<int:event_id>/calendar.ics
    "events.download_calendar": PUBLIC,
    # POST /events/<int:event_id>/cancel-registration
    "events.cancel_registration": STUDENT,
    # GET /events/<int:event_id>/contacts.csv
    "events.export_contacts": EMPLOYER,
    # GET POST /events/<int:event_id>/conversations
    "events.log_conversation": EMPLOYER,
    # POST /events/<int:event_id>/employers
    "events.register_organization": EMPLOYER,
    # POST /events/<int:event_id>/register
    "events.register": STUDENT,
    # POST /events/conversations/<int:conversation_id>/share
    "events.share_profile": STUDENT,
    # GET /events/mine
    "events.my_events": STUDENT,
    # GET /me/code
    "events.my_code": STUDENT,
    # POST /me/code/rotate
    "events.rotate_code": STUDENT,
    # GET /staff/events
    "events.staff_events": STAFF,
    # GET /staff/events/<int:event_id>
    "events.manage_event": STAFF,
    # POST /staff/events/<int:event_id>/cancel
    "events.cancel_event": STAFF,
    # GET POST /staff/events/<int:event_id>/edit
    "events.edit_event": STAFF,
    # POST /staff/events/<int:event_id>/employers/<int:organization_id>/<decision>
    "events.decide_organization": STAFF,
    # GET POST /staff/events/<int:event_id>/kiosk
    "events.kiosk": STAFF,
    # GET POST /staff/events/new
    "events.new_event": STAFF,
    # POST /staff/events/pauses/<int:student_id>/lift
    "events.lift_pause": STAFF,
}
