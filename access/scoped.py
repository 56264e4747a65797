"""What one viewer scope may see of one figure on one day. No Streamlit here: the pages (through
pages/common/data.py), the briefing pack and the tests all call these functions.

A scope is `(role, district_code)`, never the person: two heads of one district see the same, so
a cache keyed on the scope never mixes viewers, and never decides anything itself.

- `figure`: a query's result as the scope may see it. Aggregates are run for the whole city and
  all cohorts, passed through `access.policy` (the small-cell suppression needs every district's
  rows to choose complements, and one day has one set of masked cells whatever the filter), then
  filtered to the district and cohort asked for. Child-level queries are scoped in SQL.
- `city_progress`, `city_sums`: the city's own totals, summed here from unsuppressed rows. Public
  to every role and identical for each.
- `district_comparison`: one row per district at the grain shown (one cohort, or both summed),
  with the city facts a district is judged against (city rate, plan, funnel limits, ranks,
  districts behind plan) computed from every district's unsuppressed counts, so a head sees
  exactly what the Response Team sees. With a head's scope, other districts' own counts are
  suppressed at that grain (summed first, then suppressed).

`run` (every function's keyword) is how a query is run; pages pass a cached one. It must behave
as `queries.run`.
"""
from datetime import date
from typing import Callable

import numpy as np
import pandas as pd

import queries
from access import policy
from access.suppression import marker
from access.viewer import Viewer
from pages.common import summaries

Scope = tuple[str, str | None]
RESPONSE_TEAM: Scope = ("response_team", None)

# Figures ranked among districts, and whether higher is better.
RANKED = {"completion_rate": True, "gap_to_plan": True, "pace_7d": True, "unreachable": False}
# Columns of district_comparison that are city facts about one district: computed from every
# district's unsuppressed counts, but about that district, so hidden with its counts for a head.
_ABOUT_DISTRICT = ("is_behind", "limit95_low", "limit95_high", "limit998_low", "limit998_high",
                   *(f"rank_{k}" for k in RANKED))


def scope_of(viewer: Viewer) -> Scope:
    return (viewer.role, viewer.district_code)


def viewer_of(scope: Scope) -> Viewer:
    """The Viewer the policy rules are written for, for a scope (no person in it)."""
    role, district = scope
    return Viewer(subject=f"scope:{role}:{district or ''}", role=role, district_code=district)


def _runner(run: Callable | None) -> Callable:
    return run or queries.run


def figure(engine, name: str, scope: Scope, *, as_of: date, district: str | None = None,
           cohort: str | None = None, run: Callable | None = None,
           limit: int | None = None) -> pd.DataFrame:
    """What `scope` may see of query `name` on day `as_of`, for `district` (None: every district)
    and `cohort` (None: both). PermissionError when the scope may not see it (child-level rows
    for the city role; another district's day-by-day series for a head). limit: a child list's
    first rows only, in its declared order (queries.run)."""
    run = _runner(run)
    viewer = viewer_of(scope)
    columns = queries.columns(name)
    if name in queries.CHILD_LEVEL:
        # Scoped in SQL: a head's query never reads another district's children.
        sql_district = viewer.child_rows_scope(district)
        if limit is None:
            df = run(name, engine, as_of=as_of, district=sql_district, cohort=cohort)
        else:
            df = run(name, engine, as_of=as_of, district=sql_district, cohort=cohort, limit=limit)
        return policy.apply(name, df, viewer, district_code=sql_district)
    if "district_code" in columns:
        # The whole city, and all cohorts when the result has a cohort column: the policy picks
        # one set of masked cells for the day, whatever the filters then keep.
        by_cohort = "cohort" in columns
        df = run(name, engine, as_of=as_of, district=None, cohort=None if by_cohort else cohort)
        df = policy.apply(name, df, viewer, district_code=None)
        if by_cohort and cohort is not None:
            df = df[df["cohort"] == cohort]
        if district is not None:
            df = df[df["district_code"] == district]
        return df.reset_index(drop=True)
    df = run(name, engine, as_of=as_of, district=district, cohort=cohort)
    return policy.apply(name, df, viewer, district_code=district)


