"""Behind PROXY_COUNT proxies the app believes their X-Forwarded-* headers (and only that many values); over
HTTPS it sends Strict-Transport-Security, over plain HTTP never."""
from flask import jsonify, request

from config import TestingConfig
from meeting_manager import create_app
from meeting_manager.access import PUBLIC, allow


def app_with(tmp_path, **settings):
    class Config(TestingConfig):
        STORAGE_DIR = tmp_path / "storage"

    for key, value in settings.items():
        setattr(Config, key, value)
    app = create_app(Config)

    @allow(PUBLIC)
    def seen():
        return jsonify(addr=request.remote_addr, scheme=request.scheme, host=request.host)

    app.add_url_rule("/_seen", "seen", seen)
    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.9, 198.51.100.7", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "meetings.example.org"}


def test_one_trusted_proxy(tmp_path):
    client = app_with(tmp_path, PROXY_COUNT=1).test_client()
    response = client.get("/_seen", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    # The proxy appended the client it saw (the last value); the first was sent by the client and is not believed.
    assert response.json == {"addr": "198.51.100.7", "scheme": "https", "host": "meetings.example.org"}
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_no_proxy_configured_believes_no_forwarded_header(tmp_path):
    client = app_with(tmp_path).test_client()
    response = client.get("/_seen", headers=FORWARDED, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.json == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_can_be_turned_off(tmp_path):
    client = app_with(tmp_path, PROXY_COUNT=1, HSTS_SECONDS=0).test_client()
    assert "Strict-Transport-Security" not in client.get("/_seen", headers=FORWARDED).headers
