"""Request limits on asking for emailed links (switched off in the other tests); slowing password guessing down
is tested in test_throttle.py."""
import pytest

from config import TestingConfig
from conftest import PASSWORD, app_database
from meeting_manager import create_app
from meeting_manager.accounts.models import User
from meeting_manager.accounts.services import set_password
from meeting_manager.extensions import db as _db


@pytest.fixture
def limited(tmp_path, _fresh_postgres_schema):
    """An app with the rate limits on, and one account."""

    class Config(TestingConfig):
        RATELIMIT_ENABLED = True
        STORAGE_DIR = tmp_path / "storage"

    app = create_app(Config)
    with app_database(app):
        user = User(email="amina@example.org", name="Amina")
        set_password(user, PASSWORD)
        _db.session.add(user)
        _db.session.commit()
        yield app


def sign_in(client, email, password):
    return client.post("/account/sign-in", data={"email": email, "password": password}).status_code


def test_reset_links_are_limited_per_email_alike_for_unknown_ones(limited):
    client = limited.test_client()
    for email in ("amina@example.org", "nobody@example.org"):
        codes = [client.post("/account/forgot-password", data={"email": email}).status_code for _ in range(6)]
        assert codes == [302] * 5 + [429]
    from meeting_manager.mail.models import OutboxMessage

    with limited.app_context():  # one message per address in a window, however often it is asked for
        assert _db.session.scalar(_db.select(_db.func.count(OutboxMessage.id))) == 1


def test_sign_in_links_are_limited_per_email(limited):
    client = limited.test_client()
    codes = [client.post("/account/sign-in-link", data={"email": "amina@example.org"}).status_code for _ in range(6)]
    assert codes == [302] * 5 + [429]
