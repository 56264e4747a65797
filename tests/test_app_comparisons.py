"""AppTest: a district head's comparisons on District detail and the Overview are the Response
Team's, figure for figure (city rate, plan, funnel limits, own rank, districts behind); other
districts' points hidden for the head are left out and counted on the chart, never drawn empty."""
import datetime as dt

import pytest

from access.suppression import round_to_base
from pages.common import summaries

from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    app_test, chart_specs, fresh_caches, generated_url, navigation_not_pages_folder, no_exception,
    plotly_values,
)

pytestmark = pytest.mark.usefixtures("navigation_not_pages_folder")
GANGSEO = "11500"
DETAIL = "pages/district_detail.py"
SHARED_TRACES = ("city", "limit95_low", "limit95_high", "limit998_low", "limit998_high",
                 "selected")


def _charts(at) -> list[dict]:
    return chart_specs(at)


def _trace(spec, meta):
    return next((tr for tr in spec["data"] if tr.get("meta") == meta), None)


def _values(trace, axis):
    return plotly_values(trace[axis]) if trace and axis in trace else []


def _run(monkeypatch, url, role, page=None, **state):
    at = app_test(monkeypatch, url, role=role, district=GANGSEO if role == "district" else None,
                  page=page, **state)
    at.run()
    no_exception(at)
    return at


@pytest.mark.parametrize("cohort", ["both", "repeat_report"])
@pytest.mark.parametrize("as_of", [dt.date(2021, 3, 1), dt.date(2021, 2, 1)])
def test_a_head_sees_the_response_teams_district_detail(monkeypatch, generated_url, cohort, as_of):
    seen = {}
    for role in ("response_team", "district"):
        at = _run(monkeypatch, generated_url, role, page=DETAIL, filter_district=GANGSEO,
                  filter_cohort=cohort, filter_as_of=as_of)
        funnel = next(s for s in _charts(at) if _trace(s, "city"))
        seen[role] = {
            "table": at.dataframe[0].value,
            "metrics": [(m.label, m.value) for m in at.metric],
            "city": _values(_trace(funnel, "city"), "y"),
            "limits": {m: (_values(_trace(funnel, m), "x"), _values(_trace(funnel, m), "y"))
                       for m in SHARED_TRACES if m.startswith("limit")},
            "selected": _values(_trace(funnel, "selected"), "y"),
            "captions": [c.value for c in at.caption],
            "points": dict(zip(_trace(funnel, "districts")["customdata"],
                               zip(_values(_trace(funnel, "districts"), "x"),
                                   _values(_trace(funnel, "districts"), "y")))),
            "notes": [a["text"] for a in funnel["layout"].get("annotations", [])],
        }
    team, head = seen["response_team"], seen["district"]
    assert head["table"].equals(team["table"])
    assert "/ 25" in " ".join(head["table"].iloc[:, -1].astype(str))
    assert head["metrics"] == team["metrics"]
    assert head["city"] == team["city"] and head["selected"] == team["selected"]
    assert head["captions"] == team["captions"]  # the limits at the district's own size
    assert any("95 % limits" in c for c in head["captions"])
    # Every limit curve of the head's chart is the team's function of size: same city rate.
    p = team["city"][0]
    for meta, (x, y) in head["limits"].items():
        z = summaries.Z_95 if meta.startswith("limit95") else summaries.Z_998
        low, high = summaries.control_limits(p, x, z)
        assert y == pytest.approx(list(low if meta.endswith("low") else high)), meta
    assert team["notes"] == []
    # The head's points are the team's, less those hidden; the chart says how many.
    assert set(head["points"]) <= set(team["points"])
    # Other districts' points are drawn from their counts rounded to base 5 (issue 13 §10).
    for code, (x, y) in head["points"].items():
        listed, rate = team["points"][code]
        seen = round(rate * listed)
        assert x == round_to_base([listed])[0]
        assert y == pytest.approx(round_to_base([seen])[0] / round_to_base([listed])[0])
    hidden = len(team["points"]) - len(head["points"])
    if hidden:
        assert head["notes"] == [f"{hidden} of {len(team['points'])} other districts hidden: "
                                 "fewer than 11 children in a cell"]
    else:
        assert head["notes"] == []


