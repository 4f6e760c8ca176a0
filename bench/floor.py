"""The app as ``make bench`` serves it: the product, plus two pages that show the floor
under every signed-in page.

``/bench/session`` finds the signed-in person (the one query every signed-in request
makes: the person, their session on this browser, their unread count) and answers
two bytes; ``/bench/layout`` also renders the site's layout around an empty page. No
page a student sees can be faster than these, so their rates next to ``/ping`` say
which goals the product's own pages could still reach.
"""

from __future__ import annotations

from flask import Flask, render_template
from flask_login import current_user

from marketplace import create_app as create_product

LAYOUT = '{% extends "base.html" %}{% block content %}<h1>Empty</h1>{% endblock %}'


def create_app() -> Flask:
    app = create_product()
    # Compiled once, as the product's own templates are (render_template_string would
    # compile it on every request).
    layout = app.jinja_env.from_string(LAYOUT)

    def session_only():
        return "ok" if current_user.is_authenticated else "no"

    def layout_only():
        return render_template(layout) if current_user.is_authenticated else "no"

    app.add_url_rule("/bench/session", "bench_session", session_only)
    app.add_url_rule("/bench/layout", "bench_layout", layout_only)
    return app
