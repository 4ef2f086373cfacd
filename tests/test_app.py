"""The application factory, settings from the environment, security headers and error pages."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import abort
from flask_login import current_user
from sqlalchemy import text

from config import Config, TestingConfig
from meeting_manager import create_app
from meeting_manager.access import PUBLIC, SIGNED_IN, allow
from meeting_manager.extensions import db as _db

ROOT = Path(__file__).resolve().parents[1]
#: settings the subprocess must not inherit from the developer's shell
CONFIG_VARIABLES = ("DATABASE_URL", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "SECRET_KEY", "BADGE_KEY",
                    "BADGE_KEY_FALLBACKS", "MEETING_MANAGER_VAR",
                    "STORAGE_DIR", "MAX_UPLOAD_MB", "TEST_DATABASE_URL", "PUBLIC_URL", "REDIS_URL",
                    "CELERY_BROKER_URL", "SESSION_COOKIE_SECURE")


def settings_under(env: dict, tmp_path: Path, *names: str) -> dict:
    """Import config.py in a fresh interpreter with `env` and return the named settings of Config."""
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    clean.setdefault("MEETING_MANAGER_VAR", str(tmp_path / "var"))
    clean.update(env)
    code = ("import json, config; "
            f"print(json.dumps({{n: str(getattr(config.Config, n)) for n in {list(names)!r}}}))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True,
                          check=True)
    return json.loads(done.stdout)


# --- the factory ------------------------------------------------------------------------------------------------


def test_create_app_with_testing_config(app):
    assert app.testing
    assert app.config["WTF_CSRF_ENABLED"] is False
    assert app.config["SQLALCHEMY_DATABASE_URI"] == TestingConfig.SQLALCHEMY_DATABASE_URI
    assert app.config["STORAGE_DIR"].is_dir()
    assert {"accounts", "meetings", "reference"} <= set(app.blueprints)


def test_create_app_accepts_an_import_path(tmp_path, monkeypatch):
    monkeypatch.setattr(TestingConfig, "STORAGE_DIR", tmp_path / "files")
    app = create_app("config.TestingConfig")
    assert app.testing and (tmp_path / "files").is_dir()


def test_each_call_builds_an_independent_app(app):
    other = create_app(TestingConfig)
    assert other is not app
    assert other.url_map is not app.url_map
    endpoints = sorted(r.endpoint for r in app.url_map.iter_rules())
    assert sorted(r.endpoint for r in other.url_map.iter_rules()) == endpoints


def test_feature_commands_are_registered(app):
    assert {"create-admin", "load-reference-data", "db"} <= set(app.cli.commands)


def test_load_reference_data_command(runner, db):
    result = runner.invoke(args=["load-reference-data"])
    assert result.exit_code == 0, result.output
    assert "195 countries" in result.output
    assert runner.invoke(args=["load-reference-data"]).exit_code == 0


# --- settings from the environment -----------------------------------------------------------------------------


def test_config_reads_database_url_and_mail_server(tmp_path):
    settings = settings_under(
        {"DATABASE_URL": "postgresql+psycopg://u@db.example/mm", "MAIL_SERVER": "smtp.example.org",
         "MAIL_PORT": "587", "MAIL_USE_TLS": "true", "SECRET_KEY": "from-env", "MAX_UPLOAD_MB": "3"},
        tmp_path, "SQLALCHEMY_DATABASE_URI", "MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "SECRET_KEY",
        "MAX_CONTENT_LENGTH",
    )
    assert settings == {
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@db.example/mm", "MAIL_SERVER": "smtp.example.org",
        "MAIL_PORT": "587", "MAIL_USE_TLS": "True", "SECRET_KEY": "from-env", "MAX_CONTENT_LENGTH": str(3 * 2**20),
    }


def test_config_defaults_need_no_service(tmp_path):
    """Without any variable: an SQLite file under var/, mail kept in the outbox, jobs in-process."""
    settings = settings_under({}, tmp_path, "SQLALCHEMY_DATABASE_URI", "MAIL_SERVER", "CELERY_BROKER_URL",
                              "SESSION_COOKIE_HTTPONLY")
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'var' / 'meeting_manager.sqlite'}"
    assert settings["MAIL_SERVER"] == "None"
    assert settings["CELERY_BROKER_URL"] == "None"
    assert settings["SESSION_COOKIE_HTTPONLY"] == "True"


def test_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = settings_under({}, tmp_path, "SECRET_KEY")["SECRET_KEY"]
    second = settings_under({}, tmp_path, "SECRET_KEY")["SECRET_KEY"]
    key_file = tmp_path / "var" / "secret_key"
    assert first == second == key_file.read_text().strip()
    assert len(first) >= 40
    assert key_file.stat().st_mode & 0o077 == 0


def test_badge_key_is_its_own_generated_once_and_kept_private(tmp_path):
    first = settings_under({}, tmp_path, "BADGE_KEY", "SECRET_KEY", "BADGE_ACCEPT_SECRET_KEY")
    second = settings_under({}, tmp_path, "BADGE_KEY")["BADGE_KEY"]
    key_file = tmp_path / "var" / "badge_key"
    assert first["BADGE_KEY"] == second == key_file.read_text().strip() != first["SECRET_KEY"]
    assert len(second) >= 40 and key_file.stat().st_mode & 0o077 == 0
    assert first["BADGE_ACCEPT_SECRET_KEY"] == "True"  # badges printed before this key keep working
    from_env = settings_under({"BADGE_KEY": "from-env"}, tmp_path, "BADGE_KEY", "BADGE_ACCEPT_SECRET_KEY")
    assert from_env == {"BADGE_KEY": "from-env", "BADGE_ACCEPT_SECRET_KEY": "False"}


def test_testing_config_is_separate():
    assert TestingConfig.TESTING and not getattr(Config, "TESTING", False)
    assert TestingConfig.SECRET_KEY != Config.SECRET_KEY
    assert TestingConfig.MAIL_SERVER is None
    expected = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    assert expected == TestingConfig.SQLALCHEMY_DATABASE_URI


# --- security headers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/account/sign-in", "/no-such-page", "/static/css/app.css", "/account/users"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "script-src" not in directives or directives["script-src"] == ["'self'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_http_only_and_same_site(client, participant, auth):
    response = auth.sign_in(participant)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


# --- error pages -----------------------------------------------------------------------------------------------


def assert_in_layout(response):
    html = response.get_data(as_text=True)
    assert 'class="site-header"' in html and 'id="main"' in html and "</html>" in html
    assert response.mimetype == "text/html"
    return html


def test_404_page_is_in_the_layout(client):
    response = client.get("/meetings/987654")
    assert response.status_code == 404
    html = assert_in_layout(response)
    assert "Page not found" in html
    assert "Traceback" not in html


def test_403_page_is_in_the_layout(client, participant, auth):
    auth.sign_in(participant)
    response = client.get("/account/users")
    assert response.status_code == 403
    html = assert_in_layout(response)
    assert "Not allowed" in html and participant.name in html


def test_405_page_is_in_the_layout(client):
    response = client.get("/account/sign-out")
    assert response.status_code == 405
    assert_in_layout(response)


def test_400_page_when_the_csrf_token_is_missing(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/account/sign-in", data={"email": "a@example.org", "password": "x" * 12})
    assert response.status_code == 400
    assert "Bad request" in assert_in_layout(response)


def test_500_page_is_plain_and_in_the_layout(app, client, caplog):
    @app.route("/test-only/boom")
    @allow(PUBLIC)
    def boom():
        raise RuntimeError("secret detail of the failure")

    response = client.get("/test-only/boom")
    assert response.status_code == 500
    html = assert_in_layout(response)
    assert "Something went wrong" in html
    assert "secret detail" not in html and "RuntimeError" not in html and "Traceback" not in html
    assert any("Unhandled error" in r.getMessage() for r in caplog.records)


def test_500_after_a_failed_database_statement_still_renders(app, client, participant, auth):
    """A broken transaction must not break the error page (which reads the signed-in user's roles)."""

    @app.route("/test-only/bad-sql")
    @allow(SIGNED_IN)
    def bad_sql():
        # The layout then has to read the user from the database again, after the failed statement.
        _db.session.expire(current_user._get_current_object())
        _db.session.execute(text("SELECT no_such_column FROM no_such_table"))

    auth.sign_in(participant)
    response = client.get("/test-only/bad-sql")
    assert response.status_code == 500
    html = assert_in_layout(response)
    assert participant.name in html


def test_http_errors_raised_by_views_use_the_layout(app, client):
    @app.route("/test-only/teapot-403")
    @allow(PUBLIC)
    def refused():
        abort(403)

    response = client.get("/test-only/teapot-403")
    assert response.status_code == 403
    assert_in_layout(response)


def test_errors_answer_json_to_api_clients(client):
    response = client.get("/meetings/987654", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": "Not Found"}


def test_domain_error_redirects_only_to_our_own_pages(app, client):
    from meeting_manager.errors import DomainError

    @app.route("/test-only/domain-error")
    @allow(PUBLIC)
    def refused_by_domain():
        raise DomainError("Not now.")

    response = client.get("/test-only/domain-error", headers={"Referer": "https://evil.example/phish"})
    assert response.status_code == 303
    assert "evil.example" not in response.headers["Location"]
    response = client.get("/test-only/domain-error", headers={"Referer": "http://localhost/account/sign-in"})
    assert response.headers["Location"].endswith("/account/sign-in")
    assert "Not now." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_listed_feature_that_is_not_there_stops_the_start(monkeypatch, tmp_path):
    """FEATURES lists only what exists: a typo or a package left out of a commit fails loudly, not silently."""
    import meeting_manager

    monkeypatch.setattr(meeting_manager, "FEATURES", (*meeting_manager.FEATURES, "no_such_feature"))
    monkeypatch.setattr(TestingConfig, "STORAGE_DIR", tmp_path / "files")
    with pytest.raises(ModuleNotFoundError, match="no_such_feature"):
        create_app(TestingConfig)


def test_every_listed_feature_is_a_package():
    import meeting_manager

    package = Path(meeting_manager.__file__).parent
    assert [name for name in meeting_manager.FEATURES if not (package / name).is_dir()] == []
