"""The challenge's picture and sound, for the form that shows it."""
from flask import Blueprint, Response, abort

from ..access import PUBLIC, allow
from . import services

bp = Blueprint("captcha", __name__, url_prefix="/captcha")


def _response(content: bytes | None, mimetype: str) -> Response:
    if content is None:
        abort(404)
    return Response(content, mimetype=mimetype, headers={"Cache-Control": "no-store"})


@bp.route("/<token>.png")
@allow(PUBLIC)
def picture(token: str):
    return _response(services.picture(token), "image/png")


@bp.route("/<token>.wav")
@allow(PUBLIC)
def sound(token: str):
    return _response(services.sound(token), "audio/wav")
