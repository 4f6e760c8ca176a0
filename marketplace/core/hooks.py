"""Hooks: how a lower domain asks the domains above it without importing them.

The lower domain declares a ``Hook``; a higher domain registers a function on it
in its ``init_app``. With nothing registered a hook answers with nothing, so a
domain works on its own (opportunities without billing: no fees).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class Hook:
    def __init__(self, name: str) -> None:
        self.name = name
        self._functions: list[Callable] = []

    def register(self, function: Callable) -> Callable:
        """Add ``function`` (once, however many apps are created). Returns it."""
        if function not in self._functions:
            self._functions.append(function)
        return function

    def results(self, *args, **kwargs) -> list[Any]:
        """Call every registered function, in registration order."""
        return [function(*args, **kwargs) for function in self._functions]

    def merged(self, defaults: dict, *args, **kwargs) -> dict:
        """``defaults`` updated with every registered function's answer (dicts), in order."""
        merged = dict(defaults)
        for answer in self.results(*args, **kwargs):
            merged.update(answer)
        return merged

    def first(self, *args, default: Any = None, **kwargs) -> Any:
        """The first answer that is not None, or ``default``."""
        for function in self._functions:
            answer = function(*args, **kwargs)
            if answer is not None:
                return answer
        return default

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._functions)} registered>"
