"""completion_forecast: how many children each district will have seen by the deadline, with an
80 % interval, the chance that every listed child is seen by then, and when the district is
likely to finish. The model is written out in docs/forecast.md; SUMMARY is its one-line form,
shown next to every forecast.

Pure numpy over small grouped reads (queries/inputs/forecast_*.sql): the children on the list
at D counted by their first visit and first seen dates (summed from the per-day facts
first_visit_facts), and the staff in post. Only data up to D is read, and the random draws come
from a fixed seed, so the same database and D always give the same figures. The whole city is
always simulated, then filtered: a district's figures do not depend on the filter, and the city
row comes from the simulated city total.
"""
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Date, bindparam, text
from sqlalchemy.engine import Engine

from queries.runner import column_arrays

COLUMNS = ("district_code", "cohort", "listed", "seen", "seen_by_deadline_p10",
           "seen_by_deadline_p50", "seen_by_deadline_p90", "p_all_seen_by_deadline",
           "finish_p10", "finish_p50", "finish_p90")
KINDS = ("text", "text", "count", "count", "count", "count", "count", "rate", "date", "date",
         "date")

COHORTS = ("repeat_report", "neglect_risk")
# Who makes the visits of each cohort (programme.md): the staff whose number scales the pace.
ROLE_OF = {"repeat_report": "abuse_official", "neglect_risk": "welfare_planner"}

SIMS = 500                # Monte Carlo runs: enough for a 10th and a 90th percentile
SEED = 20210331           # fixed: the same database and D give the same figures
HORIZON_DAYS = 120        # finish dates beyond D + 120 days are "not within 120 days"
PACE_DAYS = 14            # the pace of first visits: the last 14 days
MODEL_DAYS = 42           # weekday pattern and the chance of being seen after a failed visit
NATIONAL_HARD_SHARE = 1 - 0.863   # programme.md: 86.3 % of flagged children were met in person
PRIOR_CHILDREN = 30       # weight of that national figure, in children, against the data

SUMMARY = (
    "Simulated 500 times per district: first visits continue at the last 14 days' pace "
    "(weekdays apart, scaled to the staff in post today), and a child not found at home is "
    "found later with a chance that falls with each failed week, some never (fitted to the "
    "visits so far and the national 86 % met-in-person rate); 80 % of the runs fall in the "
    "interval shown.")

INPUT_DIR = Path(__file__).resolve().parent / "inputs"


# --- Reading ---------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _statement(name: str):
    """The input's statement, its parameters bound as dates (parsed once per process)."""
    stmt = text((INPUT_DIR / f"{name}.sql").read_text(encoding="utf-8"))
    return stmt.bindparams(*[bindparam(k, type_=Date) for k in list(stmt._bindparams)])


def _read(engine_or_conn, name: str, params: dict) -> dict:
    """The input's columns as object arrays, by name."""
    stmt = _statement(name)
    return column_arrays(
        engine_or_conn.execute(stmt, {k: params.get(k) for k in stmt._bindparams}))


def _day_numbers(values: np.ndarray, origin: dt.date) -> np.ndarray:
    """Days from `origin` as floats (NaN for null); drivers give dates or ISO text. Few distinct
    dates in many rows: each is converted once."""
    distinct = {v: _days_from(v, origin) for v in set(values.tolist())}
    return np.array([distinct[v] for v in values.tolist()], dtype=float)


def _days_from(v, origin: dt.date) -> float:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return np.nan
    d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
    if isinstance(d, dt.datetime):
        d = d.date()
    return float((d - origin).days)


@dataclass
class Inputs:
    as_of: dt.date
    start: dt.date
    deadline: dt.date
    districts: list
    # Columns as numpy arrays by name (DataFrames cost more to build than all the arithmetic:
    # pandas infers a string type for every text column).
    units: dict                # district_code, cohort, listed, seen, not_attempted, added, last
    visited: dict              # district_code, cohort, fv (days from D, NaN: none), children,
                               # open, last
    attempts: dict             # cohort, fv, fs (days from D, NaN: not seen), children
    staff: dict                # district_code, role, in_post (at D), in_post_before


def _counts(values: np.ndarray) -> np.ndarray:
    """A count column (null: 0) as integers."""
    return np.array([0 if v is None else int(v) for v in values.tolist()], dtype=int)


def _texts(values: np.ndarray) -> np.ndarray:
    return np.array([str(v) for v in values.tolist()], dtype=object)


