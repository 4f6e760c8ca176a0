"""Open Badges 3.0 credentials from evidence rows, signed as VC-JWTs; the learner record
(CLR 2.0); verification; revocation through a Bitstring Status List.

A credential says: this institution, on this date, found evidence of this outcome for
the holder of this e-mail address (kept as a salted hash), by this criterion, from this
work. It names the work (a placement's title and host, a session's topic, what staff
recorded), never another student or an employer's private notes.

Verification reads nothing a credential names: keys, status and issuer come from this
product's own tables, so a credential cannot make the verifier fetch a URL.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.credentials import keys
from marketplace.blueprints.credentials.models import Credential, RecordShare
from marketplace.blueprints.credentials.policies import can_manage_credential
from marketplace.blueprints.outcomes.models import OutcomeEvidence, OutcomeRule, SourceKind
from marketplace.blueprints.outcomes.rules import RULES
from marketplace.blueprints.outcomes.services import counts_as_evidence
from marketplace.core.audit import audit
from marketplace.core.db import utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.reference import OUTCOMES

VC_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


# What each outcome means, as the criterion a credential states (SPEC: the defaults).
CRITERIA = {
    "career_design": "Wrote a career plan (goals, target cluster and roles, next steps with "
                     "dates) that career staff signed off.",
    "skills_competencies": "Rated 3 or 4 of 4 on at least three of the eight NACE career "
                           "readiness competencies by the host at the end of a placement.",
    "experiential_learning": "Completed a work-based learning placement (an internship, "
                             "apprenticeship, micro-internship or job shadow) that the host "
                             "confirmed.",
    "connections": "Built a professional connection: a completed placement, a mentoring "
                   "session the mentor confirmed, or a conversation an employer logged at a "
                   "career event.",
    "articulation": "Wrote a resume or cover letter that career staff approved in review.",
    "job_search": "Ran a job search: at least five applications, one of which reached an "
                  "interview.",
}


DESCRIPTIONS = {
    "career_design": "The student can set career goals and plan the steps to reach them.",
    "skills_competencies": "The student showed career readiness competencies at work.",
    "experiential_learning": "The student learned by doing real work.",
    "connections": "The student built relationships with professionals in their field.",
    "articulation": "The student can present their experience to employers in writing.",
    "job_search": "The student can run a job search through to interviews.",
}


STATUS_LIST = "revocation"


# The status list holds at least this many bits (its published size hides how many
# credentials exist).
STATUS_LIST_BITS = 131_072


SKEW = timedelta(minutes=5)


def base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def issuer_name() -> str:
    return current_app.config.get("INSTITUTION_NAME") or "Career Center"


def issuer_id() -> str:
    return f"{base_url()}/issuer"


def issuer_profile() -> dict:
    return {"id": issuer_id(), "type": ["Profile"], "name": issuer_name(), "url": base_url()}


def learner_id(student_id: int) -> str:
    """A stable URL naming the student in their credentials, that says nothing of them."""
    digest = hmac.new(current_app.secret_key.encode(), f"learner:{student_id}".encode(),
                      hashlib.sha256).hexdigest()
    return f"{base_url()}/learners/{digest[:32]}"


def identity(email: str, salt: str) -> dict:
    """The recipient's e-mail as Open Badges hashes it: sha256 of address plus salt."""
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return {"type": "IdentityObject", "identityType": "emailAddress", "hashed": True,
            "identityHash": f"sha256${digest}", "salt": salt}


def achievement(outcome: str) -> dict:
    return {"id": f"{base_url()}/achievements/{outcome}", "type": ["Achievement"],
            "achievementType": "Competency", "name": OUTCOMES[outcome],
            "description": DESCRIPTIONS[outcome], "criteria": {"narrative": CRITERIA[outcome]}}


