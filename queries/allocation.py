"""staffing_allocation: what extra staff would buy, per district, and where K more officials and
M more planners should go. Built on the completion forecast (queries/forecast.py), with the
Staffing what-if's per-person pace assumption (pages/common/whatif.py): each person in post
makes the district's recent pace of first visits divided by the staff in post, so a person
added adds that much pace (a district with no pace or nobody in post gets the city's pace per
person). Officials visit repeatedly reported children, planners neglect-risk children.

Two answers:
- per district and cohort, the fewest extra staff for the forecast's median to finish by the
  deadline (P(all seen) >= 50 %) and for an 80 % chance; empty when no number up to MAX_EXTRA
  does it (children not found after visits are not found by more visitors). Because that is
  often out of reach, also the fewest extra staff for every listed child to have had a first
  visit by the deadline (the part staff control), at 50 % and 80 %;
- the allocation of K officials and M planners that minimises the expected number of children
  unseen at the deadline, ties broken by fewer districts late (median not finishing). Greedy,
  one person at a time to the district where the expected unseen falls most. Each district's
  expected unseen falls less with every extra person (the waiting list empties, and the hard
  cases are not helped), so the objective is a sum of convex functions of the people added and
  the greedy choice is optimal for it (the classic result for separable convex allocation).

After the deadline there is no deadline to meet: the figures are taken at TARGET_AFTER days
after D instead (the `target_date` column says which), and the finish dates answer "by when
could we finish".
"""
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from queries import forecast as fc

COLUMNS = ("district_code", "cohort", "role", "in_post", "added", "expected_unseen_before",
           "expected_unseen_after", "p_all_before", "p_all_after", "finish_p50_before",
           "finish_p50_after", "needed_for_median", "needed_for_80pct",
           "needed_visited_median", "needed_visited_80pct", "target_date")
SIMS = 200            # fewer runs than the forecast: many scenarios are compared
MAX_EXTRA = 60        # the search for "needed" stops here
TARGET_AFTER = 28     # after the deadline, figures are taken 4 weeks after D


def per_person_pace(units: fc.Units) -> np.ndarray:
    """First visits per weighted day that one more person adds, per unit."""
    out = np.zeros(len(units.pace))
    for c in fc.COHORTS:
        sel = units.cohort == c
        staff, pace = units.staff[sel], units.pace[sel]
        city = pace.sum() / staff.sum() if staff.sum() > 0 else 0.0
        own = np.where((staff > 0) & (pace > 0), pace / np.maximum(staff, 1), city)
        out[sel] = own
    return out


def _evaluate(units, models, as_of, target, added, per_person, visited=False,
              finish_dates=False):
    """(simulation, expected unseen at target, P(all seen by target)); with visited=True the
    last is P(every child had a first visit by target). Only with finish_dates=True does the
    simulation go past the target (for the finish dates): the scenarios compared need nothing
    after it, and stopping there makes each several times cheaper with the same figures."""
    sim = fc.simulate(units, models, as_of, target, add_pace=added * per_person, sims=SIMS,
                      to_deadline_only=not finish_dates)
    k = (target - as_of).days
    p_all = sim.finish_cdf[:, k - 1] if 1 <= k <= fc.HORIZON_DAYS else np.zeros(len(added))
    return sim, sim.unseen_at_deadline.mean(1), sim.all_visited if visited else p_all


def _scenarios(units, models, as_of, target, added, per_person, rows=None, draws=None):
    """For each row of `added` (scenarios x units): (expected unseen at target, P(all seen by
    target), P(every child had a first visit by target)), each (scenarios, units in `rows`),
    exactly _evaluate's figures scenario by scenario, all simulated at once."""
    added = np.asarray(added, dtype=float)
    k = (target - as_of).days
    if not 1 <= k <= fc.HORIZON_DAYS:
        # Outside the simulated days: _evaluate's own answer, one scenario at a time.
        rows = slice(None) if rows is None else rows
        out = [(u[rows], p[rows], s.all_visited[rows]) for s, u, p in
               (_evaluate(units, models, as_of, target, a, per_person) for a in added)]
        return tuple(np.array([o[i] for o in out]) for i in range(3))
    return fc.simulate_scenarios(units, models, as_of, target, added * per_person, SIMS,
                                 rows=rows, draws=draws)


