"""The API's reads and writes over HTTP: pagination, fields=, problem details, idempotency, rate limits."""
import pytest

from meeting_manager.api.models import IdempotentAnswer
from meeting_manager.audit.models import AuditEvent
from meeting_manager.checkin.services import badge_payload
from meeting_manager.invitations.models import Invitation
from meeting_manager.registration.models import RegistrationStatus as S


@pytest.fixture
def organiser_token(organiser, make_api_token):
    return make_api_token(organiser, ["read", "decide", "checkin"])


def test_registrations_page_by_cursor_with_filters_and_fields(api, meeting, organiser_token, make_registration):
    for n in range(5):
        make_registration(meeting, status=S.approved if n % 2 else S.pending)
    path = f"/api/v1/meetings/{meeting.id}/registrations"
    first = api.get(path, token=organiser_token, query_string={"limit": 2})
    assert first.status_code == 200 and len(first.json["items"]) == 2 and first.json["next_cursor"]
    seen = [r["id"] for r in first.json["items"]]
    cursor = first.json["next_cursor"]
    while cursor:
        page = api.get(path, token=organiser_token, query_string={"limit": 2, "cursor": cursor}).json
        seen += [r["id"] for r in page["items"]]
        cursor = page["next_cursor"]
    assert len(seen) == len(set(seen)) == 5 and seen == sorted(seen)
    approved = api.get(path, token=organiser_token, query_string={"status": "approved", "fields": "status,email"})
    assert [set(r) for r in approved.json["items"]] == [{"id", "status", "email"}] * 2
    assert {r["status"] for r in approved.json["items"]} == {"approved"}


def test_bad_query_values_are_problem_details_naming_the_field(api, meeting, organiser_token):
    path = f"/api/v1/meetings/{meeting.id}/registrations"
    for query, field in (({"status": "maybe"}, "status"), ({"limit": "0"}, "limit"), ({"cursor": "!!"}, "cursor"),
                         ({"fields": "email,shoe_size"}, "fields")):
        response = api.get(path, token=organiser_token, query_string=query)
        assert response.status_code == 422 and response.mimetype == "application/problem+json", query
        assert response.json["status"] == 422 and response.json["title"]
        assert field in [e["field"] for e in response.json["errors"]]


def test_unknown_api_paths_and_methods_are_problem_details(api, organiser_token):
    assert api.get("/api/v1/nothing-here", token=organiser_token).mimetype == "application/problem+json"
    response = api.delete("/api/v1/meetings", token=organiser_token)
    assert response.status_code == 405 and response.json["status"] == 405


def test_invitations_one_or_many_with_the_uploads_row_checks(api, meeting, organiser_token, db, outbox):
    path = f"/api/v1/meetings/{meeting.id}/invitations"
    bad = api.post(path, token=organiser_token, json={"invitations": [
        {"email": "ana@example.org", "country": "Narnia"}, {"email": "not-an-address"},
        {"email": "ANA@example.org"}]})
    assert bad.status_code == 422
    pointers = {e["pointer"] for e in bad.json["errors"]}
    assert pointers == {"#/invitations/0", "#/invitations/1", "#/invitations/2"}
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 0  # one bad row invites nobody
    good = api.post(path, token=organiser_token, json={"invitations": [
        {"email": "ana@example.org", "given_name": "Ана", "country": "Kenya", "category": "civil_society"},
        {"email": "li@example.org", "seats": 2}]})
    assert good.status_code == 201 and [i["email"] for i in good.json["items"]] == ["ana@example.org",
                                                                                   "li@example.org"]
    assert len(outbox()) == 2
    again = api.post(path, token=organiser_token, json={"invitations": [{"email": "li@example.org"}]})
    assert again.status_code == 422 and "already" in again.json["errors"][0]["detail"]
    missing = api.post(path, token=organiser_token, json={"invitations": [{"given_name": "No address"}]})
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "invitations.0.email"


