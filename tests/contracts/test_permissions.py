"""Who may open which page: (path, role) -> status. Deny by default."""

from __future__ import annotations

import pytest

from tests.factories import AlumniFactory, EmployerFactory, StaffFactory, StudentFactory

FACTORIES = {"student": StudentFactory, "employer": EmployerFactory, "alumni": AlumniFactory,
             "staff": StaffFactory}

OK, LOGIN, FORBIDDEN, UNAUTHORIZED = 200, 302, 403, 401

TABLE = {
    #  path                     anonymous     student    employer   alumni     staff
    "/":                       (OK,          OK,        OK,        OK,        OK),
    "/students/":              (LOGIN,       OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/students/profile":       (LOGIN,       OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/employers/":             (LOGIN,       FORBIDDEN, OK,        FORBIDDEN, FORBIDDEN),
    "/employers/organization": (LOGIN,       FORBIDDEN, OK,        FORBIDDEN, FORBIDDEN),
    "/alumni/":                (LOGIN,       FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "/alumni/profile":         (LOGIN,       FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "/staff/":                 (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/users":            (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/jobs":             (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/emails":           (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/notifications/":         (LOGIN,       OK,        OK,        OK,        OK),
    "/auth/password":          (LOGIN,       OK,        OK,        OK,        OK),
    "/api/v1/me":              (UNAUTHORIZED, OK,       OK,        OK,        OK),
    "/opportunities":          (OK,          OK,        OK,        OK,        OK),
    "/opportunities/saved":    (LOGIN,       OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/employers/opportunities": (LOGIN,      FORBIDDEN, OK,        FORBIDDEN, FORBIDDEN),
    "/employers/opportunities/new": (LOGIN,  FORBIDDEN, OK,        FORBIDDEN, FORBIDDEN),
    "/staff/review":           (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/organizations":    (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/api/v1/opportunities":   (OK,          OK,        OK,        OK,        OK),
    "/students/applications":  (LOGIN,       OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/me/outcomes":            (LOGIN,       OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/api/v1/applications":    (UNAUTHORIZED, OK,       OK,        OK,        OK),
    "/mentoring":              (OK,          OK,        OK,        OK,        OK),
    "/mentoring/bookings":     (LOGIN,       OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/mentoring/mine":         (LOGIN,       FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "/mentoring/slots/new":    (LOGIN,       FORBIDDEN, FORBIDDEN, OK,        FORBIDDEN),
    "/staff/mentoring":        (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/api/v1/mentoring/slots": (OK,          OK,        OK,        OK,        OK),
    "/events":                 (OK,          OK,        OK,        OK,        OK),
    "/events/mine":            (LOGIN,       OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/me/code":                (LOGIN,       OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/staff/events":           (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/events/new":       (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/api/v1/events":          (OK,          OK,        OK,        OK,        OK),
    "/api/v1/me/code":         (UNAUTHORIZED, OK,       FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/staff/outcomes":         (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/outcomes/record":  (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/outcomes/import":  (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/outcomes/students?outcome=connections":
                               (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/api/v1/outcomes/summary": (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/employers/billing":      (LOGIN,       FORBIDDEN, OK,        FORBIDDEN, FORBIDDEN),
    "/staff/billing":          (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/students/placements":    (LOGIN,       OK,        FORBIDDEN, FORBIDDEN, FORBIDDEN),
    "/employers/placements":   (LOGIN,       FORBIDDEN, OK,        FORBIDDEN, FORBIDDEN),
    "/staff/consents":         (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/reports/perkins-5s3": (LOGIN,    FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/api/v1/reports/perkins-5s3?graduation_year=2027":
                               (UNAUTHORIZED, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    "/staff/payments":         (LOGIN,       FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
}
ROLES = ("anonymous", "student", "employer", "alumni", "staff")


@pytest.mark.parametrize("path, role, expected", [
    (path, role, statuses[index]) for path, statuses in TABLE.items()
    for index, role in enumerate(ROLES)
])
def test_permission_table(client, login_as, path, role, expected):
    if role != "anonymous":
        login_as(FACTORIES[role]())
    assert client.get(path).status_code == expected


def test_only_staff_create_accounts(login_as):
    client = login_as(StudentFactory())
    page_token = client.csrf_token()
    response = client.post("/staff/users", data={
        "csrf_token": page_token, "name": "Mallory", "email": "mallory@school.edu",
        "role": "staff", "password": "i want to be staff"})
    assert response.status_code == 403


def test_staff_create_a_staff_account(login_as):
    client = login_as(StaffFactory())
    response = client.submit("/staff/users", {
        "name": "New Staff", "email": "new.staff@school.edu", "role": "staff",
        "password": "temporary passphrase"})
    assert response.status_code == 302
    assert "new.staff@school.edu" in client.get("/staff/users").get_data(as_text=True)
