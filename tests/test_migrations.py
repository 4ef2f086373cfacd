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