def test_same_idempotency_key_twice_gives_the_same_answer_and_one_row(api, meeting, organiser_token, db):
    path, body = f"/api/v1/meetings/{meeting.id}/invitations", {"invitations": [{"email": "once@example.org"}]}
    first = api.post(path, token=organiser_token, key="k-1", json=body)
    second = api.post(path, token=organiser_token, key="k-1", json=body)
    assert first.status_code == second.status_code == 201 and first.json == second.json
    assert second.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(db.select(db.func.count(Invitation.id))) == 1
    assert db.session.scalar(db.select(db.func.count(IdempotentAnswer.id))) == 1
    other = api.post(path, token=organiser_token, key="k-1", json={"invitations": [{"email": "x@example.org"}]})
    assert other.status_code == 422 and other.json["errors"][0]["field"] == "Idempotency-Key"
    audits = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "api.write")).all()
    assert len(audits) == 1 and audits[0].details["endpoint"] == "create_invitations"


def test_a_refused_write_stores_no_answer(api, meeting, organiser_token, db):
    path = f"/api/v1/meetings/{meeting.id}/invitations"
    assert api.post(path, token=organiser_token, key="k-2", json={"invitations": []}).status_code == 422
    assert db.session.scalar(db.select(db.func.count(IdempotentAnswer.id))) == 0
    assert api.post(path, token=organiser_token, key="k-2",
                    json={"invitations": [{"email": "later@example.org"}]}).status_code == 201


def test_invite_register_decide_check_in(api, meeting, organiser_token, db, desk_clock):
    invited = api.post(f"/api/v1/meetings/{meeting.id}/invitations", token=organiser_token,
                       json={"invitations": [{"email": "wanjiru@example.org", "category": "civil_society"}]})
    invitation_id = invited.json["items"][0]["id"]
    body = {"invitation_id": invitation_id, "given_name": "Wanjiru", "family_name": "Kamau", "gender": "woman",
            "nationality": "KE", "residence_country": "KE", "data_consent": True}
    registered = api.post(f"/api/v1/meetings/{meeting.id}/registrations", token=organiser_token, key="r1", json=body)
    assert registered.status_code == 201, registered.json
    rid = registered.json["id"]
    assert registered.json["status"] == "pending" and registered.json["email"] == "wanjiru@example.org"
    used = api.post(f"/api/v1/meetings/{meeting.id}/registrations", token=organiser_token, json=body)
    assert used.status_code == 409 and used.json["errors"][0]["field"] == "invitation_id"
    decided = api.post(f"/api/v1/meetings/{meeting.id}/registrations/{rid}/decision", token=organiser_token,
                       key="d1", json={"outcome": "approved"})
    assert decided.status_code == 200 and decided.json["registration"]["status"] == "approved"
    assert {f["rule"] for f in decided.json["findings"]} >= {"capacity"}
    payload = api.get(f"/api/v1/meetings/{meeting.id}/registrations/{rid}", token=organiser_token).json[
        "badge_payload"]
    desk_clock(meeting)
    first = api.post(f"/api/v1/meetings/{meeting.id}/checkins", token=organiser_token, json={"payload": payload})
    assert first.status_code == 201 and first.json["created"] is True
    second = api.post(f"/api/v1/meetings/{meeting.id}/checkins", token=organiser_token, json={"payload": payload})
    assert second.status_code == 200 and second.json["created"] is False
    rows = api.get(f"/api/v1/meetings/{meeting.id}/attendance", token=organiser_token).json["items"]
    assert [(r["registration_id"], r["kind"]) for r in rows] == [(rid, "check_in")]


def test_registration_body_errors_name_each_field(api, meeting, organiser_token):
    response = api.post(f"/api/v1/meetings/{meeting.id}/registrations", token=organiser_token,
                        json={"invitation_id": 1, "gender": "x", "nationality": "kenya", "surprise": 1})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert {"gender", "nationality", "residence_country", "data_consent", "surprise"} <= fields
    assert all(e["pointer"].startswith("#/") for e in response.json["errors"])
    not_json = api.post(f"/api/v1/meetings/{meeting.id}/registrations", token=organiser_token, data="{",
                        content_type="application/json")
    assert not_json.status_code == 400 and not_json.mimetype == "application/problem+json"


