"""Settings from environment variables, with safe defaults for a laptop and a separate test config."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("MEETING_MANAGER_VAR", BASE_DIR / "var"))


def _key(variable: str, filename: str, make=lambda: secrets.token_urlsafe(48)) -> str:
    """The key in `variable`, or a random one (`make()`) generated once into var/<filename> (mode 0600), so that
    it survives restarts on one host. Several hosts must share it: set the variable on each."""
    if key := os.environ.get(variable):
        return key
    path = VAR_DIR / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:  # created private from the first byte; O_EXCL: of two processes starting at once, one writes it
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as file:
                file.write(make())
    return path.read_text().strip()


def _secret_key() -> str:
    """Use SECRET_KEY, or a random key kept in var/secret_key."""
    return _key("SECRET_KEY", "secret_key")


def _passport_keys() -> list[str]:
    """PASSPORT_KEYS (comma-separated, newest first), or keys kept in var/passport_keys (one a line, made once).
    Keep them apart from database backups: whoever has both reads every passport."""
    from cryptography.fernet import Fernet

    keys = _key("PASSPORT_KEYS", "passport_keys", make=lambda: Fernet.generate_key().decode())
    return [key.strip() for key in keys.replace(",", "\n").splitlines() if key.strip()]


def _bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


class Config:
    VAR_DIR = VAR_DIR  # the key files, the SQLite file and backups: what `flask backup` takes along
    SECRET_KEY = _secret_key()
    PASSPORT_KEYS = _passport_keys()
    # Badge QR codes are signed with their own key, so that a new SECRET_KEY (sessions) leaves printed badges
    # valid. BADGE_KEY_FALLBACKS (space-separated) still verify after a rotation of the badge key. Badges printed
    # before badges had a key were signed with SECRET_KEY: while BADGE_KEY is not set in the environment, those
    # are accepted too (docs/security.md, "Badge key").
    BADGE_KEY = _key("BADGE_KEY", "badge_key")
    BADGE_KEY_FALLBACKS = os.environ.get("BADGE_KEY_FALLBACKS", "").split()
    BADGE_ACCEPT_SECRET_KEY = "BADGE_KEY" not in os.environ
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'meeting_manager.sqlite'}")
    # pool_pre_ping: a connection the database dropped (restart, failover) is replaced, not handed out
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # SQLite file: WAL journal, and a writer waits this long for another before the request answers 503
    SQLITE_BUSY_TIMEOUT_MS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_MS", "5000"))
    DATABASE_RETRY_AFTER = 5  # seconds, in the Retry-After of the 503 answered while the database is unavailable
    # Private files (notes verbales, generated PDFs) live outside the web root.
    STORAGE_DIR = Path(os.environ.get("STORAGE_DIR", VAR_DIR / "storage"))
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "10")) * 1024 * 1024

    MAIL_SERVER = os.environ.get("MAIL_SERVER")  # unset: mail stays in the in-app outbox
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")  # STARTTLS on MAIL_PORT (e.g. 587)
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")  # TLS from the first byte (e.g. port 465)
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "10"))  # seconds per SMTP connection
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Global Meeting <no-reply@localhost>")
    MAIL_DEFAULT_SENDER_SET = bool(os.environ.get("MAIL_DEFAULT_SENDER"))

    # Background jobs go to Celery when a broker is set; otherwise they run in a thread of the app.
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    CELERY_QUEUE = os.environ.get("CELERY_QUEUE", "meeting_manager")
    # celery | thread | inline | off; unset: celery with a broker, else thread (inline under TESTING): jobs.dispatch
    JOBS_RUNNER = os.environ.get("JOBS_RUNNER") or None
    # Days after a meeting's end when passport and visa data, travel details and free-text needs are erased.
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "90"))
    #: Celery beat's record of when each periodic task last ran: under var/, never in the checkout
    CELERY_BEAT_SCHEDULE_FILE = Path(os.environ.get("CELERY_BEAT_SCHEDULE_FILE", VAR_DIR / "celerybeat-schedule"))
    JOBS_RESULT_DAYS = int(os.environ.get("JOBS_RESULT_DAYS", "7"))  # job files (badges, reports) kept this long
    # A running job beats every JOBS_HEARTBEAT_SECONDS; silent for JOBS_LOST_SECONDS, it was lost with its worker
    # and is queued again (JOBS_MAX_ATTEMPTS runs at most). Longer than a broker's visibility timeout is pointless.
    JOBS_HEARTBEAT_SECONDS = float(os.environ.get("JOBS_HEARTBEAT_SECONDS", "10"))
    JOBS_LOST_SECONDS = float(os.environ.get("JOBS_LOST_SECONDS", "60"))
    JOBS_MAX_ATTEMPTS = int(os.environ.get("JOBS_MAX_ATTEMPTS", "2"))
    JOBS_STALE_HOURS = float(os.environ.get("JOBS_STALE_HOURS", "6"))  # still queued after this: failed
    #: seconds after which a task a worker took but never finished (it died) goes back to the queue (Redis)
    CELERY_VISIBILITY_TIMEOUT = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))

    # Logs: JSON lines on stderr (time, level, request id, route, status, duration), no personal data: logs.py
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")  # json | text | off
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")

    BABEL_DEFAULT_LOCALE = "en"
    # The six UN languages (meeting_manager/languages/catalog.py); a deployment may offer fewer.
    LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
    BABEL_DEFAULT_TIMEZONE = "UTC"

    # Sign-in and emailed-link limits, shared by every app server through Redis when REDIS_URL is set.
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    RATELIMIT_SWALLOW_ERRORS = True  # a Redis outage must not stop people from signing in
    RATELIMIT_HEADERS_ENABLED = False
    # Requests per API token (limits' syntax), counted in the same storage as the sign-in limits.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "300/minute")

    # Behind a proxy: how many proxies in front of the app set X-Forwarded-For/-Proto/-Host (nginx alone: 1). 0
    # (the default) trusts none of these headers, so that nobody can claim another address by sending them.
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    # Strict-Transport-Security on HTTPS requests (seen through the proxy's X-Forwarded-Proto): browsers then
    # refuse plain HTTP for this long. 0 turns it off; never sent over plain HTTP (a laptop keeps working).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    # "Keep me signed in": 30 days at most, a new cookie at each use (accounts.views), ended with the session.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # A browser that signed in to an account before: wrong passwords typed elsewhere never slow it down.
    DEVICE_COOKIE_NAME = "known_device"
    DEVICE_COOKIE_DAYS = 180
    SIGN_IN_FREE_FAILURES = 5  # per account per hour, then a delay that doubles (2 s ... 15 min)
    SIGN_IN_FREE_FAILURES_PER_ADDRESS = 30  # per network address per hour
    # Applying to an open meeting: per network address and per email address per hour; a CAPTCHA from the
    # APPLY_CAPTCHA_AFTER-th application of an address within the hour (0: always, None: only where a meeting asks).
    APPLY_LIMIT_PER_ADDRESS = int(os.environ.get("APPLY_LIMIT_PER_ADDRESS", "30"))
    APPLY_LIMIT_PER_EMAIL = int(os.environ.get("APPLY_LIMIT_PER_EMAIL", "5"))
    APPLY_CAPTCHA_AFTER = (None if os.environ.get("APPLY_CAPTCHA_AFTER", "3").lower() == "off"
                           else int(os.environ.get("APPLY_CAPTCHA_AFTER", "3")))
    # Refuse addresses whose domain cannot receive mail (a DNS lookup; skipped when DNS does not answer).
    EMAIL_CHECK_DELIVERABILITY = _bool("EMAIL_CHECK_DELIVERABILITY", True)
    # ... trusted only while this domain, known to take mail, resolves (empty: always trust the resolver)
    EMAIL_DNS_CANARY = os.environ.get("EMAIL_DNS_CANARY", "un.org")
    # One emailed link per address and purpose in this many minutes, whichever page asked for it.
    LINK_WINDOW_MINUTES = 10
    WTF_CSRF_TIME_LIMIT = None

    # Lifetimes of emailed links, in hours.
    PASSWORD_RESET_HOURS = 2
    SIGN_IN_LINK_HOURS = 24
    INVITATION_DAYS = 30
    #: the address people reach the app at, for links in mail and documents; required in production (below)
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or None
    SERVER_NAME_FOR_LINKS = PUBLIC_URL or "http://127.0.0.1:5000"
    #: production: mail leaves the machine (MAIL_SERVER) or the database is not the laptop's SQLite file, or
    #: MEETING_MANAGER_ENV=production. Then a missing PUBLIC_URL or MAIL_DEFAULT_SENDER stops the start.
    PRODUCTION = (os.environ.get("MEETING_MANAGER_ENV") == "production" or bool(os.environ.get("MAIL_SERVER"))
                  or not SQLALCHEMY_DATABASE_URI.startswith("sqlite"))


class TestingConfig(Config):
    TESTING = True
    PRODUCTION = False
    LOG_FORMAT = "off"  # pytest's caplog collects the records
    SECRET_KEY = "test-secret"
    PASSPORT_KEYS = ["7Jl0p2oZXbU0C6rX3mqvW3zKXhR1m0fQm8c0Yy2k9dE="]
    BADGE_KEY = "test-badge-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = False
    MAIL_SERVER = None
    CELERY_BROKER_URL = None
    JOBS_RUNNER = None  # inline: work committed by a request runs at the end of that request
    RATELIMIT_ENABLED = False
    APPLY_CAPTCHA_AFTER = None  # tests of the CAPTCHA turn it on
    EMAIL_CHECK_DELIVERABILITY = False  # no DNS on test machines
    # Cheap password hashing keeps the suite fast; production uses argon2-cffi's recommended cost.
    PASSWORD_HASHER = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
