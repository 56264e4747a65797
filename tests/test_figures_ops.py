"""Figure builders of the operational pages, on small hand-written inputs (no Streamlit)."""
import io

import pandas as pd
import pytest

from pages.common import figures_ops as figs


def table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), skipinitialspace=True)


PROGRESS = table("""
district_name, cohort_name, listed, seen, attempted_not_seen, not_attempted, completion_rate, plan_rate, unreachable, two_person_rate
North,         repeat,      10,     6,    3,                  1,             0.6,             0.5,       1,           0.5
North,         neglect,     200,    150,  30,                 20,            0.75,            0.5,       12,
South,         repeat,      0,      0,    0,                  0,             ,                0.5,       0,
South,         neglect,     100,    20,   10,                 70,            0.2,             0.5,       4,
""")


def total(fig, name=None, axis="x") -> float:
    return sum(sum(v for v in getattr(t, axis) if pd.notna(v)) for t in fig.data
               if name is None or t.name == name)


def test_inspection_split_draws_every_child_once():
    fig = figs.inspection_split(PROGRESS, {"seen": "Seen"})
    assert total(fig) == PROGRESS["listed"].sum()
    assert total(fig, "Seen") == PROGRESS["seen"].sum()
    assert {t.name for t in fig.data} == {"Seen", "attempted_not_seen", "not_attempted"}


def test_completion_is_shown_in_percent_with_the_plan_line():
    fig = figs.completion_by_district(PROGRESS, {})
    assert total(fig) == pytest.approx(60 + 75 + 20)
    assert [s.x0 for s in fig.layout.shapes] == [50, 0]  # the plan, then the zero line


def test_rate_by_district_keeps_an_empty_rate_empty():
    repeat = PROGRESS[PROGRESS["cohort_name"] == "repeat"]
    fig = figs.rate_by_district(repeat, "two_person_rate", {}, target=1.0)
    values = dict(zip(fig.data[0].y, fig.data[0].x))
    assert values["North"] == 50
    assert pd.isna(values["South"])
    assert fig.layout.shapes[0].x0 == 100


STAFFING = table("""
district_name, abuse_officials, abuse_officials_target, reports_per_official
North,         4,               5,                      62.5
South,         2,               ,                       30.0
""")


def test_reports_per_official_marks_districts_over_the_standard():
    fig = figs.value_vs_standard(STAFFING, "reports_per_official",
                                 {"over_standard": "over", "within_standard": "within"}, 50)
    by_name = {t.name: list(t.y) for t in fig.data}
    assert by_name == {"over": ["North"], "within": ["South"]}
    assert fig.layout.shapes[0].x0 == 50


def test_target_markers_only_where_a_target_is_set():
    fig = figs.in_post_vs_target(STAFFING, {})
    bars, targets = fig.data
    assert list(bars.x) == [4, 2]
    assert list(targets.y) == ["North"] and list(targets.x) == [5]


OUTCOMES = table("""
district_name, kind_name, outcome, outcome_name, referrals
North,         Police,    open,    Open,         3
North,         Police,    substantiated, Substantiated, 2
South,         Agency,    open,    Open,         1
South,         Agency,    declined, Declined,    4
""")


def test_referral_figures_count_every_referral_once():
    labels = {"open": "Open", "closed": "Closed"}
    by_outcome = figs.referrals_by_kind_outcome(OUTCOMES, labels)
    assert total(by_outcome) == 10
    # Each outcome has a colour of its own (open's orange was also the next outcome's).
    colours = [t.marker.color for t in by_outcome.data]
    assert len(set(colours)) == len(colours) == OUTCOMES["outcome_name"].nunique()
    assert total(figs.referrals_by_district(OUTCOMES, labels)) == 10
    open_closed = figs.open_vs_closed(OUTCOMES, labels)
    assert total(open_closed, "Open") == 4
    assert total(open_closed, "Closed") == 6


DELAY = table("""
kind_name, referrals, mean_days, same_day, days_1_7, days_8_30, over_30, before_visit
Police,    4,         2.0,       1,        2,        0,         0,       1
Police,    2,         11.0,      0,        1,        1,         0,       0
Agency,    1,         ,          0,        0,        0,         0,       1
""")


def test_delay_summary_weights_the_mean_by_referrals_after_the_visit():
    out = figs.delay_summary(DELAY).set_index("kind_name")
    assert out.loc["Police", "referrals"] == 6
    assert out.loc["Police", "mean_days"] == pytest.approx((3 * 2.0 + 2 * 11.0) / 5)
    assert pd.isna(out.loc["Agency", "mean_days"])  # only a referral before its visit


def test_delay_bins_hold_every_referral():
    fig = figs.delay_bins(DELAY, {})
    assert total(fig, axis="y") == DELAY["referrals"].sum()


def test_police_linkage_splits_children_at_risk():
    df = table("""
district_name, children_at_risk, children_police_referred
North,         5,                3
South,         0,                0
""")
    fig = figs.police_linkage(df, {"children_police_referred": "linked", "not_linked": "not"})
    assert total(fig, "linked") == 3
    assert total(fig, "not") == 2


# --- issue 8 §4/§6: value labels and colours everyone can tell apart --------------------------

def test_bar_charts_carry_value_labels_and_a_zero_line():
    fig = figs.count_by_district(PROGRESS, "unreachable", {})
    assert all(t.texttemplate for t in fig.data)
    assert [(s.x0, s.x1) for s in fig.layout.shapes] == [(0, 0)]


def _deuteranope_lab(hex_colour: str):
    """CIE Lab of a colour as a deuteranope sees it (Machado et al. 2009, severity 1)."""
    import numpy as np
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    seen = np.clip(np.array([[0.367322, 0.860646, -0.227968],
                             [0.280085, 0.672501, 0.047413],
                             [-0.011820, 0.042940, 0.968881]]) @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ seen / np.array([0.95047, 1, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("colours", [
    list(figs.SPLIT_COLOURS.values()),
    [figs.OPEN_COLOUR, figs.CLOSED_COLOUR],
    [figs.OVER_COLOUR, figs.WITHIN_COLOUR],
])
def test_categories_stay_distinct_under_deuteranopia(colours):
    import itertools

    import numpy as np
    for a, b in itertools.combinations(colours, 2):
        # a CIE76 difference of 25 is far beyond "just noticeable" (about 2.3)
        assert np.linalg.norm(_deuteranope_lab(a) - _deuteranope_lab(b)) > 25, (a, b)


def _contrast(fg: str, bg: str = "#FFFFFF") -> float:
    def luminance(c):
        rgb = [int(c[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4 for x in rgb]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b
    hi, lo = sorted([luminance(fg), luminance(bg)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_tick_text_has_at_least_4_5_to_1_contrast():
    from pages.common import figures
    fig = figures.style(figs.count_by_district(PROGRESS, "unreachable", {}))
    assert fig.layout.xaxis.tickfont.color == figures.TICK_COLOUR
    assert _contrast(figures.TICK_COLOUR) >= 4.5
