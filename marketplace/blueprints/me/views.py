"""A student's own outcomes: evidence toward each Career Learning Outcome, and next steps."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from ...extensions import db
from ...models import AlumniProfile, Role, User
from ...policies import role_required
from ...services.browse import public_postings
from ...services.outcomes import evidence_for

bp = Blueprint("me", __name__)


@bp.route("/outcomes")
@role_required(Role.STUDENT)
def my_outcomes():
    by_outcome = defaultdict(list)
    for row in evidence_for(current_user.id):
        by_outcome[row.outcome].append(row)
    clusters = current_user.student_profile.clusters if current_user.student_profile else []
    suggestions = []
    mentors = []
    if clusters:
        from ...models import Opportunity

        suggestions = db.session.scalars(
            public_postings().where(Opportunity.career_cluster.in_(clusters))
            .order_by(Opportunity.published_at.desc()).limit(5)).unique().all()
        mentors = db.session.scalars(
            sa.select(User).join(AlumniProfile).where(AlumniProfile.cluster.in_(clusters),
                                                      User.active.is_(True))
            .order_by(User.name).limit(5)).all()
    return render_template("me/outcomes.html", by_outcome=by_outcome, suggestions=suggestions,
                           mentors=mentors, clusters=clusters)