def for_sharing(engine, name: str, scope: Scope, *, as_of: date, cohort: str | None = None,
                run: Callable | None = None) -> pd.DataFrame:
    """The whole city's result of an aggregate query fit to leave the secure view: every
    district's small cells masked (access.policy.for_sharing)."""
    run = _runner(run)
    columns = queries.columns(name)
    by_cohort = "cohort" in columns
    df = run(name, engine, as_of=as_of, district=None, cohort=None if by_cohort else cohort)
    out = policy.for_sharing(name, df, viewer=viewer_of(scope))
    if by_cohort and cohort is not None:
        out = out[out["cohort"] == cohort].reset_index(drop=True)
    return out


def _deadline(engine, as_of: date, run: Callable) -> date | None:
    df = run("programme", engine, as_of=as_of)
    return None if df.empty else pd.Timestamp(df.iloc[0]["deadline"]).date()


def _progress(engine, as_of: date, cohort: str | None, run: Callable) -> pd.DataFrame:
    df = run("district_progress", engine, as_of=as_of, district=None, cohort=None)
    return df if cohort is None else df[df["cohort"] == cohort].reset_index(drop=True)


def city_progress(engine, by: list[str], *, as_of: date, cohort: str | None = None,
                  run: Callable | None = None) -> pd.DataFrame:
    """The whole city's district_progress summed by `by` (e.g. ["cohort"] or []), rates and
    projections recomputed from the summed counts. Public to every role."""
    if "district_code" in by:
        raise ValueError("city_progress gives city totals; use district_comparison for districts")
    run = _runner(run)
    rows = _progress(engine, as_of, cohort, run)
    return summaries.summarise(rows, list(by), as_of=as_of, deadline=_deadline(engine, as_of, run))


def city_sums(engine, name: str, by: list[str], columns: list[str], *, as_of: date,
              cohort: str | None = None, run: Callable | None = None) -> pd.DataFrame:
    """Count columns of an aggregate query summed over the whole city, grouped by `by`."""
    if "district_code" in by:
        raise ValueError("city_sums gives city totals; use figure() for district rows")
    run = _runner(run)
    rows = run(name, engine, as_of=as_of, district=None, cohort=cohort)
    if not by:
        return rows[columns].sum().to_frame().T
    return rows.groupby(by, as_index=False)[columns].sum()


def district_comparison(engine, *, as_of: date, cohort: str | None = None,
                        scope: Scope = RESPONSE_TEAM, run: Callable | None = None) -> pd.DataFrame:
    """One row per district at the grain shown (`cohort`, or both summed), with:

    - its counts and figures (summaries.summarise: listed, seen, completion_rate, gap_to_plan,
      pace_7d, required_pace, pace_ratio, projected_completion, unreachable, ...);
    - city facts from every district's unsuppressed counts, the same in every row and for every
      scope: city_rate (summed seen / summed listed), plan_rate, districts_behind (of
      districts_active, those with anyone listed);
    - per district, from the same unsuppressed counts: rank_<figure> "n / N" over the N active
      districts (1 is best), is_behind, limit95_low/high and limit998_low/high (the funnel's
      control limits around the city rate at the district's size).

    For a head's scope, other districts' counts are suppressed at this grain (the cohorts summed
    first), and every column about such a district built on a masked count is masked with it;
    the city facts are untouched. `<column>_suppressed` markers say what was masked.
    """
    run = _runner(run)
    raw = _progress(engine, as_of, None, run)
    rows = raw if cohort is None else raw[raw["cohort"] == cohort].reset_index(drop=True)
    deadline = _deadline(engine, as_of, run)
    out = summaries.summarise(rows, ["district_code"], as_of=as_of, deadline=deadline)
    city = summaries.summarise(rows, [], as_of=as_of, deadline=deadline).iloc[0]
    active = out["listed"] > 0
    out["city_rate"] = city["completion_rate"]
    out["districts_active"] = int(active.sum())
    out["is_behind"] = active & (out["gap_to_plan"] < 0)
    out["districts_behind"] = int(out["is_behind"].sum())
    for key, higher in RANKED.items():
        out[f"rank_{key}"] = _ranks(out[key].where(active), higher)
    p = float(city["completion_rate"]) if pd.notna(city["completion_rate"]) else np.nan
    n = out["listed"].where(active)
    for key, z in (("limit95", summaries.Z_95), ("limit998", summaries.Z_998)):
        low, high = summaries.control_limits(p, n, z)
        out[f"{key}_low"], out[f"{key}_high"] = low, high
    return _scoped_comparison(out, raw, cohort, scope, as_of=as_of, deadline=deadline)


