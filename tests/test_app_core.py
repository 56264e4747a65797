"""AppTest of the app's shell and its four core pages (Overview, Daily briefing, District map,
District detail) on a generated database, on an empty one, for each role of the demo."""
import base64
import json

import numpy as np

import pytest
import streamlit as st
from sqlalchemy import insert
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

import queries
from data.db import create_schema, make_engine
from data.generate import generate
from data.schema import dataset_info

APP = "../dashboard.py"  # AppTest resolves it from this file's folder
PAGES = ["pages/overview.py", "pages/briefing.py", "pages/district_map.py",
         "pages/district_detail.py"]
ROLES = [("city", None), ("response_team", None), ("district", "11440")]
MAPO = "11440"


@pytest.fixture(scope="module")
def generated_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('app') / 'cases.db'}"
    engine = make_engine(url)
    generate(engine, seed=1, scale=1.0)
    engine.dispose()
    return url


@pytest.fixture(autouse=True)
def navigation_not_pages_folder(monkeypatch):
    """Run the app as `streamlit run` does after its first run: st.navigation decides the pages.

    Streamlit treats a folder named `pages` beside the entry file as an old-style multipage app
    until some script calls st.navigation. AppTest forgets that on every run, so without this it
    runs a page file on its own after the first run (no entry file, no sidebar filters).
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def fresh_caches():
    # Streamlit's caches outlive an AppTest: without this a test sees the previous one's database.
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


def _app(monkeypatch, url, *, role="response_team", district=None, page=None,
         filter_district=None) -> AppTest:
    """The app, ready for its first run() on `page` (default: the default page). Switching
    before the first run finds the page by its file name, which is also its url path here."""
    monkeypatch.setenv("CASES_DB_URL", url)
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["demo_view_as"] = role
    if district:
        at.session_state["demo_district"] = district
    if filter_district:
        at.session_state["filter_district"] = filter_district
    if page:
        at.switch_page(page)
    return at


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def _chart(at: AppTest, key_meta: str) -> dict:
    """The first chart holding a trace with this meta key, as the browser would receive it."""
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        if any(tr.get("meta") == key_meta for tr in spec["data"]):
            return spec
    raise AssertionError(f"no chart with a {key_meta!r} trace")


def _trace(spec: dict, meta: str) -> dict:
    return next(tr for tr in spec["data"] if tr.get("meta") == meta)


def _values(array) -> list:
    """A trace's array: plotly sends numbers as typed arrays ({"dtype", "bdata"} in base64)."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role, district", ROLES)
def test_every_core_page_runs_for_every_role(monkeypatch, generated_url, page, role, district):
    # the detail page needs a district
    at = _app(monkeypatch, generated_url, role=role, district=district, page=page,
              filter_district=MAPO)
    at.run()
    _no_exception(at)
    assert at.title, "the page drew nothing"
    assert at.title[0].value != "No data yet"


@pytest.mark.parametrize("page", PAGES)
def test_every_core_page_runs_in_korean(monkeypatch, generated_url, page):
    at = _app(monkeypatch, generated_url, page=page, filter_district=MAPO)
    at.session_state["filter_lang"] = "ko"
    at.run()
    _no_exception(at)
    assert not any(c.isascii() and c.isalpha() for c in at.title[0].value.split(":")[0]), \
        at.title[0].value


def test_overview_on_postgresql_too(monkeypatch, db_url):
    engine = make_engine(db_url)
    generate(engine, seed=1, scale=0.2)
    engine.dispose()
    at = _app(monkeypatch, db_url)
    at.run()
    _no_exception(at)
    assert _values(_trace(_chart(at, "seen"), "seen")["y"])


