"""Fixtures for the browser tests: one generated database and one `streamlit run` server per test
module, one headless Debian Chromium per session. Every test here is marked `browser`.

Without /usr/bin/chromium the tests skip with a message, unless REQUIRE_BROWSER=1 (CI), where they
fail. Never `playwright install`: Playwright's own browser download is blocked here.
"""
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import server

# A cold page (first query of a kind after the server started) takes several seconds here.
expect.set_options(timeout=30_000)

OUTPUT = Path(__file__).resolve().parents[1] / "output"
SCREENSHOTS = OUTPUT / "screenshots"


def pytest_collection_modifyitems(items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not Path(server.CHROMIUM).exists():
        message = (f"browser tests need Debian's Chromium at {server.CHROMIUM} "
                   "(apt-get install chromium)")
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (REQUIRE_BROWSER=1, so this is a failure, not a skip)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = server.launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def generated_database(tmp_path_factory) -> Path:
    """A generated scale-1 SQLite database, made once; modules run on copies of it."""
    path = tmp_path_factory.mktemp("browser_db") / "cases.db"
    server.make_database(path)
    return path


@pytest.fixture(scope="module")
def app_url(request, tmp_path_factory, chromium, generated_database):
    """A running dashboard on its own copy of the generated scale-1 SQLite database (one per test
    module: a module's changes, the audit log's rows say, never reach another)."""
    folder = tmp_path_factory.mktemp("browser_app")
    db_url = server.copy_database(generated_database, folder / "cases.db")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    # One log per module: the tests run in parallel processes (pytest.ini), a module per process.
    log = OUTPUT / f"streamlit-{request.module.__name__.rsplit('.', 1)[-1]}.log"
    with server.streamlit_server(db_url, log) as base:
        yield base


@pytest.fixture(scope="module")
def page(chromium, app_url):
    """One browser page (one Streamlit session) for the module's tests, recording every request
    it makes. Shared because a new session's first page costs 10-20 s here (Chromium without GPU
    on two cores), and the tests are journeys anyway; each test leaves the filters and language
    as it found them."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.set_default_timeout(60_000)
    page.goto(app_url)
    server.wait_settled(page)
    yield page
    context.close()
