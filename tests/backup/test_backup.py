"""`flask backup` on one machine, `flask restore` on a fresh one: the same rows, files and keys come back, and a
badge printed before the backup still checks in at the desk (issue 20, finding 12)."""
import os
import stat
import tarfile

import psycopg
import pytest
from sqlalchemy import inspect, text

from config import TestingConfig
from conftest import ON_POSTGRES, PASSWORD, new_meeting
from meeting_manager.accounts.services import create_user
from meeting_manager.badges.models import BadgePrint
from meeting_manager.checkin.services import badge_payload
from meeting_manager.extensions import db
from meeting_manager.reference.services import load_reference_data
from meeting_manager.registration.models import Gender, Registration, RegistrationStatus

TABLES = ("users", "meetings", "registrations", "badge_prints", "meeting_roles", "countries")


def _databases():
    """(source URL, fresh URL) pairs: SQLite files always; PostgreSQL databases of our own with TEST_DATABASE_URL."""
    yield pytest.param(None, id="sqlite")
    if ON_POSTGRES:
        yield pytest.param("postgresql", id="postgresql")


def _pg_database(name: str) -> str:
    base = TestingConfig.SQLALCHEMY_DATABASE_URI.rsplit("/", 1)[0]
    with psycopg.connect(f"{base.replace('+psycopg', '')}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def snapshot() -> dict:
    """Every row of the tables that matter, as plain tuples."""
    with db.engine.connect() as connection:
        return {name: sorted(tuple(map(str, row)) for row in connection.execute(text(f'SELECT * FROM "{name}"')))
                for name in TABLES}


def build_meeting_with_a_printed_badge(app):
    db.create_all()
    load_reference_data()
    meeting = new_meeting()
    staff = create_user("desk@example.org", "Desk Staff", PASSWORD)
    from meeting_manager.accounts.models import MeetingRole, MeetingRoleName

    staff.meeting_roles.append(MeetingRole(meeting=meeting, role=MeetingRoleName.staff))
    category = next(c for c in meeting.categories if c.code == "civil_society")
    person = Registration(meeting=meeting, given_name="Thandiwe", family_name="Mokoena", badge_name="Thandiwe",
                          email="thandiwe@example.org", gender=Gender.woman, nationality="ZA", residence_country="ZA",
                          represented_country="ZA", category=category, status=RegistrationStatus.approved,
                          data_consent_at=meeting.created_at, badge_token="printed-badge-token-0123456789abcdef")
    db.session.add(person)
    db.session.flush()
    db.session.add(BadgePrint(meeting_id=meeting.id, registration_id=person.id, printed_by_id=staff.id, format="a6"))
    db.session.commit()
    note = app.config["STORAGE_DIR"] / "notes_verbales" / "kenya.pdf"
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_bytes(b"%PDF-1.4 the note verbale")
    return meeting.id, badge_payload(person)


@pytest.mark.parametrize("backend", list(_databases()))
def test_restore_on_a_fresh_machine_gives_back_the_data_and_printed_badges_still_scan(tmp_path, installation,
                                                                                       backend, desk_clock):
    source_url = _pg_database("mm_wt20b_backup_source") if backend else None
    fresh_url = _pg_database("mm_wt20b_backup_fresh") if backend else None
    archive = tmp_path / "offsite" / "backup.tar.gz"

    old = installation(tmp_path / "old" / "var", source_url)
    (old.config["VAR_DIR"] / "passport_keys").write_text("passport-key-2026\npassport-key-2024\n")
    with old.app_context():
        meeting_id, printed_badge = build_meeting_with_a_printed_badge(old)
        before = snapshot()
        result = old.test_cli_runner().invoke(args=["backup", "--output", str(archive)])
        assert result.exit_code == 0, result.output
        keys = {name: (old.config["VAR_DIR"] / name).read_text()
                for name in ("secret_key", "badge_key", "passport_keys")}
        db.session.remove()
        db.engine.dispose()
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600
    assert "Keys included: secret_key, badge_key, passport_keys" in result.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"manifest.json", "keys/secret_key", "keys/badge_key", "keys/passport_keys",
            "storage/notes_verbales/kenya.pdf"} <= set(names)

    fresh_var = tmp_path / "new" / "var"
    fresh = installation(fresh_var, fresh_url)  # a fresh machine: its own new keys, an empty database
    assert fresh.config["BADGE_KEY"] != old.config["BADGE_KEY"]
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        db.session.remove()
        db.engine.dispose()
    assert "Keys restored: secret_key, badge_key, passport_keys" in result.output
    for name, body in keys.items():
        assert (fresh_var / name).read_text() == body
        assert stat.S_IMODE(os.stat(fresh_var / name).st_mode) == 0o600

    restarted = installation(fresh_var, fresh_url)  # the app servers restarted, reading the restored keys
    with restarted.app_context():
        assert snapshot() == before
        note = restarted.config["STORAGE_DIR"] / "notes_verbales" / "kenya.pdf"
        assert note.read_bytes() == b"%PDF-1.4 the note verbale"
        assert stat.S_IMODE(os.stat(note).st_mode) == 0o600
        from meeting_manager.meetings.models import Meeting

        desk_clock(db.session.get(Meeting, meeting_id))  # at the door, on the meeting's first day
        client = restarted.test_client()
        signed_in = client.post("/account/sign-in", data={"email": "desk@example.org", "password": PASSWORD})
        assert signed_in.status_code == 302
        scan = client.post(f"/meetings/{meeting_id}/checkin/scan", json={"payload": printed_badge},
                           headers={"Accept": "application/json"})
        assert scan.status_code == 200, scan.get_data(as_text=True)
        assert scan.get_json()["result"] == "checked_in" and "Thandiwe" in scan.get_json()["name"]
        db.session.remove()
        db.engine.dispose()