def test_a_cap_violation_needs_an_override_reason(api, meeting, organiser_token, make_registration, db):
    from meeting_manager.balance.services import save_policy

    save_policy(meeting, {"mix_min_size": None}, [
        {"dimension": "gender", "value": "woman", "unit": "seats", "minimum": None, "maximum": 1}], actor=None)
    db.session.commit()
    make_registration(meeting, status=S.approved)
    candidate = make_registration(meeting)
    path = f"/api/v1/meetings/{meeting.id}/registrations/{candidate.id}/decision"
    refused = api.post(path, token=organiser_token, json={"outcome": "approved"})
    assert refused.status_code == 409, refused.json
    assert refused.json["errors"][0]["field"] == "override_reason" and refused.json["errors"][0]["rule"] == "cap"
    db.session.refresh(candidate)
    assert candidate.status == S.pending
    done = api.post(path, token=organiser_token, json={"outcome": "approved", "override_reason": "Keynote speaker"})
    assert done.status_code == 200 and done.json["registration"]["status"] == "approved"
    summary = api.get(f"/api/v1/meetings/{meeting.id}/balance", token=organiser_token,
                      headers={"Accept-Language": "fr"}).json
    woman = next(b for b in summary["bounds"] if b["value"] == "woman")
    assert woman["state"] == "over" and woman["approved"] == 2 and woman["max_seats"] == 1 and woman["sentence"]


def test_check_in_refusals_are_problems_naming_the_payload(api, meeting, make_user, make_api_token,
                                                          make_registration, desk_clock):
    staff_token = make_api_token(make_user(roles=[(meeting, "staff")]), ["checkin"])
    pending = make_registration(meeting)
    desk_clock(meeting)
    path = f"/api/v1/meetings/{meeting.id}/checkins"
    for payload in ("forged", badge_payload(pending)):
        response = api.post(path, token=staff_token, json={"payload": payload})
        assert response.status_code == 409 and response.json["errors"][0]["field"] == "payload"


def test_reads_of_meetings_delegations_and_sessions(api, meeting, organiser_token, make_delegation,
                                                    make_checkin_session):
    make_checkin_session(meeting, title="Opening plenary", kind="plenary")
    meetings = api.get("/api/v1/meetings", token=organiser_token).json["items"]
    assert [m["id"] for m in meetings] == [meeting.id]
    sessions = api.get(f"/api/v1/meetings/{meeting.id}/sessions", token=organiser_token).json["items"]
    assert [s["title"] for s in sessions] == ["Opening plenary"]
    delegations = api.get(f"/api/v1/meetings/{meeting.id}/delegations", token=organiser_token)
    assert delegations.status_code == 200 and delegations.json == {"items": []}


def test_rate_limit_per_token_with_headers(app, api, organiser, make_api_token):
    app.config["API_RATE_LIMIT"] = "3/minute"
    secret, other = make_api_token(organiser), make_api_token(organiser, name="other")
    answers = [api.get("/api/v1/meetings", token=secret) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["RateLimit-Policy"] == '"token";q=3;w=60'
    assert answers[2].headers["RateLimit"].startswith('"token";r=0;')
    assert int(answers[3].headers["Retry-After"]) >= 1 and answers[3].json["status"] == 429
    assert api.get("/api/v1/meetings", token=other).status_code == 200  # per token, not per person


def test_the_openapi_document_and_its_page(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {"list_registrations", "create_invitations", "decide_registration", "check_in_by_badge",
            "create_webhook", "replay_delivery", "balance_summary"} <= operations
    page = client.get("/api/docs")
    assert page.status_code == 200 and b"swagger-ui-bundle.js" in page.data and b"//cdn" not in page.data
    bundle = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    bundle.close()
