"""/healthz: 200 when every check holds, 503 otherwise, with each check's answer as JSON."""
from flask import Blueprint, jsonify

from ..access import PUBLIC, allow
from . import services

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@allow(PUBLIC)
def healthz():
    """The deployment's health, for proxies, supervisors and monitoring."""
    checks = services.run_checks()
    healthy = all(check["ok"] for check in checks.values())
    response = jsonify(status="ok" if healthy else "fail", checks=checks)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
