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


def needed(units, models, as_of, target, per_person, level: float,
           visited: bool = False) -> np.ndarray:
    """Per unit, the fewest extra staff with P(all seen by target) >= level, or with
    visited=True P(all visited at least once by target) >= level (NaN: none up to MAX_EXTRA).
    A parallel binary search: every unit's candidate in one simulation."""
    lo = np.zeros(len(units.pace), dtype=int)             # known: lo - 1 fails (or lo = 0)
    hi = np.full(len(units.pace), MAX_EXTRA + 1)           # hi works (MAX_EXTRA + 1: unknown)
    _, _, p0 = _evaluate(units, models, as_of, target, lo.astype(float), per_person, visited)
    done = p0 >= level
    hi[done] = 0
    _, _, pmax = _evaluate(units, models, as_of, target, np.full(len(lo), float(MAX_EXTRA)),
                           per_person, visited)
    hi[~done & (pmax >= level)] = MAX_EXTRA
    lo[~done] = 1
    while True:
        open_ = (lo < hi) & (hi <= MAX_EXTRA)
        if not open_.any():
            break
        mid = np.where(open_, (lo + hi) // 2, hi)
        _, _, p = _evaluate(units, models, as_of, target, mid.astype(float), per_person,
                            visited)
        ok = p >= level
        hi = np.where(open_ & ok, mid, hi)
        lo = np.where(open_ & ~ok, mid + 1, lo)
    return np.where(hi <= MAX_EXTRA, hi, np.nan)


def allocate(units, models, as_of, target, per_person, role_budget: dict) -> np.ndarray:
    """Greedy: one person at a time where the expected unseen at `target` falls most."""
    added = np.zeros(len(units.pace))
    if not any(role_budget.values()):
        return added
    # Each unit's expected unseen for 0..K extra people, K the largest budget of its role:
    # one simulation per K, all units at once.
    top = max(role_budget.values())
    curve, late = [], []
    for k in range(top + 1):
        _, unseen, p_all = _evaluate(units, models, as_of, target,
                                     np.full(len(added), float(k)), per_person)
        curve.append(unseen)
        late.append(p_all < 0.5)
    curve, late = np.array(curve), np.array(late)          # (k, units)
    for cohort, role in fc.ROLE_OF.items():
        budget = role_budget.get(role, 0)
        sel = np.flatnonzero(units.cohort == cohort)
        for _ in range(budget):
            k = added[sel].astype(int)
            gain = curve[k, sel] - curve[k + 1, sel]
            fixed = late[k, sel] & ~late[k + 1, sel]       # a district no longer late
            # Largest fall of the expected unseen; then one fewer district late; then code.
            order = np.lexsort((units.district[sel], ~fixed, -np.round(gain, 6)))
            added[sel[order[0]]] += 1
    return added


def _finish_p50(sim, as_of):
    out = []
    for cdf in sim.finish_cdf:
        hit = np.flatnonzero(cdf >= 0.5)
        out.append(pd.Timestamp(as_of + dt.timedelta(days=int(hit[0]) + 1)) if len(hit)
                   else pd.NaT)
    return out


def staffing_allocation(engine: Engine, *, as_of: dt.date, district: str | None = None,
                        cohort: str | None = None, add_officials: int = 0,
                        add_planners: int = 0) -> pd.DataFrame:
    fitted = fc.fit(engine, as_of)
    if fitted is None:
        return pd.DataFrame(columns=list(COLUMNS))
    inp, models, units = fitted
    target = inp.deadline if as_of < inp.deadline else as_of + dt.timedelta(days=TARGET_AFTER)
    per_person = per_person_pace(units)
    added = allocate(units, models, as_of, target, per_person,
                     {"abuse_official": add_officials, "welfare_planner": add_planners})
    before, unseen0, p0 = _evaluate(units, models, as_of, target, np.zeros(len(added)),
                                    per_person, finish_dates=True)
    after, unseen1, p1 = _evaluate(units, models, as_of, target, added, per_person,
                                   finish_dates=True)
    need50 = needed(units, models, as_of, target, per_person, 0.5)
    need80 = needed(units, models, as_of, target, per_person, 0.8)
    visit50 = needed(units, models, as_of, target, per_person, 0.5, visited=True)
    visit80 = needed(units, models, as_of, target, per_person, 0.8, visited=True)
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
    if district is not None:
        df = df[df["district_code"] == district]
    if cohort is not None:
        df = df[df["cohort"] == cohort]
    return df.reset_index(drop=True)