def test_an_empty_database_shows_a_no_data_page(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as conn:  # synthetic, so the demo lets a viewer in without login
        conn.execute(insert(dataset_info), [{"key": "synthetic", "value": "true"}])
    engine.dispose()
    for page in PAGES:
        st.cache_data.clear()
        at = _app(monkeypatch, url, page=page)
        at.run()
        _no_exception(at)
        assert [t.value for t in at.title] == ["No data yet"]
        assert at.warning, "the no-data page explains itself"


def test_a_database_without_tables_shows_the_no_data_page(monkeypatch, tmp_path):
    # Nothing to protect yet, so the demo lets the viewer in, and the pages say "no data yet".
    at = _app(monkeypatch, f"sqlite:///{tmp_path / 'nothing.db'}")
    at.run()
    _no_exception(at)
    assert [t.value for t in at.title] == ["No data yet"]


def _listed_last(at: AppTest) -> int:
    return _values(_trace(_chart(at, "listed"), "listed")["y"])[-1]


def test_the_default_page_follows_the_shared_filters(monkeypatch, generated_url):
    engine = make_engine(generated_url)
    as_of = queries.default_as_of(engine)
    progress = queries.run("district_progress", engine, as_of=as_of)
    engine.dispose()

    at = _app(monkeypatch, generated_url)
    at.run()
    _no_exception(at)
    assert at.title[0].value == "Overview"
    assert _listed_last(at) == progress["listed"].sum()

    at.selectbox(key="filter_cohort").set_value("repeat_report").run()
    _no_exception(at)
    repeat = progress[progress["cohort"] == "repeat_report"]
    assert _listed_last(at) == repeat["listed"].sum()

    at.selectbox(key="filter_district").set_value(MAPO).run()
    _no_exception(at)
    mapo = repeat[repeat["district_code"] == MAPO]
    assert _listed_last(at) == mapo["listed"].sum()
    # the district bars highlight the chosen district
    bars = _chart(at, "gap_to_plan")
    assert MAPO in _values(_trace(bars, "gap_to_plan")["customdata"])

    # the filters survive a page change
    at.switch_page("pages/district_map.py").run()
    _no_exception(at)
    assert at.selectbox(key="filter_cohort").value == "repeat_report"
    assert at.selectbox(key="filter_district").value == MAPO
    at.switch_page("pages/overview.py").run()

    # an earlier as-of day moves the burn-up's last day
    at.date_input(key="filter_as_of").set_value(as_of.replace(day=1)).run()
    _no_exception(at)
    assert _values(_trace(_chart(at, "seen"), "seen")["x"])[-1].startswith(str(as_of.replace(day=1)))


def test_the_language_switch_translates_titles_and_dates(monkeypatch, generated_url):
    at = _app(monkeypatch, generated_url)
    at.run()
    at.radio(key="filter_lang").set_value("ko").run()
    _no_exception(at)
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
    at = _app(monkeypatch, generated_url, role="response_team", page="pages/briefing.py")
    at.run()
    _no_exception(at)
    assert any("@media print" in m.value for m in at.markdown)
    by_reason = attention.groupby("reason").size()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Unreachable"] == f"{by_reason['unreachable']:,}"


def test_a_district_head_sees_only_their_own_children(monkeypatch, generated_url):
    at = _app(monkeypatch, generated_url, role="district", district=MAPO,
              page="pages/briefing.py")
    at.run()
    _no_exception(at)
    tables = [df.value for df in at.dataframe]
    children = next(t for t in tables if "Child" in t.columns)
    assert set(children["District"]) == {"Mapo-gu"}


def test_the_map_opens_the_detail_of_the_chosen_district(monkeypatch, generated_url):
    at = _app(monkeypatch, generated_url, page="pages/district_map.py")
    at.run()
    _no_exception(at)
    spec = _chart(at, "value")
    assert spec["layout"]["map"]["style"] == "white-bg"
    at.selectbox(key="map_choose").set_value(MAPO)
    at.button(key="map_open").click().run()
    _no_exception(at)
    assert at.title[0].value == "District detail: Mapo-gu"


def test_the_detail_page_without_a_district_offers_a_choice(monkeypatch, generated_url):
    at = _app(monkeypatch, generated_url, page="pages/district_detail.py")
    at.run()
    _no_exception(at)
    at.selectbox(key="detail_choose").select(MAPO).run()
    _no_exception(at)
    assert at.title[0].value == "District detail: Mapo-gu"
    assert at.session_state["filter_district"] == MAPO
