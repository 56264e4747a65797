"""The charts are drawn with the dashboard's own plotly.js (pages/common/chart_view.py), served by
the dashboard itself from static/: never Streamlit's whole plotly.js, and a tab whose script
does not load says so in each chart's place."""
from playwright.sync_api import expect

from pages.common import chart_view, first_paint
from tests.browser import server

CHART_PAGES = ("staffing", "district_map")


def _new_page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    return context, page


def test_the_script_holds_the_trace_types_the_charts_may_use_and_no_other(chromium, app_url):
    """chart_view.TRACE_TYPES (what the server lets a chart use) is what the script can draw
    (deploy/plotly/entry.js): a chart of another type would be an empty area."""
    context, page = _new_page(chromium)
    page.goto(f"{app_url}/staffing")
    page.wait_for_function("() => window.DashboardPlotly")
    registered = page.evaluate("() => Object.keys(window.DashboardPlotly.PlotSchema.get().traces)")
    assert set(registered) == chart_view.TRACE_TYPES
    context.close()


def test_a_new_tab_draws_its_charts_without_streamlits_plotly(chromium, app_url):
    context, page = _new_page(chromium)
    page.goto(f"{app_url}/{CHART_PAGES[0]}")
    server.wait_settled(page)
    for name in CHART_PAGES[1:]:
        server.click_and_settle(page, server.nav_link(page, name))
    drawn = page.locator(f".{chart_view.CSS_CLASS} .main-svg")
    expect(drawn.first).to_be_visible()
    assert [u for u in page.requests if "PlotlyChart" in u] == []
    # One request for the script in the tab, however many charts and pages.
    assert sum(u.endswith(chart_view.SCRIPT_URL) for u in page.requests) == 1, page.requests
    assert page.locator("[data-testid=stException]").count() == 0
    context.close()


def test_a_tab_whose_chart_script_does_not_load_says_so_in_each_charts_place(chromium, app_url):
    context, page = _new_page(chromium)
    page.route(lambda url: chart_view.SCRIPT in url, lambda route: route.abort())
    page.goto(f"{app_url}/{CHART_PAGES[0]}")
    server.wait_settled(page)
    failed = page.locator(f".{chart_view.CSS_CLASS}[data-failed]")
    expect(failed.first).to_have_text(chart_view.T["en"]["failed"])
    assert page.locator(f".{chart_view.CSS_CLASS} .main-svg").count() == 0
    # The rest of the page is there: its title and headline figures.
    expect(page.locator("h1")).to_have_text("Staffing")
    assert page.locator("[data-testid=stMetricValue]").count() >= 1
    assert page.locator("[data-testid=stException]").count() == 0
    context.close()


# When the first of a new tab's empty chart areas (pages/common/first_paint.py) gives way to its
# chart, in ms since navigation, and how many there were.
CHART_SENT_JS = """
window.__chartSentAt = null;
window.__chartAreas = 0;
new MutationObserver(() => {
  const waiting = [...document.querySelectorAll('[class*="st-key-after_paint_"]')]
    .filter(area => area.textContent.includes("NOTE")).length;
  if (waiting > window.__chartAreas) window.__chartAreas = waiting;
  else if (waiting < window.__chartAreas && window.__chartSentAt === null)
    window.__chartSentAt = performance.now();
}).observe(document, {childList: true, subtree: true});
""".replace("NOTE", first_paint.T["en"]["chart"])


def test_a_new_tab_asks_for_the_script_before_its_first_chart_arrives(chromium, app_url):
    """A new tab's chart comes after its empty area has been painted (pages/common/first_paint.py):
    that area's component starts loading the script then, so that it runs while the server
    sends the chart, instead of after."""
    context, page = _new_page(chromium)
    page.add_init_script(CHART_SENT_JS)
    page.goto(f"{app_url}/{CHART_PAGES[0]}")
    server.wait_settled(page)
    expect(page.locator(f".{chart_view.CSS_CLASS} .main-svg").first).to_be_visible()
    areas, asked, sent = page.evaluate("""(script) => [window.__chartAreas,
        performance.getEntriesByType('resource').find(e => e.name.endsWith(script)).startTime,
        window.__chartSentAt]""", chart_view.SCRIPT_URL)
    assert areas >= 1, "the new tab drew its chart without waiting for the paint"
    assert asked < sent, f"the script was asked for {asked:.0f} ms after navigation, the " \
                         f"first chart came at {sent:.0f} ms"
    context.close()
