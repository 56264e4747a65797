"""The first visit after a server start straight to a page's URL still goes through
dashboard.py: Streamlit would otherwise run a file of the `pages/` folder on its own (an
old-style multipage app), without the viewer check and the shared filters."""
from playwright.sync_api import expect

from tests.browser import server


def test_a_first_visit_to_a_page_url_goes_through_the_entry_file(chromium, app_url):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/audit_log")  # this module's server has served no page yet
    sidebar = page.locator("[data-testid=stSidebar]")
    # The page's own run is cut short and rerun through the entry file.
    expect(sidebar).to_contain_text("View as")  # the entry file's viewer switch
    expect(sidebar).to_contain_text("As of")    # and its shared filters
    server.wait_settled(page)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.get_by_role("heading", name="Audit log").count() == 1
    context.close()


def test_a_link_in_korean_opens_every_word_of_the_first_screen_in_korean(chromium, app_url):
    """The link's language is taken before the login's own words are drawn: on the first run
    the demo's note and the view switch were in English beside a Korean sidebar."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{app_url}/briefing?lang=ko")
    server.wait_settled(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar).to_contain_text("화면 보기")
    expect(sidebar).to_contain_text("기준일")
    for english in ("View as", "DEMO", "District head"):
        assert english not in sidebar.inner_text(), english
    context.close()


# When each thing was first in the page, from navigation (performance.now()), noted by an
# observer installed before the page's own scripts: the first headline figure, the first chart
# drawn by plotly.js, and every chart placeholder (pages/common/first_paint.py) ever seen.
FIRST_SEEN_JS = """(() => {
  const seen = window.__seen = {placeholders: new Set()};
  new MutationObserver(() => {
    const now = performance.now();
    for (const p of document.querySelectorAll('[class*="st-key-after_paint_"]'))
      seen.placeholders.add([...p.classList].find(c => c.startsWith('st-key-after_paint_')));
    if (seen.figure === undefined &&
        document.querySelector('[data-testid=stMain] [data-testid=stMetricValue]'))
      seen.figure = now;
    if (seen.chart === undefined && document.querySelector('.js-plotly-plot .main-svg'))
      seen.chart = now;
  }).observe(document, {childList: true, subtree: true});
})();"""
SEEN = "() => ({...window.__seen, placeholders: [...window.__seen.placeholders].sort()})"
# The keys of the charts plotly.js has drawn and of the tables shown (a keyed element's
# container has class st-key-KEY).
DRAWN_KEYS = """() => [
    ...document.querySelectorAll('.dashboard-chart, [data-testid=stDataFrame]')]
  .filter(e => e.dataset.testid === 'stDataFrame' || e.querySelector('.main-svg'))
  .map(e => e.closest('[class*="st-key-"]'))
  .map(e => e ? [...e.classList].find(c => c.startsWith('st-key-')) : 'no key')
  .sort()"""


def test_a_new_tab_shows_its_figures_before_its_charts_and_then_every_chart(chromium, app_url):
    """A new tab's first page comes in two steps: the headline figures with an empty area per
    chart and table, then, once the browser has painted that, the charts and tables. The next
    page of the same tab draws them at once."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.add_init_script(FIRST_SEEN_JS)
    page.goto(app_url)
    server.wait_settled(page)  # waits for the placeholders to be gone
    seen = page.evaluate(SEEN)
    # Every placeholder became its chart, under the same key; the Overview has two (the
    # burn-up tab shown and the gap to plan per district).
    drawn = page.evaluate(DRAWN_KEYS)
    assert len(seen["placeholders"]) == 2
    assert [p.replace("after_paint_", "") for p in seen["placeholders"]] == drawn
    assert seen["figure"] < seen["chart"]
    # The same tab's next page: the code is loaded, its charts and tables come with its figures.
    page.evaluate("() => window.__seen.placeholders.clear()")
    server.click_and_settle(page, server.nav_link(page, "inspections"))
    assert page.evaluate(SEEN)["placeholders"] == []
    assert len(page.evaluate(DRAWN_KEYS)) >= 1
    assert page.locator("[data-testid=stException]").count() == 0
    context.close()


# When each chart (drawn by plotly.js) and each table was first in the page, from navigation,
# with where it was then: its key and whether it was in the window.
DRAWN_WHEN_JS = """(() => {
  const drawn = window.__drawn = {};
  new MutationObserver(() => {
    const now = performance.now();
    for (const e of document.querySelectorAll(
        '.dashboard-chart, [data-testid=stDataFrame]')) {
      if (e.classList.contains('dashboard-chart') && !e.querySelector('.main-svg')) continue;
      const keyed = e.closest('[class*="st-key-"]');
      const key = keyed ? [...keyed.classList].find(c => c.startsWith('st-key-')) : 'no key';
      if (key in drawn) continue;
      const box = e.getBoundingClientRect();
      drawn[key] = {at: now, inWindow: box.top < window.innerHeight && box.bottom > 0};
    }
  }).observe(document, {childList: true, subtree: true});
})();"""


def test_a_new_tab_draws_the_window_before_what_is_below_it(chromium, app_url):
    """Staffing's chart is in the window, its tables below it: the chart is drawn first (the
    tables' code and drawing had taken the main thread before it, pages/common/first_paint.py)."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.add_init_script(DRAWN_WHEN_JS)
    page.goto(f"{app_url}/staffing")
    server.wait_settled(page)  # every area drawn, those below the window too
    drawn = page.evaluate("() => window.__drawn")
    in_window = {k: v["at"] for k, v in drawn.items() if v["inWindow"]}
    below = {k: v["at"] for k, v in drawn.items() if not v["inWindow"]}
    assert in_window and below, drawn
    assert max(in_window.values()) < min(below.values()), drawn
    assert page.locator("[data-testid=stException]").count() == 0
    context.close()
