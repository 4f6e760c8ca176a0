"""Helpers the browser journeys share: logging in and out, waiting, axe checks."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from playwright.sync_api import expect

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "browser passphrase"


def reload_until_visible(page, locator, timeout: float = 20.0) -> None:
    """Background work lands a moment later with Redis: reload until it shows."""
    deadline = time.monotonic() + timeout
    while not locator.count() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    expect(locator.first).to_be_visible()


def check_accessibility(page, name: str) -> None:
    """Run axe-core on the page; fail on serious or critical violations; keep a screenshot."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{violation['id']} ({violation['impact']}): {violation['help']} -> "
        + "; ".join(node["target"][0] if isinstance(node["target"][0], str)
                    else str(node["target"]) for node in violation["nodes"][:5])
        for violation in result["violations"] if violation["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"axe on {page.url}:\n" + "\n".join(serious)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@school.edu"


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out")


def fill_account(page, name: str, email: str, password: str = PASSWORD) -> None:
    """The account part of every registration form."""
    page.get_by_label("Full name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password)


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
