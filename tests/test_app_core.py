"""AppTest of the app's shell and its four core pages (Overview, Daily briefing, District map,
District detail) on a generated database, on an empty one, for each role of the demo."""

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import queries
from data.db import make_engine
from data.generate import generate
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    MAPO, app_test, chart_specs, fresh_caches, generated_url, make_empty_demo_database,
    navigation_not_pages_folder, no_exception, plotly_values,
)

pytestmark = pytest.mark.usefixtures("navigation_not_pages_folder")
PAGES = ["pages/overview.py", "pages/briefing.py", "pages/district_map.py",
         "pages/district_detail.py"]
ROLES = [("city", None), ("response_team", None), ("district", "11440")]


def _chart(at: AppTest, key_meta: str) -> dict:
    """The first chart holding a trace with this meta key, as the browser would receive it."""
    for spec in chart_specs(at):
        if any(tr.get("meta") == key_meta for tr in spec["data"]):
            return spec
    raise AssertionError(f"no chart with a {key_meta!r} trace")


def _trace(spec: dict, meta: str) -> dict:
    return next(tr for tr in spec["data"] if tr.get("meta") == meta)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role, district", ROLES)
def test_every_core_page_runs_for_every_role(monkeypatch, generated_url, page, role, district):
    # the detail page needs a district
    at = app_test(monkeypatch, generated_url, role=role, district=district, page=page,
                  filter_district=MAPO)
    at.run()
    no_exception(at)
    assert at.title, "the page drew nothing"
    assert at.title[0].value != "No data yet"


@pytest.mark.parametrize("page", PAGES)
def test_every_core_page_runs_in_korean(monkeypatch, generated_url, page):
    at = app_test(monkeypatch, generated_url, page=page, filter_district=MAPO)
    at.session_state["filter_lang"] = "ko"
    at.run()
    no_exception(at)
    assert not any(c.isascii() and c.isalpha() for c in at.title[0].value.split(":")[0]), \
        at.title[0].value


def test_overview_on_postgresql_too(monkeypatch, db_url):
    engine = make_engine(db_url)
    generate(engine, seed=1, scale=0.2)
    engine.dispose()
    at = app_test(monkeypatch, db_url)
    at.run()
    no_exception(at)
    assert plotly_values(_trace(_chart(at, "seen"), "seen")["y"])


def test_an_empty_database_shows_a_no_data_page(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    make_empty_demo_database(url)  # synthetic, so the demo lets a viewer in without login
    for page in PAGES:
        st.cache_data.clear()
        at = app_test(monkeypatch, url, page=page)
        at.run()
        no_exception(at)
        assert [t.value for t in at.title] == ["No data yet"]
        assert at.warning, "the no-data page explains itself"


def test_a_database_without_tables_shows_the_no_data_page(monkeypatch, tmp_path):
    # Nothing to protect yet, so the demo lets the viewer in, and the pages say "no data yet".
    at = app_test(monkeypatch, f"sqlite:///{tmp_path / 'nothing.db'}")
    at.run()
    no_exception(at)
    assert [t.value for t in at.title] == ["No data yet"]


def _listed_last(at) -> int:
    """Children listed on the last day, summed over the burn-ups (one per cohort shown, each in
    its own tab: every tab is chosen in turn, then the first again)."""
    def listed(at) -> int:
        specs = chart_specs(at)
        return sum(plotly_values(_trace(s, "listed")["y"])[-1] for s in specs
                   if any(tr.get("meta") == "listed" for tr in s["data"]))

    labels = [tab.label for tab in at.tabs]
    if len(labels) < 2:
        return listed(at)
    total = 0
    for label in labels:
        at.session_state["overview_burnups"] = label
        at.run()
        no_exception(at)
        total += listed(at)
    at.session_state["overview_burnups"] = labels[0]
    at.run()
    return total


def test_the_default_page_follows_the_shared_filters(monkeypatch, generated_url):
    engine = make_engine(generated_url)
    as_of = queries.default_as_of(engine)
    progress = queries.run("district_progress", engine, as_of=as_of)
    engine.dispose()

    at = app_test(monkeypatch, generated_url)
    at.run()
    no_exception(at)
    assert at.title[0].value == "Overview"
    assert _listed_last(at) == progress["listed"].sum()

    at.selectbox(key="filter_cohort").set_value("repeat_report").run()
    no_exception(at)
    repeat = progress[progress["cohort"] == "repeat_report"]
    assert _listed_last(at) == repeat["listed"].sum()

    at.selectbox(key="filter_district").set_value(MAPO).run()
    no_exception(at)
    mapo = repeat[repeat["district_code"] == MAPO]
    assert _listed_last(at) == mapo["listed"].sum()
    # the district bars highlight the chosen district
    bars = _chart(at, "gap_to_plan")
    assert MAPO in plotly_values(_trace(bars, "gap_to_plan")["customdata"])

    # the filters survive a page change
    at.switch_page("pages/district_map.py").run()
    no_exception(at)
    assert at.selectbox(key="filter_cohort").value == "repeat_report"
    assert at.selectbox(key="filter_district").value == MAPO
    at.switch_page("pages/overview.py").run()

    # an earlier as-of day moves the burn-up's last day
    at.date_input(key="filter_as_of").set_value(as_of.replace(day=1)).run()
    no_exception(at)
    assert plotly_values(_trace(_chart(at, "seen"), "seen")["x"])[-1].startswith(str(as_of.replace(day=1)))


def test_the_language_switch_translates_titles_and_dates(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url)
    at.run()
    at.radio(key="filter_lang").set_value("ko").run()
    no_exception(at)
    assert at.title[0].value == "종합 현황"
    assert any("년" in m.value and "월" in m.value for m in at.metric), \
        [m.value for m in at.metric]
    names = at.selectbox(key="filter_district").options
    assert "마포구" in names


def test_the_briefing_prints_cleanly_and_counts_the_attention_list(monkeypatch, generated_url):
    engine = make_engine(generated_url)
    as_of = queries.default_as_of(engine)
    attention = queries.run("attention_list", engine, as_of=as_of)
    engine.dispose()
    at = app_test(monkeypatch, generated_url, role="response_team", page="pages/briefing.py")
    at.run()
    no_exception(at)
    # The print stylesheet is the page header's, on every page (tests/browser/test_screens.py
    # prints them).
    assert any("@media print" in h.proto.body for h in at.get("html"))
    by_reason = attention.groupby("reason").size()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Unreachable"] == f"{by_reason['unreachable']:,}"


def test_a_district_head_sees_only_their_own_children(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, role="district", district=MAPO,
                  page="pages/briefing.py")
    at.run()
    no_exception(at)
    tables = [df.value for df in at.dataframe]
    children = next(t for t in tables if "Child" in t.columns)
    assert set(children["District"]) == {"Mapo-gu"}


def test_the_map_opens_the_detail_of_the_chosen_district(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, page="pages/district_map.py")
    at.run()
    no_exception(at)
    spec = _chart(at, "value")
    assert spec["layout"]["geo"]["visible"] is False  # no base map, so nothing fetched
    at.selectbox(key="map_choose").set_value(MAPO)
    at.button(key="map_open").click().run()
    no_exception(at)
    assert at.title[0].value == "District detail: Mapo-gu"


def test_the_detail_page_without_a_district_offers_a_choice(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, page="pages/district_detail.py")
    at.run()
    no_exception(at)
    at.selectbox(key="detail_choose").select(MAPO).run()
    no_exception(at)
    assert at.title[0].value == "District detail: Mapo-gu"
    assert at.session_state["filter_district"] == MAPO
