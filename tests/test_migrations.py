"""Migrations build the schema from nothing, match the models exactly, and come down again, on SQLite and PostgreSQL.

The comparison with the models fails while a model has changed without its migration: that is its purpose.
"""
import logging
import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, make_url, text

from config import TestingConfig
from meeting_manager import create_app
from meeting_manager.extensions import db

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")


def app_on(url: str, tmp_path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        STORAGE_DIR = tmp_path / "storage"

    return create_app(Config)


def schema_differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "render_as_batch": True})
    return compare_metadata(context, db.metadata)


def check_up_and_down(app) -> None:
    with app.app_context():
        try:
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert {t.name for t in db.metadata.sorted_tables} - tables == set(), "tables the migrations do not create"
            assert "alembic_version" in tables
            with db.engine.connect() as connection:
                assert connection.scalar(text("SELECT count(*) FROM alembic_version")) == 1
                differences = schema_differences(connection)
            assert differences == [], "the models differ from the migrated schema: a migration is missing"

            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
            upgrade()  # and up again from nothing: downgrade left no trace that breaks it
            assert {t.name for t in db.metadata.sorted_tables} <= set(inspect(db.engine).get_table_names())
        finally:
            db.session.remove()
            db.engine.dispose()


def test_migrations_on_a_fresh_sqlite_file(tmp_path):
    check_up_and_down(app_on(f"sqlite:///{tmp_path / 'fresh.sqlite'}", tmp_path))


@pytest.mark.skipif(not POSTGRES_URL.startswith("postgresql"), reason="TEST_DATABASE_URL is not a PostgreSQL URL")
def test_migrations_on_a_fresh_postgresql_database(tmp_path):
    import psycopg

    server = make_url(POSTGRES_URL)
    name = f"mm_migr_{uuid.uuid4().hex[:12]}"
    admin_dsn = server.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        check_up_and_down(app_on(server.set(database=name).render_as_string(hide_password=False), tmp_path))
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_running_migrations_keeps_the_app_logging(tmp_path):
    """Alembic's logging set-up must not silence the loggers that exist already (the app's error log)."""
    app = app_on(f"sqlite:///{tmp_path / 'log.sqlite'}", tmp_path)
    assert not app.logger.disabled  # the logger exists before Alembic configures logging
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert not app.logger.disabled
    assert not logging.getLogger("meeting_manager").disabled


def _row(table, **values) -> dict:
    """A row for `table` (reflected) with a plain value in every required column not given."""
    import datetime as dt

    from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric

    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.server_default is not None or column.primary_key:
            continue
        kind = column.type
        row[column.name] = (False if isinstance(kind, Boolean) else dt.date(2027, 2, 14) if isinstance(kind, Date)
                            else dt.datetime(2026, 12, 1) if isinstance(kind, DateTime)
                            else 1 if isinstance(kind, (Integer, Numeric))
                            else "pending" if column.name == "status" else "woman" if column.name == "gender"
                            else "guest" if column.name == "relation" else "open" if "mode" in column.name
                            else "[]" if column.name in ("findings", "options", "params") else "x")
    return row