def criteria_for(row: OutcomeEvidence) -> str:
    """The criterion the row was recorded by: its rule version's own words (with that
    version's settings), or the outcome's default where no rule is named (older rows,
    staff records)."""
    version = db.session.get(OutcomeRule, row.rule_version_id) if row.rule_version_id else None
    definition = RULES.get(version.key) if version is not None else None
    if definition is None:
        return CRITERIA[row.outcome]
    return definition.describe({**definition.defaults(), **(version.params or {})})


def evidence_entry(row: OutcomeEvidence) -> dict:
    """What the work was, from the evidence row's own details (written when it was
    recorded): never another student, never an employer's comments."""
    details = row.details or {}
    kind = row.source_kind.value
    if kind == "placement":
        name = "Work-based learning placement"
        text = f"{details.get('opportunity', 'A placement')} at " \
               f"{details.get('organization', 'a host organization')}"
        if details.get("hours"):
            text += f", {details['hours']:g} hours"
    elif kind == "mentoring":
        name = "Mentoring session"
        text = f"A {details.get('minutes', 30)}-minute session on " \
               f"{details.get('topic') or 'career questions'} with an alum mentor"
    elif kind == "staff":
        name = "Recorded by career staff"
        text = str(details.get("description") or "Work recorded by career staff")
    else:
        name = kind.replace("_", " ").capitalize()
        text = f"{name}, recorded from work done in {issuer_name()}'s career platform"
    when = (row.occurred_at or row.recorded_at).date().isoformat()
    return {"type": ["Evidence"], "name": name, "description": f"{text[:400]} ({when})."}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def status_entry(index: int) -> dict:
    url = f"{base_url()}/credentials/status/{STATUS_LIST}"
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation", "statusListIndex": str(index),
            "statusListCredential": url}


def sign(claims: dict) -> str:
    kid, key = keys.signing_key()
    return jwt.encode({"alg": keys.ALGORITHM, "kid": kid, "typ": "JWT"}, claims, key)


def credential_document(credential: Credential, row: OutcomeEvidence, student: User,
                        issued: datetime) -> dict:
    """The OpenBadgeCredential (VC data model 1.1, as the 1EdTech schema wants it)."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{credential.public_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": OUTCOMES[row.outcome],
        "description": DESCRIPTIONS[row.outcome],
        "issuer": issuer_profile(),
        "issuanceDate": _iso(issued),
        "awardedDate": _iso(row.occurred_at or row.recorded_at),
        "credentialSubject": {
            "id": learner_id(student.id), "type": ["AchievementSubject"],
            "identifier": [identity(student.email, secrets.token_hex(8))],
            "achievement": {**achievement(row.outcome),
                            "criteria": {"narrative": criteria_for(row)}}},
        "evidence": [evidence_entry(row)],
        "credentialStatus": status_entry(credential.id),
    }


def claims_for(document: dict, issued: datetime) -> dict:
    """VC-JWT claims (VC data model 1.1, JWT encoding)."""
    return {"iss": document["issuer"]["id"], "jti": document["id"],
            "sub": document["credentialSubject"]["id"], "nbf": int(issued.timestamp()),
            "iat": int(issued.timestamp()), "vc": document}


def claim(student: User, outcome: str, source_kind: str, source_id: int) -> Credential:
    """Issue (or hand back) the credential for one of the student's evidence rows.
    Flushes. Only their own rows; a reversed or unknown row is NotFound."""
    try:
        kind = SourceKind(source_kind)
    except ValueError:
        raise NotFound("No such evidence on your record.") from None
    row = db.session.scalar(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == student.id, OutcomeEvidence.outcome == outcome,
        OutcomeEvidence.source_kind == kind, OutcomeEvidence.source_id == source_id,
        counts_as_evidence()))
    if row is None:
        raise NotFound("No such evidence on your record.")
    return issue(row, student)


def claimable(student: User) -> list[OutcomeEvidence]:
    """The student's evidence that counts (not withdrawn, not a withdrawal), newest first."""
    return db.session.scalars(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == student.id, counts_as_evidence())
        .order_by(OutcomeEvidence.recorded_at.desc(), OutcomeEvidence.id.desc())).all()


