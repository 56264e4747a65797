"""access/scoped.py on a generated database (SQLite and PostgreSQL): city facts identical for every
scope and computed from unsuppressed counts, suppression at the grain shown, filters applied after
the policy, child-level rows scoped in SQL."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

import queries
from access import scoped
from access.suppression import marker, round_to_base
from data.generate import generate

DAYS = (dt.date(2021, 2, 1), dt.date(2021, 3, 1))
COHORTS = (None, "repeat_report", "neglect_risk")
K = 10
CITY_FACTS = ["city_rate", "plan_rate", "districts_behind", "districts_active"]
OWN_FACTS = ["rank_completion_rate", "rank_gap_to_plan", "rank_pace_7d", "rank_unreachable",
             "is_behind", "limit95_low", "limit95_high", "limit998_low", "limit998_high",
             "listed", "seen", "completion_rate", "gap_to_plan"]


@pytest.fixture
def generated(engine):
    generate(engine, seed=3, scale=0.2)
    return engine


def _heads(engine, as_of):
    codes = queries.run("districts", engine, as_of=as_of)["district_code"].tolist()
    return codes, [("district", c) for c in codes[::6]]


def test_a_head_sees_the_response_teams_city_facts_and_own_rank(generated):
    for as_of in DAYS:
        codes, heads = _heads(generated, as_of)
        for cohort in COHORTS:
            team = scoped.district_comparison(generated, as_of=as_of, cohort=cohort)
            for scope in heads:
                head = scoped.district_comparison(generated, as_of=as_of, cohort=cohort,
                                                  scope=scope)
                pd.testing.assert_frame_equal(head[CITY_FACTS], team[CITY_FACTS])
                own = head["district_code"] == scope[1]
                pd.testing.assert_frame_equal(
                    head.loc[own, OWN_FACTS].reset_index(drop=True),
                    team.loc[own, OWN_FACTS].reset_index(drop=True), check_dtype=False)
                assert not head.loc[own, [c for c in head if c.endswith("_suppressed")]] \
                    .to_numpy().any()


def test_city_facts_come_from_every_districts_raw_counts(generated):
    as_of = DAYS[1]
    raw = queries.run("district_progress", generated, as_of=as_of)
    for cohort in COHORTS:
        rows = raw if cohort is None else raw[raw["cohort"] == cohort]
        per = rows.groupby("district_code")[["listed", "seen"]].sum()
        out = scoped.district_comparison(generated, as_of=as_of, cohort=cohort,
                                         scope=("district", per.index[0]))
        assert out["city_rate"].iloc[0] == pytest.approx(per["seen"].sum() / per["listed"].sum())
        active = per[per["listed"] > 0]
        rate = active["seen"] / active["listed"]
        plan = raw["plan_rate"].max()
        assert out["districts_active"].iloc[0] == len(active)
        assert out["districts_behind"].iloc[0] == int((rate - plan < 0).sum())
        # The head's own rank: 1 + districts with a strictly higher completion, over all active.
        own = per.index[0]
        expected = f"{int((rate > rate[own]).sum()) + 1} / {len(active)}"
        assert out.set_index("district_code").loc[own, "rank_completion_rate"] == expected
        # Funnel limits at the district's own size around the city rate.
        p = per["seen"].sum() / per["listed"].sum()
        half = 1.959964 * np.sqrt(p * (1 - p) / per.loc[own, "listed"])
        assert out.set_index("district_code").loc[own, "limit95_low"] == \
            pytest.approx(max(0.0, p - half))


def test_other_districts_are_suppressed_at_the_summed_grain(generated):
    as_of = DAYS[0]
    codes, heads = _heads(generated, as_of)
    raw = queries.run("district_progress", generated, as_of=as_of)
    summed = raw.groupby("district_code")[["listed", "seen", "attempted_not_seen",
                                          "not_attempted", "unreachable"]].sum()
    for scope in heads:
        out = scoped.district_comparison(generated, as_of=as_of, scope=scope).set_index(
            "district_code")
        others = out.index != scope[1]
        for col in summed.columns:
            shown = out.loc[others & ~out[marker(col)].to_numpy(), col]
            assert not shown.between(1, K).any(), col
            # Published cells are the summed raw counts (rounded to the base), not a sum of
            # masked cohort cells.
            expected = round_to_base(summed.loc[shown.index, col].to_numpy())
            assert (shown.to_numpy() == expected).all(), col
        hidden = out[marker("completion_rate")].to_numpy() & others
        assert out.loc[hidden, ["completion_rate", "gap_to_plan", "limit95_low"]].isna().all().all()
        assert out.loc[hidden, "rank_completion_rate"].isna().all()
        n_hidden, n_others = scoped.hidden_others(out.reset_index(), scope[1])
        assert n_hidden == int(hidden.sum())
        assert n_others == int(out["districts_active"].iloc[0]) - int(out.loc[scope[1], "listed"] > 0)


def test_figure_filters_after_the_policy_and_scopes_child_rows_in_sql(generated):
    as_of = DAYS[1]
    codes, heads = _heads(generated, as_of)
    scope = heads[1]
    whole = scoped.figure(generated, "district_progress", scope, as_of=as_of)
    one = scoped.figure(generated, "district_progress", scope, as_of=as_of, district=codes[0],
                        cohort="repeat_report")
    expected = whole[(whole["district_code"] == codes[0]) & (whole["cohort"] == "repeat_report")]
    pd.testing.assert_frame_equal(one, expected.reset_index(drop=True))
    with pytest.raises(PermissionError):
        scoped.figure(generated, "attention_list", ("city", None), as_of=as_of)
    theirs = scoped.figure(generated, "attention_list", scope, as_of=as_of, district=codes[0])
    assert set(theirs["district_code"]) <= {scope[1]}
    with pytest.raises(PermissionError):
        scoped.figure(generated, "city_progress_daily", scope, as_of=as_of, district=codes[0])


def test_city_progress_is_public_and_from_summed_counts(generated):
    as_of = DAYS[1]
    raw = queries.run("district_progress", generated, as_of=as_of)
    out = scoped.city_progress(generated, ["cohort"], as_of=as_of).set_index("cohort")
    sums = raw.groupby("cohort")[["listed", "seen"]].sum()
    assert (out["listed"] == sums["listed"]).all()
    assert out["completion_rate"].to_numpy() == pytest.approx(
        (sums["seen"] / sums["listed"]).to_numpy())
    with pytest.raises(ValueError):
        scoped.city_progress(generated, ["district_code"], as_of=as_of)
