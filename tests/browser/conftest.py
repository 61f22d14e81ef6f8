"""The browser test's world: the real bot, Microsoft 365 Agents Playground and headless Chromium.

It needs Chromium (Debian: ``apt-get install chromium``), Node.js with the Playground and
Playwright for Python (both: ``make browser-test-deps``); ``.ci/run`` installs all of them. Where
one is missing the test is skipped with the reason, except in CI (``CI=true`` or
``REQUIRE_BROWSER=1``), where that is a failure.

Screenshots go to the test's tmp directory, or to ``PLAYGROUND_SCREENSHOTS`` when set (the
README's come from ``PLAYGROUND_SCREENSHOTS=docs``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.app import create_app
from bot.settings import Settings
from tests.e2e.fake_connector import ThreadedServer
from tests.factories import CLOCK

REPO = Path(__file__).resolve().parents[2]
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    # Belt and braces beside the request routing below: no host name but localhost resolves.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
STEP_TIMEOUT_MS = 30_000  # one click or one bot answer; the whole scenario is well under a minute


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives the bot through Agents Playground in headless Chromium")


def _required() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("REQUIRE_BROWSER") == "1"


def unavailable(reason: str):
    if _required():
        pytest.fail(f"{reason} (required in CI; .ci/run installs it)", pytrace=False)
    pytest.skip(f"{reason} — the browser test needs it; see tests/browser/conftest.py")


def _load_playground_module():
    spec = importlib.util.spec_from_file_location("playground_start", REPO / "playground" / "start.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture
def browser_tools(monkeypatch):
    """Check everything before starting anything: Playwright, Chromium, Node.js and the Playground."""
    # Under `faketime … make test` Chromium, Node.js and the Playground (other people's programs,
    # whose timers libfaketime breaks) start on the real clock; the bot they talk to runs in this
    # process and stays on the fake one.
    for variable in [name for name in os.environ if name == "LD_PRELOAD" or name.startswith("FAKETIME")]:
        monkeypatch.delenv(variable)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("Playwright for Python is not installed (make browser-test-deps)")
    chromium = chromium_path()
    if chromium is None:
        unavailable("Chromium is not installed (Debian: apt-get install chromium chromium-driver)")
    start = _load_playground_module()
    problem = start.missing()
    if problem:
        unavailable(problem)
    return start, chromium


@pytest.fixture
def bot_endpoint(browser_tools, tmp_path):
    """The real bot, local mode, a fresh SQLite database with the demo data, on a free port."""
    server = ThreadedServer(create_app(Settings(database_url=f"sqlite:///{tmp_path / 'bot.db'}", scheduler=False),
                                       clock=CLOCK))
    url = server.start()
    yield f"{url}/api/messages"
    server.stop()


@pytest.fixture
def playground(browser_tools, bot_endpoint, tmp_path):
    start, _ = browser_tools
    running = start.Playground(bot_endpoint, port=0, workdir=tmp_path / "playground")
    running.start(timeout=60)
    yield running
    running.stop()
    assert not running.running()


@pytest.fixture
def screenshots(tmp_path) -> Path:
    folder = Path(os.environ.get("PLAYGROUND_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _loopback_only(blocked: list[str]):
    def handle(route):
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)  # the UI's web fonts from a CDN; it works without them
            route.abort()
    return handle


@pytest.fixture
def page(browser_tools, playground):
    """A Chromium page on the Playground's UI; requests beyond this machine are blocked."""
    from playwright.sync_api import sync_playwright

    _, chromium = browser_tools
    blocked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True,
                                     timeout=60_000)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 1200}, locale="sv-SE",
                                          timezone_id="Europe/Stockholm")
            context.set_default_timeout(STEP_TIMEOUT_MS)
            context.set_default_navigation_timeout(60_000)
            context.route("**/*", _loopback_only(blocked))
            context.route_web_socket(re.compile(r"^(?!wss?://(localhost|127\.0\.0\.1|\[::1\])[:/])"),
                                     lambda ws: ws.close())
            page = context.new_page()
            page.goto(f"http://127.0.0.1:{playground.port}/", wait_until="load")
            yield page
        finally:
            browser.close()
