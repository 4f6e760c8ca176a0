"""Browser tests: Playwright drives Debian's Chromium against the real app on a free port."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.core.extensions import db
from tests.fake_stripe import FakeStripe
from tests.journeys.helpers import HTML_PAGES, remember_documents
from tests.smtp_server import SMTPServer
from tests.support import TEST_REDIS_URL, WorkerProcess, app_config, fresh_database, live_server

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# The Nu HTML Checker: `make vnu` installs it from npm, and Debian's Java runs it.
VNU_JAR = Path(os.environ.get("VNU_JAR") or Path(__file__).resolve().parents[2]
               / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/journeys" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package", autouse=True)
def html_checker():
    """After the journeys, the Nu HTML Checker validates every page they visited: 0 errors.

    check_accessibility() saves each page's HTML as served into test-artifacts/html/<process>/;
    vnu.jar checks them all in one run when the last journey is done.
    """
    shutil.rmtree(HTML_PAGES, ignore_errors=True)
    yield
    pages = sorted(HTML_PAGES.glob("*.html"))
    if not pages:
        return
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        missing = "java" if java is None else str(VNU_JAR)
        if os.environ.get("CI"):
            pytest.fail(f"The HTML checker is required under CI but {missing} is missing")
        pytest.skip(f"The HTML checker is not installed ({missing} is missing; "
                    "make test installs it)")
    run = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, pages)],
        capture_output=True, text=True, timeout=600)
    try:
        messages = json.loads(run.stderr)["messages"]  # vnu writes its report to stderr
    except (ValueError, KeyError):
        pytest.fail(f"The HTML checker failed (exit {run.returncode}):\n{run.stderr[-2000:]}")
    errors = [
        f"{message.get('url', '').rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: "
        f"{message['message']}"
        for message in messages
    ]
    assert run.returncode == 0 or errors, f"The HTML checker failed:\n{run.stderr[-2000:]}"
    if errors:
        pytest.fail(f"The Nu HTML Checker found {len(errors)} errors in {len(pages)} pages "
                    f"({HTML_PAGES}):\n" + "\n".join(errors), pytrace=False)


@pytest.fixture(scope="session")
def fake_stripe():
    """Stripe for the browser journeys: a local fake speaking Stripe's HTTP API."""
    with FakeStripe() as fake:
        yield fake


@pytest.fixture(scope="session")
def mailbox():
    """A real SMTP server for the browser journeys: the links people open come from here."""
    with SMTPServer() as server:
        yield server


@pytest.fixture(scope="session")
def live_app(fake_stripe, mailbox):
    database_url = fresh_database("browser")
    stripe = {"STRIPE_SECRET_KEY": "sk_test_browser", "STRIPE_API_BASE": fake_stripe.base,
              "STRIPE_WEBHOOK_SECRET": fake_stripe.webhook_secret,
              "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(mailbox.port)}
    # As deployed: on PostgreSQL (services round) pages keep what they read until the
    # change feed hears otherwise (marketplace.core.changes).
    app = create_app(app_config(database_url, LOGIN_RATE_LIMIT="1000 per minute",
                                ACCOUNT_RATE_LIMIT="1000 per minute", CHANGE_FEED=True,
                                **{**stripe, "MAIL_PORT": mailbox.port}))
    with app.app_context():
        upgrade()
    if TEST_REDIS_URL:
        # The services round runs the whole stack: a real worker serves this app's queues.
        worker = WorkerProcess(database_url, TEST_REDIS_URL, app.config["RQ_QUEUE_PREFIX"],
                               "browser", extra_env=stripe)
        yield app
        worker.stop()
    else:
        yield app
    if app.extensions["change_feed"] is not None:
        app.extensions["change_feed"].close()


@pytest.fixture(scope="session")
def base_url(live_app, fake_stripe):
    with live_server(live_app) as url:
        # Links that leave the app (Stripe's success and cancel pages) need the port.
        live_app.config["BASE_URL"] = url
        fake_stripe.webhook_url = f"{url}/stripe/webhook"
        yield url


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required under CI but {CHROMIUM} is missing")
        pytest.skip("Chromium is not installed (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    remember_documents(page)
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone(browser, base_url):
    context = browser.new_context(base_url=base_url, viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True, device_scale_factor=2)
    page = context.new_page()
    remember_documents(page)
    page.set_default_timeout(15_000)
    yield page
    context.close()






@pytest.fixture
def make_user(live_app):
    """Create a user straight in the live database (for roles that cannot self-register)."""
    from marketplace.blueprints.accounts import services as accounts

    def make(role, email, name="Test Person", password="browser passphrase", **kwargs):
        with live_app.app_context():
            user = accounts.create_user(email, name, role, password, **kwargs)
            db.session.commit()
            return user.id

    return make
