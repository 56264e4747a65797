"""Suppression on real query results, across what one head can obtain: one set of masked cells
for the head's table, the head's export for sharing and the public totals (issue 13 §9); no
small daily count of another district from differencing two days (§10); totals over masked
cells masked, never smaller (§11)."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

import queries
from access import policy, scoped
from access.suppression import marker, round_to_base, threshold
from access.viewer import Viewer
from data.generate import generate
from pages.common import figures_ops

K = 10
OWN = "11500"
HEAD = Viewer("t", "district", OWN)
CUMULATIVE = {"district_progress": ["listed", "seen", "attempted_not_seen", "not_attempted",
                                    "unreachable"],
              "referral_outcomes": ["referrals", "children"]}
KEYS = {"district_progress": ["district_code", "cohort"],
        "referral_outcomes": ["district_code", "cohort", "kind", "outcome"]}


@pytest.fixture
def generated(engine):
    generate(engine, seed=7, scale=0.2)
    return engine


def _candidates(published, k=K):
    """The counts a published cell can stand for: 0 is exact (1..k are masked), a rounded value
    stands for every count above k that rounds to it."""
    if published == 0:
        return {0}
    return {v for v in range(k + 1, int(published) + 5) if round_to_base([v])[0] == published}


def test_differencing_two_days_gives_no_small_count_of_another_district(generated):
    # Consecutive days (daily flows) and days further apart.
    days = [dt.date(2021, 2, 1), dt.date(2021, 2, 2), dt.date(2021, 2, 3), dt.date(2021, 2, 10),
            dt.date(2021, 3, 10), dt.date(2021, 3, 11)]
    for name, columns in CUMULATIVE.items():
        shown = {}
        for day in days:
            out = policy.apply(name, queries.run(name, generated, as_of=day), HEAD)
            shown[day] = out[out["district_code"] != OWN].set_index(KEYS[name])
        compared = 0
        for i, d1 in enumerate(days):
            for d2 in days[i + 1:]:
                a, b = shown[d1].align(shown[d2], join="inner", axis=0)
                for col in columns:
                    both = ~a[marker(col)].to_numpy(bool) & ~b[marker(col)].to_numpy(bool)
                    for x, y in zip(a[col].to_numpy()[both], b[col].to_numpy()[both]):
                        compared += 1
                        differences = {q - p for p in _candidates(x) for q in _candidates(y)}
                        if len(differences) == 1:  # determined: only 0 - 0
                            assert differences.pop() not in range(1, K + 1), (name, col, d1, d2)
        assert compared > 10, "published cells on two days were compared"


def test_the_heads_table_and_export_share_one_set_of_masks(generated):
    as_of = dt.date(2021, 3, 1)
    for name in ("district_progress", "referral_outcomes", "staffing", "police_linkage"):
        raw = queries.run(name, generated, as_of=as_of)
        view = policy.apply(name, raw, HEAD)
        export = policy.for_sharing(name, raw, viewer=HEAD)
        key = [c for c in KEYS.get(name, ["district_code"]) if c in raw.columns]
        if name == "referral_outcomes":
            key = KEYS[name]
        v = view[view["district_code"] != OWN].set_index(key).sort_index()
        e = export[export["district_code"] != OWN].set_index(key).sort_index()
        v, e = v.align(e, join="inner", axis=0)
        for col in policy.RULES[name].counts:
            assert (v[marker(col)] == e[marker(col)]).all(), (name, col)
            shown = ~v[marker(col)]
            assert (v.loc[shown, col] == e.loc[shown, col]).all(), (name, col)
        mine = export[export["district_code"] == OWN]
        for col in policy.RULES[name].counts:
            published = mine.loc[~mine[marker(col)], col]
            assert not published.between(1, threshold()).any(), (name, col)


def test_a_total_over_masked_cells_is_masked_not_smaller():
    delay = pd.DataFrame({
        "kind_name": ["Police", "Police", "Agency"], "referrals": [40.0, np.nan, 30.0],
        "mean_days": [3.0, np.nan, 5.0], "same_day": [10.0, np.nan, 10.0],
        "days_1_7": [10.0, np.nan, 10.0], "days_8_30": [10.0, np.nan, 5.0],
        "over_30": [10.0, np.nan, 5.0], "before_visit": [0.0, np.nan, 0.0]})
    out = figures_ops.delay_summary(delay).set_index("kind_name")
    assert out.loc["Police"].isna().all()
    assert out.loc["Agency", "referrals"] == 30 and out.loc["Agency", "mean_days"] == 5


def test_a_heads_comparison_totals_are_never_smaller(generated):
    # The rows a head gets of other districts, summed, are no city total: the city's own
    # figures come from unsuppressed rows and equal the raw sums.
    as_of = dt.date(2021, 2, 15)
    raw = queries.run("district_progress", generated, as_of=as_of)
    city = scoped.city_progress(generated, [], as_of=as_of).iloc[0]
    assert city["listed"] == raw["listed"].sum() and city["seen"] == raw["seen"].sum()
