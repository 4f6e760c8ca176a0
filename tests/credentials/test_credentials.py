"""Open Badges 3.0 credentials: issued from a student's own evidence, valid against the
1EdTech schema, verified by anyone, invalid when tampered with, revoked by staff, and
still valid after the issuer's key rotates."""

from __future__ import annotations

import base64
import gzip
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import ECKey
from jsonschema import Draft201909Validator

from marketplace.blueprints.credentials import keys, services
from marketplace.blueprints.credentials.models import Credential, IssuerKey
from marketplace.blueprints.outcomes.models import OutcomeEvidence, SourceKind
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from tests.factories import AlumniFactory, StaffFactory, StudentFactory
from tests.support import free_port

# The 1EdTech reference files, kept in the repository so the test runs offline.
STANDARDS = Path(__file__).resolve().parent / "standards" / "openbadges-3.0"


@pytest.fixture
def issuer_key():
    row = keys.create_key()
    db.session.commit()
    return row


@pytest.fixture
def evidence():
    """A student with a completed placement on their record, and another student."""
    ana = StudentFactory(email="ana@school.edu")
    other = StudentFactory()
    db.session.flush()
    record_evidence(ana.id, "experiential_learning", SourceKind.PLACEMENT, 41,
                    {"opportunity": "Data Analyst Intern", "organization": "Acme Health",
                     "hours": 120}, occurred_at=utcnow() - timedelta(days=20))
    record_evidence(other.id, "experiential_learning", SourceKind.PLACEMENT, 42,
                    {"opportunity": "Other Intern", "organization": "Elsewhere", "hours": 80})
    db.session.commit()
    return ana, other


SCHEMA = Draft201909Validator(json.loads(
    (STANDARDS / "achievementcredential.schema.json").read_text()))


def claim(api_client, student, source_id=41):
    """Claim through the API; every credential a test issues must fit the 1EdTech schema."""
    response = api_client(student).post("/api/v1/credentials", json={
        "outcome": "experiential_learning", "source_kind": "placement", "source_id": source_id})
    assert response.status_code == 201, response.get_json()
    assert_fits_the_schema(response.get_json()["jwt"])
    return response.get_json()


def assert_fits_the_schema(token: str) -> None:
    errors = sorted(SCHEMA.iter_errors(payload(token)["vc"]), key=str)
    assert errors == [], [error.message for error in errors[:5]]


def payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def verify(client, token: str) -> dict:
    response = client.post("/api/v1/credentials/verify", json={"jwt": token})
    assert response.status_code == 200
    return response.get_json()


