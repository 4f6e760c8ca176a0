"""Every home route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import ALUMNI, EMPLOYER, PUBLIC, STAFF, STUDENT

ROUTES = {
    # GET /
    "home.home": PUBLIC,
    # GET /alumni/
    "home.alumni_dashboard": ALUMNI,
    # GET /employers/
    "home.employer_dashboard": EMPLOYER,
    # GET /staff/
    "home.staff_dashboard": STAFF,
    # GET /students/
    "home.student_dashboard": STUDENT,
    # GET /api/v1/me/recommendations (students; other roles get 403)
    "api.my_recommendations": STUDENT,
}
