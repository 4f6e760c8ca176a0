"""Every route is in its domain's table (``tests/<domain>/routes.py``), the table says what
the code says, and live requests get what the table promises.

A new route fails ``test_every_route_is_in_its_domains_table`` until it is marked
``@public`` or ``@role_required(...)`` and has its row. Per-object rules (another
employer's applicant, another student's booking) are tested in each domain's own
permission tests; this one holds the role layer for all routes at once.
"""

from __future__ import annotations

import importlib

import pytest
from werkzeug.routing import IntegerConverter

from marketplace.core.policies import Role
from tests.contracts.route_table import OWN_RECORD_ONLY, PUBLIC
from tests.factories import AlumniFactory, EmployerFactory, StaffFactory, StudentFactory
from tests.support import csrf_from

DOMAINS = ("core", "notifications", "accounts", "opportunities", "applications", "mentoring",
           "billing", "outcomes", "events", "credentials", "schools", "privacy", "ops", "home")
TABLES = {domain: importlib.import_module(f"tests.{domain}.routes").ROUTES
          for domain in DOMAINS}
FACTORIES = {Role.STUDENT: StudentFactory, Role.EMPLOYER: EmployerFactory,
             Role.ALUMNI: AlumniFactory, Role.STAFF: StaffFactory}
MISSING_ID = 2_000_000_000  # an id no test creates: the role check answers before the lookup


def domain_of(view) -> str:
    parts = view.__module__.split(".")
    return parts[2] if parts[1] == "blueprints" else "core"


def declared(view):
    if getattr(view, "public", False):
        return PUBLIC
    roles = getattr(view, "required_roles", None)
    return None if roles is None else frozenset(roles)


def rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def test_every_route_is_in_its_domains_table(app):
    problems = []
    for rule in rules(app):
        view = app.view_functions[rule.endpoint]
        domain, who = domain_of(view), declared(view)
        if who is None:
            problems.append(f"{rule.rule}: neither @public nor @role_required")
            continue
        row = TABLES[domain].get(rule.endpoint)
        if row is None:
            problems.append(f"{rule.endpoint} ({rule.rule}) has no row in tests/{domain}/routes.py")
        elif (PUBLIC if row == PUBLIC else frozenset(row)) != who:
            problems.append(f"{rule.endpoint}: the table says {row}, the code says {who}")
    assert problems == []


def test_no_table_row_outlives_its_route(app):
    endpoints = {rule.endpoint for rule in rules(app)}
    stale = [(domain, endpoint) for domain, table in TABLES.items() for endpoint in table
             if endpoint not in endpoints]
    assert stale == []
    assert sum(len(table) for table in TABLES.values()) == len(endpoints) >= 102


def url_for_rule(rule) -> str:
    values = {name: (MISSING_ID if isinstance(converter, IntegerConverter) else "x")
              for name, converter in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def requests(app):
    """(endpoint, method, path, table row) for every route, log-out last."""
    out = []
    for rule in rules(app):
        row = TABLES[domain_of(app.view_functions[rule.endpoint])][rule.endpoint]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url_for_rule(rule), row))
    return sorted(out, key=lambda item: item[0] == "accounts.logout")


@pytest.mark.parametrize("actor", ["anonymous", *Role], ids=str)
def test_roles_hold_on_every_route(app, client, login_as, actor):
    if actor != "anonymous":
        login_as(FACTORIES[actor]())
    token = csrf_from(client.get("/auth/password" if actor != "anonymous" else "/auth/login")
                      .get_data(as_text=True))
    wrong = []
    for endpoint, method, path, row in requests(app):
        response = client.open(path, method=method, headers={"X-CSRFToken": token})
        status = response.status_code
        api = path.startswith("/api/")
        if row == PUBLIC or (actor != "anonymous" and actor in row):
            allowed = {403} if endpoint in OWN_RECORD_ONLY else set()
            ok = status < 500 and (status not in (401, 403) or status in allowed)
        elif actor == "anonymous":
            ok = status == 401 if api else (status == 302 and "/auth/login" in
                                            response.headers.get("Location", ""))
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{method} {path} ({endpoint}, {row}): {status}")
    assert wrong == []
