"""The charts are drawn with the dashboard's own plotly.js (pages/common/chart_view.py), served by
the dashboard itself from static/: never Streamlit's whole plotly.js, and a tab whose script
does not load says so in each chart's place."""
from playwright.sync_api import expect

from pages.common import chart_view
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