def _ranks(values: pd.Series, higher_is_better: bool) -> pd.Series:
    """'n / N': 1 + the number of districts strictly better, N the districts with a value."""
    known = values.dropna()
    ranks = []
    for v in values:
        if pd.isna(v):
            ranks.append(None)
        else:
            better = (known > v) if higher_is_better else (known < v)
            ranks.append(f"{int(better.sum()) + 1} / {len(known)}")
    return pd.Series(ranks, index=values.index, dtype=object)


def _scoped_comparison(out, raw, cohort, scope, *, as_of, deadline) -> pd.DataFrame:
    """For a head: other districts' counts as the policy publishes them at this grain (the
    cohorts summed first, then suppressed; published counts rounded) and their figures
    recomputed from those; the city facts untouched; the facts about another district built on
    its exact counts (rank, funnel limits at its size, behind or not) left out."""
    viewer = viewer_of(scope)
    figures = [*summaries.COUNTS, "pace_7d", "completion_rate", "gap_to_plan", "required_pace",
               "pace_ratio", "projected_completion", "days_after_deadline"]
    result = out.copy()
    if viewer.role != "district":
        for col in [*figures, *_ABOUT_DISTRICT]:
            result[marker(col)] = False
        return result
    shown = policy.apply("district_progress", raw, viewer,
                         grain=policy.ALL if cohort is None else None)
    if cohort is not None:
        shown = shown[shown["cohort"] == cohort]
    recomputed = summaries.summarise(shown, ["district_code"], as_of=as_of, deadline=deadline)
    recomputed = recomputed.set_index("district_code").reindex(result["district_code"])
    others = (result["district_code"] != viewer.district_code).to_numpy()
    masked_by_shown = shown.set_index("district_code").reindex(result["district_code"])
    for col in figures:
        values = recomputed[col].to_numpy()
        if pd.api.types.is_datetime64_any_dtype(result[col]):
            result[col] = result[col].where(~others, pd.to_datetime(values))
        else:
            result[col] = np.where(others, values, result[col].to_numpy(dtype=float))
        source = marker(col) if marker(col) in masked_by_shown else marker("completion_rate")
        hidden = masked_by_shown[source].to_numpy(dtype=bool) if col in (
            *summaries.COUNTS, "pace_7d", "completion_rate") else np.isnan(
            pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)) \
            if col != "projected_completion" else pd.isna(values)
        result[marker(col)] = others & hidden
    for col in _ABOUT_DISTRICT:
        result[col] = _blank(result[col], others)
        result[marker(col)] = others
    return result


def _blank(series: pd.Series, hidden) -> pd.Series:
    hidden = np.asarray(hidden, dtype=bool)
    if not hidden.any():
        return series
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.mask(hidden)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float).mask(hidden)
    return series.astype(object).mask(hidden, None)


def hidden_others(comparison: pd.DataFrame, own: str | None) -> tuple[int, int]:
    """(other districts whose point is hidden, other districts with anyone listed) in a
    district_comparison result, for the note on a chart ("7 of 24 other districts hidden")."""
    if comparison.empty:
        return 0, 0
    others = comparison[comparison["district_code"] != own]
    hidden = int(others[marker("completion_rate")].sum()) if marker("completion_rate") in others else 0
    mine = comparison[comparison["district_code"] == own]
    own_active = int(len(mine) > 0 and bool(mine["listed"].fillna(0).iloc[0] > 0))
    return hidden, int(comparison["districts_active"].iloc[0]) - own_active
