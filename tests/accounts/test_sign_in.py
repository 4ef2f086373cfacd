"""Signing in and out with a password, the `next` parameter, inactive accounts, and one-time sign-in links."""
import re

import pytest

from conftest import PASSWORD
from meeting_manager.accounts.models import AccessToken

GENERIC = "The email or password is not right."


def signed_in_as(client) -> str | None:
    """The name in the header of the home page, or None when nobody is signed in."""
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'<a class="who" href="/account/privacy"><bdi>([^<]*)</bdi></a>', html)
    return match.group(1) if match else None


def test_sign_in_page_shows_the_form(client):
    response = client.get("/account/sign-in")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html and 'type="password"' in html


def test_sign_in_and_out(client, participant, auth):
    response = auth.sign_in(participant)
    assert response.headers["Location"] == "/"
    assert signed_in_as(client) == participant.name
    assert participant.last_sign_in_at is not None
    response = auth.sign_out()
    assert response.status_code == 302
    assert "You are signed out." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert signed_in_as(client) is None


def test_email_is_not_case_sensitive(client, make_user):
    user = make_user(email="mixed@example.org")
    response = client.post("/account/sign-in", data={"email": "MiXed@Example.ORG", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_as(client) == user.name


@pytest.mark.parametrize("email, password", [
    ("known", "wrong password 123"),
    ("nobody@example.org", PASSWORD),
])
def test_wrong_password_or_unknown_email_get_one_generic_message(client, participant, email, password):
    email = participant.email if email == "known" else email
    response = client.post("/account/sign-in", data={"email": email, "password": password})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert GENERIC in html
    assert "no account" not in html.lower() and "unknown" not in html.lower()
    assert signed_in_as(client) is None


def test_inactive_user_is_refused_with_the_same_message(client, participant, db):
    participant.active = False
    db.session.commit()
    response = client.post("/account/sign-in", data={"email": participant.email, "password": PASSWORD})
    assert response.status_code == 422
    assert GENERIC in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_deactivating_an_account_ends_its_open_sessions(client, admin, auth, db):
    auth.sign_in(admin)
    assert client.get("/account/users").status_code == 200
    admin.active = False
    db.session.commit()
    response = client.get("/account/users")
    assert response.status_code == 302 and response.headers["Location"].startswith("/account/sign-in")


@pytest.mark.parametrize("data, field", [
    ({"email": "", "password": PASSWORD}, "email"),
    ({"email": "not-an-email", "password": PASSWORD}, "email"),
    ({"email": "a@example.org", "password": ""}, "password"),
])
def test_sign_in_form_reports_bad_fields(client, data, field):
    response = client.post("/account/sign-in", data=data)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)


@pytest.mark.parametrize("target", ["/meetings/1", "/account/users?tab=2"])
def test_next_allows_local_paths(client, participant, target):
    response = client.post(f"/account/sign-in?next={target}",
                           data={"email": participant.email, "password": PASSWORD})
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "http:/evil.example", " //evil.example", "/\t/evil.example", "/\n/evil.example",
])
def test_next_refuses_other_sites(client, participant, target):
    response = client.post("/account/sign-in", query_string={"next": target},
                           data={"email": participant.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_protected_page_sends_to_sign_in_and_back(client, admin):
    response = client.get("/account/users")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/account/sign-in?next=")
    response = client.post(location, data={"email": admin.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/users"


def test_remember_me_sets_a_lasting_cookie(client, participant):
    response = client.post("/account/sign-in",
                           data={"email": participant.email, "password": PASSWORD, "remember": "y"})
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))


def test_sign_out_needs_post(client, participant, auth):
    auth.sign_in(participant)
    assert client.get("/account/sign-out").status_code == 405
    assert signed_in_as(client) == participant.name


# --- one-time sign-in links --------------------------------------------------------------------------------------


def link_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/account/link/[\w-]+)", message.text_body)
    assert match, message.text_body
    return match.group(1)


def test_sign_in_link_flow(client, participant, outbox):
    response = client.post("/account/sign-in-link", data={"email": participant.email})
    assert response.status_code == 302
    [message] = outbox()
    assert message.recipient == participant.email and message.kind == "sign_in"
    path = link_path(message)
    assert path in message.html_body

    # Opening the link (as a mail scanner would) does not use it.
    page = client.get(path)
    assert page.status_code == 200 and "Continue and sign in" in page.get_data(as_text=True)
    assert signed_in_as(client) is None

    assert client.post(path).status_code == 302
    assert signed_in_as(client) == participant.name

    other = client.application.test_client()
    used = other.post(path)
    assert used.status_code == 400
    assert "This link is not valid" in used.get_data(as_text=True)
    assert signed_in_as(other) is None


def test_sign_in_link_for_unknown_email_says_the_same(client, participant, outbox):
    known = client.post("/account/sign-in-link", data={"email": participant.email}, follow_redirects=True)
    unknown = client.post("/account/sign-in-link", data={"email": "nobody@example.org"}, follow_redirects=True)
    message = "If an account exists for that email, a sign-in link is on its way."
    assert message in known.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert [m.recipient for m in outbox()] == [participant.email]


def test_expired_sign_in_link_is_refused(client, participant, outbox, db):
    from datetime import timedelta

    from meeting_manager.models_base import utcnow

    client.post("/account/sign-in-link", data={"email": participant.email})
    path = link_path(outbox()[0])
    token = db.session.scalar(db.select(AccessToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.post(path).status_code == 400
    assert signed_in_as(client) is None


def test_only_the_hash_of_a_link_token_is_stored(client, participant, outbox, db):
    client.post("/account/sign-in-link", data={"email": participant.email})
    token = link_path(outbox()[0]).rsplit("/", 1)[1]
    stored = db.session.scalar(db.select(AccessToken))
    assert len(token) >= 40 and token not in stored.token_hash


def test_fields_say_when_they_are_invalid(client):
    clean = client.get("/account/sign-in").get_data(as_text=True)
    assert '="None"' not in clean and "aria-invalid" not in clean
    html = client.post("/account/sign-in", data={"email": "nope", "password": ""}).get_data(as_text=True)
    assert 'aria-describedby="email-error"' in html and 'aria-invalid="true"' in html
