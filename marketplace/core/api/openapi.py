"""The OpenAPI 3.1 document, built from the routes that declare themselves with ``@documented``."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from typing import Any

from flask import current_app
from jsonschema import Draft202012Validator, FormatChecker

from marketplace.core.inputs import CONTROL

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {}


ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}


SCHEMAS: dict[str, dict] = {"Error": ERROR_SCHEMA}
# The component schemas that describe request bodies: no field beyond those listed.
REQUEST_SCHEMAS: set[str] = set()


def components() -> dict[str, dict]:
    """The component schemas as published and enforced: request bodies take no other
    field, and free text no control character."""
    closed = {name: ({**definition, "additionalProperties": False}
                     if name in REQUEST_SCHEMAS and definition.get("type") == "object"
                     and "additionalProperties" not in definition else definition)
              for name, definition in SCHEMAS.items()}
    return with_text_rules(closed)


STATUS_TEXT = {
    "200": "OK", "201": "Created", "202": "Accepted",
    "400": "Malformed request (control characters, not JSON, an unknown filter)",
    "401": "Not logged in", "403": "Not allowed for this role or object", "404": "Not found",
    "405": "No such operation (an empty id in the path reaches another address)",
    "409": "Conflicts with the current state", "422": "Invalid fields",
}


# Text the API takes never holds control characters (core.inputs refuses them): the
# document says so on every string it accepts, so clients know before they send.
NO_CONTROL = "^[^" + CONTROL.pattern[1:-1] + "]*$"


def with_text_rules(node):
    """A copy of a schema in which every free-text string refuses control characters."""
    if isinstance(node, list):
        return [with_text_rules(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: with_text_rules(value) for key, value in node.items()}
    kinds = node.get("type")
    text = kinds == "string" or (isinstance(kinds, list) and "string" in kinds)
    if text and not ({"enum", "format", "pattern", "const"} & node.keys()):
        node["pattern"] = NO_CONTROL
    return node


def schema(name: str, definition: dict) -> dict:
    """Register a named component schema and return a ``$ref`` to it."""
    SCHEMAS[name] = definition
    return {"$ref": f"#/components/schemas/{name}"}


def documented(
    path: str,
    method: str,
    summary: str,
    *,
    response: dict | None = None,
    status: str = "200",
    request: dict | None = None,
    request_required: bool = True,
    parameters: list[dict] | None = None,
    errors: tuple[str, ...] = ("401", "403"),
    roles: str = "any logged-in user",
    public: bool = False,
) -> Callable:
    """Describe one operation; ``path`` uses OpenAPI's ``{name}`` placeholders."""

    def decorator(view: Callable) -> Callable:
        responses: dict[str, Any] = {
            status: {"description": STATUS_TEXT.get(status, "OK"),
                     **({"content": {"application/json": {"schema": response}}}
                        if response else {})}
        }
        codes = list(errors)
        # Any request may be malformed (control characters, JSON that is not JSON: 400,
        # core.inputs); an empty id in the path reaches another address (405).
        codes += [code for code in ("400", "405" if "{" in path else None)
                  if code and code not in codes]
        for code in codes:
            responses[code] = {"description": STATUS_TEXT[code], "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        operation: dict[str, Any] = {
            "summary": summary,
            "operationId": view.__name__,
            "description": f"Who may call it: {roles}.",
            "responses": responses,
        }
        if public:
            operation["security"] = []
        if request:
            operation["requestBody"] = {"required": request_required,
                                        "content": {"application/json": {"schema": request}}}
        path_params = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        params = [{"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
                  for name in path_params]
        params += parameters or []
        if params:
            operation["parameters"] = params
        OPERATIONS[(path, method.lower())] = operation
        view.openapi_request = request  # checked by core.api.views.json_body
        if request and "$ref" in request:
            REQUEST_SCHEMAS.add(request["$ref"].rsplit("/", 1)[1])
        return view

    return decorator


def build_document() -> dict:
    paths: dict[str, dict] = {}
    for (path, method), operation in sorted(OPERATIONS.items()):
        paths.setdefault(path, {})[method] = with_text_rules(copy.deepcopy(operation))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Career Connections API",
            "version": "1",
            "description": "Opportunities, applications, mentoring and outcome evidence. "
                           "Authenticate with `Authorization: Bearer TOKEN` (a token from "
                           "`flask --app marketplace users token EMAIL`) or the session "
                           "cookie plus an `X-CSRFToken` header for writes.",
        },
        "servers": [{"url": current_app.config["BASE_URL"] + "/api/v1"}],
        "components": {
            "schemas": components(),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }


