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
