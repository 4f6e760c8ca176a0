"""Every mentoring route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import ALUMNI, PUBLIC, SIGNED_IN, STAFF, STUDENT

ROUTES = {
    # GET /api/v1/bookings
    "api.list_bookings": SIGNED_IN,

    # POST /api/v1/bookings/<int:booking_id>/cancel
    "api.cancel_booking": SIGNED_IN,
    # POST /api/v1/bookings/<int:booking_id>/complete
    "api.complete_booking": SIGNED_IN,
    # POST /api/v1/bookings/<int:booking_id>/no-show
    "api.no_show_booking": SIGNED_IN,
    # POST /api/v1/mentoring/slots
    "api.create_slot": ALUMNI,
    # GET /api/v1/mentoring/slots
    "api.list_slots": PUBLIC,
    # POST /api/v1/mentoring/slots/<int:slot_id>/bookings
    "api.create_booking": STUDENT,
    # GET /mentoring
    "mentoring.browse": PUBLIC,
    # GET /mentoring/bookings
    "mentoring.my_bookings": STUDENT,
    # POST /mentoring/bookings/<int:booking_id>/cancel
    "mentoring.cancel_booking": STUDENT,
    # POST /mentoring/bookings/<int:booking_id>/complete
    "mentoring.complete_booking": ALUMNI,
    # GET /mentoring/bookings/<int:booking_id>/invite.ics
    "mentoring.download_invitation": SIGNED_IN,
    # POST /mentoring/bookings/<int:booking_id>/no-show
    "mentoring.no_show_booking": ALUMNI,
    # POST /mentoring/bookings/<int:booking_id>/reflection
    "mentoring.save_reflection": STUDENT,
    # GET /mentoring/mentors/<int:mentor_id>
    "mentoring.show_mentor": PUBLIC,
    # GET /mentoring/mine
    "mentoring.my_slots": ALUMNI,
    # GET /mentoring/slots/<int:slot_id>
    "mentoring.show_slot": PUBLIC,
    # POST /mentoring/slots/<int:slot_id>/book
    "mentoring.book_slot": STUDENT,
    # POST /mentoring/slots/<int:slot_id>/cancel
    "mentoring.cancel_slot": ALUMNI + STAFF,
    # GET POST /mentoring/slots/new
    "mentoring.new_slot": ALUMNI,
    # GET /staff/mentoring
    "mentoring.mentoring_overview": STAFF,
}
