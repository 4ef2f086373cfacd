"""RFC 9457 problem details: every error of the API says what went wrong and, for bad input, which field."""
from flask import Response, json
from werkzeug.http import HTTP_STATUS_CODES

MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raised inside an API view; becomes a problem-details answer."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None, errors: list | None = None,
                 headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.kind = status, str(detail), kind
        self.errors, self.headers = errors or [], headers or {}

    def body(self) -> dict:
        body = {"type": f"/api/v1/problems/{self.kind or self.status}", "title": HTTP_STATUS_CODES.get(self.status,
                                                                                                        "Error"),
                "status": self.status, "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return body

    def response(self) -> Response:
        response = Response(json.dumps(self.body()), status=self.status, mimetype=MEDIA_TYPE)
        response.headers.update(self.headers)
        return response


def field_errors(validation_error, where: str) -> list[dict]:
    """Pydantic's errors as {field, pointer, detail}: a JSON pointer into the body, or the query parameter."""
    errors = []
    for error in validation_error.errors():
        location = [str(part) for part in error["loc"]]
        field = ".".join(location) or None
        pointer = "#/" + "/".join(location) if where == "body" else None
        errors.append({"field": field, "in": where, **({"pointer": pointer} if pointer else {}),
                       "detail": error["msg"]})
    return errors