# A date and time, to the minute at least, with or without an offset (a field that
# reads one without an offset in a time zone it is also given).
LOCAL_OR_OFFSET_TIME = (r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?"
                        r"([Zz]|[+-]\d{2}:\d{2})?$")


# The formats the API checks ("date", "date-time", "email"), and how: ours, not whichever
# optional packages jsonschema finds installed (with rfc3339-validator present it would
# check "date-time" itself, without it not at all).
FORMATS = FormatChecker(formats=())


@FORMATS.checks("email")
def _is_email(value) -> bool:
    """An address has a local part and a domain; the services check the rest."""
    if not isinstance(value, str):
        return True
    local, at, domain = value.rpartition("@")
    return bool(at and local and domain)


@FORMATS.checks("date", raises=ValueError)
def _is_date(value) -> bool:
    if not isinstance(value, str):
        return True  # the type rule speaks for other values
    return len(value) == 10 and bool(date.fromisoformat(value))


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value) -> bool:
    """RFC 3339: a date, a time and an offset (``Z`` or ``±hh:mm``)."""
    if not isinstance(value, str):
        return True
    if len(value) < 20 or value[10] not in "Tt":
        raise ValueError("not an RFC 3339 date-time")
    return datetime.fromisoformat(value.upper().replace("Z", "+00:00")).tzinfo is not None


@cache
def _validator_for(key: str) -> Draft202012Validator:
    request = _REQUESTS[key]
    root = {"components": {"schemas": components()}, **with_text_rules(request)}
    return Draft202012Validator(root, format_checker=FORMATS)


_REQUESTS: dict[str, dict] = {}


def request_errors(view, body) -> dict[str, str] | None:
    """What is wrong with ``body`` against the request schema ``view`` documents, by field
    (None when it documents none): the document is the contract, checked once here."""
    request = getattr(view, "openapi_request", None)
    if request is None:
        return None
    key = f"{view.__module__}.{view.__name__}"
    _REQUESTS.setdefault(key, request)
    errors: dict[str, str] = {}
    for error in _validator_for(key).iter_errors(body):
        if error.validator == "required":
            field = error.message.split("'")[1] if "'" in error.message else "body"
            message = "Required."
        elif error.validator == "additionalProperties":
            extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            field, message = (extra[0] if extra else "body"), "Unknown field."
        else:
            field = str(error.absolute_path[0]) if error.absolute_path else "body"
            message = _plain(error)
        errors.setdefault(field, message)
    return errors


def _plain(error) -> str:
    """A message a person can act on, from one schema error."""
    rule, value = error.validator, error.validator_value
    if rule == "type":
        names = {"string": "text", "integer": "a whole number", "number": "a number",
                 "boolean": "true or false", "array": "a list", "object": "an object",
                 "null": "null"}
        kinds = value if isinstance(value, list) else [value]
        return "Must be " + " or ".join(names.get(kind, kind) for kind in kinds) + "."
    if rule == "enum":
        return "Choose one of: " + ", ".join(str(v) for v in value if v is not None) + "."
    if rule in ("minimum", "exclusiveMinimum"):
        return f"At least {value}." if rule == "minimum" else f"More than {value}."
    if rule in ("maximum", "exclusiveMaximum"):
        return f"At most {value}." if rule == "maximum" else f"Less than {value}."
    if rule == "maxLength":
        return f"At most {value} characters."
    if rule == "minLength":
        return "Required." if value == 1 else f"At least {value} characters."
    if rule == "pattern" and value == NO_CONTROL:
        return "Text may not contain control characters."
    if rule == "pattern" and value == LOCAL_OR_OFFSET_TIME:
        return ("Use a date and time like 2027-01-31T15:30 (read in time_zone) or "
                "2027-01-31T15:30-05:00.")
    if rule == "format":
        return {"date": "Use a date like 2027-01-31.",
                "date-time": "Use a date and time like 2027-01-31T15:30:00-05:00."}.get(
                    value, f"Must be a valid {value}.")
    return "Not valid."
