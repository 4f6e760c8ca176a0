"""Helpers the browser journeys share: logging in and out, waiting, axe and HTML checks."""

from __future__ import annotations

import time
import uuid
import weakref
from pathlib import Path

from playwright.sync_api import Error, expect

from tests.support import WORKER

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
# The Nu HTML Checker validates these (conftest.py); one folder per pytest-xdist worker.
HTML_PAGES = ARTIFACTS / "html" / (WORKER or "pages")
PASSWORD = "browser passphrase"

# Each page's latest main-frame document response, kept by remember_documents().
_documents: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def reload_until_visible(page, locator, timeout: float = 20.0) -> None:
    """Background work lands a moment later with Redis: reload until it shows."""
    deadline = time.monotonic() + timeout
    while not locator.count() and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    expect(locator.first).to_be_visible()


def remember_documents(page) -> None:
    """Keep the response of every document the page's main frame loads (page fixtures)."""

    def remember(response) -> None:
        if response.frame == page.main_frame and response.request.is_navigation_request():
            _documents[page] = response

    page.on("response", remember)


def served_html(page) -> bytes:
    """The page's HTML exactly as the server sent it.

    The body of the response the browser rendered: this is what the server sent for GET
    and POST results alike (a form re-shown with its errors), flash messages included. A
    second `page.request.get(page.url)` would be another request: a GET in place of a
    POST, with the flash already consumed. `page.content()` is the live DOM, serialized
    after the parser's fix-ups and app.js's changes; it is only the fallback, when the
    current document has no response of its own (a same-page #fragment is fine).
    """
    response = _documents.get(page)
    if (response is not None and response.url.split("#")[0] == page.url.split("#")[0]
            and (response.headers.get("content-type") or "").startswith("text/html")):
        try:
            return response.body()
        except Error:  # the browser no longer holds the body
            pass
    return page.content().encode()


def check_accessibility(page, name: str) -> None:
    """Run axe-core on the page; fail on serious or critical violations; keep a screenshot.

    Also keep the page's HTML as served, for the Nu HTML Checker at the end (conftest.py).
    """
    HTML_PAGES.mkdir(parents=True, exist_ok=True)
    (HTML_PAGES / f"{name}.html").write_bytes(served_html(page))
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
    check_phone_width(page, name)


PHONE = {"width": 390, "height": 844}


def check_phone_width(page, name: str) -> None:
    """The page fits a 390 px phone without sideways scrolling: measured in the page itself
    on a phone, or, for a page a journey visits on a wide screen, by loading the same
    address at 390 × 844 with the same cookies (a screenshot is kept beside the others)."""
    viewport = page.viewport_size or {}
    if viewport.get("width", 0) <= PHONE["width"]:
        width = page.evaluate("() => document.documentElement.scrollWidth")
    else:
        context = page.context.browser.new_context(
            viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1)
        try:
            context.add_cookies(page.context.cookies())
            phone = context.new_page()
            phone.goto(page.url)
            width = phone.evaluate("() => document.documentElement.scrollWidth")
            phone.screenshot(path=str(SCREENSHOTS / f"{name}@390.png"), full_page=True)
        finally:
            context.close()
    assert width <= PHONE["width"], f"{name} ({page.url}) is {width} px wide at 390 px"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@school.edu"


def _ready_nav(page):
    """The main navigation once app.js has set it up (on a phone it then folds behind
    the Menu button): deciding before that would race the script."""
    page.wait_for_function("() => { const toggle = document.querySelector('.nav-toggle');"
                           " return document.readyState !== 'loading'"
                           " && (!toggle || !toggle.hidden); }")
    return page.get_by_role("navigation", name="Main")


def follow_nav(page, name: str, group: str | None = None) -> None:
    """Click a link of the main navigation as a person would: open the Menu on a phone,
    then the group the link sits in."""
    nav = _ready_nav(page)
    toggle = nav.get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    if group:
        details = nav.locator("details", has=page.locator("summary", has_text=group))
        if details.get_attribute("open") is None:
            details.locator("summary").click()
    nav.get_by_role("link", name=name, exact=True).click()
    # The click waits for the new page to start; its stylesheet may still be on the way.
    page.wait_for_load_state()


def log_out(page) -> None:
    click_log_out(page)
    expect(page.get_by_role("status")).to_contain_text("You are logged out")


def click_log_out(page) -> None:
    """The Log out button sits in the Account group (behind Menu on a phone)."""
    nav = _ready_nav(page)
    toggle = nav.get_by_role("button", name="Menu")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    account = nav.locator("details", has=page.locator("summary", has_text="Account"))
    if account.count() and account.get_attribute("open") is None:
        account.locator("summary").click()
    page.get_by_role("button", name="Log out").click()


def open_emailed_link(page, mailbox, address: str, path: str, timeout: float = 20) -> None:
    """Open the newest ``path`` link e-mailed to ``address`` (waits for the e-mail)."""
    import time

    from tests.smtp_server import link_in

    deadline = time.monotonic() + timeout
    while True:
        messages = [m for m in mailbox.messages if m["To"] == address]
        links = []
        for message in reversed(messages):
            try:
                links.append(link_in(message, path))
            except AssertionError:
                continue
        if links:
            page.goto(links[0])
            return
        assert time.monotonic() < deadline, f"no {path} e-mail to {address}"
        time.sleep(0.2)


def confirm_registration(page, mailbox, address: str) -> None:
    """After "Create my account": the page says to check the mail; open the link in it."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    check_accessibility(page, "register-check-email")
    open_emailed_link(page, mailbox, address, "/auth/verify/")
    expect(page.get_by_role("status").first).to_contain_text("your e-mail address is confirmed")


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
