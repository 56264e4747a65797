"""AppTest of the operational pages: inspections, referrals, staffing, data quality.

Each page runs without exception on a generated scale-1 database (in English and Korean) and
shows the no-data page on an empty one; a few figures are checked against the page's own numbers.
"""
import json

import pytest
from sqlalchemy import text

import queries

from data.db import make_engine
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    app_test, chart_elements, chart_spec, fresh_caches, generated_url,
    make_empty_demo_database,
    navigation_not_pages_folder, no_exception, plotly_values,
)

pytestmark = pytest.mark.usefixtures("navigation_not_pages_folder")
DATA_QUALITY = "pages/data_quality.py"
PAGES = ["pages/inspections.py", "pages/referrals.py", "pages/staffing.py", DATA_QUALITY]
TITLES = {
    "pages/inspections.py": ("Inspections", "점검 현황"),
    "pages/referrals.py": ("Referral outcomes", "연계 결과"),
    "pages/staffing.py": ("Staffing", "인력 현황"),
    "pages/data_quality.py": ("Data quality and definitions", "데이터 품질과 용어 정의"),
}


@pytest.fixture(scope="module")
def empty_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('empty') / 'cases.db'}"
    make_empty_demo_database(url)
    return url


def open_page(monkeypatch, url, page, **state):
    """`page` after its first run, which must raise nothing (state: as for app_test)."""
    at = app_test(monkeypatch, url, page=page, **state).run()
    no_exception(at)
    return at


def charts(at) -> dict:
    """The page's plotly figures by their key (the charts' element ids end with their keys)."""
    return {c.proto.id: chart_spec(c) for c in chart_elements(at)}


def chart(at, key: str) -> dict:
    found = [spec for id_, spec in charts(at).items() if id_.endswith(key)]
    assert found, f"no chart {key}; have {list(charts(at))}"
    return found[0]


def show_tab(at, key: str, label: str):
    """Choose a tab of the page's charts (layout.chart_tabs draws only the chosen tab's)."""
    assert label in [tab.label for tab in at.tabs], [tab.label for tab in at.tabs]
    at.session_state[key] = label
    at.run()
    no_exception(at)
    return at


def metric_value(at, label_start: str) -> str:
    found = [m.value for m in at.metric if m.label.startswith(label_start)]
    assert found, f"no metric {label_start!r}; have {[m.label for m in at.metric]}"
    return found[0]