def needed_all(units, models, as_of, target, per_person, searches) -> list:
    """For each (level, visited) in `searches`, per unit, the fewest extra staff with P(all
    seen by target) >= level, or with visited=True P(all visited at least once by target) >=
    level (NaN: none up to MAX_EXTRA). Parallel binary searches, all of them in step: each
    step simulates every search's candidates at once, for the units still searched only (a
    unit's figures depend on its own number of staff alone)."""
    nu = len(units.pace)
    k = (target - as_of).days
    draws = fc.scenario_draws(nu, SIMS, k) if 1 <= k <= fc.HORIZON_DAYS else None
    _, p_ends, v_ends = _scenarios(units, models, as_of, target,
                                   [np.zeros(nu), np.full(nu, float(MAX_EXTRA))], per_person,
                                   draws=draws)
    state = []
    for level, visited in searches:
        ends = v_ends if visited else p_ends
        lo = np.zeros(nu, dtype=int)                 # known: lo - 1 fails (or lo = 0)
        hi = np.full(nu, MAX_EXTRA + 1)              # hi works (MAX_EXTRA + 1: unknown)
        done = ends[0] >= level
        hi[done] = 0
        hi[~done & (ends[1] >= level)] = MAX_EXTRA
        lo[~done] = 1
        state.append([lo, hi])
    while True:
        opens = [(lo < hi) & (hi <= MAX_EXTRA) for lo, hi in state]
        active = [i for i, o in enumerate(opens) if o.any()]
        if not active:
            break
        rows = np.flatnonzero(np.logical_or.reduce([opens[i] for i in active]))
        mids = {i: np.where(opens[i], (state[i][0] + state[i][1]) // 2, state[i][1])
                for i in active}
        _, p, v = _scenarios(units, models, as_of, target, [mids[i] for i in active],
                             per_person, rows=rows, draws=draws)
        for j, i in enumerate(active):
            level, visited = searches[i]
            ok = np.zeros(nu, dtype=bool)
            ok[rows] = (v if visited else p)[j] >= level
            lo, hi = state[i]
            state[i] = [np.where(opens[i] & ~ok, mids[i] + 1, lo),
                        np.where(opens[i] & ok, mids[i], hi)]
    return [np.where(hi <= MAX_EXTRA, hi, np.nan) for _, hi in state]


def needed(units, models, as_of, target, per_person, level: float,
           visited: bool = False) -> np.ndarray:
    """Per unit, the fewest extra staff with P(all seen by target) >= level, or with
    visited=True P(all visited at least once by target) >= level (NaN: none up to MAX_EXTRA)."""
    return needed_all(units, models, as_of, target, per_person, [(level, visited)])[0]


def allocate(units, models, as_of, target, per_person, role_budget: dict) -> np.ndarray:
    """Greedy: one person at a time where the expected unseen at `target` falls most."""
    added = np.zeros(len(units.pace))
    if not any(role_budget.values()):
        return added
    nu = len(added)
    days = (target - as_of).days
    draws = fc.scenario_draws(nu, SIMS, days) if 1 <= days <= fc.HORIZON_DAYS else None
    for cohort, role in fc.ROLE_OF.items():
        budget = role_budget.get(role, 0)
        if not budget:
            continue
        sel = np.flatnonzero(units.cohort == cohort)
        # The role's units' expected unseen for 0..K extra people, K its budget: one scenario
        # per K, all simulated at once, for these units alone (a unit's figures depend on its
        # own pace and draws only).
        curve, p_all, _ = _scenarios(units, models, as_of, target,
                                     [np.full(nu, float(k)) for k in range(budget + 1)],
                                     per_person, rows=sel, draws=draws)   # (k, units in sel)
        late = p_all < 0.5
        at = np.arange(len(sel))
        for _ in range(budget):
            k = added[sel].astype(int)
            gain = curve[k, at] - curve[k + 1, at]
            fixed = late[k, at] & ~late[k + 1, at]       # a district no longer late
            # Largest fall of the expected unseen; then one fewer district late; then code.
            order = np.lexsort((units.district[sel], ~fixed, -np.round(gain, 6)))
            added[sel[order[0]]] += 1
    return added


def _finish_p50(sim, as_of):
    """Each unit's median finish date (the forecast's finish_p50), NaT when not within the days
    simulated."""
    return [pd.Timestamp(d) for d in fc._finish_dates(sim.finish_cdf, as_of)[:, 1]]


@dataclass(frozen=True)
class Baseline:
    """What every budget's allocation starts from: the fit, the figures with nobody added, and
    the staff needed. Only the placing of K and M depends on them (allocation_rows), so the
    Staffing page keeps one per database, data version and D and answers each new budget with
    the placing alone. Read-only: shared by every caller."""
    fitted: tuple              # forecast.fit's (inputs, models, units)
    target: dt.date
    per_person: np.ndarray
    before: fc.Simulation
    unseen: np.ndarray
    p_all: np.ndarray
    needed: list               # needed_all's four answers: median, 80 %, visited 50 %, 80 %


def baseline(engine: Engine, as_of: dt.date, fitted=None) -> Baseline | None:
    """The allocation's baseline as of D (None without a programme); `fitted`: forecast.fit's
    answer for this database and D when the caller already has it."""
    fitted = fitted if fitted is not None else fc.fit(engine, as_of)
    if fitted is None:
        return None
    inp, models, units = fitted
    target = inp.deadline if as_of < inp.deadline else as_of + dt.timedelta(days=TARGET_AFTER)
    per_person = per_person_pace(units)
    before, unseen, p_all = _evaluate(units, models, as_of, target, np.zeros(len(units.pace)),
                                      per_person, finish_dates=True)
    need = needed_all(units, models, as_of, target, per_person,
                      [(0.5, False), (0.8, False), (0.5, True), (0.8, True)])
    return Baseline(fitted, target, per_person, before, unseen, p_all, need)


def allocation_rows(base: Baseline, add_officials: int = 0, add_planners: int = 0
                    ) -> pd.DataFrame:
    """The contract's rows (COLUMNS) for every district and cohort, K officials and M planners
    placed."""
    inp, models, units = base.fitted
    as_of, target, per_person = inp.as_of, base.target, base.per_person
    added = allocate(units, models, as_of, target, per_person,
                     {"abuse_official": add_officials, "welfare_planner": add_planners})
    before, unseen0, p0 = base.before, base.unseen, base.p_all
    # Nobody placed: the same simulation as before, so its figures are before's.
    after, unseen1, p1 = (before, unseen0, p0) if not added.any() else _evaluate(
        units, models, as_of, target, added, per_person, finish_dates=True)
    need50, need80, visit50, visit80 = base.needed
    df = pd.DataFrame({
        "district_code": units.district, "cohort": units.cohort,
        "role": [fc.ROLE_OF[c] for c in units.cohort],
        "in_post": units.staff.astype("int64"), "added": added.astype("int64"),
        "expected_unseen_before": unseen0.round(1), "expected_unseen_after": unseen1.round(1),
        "p_all_before": p0.round(6), "p_all_after": p1.round(6),
        "finish_p50_before": _finish_p50(before, as_of),
        "finish_p50_after": _finish_p50(after, as_of),
        "needed_for_median": pd.array(need50, dtype="Float64").astype("Int64"),
        "needed_for_80pct": pd.array(need80, dtype="Float64").astype("Int64"),
        "needed_visited_median": pd.array(visit50, dtype="Float64").astype("Int64"),
        "needed_visited_80pct": pd.array(visit80, dtype="Float64").astype("Int64"),
        "target_date": pd.Timestamp(target),
    })
    # A district with nobody listed has nothing to finish: no answer rather than zeros.
    empty = units.listed == 0
    df.loc[empty, ["needed_for_median", "needed_for_80pct", "needed_visited_median",
                   "needed_visited_80pct"]] = pd.NA
    for col in ("finish_p50_before", "finish_p50_after", "target_date"):
        df[col] = pd.to_datetime(df[col]).astype("datetime64[ns]")
    return df


def staffing_allocation(engine: Engine, *, as_of: dt.date, district: str | None = None,
                        cohort: str | None = None, add_officials: int = 0,
                        add_planners: int = 0) -> pd.DataFrame:
    base = baseline(engine, as_of)
    if base is None:
        return pd.DataFrame(columns=list(COLUMNS))
    df = allocation_rows(base, add_officials, add_planners)
    if district is not None:
        df = df[df["district_code"] == district]
    if cohort is not None:
        df = df[df["cohort"] == cohort]
    return df.reset_index(drop=True)
