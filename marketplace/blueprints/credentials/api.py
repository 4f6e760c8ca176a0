"""API: claim, read, revoke and verify credentials."""

from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user

from marketplace.blueprints.credentials import services
from marketplace.blueprints.credentials.policies import can_revoke_credential, can_see_credential
from marketplace.blueprints.credentials.views import HOLDERS
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.api.views import json_body
from marketplace.core.errors import NotFound
from marketplace.core.extensions import db
from marketplace.core.policies import Role, public, role_required
from marketplace.core.reference import OUTCOMES

CLAIM = schema("CredentialClaim", {
    "type": "object", "required": ["outcome", "source_kind", "source_id"],
    "additionalProperties": False,
    "properties": {"outcome": {"type": "string", "enum": list(OUTCOMES)},
                   "source_kind": {"type": "string", "maxLength": 40},
                   "source_id": {"type": "integer", "minimum": 1,
                                 "maximum": 2_147_483_647}}})


CREDENTIAL = schema("IssuedCredential", {
    "type": "object", "required": ["id", "jwt", "status"],
    "properties": {"id": {"type": "integer"},
                   "jwt": {"type": "string", "description": "The OpenBadgeCredential, "
                           "signed as a VC-JWT (ES256; keys at /.well-known/jwks.json)"},
                   "status": {"type": "string", "enum": ["active", "revoked"]},
                   "url": {"type": "string", "description": "Its public page"}}})


REVOKE = schema("CredentialRevocation", {
    "type": "object", "required": ["reason"], "additionalProperties": False,
    "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 300}}})


VERIFY = schema("CredentialToVerify", {
    "type": "object", "required": ["jwt"], "additionalProperties": False,
    "properties": {"jwt": {"type": "string", "maxLength": 20000}}})


VERDICT = schema("CredentialVerdict", {
    "type": "object", "required": ["valid"],
    "properties": {"valid": {"type": "boolean"},
                   "reason": {"type": "string", "description": "Why it is not valid"},
                   "outcome": {"type": "string"}, "issued": {"type": "string"},
                   "issuer": {"type": "string"}}})


def credential_json(credential) -> dict:
    return {"id": credential.id, "jwt": credential.jwt, "status": credential.status,
            "url": services.public_url(credential)}


@bp.route("/credentials", methods=["POST"])
@documented("/credentials", "post",
            "Claim an Open Badges 3.0 credential for one of your evidence rows",
            request=CLAIM, response=CREDENTIAL, status="201",
            errors=("401", "403", "404", "409", "422"), roles="the student (or graduate)")
@role_required(*HOLDERS)
def claim_credential_api():
    body = json_body()
    credential = services.claim(current_user, body["outcome"], body["source_kind"],
                                body["source_id"])
    db.session.commit()
    return jsonify(credential_json(credential)), 201


@bp.route("/credentials/<int:credential_id>")
@documented("/credentials/{credential_id}", "get", "A credential and its status",
            response=CREDENTIAL, errors=("401", "403", "404"),
            roles="the student it was issued to, staff")
@role_required(*HOLDERS, Role.STAFF)
def credential_api(credential_id: int):
    try:
        credential = services.credential_for(credential_id)
    except NotFound:
        abort(404)
    if not can_see_credential(current_user, credential):
        # Staff are refused only another school's students': for them it is not there.
        abort(404 if current_user.role is Role.STAFF else 403)
    return jsonify(credential_json(credential))


@bp.route("/credentials/<int:credential_id>/revoke", methods=["POST"])
@documented("/credentials/{credential_id}/revoke", "post",
            "Revoke a credential; verification then fails with the reason",
            request=REVOKE, response=CREDENTIAL,
            errors=("401", "403", "404", "409", "422"), roles="career staff")
@role_required(Role.STAFF)
def revoke_credential_api(credential_id: int):
    body = json_body()
    try:
        credential = services.credential_for(credential_id)
    except NotFound:
        abort(404)
    if not can_revoke_credential(current_user, credential):
        abort(404)  # staff only reach here: another school's student's
    services.revoke(credential, body["reason"], current_user)
    db.session.commit()
    return jsonify(credential_json(credential))


@bp.route("/credentials/verify", methods=["POST"])
@documented("/credentials/verify", "post",
            "Verify a credential: our signature, issuer, dates and revocation status",
            request=VERIFY, response=VERDICT, public=True, errors=("400", "422"),
            roles="anyone")
@public
def verify_credential_api():
    body = json_body()
    verdict = services.verify(body["jwt"])
    answer: dict = {"valid": verdict.valid}
    if verdict.reason:
        answer["reason"] = verdict.reason
    if verdict.valid and verdict.document:
        answer.update(outcome=verdict.credential.outcome,
                      issued=verdict.document.get("issuanceDate", ""),
                      issuer=services.issuer_name())
    return jsonify(answer)
