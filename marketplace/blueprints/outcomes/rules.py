"""Evidence rules staff can read and change: what counts as evidence of each outcome.

Each rule has a key, words that say what it counts (filled in with its parameters) and
numbered versions in ``outcome_rule``. Version 1 holds the defaults below and is written
the first time a job records evidence by it; a change writes the next version. Every
evidence row a rule records names the version (``OutcomeEvidence.rule_version_id``), and
changing a rule never touches rows already recorded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.outcomes.models import OutcomeRule, SourceKind
from marketplace.core.audit import audit
from marketplace.core.errors import Conflict, NotFound, ValidationFailed
from marketplace.core.extensions import db, insert_or_ignore


@dataclass(frozen=True)
class Parameter:
    """One number staff may change, with the range that keeps the rule meaningful."""

    name: str
    label: str
    default: int
    minimum: int
    maximum: int
    hint: str = ""


@dataclass(frozen=True)
class RuleDefinition:
    key: str
    title: str
    outcome: str | None  # None: the spectrum, which records no evidence
    source_kind: SourceKind | None
    text: str  # what the rule counts, with {parameter} placeholders
    parameters: tuple[Parameter, ...] = field(default_factory=tuple)

    def describe(self, params: dict) -> str:
        return self.text.format(**params)

    def defaults(self) -> dict:
        return {p.name: p.default for p in self.parameters}


SPECTRUM = "spectrum"


RULES: dict[str, RuleDefinition] = {rule.key: rule for rule in (
    RuleDefinition(
        "career_design.career_plan", "Career Design from a career plan", "career_design",
        SourceKind.CAREER_PLAN,
        "A career plan (goals, a target cluster and roles, three next steps with dates) "
        "that a career staff member signs off."),
    RuleDefinition(
        "experiential_learning.placement", "Experiential Learning from a placement",
        "experiential_learning", SourceKind.PLACEMENT,
        "A placement the host employer confirms completed."),
    RuleDefinition(
        "skills_competencies.evaluation", "Skills & Competencies from the host's evaluation",
        "skills_competencies", SourceKind.EVALUATION,
        "The host's evaluation at completion rates at least {min_competencies} of the 8 "
        "NACE competencies {min_rating} or higher (on 1 to 4).",
        (Parameter("min_competencies", "Competencies needed", 3, 1, 8,
                   "How many of the eight NACE competencies must reach the rating."),
         Parameter("min_rating", "Rating needed (1 to 4)", 3, 1, 4,
                   "The lowest rating that counts."))),
    RuleDefinition(
        "connections.placement", "Connections from a placement", "connections",
        SourceKind.PLACEMENT,
        "A completed placement: the student worked alongside a host."),
    RuleDefinition(
        "connections.mentoring", "Connections from a mentoring session", "connections",
        SourceKind.MENTORING,
        "A mentoring session the alum confirms was held."),
    RuleDefinition(
        "connections.event", "Connections from a conversation at a career fair",
        "connections", SourceKind.EVENT,
        "A conversation an employer's representative logged with the student at a career "
        "fair or event (attending alone counts for nothing)."),
    RuleDefinition(
        "articulation.document_review", "Articulation from the document review queue",
        "articulation", SourceKind.DOCUMENT_REVIEW,
        "A resume or cover letter (PDF) that career staff approve in the review queue."),
    RuleDefinition(
        "job_search.job_search", "Job Search from a search campaign", "job_search",
        SourceKind.JOB_SEARCH,
        "At least {min_applications} applications, {min_interviewing} or more of which "
        "reached interviewing (or an offer). Recorded once per student.",
        (Parameter("min_applications", "Applications needed", 5, 1, 50),
         Parameter("min_interviewing", "Of them, reaching interviewing", 1, 0, 50))),
    RuleDefinition(
        SPECTRUM, "The career learning spectrum", None, None,
        "Preparation: a completed placement, or evidence of at least "
        "{preparation_outcomes} of the six outcomes. Experience: an accepted offer or an "
        "active placement. Exploration: a saved posting, an application, a mentoring "
        "session, a career plan, or evidence of at least {exploration_outcomes} outcome(s). "
        "Awareness: none of these yet.",
        (Parameter("exploration_outcomes", "Outcomes for exploration", 1, 1, 6),
         Parameter("preparation_outcomes", "Outcomes for preparation", 4, 1, 6))),
)}


def rule_key(outcome: str, source_kind: SourceKind) -> str:
    return f"{outcome}.{source_kind.value}"


@dataclass(frozen=True)
class RuleVersion:
    """A rule as it stands: its version and parameters (``id`` None: the defaults,
    version 1, not written yet)."""

    definition: RuleDefinition
    version: int
    params: dict
    id: int | None = None
    note: str | None = None
    changed_by: str | None = None
    changed_at: object = None

    @property
    def text(self) -> str:
        return self.definition.describe(self.params)


def _latest(key: str) -> OutcomeRule | None:
    return db.session.scalar(sa.select(OutcomeRule).where(OutcomeRule.key == key)
                             .order_by(OutcomeRule.version.desc()).limit(1))


def _as_version(definition: RuleDefinition, row: OutcomeRule | None) -> RuleVersion:
    if row is None:
        return RuleVersion(definition, 1, definition.defaults())
    # A parameter added to the code after a version was written takes its default.
    params = {**definition.defaults(), **(row.params or {})}
    return RuleVersion(definition, row.version, params, row.id, row.note,
                       row.created_by.name if row.created_by else None, row.created_at)


def current_rule(key: str) -> RuleVersion:
    """The rule in force (reads only; version 1 with the defaults when none is written)."""
    definition = RULES.get(key)
    if definition is None:
        raise NotFound("No such rule.")
    return _as_version(definition, _latest(key))


def all_rules() -> list[RuleVersion]:
    """Every rule in force, in the order of ``RULES``: one query."""
    newest = sa.select(OutcomeRule.key, sa.func.max(OutcomeRule.version).label("v")
                       ).group_by(OutcomeRule.key).subquery()
    rows = {row.key: row for row in db.session.scalars(sa.select(OutcomeRule).join(
        newest, sa.and_(newest.c.key == OutcomeRule.key, newest.c.v == OutcomeRule.version)))}
    return [_as_version(definition, rows.get(key)) for key, definition in RULES.items()]


def history(key: str) -> list[OutcomeRule]:
    return db.session.scalars(sa.select(OutcomeRule).where(OutcomeRule.key == key)
                              .order_by(OutcomeRule.version.desc())).all()


def rule_for_recording(key: str) -> RuleVersion:
    """The rule in force with a row to name: writes version 1 when none is written yet.

    Flushes. Safe to run concurrently: the unique (key, version) keeps one version 1.
    """
    rule = current_rule(key)
    if rule.id is None:
        db.session.execute(insert_or_ignore(OutcomeRule).values(
            key=key, version=1, params=rule.definition.defaults(),
            note="The defaults").on_conflict_do_nothing(index_elements=["key", "version"]))
        rule = current_rule(key)
    return rule


def parse_params(key: str, values: dict) -> dict:
    """Check new parameter values against the rule's ranges; a clear message per field."""
    definition = RULES.get(key)
    if definition is None:
        raise NotFound("No such rule.")
    errors, params = {}, {}
    for p in definition.parameters:
        value = values.get(p.name)
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,4}", value.strip()):
            value = int(value.strip())
        if type(value) is not int or not p.minimum <= value <= p.maximum:
            errors[p.name] = f"Enter a whole number from {p.minimum} to {p.maximum}."
        else:
            params[p.name] = value
    if key == "job_search.job_search" and not errors and (
            params["min_interviewing"] > params["min_applications"]):
        errors["min_interviewing"] = "Cannot be more than the applications needed."
    if key == SPECTRUM and not errors and (
            params["exploration_outcomes"] > params["preparation_outcomes"]):
        errors["exploration_outcomes"] = "Cannot be more than the outcomes for preparation."
    if errors:
        raise ValidationFailed("Please correct the rule's settings.", errors)
    return params


def change_rule(key: str, values: dict, note: str, by: User) -> RuleVersion:
    """Write the next version of a rule with new parameters; audit-logged. Flushes.

    Never changes a recorded row: evidence keeps naming the version that recorded it.
    Two changes at once: the second is a Conflict (the unique key and version).
    """
    params = parse_params(key, values)
    note = (note or "").strip()
    if not note:
        raise ValidationFailed("Say why the rule changes.", {"note": "Say why it changes."})
    if len(note) > 500:
        raise ValidationFailed("Keep the reason under 500 characters.",
                               {"note": "At most 500 characters."})
    current = rule_for_recording(key)
    if params == current.params:
        raise ValidationFailed("Nothing changed: the rule already has these settings.",
                               {})
    row = OutcomeRule(key=key, version=current.version + 1, params=params, note=note,
                      created_by_id=by.id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict("Someone changed this rule at the same time; "
                       "look at it again.") from None
    audit(by, "outcome_rule.changed", row, reason=note, key=key,
          before=current.params, after=params, version=row.version)
    db.session.flush()
    return current_rule(key)
