"""Wrong passwords slow further tries down, per account and per network address, in the database (so every worker
and app server counts the same), never locking out the owner signing in from a device they used before."""
from datetime import timedelta

from config import TestingConfig
from conftest import PASSWORD
from meeting_manager import create_app
from meeting_manager.accounts.models import ThrottleHit, User
from meeting_manager.accounts.services import set_password
from meeting_manager.extensions import db as _db


def _try(client, email, password):
    return client.post("/account/sign-in", data={"email": email, "password": password})


def _age_hits(db, seconds):
    """Let time pass for the throttle: every counted failure happened `seconds` earlier."""
    for hit in db.session.scalars(db.select(ThrottleHit)):
        hit.at = hit.at - timedelta(seconds=seconds)
    db.session.commit()


def test_wrong_passwords_slow_the_account_down_then_the_owner_gets_in(client, db, participant):
    assert [_try(client, participant.email, "wrong").status_code for _ in range(5)] == [422] * 5
    response = _try(client, participant.email.upper(), PASSWORD)  # even the right password waits now
    assert response.status_code == 429 and "Too many attempts" in response.text
    wait = int(response.headers["Retry-After"])
    assert 0 < wait <= 3
    _age_hits(db, wait)
    assert _try(client, participant.email, PASSWORD).status_code == 302  # a delay, not a lock


def test_each_further_failure_doubles_the_delay(client, db, participant):
    for _ in range(5):
        _try(client, participant.email, "wrong")
    waits = []
    for _ in range(3):
        response = _try(client, participant.email, "wrong")
        assert response.status_code == 429  # refused without trying the password
        waits.append(int(response.headers["Retry-After"]))
        _age_hits(db, waits[-1])
        assert _try(client, participant.email, "wrong").status_code == 422  # tried after the wait, and wrong
    assert waits[0] < waits[1] < waits[2] and waits[2] >= 2 * waits[0]


def test_the_known_device_of_the_owner_is_never_slowed_down_by_a_guesser(app, client, db, participant):
    assert _try(client, participant.email, PASSWORD).status_code == 302  # this browser becomes known
    client.post("/account/sign-out")
    guesser = app.test_client()
    codes = [_try(guesser, participant.email, f"guess {n}").status_code for n in range(12)]
    assert codes[:5] == [422] * 5 and set(codes[5:]) == {429}
    assert _try(client, participant.email, PASSWORD).status_code == 302


def test_failures_are_counted_per_network_address_across_accounts(client, make_user):
    users = [make_user() for _ in range(8)]
    codes = [_try(client, user.email, "wrong").status_code for user in users for _ in range(4)]
    assert codes[:30] == [422] * 30 and codes[30:] == [429, 429]  # 30 free per address, 4 per account here


def test_other_accounts_are_not_slowed_down(app, client, participant, make_user):
    other = make_user()
    for _ in range(6):
        _try(client, participant.email, "wrong")
    assert _try(app.test_client(), other.email, PASSWORD).status_code == 302


def test_two_app_servers_count_the_same_failures(shared_db_app, tmp_path):
    """What was 10 per worker (20 with two) is counted once, in the database both servers use."""
    with shared_db_app.app_context():
        user = User(email="amina@example.org", name="Amina")
        set_password(user, PASSWORD)
        _db.session.add(user)
        _db.session.commit()

    class SameDatabase(TestingConfig):
        SQLALCHEMY_DATABASE_URI = shared_db_app.config["SQLALCHEMY_DATABASE_URI"]
        STORAGE_DIR = tmp_path / "second"

    servers = [shared_db_app.test_client(), create_app(SameDatabase).test_client()]
    codes = [servers[n % 2].post("/account/sign-in", data={"email": "amina@example.org", "password": "wrong"})
             .status_code for n in range(6)]
    assert codes == [422] * 5 + [429]