def test_a_claimed_credential_verifies_and_fits_the_open_badges_schema(
        app, client, api_client, evidence, issuer_key):
    ana, _ = evidence
    body = claim(api_client, ana)
    assert body["status"] == "active" and body["url"].startswith("http://127.0.0.1/credentials/")
    token = body["jwt"]
    assert verify(client, token) == {"valid": True, "outcome": "experiential_learning",
                                     "issued": payload(token)["vc"]["issuanceDate"],
                                     "issuer": "Career Center"}
    # The 1EdTech JSON Schema of an OpenBadgeCredential.
    schema = json.loads((STANDARDS / "achievementcredential.schema.json").read_text())
    document = payload(token)["vc"]
    errors = sorted(Draft201909Validator(schema).iter_errors(document), key=str)
    assert errors == []
    assert document["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert document["@context"][1] == "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    # The context the credential names is the published one (kept offline).
    context = json.loads((STANDARDS / "context-3.0.3.json").read_text())
    assert "OpenBadgeCredential" in json.dumps(context)
    # Signed as a VC-JWT with a key in the issuer's published set.
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    published = client.get("/.well-known/jwks.json").get_json()["keys"]
    [jwk] = [k for k in published if k["kid"] == header["kid"]]
    assert header["alg"] == "ES256" and "d" not in jwk
    claims = jwt.decode(token, ECKey.import_key(jwk), algorithms=["ES256"]).claims
    assert claims["iss"] == "http://127.0.0.1/issuer" == document["issuer"]["id"]
    assert claims["jti"] == document["id"] and claims["sub"] == \
        document["credentialSubject"]["id"]
    # What the work was, and nothing of anyone else; the recipient only as a salted hash.
    assert document["evidence"][0]["description"].startswith(
        "Data Analyst Intern at Acme Health, 120 hours")
    assert "ana@school.edu" not in json.dumps(document) and ana.name not in json.dumps(document)
    assert services.email_matches(document, "ANA@school.edu ")
    assert not services.email_matches(document, "someone@school.edu")
    # Claiming again hands back the same credential.
    assert claim(api_client, ana)["id"] == body["id"]


def test_only_ones_own_evidence_is_claimed(api_client, evidence, issuer_key):
    ana, other = evidence
    stolen = api_client(ana).post("/api/v1/credentials", json={
        "outcome": "experiential_learning", "source_kind": "placement", "source_id": 42})
    assert stolen.status_code == 404
    unknown = api_client(ana).post("/api/v1/credentials", json={
        "outcome": "experiential_learning", "source_kind": "luck", "source_id": 41})
    assert unknown.status_code == 404
    assert api_client(StaffFactory()).post("/api/v1/credentials", json={
        "outcome": "experiential_learning", "source_kind": "placement",
        "source_id": 41}).status_code == 403
    mine = claim(api_client, ana)
    assert api_client(other).get(f"/api/v1/credentials/{mine['id']}").status_code == 403
    assert api_client(StaffFactory()).get(f"/api/v1/credentials/{mine['id']}").status_code \
        == 200


def test_without_a_signing_key_nothing_is_issued(api_client, evidence):
    ana, _ = evidence
    response = api_client(ana).post("/api/v1/credentials", json={
        "outcome": "experiential_learning", "source_kind": "placement", "source_id": 41})
    assert response.status_code == 409
    assert "init-key" in response.get_json()["error"]["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Credential)) == 0


@pytest.mark.parametrize("path, value", [
    (("vc", "credentialSubject", "achievement", "name"), "Brain Surgery"),
    (("vc", "credentialSubject", "id"), "http://127.0.0.1/learners/someone-else"),
    (("sub",), "http://127.0.0.1/learners/someone-else"),
    (("vc", "credentialSubject", "identifier", 0, "identityHash"), "sha256$" + "0" * 64),
    (("vc", "issuanceDate"), "2020-01-01T00:00:00Z"),
    (("vc", "evidence", 0, "description"), "CEO of Acme Health"),
    (("vc", "issuer", "name"), "Harvard"),
    (("vc", "credentialStatus", "statusListIndex"), "999999"),
    (("nbf",), 0),
])
def test_a_changed_field_makes_it_invalid(client, api_client, evidence, issuer_key, path,
                                          value):
    ana, _ = evidence
    token = claim(api_client, ana)["jwt"]
    header, _, signature = token.split(".")
    changed = payload(token)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    verdict = verify(client, f"{header}.{b64(changed)}.{signature}")
    assert verdict["valid"] is False
    assert "signature does not match" in verdict["reason"]


def test_forgeries_are_told_apart(app, client, api_client, evidence, issuer_key):
    ana, _ = evidence
    token = claim(api_client, ana)["jwt"]
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    claims = payload(token)
    # alg "none", with and without a signature.
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert "“none” is refused" in verify(client, unsigned)["reason"]
    # Another key claiming to be ours, and another key of its own.
    stranger = ECKey.generate_key("P-256", private=True)
    as_ours = jwt.encode({"alg": "ES256", "kid": header["kid"]}, claims, stranger)
    assert "signature does not match" in verify(client, as_ours)["reason"]
    own_kid = jwt.encode({"alg": "ES256", "kid": stranger.thumbprint()}, claims, stranger)
    assert "not signed by a key of Career Center" in verify(client, own_kid)["reason"]
    with app.test_request_context():
        # Our own key, but out of date or not yet valid.
        expired = services.sign({**claims, "exp": int((utcnow() - timedelta(days=1))
                                                      .timestamp())})
        early = services.sign({**claims, "nbf": int((utcnow() + timedelta(days=2))
                                                    .timestamp())})
        other_issuer = services.sign({**claims, "iss": "https://elsewhere.example/issuer"})
        unknown = services.sign({**claims, "jti": "urn:uuid:00000000-0000-4000-8000-000000000000",
                                 "vc": {**claims["vc"],
                                        "id": "urn:uuid:00000000-0000-4000-8000-000000000000"}})
    assert verify(client, expired)["reason"] == "It has expired."
    assert verify(client, early)["reason"] == "It is not valid yet."
    assert "does not name Career Center" in verify(client, other_issuer)["reason"]
    assert "no record of issuing it" in verify(client, unknown)["reason"]
    for junk in ("", "abc", "a.b.c", "x" * 30_000):
        response = client.post("/api/v1/credentials/verify", json={"jwt": junk})
        assert response.status_code in (200, 422)
        if response.status_code == 200:
            assert response.get_json()["valid"] is False


def test_verification_fetches_nothing_a_credential_names(client, api_client, evidence,
                                                         issuer_key):
    hits = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server name
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"keys": []}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        ana, _ = evidence
        token = claim(api_client, ana)["jwt"]
        url = f"http://127.0.0.1:{server.server_port}"
        claims = payload(token)
        claims["vc"]["credentialStatus"]["statusListCredential"] = url + "/status"
        claims["vc"]["issuer"]["id"] = url + "/issuer"
        header = {"alg": "ES256", "kid": "x", "jku": url + "/jwks", "x5u": url + "/cert"}
        verify(client, f"{b64(header)}.{b64(claims)}.{token.split('.')[2]}")
        verify(client, token)
    finally:
        server.shutdown()
    assert hits == []


def test_staff_revoke_and_the_status_list_says_so(client, api_client, evidence, issuer_key):
    ana, other = evidence
    mine = claim(api_client, ana)
    theirs = claim(api_client, other, source_id=42)
    staff = api_client(StaffFactory())
    assert api_client(ana).post(f"/api/v1/credentials/{mine['id']}/revoke",
                                json={"reason": "mine"}).status_code == 403
    assert staff.post(f"/api/v1/credentials/{mine['id']}/revoke",
                      json={"reason": " "}).status_code == 422
    response = staff.post(f"/api/v1/credentials/{mine['id']}/revoke",
                          json={"reason": "Evidence recorded in error"})
    assert response.status_code == 200 and response.get_json()["status"] == "revoked"
    verdict = verify(client, mine["jwt"])
    assert verdict["valid"] is False
    assert verdict["reason"].endswith(": Evidence recorded in error")
    assert verify(client, theirs["jwt"])["valid"] is True
    assert staff.post(f"/api/v1/credentials/{mine['id']}/revoke",
                      json={"reason": "again"}).status_code == 409
    # The published list, read as an outside verifier would.
    status = client.get("/credentials/status/revocation").get_json()
    entry = payload(mine["jwt"])["vc"]["credentialStatus"]
    assert entry["statusListCredential"] == status["id"]
    assert services.status_bit(status, int(entry["statusListIndex"])) is True
    other_entry = payload(theirs["jwt"])["vc"]["credentialStatus"]
    assert services.status_bit(status, int(other_entry["statusListIndex"])) is False
    encoded = status["credentialSubject"]["encodedList"][1:]
    assert len(gzip.decompress(base64.urlsafe_b64decode(encoded + "=="))) * 8 >= 131_072


def test_a_rotated_key_still_verifies_what_it_signed(app, client, api_client, evidence):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["credentials", "init-key"])
    assert first.exit_code == 0 and "is active" in first.output
    again = runner.invoke(args=["credentials", "init-key"])
    assert "active already" in again.output
    ana, other = evidence
    old = claim(api_client, ana)
    rotated = runner.invoke(args=["credentials", "rotate-key"])
    assert rotated.exit_code == 0 and "retired and still published" in rotated.output
    new = claim(api_client, other, source_id=42)
    kids = [json.loads(base64.urlsafe_b64decode(c["jwt"].split(".")[0] + "=="))["kid"]
            for c in (old, new)]
    assert kids[0] != kids[1]
    assert {k["kid"] for k in client.get("/.well-known/jwks.json").get_json()["keys"]} == \
        set(kids)
    assert verify(client, old["jwt"])["valid"] and verify(client, new["jwt"])["valid"]
    listing = runner.invoke(args=["credentials", "keys"])
    assert "PRIVATE" not in listing.output and kids[0] in listing.output


