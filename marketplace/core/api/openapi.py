"""The OpenAPI 3.1 document, built from the routes that declare themselves with ``@documented``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app

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


STATUS_TEXT = {
    "200": "OK", "201": "Created", "202": "Accepted", "400": "Malformed request",
    "401": "Not logged in", "403": "Not allowed for this role or object", "404": "Not found",
    "409": "Conflicts with the current state", "422": "Invalid fields",
}


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
        for code in errors:
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
        return view

    return decorator


def build_document() -> dict:
    paths: dict[str, dict] = {}
    for (path, method), operation in sorted(OPERATIONS.items()):
        paths.setdefault(path, {})[method] = operation
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
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }
