"""Pure tests of the figure builders and the progress sums (no Streamlit, no database)."""
import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

from pages.common import definitions, figures, summaries

S, T = dt.date(2021, 1, 13), dt.date(2021, 3, 31)


def _table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), skipinitialspace=True, dtype={"district_code": str})


def _trace(fig, meta):
    found = [tr for tr in fig.data if tr.meta == meta]
    assert len(found) == 1, f"expected one trace {meta!r}, found {len(found)}"
    return found[0]


DAILY = _table("""
date,       cohort,        listed, seen, completion_rate, plan_rate
2021-01-13, repeat_report, 10,     1,    0.1,             0.0128205
2021-01-13, neglect_risk,  90,     4,    0.0444,          0.0128205
2021-01-14, repeat_report, 10,     3,    0.3,             0.025641
2021-01-14, neglect_risk,  90,     12,   0.1333,          0.025641
""")


def test_sum_cohorts_recomputes_the_rate_from_sums():
    out = figures.sum_cohorts(DAILY)
    assert list(out["listed"]) == [100, 100]
    assert list(out["seen"]) == [5, 15]
    assert out["completion_rate"].tolist() == pytest.approx([0.05, 0.15])


def test_burnup_draws_seen_listed_plan_deadline_and_projection():
    daily = figures.sum_cohorts(DAILY)
    fig = figures.burnup(daily, deadline=T, pace=5.0)
    assert list(_trace(fig, "seen").y) == [5, 15]
    assert list(_trace(fig, "listed").y) == [100, 100]
    plan = _trace(fig, "plan")
    # plan share times listed per day, then straight on to all listed at the deadline
    assert list(plan.y) == pytest.approx([1.28205, 2.5641, 100.0])
    assert pd.Timestamp(plan.x[-1]) == pd.Timestamp(T)
    deadline = _trace(fig, "deadline")
    assert {pd.Timestamp(x) for x in deadline.x} == {pd.Timestamp(T)}
    projection = _trace(fig, "projection")
    # 85 children left at 5 a day: 17 days after 14 January
    assert pd.Timestamp(projection.x[-1]) == pd.Timestamp("2021-01-31")
    assert list(projection.y) == [15.0, 100.0]


def test_burnup_without_pace_has_no_projection():
    fig = figures.burnup(figures.sum_cohorts(DAILY), deadline=T, pace=0.0)
    assert not [tr for tr in fig.data if tr.meta == "projection"]


def test_slow_projection_is_capped_after_the_deadline():
    fig = figures.burnup(figures.sum_cohorts(DAILY), deadline=T, pace=0.1)
    end = pd.Timestamp(_trace(fig, "projection").x[-1]).date()
    assert end == T + dt.timedelta(days=figures.PROJECTION_CAP_DAYS)


@pytest.mark.parametrize("remaining, pace, expected", [
    (0, None, dt.date(2021, 2, 1)),
    (10, 0.0, None),
    (10, None, None),
    (10, 3.0, dt.date(2021, 2, 5)),   # ceil(10 / 3) = 4 days
    (9, 3.0, dt.date(2021, 2, 4)),
])
def test_projection_end(remaining, pace, expected):
    assert figures.projection_end(dt.date(2021, 2, 1), remaining, pace) == expected


def test_control_limits_narrow_with_size_and_stay_in_0_1():
    low, high = figures.control_limits(0.5, np.array([4, 100, 10_000]), figures.Z_95)
    assert low[0] == pytest.approx(0.5 - 1.959964 * 0.25)
    assert list(high - low) == sorted(high - low, reverse=True)
    low, high = figures.control_limits(0.99, np.array([1]), figures.Z_998)
    assert high[0] == 1.0 and low[0] >= 0.0


FUNNEL = _table("""
district_code, name, listed, seen
11110,         A,    100,    50
11140,         B,    300,    210
11170,         C,    0,      0
11200,         D,    ,
""")


def test_funnel_plots_districts_with_limits_around_the_city_rate():
    fig = figures.funnel(FUNNEL, highlight="11140")
    city = _trace(fig, "city")
    assert city.y[0] == pytest.approx(260 / 400)  # from summed counts, not the mean of rates
    others = _trace(fig, "districts")
    assert list(others.customdata) == ["11110"]  # empty and suppressed districts left out
    assert list(_trace(fig, "selected").y) == pytest.approx([0.7])
    for key in ("limit95_low", "limit95_high", "limit998_low", "limit998_high"):
        _trace(fig, key)
    # the 99.8 % band is wider than the 95 % band at every size
    assert all(_trace(fig, "limit998_low").y <= _trace(fig, "limit95_low").y)


def test_funnel_of_nothing_is_an_empty_figure():
    assert len(figures.funnel(FUNNEL.iloc[2:]).data) == 0


def test_district_bars_keep_every_district_sorted_by_value():
    df = _table("""
district_code, name, gap
11110,         A,    -0.2
11140,         B,    0.1
11170,         C,
""")
    fig = figures.district_bars(df, value="gap", percent=True)
    assert list(fig.data[0].y) == ["C", "A", "B"]
    assert fig.data[0].marker.color[1] == figures.COLOURS["bar_negative"]


PROGRESS = _table("""
district_code, cohort,        listed, seen, attempted_not_seen, not_attempted, plan_rate, pace_7d,  projected_completion, unreachable
11110,         repeat_report, 10,     10,   0,                  0,             0.5,       0,        2021-02-20,           0
11110,         neglect_risk,  100,    40,   10,                 50,            0.5,       2,        ,                     3
11140,         repeat_report, 20,     5,    5,                  10,            0.5,       1,        ,                     1
11140,         neglect_risk,  200,    100,  50,                 50,            0.5,       0,        ,                     10
""")