def test_the_private_key_is_sealed_at_rest(app, issuer_key):
    sealed = db.session.get(IssuerKey, issuer_key.kid).sealed_private_key
    assert "PRIVATE KEY" not in sealed and "-----" not in sealed
    with app.test_request_context():
        kid, key = keys.signing_key()
        assert kid == issuer_key.kid and key.as_dict(private=True)["d"]
        secret = app.secret_key
        app.secret_key = "another secret"
        try:
            with pytest.raises(RuntimeError, match="cannot be unsealed"):
                keys.signing_key()
        finally:
            app.secret_key = secret


def test_a_student_claims_shares_and_hides_a_credential_in_the_browser(client, login_as,
                                                                       evidence, issuer_key):
    ana, _ = evidence
    login_as(ana)
    page = client.get("/me/credentials").text
    assert "Claim this credential" in page and "Data Analyst Intern at Acme Health" in page
    row = db.session.scalar(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == ana.id))
    done = client.submit("/me/credentials", {"evidence_id": str(row.id)},
                         page="/me/credentials", follow_redirects=True)
    assert "Your Experiential Learning credential is ready to share." in done.text
    credential = db.session.scalar(sa.select(Credential))
    # "Add to LinkedIn" fills LinkedIn's certification form.
    [link] = [part.split('"')[0] for part in done.text.split('href="')
              if part.startswith("https://www.linkedin.com/profile/add?")]
    query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == ["Experiential Learning"]
    assert query["organizationName"] == ["Career Center"]
    assert query["issueYear"] == [str(credential.issued_at.year)]
    assert query["issueMonth"] == [str(credential.issued_at.month)]
    assert query["certUrl"] == [f"http://127.0.0.1/credentials/{credential.public_id}"]
    assert query["certId"] == [credential.public_id]
    # Anyone with the link sees it verified, and can check the address they were given.
    visitor = client.application.test_client()
    public = visitor.get(f"/credentials/{credential.public_id}")
    assert public.status_code == 200 and "Verified." in public.text
    assert ana.name not in public.text and ana.email not in public.text
    yes = visitor.submit(f"/credentials/{credential.public_id}", {"email": "ana@school.edu"})
    assert "Yes: it was issued to that address." in yes.text
    no = visitor.submit(f"/credentials/{credential.public_id}", {"email": "bo@school.edu"})
    assert "No: it was not issued to that address." in no.text
    # The student hides it: the link answers 404; shares it again: it is back.
    client.submit(f"/me/credentials/{credential.id}/sharing", {"shared": "0"},
                  page="/me/credentials")
    assert visitor.get(f"/credentials/{credential.public_id}").status_code == 404
    client.submit(f"/me/credentials/{credential.id}/sharing", {"shared": "1"},
                  page="/me/credentials")
    assert visitor.get(f"/credentials/{credential.public_id}").status_code == 200
    assert visitor.get("/credentials/not-a-uuid").status_code == 404


