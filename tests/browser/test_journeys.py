"""Journeys through the whole dashboard in headless Chromium against `streamlit run`.

Every page settles without an exception and is kept as a screenshot; the map draws every
district; a filter survives a change of page; the language switch changes the text; and no
request leaves the machine.
"""
from urllib.parse import urlparse

from playwright.sync_api import expect

from tests.browser import server
from tests.browser.conftest import SCREENSHOTS

LOCAL_HOSTS = {"127.0.0.1", "localhost"}


def exceptions(page) -> list[str]:
    return page.locator("[data-testid=stException]").all_inner_texts()


def choose(page, label: str, option: str) -> None:
    page.get_by_role("combobox", name=label).click()
    server.click_and_settle(page, page.get_by_role("option", name=option, exact=True))
    expect(page.get_by_role("combobox", name=label)).to_have_value(option)


def switch_language(page, name: str, cohort_label: str) -> None:
    """Click the language radio; done when the sidebar speaks it."""
    page.locator("[data-testid=stSidebar]").get_by_text(name, exact=True).click()
    expect(page.get_by_role("combobox", name=cohort_label)).to_be_visible()
    server.wait_settled(page)


def screenshot_whole_page(page, path) -> None:
    """Streamlit scrolls inside its main block, so full_page sees one screen: grow the viewport
    to the content's height for the shot, then restore it."""
    size = page.viewport_size
    height = page.evaluate(
        "() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]),
                                                                   12_000)})
    page.wait_for_timeout(500)  # plotly redraws at the new size; no rerun happens
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def visit_every_page(page) -> list[str]:
    visited = []
    for url_path, name in server.existing_pages():
        server.go_to(page, url_path)
        assert exceptions(page) == [], f"{name}: {exceptions(page)}"
        visited.append(name)
    return visited


def test_every_page_settles_without_exception(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for url_path, name in server.existing_pages():
        server.go_to(page, url_path)
        assert exceptions(page) == [], f"{name}: {exceptions(page)}"
        assert page.locator("h1").count() >= 1, f"{name} shows no title"
        screenshot_whole_page(page, SCREENSHOTS / f"{name}.png")


def test_map_draws_one_shape_per_district(page):
    server.go_to(page, "district_map")
    # Drawn, not only sent: plotly's geo map waits for a world base map before it draws anything,
    # and the page gives it an empty one (pages/common/layout.py GEO_OFFLINE_JS).
    page.wait_for_selector(".js-plotly-plot .choroplethlayer path")
    drawn = page.evaluate("""() => new Set([...document.querySelectorAll(
        '.js-plotly-plot .choroplethlayer path')].map(p => p.__data__ && p.__data__.loc)).size""")
    assert drawn == 25


def test_clicking_a_district_on_the_map_opens_its_detail(page):
    server.go_to(page, "district_map")
    page.wait_for_selector(".js-plotly-plot .choroplethlayer path")
    mapo = page.evaluate_handle("""() => [...document.querySelectorAll(
        '.js-plotly-plot .choroplethlayer path')]
        .find(p => p.__data__ && p.__data__.loc === '11440')""")
    box = mapo.as_element().bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("h1")).to_have_text("District detail: Mapo-gu")
    server.wait_settled(page)


def test_cohort_filter_survives_a_page_change(page):
    server.go_to(page, "inspections")
    cohort = page.get_by_role("combobox", name="Cohort")
    expect(cohort).to_have_value("Both cohorts")
    choose(page, "Cohort", "Repeatedly reported")
    subtitle = page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]").first
    expect(subtitle).to_contain_text("Repeatedly reported")  # the page re-ran with the filter
    server.wait_settled(page)
    server.go_to(page, "referrals")
    expect(page.get_by_role("combobox", name="Cohort")).to_have_value("Repeatedly reported")
    # The new page's figures use it too: its subtitle names the cohort.
    expect(page.locator("h1")).to_have_text("Referral outcomes")
    subtitle = page.locator("[data-testid=stMain] [data-testid=stCaptionContainer]").first
    expect(subtitle).to_contain_text("Repeatedly reported")
    choose(page, "Cohort", "Both cohorts")  # leave the shared page as found


def test_language_switch_changes_the_text(page):
    server.go_to(page, "staffing")
    expect(page.locator("h1")).to_have_text("Staffing")
    switch_language(page, "한국어", "대상군")
    try:
        expect(page.locator("h1")).to_have_text("인력 현황")
        expect(page.locator("[data-testid=stSidebarNav]").get_by_text("점검 현황")).to_have_count(1)
    finally:
        switch_language(page, "English", "Cohort")
    expect(page.locator("h1")).to_have_text("Staffing")


def test_no_request_leaves_the_machine(page):
    # The page has recorded every request since the module's first test (every page in English
    # among them); visiting every page in Korean here covers both languages even when run alone.
    switch_language(page, "한국어", "대상군")
    try:
        visit_every_page(page)
    finally:
        switch_language(page, "English", "Cohort")
    outside = [u for u in page.requests
               if urlparse(u).scheme not in ("data", "blob")
               and urlparse(u).hostname not in LOCAL_HOSTS]
    assert len(page.requests) > 10, "the recorder saw the app's own requests"
    assert outside == []
