"""Paths inside the app: built from endpoint names, checked before redirecting to them."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app

from marketplace.core.inputs import CONTROL


def path_for(endpoint: str, **values) -> str:
    """The path of ``endpoint`` (``/opportunities/7``), inside a request or not.

    Services and jobs store and send paths built here, so no domain spells out
    another domain's URLs and no request is needed to build one.
    """
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build(endpoint, values)


def safe_next(target: str | None) -> str | None:
    """Only same-site paths: never send a user to another host after log-in."""
    if not target or CONTROL.search(target) or any(ch in target for ch in "\r\n\t"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return None
    return target
