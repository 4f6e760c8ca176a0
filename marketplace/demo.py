"""A believable small campus for demos and manual testing (``seed-demo``): each domain
seeds its own part, lowest domain first. Idempotent: rerunning adds nothing twice."""

from __future__ import annotations

import random

import sqlalchemy as sa

from marketplace.blueprints.accounts import demo as accounts_demo
from marketplace.blueprints.accounts.demo import DEMO_PASSWORD, demo_logins
from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.services import hash_password
from marketplace.blueprints.applications.demo import seed_applications
from marketplace.blueprints.credentials.demo import seed_issuer_key
from marketplace.blueprints.events.demo import seed_events
from marketplace.blueprints.mentoring.demo import seed_mentoring
from marketplace.blueprints.opportunities.demo import seed_postings
from marketplace.blueprints.outcomes.demo import seed_outcomes, seed_work_evidence
from marketplace.blueprints.schools.demo import seed_district
from marketplace.core.extensions import db

__all__ = ["DEMO_PASSWORD", "demo_logins", "seed_demo"]


def seed_demo(only_if_empty: bool = False, district: bool = False) -> bool:
    """Add the demo campus. Flushes; safe to rerun (adds only what is missing). With
    ``district``, a school district: two high schools, minors, a job shadow waiting for
    a guardian's consent.

    Returns True when anything was added.
    """
    if only_if_empty and db.session.scalar(sa.select(sa.func.count(User.id))):
        return False
    rng = random.Random(2026)
    password_hash = hash_password(DEMO_PASSWORD)  # one hash: all demo users share the password
    added = accounts_demo.seed_people(rng, password_hash)
    added = seed_postings(rng) or added
    added = seed_applications(rng) or added
    added = seed_mentoring(rng) or added
    added = seed_work_evidence() or added
    added = seed_outcomes(rng, password_hash) or added
    added = seed_issuer_key() or added
    added = seed_events(rng) or added
    if district:
        added = seed_district(password_hash, accounts_demo.MAIN_EMPLOYER[0]) or added
    return added
