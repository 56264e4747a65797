"""Issue 13 (fail closed) through a real browser and `streamlit run`: what only a browser shows.

- District names holding Markdown image syntax, HTML and script: every page is opened, and the
  browser makes no request off the machine and draws no markup from them.
- (Downloads built and audited on click: tests/test_security.py, through AppTest.)
- Logout: a copy of the login cookie taken before logging out is refused afterwards (OIDC mock),
  and a request for the Audit log page by a district head is refused and audited.
- Concurrent first requests after a start all run through dashboard.py.
"""
import json
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from access import audit
from data.db import make_engine
from tests.browser import server
from tests.browser.test_login_flow import HEAD_SUB, app, idp, login_as  # noqa: F401

pytestmark = [pytest.mark.slow]

HOSTILE = [
    "![md](http://evil.invalid/md.png)",
    "<img src=http://evil.invalid/html.png>",
    "<script>fetch('http://evil.invalid/js')</script>",
    ":material/home: [link](http://evil.invalid/link) $x$",
]
LOCAL = ("localhost", "127.0.0.1")


def hostile_name(code: str, index: int) -> str:
    return f"{HOSTILE[index % len(HOSTILE)]} {code}"


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory, chromium):
    """A generated database whose district names are hostile text; yields (base URL, engine)."""
    folder = tmp_path_factory.mktemp("hostile")
    url = server.make_database(folder / "cases.db", scale=0.2)
    engine = make_engine(url)
    with engine.begin() as conn:
        codes = [c for (c,) in conn.execute(text("select district_code from districts order by 1"))]
        for i, code in enumerate(codes):
            conn.execute(text("update districts set name_en = :n, name_ko = :n where district_code = :c"),
                         {"n": hostile_name(code, i), "c": code})
    with server.streamlit_server(url, folder / "streamlit.log") as base:
        yield base, engine, codes
    engine.dispose()


def local_only(context) -> list[str]:
    """Abort and note every request that would leave the machine."""
    outside = []

    def route(r):
        host = r.request.url.split("/")[2].split(":")[0]
        if host in LOCAL or r.request.url.startswith(("data:", "blob:")):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
    return outside


def open_district(page, code: str) -> None:
    """Choose district `code` on the District detail page (its chooser sets the shared filter)."""
    server.go_to(page, "district_detail")
    box = page.locator(".st-key-detail_choose [role=combobox]")
    box.click()
    box.press_sequentially(code)  # filters the list (long lists are drawn only in part)
    server.click_and_settle(page, page.get_by_role("option").filter(has_text=code).first,
                            in_place=True)
    # The choice's run asks for the district and reruns (pages/district_detail.py): wait until
    # the page shows it, so that a choice that did not take fails here, by name. The full suite
    # on 2 cores once went on to every page with no district chosen (cause not found).
    expect(page.locator("h1").first).to_contain_text(code, timeout=60_000)


def test_hostile_district_names_are_text_on_every_page(chromium, hostile_app):
    base, engine, codes = hostile_app
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    outside = local_only(context)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(base)
    server.wait_settled(page)
    chosen = codes[0]
    md_name = hostile_name(chosen, 0)  # the Markdown image
    open_district(page, chosen)
    for path, _ in server.existing_pages():
        server.go_to(page, path)
        assert page.locator("[data-testid=stException]").count() == 0, path
        # Nothing from a name became an element: no image, link, script or icon out of it.
        # (A heading's own anchor, href="#...", is a link within the page.)
        for selector in ("img[src*='evil']", "a[href*='evil']:not([href^='#'])", "[src*='evil']"):
            assert page.locator(selector).count() == 0, (path, selector, page.locator(selector).first.evaluate(
                "e => e.closest('[data-testid]').outerHTML.slice(0, 800)"))
    server.go_to(page, "district_detail")
    title = page.locator("h1").first.inner_text()
    # Shown as its characters (a zero-width space keeps "://" from becoming a link).
    assert md_name in title.replace("\u200b", ""), title
    assert outside == [], outside
    context.close()


def test_concurrent_first_requests_all_run_through_the_entry_file(chromium, tmp_path):
    url = server.make_database(tmp_path / "cases.db", scale=0.1)
    with server.streamlit_server(url, tmp_path / "streamlit.log") as base:
        contexts = [chromium.new_context(viewport={"width": 1300, "height": 900}) for _ in range(4)]
        pages = [c.new_page() for c in contexts]
        targets = ["audit_log", "district_detail", "inspections", "data_quality"]
        for page, target in zip(pages, targets):  # all four sessions start before any settles
            page.set_default_timeout(90_000)
            page.goto(f"{base}/{target}", wait_until="commit")
        for page, target in zip(pages, targets):
            sidebar = page.locator("[data-testid=stSidebar]")
            expect(sidebar).to_contain_text("View as")   # the entry file's viewer check ran
            server.wait_settled(page, 90_000)
            assert page.locator("[data-testid=stException]").count() == 0, target
            links = page.locator("[data-testid=stSidebarNav] a").all_inner_texts()
            assert "Overview" in links and "dashboard" not in links, (target, links)
        for context in contexts:
            context.close()
        log = (tmp_path / "streamlit.log").read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in log and "current_viewer() has not run" not in log


def test_a_copied_cookie_is_refused_after_logout(chromium, app):
    base, engine = app
    page = login_as(chromium, base, HEAD_SUB)
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("Logged in as head.11110@example.org").wait_for()
    copied = page.context.cookies()
    assert any(c["name"].startswith("_streamlit_user") for c in copied)

    # A district head asking for the Audit log page by its URL: the default page, and audited.
    page.goto(f"{base}/audit_log")
    server.wait_settled(page)
    assert page.get_by_role("heading", name="Audit log").count() == 0
    refused = audit.recent(engine)
    refused = refused[(refused.action == "refused") & (refused.subject == "head.11110@example.org")]
    assert any(json.loads(d) == {"page": "audit_log"} for d in refused.detail)
    page.goto(base)  # (Streamlit's "page not found" dialog would cover the sidebar)
    server.wait_settled(page)

    page.locator("[data-testid=stSidebar]").get_by_role("button", name="Log out").click()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        log = audit.recent(engine)
        if ((log.action == "logout") & (log.subject == "head.11110@example.org")).any():
            break
        time.sleep(0.3)
    else:
        pytest.fail("no logout event within 30 s of the click")
    page.context.close()

    replay = chromium.new_context(viewport={"width": 1300, "height": 900})
    outside = local_only(replay)
    replay.add_cookies(copied)
    again = replay.new_page()
    again.set_default_timeout(60_000)
    again.goto(base)
    server.wait_settled(again)
    body = again.inner_text("body")
    assert "This login has ended" in body
    assert "Logged in as" not in body and "Daily briefing" not in body
    log = audit.recent(engine)
    ended = log[(log.action == "refused") & (log.detail == audit.detail_json(reason="ended"))]
    assert len(ended) >= 1
    assert outside == []
    replay.close()
