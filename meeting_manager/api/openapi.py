"""The OpenAPI 3.1 document, made from the endpoint declarations and their pydantic schemas."""
import re

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ..languages.catalog import LANGUAGES
from .edge import ENDPOINTS, Endpoint
from .models import SCOPES
from .schemas import MAX_ID

PROBLEM = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "detail": {"type": "string", "description": "in the Accept-Language language"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": ["string", "null"]}, "in": {"type": "string"}, "pointer": {"type": "string"},
            "detail": {"type": "string", "description": "in the Accept-Language language"},
            "code": {"type": "string", "description": "a rule's finding or a policy's problem: what it says, stable "
                                                      "across releases (e.g. cap.over, minimums.above_capacity)"},
            "params": {"type": "object", "description": "the numbers and keys the detail is made of"}}}},
    },
}
ERRORS = {400: "The body is not JSON", 401: "No token, or an unknown, revoked or expired one",
          403: "The token lacks the scope, or its owner the role", 404: "No such object",
          409: "Refused by a rule of the meeting (the detail says which)",
          422: "Invalid input; `errors` names each field", 429: "Rate limit reached; see Retry-After"}
#: OpenAPI links: what one answer lets a client (and schemathesis' stateful phase) do next
LINKS = {
    ("create_invitations", "201"): {"RegisterTheInvitee": {
        "operationId": "create_registration", "parameters": {"meeting_id": "$request.path.meeting_id"},
        "requestBody": {"invitation_id": "$response.body#/items/0/id", "gender": "woman", "nationality": "KE",
                        "residence_country": "KE", "given_name": "Wanjiru", "data_consent": True}}},
    ("create_registration", "201"): {"DecideIt": {
        "operationId": "decide_registration",
        "parameters": {"meeting_id": "$request.path.meeting_id", "registration_id": "$response.body#/id"},
        "requestBody": {"outcome": "approved"}}},
    ("decide_registration", "200"): {"CheckInTheBadge": {
        "operationId": "check_in_by_badge", "parameters": {"meeting_id": "$request.path.meeting_id"},
        "requestBody": {"payload": "$response.body#/registration/badge_payload"}}},
}
#: every operation answers in the language asked for; programs read the codes beside the sentences
ACCEPT_LANGUAGE = {"name": "Accept-Language", "in": "header", "required": False,
                   "schema": {"type": "string", "example": "es"},
                   "description": "the language of sentences and problem details: " + ", ".join(LANGUAGES)
                                  + "; English when none of them is asked for. Codes and params do not change."}
RATE_HEADERS = {"RateLimit": {"schema": {"type": "string"}, "description": "remaining requests and seconds to reset"},
                "RateLimit-Policy": {"schema": {"type": "string"}}}


def _path(flask_path: str) -> str:
    return "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", flask_path)


def _models() -> list[type[BaseModel]]:
    seen = []
    for spec in ENDPOINTS:
        for model in (spec.body, spec.response):
            if model is not None and model not in seen:
                seen.append(model)
    return seen


def _query_parameters(model: type[BaseModel] | None) -> list[dict]:
    if model is None:
        return []
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [{"name": name, "in": "query", "required": name in required, "schema": prop,
             **({"description": prop["description"]} if "description" in prop else {})}
            for name, prop in schema["properties"].items()]


def _operation(spec: Endpoint) -> dict:
    id_schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    path_params = [{"name": name, "in": "path", "required": True, "schema": id_schema}
                   for name in re.findall(r"<int:(\w+)>", spec.path)]
    parameters = path_params + _query_parameters(spec.query) + [ACCEPT_LANGUAGE]
    if spec.method != "GET":
        parameters.append({"name": "Idempotency-Key", "in": "header", "required": False,
                           "schema": {"type": "string", "maxLength": 200},
                           "description": "the same key answers the same again; nothing is done twice"})
    success = {"description": "OK", "headers": RATE_HEADERS}
    if spec.response is not None:
        schema = {"$ref": f"#/components/schemas/{spec.response.__name__}"}
        success["content"] = {"application/json": {"schema": schema}}
    responses = {str(spec.status): success}
    if links := LINKS.get((spec.name, str(spec.status))):
        success["links"] = links
    if spec.name == "check_in_by_badge":
        responses["200"] = {**success, "description": "Already checked in: nothing recorded"}
    for status, description in ERRORS.items():
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        responses[str(status)] = {"description": description, "content": problem}
    operation = {"operationId": spec.name, "summary": spec.summary, "tags": [spec.tag],
                 "security": [{"token": [spec.scope]}], "parameters": parameters, "responses": responses,
                 "description": f"Scope: `{spec.scope}`." + (f" Role in the meeting: {' or '.join(spec.roles)}."
                                                             if spec.roles else "")}
    if spec.body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{spec.body.__name__}"}}}}
    return operation


def document(server_url: str = "/") -> dict:
    _refs, definitions = models_json_schema([(m, "validation" if m in {e.body for e in ENDPOINTS} else "serialization")
                                             for m in _models()], ref_template="#/components/schemas/{model}")
    schemas = dict(definitions.get("$defs", {}))
    schemas["Problem"] = PROBLEM
    paths: dict = {}
    for spec in ENDPOINTS:
        paths.setdefault(_path(spec.path), {})[spec.method.lower()] = _operation(spec)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Global Meeting manager API", "version": "1.0.0",
                 "description": "Tokens are made in the account's settings (API tokens). Every write takes an "
                                "Idempotency-Key. Errors are RFC 9457 problem details. Sentences (a finding's "
                                "`sentence`, a problem's `detail`) are in the Accept-Language language, English by "
                                "default; beside them, `code` and `params` are for programs. Webhook deliveries carry "
                                "a `Webhook-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">` "
                                "made with the subscription's secret."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"token": {
            "type": "http", "scheme": "bearer", "description": "scopes: " + ", ".join(SCOPES)}}},
    }