def test_detail_without_a_district_shows_every_districts_funnel(monkeypatch, generated_url):
    at = _run(monkeypatch, generated_url, "response_team", page=DETAIL)
    funnel = next(s for s in _charts(at) if _trace(s, "city"))
    assert len(_trace(funnel, "districts")["customdata"]) == 25
    assert _trace(funnel, "selected") is None


def test_a_head_lands_on_their_own_district(monkeypatch, generated_url):
    at = _run(monkeypatch, generated_url, "district", page=DETAIL)
    assert "Gangseo-gu" in at.title[0].value


@pytest.mark.parametrize("cohort", ["both", "repeat_report"])
def test_the_overviews_district_bars_are_the_response_teams(monkeypatch, generated_url, cohort):
    seen = {}
    for role in ("response_team", "district"):
        at = _run(monkeypatch, generated_url, role, filter_district="city", filter_cohort=cohort,
                  filter_as_of=dt.date(2021, 2, 1))
        bars = next(s for s in _charts(at) if _trace(s, "gap_to_plan"))
        trace = _trace(bars, "gap_to_plan")
        seen[role] = {"bars": dict(zip(trace["customdata"], _values(trace, "x"))),
                      "metrics": [(m.label, m.value) for m in at.metric],
                      "notes": [a["text"] for a in bars["layout"].get("annotations", [])]}
    team, head = seen["response_team"], seen["district"]
    assert head["metrics"] == team["metrics"]  # districts behind plan included
    assert all(v == v for v in head["bars"].values()), "no empty bar"
    assert set(head["bars"]) <= set(team["bars"])
    assert head["bars"][GANGSEO] == team["bars"][GANGSEO]  # own district: exact
    hidden = len(team["bars"]) - len(head["bars"])
    assert bool(hidden) == bool(head["notes"])


@pytest.mark.parametrize("as_of", [dt.date(2021, 3, 2), dt.date(2021, 4, 30)])
def test_the_briefings_city_changes_are_the_response_teams(monkeypatch, generated_url, as_of):
    """What changed in the city on a day, and against the day before: a head's headline figures
    equal the Response Team's (they were "—" where another district's cell was small)."""
    seen = {}
    for role in ("response_team", "district"):
        at = _run(monkeypatch, generated_url, role, page="pages/briefing.py",
                  filter_district="city", filter_as_of=as_of)
        seen[role] = [(m.label, m.value, m.delta) for m in at.metric][:4]
    assert len(seen["response_team"]) == 4
    assert all(value != "—" for _, value, _ in seen["response_team"])
    assert seen["district"] == seen["response_team"]


@pytest.mark.parametrize("cohort", ["both", "repeat_report"])
def test_a_heads_map_greys_only_what_the_comparison_hides_at_that_grain(monkeypatch, generated_url,
                                                                        cohort):
    """The map shows the districts at the grain chosen (both cohorts summed, then suppressed),
    not sums of per-cohort masked cells: its coloured districts are those the head's District
    detail shows, with the same values as the Response Team's for the head's own district."""
    seen = {}
    for role in ("response_team", "district"):
        at = _run(monkeypatch, generated_url, role, page="pages/district_map.py",
                  filter_district="city", filter_cohort=cohort, filter_as_of=dt.date(2021, 3, 1))
        spec = next(s for s in _charts(at) if _trace(s, "value"))
        valued = _trace(spec, "value")
        seen[role] = {"values": dict(zip(valued["locations"], _values(valued, "z"))),
                      "grey": list(_trace(spec, "no_data")["locations"])
                      if _trace(spec, "no_data") else [],
                      "captions": [c.value for c in at.caption]}
        if role == "district":
            detail = _run(monkeypatch, generated_url, role, page=DETAIL, filter_district=GANGSEO,
                          filter_cohort=cohort, filter_as_of=dt.date(2021, 3, 1))
            funnel = next(s for s in _charts(detail) if _trace(s, "city"))
            shown_in_detail = set(_trace(funnel, "districts")["customdata"]) | {GANGSEO}
    team, head = seen["response_team"], seen["district"]
    assert team["grey"] == [] and len(team["values"]) == 25
    assert set(head["values"]) == shown_in_detail
    assert head["values"][GANGSEO] == team["values"][GANGSEO]
    hidden = 25 - len(head["values"])
    assert bool(hidden) == any("hidden" in c for c in head["captions"])
