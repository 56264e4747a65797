"""The view in the URL, in Chromium against `streamlit run`: a link with filters opens that view,
which survives a change of page, the map's drill-down and a reload; an invalid value falls back
to the default with a note. And a district head's city figures on District detail (city rate,
funnel limits at their size) are exactly the Response Team's."""
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser import server

DAY = "2021-03-01"
MAPO, GANGSEO = "11440", "11500"


def _open(page, base, path="", **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    page.goto(f"{base}/{path}" + (f"?{query}" if query else ""))
    server.wait_settled(page)


def _params(page) -> dict:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def _sidebar_day(page):
    return page.locator("[data-testid=stSidebar] [data-testid=stDateInput] input").input_value()


def _expect_view(page, *, day, cohort, district):
    expect(page.get_by_role("combobox", name="Cohort")).to_have_value(cohort)
    expect(page.get_by_role("combobox", name="District", exact=True)).to_have_value(district)
    assert _sidebar_day(page) == day
    page.wait_for_function(f"() => location.search.includes('as_of={day}')")


def test_a_link_opens_its_view_and_keeps_it(page, app_url):
    _open(page, app_url, "inspections", as_of=DAY, cohort="repeat_report", district=MAPO)
    _expect_view(page, day=DAY, cohort="Repeatedly reported", district="Mapo-gu")
    expect(page.locator("h1")).to_have_text("Inspections")
    assert _params(page) == {"as_of": DAY, "cohort": "repeat_report", "district": MAPO,
                             "lang": "en"}
    server.go_to(page, "referrals")  # a change of page
    _expect_view(page, day=DAY, cohort="Repeatedly reported", district="Mapo-gu")
    page.reload()
    server.wait_settled(page)
    expect(page.locator("h1")).to_have_text("Referral outcomes")
    _expect_view(page, day=DAY, cohort="Repeatedly reported", district="Mapo-gu")


def test_the_maps_drill_down_keeps_the_day(page, app_url):
    _open(page, app_url, "district_map", as_of=DAY)
    page.locator("[data-testid=stMain]").get_by_role("combobox", name="District").click()
    page.keyboard.type("Gangseo")
    server.click_and_settle(page, page.get_by_role("option", name="Gangseo-gu", exact=True))
    page.get_by_role("button", name="Open district detail").click()
    expect(page.locator("h1")).to_contain_text("Gangseo-gu")
    server.wait_settled(page)
    _expect_view(page, day=DAY, cohort="Both cohorts", district="Gangseo-gu")
    assert _params(page)["district"] == GANGSEO


def test_an_invalid_value_falls_back_with_a_note(page, app_url):
    _open(page, app_url, "", as_of="2030-01-01", cohort="nobody")
    expect(page.locator("[data-testid=stSidebar]")).to_contain_text("Not valid in the link")
    expect(page.get_by_role("combobox", name="Cohort")).to_have_value("Both cohorts")
    assert _params(page)["as_of"] != "2030-01-01"
    assert page.locator("[data-testid=stException]").count() == 0


def _detail_as(page, app_url, role_label):
    _open(page, app_url, "district_detail", as_of=DAY, district=GANGSEO)
    role = page.locator("[data-testid=stSidebar]").get_by_text(role_label, exact=True)
    if not role.locator("xpath=ancestor::label").locator("input").is_checked():
        server.click_and_settle(page, role)
    if role_label == "District head":
        page.get_by_role("combobox", name="View as: district").click()
        page.keyboard.type("Gangseo")
        server.click_and_settle(page, page.get_by_role("option",
                                                       name=f"{GANGSEO} Gangseo-gu 강서구"))
    main = page.locator("[data-testid=stMain]")
    expect(main.locator("h1")).to_contain_text("Gangseo-gu")
    expect(main.locator("[data-testid=stDataFrame]").first).to_be_visible()
    metrics = main.locator("[data-testid=stMetric]").all_inner_texts()
    captions = main.locator("[data-testid=stCaptionContainer]").all_inner_texts()
    limits = [c for c in captions if "95 % limits" in c]
    return metrics, limits


def test_a_heads_city_figures_equal_the_response_teams(page, app_url):
    team = _detail_as(page, app_url, "Child Abuse Response Team")
    head = _detail_as(page, app_url, "District head")
    # Funnel limits at Gangseo-gu's size around the city rate, and the district's headline
    # figures (the table with the rank "n / 25" is a canvas: compared in test_app_comparisons).
    assert head[1] and head[1] == team[1]
    assert head[0] and head[0] == team[0]
    server.click_and_settle(page, page.locator("[data-testid=stSidebar]").get_by_text(
        "Child Abuse Response Team", exact=True))


def test_a_switch_of_language_keeps_the_view_and_the_viewer(page, app_url):
    # The names of the roles, cohorts and districts change with the language, and Streamlit's
    # frontend then showed no option chosen and sent the defaults back on the next click: a
    # district head's filters, and the demo's "View as", were lost (filters.hold).
    _open(page, app_url, "staffing", as_of=DAY, cohort="neglect_risk", district=MAPO)
    sidebar = page.locator("[data-testid=stSidebar]")
    chosen_role = sidebar.locator("label:has(input:checked)").first
    server.click_and_settle(page, sidebar.get_by_text("City (Deputy Mayor's office)", exact=True))
    expect(chosen_role).to_have_text("City (Deputy Mayor's office)")
    tabs = page.locator(".st-key-staffing_charts [role=tab]")
    server.click_and_settle(page, tabs.nth(1))          # the charts' second tab
    chosen_tab = page.locator(".st-key-staffing_charts [role=tab][aria-selected=true]")
    english_tab = chosen_tab.inner_text()
    server.click_and_settle(page, sidebar.get_by_text("한국어", exact=True))
    expect(chosen_role).to_have_text("서울시 (부시장실)")
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")   # the same tab, in Korean
    assert chosen_tab.inner_text() != english_tab
    server.click_and_settle(page, sidebar.get_by_text("English", exact=True))  # the next click
    expect(chosen_role).to_have_text("City (Deputy Mayor's office)")
    expect(chosen_tab).to_have_text(english_tab)
    expect(sidebar.get_by_role("combobox", name="Cohort")).to_have_value("Neglect risk")
    expect(sidebar.get_by_role("combobox", name="District")).to_have_value("Mapo-gu")
    whatif = page.locator("[data-testid=stMain]").get_by_role("combobox", name="District")
    expect(whatif).to_have_value("Mapo-gu")             # the page's own choice, too
    assert _params(page) == {"as_of": DAY, "cohort": "neglect_risk", "district": MAPO,
                             "lang": "en"}