def test_restore_refuses_a_database_in_use_unless_forced(tmp_path, installation):
    archive = tmp_path / "backup.tar.gz"
    old = installation(tmp_path / "old" / "var")
    with old.app_context():
        build_meeting_with_a_printed_badge(old)
        assert old.test_cli_runner().invoke(args=["backup", "-o", str(archive)]).exit_code == 0
        new_meeting(title="Made after the backup")
        runner = old.test_cli_runner()
        refused = runner.invoke(args=["restore", str(archive)])
        assert refused.exit_code != 0 and "--force" in refused.output
        titles = set(db.session.scalars(text("SELECT title FROM meetings")))
        assert "Made after the backup" in titles  # nothing was replaced
        db.session.remove()
        forced = runner.invoke(args=["restore", "--force", str(archive)])
        assert forced.exit_code == 0, forced.output
        assert set(db.session.scalars(text("SELECT title FROM meetings"))) == {"Global Meeting 2026"}
        assert inspect(db.engine).has_table("registrations")
        db.session.remove()
        db.engine.dispose()


def test_keys_from_the_environment_are_named_as_to_be_kept_separately(tmp_path, installation):
    old = installation(tmp_path / "var", BADGE_KEY="badge-key-from-the-vault")
    assert old.config["BADGE_KEY"] == "badge-key-from-the-vault"
    with old.app_context():
        db.create_all()
        result = old.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "b.tar.gz")])
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "BADGE_KEY is set in the environment and is not in the archive: back it up separately" in result.output
    with tarfile.open(tmp_path / "b.tar.gz") as tar:
        assert "keys/badge_key" not in tar.getnames()
        assert b"badge-key-from-the-vault" not in b"".join(
            tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())


def test_the_passport_keys_come_back_too(tmp_path, installation):
    """var/passport_keys holds the keys that open sealed passports (newest first): restored with the data."""
    old = installation(tmp_path / "old" / "var")
    keys = old.config["VAR_DIR"] / "passport_keys"
    keys.write_text("newest-key\nolder-key\n")
    with old.app_context():
        db.create_all()
        assert old.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "b.tar.gz")]).exit_code == 0
        db.engine.dispose()
    fresh = installation(tmp_path / "new" / "var")
    with fresh.app_context():
        result = fresh.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.tar.gz")])
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    restored = fresh.config["VAR_DIR"] / "passport_keys"
    assert restored.read_text() == "newest-key\nolder-key\n"
    assert stat.S_IMODE(os.stat(restored).st_mode) == 0o600