def issue(row: OutcomeEvidence, student: User) -> Credential:
    existing = db.session.scalar(sa.select(Credential).where(Credential.evidence_id == row.id))
    if existing is not None:
        return existing
    if db.session.scalar(sa.select(OutcomeEvidence.id).where(
            OutcomeEvidence.id == row.id, counts_as_evidence())) is None:
        raise NotFound("This evidence no longer counts: career staff withdrew it.")
    kid, _ = keys.signing_key()  # refuse before writing anything when there is no key
    issued = utcnow()
    credential = Credential(public_id=str(uuid.uuid4()), student_id=student.id,
                            evidence_id=row.id, outcome=row.outcome, kid=kid, jwt="",
                            issued_at=issued)
    try:
        with db.session.begin_nested():  # the same row claimed twice at once
            db.session.add(credential)
    except sa.exc.IntegrityError:
        return db.session.scalar(sa.select(Credential).where(Credential.evidence_id == row.id))
    credential.jwt = sign(claims_for(credential_document(credential, row, student, issued),
                                     issued))
    db.session.flush()
    return credential


def revoke(credential: Credential, reason: str, by: User) -> Credential:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed("Say why it is revoked (the verifier shows it).",
                               {"reason": "Required."})
    if len(reason) > 300:
        raise ValidationFailed("At most 300 characters.", {"reason": "Too long."})
    if credential.revoked_at is not None:
        raise Conflict("This credential is revoked already.")
    credential.revoked_at, credential.revoked_reason = utcnow(), reason
    credential.revoked_by_id = by.id
    audit(by, "credential.revoke", credential, reason=reason)
    db.session.flush()
    return credential


ERASED_REASON = "The person it was issued to closed their account."


def withdraw_all(student: User) -> int:
    """On erasure: every credential of the person is revoked (verifiers are told the
    account was closed), its signed text and page are gone, and every record link stops.
    Returns how many credentials. Flushes."""
    now = utcnow()
    credentials = credentials_of(student)
    for credential in credentials:
        credential.revoked_at = credential.revoked_at or now
        credential.revoked_reason = credential.revoked_reason or ERASED_REASON
        credential.jwt, credential.shared = "", False
    db.session.execute(sa.update(RecordShare).where(
        RecordShare.student_id == student.id, RecordShare.revoked_at.is_(None))
        .values(revoked_at=now))
    db.session.flush()
    return len(credentials)


def revoke_for_withdrawn(row: OutcomeEvidence, reason: str | None) -> None:
    """The ``outcomes`` hook: evidence withdrawn after its credential was issued takes the
    credential with it, with career staff's reason. Flushes."""
    credential = db.session.scalar(sa.select(Credential).where(Credential.evidence_id == row.id))
    if credential is None or credential.revoked_at is not None:
        return
    credential.revoked_at = utcnow()
    credential.revoked_reason = ("Career staff withdrew the evidence"
                                 + (f": {' '.join(reason.split())}" if reason else "."))[:300]
    db.session.flush()


def credential_for(credential_id: int) -> Credential:
    credential = db.session.get(Credential, credential_id)
    if credential is None:
        raise NotFound("No such credential.")
    return credential


def shared_credential(public_id: str) -> Credential | None:
    """A credential's public page: only while the student shares it."""
    try:
        uuid.UUID(public_id)
    except (ValueError, TypeError):
        return None
    credential = db.session.scalar(sa.select(Credential).where(
        Credential.public_id == public_id))
    if credential is None or not credential.shared or not credential.student.active:
        return None
    return credential


def credentials_of(student: User) -> list[Credential]:
    return db.session.scalars(sa.select(Credential).where(Credential.student_id == student.id)
                              .order_by(Credential.issued_at.desc())).all()


def document_of(credential: Credential) -> dict:
    """The credential as signed (its JWT's ``vc``), without checking the signature."""
    payload = credential.jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["vc"]