def test_existing_names_move_into_the_name_model(tmp_path):
    """Migration 5b1e0a11c0de: existing registrations get the order their script or nationality suggests and a
    passport name in that order (what their visa letter said), computed by the app's own name functions."""
    from sqlalchemy import MetaData, Table, insert, select

    app = app_on(f"sqlite:///{tmp_path / 'names.sqlite'}", tmp_path)
    with app.app_context():
        try:
            upgrade(revision="87aa379d466f")
            meta = MetaData()
            meetings = Table("meetings", meta, autoload_with=db.engine)
            registrations = Table("registrations", meta, autoload_with=db.engine)
            people = [(1, "秀英", "王", "CN"), (2, "Thị Minh Khai", "Nguyễn", "VN"), (3, "Amina", "Diallo", "SN"),
                      (4, "", "Sukarnoputri", "ID")]
            with db.engine.begin() as connection:
                connection.execute(insert(meetings), [_row(meetings, id=1, title="GM", capacity=100)])
                connection.execute(insert(registrations), [
                    _row(registrations, id=rid, meeting_id=1, given_name=given, family_name=family,
                         nationality=country, residence_country=country, represented_country=country,
                         email=f"p{rid}@example.org", badge_token=f"token{rid}", badge_name=f"{given} {family}")
                    for rid, given, family, country in people])
            upgrade()
            with db.engine.connect() as connection:
                rows = connection.execute(text(
                    "SELECT id, name_order, passport_name, latin_name FROM registrations ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, "family_first", "王秀英", ""),
                                                (2, "family_first", "Nguyễn Thị Minh Khai", ""),
                                                (3, "given_first", "Amina Diallo", ""),
                                                (4, "given_first", "Sukarnoputri", "")]
            downgrade(revision="87aa379d466f")
            with db.engine.connect() as connection:
                assert connection.scalar(select(registrations.c.given_name).where(registrations.c.id == 2)) == \
                    "Thị Minh Khai"
        finally:
            db.session.remove()
            db.engine.dispose()


OLD_FINDINGS = [  # as the engine wrote them before f1d1c0de5a7a: asdict() of a Finding with its English sentence
    {"rule": "capacity", "severity": "holds", "message": "The meeting would have 12 of 100 seats taken.",
     "dimension": None, "value": None, "current": 11, "after": 12, "limit": 100},
    {"rule": "cap", "severity": "violation", "message": "Approving would put African States at 31 of 30 seats.",
     "dimension": "region", "value": "African States", "current": 30, "after": 31, "limit": 30},
    {"rule": "reservation", "severity": "violation", "message": "Approving would leave 1 seat free while other "
     "genders still need 2 seats reserved (women 2).", "dimension": "gender", "value": None, "current": 2,
     "after": 1, "limit": 2},
    {"rule": "delegation_mix", "severity": "warning", "message": "Approving would make delegation Ruritania "
     "single-gender: 3 members, every declared gender is man (mixed from 3 members).", "dimension": "delegation",
     "value": "7", "current": 2, "after": 3, "limit": 3},
    {"rule": "cap", "severity": "violation", "message": "Some sentence nobody wrote."},
]


def test_stored_finding_sentences_become_codes_and_back(tmp_path):
    """Migration f1d1c0de5a7a: the English sentences of the decision history become codes with their numbers
    (an unknown sentence keeps its words as "text"); downgrade writes the sentences again."""
    from sqlalchemy import MetaData, Table, insert, select

    app = app_on(f"sqlite:///{tmp_path / 'findings.sqlite'}", tmp_path)
    with app.app_context():
        try:
            upgrade(revision="18a0c0ffee01")
            meta = MetaData()
            meetings, registrations, changes, delegations = (
                Table(name, meta, autoload_with=db.engine)
                for name in ("meetings", "registrations", "status_changes", "delegations"))
            with db.engine.begin() as connection:
                connection.execute(insert(meetings), [_row(meetings, id=1, title="GM", capacity=100)])
                connection.execute(insert(delegations), [_row(delegations, id=7, meeting_id=1, name="Ruritania",
                                                              kind="state")])
                connection.execute(insert(registrations), [_row(registrations, id=1, meeting_id=1, email="p@x.org",
                                                                badge_token="t1")])
                connection.execute(insert(changes), [_row(changes, id=1, registration_id=1, findings=OLD_FINDINGS),
                                                     _row(changes, id=2, registration_id=1, findings=[])])
            upgrade()
            with db.engine.connect() as connection:
                stored = connection.scalar(select(changes.c.findings).where(changes.c.id == 1))
            assert [f.get("code") for f in stored] == ["capacity.holds", "cap.over", "reservation.short",
                                                       "delegation_mix.single_gender", None]
            assert stored[1] | {} == {"code": "cap.over", "rule": "cap", "severity": "violation",
                                      "dimension": "region", "value": "African States", "current": 30, "after": 31,
                                      "limit": 30}
            assert (stored[2]["own"], stored[2]["parts"]) == (True, [["woman", 2]])
            assert (stored[3]["gender"], stored[3]["value"]) == ("man", "7")
            assert stored[4] == {"rule": "cap", "severity": "violation", "text": "Some sentence nobody wrote."}
            assert not any("message" in f for f in stored)

            downgrade(revision="18a0c0ffee01")
            with db.engine.connect() as connection:
                restored = connection.scalar(select(changes.c.findings).where(changes.c.id == 1))
            assert restored == OLD_FINDINGS
        finally:
            db.session.remove()
            db.engine.dispose()


def test_content_languages_migration_keeps_existing_meetings(tmp_path):
    """c13a1e8f0b21: a meeting of before gets English as its default language and no translations; its title stays
    the default language's text, and coming down again keeps it."""
    app = app_on(f"sqlite:///{tmp_path / 'languages.sqlite'}", tmp_path)
    with app.app_context():
        try:
            upgrade(revision="13a0e5e1ec7d")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO meetings (title, description, starts_on, ends_on, timezone, venue, city, capacity, "
                    "status, registration_mode, require_verified_note_verbale, require_captcha, visa_signatory_name, "
                    "visa_signatory_title, visa_signatory_contact, decision_seq, created_at, updated_at) VALUES "
                    "('Global Meeting', 'Three days.', '2028-05-10', '2028-05-12', 'UTC', '', '', 100, 'open', "
                    "'open', 0, 0, '', '', '', 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"))
            upgrade(revision="c13a1e8f0b21")
            with db.engine.connect() as connection:
                row = connection.execute(text(
                    "SELECT title, default_language, content_languages, title_i18n, description_i18n "
                    "FROM meetings")).one()
            assert tuple(row) == ("Global Meeting", "en", None, "{}", "{}")
            downgrade(revision="13a0e5e1ec7d")
            with db.engine.connect() as connection:
                assert connection.scalar(text("SELECT title FROM meetings")) == "Global Meeting"
            assert "default_language" not in {c["name"] for c in inspect(db.engine).get_columns("meetings")}
        finally:
            db.session.remove()
            db.engine.dispose()