def test_summarise_per_cohort_recomputes_rates_and_projection():
    out = summaries.summarise(PROGRESS.assign(projected_completion=pd.to_datetime(
        PROGRESS["projected_completion"])), ["cohort"], as_of=dt.date(2021, 2, 21), deadline=T)
    neglect = out.set_index("cohort").loc["neglect_risk"]
    assert neglect["listed"] == 300 and neglect["seen"] == 140
    assert neglect["completion_rate"] == pytest.approx(140 / 300)
    assert neglect["gap_to_plan"] == pytest.approx(140 / 300 - 0.5)
    assert neglect["pace_7d"] == pytest.approx(2.0)
    assert neglect["required_pace"] == pytest.approx(160 / 38)
    assert neglect["projected_completion"] == pd.Timestamp("2021-02-21") + pd.Timedelta(days=80)


def test_summarise_when_everyone_is_seen_projects_the_last_first_seen_day():
    p = PROGRESS.assign(projected_completion=pd.to_datetime(PROGRESS["projected_completion"]))
    out = summaries.summarise(p[p["district_code"] == "11110"], ["district_code", "cohort"],
                              as_of=dt.date(2021, 2, 21), deadline=T)
    repeat = out.set_index("cohort").loc["repeat_report"]
    assert repeat["projected_completion"] == pd.Timestamp("2021-02-20")


def test_a_suppressed_cell_makes_the_sum_unknown_not_smaller():
    p = PROGRESS.assign(projected_completion=pd.to_datetime(PROGRESS["projected_completion"]))
    p.loc[2, "seen"] = np.nan
    out = summaries.summarise(p, [], as_of=dt.date(2021, 2, 21), deadline=T).iloc[0]
    assert pd.isna(out["seen"]) and pd.isna(out["completion_rate"])


def test_needs_call_lists_districts_behind_plan_and_far_below_pace():
    p = PROGRESS.assign(projected_completion=pd.to_datetime(PROGRESS["projected_completion"]))
    by_district = summaries.summarise(p, ["district_code"], as_of=dt.date(2021, 2, 21), deadline=T)
    calls = summaries.needs_call(by_district, furthest=1)
    # 11110: 50 of 110 seen (gap -4.5 pt), pace 2 a day against 60 / 38 needed: behind only.
    # 11140: 105 of 220 seen (gap -2.3 pt), pace 1 a day against 115 / 38 needed: slow only.
    assert list(calls["district_code"]) == ["11110", "11140"]
    assert list(calls["reason_behind"]) == [True, False]
    assert list(calls["reason_slow"]) == [False, True]


def test_every_definition_is_in_both_languages():
    for key, (label_en, label_ko, text_en, text_ko) in definitions.DEFINITIONS.items():
        assert label_en and label_ko and text_en and text_ko, key
        assert label_en != label_ko, key
    contract = ["listed", "seen", "attempted_not_seen", "not_attempted", "completion_rate",
                "plan_rate", "pace_7d", "required_pace", "projected_completion",
                "two_person_rate", "unreachable", "abuse_officials", "welfare_planners",
                "abuse_officials_target", "reports_12m", "reports_per_official", "teams_of_two",
                "neglect_remaining_per_planner", "newly_seen", "new_referrals",
                "new_police_referrals", "new_high_risk"]
    assert not [k for k in contract if k not in definitions.DEFINITIONS]


# --- issue 8 §4/§6: points, value labels, zero line, dates and numbers per language ----------

def test_gap_bars_are_in_points_with_value_labels_and_a_zero_line():
    df = _table("""
district_code, name, gap
11110,         A,    -0.2
11140,         B,    0.1
""")
    fig = figures.district_bars(df, value="gap", points="pt")
    bar = fig.data[0]
    assert list(bar.x) == pytest.approx([-20.0, 10.0])
    assert bar.texttemplate == "%{x:+.1f} pt" and "pt" in bar.hovertemplate
    assert fig.layout.xaxis.ticksuffix == " pt"
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(0, 0)]
    korean = figures.district_bars(df, value="gap", points="%p")
    assert korean.data[0].texttemplate == "%{x:+.1f}%p"


def test_localize_gives_korean_dates_and_numbers_without_si_prefixes():
    daily = pd.DataFrame({"date": pd.date_range("2021-01-13", periods=3), "listed": [35000] * 3,
                          "seen": [10, 20, 30], "plan_rate": [0.01, 0.02, 0.03]})
    fig = figures.burnup(daily, deadline=dt.date(2021, 3, 31), pace=10.0)
    ko = figures.localize(fig, "ko")
    assert ko.layout.xaxis.type == "date"
    assert ko.layout.xaxis.tickformat == "%-m월 %-d일"
    assert ko.layout.xaxis.hoverformat == "%Y년 %-m월 %-d일"
    assert ko.layout.yaxis.tickformat == ",~f"  # 35,000, never 35k
    en = figures.localize(figures.burnup(daily, deadline=dt.date(2021, 3, 31), pace=10.0), "en")
    assert en.layout.xaxis.tickformat == "%-d %b"
    # a builder's own format (a percentage axis) is kept
    funnel = figures.localize(figures.funnel(FUNNEL), "ko")
    assert funnel.layout.yaxis.tickformat == ".0%"