def test_the_learner_record_bundles_the_credentials_and_its_link_can_be_stopped(
        app, client, login_as, api_client, evidence, issuer_key):
    ana, _ = evidence
    claim(api_client, ana)
    record_evidence(ana.id, "connections", SourceKind.MENTORING, 7,
                    {"topic": "Nursing paths", "minutes": 30, "alum": "Lee"})
    db.session.commit()
    claim_row = api_client(ana).post("/api/v1/credentials", json={
        "outcome": "connections", "source_kind": "mentoring", "source_id": 7})
    assert claim_row.status_code == 201
    assert_fits_the_schema(claim_row.get_json()["jwt"])
    login_as(ana)
    record = client.get("/me/record/clr.json").get_json()
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert {a["name"] for a in record["credentialSubject"]["achievement"]} == {
        "Experiential Learning", "Connections"}
    signed = client.get("/me/record/clr.jwt").text
    jwks = client.get("/.well-known/jwks.json").get_json()["keys"]
    claims = jwt.decode(signed, ECKey.import_key(jwks[0]), algorithms=["ES256"]).claims
    assert claims["vc"]["credentialSubject"]["id"] == record["credentialSubject"]["id"]
    shared = client.submit("/me/record/shares", {}, page="/me/credentials",
                           follow_redirects=True)
    link = shared.text.split("can be opened at ")[1].split(" ")[0]
    path = urlsplit(link).path
    visitor = app.test_client()
    page = visitor.get(path)
    assert page.status_code == 200 and "Nursing paths" in page.text
    assert visitor.get(path + "/clr.json").get_json()["type"][1] == "ClrCredential"
    share = client.get("/me/credentials").text
    stop = share.split('action="/me/record/shares/')[1].split('"')[0]
    client.submit(f"/me/record/shares/{stop}", {}, page="/me/credentials")
    assert visitor.get(path).status_code == 404
    assert visitor.get("/records/never-issued-token").status_code == 404


