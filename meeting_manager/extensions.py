"""Flask extensions, created unbound and initialised by the application factory; SQLite's connection settings."""
import sqlite3

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, event

from .models_base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
#: limits on guessing passwords and on asking for emailed links (accounts/views.py)
limiter = Limiter(get_remote_address)


@event.listens_for(Engine, "connect")
def _sqlite_settings(connection, _record) -> None:
    """A SQLite file: write-ahead log (readers never wait for a writer; a commit appends to the log instead of
    syncing the database file twice: the opening-hour rush commits ~3× faster) and a busy timeout (a writer waits
    up to 10 s for another instead of failing at once). synchronous=NORMAL is safe in WAL mode against a crash of
    the app; a power cut may lose the last commits, never the file."""
    if not isinstance(connection, sqlite3.Connection):
        return
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 10000")
    if cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal":  # in-memory databases stay "memory"
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()
