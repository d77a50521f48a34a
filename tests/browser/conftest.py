"""Real-browser fixtures: one Chromium per test session, a fresh context per test, and an
axe-core check that every visited page must pass (WCAG 2.1 A and AA)."""

import os

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in
# a thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
TIMEOUT_MS = 10_000


class _BrowserHolder:
    """Launches Chromium on first use, so a session with no browser test never starts it."""

    def __init__(self):
        self.playwright = None
        self.browser = None

    def get(self, executable_path: str):
        if self.browser is None:
            from django.db import connections
            from playwright.sync_api import sync_playwright

            # Between sync calls Playwright leaves its event loop marked as running, and
            # Django then looks database connections up per context instead of per thread:
            # the tests would get fresh connections without the serialized seed data, and
            # every later test would start with the seeded tiers and roles flushed away.
            # Hand the thread's own connections over so that nothing changes.
            kept = {alias: connections[alias] for alias in connections}
            self.playwright = sync_playwright().start()
            for alias, connection in kept.items():
                connections[alias] = connection
            self.browser = self.playwright.chromium.launch(
                executable_path=executable_path, args=CHROMIUM_ARGS
            )
        return self.browser

    def close(self):
        if self.browser is not None:
            self.browser.close()
        if self.playwright is not None:
            self.playwright.stop()


def pytest_collection_modifyitems(config, items):
    """Run the browser tests last: once Playwright has started, its event loop counts as
    running in this thread until the session ends, which other tests should not see."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def _browser_holder():
    holder = _BrowserHolder()
    yield holder
    holder.close()


@pytest.fixture
def browser(_browser_holder, chromium_path):
    return _browser_holder.get(chromium_path)


def _new_page(browser, live_server, device: dict):
    # An English browser: any Spanish the tests see comes from the language switcher.
    context = browser.new_context(base_url=live_server.url, locale="en-US", **device)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.console_errors = []

    # CSP violations and script errors surface here; a page that logs one is broken.
    def on_console(message):
        if message.type == "error":
            page.console_errors.append(f"{message.text} [{message.location.get('url', '')}]")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    return context, page


@pytest.fixture
def desktop_page(browser, live_server):
    context, page = _new_page(browser, live_server, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context, page = _new_page(browser, live_server, PHONE)
    yield page
    context.close()


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            if node.get("failureSummary"):
                summary = node["failureSummary"].replace("\n", "\n         ")
                lines.append(f"         {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture
def assert_accessible(_axe):
    """Run axe on the page as it is now; fail with a readable list of violations.

    Also fails on any console error logged so far (a CSP violation, a script error).
    """

    def check(page, label: str = "") -> None:
        page.wait_for_load_state("load")
        # Let CSS transitions finish: mid-fade (a focused button's 0.15 s colour change) a
        # colour pair can briefly measure below 4.5:1 although it never shows that way.
        page.wait_for_function(
            "() => document.getAnimations()"
            ".every(a => !(a instanceof CSSTransition) || a.playState !== 'running')"
        )
        where = f"{label or page.title()} ({page.url})"
        results = _axe.run(page, options=AXE_OPTIONS)
        violations = results.response["violations"]
        assert not violations, (
            f"axe found {len(violations)} violation(s) on {where}:\n"
            + format_violations(violations)
        )
        assert not page.console_errors, f"console errors on {where}: {page.console_errors}"

    return check


@pytest.fixture
def log_in(assert_accessible):
    """Log in through the real form, checking the login page with axe on the way."""

    def do(page, user, password: str) -> None:
        page.goto("/accounts/login/")
        assert_accessible(page, "login")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("main").get_by_role("button", name="Log in").click()

    return do
