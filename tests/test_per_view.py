"""pages/common/per_view.py: a value is built once per view and never shared across scopes,
data versions, languages, filters or the page's own inputs."""
from datetime import date

import pytest

from pages.common import data, filters, per_view
from tests.apptest_support import fresh_caches  # noqa: F401  (autouse: empty stores)

HEAD = ("district", "11440")
TEAM = ("response_team", None)


@pytest.fixture
def view(monkeypatch):
    """The parts of a view, set by the test instead of a Streamlit run."""
    parts = {"scope": HEAD, "version": 1, "url": "sqlite:///a.db",
             "filters": filters.Filters(as_of=date(2021, 3, 1), cohort=None, district=None,
                                        lang="en")}
    monkeypatch.setattr(data, "scope", lambda: parts["scope"])
    monkeypatch.setattr(data, "data_version", lambda: parts["version"])
    monkeypatch.setattr(data, "db_url", lambda: parts["url"])
    monkeypatch.setattr(filters, "current", lambda: parts["filters"])
    return parts


def _counted():
    built = []

    def build():
        built.append(1)
        return len(built)
    return build, built


def test_the_same_view_builds_once(view):
    build, built = _counted()
    assert per_view.once("x", build) == per_view.once("x", build) == 1
    assert len(built) == 1


@pytest.mark.parametrize("change", [
    {"scope": TEAM}, {"scope": ("district", "11680")}, {"version": 2},
    {"url": "sqlite:///b.db"},
    {"filters": filters.Filters(as_of=date(2021, 3, 2), cohort=None, district=None, lang="en")},
    {"filters": filters.Filters(as_of=date(2021, 3, 1), cohort="neglect_risk", district=None,
                                lang="en")},
    {"filters": filters.Filters(as_of=date(2021, 3, 1), cohort=None, district="11440",
                                lang="en")},
    {"filters": filters.Filters(as_of=date(2021, 3, 1), cohort=None, district=None,
                                lang="ko")},
])
def test_another_view_builds_its_own(view, change):
    build, built = _counted()
    per_view.once("x", build)
    view.update(change)
    assert per_view.once("x", build) == 2


def test_inputs_and_names_are_part_of_the_key(view):
    build, built = _counted()
    per_view.once("x", build, inputs=("gap_to_plan",))
    assert per_view.once("x", build, inputs=("completion_rate",)) == 2
    assert per_view.once("y", build, inputs=("completion_rate",)) == 3


def test_a_frame_is_handed_out_as_a_copy(view):
    import pandas as pd
    first = per_view.frame("f", lambda: pd.DataFrame({"a": [1, 2]}))
    first["a"] = [9, 9]
    first.loc[0, "a"] = 7
    assert per_view.frame("f", lambda: None)["a"].tolist() == [1, 2]
