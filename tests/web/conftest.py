"""Page-test fixtures: the demo deployment served for real, and Debian's Chromium.

The server is the installed ``crossline`` command run as a subprocess on a
free port, over a fresh data directory, so the pages are tested as people get
them (middleware, static files, error handlers and all). Playwright's own
browser download is not available here, so the browser is /usr/bin/chromium;
when it is missing or will not start, the tests are skipped with the reason,
or fail under ``CROSSLINE_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.conftest import TEST_SECRET, skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
CROSSLINE = Path(sys.executable).parent / "crossline"
REQUIRE_BROWSER = "CROSSLINE_REQUIRE_BROWSER"
STARTUP_SECONDS = 30


# --- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _server_environment(data_dir: Path) -> dict[str, str]:
    """This process's environment without any CROSSLINE_* setting that would leak in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSLINE_")}
    env["CROSSLINE_DATA_DIR"] = str(data_dir)
    env["CROSSLINE_SECRET_KEY"] = TEST_SECRET  # default database: SQLite in the data dir
    return env


def _wait_until_healthy(process: subprocess.Popen[bytes], server_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"crossline serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server_url}/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    pytest.fail(
        f"crossline serve did not answer /health in {STARTUP_SECONDS} s:\n{log.read_text()}"
    )


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of the demo deployment, served by ``crossline serve`` on a free port."""
    root = tmp_path_factory.mktemp("served")
    env = _server_environment(root / "var")
    demo = subprocess.run(
        [str(CROSSLINE), "demo", "--no-serve"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,  # the demo imports, analyses, links people and takes orders
        check=False,
    )
    if demo.returncode != 0:
        pytest.fail(f"crossline demo --no-serve failed:\n{demo.stdout}\n{demo.stderr}")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(CROSSLINE), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=root,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(process, url, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium for the module; skipped (or failed) with the reason when it cannot start."""
    if not CHROMIUM.exists():
        skip_or_fail(REQUIRE_BROWSER, f"{CHROMIUM} is not installed")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as exc:  # any launch failure means "no browser here"
            skip_or_fail(REQUIRE_BROWSER, f"Chromium at {CHROMIUM} did not start: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser, server_url: str) -> Iterator[BrowserContext]:
    """A fresh browser profile: no cookies, so no session."""
    fresh = browser.new_context(base_url=server_url)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
