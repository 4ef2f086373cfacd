"""The API's one door: token, scope, the owner's current role, rate limit, input, idempotency and the audit.

Every endpoint is declared with `@endpoint(...)`; the declaration is also what the OpenAPI document is made from,
so the document cannot drift from the code.
"""
import hashlib
import time
from dataclasses import dataclass, field
from functools import wraps

from flask import current_app, g, json, request
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..access import Rule
from ..audit.services import record
from ..errors import DomainError, ValidationFailed
from ..extensions import csrf, db
from ..meetings.models import Meeting
from .models import ApiToken, IdempotentAnswer
from .problems import Problem, field_errors
from .schemas import MAX_ID
from .tokens import authenticate

#: the walk over the routes (tests/test_access.py) holds API routes to this: no signed-in page user gets through,
#: only a token does, and what it may do is checked below
API_TOKEN = Rule("api token", lambda user, args: False)
ORGANISER_ROLES, STAFF_ROLES = ("organiser",), ("organiser", "staff")


@dataclass
class Endpoint:
    method: str
    path: str
    name: str
    summary: str
    scope: str
    roles: tuple[str, ...] | None
    query: type[BaseModel] | None
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    tag: str
    errors: tuple[int, ...] = field(default=())


ENDPOINTS: list[Endpoint] = []


def endpoint(bp, method: str, path: str, *, summary: str, scope: str, roles=None, query=None, body=None,
             response=None, status: int = 200, tag: str = "meetings"):
    """Declare and route one API endpoint. The view gets (token, meeting or None, query, body, **path args)
    and returns its answer as a dict (or a pydantic model); `status` is the success status."""

    def decorator(view):
        spec = Endpoint(method, path, view.__name__, summary, scope, roles, query, body, response, status, tag)
        ENDPOINTS.append(spec)

        @wraps(view)
        def wrapped(**kwargs):
            try:
                return _handle(spec, view, kwargs)
            except Problem as problem:
                db.session.rollback()
                return _with_limits(problem.response())

        # A token in a header is not sent by a browser on its own: there is no cross-site request to forge.
        csrf.exempt(wrapped)
        wrapped.access_rule = API_TOKEN
        wrapped.api_endpoint = spec
        bp.add_url_rule(path, view.__name__, wrapped, methods=[method])
        return wrapped

    return decorator


def _handle(spec: Endpoint, view, kwargs: dict):
    token = _token()
    if any(value > MAX_ID for value in kwargs.values()):
        raise Problem(404, _("No such object."), kind="not-found")
    _rate_limit(token)
    if spec.scope not in token.scopes:
        raise Problem(403, _("This token lacks the “%(scope)s” scope.", scope=spec.scope), kind="insufficient-scope")
    meeting = _meeting(token, spec, kwargs.pop("meeting_id", None))
    query = _parse(spec.query, request.args.to_dict(), "query")
    if spec.method == "GET":
        return _with_limits(_answer(spec, view(token, meeting, query, None, **kwargs)))
    return _with_limits(_write(spec, view, token, meeting, query, kwargs))


