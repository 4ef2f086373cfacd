"""Finding 4: a session ends on the server. Sign-out, a password change, a role change and "sign out everywhere"
end it; a copied session or remember cookie then opens nothing. The remember cookie lives 30 days at most, is
replaced at each use, and is SameSite=Lax, HttpOnly, and Secure behind HTTPS."""
from datetime import UTC, datetime

from conftest import PASSWORD, AuthActions
from meeting_manager.accounts.models import MeetingRoleName
from meeting_manager.accounts.services import grant_meeting_role, set_password


def _copy(source, cookie_name="session"):
    """A second browser holding a copy of one of `source`'s cookies (what a thief of the cookie has)."""
    cookie = source.get_cookie(cookie_name)
    assert cookie is not None, cookie_name
    thief = source.application.test_client()
    thief.set_cookie(cookie_name, cookie.value)
    return thief


def _remembered(client, user):
    response = client.post("/account/sign-in", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    return response


def _signed_in(client) -> bool:
    return client.get("/my/registrations").status_code == 200


def test_a_copied_session_cookie_stops_working_at_sign_out(client, auth, participant):
    auth.sign_in(participant)
    thief = _copy(client)
    assert _signed_in(thief)
    auth.sign_out()
    assert not _signed_in(client) and not _signed_in(thief)


def test_a_copied_remember_cookie_stops_working_at_sign_out(client, participant):
    _remembered(client, participant)
    thief = _copy(client, "remember_token")
    auth = AuthActions(client)
    auth.sign_out()
    assert not _signed_in(thief)


def test_the_remember_cookie_is_short_lived_lax_and_http_only(client, participant):
    response = _remembered(client, participant)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Secure" not in header
    expires = datetime.strptime(header.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
    days = (expires.replace(tzinfo=UTC) - datetime.now(UTC)).days
    assert 29 <= days <= 30


def test_the_remember_cookie_is_secure_behind_https(app, client, participant):
    from config import Config

    assert Config.REMEMBER_COOKIE_SECURE == Config.SESSION_COOKIE_SECURE  # one setting for both
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    response = client.post("/account/sign-in", base_url="https://localhost",
                           data={"email": participant.email, "password": PASSWORD, "remember": "y"})
    cookies = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(("remember_token=", "session="))]
    assert len(cookies) == 2 and all("Secure" in header for header in cookies)


def test_the_remember_cookie_is_replaced_at_each_use(client, participant):
    _remembered(client, participant)
    old = client.get_cookie("remember_token").value
    later = _copy(client, "remember_token")  # the browser after its session cookie expired
    assert _signed_in(later)
    new = later.get_cookie("remember_token").value
    assert new != old
    stale = client.application.test_client()
    stale.set_cookie("remember_token", old)
    assert not _signed_in(stale)  # the old one was used once already
    assert _signed_in(later)


def test_a_password_change_ends_every_session(client, auth, participant, db):
    auth.sign_in(participant)
    set_password(participant, "a brand new password")
    db.session.commit()
    assert not _signed_in(client)


def test_a_role_change_ends_the_sessions_of_that_account(app, client, auth, make_user, meeting, admin, db):
    staff = make_user(roles=[(meeting, "staff")])
    auth.sign_in(staff)
    grant_meeting_role(staff, meeting, MeetingRoleName.organiser, actor=admin)
    db.session.commit()
    assert not _signed_in(client)


def test_sign_out_everywhere_ends_the_other_devices_too(app, client, auth, participant):
    auth.sign_in(participant)
    phone = app.test_client()
    AuthActions(phone).sign_in(participant)
    assert client.post("/account/sign-out-everywhere").status_code == 302
    assert not _signed_in(client) and not _signed_in(phone)


def test_sign_out_everywhere_needs_a_session(client):
    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/account/sign-in" in response.location
