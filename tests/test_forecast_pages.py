"""AppTest of the forecast, the allocation and the alerts on their pages (generated database,
as of 1 March 2021): what each page draws, checked against the query it comes from."""
import datetime as dt

import pytest

import queries
from data.db import make_engine
from queries import forecast as fc
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    MAPO, app_test, chart_specs, fresh_caches, generated_url, navigation_not_pages_folder,
    no_exception, plotly_values,
)

pytestmark = pytest.mark.usefixtures("navigation_not_pages_folder")
D = dt.date(2021, 3, 1)


def _forecast(url):
    engine = make_engine(url)
    try:
        return queries.run("completion_forecast", engine, as_of=D)
    finally:
        engine.dispose()


def _traces(at, meta):
    out = []
    for spec in chart_specs(at):
        out += [tr for tr in spec["data"] if tr.get("meta") == meta]
    return out


def test_overview_states_the_forecast_per_cohort(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, filter_as_of=D)
    at.run()
    no_exception(at)
    text = " ".join(m.value for m in at.markdown)
    city = _forecast(generated_url)
    city = city[city["district_code"] == ""]
    for row in city.itertuples():
        p = row.p_all_seen_by_deadline
        shown = "<1 %" if 0 < p < 0.01 else f"{p * 100:.0f} %"
        assert f"{shown} chance to finish by 31 Mar 2021" in text
    captions = " ".join(c.value for c in at.caption)
    assert f"{row.seen_by_deadline_p50:,}" in captions
    # The burn-up carries the forecast's band, and the straight line says what it is.
    assert _traces(at, "forecast_band")
    assert any(tr.get("name") == "At the last 7 days' pace" for tr in _traces(at, "projection"))


def test_detail_has_the_fan_and_the_map_the_chance(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, page="pages/district_detail.py",
                  filter_district=MAPO, filter_as_of=D)
    at.run()
    no_exception(at)
    band = _traces(at, "forecast_band")
    assert band
    row = _forecast(generated_url)
    row = row[row["district_code"] == MAPO]
    # The band ends, on the deadline, near the interval of the seen count there (both cohorts).
    top = max(plotly_values(band[0]["y"]))
    assert row["seen_by_deadline_p10"].sum() <= top + 1
    at = app_test(monkeypatch, generated_url, page="pages/district_map.py", filter_as_of=D,
                  map_measure="p_all_seen_by_deadline")
    at.run()
    no_exception(at)
    spec = chart_specs(at)[0]
    values = [v for tr in spec["data"] for v in plotly_values(tr.get("z", []))]
    assert values and all(0 <= v <= 1 for v in values)


def test_briefing_lists_the_days_alerts(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, page="pages/briefing.py", filter_as_of=D)
    at.run()
    no_exception(at)
    assert any(s.value == "Alerts today" for s in at.subheader)
    engine = make_engine(generated_url)
    alerts = queries.run("alerts", engine, as_of=D)
    engine.dispose()
    new = int((alerts["days_open"] == 1).sum())
    assert any(c.value.startswith(f"{new} new today") for c in at.caption)


def test_staffing_places_the_officials_given(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, page="pages/staffing.py", filter_as_of=D,
                  alloc_officials=4)
    at.run()
    no_exception(at)
    assert any(s.value == "Where should extra staff go?" for s in at.subheader)
    engine = make_engine(generated_url)
    df = queries.run("staffing_allocation", engine, as_of=D, add_officials=4)
    engine.dispose()
    before = df["expected_unseen_before"].sum()
    text = " ".join(m.value for m in at.markdown)
    assert f"{before:,.0f} now" in text
    assert fc.SUMMARY  # the one-line model sits next to the allocation
    assert any("500 simulated runs" in c.value for c in at.caption)