# -- Verification -------------------------------------------------------------------


@dataclass
class Verdict:
    valid: bool
    reason: str | None = None
    document: dict | None = None
    credential: Credential | None = None


def _segments(token: str) -> tuple[dict, dict] | None:
    parts = token.split(".")
    if len(parts) != 3 or len(parts[0]) > 1000:
        return None
    try:
        header, payload = (json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
                           for part in parts[:2])
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
    return (header, payload) if isinstance(header, dict) and isinstance(payload, dict) \
        else None


def verify(token: str, now: datetime | None = None) -> Verdict:
    """Check a VC-JWT: our key's signature, our issuer, its dates, its status. The
    reason says in plain words why it is not valid."""
    now = now or utcnow()
    token = (token or "").strip()
    if len(token) > 20_000:
        return Verdict(False, "This is too long to be one of our credentials.")
    parsed = _segments(token)
    if parsed is None:
        return Verdict(False, "This is not a signed credential (a JWT in three parts).")
    header, _ = parsed
    if header.get("alg") != keys.ALGORITHM:
        return Verdict(False, f"It is not signed the way we sign ({keys.ALGORITHM}): "
                              f"“{str(header.get('alg'))[:20]}” is refused.")
    key = keys.public_key(header.get("kid"))
    if key is None:
        return Verdict(False, f"It was not signed by a key of {issuer_name()}.")
    try:
        decoded = jwt.decode(token, key, algorithms=[keys.ALGORITHM])
    except JoseError:
        return Verdict(False, "The signature does not match: the credential was changed "
                              "after it was issued, or signed by someone else.")
    claims = decoded.claims
    document = claims.get("vc")
    if not isinstance(document, dict):
        return Verdict(False, "It holds no credential.")
    subject = document.get("credentialSubject") or {}
    if (claims.get("iss") != issuer_id() or (document.get("issuer") or {}).get("id")
            != issuer_id()):
        return Verdict(False, f"It does not name {issuer_name()} as its issuer.", document)
    if claims.get("jti") != document.get("id") or claims.get("sub") != subject.get("id"):
        return Verdict(False, "Its signed claims and its content disagree.", document)
    not_before, expires = claims.get("nbf"), claims.get("exp")
    if isinstance(not_before, (int, float)) and \
            datetime.fromtimestamp(not_before, UTC) > now + SKEW:
        return Verdict(False, "It is not valid yet.", document)
    if isinstance(expires, (int, float)) and datetime.fromtimestamp(expires, UTC) <= now:
        return Verdict(False, "It has expired.", document)
    public_id = str(document.get("id", "")).removeprefix("urn:uuid:")
    credential = db.session.scalar(sa.select(Credential).where(
        Credential.public_id == public_id)) if len(public_id) == 36 else None
    if credential is None:
        return Verdict(False, f"{issuer_name()} has no record of issuing it.", document)
    if credential.revoked_at is not None:
        return Verdict(False, f"It was revoked on {credential.revoked_at.date().isoformat()}: "
                              f"{credential.revoked_reason}", document, credential)
    if not credential.student.active:
        return Verdict(False, ERASED_REASON, document, credential)
    return Verdict(True, None, document, credential)


def email_matches(document: dict, email: str) -> bool:
    """Whether ``email`` is the address the credential was issued to."""
    for entry in (document.get("credentialSubject") or {}).get("identifier") or []:
        if entry.get("identityType") == "emailAddress" and entry.get("salt") is not None:
            if identity(email, entry["salt"])["identityHash"] == entry.get("identityHash"):
                return True
    return False


# -- The status list ----------------------------------------------------------------


