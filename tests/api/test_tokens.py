"""API tokens: made in the settings page (shown once, stored hashed), listed, revoked; scopes and current roles."""
from datetime import timedelta

import pytest

from meeting_manager.accounts.models import MeetingRole
from meeting_manager.api.models import ApiToken
from meeting_manager.models_base import utcnow
from meeting_manager.tokens import hash_token


def test_settings_page_makes_a_token_shown_once_and_stored_hashed(client, auth, participant, db):
    auth.sign_in(participant)
    response = client.post("/account/api-tokens", data={"name": "CRM sync", "scopes": ["read", "decide"],
                                                        "days": "30"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    token = db.session.scalar(db.select(ApiToken))
    secret = page.split('<code class="secret">')[1].split("<")[0]
    assert secret.startswith("mmt_") and token.token_hash == hash_token(secret)
    assert secret not in str(token.__dict__) and token.scopes == ["read", "decide"]
    assert timedelta(days=29) < token.expires_at - utcnow() <= timedelta(days=30)
    listing = client.get("/account/api-tokens").get_data(as_text=True)
    assert "CRM sync" in listing and secret not in listing and token.prefix in listing


def test_settings_page_refuses_a_token_without_name_or_scope(client, auth, participant, db):
    auth.sign_in(participant)
    response = client.post("/account/api-tokens", data={"name": "", "days": "30"})
    assert response.status_code == 422
    assert db.session.scalar(db.select(ApiToken)) is None


def test_a_revoked_token_opens_nothing(client, auth, api, organiser, meeting, make_api_token, db):
    secret = make_api_token(organiser)
    assert api.get("/api/v1/meetings", token=secret).status_code == 200
    auth.sign_in(organiser)
    token = db.session.scalar(db.select(ApiToken))
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 303
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 303  # twice: still revoked, no error
    response = api.get("/api/v1/meetings", token=secret)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_nobody_revokes_another_persons_token(client, auth, participant, organiser, make_api_token, db):
    make_api_token(organiser)
    token = db.session.scalar(db.select(ApiToken))
    auth.sign_in(participant)
    assert client.post(f"/account/api-tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_an_expired_token_opens_nothing(api, organiser, make_api_token, db):
    secret = make_api_token(organiser, days=1)
    token = db.session.scalar(db.select(ApiToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert api.get("/api/v1/meetings", token=secret).status_code == 401


def test_no_token_or_a_page_session_is_refused(api, client, auth, organiser):
    response = api.get("/api/v1/meetings")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    auth.sign_in(organiser)  # a signed-in page's cookie is no API credential
    response = api.get("/api/v1/meetings")
    assert response.status_code == 403 and response.json["status"] == 403
    assert api.get("/api/v1/meetings", token="mmt_not-a-token").status_code == 401


#: (scope of the token, role of its owner in the meeting, method, path template, expected status)
MATRIX = [
    ("read", "organiser", "GET", "/api/v1/meetings/{m}/registrations", 200),
    ("read", "staff", "GET", "/api/v1/meetings/{m}/registrations", 200),
    ("read", None, "GET", "/api/v1/meetings/{m}/registrations", 403),
    ("checkin", "organiser", "GET", "/api/v1/meetings/{m}/registrations", 403),
    ("read", "staff", "GET", "/api/v1/meetings/{m}/balance", 403),
    ("read", "organiser", "GET", "/api/v1/meetings/{m}/balance", 200),
    ("read", "staff", "GET", "/api/v1/meetings/{m}/delegations", 403),
    ("read", "staff", "GET", "/api/v1/meetings/{m}/sessions", 200),
    ("read", "staff", "GET", "/api/v1/meetings/{m}/attendance", 200),
    ("read", "organiser", "POST", "/api/v1/meetings/{m}/invitations", 403),
    ("decide", "staff", "POST", "/api/v1/meetings/{m}/invitations", 403),
    ("decide", "organiser", "POST", "/api/v1/meetings/{m}/invitations", 201),
    ("decide", "staff", "POST", "/api/v1/meetings/{m}/checkins", 403),
    ("checkin", "staff", "POST", "/api/v1/meetings/{m}/checkins", 409),  # allowed through; the badge is unknown
    ("decide", "organiser", "GET", "/api/v1/meetings/{m}/webhooks", 403),
    ("read", "organiser", "GET", "/api/v1/meetings/{m}/webhooks", 403),
]

BODIES = {"invitations": {"invitations": [{"email": "new.person@example.org"}]}, "checkins": {"payload": "x.y"}}


@pytest.mark.parametrize("scope,role,method,path,expected", MATRIX)
def test_scope_and_role_matrix(api, make_user, meeting, make_api_token, scope, role, method, path, expected):
    user = make_user(roles=[(meeting, role)] if role else [])
    secret = make_api_token(user, [scope])
    body = BODIES.get(path.rsplit("/", 1)[-1]) if method == "POST" else None
    response = api.request(method, path.format(m=meeting.id), token=secret, json=body)
    assert response.status_code == expected, response.json


def test_webhooks_need_admin_scope_and_organiser_role(api, organiser, staff, meeting, make_api_token):
    response = api.get(f"/api/v1/meetings/{meeting.id}/webhooks", token=make_api_token(organiser, ["admin"]))
    assert response.status_code == 200
    assert api.get(f"/api/v1/meetings/{meeting.id}/webhooks", token=make_api_token(staff, ["admin"])
                   ).status_code == 403


def test_a_token_never_exceeds_its_owners_current_roles(api, organiser, meeting, make_api_token, db):
    secret = make_api_token(organiser, ["read"])
    path = f"/api/v1/meetings/{meeting.id}/registrations"
    assert api.get(path, token=secret).status_code == 200
    db.session.execute(db.delete(MeetingRole).where(MeetingRole.user_id == organiser.id))
    db.session.commit()
    assert api.get(path, token=secret).status_code == 403
    assert api.get("/api/v1/meetings", token=secret).json["items"] == []


def test_admin_rights_need_the_admin_scope(api, admin, meeting, make_api_token):
    path = f"/api/v1/meetings/{meeting.id}/registrations"
    assert api.get(path, token=make_api_token(admin, ["read"])).status_code == 403
    assert api.get(path, token=make_api_token(admin, ["read", "admin"])).status_code == 200


def test_a_deactivated_owner_s_token_opens_nothing(api, organiser, make_api_token, db):
    secret = make_api_token(organiser)
    organiser.active = False
    db.session.commit()
    assert api.get("/api/v1/meetings", token=secret).status_code == 401


def test_another_meeting_is_refused(api, organiser, make_meeting, make_api_token):
    other = make_meeting(title="Regional event")
    response = api.get(f"/api/v1/meetings/{other.id}/registrations", token=make_api_token(organiser))
    assert response.status_code == 403
    assert api.get("/api/v1/meetings/987654/registrations", token=make_api_token(organiser)).status_code == 404
