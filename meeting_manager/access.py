"""Who may use which route: the one place where access is decided.

Every view is decorated with `@allow(RULE)`. A request to a view without a rule is refused (fail closed), and a
test walks `app.url_map` to check every route against every kind of user.
"""
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user
from sqlalchemy import select

from .delegations.models import Delegation
from .extensions import db, login_manager


@dataclass(frozen=True)
class Rule:
    name: str
    predicate: Callable[[object, dict], bool]
    needs_sign_in: bool = True

    def allows(self, user, view_args: dict) -> bool:
        if self.needs_sign_in and not user.is_authenticated:
            return False
        return self.predicate(user, view_args)


def _meeting_role(*roles: str) -> Callable[[object, dict], bool]:
    """A role in the meeting named by the route's `meeting_id`, or in any meeting where the route names none."""

    def predicate(user, view_args):
        if user.is_admin:
            return True
        return user.has_meeting_role(view_args.get("meeting_id"), roles)

    return predicate


PUBLIC = Rule("public", lambda user, args: True, needs_sign_in=False)
SIGNED_IN = Rule("signed in", lambda user, args: True)
ADMIN = Rule("admin", lambda user, args: user.is_admin)
ORGANISER = Rule("organiser", _meeting_role("organiser"))
STAFF = Rule("staff", _meeting_role("organiser", "staff"))


def _focal_point(user, view_args) -> bool:
    """The focal point of the delegation named by the route's `delegation_id`.

    Where the route names none: the focal point of any delegation.
    """
    if user.is_admin:
        return True
    query = select(Delegation.id).where(Delegation.focal_point_user_id == user.id)
    if (delegation_id := view_args.get("delegation_id")) is not None:
        query = query.where(Delegation.id == delegation_id)
    return db.session.scalar(query.limit(1)) is not None


FOCAL_POINT = Rule("focal point", _focal_point)


def allow(rule: Rule):
    """Declare who may use a view; checked before the view runs."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not rule.allows(current_user, kwargs):
                if not current_user.is_authenticated and rule.needs_sign_in:
                    return login_manager.unauthorized()
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_rule = rule
        return wrapped

    return decorator


def rule_for(endpoint: str) -> Rule | None:
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def refuse_undeclared_routes():
    """before_request hook: a route that forgot its rule is refused rather than left open."""
    endpoint = request.endpoint
    if endpoint is None or endpoint == "static" or endpoint.endswith(".static"):
        return
    if rule_for(endpoint) is None:
        current_app.logger.error("Route %s has no access rule; refused", endpoint)
        abort(403)
