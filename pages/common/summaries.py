"""Sums of district_progress rows (per cohort, per district, for the city), with the rates and
projections recomputed from the summed counts as metrics.md asks (never averages of rates).

Pure pandas, no Streamlit. Suppressed cells (NaN for a district viewer looking at other
districts) make the sums they enter NaN, never silently smaller.
"""
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

COUNTS = ["listed", "seen", "attempted_not_seen", "not_attempted", "unreachable"]


def _sum(s: pd.Series):
    return s.sum(skipna=False) if len(s) else 0


def _derive(sums: pd.DataFrame, latest_seen: pd.Series, *, as_of: date, deadline: date,
            plan_rate: float | None) -> pd.DataFrame:
    out = sums.copy()
    listed = out["listed"].astype(float)
    seen = out["seen"].astype(float)
    remaining = listed - seen
    out["completion_rate"] = (seen / listed).where(listed > 0)
    out["plan_rate"] = plan_rate
    out["gap_to_plan"] = out["completion_rate"] - (plan_rate if plan_rate is not None else np.nan)
    days_left = (deadline - as_of).days
    out["required_pace"] = remaining / days_left if days_left > 0 else np.nan
    out["pace_ratio"] = (out["pace_7d"] / out["required_pace"]).where(out["required_pace"] > 0)
    projected = []
    for rem, seen_7d, lst, latest in zip(remaining, out["seen_7d"], listed, latest_seen):
        if pd.isna(rem) or pd.isna(lst) or lst == 0:
            projected.append(pd.NaT)
        elif rem == 0:
            projected.append(latest)
        elif pd.notna(seen_7d) and seen_7d > 0:
            # ceil(remaining / (seen_7d / 7)) in integers, as the query does
            projected.append(pd.Timestamp(as_of + timedelta(days=math.ceil(7 * rem / seen_7d))))
        else:
            projected.append(pd.NaT)
    out["projected_completion"] = pd.to_datetime(pd.Series(projected, index=out.index))
    out["days_after_deadline"] = (out["projected_completion"] - pd.Timestamp(deadline)).dt.days
    return out


def summarise(progress: pd.DataFrame, by: list[str], *, as_of: date, deadline: date) -> pd.DataFrame:
    """district_progress rows summed by `by` (e.g. ["cohort"], ["district_code"], [])."""
    d = progress.copy()
    d["seen_7d"] = (d["pace_7d"].astype(float) * 7).round()
    plan_rate = float(d["plan_rate"].max()) if len(d) and d["plan_rate"].notna().any() else None
    cols = [c for c in COUNTS if c in d.columns] + ["seen_7d"]
    if by:
        grouped = d.groupby(by, sort=True)
        sums = grouped[cols].agg(_sum).reset_index()
        latest = grouped["projected_completion"].max().reset_index(drop=True)
    else:
        sums = pd.DataFrame([{c: _sum(d[c]) for c in cols}])
        latest = pd.Series([d["projected_completion"].max()])
    sums["pace_7d"] = sums["seen_7d"] / 7
    return _derive(sums, latest, as_of=as_of, deadline=deadline, plan_rate=plan_rate)


def needs_call(by_district: pd.DataFrame, *, furthest: int = 5, pace_ratio_below: float = 0.5,
               ) -> pd.DataFrame:
    """Districts to call today: the `furthest` furthest behind plan (only those behind), and any
    whose 7-day pace is below `pace_ratio_below` of the pace needed. Sorted by gap to plan."""
    d = by_district[by_district["listed"] > 0]
    behind = d[d["gap_to_plan"] < 0].nsmallest(furthest, "gap_to_plan")
    slow = d[d["pace_ratio"] < pace_ratio_below]
    out = pd.concat([behind, slow]).drop_duplicates(subset=["district_code"])
    out = out.assign(
        reason_behind=out["district_code"].isin(behind["district_code"]),
        reason_slow=out["district_code"].isin(slow["district_code"]),
    )
    return out.sort_values("gap_to_plan", na_position="last").reset_index(drop=True)


Z_95 = 1.959964      # two-sided 95 %
Z_998 = 3.090232     # two-sided 99.8 %


def control_limits(p: float, n, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Binomial (normal approximation) limits around rate p for n children, clipped to 0..1."""
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = z * np.sqrt(p * (1 - p) / n)
    return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)
