"""Error pages in HTML, and SPEC's JSON error shape under /api."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from marketplace.core.errors import DomainError
from marketplace.core.extensions import db

MESSAGES = {
    400: ("Bad request", "We could not understand that request."),
    401: ("Log in needed", "Please log in to continue."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "There is nothing at this address. It may have moved or closed."),
    405: ("Not allowed", "This page does not accept that kind of request."),
    409: ("Conflict", "Someone changed this at the same time. Reload the page and try again."),
    413: ("Too large", "That upload is too large. Files can be at most 5 MB."),
    422: ("Check your input", "Some of what was sent is not valid."),
    429: ("Too many attempts", "Too many attempts in a short time. Wait a minute and try again."),
    500: ("Something went wrong", "Our mistake. The team has been told; please try again."),
}


CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
    422: "validation_failed", 429: "rate_limited", 500: "internal_error",
}


def is_busy(error: OperationalError) -> bool:
    text = str(error.orig).lower()
    return "database is locked" in text or "database is busy" in text


def wants_json() -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, message: str, code: str | None = None, fields: dict | None = None):
    body = {"error": {"code": code or CODES.get(status, "error"), "message": message,
                      "fields": fields or {}}}
    return jsonify(body), status


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        title, text = MESSAGES.get(status, (error.name, error.description))
        if isinstance(error, CSRFError):
            text = "This form had expired or came from another site. Please try again."
        # A description given to abort() is specific to this request: keep it
        # (but not the rate limiter's, which is the limit itself, e.g. "10 per 1 minute").
        elif (error.description and error.description != type(error).description
              and status != 429):
            text = error.description
        if wants_json():
            response, status = json_error(status, text)
            if status == 405 and error.valid_methods:
                response.headers["Allow"] = ", ".join(error.valid_methods)
            return response, status
        response = app.make_response(
            (render_template("errors/error.html", status=status, title=title, text=text), status)
        )
        if status == 429 and getattr(error, "retry_after", None):
            response.headers["Retry-After"] = str(error.retry_after)
        return response

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        if wants_json():
            return json_error(error.status, error.message, error.code, error.fields)
        title = MESSAGES.get(error.status, ("Error", ""))[0]
        return render_template("errors/error.html", status=error.status, title=title,
                               text=error.message), error.status

    @app.errorhandler(OperationalError)
    def handle_busy_database(error: OperationalError):
        # SQLite (the embedded default) answers "database is locked" when writers wait
        # past the busy timeout: the request can simply be sent again.
        # A connection the server dropped (it restarted): the pool has let go of every
        # connection as old; the same request sent again gets a fresh one.
        if error.connection_invalidated:
            db.session.rollback()
            # The endpoint and the error's kind only: the path may hold a token and the
            # error the statement's parameters.
            app.logger.warning("database connection lost on %s %s: %s", request.method,
                               request.endpoint, type(error.orig).__name__)
            text = "The connection to our database was reset. Please try again."
        elif not is_busy(error):
            return handle_unexpected(error)
        else:
            db.session.rollback()
            app.logger.warning("database busy on %s %s: %s", request.method,
                               request.endpoint, type(error.orig).__name__)
            text = "Many people are saving at this moment. Please try again in a second."
        if wants_json():
            response, status = json_error(503, text, "busy")
        else:
            response = app.make_response((render_template(
                "errors/error.html", status=503, title="Busy", text=text), 503))
            status = 503
        response.headers["Retry-After"] = "1"
        return response, status

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        # The endpoint, not the path: a path may hold a token (a reset or share link).
        app.logger.exception("Unhandled error on %s %s", request.method, request.endpoint)
        if wants_json():
            return json_error(500, MESSAGES[500][1])
        return render_template("errors/error.html", status=500, title=MESSAGES[500][0],
                               text=MESSAGES[500][1]), 500
