"""The words of the route tables: each domain's ``tests/<domain>/routes.py`` lists every
route of that domain as PUBLIC or with the roles that may use it. The contract test
(``test_route_table.py``) checks each table against the app and against live requests."""

from __future__ import annotations

from marketplace.core.policies import Role

PUBLIC = "public"
STUDENT = (Role.STUDENT,)
EMPLOYER = (Role.EMPLOYER,)
ALUMNI = (Role.ALUMNI,)
STAFF = (Role.STAFF,)
SIGNED_IN = tuple(Role)

# Routes that answer 403, not 404, to a user of the right role asking for someone else's
# record (the live check asks for an id that is nobody's).
OWN_RECORD_ONLY = {"api.student_evidence", "api.student_progress"}
