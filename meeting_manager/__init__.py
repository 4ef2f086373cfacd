"""The Global Meeting manager: application factory."""
import importlib
import importlib.util
import logging

from flask import Flask, current_app, has_request_context, request
from flask_babel import get_locale
from flask_login import current_user

from .access import refuse_undeclared_routes
from .errors import register_error_handlers
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .names import render_name
from .navigation import meeting_menu, site_menu

#: one sub-package per feature; each may have models, views (with `bp`) and cli (with `commands`)
FEATURES = (
    "reference", "accounts", "meetings", "delegations", "invitations", "registration", "balance",
    "agenda", "badges", "checkin", "reports", "mail", "jobs", "audit", "api", "demo",
)


def create_app(config: object | str = "config.Config") -> Flask:
    app = Flask(__name__, template_folder="../templates")
    app.config.from_object(config)
    app.config["STORAGE_DIR"].mkdir(parents=True, exist_ok=True)
    register_extensions(app)
    register_features(app)
    register_error_handlers(app)
    app.before_request(refuse_undeclared_routes)
    app.context_processor(template_helpers)
    app.after_request(set_security_headers)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # the one way templates write a person's name: person_name(registration, "badge" | "list" | "letter" | ...)
    app.jinja_env.globals["person_name"] = render_name


def _feature_module(name: str, module: str):
    full = f"{__name__}.{name}.{module}"
    try:
        spec = importlib.util.find_spec(full)
    except ModuleNotFoundError:  # the feature's package is not there (yet): a fresh clone has no empty folders
        return None
    return importlib.import_module(full) if spec else None


def register_features(app: Flask) -> None:
    for name in FEATURES:
        _feature_module(name, "models")
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
        "has_endpoint": lambda endpoint: endpoint in current_app.view_functions,
    }


def select_locale() -> str | None:
    if not has_request_context():  # services called from the CLI or a test: the default locale
        return None
    if current_user and current_user.is_authenticated and current_user.locale:
        return current_user.locale
    return request.accept_languages.best_match(current_app.config["LANGUAGES"]) or "en"


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
    return response
