"""Finding 5: passports sealed at rest (unreadable in a copy of the database, also after the migration of plain
data), files for the app's user only, a person's data exported and erased, retention per meeting."""
import io
import json
import stat
import zipfile
from datetime import date, timedelta

import pytest
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from config import TestingConfig
from conftest import use_emailed_link
from meeting_manager import create_app
from meeting_manager.accounts.models import User
from meeting_manager.audit.models import AuditEvent
from meeting_manager.extensions import db as _db
from meeting_manager.privacy import services as privacy
from meeting_manager.privacy.sealing import unseal
from meeting_manager.registration.models import Registration, RegistrationStatus, TravelDetails, VisaRequest

NUMBER = "P1234567X"


@pytest.fixture
def with_visa(register, approve, visa_data):
    """A participant signed in, approved, with a visa request (through the form)."""
    client, registration = register(**visa_data, dietary="Halal", accessibility="Step-free access")
    return client, approve(registration)


def _raw_visa(db) -> dict:
    return dict(db.session.execute(text("SELECT passport_number, passport_expiry, date_of_birth, place_of_birth "
                                        "FROM visa_requests")).mappings().one())


def test_passport_data_is_sealed_in_the_database(with_visa, db, visa_data):
    _client, registration = with_visa
    raw = _raw_visa(db)
    for name, value in raw.items():
        assert visa_data[name] not in value  # noise without the key
        assert unseal(value) == visa_data[name]  # and the key opens it
    db.session.expire_all()
    assert registration.visa_request.passport_number == NUMBER  # the model reads it as before
    assert registration.visa_request.date_of_birth == date(1985, 4, 12)


@pytest.mark.skipif(__import__("conftest").ON_POSTGRES, reason="a file copy of the SQLite database")
def test_a_copy_of_the_database_file_holds_no_passport(with_visa, db, tmp_path):
    import sqlite3

    copy = sqlite3.connect(tmp_path / "copy.sqlite")
    db.engine.raw_connection().driver_connection.backup(copy)  # what a stolen backup holds
    copy.close()
    content = (tmp_path / "copy.sqlite").read_bytes()
    assert b"Diallo" in content  # the copy is real ...
    assert NUMBER.encode() not in content and b"Dakar" not in content and b"1985-04-12" not in content


def test_the_migration_seals_what_was_stored_plainly_and_unseals_on_the_way_down(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'old.sqlite'}"
        STORAGE_DIR = tmp_path / "storage"

    app = create_app(Config)
    with app.app_context():
        try:
            upgrade(revision="106972443e72")  # before sealing
            _db.session.execute(text(
                "INSERT INTO visa_requests (id, registration_id, passport_number, passport_expiry, date_of_birth, "
                "place_of_birth) VALUES (1, 1, :n, '2030-01-31', '1985-04-12', 'Dakar')"), {"n": NUMBER})
            _db.session.commit()
            upgrade(revision="6380d5799d43")
            raw = _raw_visa(_db)
            assert NUMBER not in raw["passport_number"] and unseal(raw["passport_number"]) == NUMBER
            assert unseal(raw["date_of_birth"]) == "1985-04-12"
            downgrade(revision="106972443e72")
            assert _raw_visa(_db)["passport_number"] == NUMBER
        finally:
            _db.session.remove()
            _db.engine.dispose()


def test_a_new_key_reseals_everything_and_the_old_key_can_go(app, with_visa, db, runner):
    old_token = _raw_visa(db)["passport_number"]
    new = Fernet.generate_key().decode()
    app.config["PASSPORT_KEYS"] = [new, *app.config["PASSPORT_KEYS"]]
    result = runner.invoke(args=["keys", "reseal"])
    assert result.exit_code == 0 and "Resealed 1" in result.output
    token = _raw_visa(db)["passport_number"]
    assert token != old_token
    app.config["PASSPORT_KEYS"] = [new]  # the old key dropped
    db.session.expire_all()
    assert db.session.scalar(db.select(VisaRequest)).passport_number == NUMBER


def test_files_the_app_makes_are_for_its_user_only(tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'private.sqlite'}"
        STORAGE_DIR = tmp_path / "storage"

    app = create_app(Config)
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    (Config.STORAGE_DIR / "result.xlsx").write_bytes(b"visa list")  # as a job writes its result
    assert stat.S_IMODE((tmp_path / "private.sqlite").stat().st_mode) == 0o600
    assert stat.S_IMODE(Config.STORAGE_DIR.stat().st_mode) == 0o700
    assert stat.S_IMODE((Config.STORAGE_DIR / "result.xlsx").stat().st_mode) == 0o600


def test_a_participant_downloads_everything_held_about_them(with_visa, db):
    client, registration = with_visa
    page = client.get("/account/privacy")
    assert page.status_code == 200 and "Download my data" in page.text
    response = client.get("/account/privacy/my-data.zip")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    data = json.loads(archive.read("data.json"))
    assert data["registrations"][0]["email"] == registration.email
    assert data["visa_requests"][0]["passport_number"] == NUMBER
    assert {row["to_status"] for row in data["status_changes"]} == {"pending", "approved"}
    assert "password_hash" not in data["users"][0] and "badge_token" not in data["registrations"][0]
    assert sorted(archive.namelist()) == ["data.json", f"documents/e-ticket-{registration.id}.pdf",
                                          f"documents/visa-letter-{registration.id}.pdf"]
    assert archive.read(f"documents/visa-letter-{registration.id}.pdf").startswith(b"%PDF")
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "privacy.export")) is not None
    assert client.application.test_client().get("/account/privacy/my-data.zip").status_code == 302


