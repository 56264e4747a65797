"""What the AppTest modules share: running dashboard.py as `streamlit run` does, fresh Streamlit
caches, the databases the app is tried on, and reading what a run drew.

A test module imports the fixtures it wants by name (pytest finds them in the module's namespace;
an imported autouse fixture is autouse there too).
"""
import base64
import json

import numpy as np
import pytest
import streamlit as st
from sqlalchemy import insert
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from data.db import create_schema, make_engine
from data.generate import generate
from data.schema import dataset_info
from pages.common import chart_view, first_paint

APP = "../dashboard.py"  # AppTest resolves it from this file's folder, tests/
MAPO = "11440"  # Mapo-gu: a district whose name tests can check


@pytest.fixture
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


@pytest.fixture(scope="module")
def generated_url(tmp_path_factory):
    """A generated scale-1 database in a file (AppTest runs the script in another thread)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('generated') / 'cases.db'}"
    engine = make_engine(url)
    generate(engine, seed=1, scale=1.0)
    engine.dispose()
    return url


def make_empty_demo_database(url: str) -> None:
    """A demo database before any data: the schema and the 'synthetic' flag (without the flag and
    without login configured, access.login shows nothing at all), no programme, no children."""
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(insert(dataset_info), [{"key": "synthetic", "value": "true"}])
    engine.dispose()


# Lists drawn only when their expander is opened (st.expander on_change="rerun"): a test that
# searches or checks every table of a page opens them with this session state.
OPENED = {"inspections_unreachable_open": True, "map_values_open": True}


def app_test(monkeypatch, url: str, *, page: str | None = None, role: str = "response_team",
             district: str | None = None, **state) -> AppTest:
    """The app on database `url`, ready for its first run() on `page` (default: the default
    page), seen by demo role `role` (of `district`), with more session state from `state`
    (filter_lang, filter_cohort, filter_district, ...). Switching before the first run finds the
    page by its file name, which is also its URL path here (dashboard.py sets no url_path)."""
    monkeypatch.setenv("CASES_DB_URL", url)
    at = AppTest.from_file(APP, default_timeout=30)
    painted(at)
    at.session_state["demo_view_as"] = role
    if district:
        at.session_state["demo_district"] = district
    for key, value in state.items():
        at.session_state[key] = value
    if page:
        at.switch_page(page)
    return at


def painted(at: AppTest) -> AppTest:
    """As after the browser has painted its first screen: charts are drawn in the first run.
    AppTest has no browser to report the paint (pages/common/first_paint.py; the two steps have
    their own tests in tests/test_first_paint.py and tests/browser/)."""
    at.session_state[first_paint.PAINTED] = True
    return at


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def chart_elements(at: AppTest) -> list:
    """The page's charts in order (pages/common/chart_view.py: components, whose element ids
    end with the chart's key)."""
    return [c for c in at.get("bidi_component") if c.proto.component_name == chart_view.NAME]


def chart_spec(element) -> dict:
    """A chart element's figure, as the browser receives it."""
    return json.loads(element.proto.bytes)["figure"]


def chart_specs(at: AppTest) -> list[dict]:
    return [chart_spec(c) for c in chart_elements(at)]


def plotly_values(array) -> list:
    """A trace's array: plotly's JSON sends numbers as typed arrays ({"dtype", "bdata"})."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)
