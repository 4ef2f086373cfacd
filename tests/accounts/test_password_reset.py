"""Password reset by an emailed, expiring, single-use link."""
import re
from datetime import timedelta

import pytest

from conftest import PASSWORD
from meeting_manager.accounts import services
from meeting_manager.accounts.models import AccessToken, TokenPurpose
from meeting_manager.audit.models import AuditEvent
from meeting_manager.models_base import utcnow

NEW_PASSWORD = "a new and longer passphrase"
SAME_FLASH = "If an account exists for that email, a reset link is on its way."


def reset_path(message) -> str:
    match = re.search(r"https?://[^/\s]+(/account/reset/[\w-]+)", message.text_body)
    assert match, message.text_body
    return match.group(1)


def can_sign_in(app, email, password) -> bool:
    response = app.test_client().post("/account/sign-in", data={"email": email, "password": password})
    return response.status_code == 302


@pytest.fixture
def reset_link(client, participant, outbox):
    """Ask for a reset link through the form and return the path of the emailed link."""
    response = client.post("/account/forgot-password", data={"email": participant.email}, follow_redirects=True)
    assert SAME_FLASH in response.get_data(as_text=True)
    [message] = outbox()
    return reset_path(message)


def test_request_sends_a_message_with_the_link(client, participant, outbox, reset_link):
    [message] = outbox()
    assert message.recipient == participant.email
    assert message.kind == "password_reset"
    assert reset_link in message.html_body
    assert "2 hours" in message.text_body
    token = reset_link.rsplit("/", 1)[1]
    assert token not in message.subject


def test_link_is_built_on_the_public_url_not_on_the_host_header(app, client, participant, outbox):
    """A forged Host header must not send someone's reset token to another site."""
    app.config["SERVER_NAME_FOR_LINKS"] = "https://meetings.example.org/gm"
    client.post("/account/forgot-password", data={"email": participant.email},
                headers={"Host": "evil.example"})
    [message] = outbox()
    assert "evil.example" not in message.text_body + message.html_body
    assert re.search(r"https://meetings\.example\.org/gm/account/reset/[\w-]{40,}", message.text_body)


def test_full_reset(app, client, participant, reset_link, db):
    page = client.get(reset_link)
    assert page.status_code == 200
    assert 'name="password"' in page.get_data(as_text=True) and 'name="confirm"' in page.get_data(as_text=True)

    response = client.post(reset_link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/account/sign-in"
    assert "Your password is changed" in client.get("/account/sign-in").get_data(as_text=True)

    assert can_sign_in(app, participant.email, NEW_PASSWORD)
    assert not can_sign_in(app, participant.email, PASSWORD)
    events = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "account.password_reset" in events


def test_link_is_dead_after_use(client, reset_link):
    client.post(reset_link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    again = client.get(reset_link)
    assert again.status_code == 400
    assert "This link cannot be used" in again.get_data(as_text=True)
    second = client.post(reset_link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"})
    assert second.status_code == 400


def test_reset_signs_out_the_other_sessions(app, participant, reset_link):
    elsewhere = app.test_client()
    signed_in = elsewhere.post("/account/sign-in", data={"email": participant.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    assert participant.name in elsewhere.get("/").get_data(as_text=True)

    app.test_client().post(reset_link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert participant.name not in elsewhere.get("/").get_data(as_text=True)
    # A route for signed-in users now sends that browser to the sign-in page.
    assert elsewhere.post("/account/sign-out").headers["Location"].startswith("/account/sign-in")


@pytest.mark.parametrize("password, confirm, message", [
    ("short", "short", "Use 10 to 200 characters."),
    ("x" * 201, "x" * 201, "Use 10 to 200 characters."),
    (NEW_PASSWORD, NEW_PASSWORD + "!", "The passwords differ."),
    ("", "", "This field is required."),
])
def test_new_password_is_validated_and_the_link_stays_usable(app, client, participant, reset_link, password,
                                                             confirm, message):
    response = client.post(reset_link, data={"password": password, "confirm": confirm})
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert can_sign_in(app, participant.email, PASSWORD)
    assert client.get(reset_link).status_code == 200


def test_expired_and_made_up_links_give_the_same_plain_page(client, reset_link, db):
    token = db.session.scalar(db.select(AccessToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    expired = client.get(reset_link)
    made_up = client.get("/account/reset/" + "A" * 43)
    assert expired.status_code == made_up.status_code == 400
    assert expired.get_data() == made_up.get_data()
    assert "This link cannot be used" in made_up.get_data(as_text=True)


def test_unknown_email_gets_the_same_answer_and_no_message(client, participant, outbox):
    unknown = client.post("/account/forgot-password", data={"email": "nobody@example.org"}, follow_redirects=True)
    known = client.post("/account/forgot-password", data={"email": participant.email}, follow_redirects=True)
    assert unknown.status_code == known.status_code == 200
    assert SAME_FLASH in unknown.get_data(as_text=True) and SAME_FLASH in known.get_data(as_text=True)
    assert [m.recipient for m in outbox()] == [participant.email]


def test_inactive_account_gets_no_link(client, participant, outbox, db):
    participant.active = False
    db.session.commit()
    response = client.post("/account/forgot-password", data={"email": participant.email}, follow_redirects=True)
    assert SAME_FLASH in response.get_data(as_text=True)
    assert outbox() == []


def test_a_sign_in_link_is_not_a_reset_link(app, client, participant, outbox):
    client.post("/account/sign-in-link", data={"email": participant.email})
    sign_in_path = re.search(r"(/account/link/[\w-]+)", outbox()[0].text_body).group(1)
    token = sign_in_path.rsplit("/", 1)[1]
    assert client.get(f"/account/reset/{token}").status_code == 400


def test_reset_service_accepts_a_token_once(participant, reset_link, db):
    token = reset_link.rsplit("/", 1)[1]
    assert services.check_reset_token(token) == participant
    services.reset_password(token, NEW_PASSWORD)
    db.session.commit()
    stored = db.session.scalar(db.select(AccessToken).where(AccessToken.purpose == TokenPurpose.password_reset))
    assert stored.used_at is not None
    with pytest.raises(services.LinkInvalid):
        services.check_reset_token(token)
    with pytest.raises(services.LinkInvalid):
        services.reset_password(token, "another new passphrase")


def test_forgot_password_form_needs_an_email(client, outbox):
    response = client.post("/account/forgot-password", data={"email": "not an email"})
    assert response.status_code == 200
    assert 'id="email-error"' in response.get_data(as_text=True)
    assert outbox() == []