def _balance_counts(db, meeting):
    return sorted(db.session.execute(db.select(Registration.status, Registration.gender,
                                               Registration.represented_country, Registration.category_id)
                                     .where(Registration.meeting_id == meeting.id)).all())


def test_asked_for_erasure_an_admin_erases_and_past_counts_stay(app, with_visa, db, admin, auth, outbox, meeting,
                                                              register):
    client, registration = with_visa
    register(email="other@example.org", given_name="Other")
    counts_before = _balance_counts(db, meeting)
    assert client.post("/account/privacy/erasure").status_code == 303
    assert client.post("/account/privacy/erasure").status_code == 303  # twice: still one request
    admin_client = app.test_client()
    from conftest import AuthActions

    AuthActions(admin_client).sign_in(admin)
    queue = admin_client.get("/admin/erasure")
    assert queue.status_code == 200 and registration.email in queue.text
    [request] = privacy.pending_erasure_requests()
    assert admin_client.post(f"/admin/erasure/{request.id}/erase").status_code == 303
    assert admin_client.post(f"/admin/erasure/{request.id}/erase").status_code == 303  # double submit: no harm
    db.session.expire_all()
    erased = db.session.get(Registration, registration.id)
    assert erased.given_name != "Amina" and "amina" not in erased.email and erased.visa_request is None
    assert erased.dietary == "" and erased.user_id is None
    assert db.session.scalar(db.select(User).where(User.email == "amina@example.org")) is None
    assert all(m.recipient != "amina@example.org" for m in outbox())
    assert _balance_counts(db, meeting) == counts_before  # past balance reports count the same
    assert client.get("/my/registrations").status_code == 302  # the account and its sessions are gone
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "privacy.erase"))
    assert event.details["registrations"] == 1 and "amina" not in json.dumps(event.details)


def test_erasure_pages_are_for_admins_and_owners(app, client, participant, auth, db):
    auth.sign_in(participant)
    assert client.get("/admin/erasure").status_code == 403
    assert client.post("/admin/erasure/1/erase").status_code == 403


def test_retention_erases_passports_travel_and_needs_after_the_meeting(with_visa, db, runner, meeting):
    _client, registration = with_visa
    registration.travel = TravelDetails(flight="LH 123", hotel="Hotel am See")
    db.session.commit()
    meeting.ends_on = date.today() - timedelta(days=91)
    meeting.starts_on = meeting.ends_on - timedelta(days=2)
    db.session.commit()
    dry = runner.invoke(args=["privacy", "retention", "--dry-run"])
    assert dry.exit_code == 0 and "Would erase" in dry.output and "visa_requests: 1" in dry.output
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).visa_request is not None  # a dry run changes nothing
    done = runner.invoke(args=["privacy", "retention"])
    assert done.exit_code == 0 and "Erased" in done.output
    db.session.expire_all()
    kept = db.session.get(Registration, registration.id)
    assert kept.visa_request is None and kept.travel is None and kept.dietary == kept.accessibility == ""
    assert kept.status == RegistrationStatus.approved and kept.given_name == "Amina"
    assert db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "privacy.retention")) is not None
    again = runner.invoke(args=["privacy", "retention"])
    assert "Nothing is past its retention period." in again.output


def test_retention_waits_for_the_meetings_own_period(with_visa, db, meeting):
    meeting.ends_on = date.today() - timedelta(days=91)
    meeting.starts_on = meeting.ends_on - timedelta(days=2)
    meeting.retention_days = 365
    db.session.commit()
    assert privacy.apply_retention(dry_run=True) == []


def test_the_emailed_link_flow_still_works_after_erasure_of_another(app, meeting, form_data, runner):
    client = app.test_client()
    client.post(f"/meetings/{meeting.id}/apply", data=form_data(email="keep@example.org"))
    runner.invoke(args=["privacy", "erase", "nobody@example.org", "--yes"])
    assert use_emailed_link(client, "keep@example.org").status_code == 302


def test_retention_also_drops_old_counters_and_challenges(client, meeting, form_data, db, runner, app):
    """The hashed addresses behind the limits and the CAPTCHAs are kept a day, not for ever."""
    from datetime import timedelta as days

    from meeting_manager.accounts.models import ThrottleHit
    from meeting_manager.captcha.models import Challenge

    meeting.require_captcha = True
    db.session.commit()
    client.get(f"/meetings/{meeting.id}/apply")
    client.post(f"/meetings/{meeting.id}/apply", data=form_data())
    for row in [*db.session.scalars(db.select(ThrottleHit)), *db.session.scalars(db.select(Challenge))]:
        if isinstance(row, ThrottleHit):
            row.at -= days(days=2)
        else:
            row.expires_at -= days(days=2)
    db.session.commit()
    assert runner.invoke(args=["privacy", "retention", "--dry-run"]).exit_code == 0
    assert db.session.scalar(db.select(db.func.count(ThrottleHit.id))) > 0  # a dry run keeps them
    assert runner.invoke(args=["privacy", "retention"]).exit_code == 0
    assert db.session.scalar(db.select(db.func.count(ThrottleHit.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Challenge.id))) == 0
