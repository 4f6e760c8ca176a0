"""Which schools a posting is open to (issue 19). In a district an employer opens a posting
to every school (no ``OpportunitySchool`` rows, the default) or to some; in a college, which
has no schools, every posting is open to all.

A student sees a posting open to every school, or to theirs; a student without a school,
and anyone not signed in, only those open to every school. The schools are the schools
domain's, above this one: their ids and names come through ``accounts.hooks.school_choices``.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from marketplace.blueprints.accounts.hooks import school_choices
from marketplace.blueprints.opportunities.models import Opportunity, OpportunitySchool
from marketplace.core.errors import ValidationFailed
from marketplace.core.policies import Role


def open_to_school(school_id: int | None,
                   opportunity_id: sa.ColumnElement = Opportunity.id) -> sa.ColumnElement[bool]:
    """A WHERE clause keeping the postings open to every school and, with ``school_id``,
    those open to that school too (``school_id`` None: open to every school only).
    ``opportunity_id``: the posting's id column, when the postings are an alias.

    Written as "not one of the postings kept for other schools", an uncorrelated set the
    database makes once per query and checks each posting against as an index walk reaches
    it (like the unverified organizations in browse): no join, no sort, and in a college
    an empty set.
    """
    closed = sa.select(OpportunitySchool.opportunity_id)
    if school_id is not None:
        closed = closed.where(OpportunitySchool.opportunity_id.not_in(
            sa.select(OpportunitySchool.opportunity_id).where(
                OpportunitySchool.school_id == school_id)))
    return opportunity_id.not_in(closed)


def is_open_to(opportunity: Opportunity, school_id: int | None) -> bool:
    """``open_to_school`` for one posting (loads its schools)."""
    schools = opportunity.school_ids
    return not schools or school_id in schools


def student_school_id(user) -> int | None:
    """A signed-in student's school; None for a student without one, and for anyone else
    (their rules are their own: staff and the posting's employers manage it)."""
    if not (getattr(user, "is_authenticated", False) and user.role is Role.STUDENT):
        return None
    profile = user.student_profile
    return profile.school_id if profile is not None else None


def school_names() -> dict[int, str]:
    """The district's schools by id; empty in a college."""
    return dict(pair for answer in school_choices.results() for pair in answer)


def checked_school_ids(ids: Iterable[int]) -> list[int]:
    """``ids`` as a posting's schools (sorted, each once), or ValidationFailed on
    ``schools`` naming any id that is not a school of the district."""
    ids = sorted(set(ids))
    if not ids:
        return ids
    known = school_names()
    unknown = [str(school_id) for school_id in ids if school_id not in known]
    if unknown:
        raise ValidationFailed(
            "Choose the schools from the district's list.",
            {"schools": ("No such school: " if len(unknown) == 1 else "No such schools: ")
             + ", ".join(unknown[:10]) + "."})
    return ids
