"""The completion forecast and the staffing allocation: their contract on the hand-made fixture
(tests/alert_fixtures.py) on SQLite and PostgreSQL, the model's pieces on data whose answer is
known, and the access rules. Calibration against what happened is the backtest's job
(python -m tests.bench_forecast), not a test's."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from access import policy
from access.viewer import Viewer
from queries import allocation, cli
from queries import forecast as fc
from queries import runner as q
from tests import alert_fixtures

D = dt.date(2021, 2, 12)


@pytest.fixture
def db(engine):
    alert_fixtures.load(engine)
    return engine


def by_key(df):
    return {(r.district_code, r.cohort): r for r in df.itertuples()}


def test_contract_rows_and_bounds(db):
    df = q.run("completion_forecast", db, as_of=D)
    assert list(df.columns) == list(fc.COLUMNS)
    # Every district and cohort, then one city row per cohort.
    assert len(df) == 3 * 2 + 2
    city = df[df["district_code"] == ""]
    assert sorted(city["cohort"]) == sorted(fc.COHORTS)
    progress = q.run("district_progress", db, as_of=D)
    rows = by_key(df)
    for p in progress.itertuples():
        r = rows[(p.district_code, p.cohort)]
        assert (r.listed, r.seen) == (p.listed, p.seen)
        # Nobody joins the fixture's lists after the start: the forecast stays within them.
        assert p.seen <= r.seen_by_deadline_p10 <= r.seen_by_deadline_p50 \
            <= r.seen_by_deadline_p90 <= p.listed
    for c in fc.COHORTS:
        r = rows[("", c)]
        assert r.listed == progress.loc[progress["cohort"] == c, "listed"].sum()
        assert r.seen == progress.loc[progress["cohort"] == c, "seen"].sum()


def test_complete_and_empty_units(db):
    rows = by_key(q.run("completion_forecast", db, as_of=D))
    # 11140's one repeat child was seen on 1 Feb: done, for certain, on that day.
    done = rows[("11140", "repeat_report")]
    assert (done.listed, done.seen, done.seen_by_deadline_p10, done.seen_by_deadline_p90) == (
        1, 1, 1, 1)
    assert done.p_all_seen_by_deadline == 1.0
    assert {done.finish_p10, done.finish_p50, done.finish_p90} == {pd.Timestamp("2021-02-01")}
    # 11170 lists nobody: no chance and no date to give.
    empty = rows[("11170", "neglect_risk")]
    assert empty.listed == 0 and np.isnan(empty.p_all_seen_by_deadline)
    assert pd.isna(empty.finish_p50)


def test_deterministic_and_blind_to_data_after_the_day(db, engine):
    first = q.run("completion_forecast", db, as_of=D)
    pd.testing.assert_frame_equal(first, q.run("completion_forecast", db, as_of=D))
    # Visits after D (seen or not) are read by nobody as of D.
    with db.begin() as conn:
        from sqlalchemy import text
        conn.execute(text(
            "insert into visits (visit_id, child_id, visit_date, staff_id, outcome, risk_level,"
            " abuse_suspected) values ('V99', 'N15', :d, 'S03', 'seen', 'none', false)"),
            {"d": D + dt.timedelta(days=1)})
        from data.status import refresh_child_status
        refresh_child_status(conn)
    pd.testing.assert_frame_equal(first, q.run("completion_forecast", db, as_of=D))


def test_filters_keep_the_citys_figures(db):
    whole = q.run("completion_forecast", db, as_of=D)
    one = q.run("completion_forecast", db, as_of=D, district="11110", cohort="neglect_risk")
    assert len(one) == 1
    pd.testing.assert_frame_equal(
        one, whole[(whole["district_code"] == "11110") & (whole["cohort"] == "neglect_risk")]
        .reset_index(drop=True))


def test_after_the_deadline_reports_what_happened(db):
    df = by_key(q.run("completion_forecast", db, as_of=dt.date(2021, 4, 10)))
    at_t = by_key(q.run("district_progress", db, as_of=dt.date(2021, 3, 31)))
    for key, p in at_t.items():
        r = df[key]
        assert r.seen_by_deadline_p10 == r.seen_by_deadline_p50 == r.seen_by_deadline_p90 \
            == p.seen
        if p.listed:
            assert r.p_all_seen_by_deadline == (1.0 if p.listed == p.seen else 0.0)


def test_cli(db, capsys):
    url = db.url.render_as_string(hide_password=False)
    assert cli.main(["completion_forecast", "--db", url, "--as-of", "2021-02-12",
                     "--district", "11140"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ",".join(fc.COLUMNS)
    assert lines[1] == "11140,repeat_report,1,1,1,1,1,1.0,2021-02-01,2021-02-01,2021-02-01"
    assert cli.main(["completion_forecast", "--db", url, "--add-officials", "2"]) == 2
    assert "applies to staffing_allocation only" in capsys.readouterr().err
    assert cli.main(["staffing_allocation", "--db", url, "--add-officials", "-1"]) == 2


# --- The model's pieces, on data whose answer is known --------------------------------------

def test_cure_model_recovers_the_share_never_found_and_the_daily_chance():
    # 4,000 first visits a day apart over 40 days; 60 % found at once; of the rest 75 % are
    # found later with a daily chance of 0.2, 25 % never. Expected counts, no noise.
    as_of = dt.date(2021, 3, 1)
    rows = []
    for age in range(40):
        n = 100.0
        rows.append(("c", -age, -age, 0.6 * n))
        failed = 0.4 * n
        for k in range(1, age + 1):
            rows.append(("c", -age, -age + k, failed * 0.75 * 0.8 ** (k - 1) * 0.2))
        rows.append(("c", -age, np.nan, failed * (0.25 + 0.75 * 0.8 ** age)))
    attempts = pd.DataFrame(rows, columns=["cohort", "fv", "fs", "children"])
    visited = pd.DataFrame({"district_code": ["x"] * 40, "cohort": "c",
                            "fv": -np.arange(40.0), "children": 100, "open": 0})
    m = fc.fit_cohort(attempts, visited, as_of, -39)
    assert m.first_seen == pytest.approx(0.6, abs=0.01)
    assert m.reachable == pytest.approx(0.75, abs=0.03)    # pulled a little by the prior
    assert m.hazard == pytest.approx(0.2, abs=0.02)


def test_more_staff_never_leaves_more_children_unseen(db):
    inp, models, units = fc.fit(db, D)
    per_person = allocation.per_person_pace(units)
    unseen = [allocation._evaluate(units, models, D, inp.deadline, np.full(len(units.pace), k),
                                   per_person)[1] for k in (0, 1, 3)]
    assert (unseen[1] <= unseen[0] + 1e-9).all() and (unseen[2] <= unseen[1] + 1e-9).all()


def test_allocation_places_exactly_the_staff_given(db):
    df = q.run("staffing_allocation", db, as_of=D, add_officials=3, add_planners=2)
    assert list(df.columns) == list(allocation.COLUMNS)
    assert df.loc[df["role"] == "abuse_official", "added"].sum() == 3
    assert df.loc[df["role"] == "welfare_planner", "added"].sum() == 2
    assert (df["expected_unseen_after"] <= df["expected_unseen_before"] + 1e-9).all()
    # Staff go where children are left to see: never to 11140's finished repeat cohort.
    done = df[(df["district_code"] == "11140") & (df["cohort"] == "repeat_report")]
    assert done["added"].item() == 0 and done["needed_for_median"].item() == 0
    both = df.dropna(subset=["needed_for_median", "needed_for_80pct"])
    assert (both["needed_for_80pct"] >= both["needed_for_median"]).all()
    none = q.run("staffing_allocation", db, as_of=D)
    assert none["added"].sum() == 0
    assert (none["expected_unseen_after"] == none["expected_unseen_before"]).all()


def test_one_baseline_answers_every_budget_as_a_fresh_allocation(db):
    # The Staffing page keeps one baseline (and one fit) per D and places each new budget on
    # it: every budget's rows must be exactly those of the whole computation.
    for day in (D, dt.date(2021, 4, 10)):          # before the deadline, then after it
        fitted = fc.fit(db, day)
        base = allocation.baseline(db, day, fitted)
        for officials, planners in ((0, 0), (1, 0), (0, 2), (4, 3)):
            fresh = allocation.staffing_allocation(db, as_of=day, add_officials=officials,
                                                   add_planners=planners)
            pd.testing.assert_frame_equal(
                allocation.allocation_rows(base, officials, planners), fresh)
        assert fresh["added"].sum() == 7               # the budget was placed, not ignored
        for district, cohort in ((None, None), ("11140", "neglect_risk")):
            pd.testing.assert_frame_equal(
                fc.seen_paths(db, as_of=day, district=district, cohort=cohort, fitted=fitted),
                fc.seen_paths(db, as_of=day, district=district, cohort=cohort))


def test_allocation_after_the_deadline_looks_four_weeks_ahead(db):
    df = q.run("staffing_allocation", db, as_of=dt.date(2021, 4, 10))
    assert set(df["target_date"]) == {pd.Timestamp("2021-05-08")}


# --- Access -------------------------------------------------------------------------------

def test_district_head_sees_city_rows_and_own_district_raw(db):
    df = q.run("completion_forecast", db, as_of=D)
    head = policy.apply("completion_forecast", df, Viewer("h", "district", "11140"))
    mine = head[head["district_code"] == "11140"]
    assert not mine.filter(like="_suppressed").to_numpy().any()
    city = head[head["district_code"] == ""]
    pd.testing.assert_frame_equal(
        city[list(fc.COLUMNS)].reset_index(drop=True),
        df[df["district_code"] == ""].reset_index(drop=True), check_dtype=False)
    # 11110's small cells (1 repeat child listed) are masked with what they imply.
    small = head[(head["district_code"] == "11110") & (head["cohort"] == "repeat_report")].iloc[0]
    assert small["listed_suppressed"] and pd.isna(small["seen_by_deadline_p50"])
    assert pd.isna(small["finish_p50"])


def test_scenarios_at_once_equal_each_scenario_simulated_alone(engine):
    # The allocation simulates many scenarios (and a subset of units) at once: every figure it
    # reads must be exactly simulate()'s for that scenario, bit for bit. A small generated
    # programme: the fixture's three districts finish too soon for the last bits to show.
    from data.generate import generate
    generate(engine, seed=3, scale=0.1)
    for as_of in (dt.date(2021, 2, 20), dt.date(2021, 4, 10)):
        inp, models, units = fc.fit(engine, as_of)
        target = inp.deadline if as_of < inp.deadline else as_of + dt.timedelta(days=28)
        days = (target - as_of).days
        nu = len(units.pace)
        per_person = allocation.per_person_pace(units)
        added = np.array([np.zeros(nu), np.arange(nu) % 4, np.full(nu, 7.0)])
        rows = np.array([0, 2, nu - 1])
        for subset in (None, rows):
            unseen, p_all, visited = fc.simulate_scenarios(
                units, models, as_of, target, added * per_person, allocation.SIMS, rows=subset)
            for s, a in enumerate(added):
                alone = fc.simulate(units, models, as_of, target, add_pace=a * per_person,
                                    sims=allocation.SIMS, to_deadline_only=True)
                pick = slice(None) if subset is None else subset
                assert np.array_equal(unseen[s], alone.unseen_at_deadline.mean(1)[pick])
                assert np.array_equal(p_all[s], alone.finish_cdf[:, days - 1][pick])
                assert np.array_equal(visited[s], alone.all_visited[pick])


def test_settled_units_left_out_after_the_deadline_change_no_figure(engine):
    # After the deadline, a unit whose chance of being finished can no longer move by 1e-4 is
    # not simulated further (simulate's `settle`): the forecast's rows, the city's included,
    # and the allocation's finish dates are those of every unit run to the end.
    from data.generate import generate
    generate(engine, seed=3, scale=0.1)
    settled_some = False
    for as_of in (dt.date(2021, 2, 20), dt.date(2021, 3, 10), dt.date(2021, 4, 10)):
        inp, models, units = fc.fit(engine, as_of)
        for sims in (fc.SIMS, allocation.SIMS):
            runs = [fc.simulate(units, models, as_of, inp.deadline, sims=sims, settle=settle)
                    for settle in (True, False)]
            pd.testing.assert_frame_equal(*[fc.rows_from(inp, units, r) for r in runs])
            assert allocation._finish_p50(runs[0], as_of) == \
                allocation._finish_p50(runs[1], as_of)
            # Some chances stood still over the last days, where every unit would move.
            settled_some |= bool((np.diff(runs[0].finish_cdf, axis=1) == 0).sum()
                                 > (np.diff(runs[1].finish_cdf, axis=1) == 0).sum())
    assert settled_some, "units settled before the end, so the test compares two paths"


def _needed_one_search(units, models, as_of, target, per_person, level, visited):
    # The search as it was written before the searches ran in step (one simulation of every
    # unit per step, through _evaluate): the reference for needed_all.
    lo = np.zeros(len(units.pace), dtype=int)
    hi = np.full(len(units.pace), allocation.MAX_EXTRA + 1)
    _, _, p0 = allocation._evaluate(units, models, as_of, target, lo.astype(float), per_person,
                                    visited)
    done = p0 >= level
    hi[done] = 0
    _, _, pmax = allocation._evaluate(units, models, as_of, target,
                                      np.full(len(lo), float(allocation.MAX_EXTRA)),
                                      per_person, visited)
    hi[~done & (pmax >= level)] = allocation.MAX_EXTRA
    lo[~done] = 1
    while True:
        open_ = (lo < hi) & (hi <= allocation.MAX_EXTRA)
        if not open_.any():
            break
        mid = np.where(open_, (lo + hi) // 2, hi)
        _, _, p = allocation._evaluate(units, models, as_of, target, mid.astype(float),
                                       per_person, visited)
        hi = np.where(open_ & (p >= level), mid, hi)
        lo = np.where(open_ & (p < level), mid + 1, lo)
    return np.where(hi <= allocation.MAX_EXTRA, hi, np.nan)


def test_searches_in_step_find_what_each_search_alone_finds(engine):
    from data.generate import generate
    generate(engine, seed=3, scale=0.1)
    searches = [(0.5, False), (0.8, False), (0.5, True), (0.8, True)]
    for as_of in (dt.date(2021, 2, 20), dt.date(2021, 4, 10)):
        inp, models, units = fc.fit(engine, as_of)
        target = inp.deadline if as_of < inp.deadline else as_of + dt.timedelta(days=28)
        per_person = allocation.per_person_pace(units)
        found = allocation.needed_all(units, models, as_of, target, per_person, searches)
        for (level, visited), got in zip(searches, found):
            alone = _needed_one_search(units, models, as_of, target, per_person, level, visited)
            np.testing.assert_array_equal(got, alone)
            assert np.isfinite(alone).any()      # the searches found something to compare
