"""Browser tests: Playwright driving the system Chromium (Debian's package) against the live test server."""

from __future__ import annotations

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
CHROMIUM = os.environ.get("CIVICDX_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package (see .ci/run)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def city(transactional_db):
    from civicdx.survey.services import demo_load

    return demo_load(scale="small", seed=11)


@pytest.fixture
def login(browser, live_server):
    pages = []

    def _login(username: str):
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ja-JP")
        page.set_default_timeout(15000)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "civicdx-demo-2021")
        page.click("button[type=submit]")
        page.wait_for_load_state()
        pages.append(page)
        return page

    yield _login
    for page in pages:
        page.close()