def _token() -> ApiToken:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        if current_user.is_authenticated:  # a page session is no API credential: no cross-site writes with cookies
            raise Problem(403, _("The API takes an API token (Authorization: Bearer …), not a signed-in page."),
                          kind="token-required")
        raise Problem(401, _("An API token is needed: send it as Authorization: Bearer <token>."),
                      kind="token-required", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    token = authenticate(secret.strip())
    if token is None:
        raise Problem(401, _("This API token is unknown, revoked or expired."), kind="invalid-token",
                      headers={"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})
    g.api_token = token
    return token


def acts_as_admin(token: ApiToken) -> bool:
    """Site-admin rights count only for a token with the admin scope, and only while the owner is an admin."""
    return "admin" in token.scopes and token.user.is_admin


def may_act(token: ApiToken, meeting_id: int, roles) -> bool:
    """The owner's roles as they are now, never as they were when the token was made."""
    return acts_as_admin(token) or token.user.has_meeting_role(meeting_id, roles)


def _meeting(token: ApiToken, spec: Endpoint, meeting_id: int | None) -> Meeting | None:
    if meeting_id is None:
        return None
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise Problem(404, _("No such meeting."), kind="not-found")
    if spec.roles is not None and not may_act(token, meeting.id, spec.roles):
        raise Problem(403, _("Your role in this meeting does not allow this."), kind="wrong-role")
    return meeting


def _parse(model, data, where: str):
    if model is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise Problem(422, _("Some values are not valid; nothing was changed."), kind="validation",
                      errors=field_errors(error, where)) from None


def _body():
    if not request.data:
        return {}
    try:
        return json.loads(request.data)
    except ValueError:
        raise Problem(400, _("The body is not valid JSON."), kind="bad-json") from None


def _answer(spec: Endpoint, result):
    if isinstance(result, tuple):
        result, status = result
    else:
        status = spec.status
    if isinstance(result, BaseModel):
        result = result.model_dump(mode="json", exclude_none=False)
    return current_app.response_class(json.dumps(result), status=status, mimetype="application/json")


def _domain_problem(error: DomainError) -> Problem:
    # A problem that is data (a policy problem's code and params) keeps them beside its sentence.
    errors = [{"field": None, "detail": str(p), **({"code": p.code, "params": p.params} if hasattr(p, "code") else {})}
              for p in getattr(error, "problems", [])]
    status = error.status_code if error.status_code >= 400 else 400
    if isinstance(error, ValidationFailed) or status == 400:
        status = 422
    return Problem(status, str(error.message), kind=type(error).__name__, errors=errors)


def _fingerprint(body: bytes) -> str:
    return hashlib.sha256(b"%s %s\n%s" % (request.method.encode(), request.path.encode(), body)).hexdigest()


def _write(spec: Endpoint, view, token: ApiToken, meeting, query, kwargs):
    """Run a write once per Idempotency-Key: the answer is stored in the same transaction as the work."""
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 200:
        raise Problem(422, _("The Idempotency-Key is longer than 200 characters."), kind="validation",
                      errors=[{"field": "Idempotency-Key", "in": "header", "detail": "too long"}])
    fingerprint = _fingerprint(request.get_data())
    if key and (stored := _stored(token, key, fingerprint)) is not None:
        return stored
    body = _parse(spec.body, _body(), "body")
    try:
        result = view(token, meeting, query, body, **kwargs)
    except DomainError as error:
        raise _domain_problem(error) from None
    response = _answer(spec, result)
    record("api.write", actor=token.user, meeting=meeting, subject=token, endpoint=spec.name,
           status=response.status_code, idempotency_key=bool(key))
    if key:
        db.session.add(IdempotentAnswer(token_id=token.id, key=key, fingerprint=fingerprint,
                                        status=response.status_code, body=response.get_json()))
    try:
        db.session.commit()
    except IntegrityError:  # the same key raced us and won: its answer is the answer
        db.session.rollback()
        if key and (stored := _stored(token, key, fingerprint)) is not None:
            return stored
        raise
    return response


def _stored(token: ApiToken, key: str, fingerprint: str):
    answer = db.session.scalar(select(IdempotentAnswer).where(IdempotentAnswer.token_id == token.id,
                                                              IdempotentAnswer.key == key))
    if answer is None:
        return None
    if answer.fingerprint != fingerprint:
        raise Problem(422, _("This Idempotency-Key was used for another request."), kind="idempotency-key-reused",
                      errors=[{"field": "Idempotency-Key", "in": "header", "detail": "reused"}])
    response = current_app.response_class(json.dumps(answer.body), status=answer.status,
                                          mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


# --- rate limits per token ------------------------------------------------------------------------------------------

def _limiter() -> FixedWindowRateLimiter:
    app = current_app
    if "api_limiter" not in app.extensions:
        # Shared by every app server through Redis when REDIS_URL is set, like the sign-in limits.
        app.extensions["api_limiter"] = FixedWindowRateLimiter(storage_from_string(
            app.config.get("RATELIMIT_STORAGE_URI") or "memory://"))
    return app.extensions["api_limiter"]


def _rate_limit(token: ApiToken) -> None:
    limit = parse(current_app.config.get("API_RATE_LIMIT", "300/minute"))
    limiter, key = _limiter(), f"token-{token.id}"
    try:
        allowed = limiter.hit(limit, "api", key)
        reset, remaining = limiter.get_window_stats(limit, "api", key)
    except Exception:
        current_app.logger.warning("API rate limit storage unavailable")
        return
    seconds = max(0, int(reset - time.time()))
    amount, window = limit.amount, limit.get_expiry()
    g.api_rate = {"RateLimit-Policy": f'"token";q={amount};w={window}',
                  "RateLimit": f'"token";r={remaining};t={seconds}'}
    if not allowed:
        wait = max(seconds, 1)
        raise Problem(429, ngettext("Too many requests with this token; try again in %(num)d second.",
                                    "Too many requests with this token; try again in %(num)d seconds.", wait),
                      kind="rate-limited", headers={"Retry-After": str(wait)})


def _with_limits(response):
    for name, value in (g.get("api_rate") or {}).items():
        response.headers[name] = value
    return response
