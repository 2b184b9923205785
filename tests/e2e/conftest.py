"""Browser tests: Playwright (from PyPI) driving Debian's Chromium against live_server.

Never `playwright install`: the browser is /usr/bin/chromium (override with CHROMIUM_PATH).
A failing test leaves a full-page screenshot in artifacts/e2e/.
"""

import os
import sqlite3
from pathlib import Path

import pytest

# live_server runs Django in a thread while Playwright's sync API owns an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed and "page" in item.funcargs:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        try:
            item.funcargs["page"].screenshot(
                path=str(ARTIFACTS / f"{item.name}.png"), full_page=True, timeout=5_000
            )
        except Exception as error:  # a hung page must not hide the test's own failure
            report.sections.append(("screenshot", f"no screenshot: {error}"))
    return report


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(f"找不到 Chromium：{executable}（apt-get install chromium fonts-noto-cjk）")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


_demo_snapshot = None
_cache_snapshot = None


@pytest.fixture
def demo_league(transactional_db):
    """The demo league, seeded once per session: on SQLite (the browser suite's database) the
    seeded database is copied aside with SQLite's backup API and copied back for every later
    test, which takes a fraction of a second instead of a full seeding.

    The cockpits of the league and its party committees are computed once too (as the
    `core.warm_cockpit` beat task does in production) and put back in the per-process cache
    for every test: on SQLite without a worker the league's cold cockpit takes seconds, and a
    browser test should not depend on how busy the machine is while a page computes it.
    """
    global _demo_snapshot, _cache_snapshot
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection

    from portal.cockpit.warm import warm_cockpits

    if connection.vendor != "sqlite":
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        warm_cockpits()
        return
    connection.ensure_connection()
    if _demo_snapshot is None:
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
        _demo_snapshot = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(_demo_snapshot)
        warm_cockpits()
        _cache_snapshot = (dict(cache._cache), dict(cache._expire_info))
    else:
        _demo_snapshot.backup(connection.connection)
        entries, expiry = _cache_snapshot
        cache._cache.update(entries)
        cache._expire_info.update(expiry)


def log_in(page, live_server, username, password="Alxa@2026"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


PHONE = {"width": 390, "height": 844}


def assert_no_horizontal_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def png_bytes():
    """A valid 1×1 PNG, built in memory, for upload steps."""
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xcc\x00\x00"))
        + chunk(b"IEND", b"")
    )
