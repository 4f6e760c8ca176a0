"""API: outreach campaigns (staff)."""

from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user

from marketplace.blueprints.outcomes.campaigns import services
from marketplace.blueprints.outcomes.campaigns.models import NextStep
from marketplace.blueprints.outcomes.campaigns.views import parse_group
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.api.views import json_body
from marketplace.core.errors import NotFound
from marketplace.core.extensions import db
from marketplace.core.inputs import MAX_ID
from marketplace.core.policies import Role, role_required
from marketplace.core.reference import OUTCOMES

NEW_CAMPAIGN = schema("CampaignInput", {
    "type": "object", "required": ["graduation_year", "missing_outcome", "message"],
    "additionalProperties": False,
    "properties": {
        "graduation_year": {"type": "integer", "minimum": 1900, "maximum": 2199},
        "missing_outcome": {"type": "string", "enum": list(OUTCOMES)},
        "group": {"type": ["string", "null"], "maxLength": 250, "description":
                  "first_generation=yes|no, pell_eligible=yes|no, cluster=<key> or "
                  "major=<as written on profiles>; absent: the whole class"},
        "subject": {"type": "string", "minLength": 1, "maxLength": 150},
        "message": {"type": "string", "minLength": 1, "maxLength": 4000},
        "next_step": {"type": "string", "enum": [step.value for step in NextStep],
                      "default": "outcomes"},
        "posting_id": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID},
        "holdout": {"type": "integer", "minimum": 0, "maximum": services.MAX_HOLDOUT,
                    "default": services.DEFAULT_HOLDOUT, "description": "percent"}}})


ARM = {"type": "object", "required": ["n", "gained_30", "gained_60", "gained_90"],
       "properties": {key: {"type": "integer"}
                      for key in ("n", "gained_30", "gained_60", "gained_90")}}


CAMPAIGN = schema("Campaign", {
    "type": "object",
    "required": ["id", "graduation_year", "missing_outcome", "segment_size", "sent", "holdout",
                 "status", "arms"],
    "properties": {
        "id": {"type": "integer"}, "graduation_year": {"type": "integer"},
        "missing_outcome": {"type": "string"}, "group": {"type": ["string", "null"]},
        "subject": {"type": "string"}, "status": {"type": "string", "enum": ["sending", "sent"]},
        "segment_size": {"type": "integer"}, "sent": {"type": "integer"},
        "holdout": {"type": "integer"}, "skipped_recent": {"type": "integer"},
        "skipped_unsubscribed": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "arms": {"type": "object", "required": ["contacted", "holdout"],
                 "properties": {"contacted": ARM, "holdout": ARM}}}})


def campaign_json(campaign) -> dict:
    result = services.results(campaign)
    arms = {}
    for arm, n in (("contacted", result.contacted), ("holdout", result.holdout)):
        shares = {f"gained_{w.days}": getattr(w, arm).gained for w in result.windows}
        arms[arm] = {"n": n, **shares}
    return {"id": campaign.id, "graduation_year": campaign.graduation_year,
            "missing_outcome": campaign.missing_outcome,
            "group": f"{campaign.group_by}={campaign.group_value}" if campaign.group_by else None,
            "subject": campaign.subject, "status": campaign.status.value,
            "segment_size": campaign.segment_size, "sent": campaign.sent,
            "holdout": campaign.holdout_size, "skipped_recent": campaign.skipped_recent,
            "skipped_unsubscribed": campaign.skipped_unsubscribed,
            "created_at": campaign.created_at.isoformat(), "arms": arms}


@bp.route("/campaigns", methods=["POST"])
@documented("/campaigns", "post",
            "Send a message to a class's students missing an outcome, holding some out",
            request=NEW_CAMPAIGN, response=CAMPAIGN, status="201",
            errors=("400", "401", "403", "422"), roles="career staff")
@role_required(Role.STAFF)
def create_campaign_api():
    body = json_body()
    group_by, group_value = parse_group(body.get("group"))
    segment = services.Segment(body["graduation_year"], body["missing_outcome"],
                               group_by, group_value)
    message = body["message"]
    subject = body.get("subject") or message.strip().split("\n")[0][:150]
    campaign = services.create_campaign(
        segment, subject, message, NextStep(body.get("next_step", "outcomes")), current_user,
        body.get("holdout", services.DEFAULT_HOLDOUT), body.get("posting_id"))
    db.session.commit()
    return jsonify(campaign_json(campaign)), 201


@bp.route("/campaigns/<int:campaign_id>")
@documented("/campaigns/{campaign_id}", "get",
            "A campaign: its progress and, per arm, who gained the outcome in 30, 60, 90 days",
            response=CAMPAIGN, errors=("401", "403", "404"), roles="career staff")
@role_required(Role.STAFF)
def campaign_api(campaign_id: int):
    try:
        campaign = services.campaign_for(campaign_id, current_user)
    except NotFound:
        abort(404)
    return jsonify(campaign_json(campaign))
