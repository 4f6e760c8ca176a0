"""Markdown written by employers, rendered to HTML that is safe on every page."""

from __future__ import annotations

import re
from functools import lru_cache

import markdown
import nh3
from markupsafe import Markup

from marketplace.core.errors import (
    ValidationFailed,
)

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h3", "h4",
                "blockquote", "code", "pre", "hr"}


@lru_cache(maxsize=256)
def render_markdown(text: str) -> Markup:
    """Markdown to sanitized HTML: no script, no styles, links only to http(s) and mailto.

    Cached by text: the same description renders to the same HTML. Descriptions run
    to 20,000 characters, so the cache keeps only the last few hundred.
    """
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href"}},
                      url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704 - sanitized by nh3 just above


MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


MARKDOWN_MARKS = re.compile(r"(^|\s)(#{1,6}|>|[-*+]|\d+\.)\s+|[*_`~]+|<[^>]*>")


def plain_excerpt(text: str, length: int = 220) -> str:
    """A one-line plain-text teaser of Markdown for lists (the template escapes it).

    Lists show twenty of these per page, so this strips the Markdown marks with
    two regular expressions instead of rendering each description, and keeps the
    teasers of the postings most pages show (by the part of the text it reads).
    """
    return _excerpt((text or "")[: length * 4], length)


@lru_cache(maxsize=4096)
def _excerpt(head: str, length: int) -> str:
    plain = MARKDOWN_LINK.sub(r"\1", head)
    plain = " ".join(MARKDOWN_MARKS.sub(r"\1", plain).split())
    return plain if len(plain) <= length else plain[: length - 1].rsplit(" ", 1)[0] + "…"


def reflection_text(text: str | None) -> str:
    """A student's reflection (on a placement or a mentoring session), checked."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Write a few words first.", {"reflection": "Required."})
    if len(text) > 4000:
        raise ValidationFailed("Keep it under 4,000 characters.",
                               {"reflection": "At most 4,000 characters."})
    return text


# Excel reads a CSV file as UTF-8 only when it starts with the byte order mark:
# without it "Zoë Ångström" arrives as "ZoÃ« Ã…ngstrÃ¶m".
CSV_BOM = "\ufeff"
# A cell starting with one of these runs as a formula (or a DDE command, "|") in a
# spreadsheet; the full-width forms are read as the same characters.
FORMULA_STARTS = frozenset("=+-@\t\r|\uff1d\uff0b\uff0d\uff20")


def csv_safe(value: str) -> str:
    return "'" + value if value[:1] in FORMULA_STARTS else value
