"""The first session after a server start keeps its first click in the sidebar.

Streamlit's first run in a process treats the `pages/` folder as an old-style multipage app and
gave the entry file's widgets other ids than in every later run; the click's rerun then drew the
widget anew with its default. This module's server has served no session before this test."""
from playwright.sync_api import expect

from tests.browser import server


def test_the_first_session_after_a_server_start_keeps_its_first_click(chromium, app_url):
    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(app_url)
    server.wait_settled(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    server.click_and_settle(page, sidebar.get_by_text("District head", exact=True).first)
    expect(sidebar).to_contain_text("View as: district")
    expect(sidebar.get_by_role("radio", name="District head")).to_be_checked()
    context.close()