def read_inputs(engine: Engine, as_of: dt.date) -> Inputs | None:
    from queries.runner import ensure_child_status, programme_dates
    ensure_child_status(engine)
    with engine.connect() as conn:
        start, deadline = programme_dates(conn)
        if start is None:
            return None
        window_start = max(start, as_of - dt.timedelta(days=MODEL_DAYS - 1))
        pace_middle = max(start, as_of - dt.timedelta(days=PACE_DAYS // 2))
        params = {"as_of": as_of, "window_start": window_start, "start_date": start,
                  "pace_middle": pace_middle}
        both = _read(conn, "forecast_visited", params)
        staff = _read(conn, "forecast_staff", params)
        districts = [r[0] for r in conn.execute(
            text("select district_code from districts order by district_code"))]
    part = both["part"]
    v, a, n = part == "visited", part == "attempts", part == "added"
    visited = {
        "district_code": _texts(both["district_code"][v]),
        "cohort": _texts(both["cohort"][v]),
        "fv": _day_numbers(both["first_visit_on"][v], as_of),
        "children": _counts(both["children"][v]), "open": _counts(both["open"][v]),
        "last": _day_numbers(both["first_seen_on"][v], as_of)}
    added = dict(zip(zip(_texts(both["district_code"][n]).tolist(),
                         _texts(both["cohort"][n]).tolist()),
                     _counts(both["children"][n]).tolist()))
    attempts = {
        "cohort": _texts(both["cohort"][a]),
        "fv": _day_numbers(both["first_visit_on"][a], as_of),
        "fs": _day_numbers(both["first_seen_on"][a], as_of),
        "children": _counts(both["children"][a])}
    staff = {
        "district_code": _texts(staff["district_code"]), "role": _texts(staff["role"]),
        "in_post": _counts(staff["in_post"]), "in_post_before": _counts(staff["in_post_before"])}
    return Inputs(as_of, start, deadline, districts, _units_of(visited, added), visited,
                  attempts, staff)


def _units_of(visited: dict, added: dict) -> dict:
    """Per district and cohort, in order: listed, open, added (from `added`, by district and
    cohort), last (the latest first seen day, NaN: none), seen and not_attempted, summed from
    `visited`, whose rows come sorted by district and cohort (forecast_visited.sql)."""
    d, c = visited["district_code"], visited["cohort"]
    new = np.r_[True, (d[1:] != d[:-1]) | (c[1:] != c[:-1])] if len(d) else \
        np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    ng = len(starts)

    def total(values):
        return np.bincount(group, weights=values, minlength=ng).astype(int)

    children, open_ = visited["children"], visited["open"]
    seen_days = visited["last"]
    last = np.full(ng, np.nan)
    known = ~np.isnan(seen_days)
    np.fmax.at(last, group[known], seen_days[known])
    listed, open_n = total(children), total(open_)
    not_visited = np.isnan(visited["fv"])
    return {
        "district_code": d[starts], "cohort": c[starts], "listed": listed, "open": open_n,
        "added": np.array([added.get(k, 0) for k in zip(d[starts].tolist(),
                                                         c[starts].tolist())], dtype=int),
        "last": last, "seen": listed - open_n,
        "not_attempted": total(np.where(not_visited, open_, 0))}


# --- Fitting ---------------------------------------------------------------------------------

@dataclass
class CohortModel:
    weekday: np.ndarray        # 7 weights (Monday first), mean 1: work done on that weekday
    first_seen: float          # share of first visits that find the child (seen that day)
    reachable: float           # of those not found at the first visit, the share ever found
    hazard: float              # a reachable child's daily chance of being found later
    drift: float               # week-to-week variation of the pace (log scale, beyond chance)


def _weekday_of(days_from_d: np.ndarray, as_of: dt.date) -> np.ndarray:
    return (as_of.weekday() + np.asarray(days_from_d).astype(int)) % 7


def _columns(frame, names) -> list:
    """Columns of a DataFrame or of a dict of arrays, as numpy arrays."""
    return [np.asarray(frame[n]) for n in names]


def fit_cohort(attempted, visited, as_of: dt.date, first_day: int) -> CohortModel:
    """Fit one cohort's shared parameters (all districts pooled) from its first visits since
    `first_day` (days from D): `attempted` by first visit and first seen day (fv, fs,
    children), `visited` by district and first visit day (district_code, fv, children);
    DataFrames or dicts of arrays."""
    fv, fs, children = _columns(attempted, ("fv", "fs", "children"))
    # Weekday pattern of first visits, shrunk toward a flat week when there is little data.
    counts = np.zeros(7)
    days = np.zeros(7)
    np.add.at(counts, _weekday_of(fv, as_of), children)
    np.add.at(days, _weekday_of(np.arange(first_day, 1), as_of), 1)
    per_day = np.where(days > 0, (counts + 5) / np.maximum(days, 1), np.nan)
    mean = np.nanmean(per_day) if np.isfinite(per_day).any() else 1.0
    weekday = np.where(np.isfinite(per_day), per_day / mean, 1.0)
    weekday = weekday * 7 / weekday.sum()

    n_attempted = children.sum()
    same_day = children[fs == fv].sum()
    first_seen = (same_day + 1) / (n_attempted + 2)

    # A cure model for those not found at the first visit: a share `reachable` is found later
    # with a daily chance `hazard`; the rest never within the horizon. EM over delays (found
    # after k days) and ages (not found yet, a days after the first visit). The national share
    # met in person is the prior for `reachable`.
    failed = fs != fv                        # true too when not seen (NaN)
    found = failed & ~np.isnan(fs)
    open_ = failed & np.isnan(fs)
    k = fs[found] - fv[found]
    kn = children[found].astype(float)
    a = 0 - fv[open_]
    an = children[open_].astype(float)
    prior = float(np.clip(1 - NATIONAL_HARD_SHARE / max(1 - first_seen, 1e-6), 0.05, 0.95))
    reachable, hazard = prior, 1 / 7
    for _ in range(200):
        stay = reachable * (1 - hazard) ** a
        w = stay / (stay + 1 - reachable)
        new_r = (kn.sum() + (an * w).sum() + PRIOR_CHILDREN * prior) / (
            kn.sum() + an.sum() + PRIOR_CHILDREN)
        exposure = (kn * k).sum() + (an * w * a).sum()
        new_h = (kn.sum() + 1) / (exposure + 7) if exposure > 0 else hazard
        done = abs(new_r - reachable) < 1e-7 and abs(new_h - hazard) < 1e-7
        reachable, hazard = new_r, float(np.clip(new_h, 1e-3, 0.9))
        if done:
            break

    # Drift: how much a district's weekly count of first visits varies beyond Poisson chance
    # over the last four weeks (districts with at least 5 a week on average).
    weeks = sum(1 for i in range(4) if -7 * (i + 1) + 1 >= first_day)
    excess = []
    if weeks >= 2:
        v_code, v_fv, v_children = _columns(visited, ("district_code", "fv", "children"))
        recent = v_fv > -7 * weeks
        codes, d_idx = np.unique(v_code[recent], return_inverse=True)
        week = (-v_fv[recent] // 7).astype(int)
        c = np.zeros((len(codes), weeks))
        np.add.at(c, (d_idx, week), v_children[recent])
        mean = c.mean(1)
        ok = mean >= 5
        excess = list(c[ok].var(1, ddof=1) / mean[ok] ** 2 - 1 / mean[ok])
    drift2 = float(np.clip(np.mean(excess), 0.15 ** 2, 0.4 ** 2)) if excess else 0.2 ** 2
    return CohortModel(weekday, float(first_seen), float(reachable), float(hazard),
                       float(np.sqrt(drift2)))


@dataclass
class Units:
    """One entry per district and cohort, in a fixed order (cohort, then district code)."""
    district: np.ndarray
    cohort: np.ndarray
    listed: np.ndarray
    seen: np.ndarray
    not_attempted: np.ndarray
    reachable: np.ndarray      # expected reachable among those attempted and not yet found
    hard: np.ndarray           # expected never found among them
    pace: np.ndarray           # first visits per weekday-weighted day, at today's staff
    pace_n: np.ndarray         # first visits the pace rests on
    arrivals: np.ndarray       # children joining the list per day
    last_seen: np.ndarray      # latest first seen date (days from D), NaN when none
    staff: np.ndarray          # staff in post at D (the cohort's role)
    staff_ratio: np.ndarray    # staff in post at D against the mean over the pace's days


def build_units(inp: Inputs, models: dict) -> Units:
    d_index = {d: i for i, d in enumerate(inp.districts)}
    nd = len(inp.districts)
    rows = {f: [] for f in Units.__dataclass_fields__}
    first_day = (inp.start - inp.as_of).days
    pace_from = max(first_day, 1 - PACE_DAYS)
    elapsed = max(-first_day + 1, 1)
    # Plain arrays, read once: pandas' selections cost more than the arithmetic here.
    u_code, u_cohort, u_listed, u_seen, u_not_attempted, u_added, u_last = _columns(
        inp.units, ("district_code", "cohort", "listed", "seen", "not_attempted", "added",
                    "last"))
    v_code, v_cohort, v_fv, v_open, v_children = _columns(
        inp.visited, ("district_code", "cohort", "fv", "open", "children"))
    s_code, s_role, s_today, s_before = _columns(
        inp.staff, ("district_code", "role", "in_post", "in_post_before"))

    def index_of(codes):
        return np.array([d_index[c] for c in codes.tolist()], dtype=np.int64)

    for cohort in COHORTS:
        m = models[cohort]
        u = u_cohort == cohort
        u_idx = index_of(u_code[u])

        def spread(values):
            out = np.zeros(nd)
            out[u_idx] = values
            return out

        listed, seen = spread(u_listed[u]), spread(u_seen[u])
        v = (v_cohort == cohort) & ~np.isnan(v_fv)
        v_idx = index_of(v_code[v])
        age = -v_fv[v]
        stay = m.reachable * (1 - m.hazard) ** age
        post = stay / (stay + 1 - m.reachable)
        open_n = v_open[v].astype(float)
        reachable = np.bincount(v_idx, weights=open_n * post, minlength=nd)
        hard = np.bincount(v_idx, weights=open_n * (1 - post), minlength=nd)
        recent = v_fv[v] >= pace_from
        first_visits = np.bincount(v_idx[recent], weights=v_children[v][recent], minlength=nd)
        weight = m.weekday[_weekday_of(np.arange(pace_from, 1), inp.as_of)].sum() if \
            pace_from <= 0 else 0.0
        pace = first_visits / weight if weight > 0 else np.zeros(nd)
        # Staff in post today against those in post in the middle of the pace's days: a
        # district that gained (lost) staff recently visits faster (slower) from now on.
        st = s_role == ROLE_OF[cohort]
        s_idx = index_of(s_code[st])
        today = np.bincount(s_idx, weights=s_today[st].astype(float), minlength=nd)
        before = np.bincount(s_idx, weights=s_before[st].astype(float), minlength=nd)
        ratio = np.where(before > 0, today / np.maximum(before, 1), 1.0)
        last = np.full(nd, np.nan)
        last[u_idx] = u_last[u]
        rows["district"].append(np.array(inp.districts, dtype=object))
        rows["cohort"].append(np.full(nd, cohort, dtype=object))
        for name, value in (("listed", listed), ("seen", seen),
                            ("not_attempted", spread(u_not_attempted[u])),
                            ("reachable", reachable), ("hard", hard), ("pace", pace * ratio),
                            ("pace_n", first_visits),
                            ("arrivals", spread(u_added[u]) / elapsed),
                            ("last_seen", last), ("staff", today), ("staff_ratio", ratio)):
            rows[name].append(value)
    return Units(**{k: np.concatenate(v) for k, v in rows.items()})


# --- Simulating ------------------------------------------------------------------------------

@dataclass
class _Chances:
    """The fitted chances of each simulated unit's cohort, as columns (units, 1) that broadcast
    over the runs; the same for simulate() and simulate_scenarios()."""
    coh: np.ndarray            # (units,): the unit's cohort, an index into COHORTS
    weekday: np.ndarray        # (2, 7): each cohort's share of a week's visits per weekday
    first_seen: np.ndarray
    reach: np.ndarray
    rate: np.ndarray
    drift: np.ndarray


def _rows_of(ch: _Chances, rows: np.ndarray) -> _Chances:
    """The same chances for the units in `rows` only."""
    return _Chances(ch.coh[rows], ch.weekday, ch.first_seen[rows], ch.reach[rows],
                    ch.rate[rows], ch.drift[rows])


def _chances(units: "Units", models: dict, rows: np.ndarray | slice = slice(None)) -> _Chances:
    coh = np.array([COHORTS.index(c) for c in units.cohort])[rows]

    def per_unit(name):
        return np.array([getattr(models[c], name) for c in COHORTS])[coh][:, None]
    return _Chances(coh, np.array([models[c].weekday for c in COHORTS]), per_unit("first_seen"),
                    per_unit("reachable"),
                    -np.log1p(-np.array([models[c].hazard for c in COHORTS]))[coh][:, None],
                    per_unit("drift"))


def _simulate_day(ch: _Chances, w, pace, arrivals, waiting, reachable, hard, p_done,
                  visits, tmp, waits) -> None:
    """One day of every run, in place (no new arrays per day). The figures depend on every last
    bit, so these are exactly the operations, in this order, of: waiting += arrivals; visits =
    min(waiting, pace * w); waiting -= visits; not_found = visits * (1 - first_seen);
    reachable = reachable * exp(-rate * w) + not_found * reach; hard += not_found * (1 - reach);
    then P(all seen) = max(P, exp(-(reachable + hard))) where nobody waits for a first visit."""
    np.add(waiting, arrivals, out=waiting)
    np.multiply(pace, w, out=tmp)
    np.minimum(waiting, tmp, out=visits)
    np.subtract(waiting, visits, out=waiting)
    np.multiply(visits, 1 - ch.first_seen, out=visits)          # not found at the visit
    np.multiply(reachable, np.exp(-ch.rate * w), out=reachable)
    np.multiply(visits, ch.reach, out=tmp)
    np.add(reachable, tmp, out=reachable)
    np.multiply(visits, 1 - ch.reach, out=tmp)
    np.add(hard, tmp, out=hard)
    # Everyone seen when nobody waits for a first visit and no one is left unfound; the unfound
    # count is a sum of many small chances, so P(none) is exp(-expected).
    np.add(reachable, hard, out=tmp)
    np.negative(tmp, out=tmp)
    np.exp(tmp, out=tmp)
    np.less(waiting, 0.5, out=waits)
    # tmp * waits is tmp where nobody waits and 0 elsewhere, exactly (tmp is finite and not
    # negative), without np.where's new array each day.
    np.multiply(tmp, waits, out=tmp)
    np.maximum(p_done, tmp, out=p_done)


@dataclass
class Simulation:
    seen_at_deadline: np.ndarray   # (units, sims), counts
    finish_cdf: np.ndarray         # (units, days): P(all seen by D + k), k = 1..HORIZON_DAYS
    unseen_at_deadline: np.ndarray  # (units, sims): expected unseen then, given each run's pace
    all_visited: np.ndarray        # (units,): P(every child had a first visit by the deadline)
    city_seen: dict                # cohort -> (sims,) city total seen at the deadline
    city_finish_cdf: dict          # cohort -> (days,)
    days_to_deadline: int
    paths: np.ndarray | None = None  # (days to the deadline, sims), see simulate()


def simulate(units: Units, models: dict, as_of: dt.date, deadline: dt.date,
             add_pace: np.ndarray | None = None, sims: int = SIMS,
             paths_for: np.ndarray | None = None, to_deadline_only: bool = False,
             settle: bool = True) -> Simulation:
    """Run the model `sims` times for every unit; `add_pace` is added to each unit's pace of
    first visits (the staffing allocation's scenarios). `deadline` is the day the "by the
    deadline" figures are taken (the allocation uses a later one after the deadline).
    `paths_for` (a boolean mask of units): also keep, for each day to the deadline, each run's
    expected seen count summed over those units (Simulation.paths, days x sims).
    `to_deadline_only`: stop on the deadline, for a caller that reads only expected_unseen,
    all_visited and finish_cdf up to the deadline (the allocation's many scenarios): these are
    exactly a full run's, since every draw they depend on comes before; finish_cdf after the
    deadline and the counts drawn at the deadline (seen_at_deadline, city_seen) are NaN.
    `settle`: after the deadline, stop simulating each unit whose chance can no longer move by
    1e-4 (False: every unit to the end, for the test that the figures are the same)."""
    rng = np.random.default_rng(SEED)
    nu = len(units.listed)
    ch = _chances(units, models)
    coh = ch.coh

    # The pace of each run: today's estimate times a log-normal error made of the estimate's
    # own chance error (Poisson, from the count it rests on), then a random walk: each week the
    # pace moves by the week-to-week variation seen lately, half of it shared by every district
    # in the run (a city-wide change), half the district's own.
    own = np.sqrt(1 / (units.pace_n[:, None] + 1))
    base = units.pace if add_pace is None else units.pace + add_pace
    log_pace = np.log(np.maximum(base[:, None], 1e-12)) + own * rng.standard_normal(
        (nu, sims)) - own ** 2 / 2
    step = ch.drift / np.sqrt(2)
    pace = np.exp(log_pace)

    to_deadline = (deadline - as_of).days
    waiting = np.repeat(units.not_attempted[:, None], sims, 1)
    reachable = np.repeat(units.reachable[:, None], sims, 1)
    hard = np.repeat(units.hard[:, None], sims, 1)
    arrivals = units.arrivals[:, None]
    p_done = np.zeros((nu, sims))                   # running P(all seen by this day)
    finish_cdf = np.zeros((nu, HORIZON_DAYS))
    city_p = {c: np.zeros((sims,)) for c in COHORTS}
    city_cdf = {c: np.zeros(HORIZON_DAYS) for c in COHORTS}
    at_deadline = None
    added_total = np.zeros((nu, 1))
    paths = []
    visits, tmp, waits = np.empty((nu, sims)), np.empty((nu, sims)), np.empty((nu, sims), bool)
    # After the deadline only the finish dates are left to simulate, and a unit whose chance
    # can no longer move (see the stop below) is left out from then on: its last day's figures
    # stand (`live`: the units still simulated, None: all). Mid-programme, half of the units are
    # settled within weeks of the deadline (the rest run the 120 days).
    live, settled, blocks = None, None, None    # blocks: where each cohort's live rows start
    u_arrivals, cdf_now = arrivals, np.zeros(nu)
    for k in range(1, HORIZON_DAYS + 1):
        w = ch.weekday[ch.coh, (as_of.weekday() + k) % 7][:, None]
        if k % 7 == 1 and k > 1:
            # Drawn for every unit, settled or not: the draws after these stay those of a full run.
            own_step, city_step = rng.standard_normal((nu, sims)), rng.standard_normal((1, sims))
            own_step = own_step if live is None else own_step[live]
            log_pace = log_pace + step * (own_step + city_step) - step ** 2
            pace = np.exp(log_pace)
        added_total = added_total + arrivals
        _simulate_day(ch, w, pace, u_arrivals, waiting, reachable, hard, p_done, visits, tmp,
                      waits)
        # Means as a sum over the runs divided by their number: what ndarray.mean computes,
        # without its per-call overhead (hundreds of calls per simulation).
        if live is None:
            cdf_now = np.add.reduce(p_done, 1) / sims
            # Units come cohort by cohort (build_units): the city is a product within each block.
            city_now = p_done.reshape(len(COHORTS), -1, sims).prod(1)
        else:
            cdf_now[live] = np.add.reduce(p_done, 1) / sims
            # The live units keep their order, so each cohort is still one block of rows.
            city_now = [settled[c_i] * p_done[blocks[c_i]:blocks[c_i + 1]].prod(0)
                        for c_i in range(len(COHORTS))]
        finish_cdf[:, k - 1] = cdf_now
        for c_i, c in enumerate(COHORTS):
            city_p[c] = np.maximum(city_p[c], city_now[c_i])
            city_cdf[c][k - 1] = np.add.reduce(city_p[c]) / sims
        if paths_for is not None and k <= to_deadline:
            sel = paths_for
            paths.append((units.listed[sel, None] + added_total[sel]
                           - waiting[sel] - reachable[sel] - hard[sel]).sum(0))
        if k == to_deadline:
            at_deadline = (waiting.copy(), reachable.copy(), hard.copy(), added_total.copy(),
                           p_done.copy())
            if to_deadline_only:
                finish_cdf[:, k:] = np.nan
                for c in COHORTS:
                    city_cdf[c][k:] = np.nan
                break
        # Past the deadline, stop once no chance can still move: the children never found stay
        # unfound, so exp(-hard) bounds every later chance.
        if k >= to_deadline and k % 7 == 0:
            moving = (np.exp(-hard) - p_done).max(1) >= 1e-4
            if not moving.any():
                finish_cdf[:, k:] = finish_cdf[:, [k - 1]]
                for c in COHORTS:
                    city_cdf[c][k:] = city_cdf[c][k - 1]
                break
            if settle and not moving.all():
                # The settled units' chances enter the city's product as they stand now.
                done = [p_done[~moving & (ch.coh == c_i)].prod(0)
                        for c_i in range(len(COHORTS))]
                settled = done if settled is None else [a * b for a, b in zip(settled, done)]
                live = np.flatnonzero(moving) if live is None else live[moving]
                ch, step = _rows_of(ch, moving), step[moving]
                blocks = np.searchsorted(ch.coh, np.arange(len(COHORTS) + 1))
                u_arrivals = u_arrivals[moving]
                log_pace, pace = log_pace[moving], pace[moving]
                waiting, reachable, hard = waiting[moving], reachable[moving], hard[moving]
                p_done, visits, tmp, waits = (p_done[moving], visits[moving], tmp[moving],
                                              waits[moving])
    if at_deadline is None:
        # D on or after the deadline: the caller reports what happened instead.
        seen_t = np.repeat(units.seen[:, None], sims, 1).astype(float)
        expected_unseen = np.repeat((units.listed - units.seen)[:, None], sims, 1)
        all_visited = (units.not_attempted < 0.5).astype(float)
    else:
        waiting_t, reachable_t, hard_t, added_t, _ = at_deadline
        # What is still unfound is random: a Poisson count around its expectation (not drawn
        # when the run stopped early: the generator is not where a full run's would be).
        unfound = np.full(hard_t.shape, np.nan) if to_deadline_only else rng.poisson(
            reachable_t + hard_t)
        listed_t = units.listed[:, None] + np.round(added_t)
        seen_t = listed_t - np.round(waiting_t) - unfound
        seen_t = np.clip(seen_t, units.seen[:, None], listed_t)
        # Without the final Poisson draw, so that scenarios that change one district leave the
        # others' figures exactly as they were (common random numbers).
        expected_unseen = waiting_t + reachable_t + hard_t
        all_visited = (waiting_t < 0.5).mean(1)
    city_seen = {c: seen_t[coh == i].sum(0) for i, c in enumerate(COHORTS)}
    return Simulation(seen_t, finish_cdf, expected_unseen, all_visited, city_seen, city_cdf,
                      to_deadline, np.array(paths) if paths_for is not None else None)


def scenario_draws(nu: int, sims: int, days: int) -> tuple:
    """The draws simulate() makes for `nu` units and `sims` runs up to day `days`, in its
    order: the pace's starting error, then each week's own and city-wide steps."""
    rng = np.random.default_rng(SEED)
    first = rng.standard_normal((nu, sims))
    weekly = [(rng.standard_normal((nu, sims)), rng.standard_normal((1, sims)))
              for _ in range(8, days + 1, 7)]
    return first, weekly


def simulate_scenarios(units: Units, models: dict, as_of: dt.date, target: dt.date,
                       add_pace: np.ndarray, sims: int, rows: np.ndarray | None = None,
                       draws: tuple | None = None) -> tuple:
    """Many scenarios at once, up to `target` only (1 to HORIZON_DAYS days after D): for each
    row s of `add_pace` (scenarios x units) and each unit in `rows` (default: all), the
    expected unseen at the target (mean over the runs), P(all seen by the target) and P(every
    child had a first visit by the target), each (scenarios, len(rows)).

    Each is exactly what simulate(..., add_pace=add_pace[s], sims=sims, deadline=target,
    to_deadline_only=True) gives for that unit (unseen_at_deadline.mean(1),
    finish_cdf[:, days - 1], all_visited): the same draws (`draws`, from scenario_draws, or
    made here), the same operations on every number in the same order, scenarios stacked on
    a first axis. A unit's run depends only on its own pace and draws, so a subset of units is
    simulated alone (the allocation's searches narrow to a few units)."""
    days = (target - as_of).days
    if not 1 <= days <= HORIZON_DAYS:
        raise ValueError("simulate_scenarios covers 1 to HORIZON_DAYS days after D")
    nu = len(units.listed)
    rows = np.arange(nu) if rows is None else np.asarray(rows)
    first, weekly = draws if draws is not None else scenario_draws(nu, sims, days)
    ch = _chances(units, models, rows)
    own = np.sqrt(1 / (units.pace_n[rows, None] + 1))
    base = units.pace[rows] + np.asarray(add_pace, dtype=float)[:, rows]       # (S, n)
    log_pace = np.log(np.maximum(base[:, :, None], 1e-12)) + own * first[rows] - own ** 2 / 2
    step = ch.drift / np.sqrt(2)
    pace = np.exp(log_pace)
    shape = log_pace.shape
    waiting = np.broadcast_to(units.not_attempted[rows, None], shape).copy()
    reachable = np.broadcast_to(units.reachable[rows, None], shape).copy()
    hard = np.broadcast_to(units.hard[rows, None], shape).copy()
    arrivals = units.arrivals[rows, None]
    p_done = np.zeros(shape)
    visits, tmp, waits = np.empty(shape), np.empty(shape), np.empty(shape, dtype=bool)
    for k in range(1, days + 1):
        w = ch.weekday[ch.coh, (as_of.weekday() + k) % 7][:, None]
        if k % 7 == 1 and k > 1:
            own_step, city_step = weekly[(k - 8) // 7]
            log_pace = log_pace + step * (own_step[rows] + city_step) - step ** 2
            pace = np.exp(log_pace)
        _simulate_day(ch, w, pace, arrivals, waiting, reachable, hard, p_done, visits, tmp, waits)
    unseen = (waiting + reachable + hard).mean(-1)
    return unseen, p_done.mean(-1), waits.mean(-1)


# --- The figure ------------------------------------------------------------------------------

LEVELS = (0.1, 0.5, 0.9)     # the interval's ends and the median


def _quantiles(x: np.ndarray) -> np.ndarray:
    """Each row's 10th, 50th and 90th percentile over the runs (the last axis), as whole
    numbers: (rows, 3), or (3,) for one row. All rows at once: one call instead of one a unit."""
    return np.rint(np.quantile(x, LEVELS, axis=-1, method="inverted_cdf")).astype(np.int64).T


def _finish_dates(cdf: np.ndarray, as_of: dt.date) -> np.ndarray:
    """Each row's first day on which P(all seen) reaches 10, 50 and 90 % (cdf[..., k] is the
    chance by D + k + 1), NaT when never within the days simulated: (rows, 3), or (3,)."""
    hit = cdf[..., None] >= np.array(LEVELS)                    # (..., days, 3)
    days = np.where(hit.any(-2), hit.argmax(-2) + 1, -1)
    dates = np.datetime64(as_of, "D") + days.astype("timedelta64[D]")
    return np.where(days > 0, dates, np.datetime64("NaT")).astype("datetime64[ns]")


def fit(engine: Engine, as_of: dt.date):
    """Read and fit: (inputs, models, units), or None without a programme."""
    inp = read_inputs(engine, as_of)
    if inp is None:
        return None
    first_day = max((inp.start - as_of).days, 1 - MODEL_DAYS)
    attempts = dict(zip(("cohort", "fv", "fs", "children"), _columns(
        inp.attempts, ("cohort", "fv", "fs", "children"))))
    visited = dict(zip(("cohort", "district_code", "fv", "children"), _columns(
        inp.visited, ("cohort", "district_code", "fv", "children"))))

    def part(frame, keep):
        return {k: v[keep] for k, v in frame.items()}

    models = {c: fit_cohort(part(attempts, attempts["cohort"] == c),
                            part(visited, (visited["cohort"] == c)
                                 & (visited["fv"] >= first_day)), as_of, first_day)
              for c in COHORTS}
    return inp, models, build_units(inp, models)


def rows_from(inp: Inputs, units: Units, sim: Simulation, seen_at_deadline=None) -> pd.DataFrame:
    """The contract's rows for every unit and the city; `seen_at_deadline` (after the
    deadline): {(district, cohort): (listed, seen)} as of the deadline, to report as known."""
    as_of = inp.as_of
    out = []
    if seen_at_deadline is None:
        counts = _quantiles(sim.seen_at_deadline)
    finishes = _finish_dates(sim.finish_cdf, as_of)
    for i in range(len(units.listed)):
        d, c = units.district[i], units.cohort[i]
        listed, seen = int(units.listed[i]), int(units.seen[i])
        if seen_at_deadline is not None:
            l_t, s_t = seen_at_deadline.get((d, c), (0, 0))
            p10 = p50 = p90 = s_t
            p_all = 1.0 if l_t == s_t and l_t > 0 else 0.0
        else:
            p10, p50, p90 = counts[i].tolist()
            p_all = float(sim.finish_cdf[i, sim.days_to_deadline - 1]) if \
                sim.days_to_deadline >= 1 else 0.0
        if listed == 0:
            finish = [pd.NaT] * 3
            p_all = float("nan")
        elif listed == seen:
            last = pd.Timestamp(as_of + dt.timedelta(days=int(units.last_seen[i])))
            finish = [last] * 3
        else:
            finish = list(finishes[i])
        out.append((d, c, listed, seen, p10, p50, p90, p_all, *finish))
    for c in COHORTS:
        sel = units.cohort == c
        listed, seen = int(units.listed[sel].sum()), int(units.seen[sel].sum())
        if seen_at_deadline is not None:
            l_t = sum(v[0] for k, v in seen_at_deadline.items() if k[1] == c)
            s_t = sum(v[1] for k, v in seen_at_deadline.items() if k[1] == c)
            p10 = p50 = p90 = s_t
            p_all = 1.0 if l_t == s_t and l_t > 0 else 0.0
        else:
            p10, p50, p90 = _quantiles(sim.city_seen[c]).tolist()
            p_all = float(sim.city_finish_cdf[c][sim.days_to_deadline - 1]) if \
                sim.days_to_deadline >= 1 else 0.0
        if listed == 0:
            finish, p_all = [pd.NaT] * 3, float("nan")
        elif listed == seen:
            last = pd.Timestamp(as_of + dt.timedelta(days=int(np.nanmax(units.last_seen[sel]))))
            finish = [last] * 3
        else:
            finish = _finish_dates(sim.city_finish_cdf[c], as_of)
        out.append(("", c, listed, seen, p10, p50, p90, p_all, *finish))
    df = pd.DataFrame(out, columns=list(COLUMNS))
    for col in ("finish_p10", "finish_p50", "finish_p90"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    for col in COLUMNS[2:7]:
        df[col] = df[col].astype("int64")
    # A Monte Carlo chance is good to a few decimals; 1e-86 would be noise printed in full.
    df["p_all_seen_by_deadline"] = df["p_all_seen_by_deadline"].astype("float64").round(6)
    return df


def _known_at_deadline(engine: Engine, deadline: dt.date) -> dict:
    from queries.runner import run
    progress = run("district_progress", engine, as_of=deadline)
    return {(r.district_code, r.cohort): (int(r.listed), int(r.seen))
            for r in progress.itertuples()}


def completion_forecast(engine: Engine, *, as_of: dt.date, district: str | None = None,
                        cohort: str | None = None) -> pd.DataFrame:
    """The contract's rows (COLUMNS); the city rows have district_code "" and come only
    without a district filter."""
    fitted = fit(engine, as_of)
    if fitted is None:
        return pd.DataFrame(columns=list(COLUMNS))
    inp, models, units = fitted
    sim = simulate(units, models, as_of, inp.deadline)
    known = _known_at_deadline(engine, inp.deadline) if as_of >= inp.deadline else None
    df = rows_from(inp, units, sim, known)
    if district is not None:
        df = df[df["district_code"] == district]
    if cohort is not None:
        df = df[df["cohort"] == cohort]
    return df.reset_index(drop=True)


def seen_paths(engine: Engine, *, as_of: dt.date, district: str | None = None,
               cohort: str | None = None, fitted=None) -> pd.DataFrame:
    """For a fan chart: per day from D + 1 to the deadline, the 10th, 50th and 90th percentile
    of the runs' expected seen count, for one district (None: the city) and one cohort (None:
    both summed). Empty after the deadline or without a programme. `fitted`: fit()'s answer
    for this database and D when the caller already has it (read-only: nothing here changes
    it)."""
    fitted = fitted if fitted is not None else fit(engine, as_of)
    empty = pd.DataFrame(columns=["date", "p10", "p50", "p90"])
    if fitted is None:
        return empty
    inp, models, units = fitted
    if as_of >= inp.deadline:
        return empty
    mask = np.ones(len(units.listed), dtype=bool)
    if district is not None:
        mask &= units.district == district
    if cohort is not None:
        mask &= units.cohort == cohort
    # The paths end on the deadline, and every draw they depend on comes before it.
    sim = simulate(units, models, as_of, inp.deadline, paths_for=mask, to_deadline_only=True)
    q = np.quantile(sim.paths, [0.1, 0.5, 0.9], axis=1)
    days = pd.date_range(pd.Timestamp(as_of) + pd.Timedelta(days=1), periods=len(sim.paths))
    return pd.DataFrame({"date": days, "p10": q[0], "p50": q[1], "p90": q[2]})
