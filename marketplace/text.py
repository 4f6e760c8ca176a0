"""Markdown written by employers, rendered to HTML that is safe on every page."""

from __future__ import annotations

import markdown
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h3", "h4",
                "blockquote", "code", "pre", "hr"}


def render_markdown(text: str) -> Markup:
    """Markdown to sanitized HTML: no script, no styles, links only to http(s) and mailto."""
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                      url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above


def plain_excerpt(text: str, length: int = 220) -> str:
    """A one-paragraph plain-text teaser of Markdown (for lists)."""
    plain = nh3.clean(markdown.markdown(text or ""), tags=set()).replace("\n", " ").strip()
    plain = " ".join(plain.split())
    return plain if len(plain) <= length else plain[: length - 1].rsplit(" ", 1)[0] + "…"
