"""The Global Meeting manager: application factory."""
import importlib
import importlib.util
import logging
import os

from flask import Flask, current_app, request
from flask_babel import get_locale, gettext

from . import i18n_text
from .access import refuse_undeclared_routes
from .database import configure_sqlite
from .errors import register_error_handlers
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .jobs.broker import make_celery
from .languages.bidi import IsolatingDomain, isolate_in_templates
from .languages.catalog import N_, NATIVE_NAMES, direction, html_tag, offered, select_locale
from .logs import configure_logging
from .names import render_name
from .navigation import meeting_menu, site_menu

#: one sub-package per feature; each may have models, views (with `bp`) and cli (with `commands`)
FEATURES = (
    "reference", "accounts", "meetings", "delegations", "invitations", "registration", "balance",
    "agenda", "badges", "checkin", "reports", "mail", "meeting_mail", "waitlist", "jobs", "audit", "privacy",
    "captcha", "api", "demo", "backup", "health", "languages",
)


def create_app(config: object | str = "config.Config") -> Flask:
    app = Flask(__name__, template_folder="../templates")
    app.config.from_object(config)
    check_production_settings(app.config)
    # Files this process makes (the SQLite database, storage/, job results such as a visa list with every
    # passport) are for its own user only: 0600 and 0700.
    os.umask(app.config.get("FILE_UMASK", 0o077))
    app.config["STORAGE_DIR"].mkdir(parents=True, exist_ok=True, mode=0o700)
    register_extensions(app)
    configure_sqlite(app)
    register_features(app)
    if app.config.get("CELERY_BROKER_URL"):
        make_celery(app)  # after the features: every background task they registered becomes a Celery task
    register_error_handlers(app)
    app.before_request(refuse_undeclared_routes)
    app.context_processor(template_helpers)
    app.after_request(set_security_headers)
    configure_logging(app)
    trust_proxies(app)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return app


class ConfigurationError(RuntimeError):
    """A setting production cannot run without; the message says which and how to set it."""


def check_production_settings(config) -> None:
    """In production, refuse to start with links to 127.0.0.1 or a sender address real relays reject."""
    if not config.get("PRODUCTION") or config.get("TESTING"):
        return
    problems = []
    if not config.get("PUBLIC_URL"):
        problems.append("PUBLIC_URL is not set: links in mail would point to http://127.0.0.1:5000. Set it to the "
                        "address people open, e.g. PUBLIC_URL=https://meetings.example.org")
    sender = config.get("MAIL_DEFAULT_SENDER") or ""
    if not config.get("MAIL_DEFAULT_SENDER_SET") or sender.rstrip(">").endswith("@localhost"):
        problems.append("MAIL_DEFAULT_SENDER is not set (or @localhost, which mail relays reject). Set it, e.g. "
                        "MAIL_DEFAULT_SENDER='Global Meeting <meetings@example.org>'")
    if problems:
        raise ConfigurationError("The Global Meeting manager cannot start in production:\n  - "
                                 + "\n  - ".join(problems))


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message_category = "info"
    # Flask-Login's own English message, replaced by ours and translated when flashed (in the reader's language)
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.localize_callback = gettext
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    babel.domain_instance = IsolatingDomain()  # values in a right-to-left sentence keep their own direction
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    isolate_in_templates(app.jinja_env)
    # the one way templates write a person's name: person_name(registration, "badge" | "list" | "letter" | ...)
    app.jinja_env.globals["person_name"] = render_name
    i18n_text.register(app)  # tr(...): the meeting's own content in the reader's language


def _feature_module(name: str, module: str):
    """The feature's module (models, views, ...) if it has one; a feature that does not exist fails loudly."""
    full = f"{__name__}.{name}.{module}"
    if importlib.util.find_spec(f"{__name__}.{name}") is None:
        raise ModuleNotFoundError(f"FEATURES lists {name!r}, but meeting_manager/{name}/ does not exist")
    return importlib.import_module(full) if importlib.util.find_spec(full) else None


def register_features(app: Flask) -> None:
    for name in FEATURES:
        _feature_module(name, "models")
        _feature_module(name, "receivers")  # connects the feature to the signals it reacts to
        _feature_module(name, "jobs")  # registers the feature's job kinds
    for name in FEATURES:
        if views := _feature_module(name, "views"):
            app.register_blueprint(views.bp)
        if cli := _feature_module(name, "cli"):
            for command in cli.commands:
                app.cli.add_command(command)


def template_helpers() -> dict:
    return {
        "site_menu": site_menu,
        "meeting_menu": meeting_menu,
        "locale": get_locale,
        "interface_languages": lambda: [(code, NATIVE_NAMES[code]) for code in offered()],
        "text_direction": lambda code=None: direction(code or get_locale()),
        "html_lang": lambda code=None: html_tag(code or get_locale()),
        "native_language_name": lambda: NATIVE_NAMES.get(str(get_locale()), str(get_locale())),
        "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
    }


def trust_proxies(app: Flask) -> None:
    """Read the client's address, scheme and host from the PROXY_COUNT proxies in front (X-Forwarded-*): each
    proxy appends one value, and only that many values from the right are believed."""
    if count := app.config.get("PROXY_COUNT", 0):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)


def set_security_headers(response):
    # Templates carry no inline script or style, so a strict policy holds; everything is served by the app.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.is_secure and (seconds := current_app.config.get("HSTS_SECONDS", 0)):
        response.headers.setdefault("Strict-Transport-Security", f"max-age={seconds}; includeSubDomains")
    return response
