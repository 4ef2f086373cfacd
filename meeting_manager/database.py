"""The database connection's settings (SQLite: WAL and a busy timeout) and how an outage is recognised.

In SQLite's default rollback-journal mode, one writer holding the file locks out readers too, and a writer that
waits longer than the busy timeout fails: under a 10 s write lock, 4 of 6 form posts failed with a 500. In WAL
mode readers go on during a write, and the busy timeout makes writers wait for each other.
"""
import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError, OperationalError

from .extensions import db

#: the SQLite errors that mean "busy or unreachable, try again", not a bug in a statement
SQLITE_OUTAGE_WORDS = ("database is locked", "database is busy", "unable to open database", "disk i/o error",
                       "database table is locked")


def configure_sqlite(app: Flask) -> None:
    """For an SQLite file (not an in-memory database): WAL journal and a busy timeout on every new connection."""
    with app.app_context():
        engine = db.engine
    if engine.url.get_backend_name() != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return

    @event.listens_for(engine, "connect")
    def set_pragmas(connection, _record):
        # read at each connect, so that a changed setting holds for the next connection
        timeout_ms = int(app.config.get("SQLITE_BUSY_TIMEOUT_MS", 5000))
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {timeout_ms:d}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


def is_outage(error: BaseException) -> bool:
    """Is this the database being locked, stopped or unreachable (answer 503, try again) rather than a bug?"""
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated:  # the server went away under an open connection
        return True
    if not isinstance(error, OperationalError):
        return False
    if isinstance(error.orig, sqlite3.OperationalError):  # "no such table" is a bug; "locked" is an outage
        return any(words in str(error.orig).lower() for words in SQLITE_OUTAGE_WORDS)
    return True  # PostgreSQL (psycopg): cannot connect, server shut down, lock not available
