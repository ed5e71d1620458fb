"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Every page a test reaches goes through `check_page` (or `visit`, which goes there first):
the stylesheet must have loaded, axe-core must find no violation, the browser must have
logged no error (a CSP refusal, a missing file, a script error), and a full-page
screenshot is saved to test-artifacts/screenshots/<test>-<n>.png for people to look at.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    sync_playwright,
)

from incidentdesk.organisations.models import Person

# Playwright's sync API runs an asyncio event loop in this thread for as long as the
# browser is open, and Django refuses ORM calls from a thread with a running loop. The
# tests and their fixtures use the ORM in the ordinary synchronous way, so lift the check.
# Set at import so it also covers pytest-django's database flush after each e2e test.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    # No calls home: the machines reach only package registries, and a test must not
    # wait on, or be slowed by, anything but the live server.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 375, "height": 740},
}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# The brand colour of the generic header, rgb() of #106165 in incidentdesk.scss: if the
# page does not show it, our stylesheet did not load and axe's colour checks mean nothing.
BRAND_RGB = "rgb(16, 97, 101)"


@dataclass
class PageRecord:
    """What the browser said while a test ran, and how many pages it has checked."""

    test_name: str
    errors: list[str] = field(default_factory=list)
    screenshots: int = 0


_records: dict[int, PageRecord] = {}


def _record_for(page: Page) -> PageRecord:
    try:
        return _records[id(page)]
    except KeyError:
        raise AssertionError("Make the page with the browser_page or new_page fixture.") from None


def assert_no_axe_violations(page: Page) -> None:
    """Run axe-core's default rules on the page; fail listing each violation and where."""
    results = Axe().run(page)
    violations = results.response["violations"]
    if not violations:
        return
    lines = [f"axe found {len(violations)} violation(s) on {page.url}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(node['target'])}: {node['html'][:160]}")
    raise AssertionError("\n".join(lines))


def assert_stylesheet_loaded(page: Page) -> None:
    """Our CSS must be applied, or the contrast checks would pass on unstyled HTML."""
    header = page.locator(".govuk-generic-header")
    if header.count() == 0:
        # Not our layout (Django's admin site): at least its own stylesheets must load,
        # which the response listener checks; there is no brand colour to look for.
        assert page.evaluate("document.styleSheets.length") > 0, f"No stylesheet on {page.url}"
        return
    background = header.first.evaluate("element => getComputedStyle(element).backgroundColor")
    assert background == BRAND_RGB, (
        f"The header's background is {background}, not {BRAND_RGB}: "
        "incidentdesk.css did not load (run scripts/build_assets.py?)"
    )
    font = header.first.evaluate("element => getComputedStyle(element).fontFamily")
    assert "Helvetica" in font and "GDS Transport" not in font, font


def assert_no_browser_errors(page: Page) -> None:
    record = _record_for(page)
    errors, record.errors[:] = list(record.errors), []
    assert not errors, "The browser reported:\n" + "\n".join(errors)


def check_page(page: Page) -> None:
    """Check the page the browser is on now, and save a screenshot of it."""
    page.wait_for_load_state("load")
    record = _record_for(page)
    record.screenshots += 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=SCREENSHOTS / f"{record.test_name}-{record.screenshots}.png", full_page=True
    )
    assert_stylesheet_loaded(page)
    assert_no_axe_violations(page)
    assert_no_browser_errors(page)


def visit(page: Page, url: str, *, status: int = 200) -> Response:
    """Go to `url`, expect the HTTP `status`, and check the page (see check_page)."""
    response = page.goto(url)
    assert response is not None, f"No response from {url}"
    assert response.status == status, f"{url} answered {response.status}, not {status}"
    check_page(page)
    return response


def sign_in(page: Page, base_url: str, *, email: str, password: str) -> None:
    """Sign in through the real form, checking the sign-in page and the page after it."""
    visit(page, f"{base_url}/accounts/sign-in/")
    # By field name, the form's agreed interface; the labels are the accounts app's words.
    page.locator('input[name="email"]').fill(email)
    page.locator('input[name="password"]').fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    check_page(page)


def sign_in_with_cookie(page: Page, base_url: str, person: Person) -> None:
    """Sign in without the form, for tests about what comes after it."""
    client = Client()
    client.force_login(person, backend=settings.AUTHENTICATION_BACKENDS[0])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def _safe_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


class _OneBrowser:
    """One Playwright and one Chromium for the whole test run, started on first use.

    Playwright's sync API cannot be started twice in one thread, and a module that
    imports the `browser` fixture from here (tests outside tests/e2e/ do) declares a
    second session fixture: so both must hand out this same browser.
    """

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    def get(self) -> Browser:
        if self._browser is None:
            if not CHROMIUM.exists():
                pytest.fail(
                    f"{CHROMIUM} is missing: install Debian's chromium (`make browser`) "
                    "or set E2E_CHROMIUM to a Chromium binary."
                )
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
        return self._browser

    def stop(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


_one_browser = _OneBrowser()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _one_browser.stop()


@pytest.fixture(scope="session")
def browser() -> Browser:
    return _one_browser.get()


NewPage = Callable[..., Page]


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[NewPage]:
    """Make pages in fresh browser contexts: new_page("phone") or new_page(width=320)."""
    contexts = []

    def make(viewport: str = "desktop", *, width: int = 0, height: int = 740) -> Page:
        size = {"width": width, "height": height} if width else VIEWPORTS[viewport]
        context = browser.new_context(viewport=size, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        name = _safe_name(request.node.name)
        if len(contexts) > 1:
            name = f"{name}-{len(contexts)}"
        record = PageRecord(test_name=name)
        _records[id(page)] = record

        def on_console(message: ConsoleMessage) -> None:
            # Chrome also logs each HTTP error status as "Failed to load resource"; the
            # response listener below reports those for files, and a page's own status
            # is for the test to check (an error page is meant to answer 404).
            if message.type == "error" and not message.text.startswith("Failed to load"):
                record.errors.append(f"console: {message.text} ({message.location})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: record.errors.append(f"script error: {error}"))

        def on_request_failed(failed) -> None:  # noqa: ANN001 - Playwright's Request
            # A request the browser dropped because the page moved on (a click that
            # navigates while the icon loads) is not an answer the app gave.
            if "ERR_ABORTED" in (failed.failure or ""):
                return
            record.errors.append(f"request failed: {failed.url} ({failed.failure})")

        page.on("requestfailed", on_request_failed)
        page.on(
            "response",
            lambda response: (
                record.errors.append(f"HTTP {response.status}: {response.url}")
                if response.status >= 400 and response.request.resource_type != "document"
                else None
            ),
        )
        return page

    yield make

    for context in contexts:
        for page in context.pages:
            _records.pop(id(page), None)
        context.close()


@pytest.fixture(params=list(VIEWPORTS))
def browser_page(request: pytest.FixtureRequest, new_page: NewPage) -> Page:
    """A page at desktop width, then (the test runs again) at phone width."""
    return new_page(request.param)
