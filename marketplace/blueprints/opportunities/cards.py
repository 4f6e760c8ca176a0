"""Result cards rendered once per content: a card shows nothing but its posting's own
columns (and the reader's saved mark), so the HTML of a card is kept, keyed by exactly
those values. An edited posting reads different values and renders anew; nothing ever
needs to be retired by hand."""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace

from flask import Flask, get_template_attribute, request
from markupsafe import Markup

from marketplace.blueprints.opportunities.browse import CARD_COLUMNS
from marketplace.core.text import plain_excerpt

CARD_NAMES = tuple(column.key if hasattr(column, "key") else column.name
                   for column in CARD_COLUMNS)


def result_card(row, saved: bool = False) -> Markup:
    """The card of a results row (``browse(cards=True)``), ``saved`` marked or not."""
    return _card(tuple(row[: len(CARD_NAMES)]), bool(saved), request.script_root)


@lru_cache(maxsize=4096)
def _card(values: tuple, saved: bool, script_root: str) -> Markup:
    card = get_template_attribute("opportunities/_card.html", "card")
    fields = dict(zip(CARD_NAMES, values, strict=True))
    return Markup(card(SimpleNamespace(**fields), plain_excerpt, saved))


def init_app(app: Flask) -> None:
    app.add_template_global(result_card)