def as_int(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_runs_on_generated_data(monkeypatch, generated_url, page, lang):
    at = open_page(monkeypatch, generated_url, page, filter_lang=lang)
    title = TITLES[page][lang == "ko"]
    assert [t.value for t in at.title] == [title]
    assert chart_elements(at) or page == DATA_QUALITY, "every page draws a figure"


@pytest.mark.parametrize("page", PAGES)
def test_page_says_no_data_on_an_empty_database(monkeypatch, empty_url, page):
    at = open_page(monkeypatch, empty_url, page)
    assert [t.value for t in at.title] == ["No data yet"]
    assert at.warning and "no programme data" in at.warning[0].value
    assert not chart_elements(at)


@pytest.mark.parametrize("page,key,tabs", [
    ("pages/inspections.py", "inspections_charts", {
        "Completion": "inspections_completion", "Seen or not": "inspections_split",
        "Unreachable": "inspections_unreachable", "Two-person visits": "inspections_two_person"}),
    ("pages/referrals.py", "referrals_charts", {
        "Kind and outcome": "referrals_kind", "By district": "referrals_district",
        "Open and closed": "referrals_open", "Days to referral": "referrals_delay"}),
    ("pages/staffing.py", "staffing_charts", {
        "Officials and target": "staffing_target", "Reports per official": "staffing_load",
        "Teams of two": "staffing_teams", "Neglect per planner": "staffing_planners"}),
])
def test_a_new_session_is_sent_one_chart_of_a_group_and_each_when_its_tab_is_chosen(
        monkeypatch, generated_url, page, key, tabs):
    # plotly.js draws every chart sent, hidden or not: a new browser tab paid for all of them.
    def sent(at) -> set[str]:
        return {id_.rsplit("-", 1)[-1] for id_ in charts(at)} & set(tabs.values())

    at = open_page(monkeypatch, generated_url, page)
    assert sent(at) == {next(iter(tabs.values()))}
    for label, chart_key in tabs.items():
        assert sent(show_tab(at, key, label)) == {chart_key}


def test_inspection_split_adds_up_to_the_children_listed(monkeypatch, generated_url):
    at = open_page(monkeypatch, generated_url, "pages/inspections.py")
    from pages.common.definitions import label  # one label per figure, on every page
    listed = as_int(metric_value(at, label("listed")))
    split = chart(show_tab(at, "inspections_charts", "Seen or not"), "inspections_split")
    parts = {}
    for trace in split["data"]:  # one trace per part and cohort panel
        parts[trace["name"]] = parts.get(trace["name"], 0) + sum(plotly_values(trace["x"]))
    assert set(parts) == {label("seen"), label("attempted_not_seen"), label("not_attempted")}
    assert sum(parts.values()) == listed > 0
    assert parts[label("seen")] == as_int(metric_value(at, label("seen")))


def test_inspections_follow_the_cohort_filter(monkeypatch, generated_url):
    at = open_page(monkeypatch, generated_url, "pages/inspections.py",
                   filter_cohort="repeat_report")
    both = open_page(monkeypatch, generated_url, "pages/inspections.py")
    small = as_int(metric_value(at, "Listed"))
    large = as_int(metric_value(both, "Listed"))
    assert 0 < small < large
    completion = chart(at, "inspections_completion")
    assert {trace["name"] for trace in completion["data"]} == {"Repeatedly reported"}


def test_referral_figures_add_up_to_the_total(monkeypatch, generated_url):
    at = open_page(monkeypatch, generated_url, "pages/referrals.py")
    total = as_int(metric_value(at, "Referrals"))
    by_kind = chart(at, "referrals_kind")
    assert sum(sum(plotly_values(t["x"])) for t in by_kind["data"]) == total > 0
    open_closed = chart(show_tab(at, "referrals_charts", "Open and closed"), "referrals_open")
    by_state = {t["name"]: sum(plotly_values(t["x"])) for t in open_closed["data"]}
    assert by_state["Open"] == as_int(metric_value(at, "Open"))
    assert sum(by_state.values()) == total


def test_a_heads_referrals_by_kind_for_the_city_are_the_response_teams(monkeypatch,
                                                                       generated_url):
    # A head's rows have other districts' small cells masked; the city's bars are not their sum.
    def bars(role, district=None):
        at = open_page(monkeypatch, generated_url, "pages/referrals.py", role=role,
                       district=district, filter_district="city")
        return {(t["name"], y): x for t in chart(at, "referrals_kind")["data"]
                for x, y in zip(plotly_values(t["x"]), t["y"])}, as_int(
            metric_value(at, "Referrals"))

    team, team_total = bars("response_team")
    head, head_total = bars("district", "11650")
    assert head == team and head_total == team_total == sum(team.values()) > 0


def test_staffing_whatif_lowers_reports_per_official(monkeypatch, generated_url):
    at = open_page(monkeypatch, generated_url, "pages/staffing.py")
    before = metric_value(at, "Reports per official · With the extra staff")
    assert before == metric_value(at, "Reports per official · Now")
    at.number_input(key="whatif_officials").set_value(10).run()
    no_exception(at)
    after = metric_value(at, "Reports per official · With the extra staff")
    assert float(after.replace(",", "")) < float(before.replace(",", ""))
    load = chart(show_tab(at, "staffing_charts", "Reports per official"), "staffing_load")
    standard_lines = [s for s in load["layout"]["shapes"] if s.get("type") == "line"]
    assert standard_lines and standard_lines[0]["x0"] == 50


def test_data_quality_lists_every_definition(monkeypatch, generated_url):
    from pages.common import definitions
    at = open_page(monkeypatch, generated_url, "pages/data_quality.py")
    shown = " ".join(m.value for m in at.markdown)
    for key, label, _ in definitions.entries("en"):
        assert label in shown, key


def test_data_quality_lists_children_only_for_roles_that_may_see_them(monkeypatch, generated_url):
    team = open_page(monkeypatch, generated_url, "pages/data_quality.py")
    city = open_page(monkeypatch, generated_url, "pages/data_quality.py", role="city")
    for at in (team, city):
        assert rows_per_check(at), "counts are shown to every role"
    assert any("child_id" in df.value.columns or "Child (pseudonymous id)" in df.value.columns
               for df in team.dataframe)
    assert not any("Child (pseudonymous id)" in df.value.columns for df in city.dataframe)
    assert any("Not available for your role" in i.value for i in city.info)


def test_district_head_sees_only_their_own_children(monkeypatch, generated_url):
    engine = make_engine(generated_url)
    counts = queries.run("data_quality_counts", engine, as_of=queries.default_as_of(engine))
    district = counts.sort_values("findings")["district_code"].iloc[-1]  # one with findings
    with engine.connect() as conn:
        own = conn.execute(text("select name_en from districts where district_code = :d"),
                           {"d": district}).scalar_one()
    engine.dispose()
    at = open_page(monkeypatch, generated_url, "pages/data_quality.py",
                   role="district", district=district)
    lists = [df.value for df in at.dataframe if "Child (pseudonymous id)" in df.value.columns]
    assert lists, "a district head sees their own district's list"
    assert set(lists[0]["District"]) == {own}


def rows_per_check(at) -> dict:
    """Data quality's rows per check, {check: rows}, from its table of bars."""
    frame = bars_table(at).value
    return dict(zip(frame["Finding"], frame["Rows"]))


def bars_table(at):
    tables = [df for df in at.dataframe if list(df.value.columns) == ["Finding", "Rows"]]
    assert len(tables) == 1, [list(df.value.columns) for df in at.dataframe]
    return tables[0]


@pytest.mark.parametrize("role,district", [("response_team", None), ("city", None),
                                           ("district", "11650")])
def test_data_quality_sends_no_chart_and_shows_the_rows_per_check_as_bars(
        monkeypatch, generated_url, role, district):
    # A page without a plotly chart spares a new browser tab plotly.js (4.7 MB and seconds of
    # main-thread JavaScript; tests/bench_first_screen.py): the one chart was a bar per check.
    from pages.common import definitions
    engine = make_engine(generated_url)
    counts = queries.run("data_quality_counts", engine, as_of=queries.default_as_of(engine))
    engine.dispose()
    at = open_page(monkeypatch, generated_url, DATA_QUALITY, role=role, district=district,
                   filter_district="city")
    assert chart_elements(at) == []
    # The city's rows per check, the same for every role: a head's rows have other districts'
    # small cells masked, and are not what the city's totals are summed from.
    expected = counts.groupby("finding")["findings"].sum()
    assert rows_per_check(at) == {
        definitions.value_name("finding", kind, "en"): n for kind, n in expected.items()}
    bars = json.loads(bars_table(at).proto.columns)
    assert bars["Rows"]["type_config"]["type"] == "progress"
    assert bars["Rows"]["type_config"]["max_value"] == max(rows_per_check(at).values())


@pytest.mark.parametrize("page", PAGES)
def test_page_runs_for_every_role(monkeypatch, generated_url, page):
    for role, district in (("city", None), ("district", "11650")):
        at = open_page(monkeypatch, generated_url, page, role=role, district=district)
        assert chart_elements(at) or rows_per_check(at)


def test_whatif_of_another_district_for_a_district_head(monkeypatch, generated_url):
    # Their own district unmasked, another district's small counts masked: never a traceback.
    at = open_page(monkeypatch, generated_url, "pages/staffing.py",
                   role="district", district="11650")
    for code in ("11650", "11110"):
        at.selectbox(key="whatif_district").set_value(code)
        at.number_input(key="whatif_officials").set_value(2)
        at.run()
        no_exception(at)
        assert metric_value(at, "Reports per official · With the extra staff")


def test_a_load_that_renames_a_district_shows_on_the_next_run(monkeypatch, generated_url,
                                                                tmp_path):
    # The session keeps the district names for minutes; a load (a new data version) must not
    # leave it offering the old ones (a removed district's what-if had no staffing row).
    import shutil
    from data.dataset import bump_version
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    shutil.copy(generated_url.removeprefix("sqlite:///"), tmp_path / "cases.db")
    at = open_page(monkeypatch, url, "pages/staffing.py", whatif_district="11110")
    assert "Jongno-gu" in at.selectbox(key="whatif_district").format_func("11110")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("update districts set name_en = 'Renamed-gu' "
                          "where district_code = '11110'"))
        bump_version(conn)
    engine.dispose()
    queries.cache.data_version.clear()   # as after its few seconds (VERSION_SECONDS)
    at.run()
    no_exception(at)
    assert "Renamed-gu" in at.selectbox(key="whatif_district").format_func("11110")
