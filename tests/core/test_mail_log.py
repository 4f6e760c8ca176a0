"""With no mail server, e-mail goes to the log in development (the links are there), but
in a deployment the log never holds an address, a name or a link."""

from __future__ import annotations

import logging

from marketplace.core.mail import build_message, deliver


def test_unsent_mail_is_logged_whole_only_outside_a_deployment(app, caplog):
    with app.test_request_context():
        message = build_message("ana@school.edu", "Reset your password, Ana",
                                "Open https://example.edu/auth/reset/secret-token")
        caplog.set_level(logging.WARNING)
        assert deliver(message) is False
        assert "ana@school.edu" in caplog.text and "secret-token" in caplog.text
        caplog.clear()
        app.config["PRODUCTION"] = True
        try:
            assert deliver(message) is False
        finally:
            app.config["PRODUCTION"] = False
        assert "MAIL_SERVER is not set" in caplog.text
        for private in ("ana@school.edu", "Ana", "secret-token"):
            assert private not in caplog.text