def test_staff_revoke_in_the_browser_and_the_visitor_sees_it(client, login_as, api_client,
                                                             evidence, issuer_key):
    ana, _ = evidence
    body = claim(api_client, ana)
    credential = db.session.get(Credential, body["id"])
    login_as(StaffFactory())
    page = client.get("/staff/credentials?email=ana@school.edu").text
    assert ana.name in page and "Active" in page
    empty = client.submit(f"/staff/credentials/{credential.id}/revoke", {"reason": ""},
                          page="/staff/credentials")
    assert empty.status_code == 422 and "Say why" in empty.text
    done = client.submit(f"/staff/credentials/{credential.id}/revoke",
                         {"reason": "Placement never happened"},
                         page="/staff/credentials", follow_redirects=True)
    assert "Anyone verifying it now reads: Placement never happened" in done.text
    visitor = client.application.test_client()
    public = visitor.get(f"/credentials/{credential.public_id}").text
    assert "Not valid." in public and "Placement never happened" in public
    checked = visitor.submit("/verify", {"jwt": body["jwt"]})
    assert "Not valid." in checked.text and "Placement never happened" in checked.text


def test_graduates_keep_their_credentials(api_client, issuer_key):
    alum = AlumniFactory()
    db.session.flush()
    record_evidence(alum.id, "connections", SourceKind.STAFF, 3, {"description": "Panel"})
    db.session.commit()
    response = api_client(alum).post("/api/v1/credentials", json={
        "outcome": "connections", "source_kind": "staff", "source_id": 3})
    assert response.status_code == 201
    assert_fits_the_schema(response.get_json()["jwt"])


def test_erasing_the_person_withdraws_their_credentials_and_record_links(
        app, client, api_client, evidence, issuer_key):
    from marketplace.blueprints.privacy import services as privacy

    ana, _ = evidence
    body = claim(api_client, ana)
    credential = db.session.get(Credential, body["id"])
    with app.test_request_context():
        token = services.share_record(ana)
    db.session.commit()
    visitor = client.application.test_client()
    assert visitor.get(f"/records/{token}").status_code == 200
    staff = StaffFactory()
    request = privacy.request_deletion(ana)
    db.session.commit()
    privacy.carry_out_deletion(request.id, staff)
    db.session.commit()
    verdict = verify(client, body["jwt"])
    assert verdict["valid"] is False and "closed their account" in verdict["reason"]
    assert visitor.get(f"/credentials/{credential.public_id}").status_code == 404
    assert visitor.get(f"/credentials/{credential.public_id}/jwt").status_code == 404
    assert visitor.get(f"/records/{token}").status_code == 404
    assert visitor.get(f"/records/{token}/clr.json").status_code == 404
    db.session.refresh(credential)
    assert credential.jwt == "" and credential.revoked_at is not None
    status = client.get("/credentials/status/revocation").get_json()
    assert services.status_bit(status, credential.id)


def test_crafted_headers_and_payloads_are_invalid_never_an_error(client, api_client,
                                                                 evidence, issuer_key):
    ana, _ = evidence
    token = claim(api_client, ana)["jwt"]
    deep = base64.urlsafe_b64encode(b"[" * 3000).rstrip(b"=").decode()
    for crafted in (f"{deep}.{token.split('.')[1]}.x", f"{token.split('.')[0]}.{deep}.x",
                    f"{b64({'alg': 'ES256', 'kid': 'a' + chr(0) + 'b'})}.e30.x",
                    f"{b64({'alg': 'ES256', 'kid': ['a']})}.e30.x",
                    f"{b64({'alg': 'ES256', 'kid': 'x' * 65})}.e30.x"):
        for response in (client.post("/api/v1/credentials/verify", json={"jwt": crafted}),):
            assert response.status_code == 200, crafted[:40]
            assert response.get_json()["valid"] is False
    form = client.submit("/verify", {"jwt": f"{deep}.{deep}.x"})
    assert form.status_code == 200 and "Not valid." in form.text


