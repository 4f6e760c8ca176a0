"""Schemathesis, an outside client, against the running app with each role's token.

Every check (``--checks all``), on the demo campus (so ids in paths find real rows),
must report no failure of any kind. Runs in the services round (PostgreSQL, Redis).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.blueprints.accounts.services import find_user_by_email, issue_api_token
from marketplace.core.extensions import db
from marketplace.demo import seed_demo
from tests.support import (
    TEST_DATABASE_URL,
    TEST_REDIS_URL,
    app_config,
    fresh_database,
    live_server,
)

CONFIG = Path(__file__).with_name("schemathesis.toml")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
ROLES = ("staff", "student", "employer", "alum")
# Ids the demo campus holds, offered to Schemathesis for the path parameters.
ID_TABLES = {"opportunity_id": "opportunity", "application_id": "application",
             "placement_id": "placement", "slot_id": "mentoring_slot",
             "booking_id": "booking", "student_id": "user_account", "token_id": "api_token",
             "event_id": "event", "organization_id": "organization",
             "conversation_id": "event_conversation"}

pytestmark = [
    pytest.mark.no_db, pytest.mark.slow,
    pytest.mark.skipif(not (TEST_DATABASE_URL and TEST_REDIS_URL),
                       reason="needs PostgreSQL and Redis (make test-services)"),
]


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def served():
    app = create_app(app_config(fresh_database("schemathesis"), PAGE_CACHE_SIZE=0,
                                LOGIN_RATE_LIMIT="100000 per minute",
                                ACCOUNT_RATE_LIMIT="100000 per minute"))
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        users = {role: find_user_by_email(f"{role}@demo.edu") for role in ROLES}
        # Tokens Schemathesis may revoke (DELETE /tokens/{id}): never the ones it uses.
        for user in users.values():
            issue_api_token(user, "to be revoked", days=1)
        db.session.flush()
        ids = {name: db.session.execute(sa.text(f"SELECT id FROM {table} ORDER BY id LIMIT 4")
                                        ).scalars().all()
               for name, table in ID_TABLES.items()}
        tokens = {role: issue_api_token(user, "schemathesis", days=1)
                  for role, user in users.items()}
        db.session.commit()
    with live_server(app) as base_url:
        yield base_url, tokens, ids
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_nothing(served, role, tmp_path):
    base_url, tokens, ids = served
    config = tmp_path / "schemathesis.toml"
    dictionary = "\n".join(f'{name} = {{ values = {values or [1]} }}'
                           for name, values in ids.items())
    parameters = "\n".join(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.7 }}'
                           for name in ids)
    config.write_text(CONFIG.read_text() + f"\n[dictionaries]\n{dictionary}\n\n"
                      f"[parameters]\n{parameters}\n")
    command = [str(SCHEMATHESIS), "--config-file", str(config), "run",
               f"{base_url}/api/v1/openapi.json", "--url", f"{base_url}/api/v1",
               "--checks", "all", "--header", f"Authorization: Bearer {tokens[role]}",
               "--max-examples", os.environ.get("SCHEMATHESIS_EXAMPLES", "25"),
               "--seed", "2026", "--generation-database", "none", "--workers", "1",
               "--no-color",
               "--request-timeout", "20"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    report = result.stdout[-20000:] + result.stderr[-4000:]
    # Kept for reading afterwards: the summary says how many operations and cases ran.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"schemathesis-{role}.txt").write_text(result.stdout + result.stderr)
    assert result.returncode == 0, report
