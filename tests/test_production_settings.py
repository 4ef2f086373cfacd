"""In production a missing PUBLIC_URL or MAIL_DEFAULT_SENDER stops the start with a clear message; the demo
prints the address it is served at."""
import os
import subprocess
from pathlib import Path

import pytest

from config import TestingConfig
from meeting_manager import ConfigurationError, create_app

ROOT = Path(__file__).resolve().parents[1]


def start_with(env: dict, tmp_path) -> subprocess.CompletedProcess:
    """`flask routes` (which builds the app as gunicorn's `wsgi:app` does) with these variables only."""
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("MAIL_", "PUBLIC_", "DATABASE_", "REDIS_", "CELERY_", "MEETING_MANAGER_"))}
    clean.update(MEETING_MANAGER_VAR=str(tmp_path / "var"), FLASK_APP="wsgi", **env)
    return subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "routes"], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=120)


def test_production_without_public_url_or_sender_does_not_start(tmp_path):
    done = start_with({"MAIL_SERVER": "smtp.example.org"}, tmp_path)
    assert done.returncode != 0
    assert "PUBLIC_URL is not set" in done.stderr and "MAIL_DEFAULT_SENDER is not set" in done.stderr

    done = start_with({"MAIL_SERVER": "smtp.example.org", "PUBLIC_URL": "https://meetings.example.org",
                       "MAIL_DEFAULT_SENDER": "Global Meeting <no-reply@localhost>"}, tmp_path)
    assert done.returncode != 0 and "PUBLIC_URL" not in done.stderr and "@localhost" in done.stderr

    done = start_with({"MAIL_SERVER": "smtp.example.org", "PUBLIC_URL": "https://meetings.example.org",
                       "MAIL_DEFAULT_SENDER": "Global Meeting <meetings@example.org>"}, tmp_path)
    assert done.returncode == 0, done.stderr


def test_the_laptop_default_starts_without_them(tmp_path):
    done = start_with({}, tmp_path)
    assert done.returncode == 0, done.stderr


def test_production_check_in_the_factory(tmp_path):
    class Production(TestingConfig):
        TESTING, PRODUCTION, PUBLIC_URL, MAIL_DEFAULT_SENDER_SET = False, True, None, False
        STORAGE_DIR = tmp_path / "storage"

    with pytest.raises(ConfigurationError, match="PUBLIC_URL is not set"):
        create_app(Production)


def test_demo_data_prints_the_public_url(app, runner):
    app.config["SERVER_NAME_FOR_LINKS"] = "https://meetings.example.org"
    result = runner.invoke(args=["demo-data", "--admin-email", "admin@example.org"])
    assert result.exit_code == 0, result.output
    assert "Sign in at https://meetings.example.org/account/sign-in with:" in result.output
    assert "127.0.0.1" not in result.output
