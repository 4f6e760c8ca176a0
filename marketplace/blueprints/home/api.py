"""API: the postings and mentors suggested to me, each with its reason."""

from __future__ import annotations

from flask import jsonify, url_for
from flask_login import current_user

from marketplace.blueprints.home.recommendations import MentorPick, PostingPick, recommend
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.policies import Role, role_required
from marketplace.core.reference import CAREER_CLUSTERS

REASONS = {
    "reason": {"type": "string", "description": "The strongest reason, as the home page "
               "shows it: \"Matches your cluster Healthcare & Human Services\"."},
    "reasons": {"type": "array", "items": {"type": "string"},
                "description": "Every reason, strongest first."},
}

RECOMMENDED_OPPORTUNITY = schema("RecommendedOpportunity", {
    "type": "object",
    "required": ["id", "title", "organization", "kind", "career_cluster", "location", "remote",
                 "application_deadline", "url", "reason", "reasons"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "organization": {"type": "object", "required": ["id", "name"],
                         "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
        "kind": {"type": "string"},
        "career_cluster": {"type": "string", "enum": list(CAREER_CLUSTERS)},
        "location": {"type": "string"}, "remote": {"type": "string"},
        "application_deadline": {"type": ["string", "null"], "format": "date"},
        "url": {"type": "string", "description": "The posting's page."},
        **REASONS,
    },
})

RECOMMENDED_MENTOR = schema("RecommendedMentor", {
    "type": "object",
    "required": ["id", "name", "employer", "title", "next_slot", "reason", "reasons"],
    "properties": {
        "id": {"type": "integer", "description": "The alum's account id."},
        "name": {"type": "string"},
        "employer": {"type": ["string", "null"]}, "title": {"type": ["string", "null"]},
        "next_slot": {
            "type": "object", "required": ["id", "starts_at", "ends_at", "topic", "mode", "url"],
            "description": "The soonest open slot of theirs that earned the suggestion.",
            "properties": {"id": {"type": "integer"},
                           "starts_at": {"type": "string", "format": "date-time"},
                           "ends_at": {"type": "string", "format": "date-time"},
                           "topic": {"type": "string"}, "mode": {"type": "string"},
                           "url": {"type": "string", "description": "The slot's page."}}},
        **REASONS,
    },
})

RECOMMENDATIONS = schema("Recommendations", {
    "type": "object",
    "description": "Suggestions come from the student's career clusters, major, and the "
                   "postings they saved or applied to; with none of these both lists are "
                   "empty. Postings already saved or applied to are left out.",
    "required": ["opportunities", "mentors"],
    "properties": {"opportunities": {"type": "array", "items": RECOMMENDED_OPPORTUNITY},
                   "mentors": {"type": "array", "items": RECOMMENDED_MENTOR}},
})


def posting_json(pick: PostingPick) -> dict:
    opportunity = pick.opportunity
    return {"id": opportunity.id, "title": opportunity.title,
            "organization": {"id": opportunity.organization_id,
                             "name": opportunity.organization.name},
            "kind": opportunity.kind.value, "career_cluster": opportunity.career_cluster,
            "location": opportunity.location, "remote": opportunity.work_mode.value,
            "application_deadline": (opportunity.application_deadline.isoformat()
                                     if opportunity.application_deadline else None),
            "url": url_for("opportunities.show_opportunity", opportunity_id=opportunity.id),
            "reason": pick.reason, "reasons": pick.reasons}


def mentor_json(pick: MentorPick) -> dict:
    profile, slot = pick.alum.alumni_profile, pick.slot
    return {"id": pick.alum.id, "name": pick.alum.name,
            "employer": profile.employer if profile else None,
            "title": profile.title if profile else None,
            "next_slot": {"id": slot.id, "starts_at": slot.starts_at.isoformat(),
                          "ends_at": slot.ends_at.isoformat(), "topic": slot.topic,
                          "mode": slot.mode.value,
                          "url": url_for("mentoring.show_slot", slot_id=slot.id)},
            "reason": pick.reason, "reasons": pick.reasons}


@bp.route("/me/recommendations")
@documented("/me/recommendations", "get",
            "Postings and mentors suggested to me, each with the reason",
            response=RECOMMENDATIONS, errors=("401", "403"),
            roles="students (suggestions are made from a student's profile; other roles "
                  "get 403)")
@role_required(Role.STUDENT)
def my_recommendations():
    picks = recommend(current_user)
    return jsonify({"opportunities": [posting_json(pick) for pick in picks.postings],
                    "mentors": [mentor_json(pick) for pick in picks.mentors]})