def status_list() -> dict:
    """The revocation list as a BitstringStatusListCredential: bit ``i`` set when
    credential ``i`` is revoked (gzip, then base64url, as the W3C recommendation says)."""
    revoked = db.session.scalars(sa.select(Credential.id).where(
        Credential.revoked_at.is_not(None))).all()
    highest = db.session.scalar(sa.select(sa.func.max(Credential.id))) or 0
    size = max(STATUS_LIST_BITS, (highest // 8 + 1) * 8)
    bits = bytearray(size // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)  # the first bit is the leftmost
    encoded = base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode()
    url = f"{base_url()}/credentials/status/{STATUS_LIST}"
    return {"@context": [VC_CONTEXT], "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer_id(), "issuanceDate": _iso(utcnow()),
            "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList",
                                  "statusPurpose": "revocation", "encodedList": "u" + encoded}}


def status_bit(status: dict, index: int) -> bool:
    """Read bit ``index`` of a published list (what an outside verifier does)."""
    encoded = status["credentialSubject"]["encodedList"].removeprefix("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


# -- Sharing ------------------------------------------------------------------------


def linkedin_url(credential: Credential) -> str:
    """LinkedIn's "Add licence or certification" form, filled in."""
    issued = credential.issued_at
    return "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME", "name": OUTCOMES[credential.outcome],
        "organizationName": issuer_name(), "issueYear": issued.year,
        "issueMonth": issued.month, "certUrl": public_url(credential),
        "certId": credential.public_id})


def public_url(credential: Credential) -> str:
    return f"{base_url()}/credentials/{credential.public_id}"


def set_shared(credential: Credential, student: User, shared: bool) -> None:
    if not can_manage_credential(student, credential):
        raise PermissionDenied("Not your credential.")
    credential.shared = shared


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def share_record(student: User) -> str:
    """A new link to the student's learner record; returns its token (shown once).
    Flushes."""
    token = secrets.token_urlsafe(24)
    db.session.add(RecordShare(token_hash=_digest(token), student_id=student.id))
    db.session.flush()
    return token


def record_shares(student: User) -> list[RecordShare]:
    return db.session.scalars(sa.select(RecordShare).where(
        RecordShare.student_id == student.id, RecordShare.revoked_at.is_(None))
        .order_by(RecordShare.created_at.desc())).all()


def stop_share(student: User, share_id: int) -> None:
    share = db.session.get(RecordShare, share_id)
    if share is None or share.student_id != student.id:
        raise NotFound("No such link.")
    share.revoked_at = share.revoked_at or utcnow()


def student_for_share(token: str) -> User | None:
    if not isinstance(token, str) or not 10 <= len(token) <= 100:
        return None
    share = db.session.scalar(sa.select(RecordShare).where(
        RecordShare.token_hash == _digest(token), RecordShare.revoked_at.is_(None)))
    student = db.session.get(User, share.student_id) if share is not None else None
    return student if student is not None and student.active else None


def record_credentials(student: User, shared_only: bool = False) -> list[Credential]:
    """What a learner record holds: the student's credentials not revoked, and through a
    shared link only those whose pages they share."""
    return [c for c in credentials_of(student)
            if c.revoked_at is None and (c.shared or not shared_only)]


def learner_record(student: User, shared_only: bool = False) -> tuple[dict, str]:
    """The student's whole record as one CLR 2.0 ClrCredential bundling their active
    achievement credentials, and that document signed as a VC-JWT."""
    issued = utcnow()
    active = record_credentials(student, shared_only)
    documents = [document_of(c) for c in active]
    salt = secrets.token_hex(8)
    document = {
        "@context": [VC_CONTEXT, CLR_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": f"Comprehensive Learner Record from {issuer_name()}",
        "issuer": issuer_profile(), "issuanceDate": _iso(issued),
        "credentialSubject": {
            "id": learner_id(student.id), "type": ["ClrSubject"],
            "identifier": [identity(student.email, salt)],
            "achievement": [d["credentialSubject"]["achievement"] for d in documents],
            "verifiableCredential": documents,
            "verifiableCredentialJwt": [c.jwt for c in active]},
    }
    return document, sign(claims_for(document, issued))
