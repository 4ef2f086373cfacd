"""Finding 3: applying can neither bomb a mailbox nor create accounts, is limited per network address and per
email address (counted in the database), and asks for a CAPTCHA the app serves itself when the rate or the
meeting calls for it. An address whose domain cannot receive mail is refused when DNS can tell."""
import pytest

from meeting_manager.accounts.models import User
from meeting_manager.captcha.models import Challenge
from meeting_manager.registration.models import Registration


def _apply(client, meeting, form_data, address="198.51.100.7", **fields):
    return client.post(f"/meetings/{meeting.id}/apply", data=form_data(meeting, **fields),
                       environ_base={"REMOTE_ADDR": address})


def _count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_fifteen_applications_with_one_address_send_one_link(app, client, meeting, make_meeting, form_data, outbox,
                                                              make_user):
    make_user("Owner", email="owner@example.org")
    meetings = [meeting, *(make_meeting(title=f"Regional meeting {n}") for n in range(3))]
    for n in range(15):
        _apply(client, meetings[n % 4], form_data, address=f"203.0.113.{n}", email="owner@example.org")
    assert [m.kind for m in outbox()].count("sign_in") == 1


def test_applications_create_no_accounts(client, meeting, form_data, db):
    for n in range(15):
        assert _apply(client, meeting, form_data, address=f"203.0.113.{n}", email=f"new{n}@example.org"
                      ).status_code == 303
    assert _count(db, User) == 0 and _count(db, Registration) == 15


def test_applications_are_limited_per_network_address(app, client, meeting, form_data, db):
    app.config["APPLY_LIMIT_PER_ADDRESS"] = 5
    codes = [_apply(client, meeting, form_data, email=f"p{n}@example.org").status_code for n in range(7)]
    assert codes == [303] * 5 + [429, 429]
    refused = _apply(client, meeting, form_data, email="late@example.org")
    assert "Too many applications" in refused.text and int(refused.headers["Retry-After"]) > 0
    assert _count(db, Registration) == 5  # nothing written when refused
    assert _apply(client, meeting, form_data, address="192.0.2.44", email="other@example.org").status_code == 303


def test_applications_are_limited_per_email_address(app, client, meeting, make_meeting, form_data, db):
    meetings = [meeting, *(make_meeting(title=f"Meeting {n}") for n in range(6))]
    codes = [_apply(client, m, form_data, address=f"203.0.113.{n}", email="same@example.org").status_code
             for n, m in enumerate(meetings)]
    assert codes == [303] * 5 + [429, 429]


def test_invalid_forms_do_not_use_up_the_email_limit(client, meeting, form_data):
    for n in range(8):
        assert _apply(client, meeting, form_data, address=f"203.0.113.{n}", email="typo@example.org",
                      gender="").status_code == 422
    assert _apply(client, meeting, form_data, address="203.0.113.99", email="typo@example.org").status_code == 303


@pytest.fixture
def captcha_after_two(app):
    app.config["APPLY_CAPTCHA_AFTER"] = 2


def test_a_busy_address_gets_a_captcha_it_must_solve(app, client, meeting, form_data, db, captcha_after_two):
    for n in range(2):
        assert _apply(client, meeting, form_data, email=f"p{n}@example.org").status_code == 303
    page = client.get(f"/meetings/{meeting.id}/apply", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert 'name="captcha_token"' in page.text and "<audio" in page.text
    without = _apply(client, meeting, form_data, email="bot@example.org")
    assert without.status_code == 422 and "do not match" in without.text
    assert _count(db, Registration) == 2
    token = without.text.split('name="captcha_token" value="')[1].split('"')[0]
    picture = client.get(f"/captcha/{token}.png")
    sound = client.get(f"/captcha/{token}.wav")
    assert picture.data.startswith(b"\x89PNG") and sound.data.startswith(b"RIFF")
    assert picture.headers["Cache-Control"] == "no-store"
    wrong = _apply(client, meeting, form_data, email="bot@example.org", captcha_token=token, captcha_answer="00000")
    assert wrong.status_code == 422 and _count(db, Registration) == 2
    assert client.get(f"/captcha/{token}.png").status_code == 404  # used up, even by a wrong answer
    token = wrong.text.split('name="captcha_token" value="')[1].split('"')[0]
    from meeting_manager.tokens import hash_token

    answer = db.session.scalar(db.select(Challenge.answer).where(Challenge.token_hash == hash_token(token)))
    right = _apply(client, meeting, form_data, email="person@example.org", captcha_token=token,
                   captcha_answer=f" {answer[:2]} {answer[2:]} ")  # as typed, with spaces
    assert right.status_code == 303 and _count(db, Registration) == 3
    again = _apply(client, meeting, form_data, email="replay@example.org", captcha_token=token, captcha_answer=answer)
    assert again.status_code == 422  # a solved challenge cannot be replayed


def test_other_addresses_see_no_captcha(app, client, meeting, form_data, captcha_after_two):
    for n in range(3):
        _apply(client, meeting, form_data, email=f"p{n}@example.org")
    page = client.get(f"/meetings/{meeting.id}/apply", environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert 'name="captcha_token"' not in page.text


def test_a_meeting_can_ask_everyone_for_a_captcha(client, meeting, form_data, db):
    meeting.require_captcha = True
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}/apply")
    assert 'name="captcha_token"' in page.text
    assert _apply(client, meeting, form_data).status_code == 422


def test_a_domain_that_cannot_receive_mail_is_refused(app, client, meeting, form_data, db, monkeypatch):
    """DNS cannot be reached from the test machines: its answers are played by the resolver (the one mock)."""
    import dns.resolver

    from meeting_manager.accounts import services

    def resolve(self, name, kind, *args, **kwargs):
        if str(name).rstrip(".").endswith("no-such-domain.example"):
            raise dns.resolver.NXDOMAIN()
        raise dns.exception.Timeout()

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", resolve)
    services._domain_problem.cache_clear()
    app.config.update(EMAIL_CHECK_DELIVERABILITY=True, EMAIL_DNS_CANARY="")
    refused = _apply(client, meeting, form_data, email="someone@no-such-domain.example")
    assert refused.status_code == 422 and "cannot receive mail" in refused.text
    assert _count(db, Registration) == 0
    # DNS that does not answer is no proof against an address
    assert _apply(client, meeting, form_data, email="someone@offline.example").status_code == 303


def test_a_resolver_that_denies_everything_is_not_believed(app, client, meeting, form_data, monkeypatch):
    """A closed network's resolver answers "no such domain" for every name: while the canary domain does not
    resolve either, no address is refused for its domain."""
    import dns.resolver

    from meeting_manager.accounts import services

    def resolve(self, name, kind, *args, **kwargs):
        raise dns.resolver.NXDOMAIN()

    monkeypatch.setattr(dns.resolver.Resolver, "resolve", resolve)
    services._domain_problem.cache_clear()
    app.config.update(EMAIL_CHECK_DELIVERABILITY=True, EMAIL_DNS_CANARY="un.org")
    assert _apply(client, meeting, form_data, email="someone@no-such-domain.example").status_code == 303
