"""An independent, deliberately plain pandas reading of ../shared/spec/metrics.md.

It shares no code with queries/: it reads whole tables and follows the spec's sentences one by
one, so that a disagreement with the SQL points at a misreading on one side or the other. Slow
by design; for tests on small generated databases only.
"""
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import text

COHORTS = ("repeat_report", "neglect_risk")
AT_RISK = ("high", "emergency")
PROTECTIVE = ("police_investigation", "protection_agency", "emergency_protection")


def _table(engine, name: str, dates: tuple[str, ...] = ()) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(text(f"select * from {name}"))
        df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for col in dates:
        df[col] = _dates(df[col])
    return df


def _dates(values) -> pd.Series:
    """datetime.date or None, whatever the driver returned (SQLite text, PostgreSQL dates)."""
    return pd.Series([None if v is None or pd.isna(v) else pd.Timestamp(v).date() for v in values],
                     index=getattr(values, "index", None), dtype=object)


def _mask(flags) -> np.ndarray:
    # A boolean array, not a list: an empty list would select no columns instead of no rows.
    return np.fromiter(flags, dtype=bool)


class Reference:
    def __init__(self, engine):
        self.programme = _table(engine, "programme", ("start_date", "deadline")).iloc[0]
        self.districts = _table(engine, "districts")
        self.children = _table(engine, "children", ("listed_on", "removed_on"))
        self.visits = _table(engine, "visits", ("visit_date",))
        self.referrals = _table(engine, "referrals", ("referred_on", "closed_on"))
        self.staff = _table(engine, "staff", ("start_date", "end_date"))
        self.targets = _table(engine, "staffing_targets", ("effective_on",))
        self.reports = _table(engine, "reports", ("received_on",))

    # --- the children counted ---------------------------------------------------------------
    def on_list(self, d: date) -> pd.DataFrame:
        c = self.children
        return c[_mask(lo <= d and (ro is None or ro > d)
                       for lo, ro in zip(c["listed_on"], c["removed_on"]))]

    def counted_visits(self, d: date) -> pd.DataFrame:
        v = self.visits.merge(self.on_list(d)[["child_id", "listed_on", "district_code", "cohort"]],
                              on="child_id")
        return v[_mask(lo <= vd <= d for lo, vd in zip(v["listed_on"], v["visit_date"]))]

    def first_seen(self, d: date) -> pd.Series:
        v = self.counted_visits(d)
        return v[v["outcome"] == "seen"].groupby("child_id")["visit_date"].min()

    # --- progress ------------------------------------------------------------------------------
    def district_progress(self, d: date) -> pd.DataFrame:
        s, t = self.programme["start_date"], self.programme["deadline"]
        plan = min(max(((d - s).days + 1) / ((t - s).days + 1), 0.0), 1.0)
        listed = self.on_list(d)
        visits = self.counted_visits(d)
        first_seen = self.first_seen(d)
        n_visits = visits.groupby("child_id").size()
        rows = []
        for code in self.districts["district_code"]:
            for cohort in COHORTS:
                kids = listed[(listed["district_code"] == code) & (listed["cohort"] == cohort)]
                ids = set(kids["child_id"])
                seen_ids = ids & set(first_seen.index)
                attempted = {i for i in ids if n_visits.get(i, 0) > 0} - seen_ids
                unreachable = {i for i in attempted if n_visits.get(i, 0) >= 3}
                n, k = len(ids), len(seen_ids)
                week = sum(1 for i in seen_ids if d - timedelta(days=6) <= first_seen[i] <= d)
                pace = week / 7
                if n == 0:
                    projected = None
                elif n - k == 0:
                    projected = max(first_seen[i] for i in seen_ids)
                elif pace > 0:
                    projected = d + timedelta(days=math.ceil(7 * (n - k) / week))
                else:
                    projected = None
                two = None
                if cohort == "repeat_report":
                    sv = visits[visits["child_id"].isin(ids) & (visits["outcome"] == "seen")]
                    if len(sv):
                        two = sv["second_staff_id"].notna().sum() / len(sv)
                rows.append(dict(
                    district_code=code, cohort=cohort, listed=n, seen=k,
                    attempted_not_seen=len(attempted), not_attempted=n - k - len(attempted),
                    completion_rate=k / n if n else None, plan_rate=plan, pace_7d=pace,
                    required_pace=(n - k) / (t - d).days if d < t else None,
                    projected_completion=projected, two_person_rate=two,
                    unreachable=len(unreachable)))
        return pd.DataFrame(rows)

    # --- referrals -----------------------------------------------------------------------------
    def counted_referrals(self, d: date) -> pd.DataFrame:
        r = self.referrals.merge(self.on_list(d)[["child_id", "district_code", "cohort"]],
                                 on="child_id")
        return r[_mask(ro <= d for ro in r["referred_on"])]

    def referral_outcomes(self, d: date) -> pd.DataFrame:
        r = self.counted_referrals(d).copy()
        r["outcome"] = pd.Series([res if (co is not None and co <= d) else "open"
                                  for co, res in zip(r["closed_on"], r["result"])],
                                 index=r.index, dtype=object)
        out = (r.groupby(["district_code", "cohort", "kind", "outcome"])
               .agg(referrals=("referral_id", "size"), children=("child_id", "nunique"))
               .reset_index())
        return out

    # --- staffing ------------------------------------------------------------------------------
    def staffing(self, d: date) -> pd.DataFrame:
        st = self.staff
        in_post = st[_mask(sd <= d and (ed is None or ed >= d)
                           for sd, ed in zip(st["start_date"], st["end_date"]))]
        tg = self.targets[_mask(e <= d for e in self.targets["effective_on"])]
        rep = self.reports[_mask(d - timedelta(days=364) <= r <= d
                                 for r in self.reports["received_on"])]
        dp = self.district_progress(d)
        rows = []
        for code in self.districts["district_code"]:
            officials = int(((in_post["district_code"] == code)
                             & (in_post["role"] == "abuse_official")).sum())
            planners = int(((in_post["district_code"] == code)
                            & (in_post["role"] == "welfare_planner")).sum())
            mine = tg[(tg["district_code"] == code) & (tg["role"] == "abuse_official")]
            target = int(mine.sort_values("effective_on").iloc[-1]["target"]) if len(mine) else None
            n_reports = int((rep["district_code"] == code).sum())
            neglect = dp[(dp["district_code"] == code) & (dp["cohort"] == "neglect_risk")].iloc[0]
            remaining = neglect["listed"] - neglect["seen"]
            rows.append(dict(
                district_code=code, abuse_officials=officials, welfare_planners=planners,
                abuse_officials_target=target, reports_12m=n_reports,
                reports_per_official=n_reports / officials if officials else None,
                teams_of_two=officials // 2,
                neglect_remaining_per_planner=remaining / planners if planners else None))
        return pd.DataFrame(rows)

    # --- the daily briefing --------------------------------------------------------------------
    def daily_changes(self, d: date) -> pd.DataFrame:
        first_seen = self.first_seen(d)
        kids = self.on_list(d).set_index("child_id")
        visits = self.counted_visits(d)
        on_d = visits[visits["visit_date"] == d]
        risky = on_d[(on_d["outcome"] == "seen") & (on_d["risk_level"].isin(AT_RISK)
                                                    | (on_d["abuse_suspected"] == True))]  # noqa: E712
        refs = self.counted_referrals(d)
        refs = refs[refs["referred_on"] == d]
        rows = []
        for code in self.districts["district_code"]:
            newly = [i for i, fs in first_seen.items() if fs == d and kids.loc[i, "district_code"] == code]
            mine = refs[refs["district_code"] == code]
            rows.append(dict(
                district_code=code, newly_seen=len(newly), new_referrals=len(mine),
                new_police_referrals=int((mine["kind"] == "police_investigation").sum()),
                new_high_risk=risky[risky["district_code"] == code]["child_id"].nunique()))
        return pd.DataFrame(rows)

    def attention_list(self, d: date) -> pd.DataFrame:
        # Per child in pandas groups (a loop over the children took seconds per day).
        visits = self.counted_visits(d).sort_values(["child_id", "visit_date"])
        by_child = visits.groupby("child_id")
        kids = by_child.agg(district_code=("district_code", "first"), cohort=("cohort", "first"),
                            visits=("visit_date", "size"))
        third = visits[by_child.cumcount() == 2].set_index("child_id")["visit_date"]
        unreachable = kids[(kids["visits"] >= 3) & ~kids.index.isin(self.first_seen(d).index)]
        refs = self.counted_referrals(d)
        protected = set(refs[refs["kind"].isin(PROTECTIVE)]["child_id"])
        risky = visits[(visits["outcome"] == "seen") & (visits["risk_level"].isin(AT_RISK)
                                                        | (visits["abuse_suspected"] == True))]  # noqa: E712
        first_risky = risky.groupby("child_id")["visit_date"].min()
        first_risky = first_risky[~first_risky.index.isin(protected)]
        parts = [kids.loc[unreachable.index].assign(reason="unreachable",
                                                     since=third[unreachable.index]),
                 kids.loc[first_risky.index].assign(reason="high_risk_no_referral",
                                                    since=first_risky)]
        return (pd.concat(parts).rename_axis("child_id").reset_index()
                [["child_id", "district_code", "cohort", "reason", "since"]])

    def child_alerts(self, d: date, high_risk_days: int, unreachable_days: int) -> pd.DataFrame:
        """Children on the attention list whose rule has held long enough: unreachable with no
        counted visit for `unreachable_days` (raised that long after the latest counted visit),
        or repeatedly reported at high risk with no protective referral `high_risk_days` after
        the finding (raised then). Both held on every day since: the latest visit and the
        finding are the same on each, and a child's days on the list are one interval."""
        latest = self.counted_visits(d).groupby("child_id")["visit_date"].max()
        rows = []
        for r in self.attention_list(d).itertuples():
            if r.reason == "unreachable":
                rule, raised = "unreachable_no_visit", latest[r.child_id] + timedelta(
                    days=unreachable_days)
            elif r.cohort == "repeat_report":
                rule, raised = "high_risk_no_referral", r.since + timedelta(days=high_risk_days)
            else:
                continue
            if raised <= d:
                rows.append((rule, r.district_code, r.child_id, raised))
        return pd.DataFrame(rows, columns=["rule", "district_code", "child_id", "first_raised"])


def comparable(df: pd.DataFrame, keys: list[str], date_columns: tuple[str, ...]) -> pd.DataFrame:
    """Rows sorted by key, dates as dates, numbers as floats rounded to 9 places, nulls as None."""
    out = df.copy()
    for col in out.columns:
        if col in date_columns:
            out[col] = _dates(out[col])
        elif col in keys or not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = pd.Series([None if pd.isna(v) else v for v in out[col]], index=out.index,
                                 dtype=object)
        else:
            out[col] = pd.Series([None if pd.isna(v) else round(float(v), 9) for v in out[col]],
                                 index=out.index, dtype=object)
    return out.sort_values(keys).reset_index(drop=True)
