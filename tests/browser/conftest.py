"""Browser fixtures: a live Parallax server on a seeded SQLite database, Debian's Chromium
driven by Playwright (sync API), and pages that record what a person would not see:
console errors, page errors and requests to other hosts.

Chromium is /usr/bin/chromium (never `playwright install`). When it is missing the browser
tests skip, except in CI (CI=true), where they fail: .ci/run installs it.

The server runs uvicorn in a background thread with its own event loop; the Playwright
sync API runs in the main thread, where no asyncio loop is running.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn

from app.db import make_engine
from app.migrate import upgrade
from app.services.seed import load_seeds
from tests.browser.helpers import DESKTOP, STORY, Recorder, Tab
from tests.conftest import SEEDS, make_test_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


def _require_chromium() -> None:
    if Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK):
        return
    reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(reason + "; CI must run the browser tests", pytrace=False)
    pytest.skip(reason)


# --- the live server -------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The live server's own SQLite database (tests may add users and notes to it)."""
    return f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'parallax.db'}"


@pytest.fixture(scope="session")
def live_server(live_db_url: str) -> Iterator[str]:
    """Base URL (http://127.0.0.1:PORT) of the app on its own seeded SQLite database."""
    _require_chromium()
    url = live_db_url
    upgrade(url)
    engine = make_engine(url)
    load_seeds(engine, SEEDS)
    engine.dispose()
    app = make_test_app(url)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    # Server.run() makes a fresh event loop in this thread (asyncio.run).
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()

    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"the live server at {base} did not answer /healthz", pytrace=False)
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.engine.dispose()


# --- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser(live_server: str) -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_tab(browser: object, live_server: str) -> Iterator[Callable[..., Tab]]:
    """Factory: new_tab(viewport=..., java_script_enabled=..., permissions=...) -> Tab,
    each in its own browser context, all closed after the test."""
    contexts: list[object] = []

    def make(viewport: dict[str, int] | None = None, **context_args: object) -> Tab:
        ctx = browser.new_context(  # type: ignore[attr-defined]
            viewport=viewport or DESKTOP, base_url=live_server, **context_args
        )
        ctx.set_default_timeout(10_000)
        contexts.append(ctx)
        page = ctx.new_page()
        rec = Recorder(live_server)
        rec.attach(page)
        return Tab(page, rec, live_server)

    yield make
    for ctx in contexts:
        ctx.close()  # type: ignore[attr-defined]


@pytest.fixture
def tab(new_tab: Callable[..., Tab]) -> Tab:
    """A desktop-sized page (1280x900) with JavaScript."""
    return new_tab()


@pytest.fixture(scope="session")
def story_json(live_server: str) -> dict:  # type: ignore[type-arg]
    import json

    with urllib.request.urlopen(f"{live_server}/api/stories/{STORY}", timeout=5) as resp:
        return json.load(resp)  # type: ignore[no-any-return]