def test_a_hidden_credential_stays_out_of_a_shared_record(app, client, login_as, api_client,
                                                          evidence, issuer_key):
    ana, _ = evidence
    body = claim(api_client, ana)
    login_as(ana)
    client.submit(f"/me/credentials/{body['id']}/sharing", {"shared": "0"},
                  page="/me/credentials")
    with app.test_request_context():
        token = services.share_record(ana)
    db.session.commit()
    visitor = app.test_client()
    assert "Data Analyst Intern" not in visitor.get(f"/records/{token}").text
    assert visitor.get(f"/records/{token}/clr.json").get_json()["credentialSubject"][
        "achievement"] == []
    # The student's own download still holds it: it is theirs.
    mine = client.get("/me/record/clr.json").get_json()
    assert [a["name"] for a in mine["credentialSubject"]["achievement"]] == [
        "Experiential Learning"]


def test_the_criterion_is_the_rule_version_that_recorded_the_evidence(api_client,
                                                                       issuer_key):
    from marketplace.blueprints.outcomes.rules import change_rule, rule_for_recording

    ana = StudentFactory()
    staff = StaffFactory()
    db.session.flush()
    change_rule("job_search.job_search", {"min_applications": "7", "min_interviewing": "2"},
                "A stricter bar this year", staff)
    rule = rule_for_recording("job_search.job_search")
    record_evidence(ana.id, "job_search", SourceKind.JOB_SEARCH, ana.id, {},
                    rule_version_id=rule.id)
    db.session.commit()
    body = api_client(ana).post("/api/v1/credentials", json={
        "outcome": "job_search", "source_kind": "job_search", "source_id": ana.id})
    assert body.status_code == 201, body.get_json()
    assert_fits_the_schema(body.get_json()["jwt"])
    narrative = payload(body.get_json()["jwt"])["vc"]["credentialSubject"]["achievement"][
        "criteria"]["narrative"]
    assert narrative.startswith("At least 7 applications, 2 or more of which")


def test_withdrawn_evidence_takes_its_credential_with_it_and_cannot_be_claimed(
        client, api_client, run_jobs, issuer_key):
    import io

    from tests.support import PDF

    student, staff = StudentFactory(), StaffFactory()
    db.session.commit()
    sent = api_client(student).post("/api/v1/documents", data={
        "kind": "resume", "file": (io.BytesIO(PDF), "cv.pdf")}, content_type="multipart/form-data")
    document_id = sent.get_json()["id"]
    api_client(staff).post(f"/api/v1/documents/{document_id}/review",
                           json={"decision": "approved", "comment": "Strong."})
    run_jobs()
    approval = db.session.scalar(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == student.id))
    credential = api_client(student).post("/api/v1/credentials", json={
        "outcome": "articulation", "source_kind": "document_review",
        "source_id": approval.source_id}).get_json()
    assert_fits_the_schema(credential["jwt"])
    assert verify(client, credential["jwt"])["valid"] is True
    api_client(staff).post(f"/api/v1/documents/{document_id}/review", json={
        "decision": "approval_withdrawn", "comment": "This is someone else's resume."})
    run_jobs()
    verdict = verify(client, credential["jwt"])
    assert verdict["valid"] is False
    assert "withdrew the evidence: This is someone else's resume." in verdict["reason"]
    # Neither the withdrawn row nor the withdrawal itself can be claimed.
    reversal = db.session.scalar(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.reverses_id == approval.id))
    for row in (approval, reversal):
        response = api_client(student).post("/api/v1/credentials", json={
            "outcome": "articulation", "source_kind": "document_review",
            "source_id": row.source_id})
        assert response.status_code in (200, 201, 404)
        if row is reversal:
            assert response.status_code == 404
    assert services.claimable(student) == []
