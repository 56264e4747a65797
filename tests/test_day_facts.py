"""The per-day facts (data/day_facts.sql) against a day-by-day reading of metrics.md, on SQLite
and PostgreSQL, after a load and after a second load that replaces rows. The same for the
forecast's first_visit_facts, the stale-data alert's district_visit_days, the child alerts'
child_alert_runs, table_freshness's table_counts and the attention list's attention_spans and
attention_steps.

The expected table is worked out here without child_status or intervals: for every day D, each
"as of D" count straight from the extract tables (who is on the list at D, which visits and
referrals count by D), then its change from D-1; the day-only columns are that day's events.
"""
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from data.db import make_engine
from data.export import export_extract
from data.generate import generate
from data.load import load_extract
from data.schema import (
    attention_spans, attention_steps, child_alert_runs, children, district_day_facts,
    district_visit_days, first_visit_attempts, first_visit_facts, first_visit_groups,
    first_visit_states, referral_day_facts, referrals, table_counts, visits,
)

DISTRICT_KEYS = ["district_code", "cohort", "day"]
REFERRAL_KEYS = ["district_code", "cohort", "kind", "outcome", "day"]
FIRST_VISIT_KEYS = ["district_code", "cohort", "listed_on", "first_visit_on", "first_seen_on",
                    "day"]
STATE_KEYS = ["district_code", "cohort", "first_visit_on", "first_seen_on", "starts_on"]
VISIT_DAY_KEYS = ["district_code", "day"]
COUNT_KEYS = ["table_name"]
ALERT_RUN_KEYS = ["rule", "child_id", "since_on"]
SPAN_KEYS = ["child_id", "reason"]
STEP_KEYS = ["child_id", "reason", "starts_on"]
HIGH_RISK = ("high", "emergency")
PROTECTIVE = ("police_investigation", "protection_agency", "emergency_protection")


def _frame(conn, table) -> pd.DataFrame:
    df = pd.DataFrame(conn.execute(select(table)).mappings().all(),
                      columns=[c.name for c in table.columns])
    for c in table.columns:
        if c.name.endswith("_on") or c.name in ("day", "visit_date"):
            df[c.name] = pd.to_datetime(df[c.name])
    return df


NEVER = 10**9          # a day number after every date: what a null end date means


def _days(s: pd.Series) -> np.ndarray:
    """Dates as day numbers (nulls become nonsense: the callers replace them)."""
    return s.to_numpy().astype("datetime64[D]").astype("int64")


def expected_facts(conn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For every day D, each count as of D straight from the rows (numpy, one day at a time),
    then its change from the day before."""
    kids = _frame(conn, children)
    vis = _frame(conn, visits)
    refs = _frame(conn, referrals).merge(
        vis[["visit_id", "visit_date"]], on="visit_id", how="left")
    child = {c: i for i, c in enumerate(kids.child_id)}
    groups, group = np.unique(kids.district_code + "|" + kids.cohort, return_inverse=True)
    listed, removed = _days(kids.listed_on), _days(kids.removed_on)
    removed = np.where(kids.removed_on.isna(), NEVER, removed)
    vc = vis.child_id.map(child).to_numpy()
    vd = _days(vis.visit_date)
    is_seen = (vis.outcome == "seen").to_numpy()
    two = vis.second_staff_id.notna().to_numpy()
    high = (vis.risk_level.isin(HIGH_RISK) | (vis.abuse_suspected == True)).to_numpy()  # noqa: E712
    rc = refs.child_id.map(child).to_numpy()
    rd = _days(refs.referred_on)
    closed = np.where(refs.closed_on.isna(), NEVER, _days(refs.closed_on))
    kinds, kind = np.unique(refs.kind, return_inverse=True)
    outcomes, result = np.unique(["open"] + list(refs.result.fillna("(none)")),
                                 return_inverse=True)
    open_code, result = result[0], result[1:]
    named = refs.visit_date.notna().to_numpy()
    delay = np.where(named, rd - np.where(named, _days(refs.visit_date), 0), 0)
    police = (refs.kind == "police_investigation").to_numpy()
    n_groups, n_kids = len(groups), len(kids)
    rkey_size = n_groups * len(kinds) * len(outcomes)

    def per_group(mask, of=None):
        return np.bincount(group[mask] if of is None else group[of[mask]], minlength=n_groups)

    first = min(listed.min(), vd.min(), rd.min()) - 1
    last = max(x[x < NEVER].max() for x in (listed, removed, vd, rd, closed)) + 8
    rows, rrows = [], []
    for day in range(first, last + 1):
        on = (listed <= day) & (removed > day)
        counted = (vd >= listed[vc]) & (vd <= day) & on[vc]
        seen_v = counted & is_seen
        visits_by_child = np.bincount(vc[counted], minlength=n_kids)
        first_seen = np.full(n_kids, NEVER)
        np.minimum.at(first_seen, vc[seen_v], vd[seen_v])
        seen = first_seen < NEVER
        high_today = np.unique(vc[seen_v & high & (vd == day)])
        r_counted = on[rc] & (rd <= day)
        r_today = r_counted & (rd == day)
        rows.append(np.stack([
            per_group(on), per_group(seen), per_group(visits_by_child > 0),
            per_group(~seen & (visits_by_child >= 3)), per_group(first_seen <= day - 7),
            per_group(seen_v, vc), per_group(seen_v & two, vc), per_group(first_seen == day),
            np.bincount(group[high_today], minlength=n_groups), per_group(r_today, rc),
            per_group(r_today & police, rc)]))
        outcome = np.where(closed <= day, result, open_code)
        rkey = (group[rc] * len(kinds) + kind) * len(outcomes) + outcome
        pairs = np.unique(np.stack([rkey[r_counted], rc[r_counted]]), axis=1)[0]
        d = delay

        def per_key(mask, weights=None):
            m = r_counted & mask
            return np.bincount(rkey[m], weights=None if weights is None else weights[m],
                               minlength=rkey_size)
        rrows.append(np.stack([
            per_key(np.ones_like(named)), np.bincount(pairs, minlength=rkey_size),
            per_key(named), per_key(named & (d >= 0), d), per_key(named & (d == 0)),
            per_key(named & (d >= 1) & (d <= 7)), per_key(named & (d >= 8) & (d <= 30)),
            per_key(named & (d > 30)), per_key(named & (d < 0))]))
    days = pd.to_datetime(np.arange(first, last + 1), unit="D")
    district = _changes(np.array(rows), days, 4, DISTRICT_COLUMNS,
                        [g.split("|") for g in groups])
    referral = _changes(np.array(rrows), days, 0, REFERRAL_COLUMNS,
                        [(*g.split("|"), k, o) for g in groups for k in kinds for o in outcomes])
    return _tidy(district, DISTRICT_KEYS), _tidy(referral, REFERRAL_KEYS)


DISTRICT_COLUMNS = ["listed", "seen", "attempted", "unreachable", "seen_before_week",
                    "seen_visits", "two_person_visits", "newly_seen", "new_high_risk",
                    "new_referrals", "new_police_referrals"]
REFERRAL_COLUMNS = ["referrals", "children", "named_visit", "delay_days", "same_day",
                    "days_1_7", "days_8_30", "over_30", "before_visit"]


def _changes(values: np.ndarray, days, day_only: int, columns, keys) -> pd.DataFrame:
    """values[day, column, key] as of each day -> one row per key and day: the change from the
    day before, except the last `day_only` columns, which are already that day's own."""
    changes = values.copy()
    cumulative = len(columns) - day_only
    changes[1:, :cumulative] = np.diff(values[:, :cumulative], axis=0)
    n_days, _, n_keys = values.shape
    key_frame = pd.DataFrame(keys * n_days, columns=REFERRAL_KEYS[:len(keys[0])])
    out = key_frame.assign(day=np.repeat(days, n_keys))
    for i, column in enumerate(columns):
        out[column] = changes[:, i, :].reshape(-1)
    return out


def _tidy(df: pd.DataFrame, keys) -> pd.DataFrame:
    """Rows with some change, in key order, counts as int64: comparable across sources."""
    values = [c for c in df.columns if c not in keys]
    df = df.assign(**{c: df[c].fillna(0).astype("int64") for c in values})
    df = df[(df[values] != 0).any(axis=1)]
    return df.sort_values(keys).reset_index(drop=True)[keys + sorted(values)]


def stored_facts(conn) -> tuple[pd.DataFrame, pd.DataFrame]:
    district = _frame(conn, district_day_facts)
    referral = _frame(conn, referral_day_facts).assign(
        outcome=lambda d: d.outcome.fillna("(none)").astype(str))
    return _tidy(district, DISTRICT_KEYS), _tidy(referral, REFERRAL_KEYS)


def expected_first_visits(conn) -> pd.DataFrame:
    """For every day D, the children on the list at D counted by district, cohort, listed_on and
    their first counted visit and first seen visit by D (null: none by D), straight from the
    rows; then each count's change from the day before."""
    kids = _frame(conn, children)
    vis = _frame(conn, visits).merge(kids[["child_id", "listed_on"]], on="child_id")
    vis = vis[vis.visit_date >= vis.listed_on]                 # counted visits only
    listed = _days(kids.listed_on)
    removed = np.where(kids.removed_on.isna(), NEVER, _days(kids.removed_on))
    child = {c: i for i, c in enumerate(kids.child_id)}
    vc, vd = vis.child_id.map(child).to_numpy(), _days(vis.visit_date)
    seen = (vis.outcome == "seen").to_numpy()
    key = kids.district_code + "|" + kids.cohort + "|" + kids.listed_on.dt.strftime("%Y-%m-%d")
    previous, rows = {}, []
    for day in range(listed.min() - 1, max(x[x < NEVER].max() for x in (removed, vd)) + 2):
        first_visit = np.full(len(kids), NEVER)
        np.minimum.at(first_visit, vc[vd <= day], vd[vd <= day])
        first_seen = np.full(len(kids), NEVER)
        np.minimum.at(first_seen, vc[seen & (vd <= day)], vd[seen & (vd <= day)])
        on = (listed <= day) & (removed > day)
        counts = pd.Series(1, index=pd.MultiIndex.from_arrays(
            [key[on], first_visit[on], first_seen[on]])).groupby(level=[0, 1, 2]).sum()
        current = counts.to_dict()
        for k in current.keys() | previous.keys():
            change = current.get(k, 0) - previous.get(k, 0)
            if change:
                rows.append((*k[0].split("|"), k[1], k[2], day, change))
        previous = current
    df = pd.DataFrame(rows, columns=["district_code", "cohort", "listed_on", "first_visit_on",
                                     "first_seen_on", "day", "children"])

    def as_date(days):
        return pd.to_datetime(pd.Series(days, dtype="float64").where(lambda d: d < NEVER),
                              unit="D")
    df = df.assign(listed_on=pd.to_datetime(df.listed_on),
                   first_visit_on=as_date(df.first_visit_on),
                   first_seen_on=as_date(df.first_seen_on), day=as_date(df.day))
    return _tidy(df, FIRST_VISIT_KEYS)


def expected_first_visit_states(first_visits: pd.DataFrame) -> pd.DataFrame:
    """first_visit_states from the day-by-day changes read straight from the rows
    (expected_first_visits): per district, cohort, first visit and first seen day, the count
    after each day with a change, kept until the next such day."""
    keys = ["district_code", "cohort", "first_visit_on", "first_seen_on"]
    daily = first_visits.groupby(keys + ["day"], dropna=False, as_index=False)["children"].sum()
    daily = daily[daily["children"] != 0].sort_values(keys + ["day"])
    group = daily.groupby(keys, dropna=False)
    states = daily.assign(children=group["children"].cumsum(),
                          ends_on=group["day"].shift(-1)).rename(columns={"day": "starts_on"})
    return _states(states[states["children"] != 0])


def _states(df: pd.DataFrame) -> pd.DataFrame:
    df = df.assign(children=df["children"].astype("int64"))
    return df.sort_values(STATE_KEYS).reset_index(drop=True)[STATE_KEYS + ["children", "ends_on"]]


GROUP_KEYS = ["day", "district_code", "cohort", "first_visit_on"]
ATTEMPT_KEYS = ["day", "cohort", "first_visit_on", "first_seen_on"]


def _change_days(states: pd.DataFrame) -> list:
    """The days a state starts or ends: nothing changes between them."""
    return sorted(set(states.starts_on) | set(states.ends_on.dropna()))


def _holding(df: pd.DataFrame, day) -> pd.DataFrame:
    return df[(df.starts_on <= day) & (df.ends_on.isna() | (df.ends_on > day))]


def expected_groups_and_attempts(states: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """What the forecast reads of first_visit_groups and first_visit_attempts on each day a
    state starts or ends (nothing changes between): the states holding that day (expected, from
    the rows) added up per district, cohort and first visit day, and per cohort, first visit day
    and first seen day for those with a first visit."""
    groups, attempts = [], []
    for day in _change_days(states):
        on = _holding(states, day)
        groups.append(on.assign(open=on.children.where(on.first_seen_on.isna(), 0))
                      .groupby(GROUP_KEYS[1:], dropna=False, as_index=False)
                      .agg(children=("children", "sum"), open=("open", "sum"),
                           first_seen_on=("first_seen_on", "max")).assign(day=day))
        attempts.append(on[on.first_visit_on.notna()]
                        .groupby(ATTEMPT_KEYS[1:], dropna=False, as_index=False)
                        ["children"].sum().assign(day=day))
    return (_by_day(pd.concat(groups), GROUP_KEYS), _by_day(pd.concat(attempts), ATTEMPT_KEYS))


def stored_groups_and_attempts(conn, states) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of first_visit_groups and first_visit_attempts holding each of those days."""
    days = _change_days(states)
    out = []
    for table, keys in ((first_visit_groups, GROUP_KEYS), (first_visit_attempts, ATTEMPT_KEYS)):
        stored = _frame(conn, table)
        out.append(_by_day(pd.concat([_holding(stored, day).assign(day=day) for day in days]),
                           keys))
    return tuple(out)


def _by_day(df: pd.DataFrame, keys) -> pd.DataFrame:
    counts = [c for c in ("children", "open") if c in df.columns]
    df = df.assign(**{c: df[c].astype("int64") for c in counts})
    rest = [c for c in df.columns if c not in keys and c not in ("starts_on", "ends_on")]
    return df.sort_values(keys, na_position="first").reset_index(drop=True)[keys + sorted(rest)]


def expected_visit_days(conn) -> pd.DataFrame:
    """Every visit (any outcome, counted or not) per its child's district and its day."""
    vis = _frame(conn, visits).merge(_frame(conn, children)[["child_id", "district_code"]],
                                     on="child_id")
    df = vis.groupby(["district_code", "visit_date"], as_index=False).size()
    return _tidy(df.rename(columns={"visit_date": "day", "size": "visits"}), VISIT_DAY_KEYS)


def expected_alert_runs(conn) -> pd.DataFrame:
    """For every day D, which child rule holds for which child on D and the date it counts from
    (queries/alerts.py's RULES without their days), straight from the rows; then each (rule,
    child, date) as the days it holds: from that date to ends_on, the day after the last (null:
    still holding after every date)."""
    kids = _frame(conn, children)
    vis = _frame(conn, visits)
    refs = _frame(conn, referrals)
    child = {c: i for i, c in enumerate(kids.child_id)}
    n_kids = len(kids)
    listed = _days(kids.listed_on)
    removed = np.where(kids.removed_on.isna(), NEVER, _days(kids.removed_on))
    repeat = (kids.cohort == "repeat_report").to_numpy()
    vc, vd = vis.child_id.map(child).to_numpy(), _days(vis.visit_date)
    seen = (vis.outcome == "seen").to_numpy()
    high = seen & (vis.risk_level.isin(HIGH_RISK) | (vis.abuse_suspected == True)).to_numpy()  # noqa: E712
    rc, rd = refs.child_id.map(child).to_numpy(), _days(refs.referred_on)
    protective = refs.kind.isin(PROTECTIVE).to_numpy()
    first = min(listed.min(), vd.min()) - 1
    last = max(x[x < NEVER].max() for x in (listed, removed, vd, rd)) + 8
    held = {}
    for day in range(first, last + 1):
        on = (listed <= day) & (removed > day)
        counted = (vd >= listed[vc]) & (vd <= day)
        visits_by_child = np.bincount(vc[counted], minlength=n_kids)
        seen_by = np.bincount(vc[counted & seen], minlength=n_kids) > 0
        latest = np.full(n_kids, -NEVER)
        np.maximum.at(latest, vc[counted], vd[counted])
        found = np.full(n_kids, NEVER)
        np.minimum.at(found, vc[counted & high], vd[counted & high])
        protected = np.bincount(rc[protective & (rd <= day)], minlength=n_kids) > 0
        for rule, holds, since in (
                ("unreachable_no_visit", on & (visits_by_child >= 3) & ~seen_by, latest),
                ("high_risk_no_referral", on & repeat & (found < NEVER) & ~protected, found)):
            for i in np.flatnonzero(holds):
                held.setdefault((rule, i, since[i]), []).append(day)
    rows = []
    for (rule, i, since), days in held.items():
        # A run holds on every day from its date on, up to its end: nothing in between.
        assert days == list(range(since, days[-1] + 1)), (rule, kids.child_id[i])
        rows.append((rule, kids.district_code[i], kids.cohort[i], since,
                     None if days[-1] == last else days[-1] + 1, kids.child_id[i]))
    df = pd.DataFrame(rows, columns=["rule", "district_code", "cohort", "since_on", "ends_on",
                                     "child_id"])
    return _runs(df.assign(
        since_on=pd.to_datetime(df.since_on, unit="D"),
        ends_on=pd.to_datetime(pd.Series(df.ends_on, dtype="float64"), unit="D")))


def stored_alert_runs(conn) -> pd.DataFrame:
    """child_alert_runs one row per child (each group's ids split), after checking its grain:
    one row per rule, district, cohort, since_on and ends_on."""
    df = _frame(conn, child_alert_runs)
    group = ["rule", "district_code", "cohort", "since_on", "ends_on"]
    assert not df[group].astype(str).duplicated().any()
    df = df.assign(child_id=df.child_ids.str.split(" ")).explode("child_id")
    return _runs(df.drop(columns="child_ids"))


def _runs(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(ALERT_RUN_KEYS).reset_index(drop=True)[
        ALERT_RUN_KEYS + ["district_code", "cohort", "ends_on"]]


def expected_counts(conn) -> pd.DataFrame:
    """Rows and newest date of children, visits and referrals, from the rows themselves."""
    rows = [(name, _frame(conn, table)[column].max(), len(_frame(conn, table)))
            for name, table, column in (("children", children, "listed_on"),
                                        ("visits", visits, "visit_date"),
                                        ("referrals", referrals, "referred_on"))]
    return _counts(pd.DataFrame(rows, columns=["table_name", "newest_date", "row_count"]))


def expected_spans_and_steps(conn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For every day D, which children are on the attention list at D and for which reason
    (metrics.md, straight from the rows), then per child and reason the first day on it and the
    day after the last (null: still on it after every date in the data). Checks on the way that
    those days are one unbroken run and that the list's "since" is its first day: what lets a
    list as of D be read as starts_on <= D < ends_on. The steps: the same days cut where the
    child's attempts (counted visits by D) or its latest counted visit by D change."""
    kids = _frame(conn, children)
    vis = _frame(conn, visits)
    refs = _frame(conn, referrals)
    listed = _days(kids.listed_on)
    removed = np.where(kids.removed_on.isna(), NEVER, _days(kids.removed_on))
    child = {c: i for i, c in enumerate(kids.child_id)}
    vc, vd = vis.child_id.map(child).to_numpy(), _days(vis.visit_date)
    order = np.lexsort((vd, vc))                     # each child's visits in date order
    vc, vd = vc[order], vd[order]
    seen_high = ((vis.outcome == "seen") & (vis.risk_level.isin(HIGH_RISK)
                                            | (vis.abuse_suspected == True))).to_numpy()[order]  # noqa: E712
    is_seen = (vis.outcome == "seen").to_numpy()[order]
    protective = refs.kind.isin(PROTECTIVE).to_numpy()
    rc, rd = refs.child_id.map(child).to_numpy()[protective], _days(refs.referred_on)[protective]
    n = len(kids)
    runs = {}                                        # (child, reason) -> [first, last, since]
    steps = {}                  # (child, reason) -> [[first, last, (attempts, latest), since]]
    last = max(x[x < NEVER].max() for x in (removed, vd, rd)) + 1
    for day in range(listed.min(), last + 1):
        on = (listed <= day) & (removed > day)
        counted = (vd >= listed[vc]) & (vd <= day) & on[vc]
        n_visits = np.bincount(vc[counted], minlength=n)
        seen = np.bincount(vc[counted & is_seen], minlength=n) > 0
        latest = np.full(n, -1)
        np.maximum.at(latest, vc[counted], vd[counted])
        third = np.full(n, NEVER)
        number = np.zeros(len(vc), int)              # the visit's place among its child's counted
        for i in np.flatnonzero(counted):
            number[i] = number[i - 1] + 1 if i and counted[i - 1] and vc[i - 1] == vc[i] else 1
        np.minimum.at(third, vc[number == 3], vd[number == 3])
        high_since = np.full(n, NEVER)
        np.minimum.at(high_since, vc[counted & seen_high], vd[counted & seen_high])
        referred = np.bincount(rc[on[rc] & (rd <= day)], minlength=n) > 0
        for reason, members, since in (
                ("unreachable", on & ~seen & (n_visits >= 3), third),
                ("high_risk_no_referral", on & (high_since < NEVER) & ~referred, high_since)):
            for i in np.flatnonzero(members):
                run = runs.setdefault((kids.child_id[i], reason), [day, day, since[i]])
                assert run[1] in (day - 1, day), f"{kids.child_id[i]} {reason}: off and on again"
                assert since[i] == run[0], f"{kids.child_id[i]} {reason}: since is not day one"
                run[1] = day
                now = (int(n_visits[i]), int(latest[i]))
                step = steps.setdefault((kids.child_id[i], reason), [])
                if not step or step[-1][2] != now:
                    step.append([day, day, now, since[i]])
                step[-1][1] = day
    rows = [(c, r, kids.district_code[child[c]], kids.cohort[child[c]], kids.listed_on[child[c]],
             first, None if end == last else end + 1) for (c, r), (first, end, _) in runs.items()]
    df = pd.DataFrame(rows, columns=["child_id", "reason", "district_code", "cohort",
                                     "listed_on", "starts_on", "ends_on"])
    step_rows = [(c, r, first, None if end == last else end + 1, kids.district_code[child[c]],
                  kids.cohort[child[c]], since, attempts, latest_on)
                 for (c, r), cut in steps.items()
                 for first, end, (attempts, latest_on), since in cut]
    cuts = pd.DataFrame(step_rows, columns=["child_id", "reason", "starts_on", "ends_on",
                                            "district_code", "cohort", "since_on", "attempts",
                                            "last_visit_on"])
    for frame in (df, cuts):
        for column in ("starts_on", "ends_on", "since_on", "last_visit_on"):
            if column in frame:
                frame[column] = pd.to_datetime(pd.Series(frame[column], dtype="float64"),
                                               unit="D")
    return _spans(df), _steps(cuts)


def _spans(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(SPAN_KEYS).reset_index(drop=True)[sorted(df.columns)]


def _steps(df: pd.DataFrame) -> pd.DataFrame:
    df = df.assign(attempts=df.attempts.astype("int64"))
    return df.sort_values(STEP_KEYS).reset_index(drop=True)[sorted(df.columns)]


def _counts(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(newest_date=pd.to_datetime(df.newest_date),
                     row_count=df.row_count.astype("int64")).sort_values(
        COUNT_KEYS).reset_index(drop=True)


def _assert_facts_agree(engine):
    with engine.connect() as conn:
        first_visits = expected_first_visits(conn)
        states = expected_first_visit_states(first_visits)
        expected = (*expected_facts(conn), first_visits, expected_visit_days(conn),
                    expected_alert_runs(conn), expected_counts(conn),
                    *expected_spans_and_steps(conn), states,
                    *expected_groups_and_attempts(states))
        stored = (*stored_facts(conn), _tidy(_frame(conn, first_visit_facts), FIRST_VISIT_KEYS),
                  _tidy(_frame(conn, district_visit_days), VISIT_DAY_KEYS),
                  stored_alert_runs(conn), _counts(_frame(conn, table_counts)),
                  _spans(_frame(conn, attention_spans)), _steps(_frame(conn, attention_steps)),
                  _states(_frame(conn, first_visit_states)),
                  *stored_groups_and_attempts(conn, states))
    for want, got in zip(expected, stored, strict=True):
        assert len(got) > 0
        pd.testing.assert_frame_equal(_ns(got), _ns(want), check_dtype=False)


def _ns(df: pd.DataFrame) -> pd.DataFrame:
    """Dates at one resolution (drivers and numpy give seconds or microseconds)."""
    return df.assign(**{c: df[c].astype("datetime64[ns]") for c in df.columns
                        if pd.api.types.is_datetime64_any_dtype(df[c])})


def _replaced(folder, out):
    """The extract with rows changed the ways a corrected extract changes them: children removed
    and put back, visits seen and not, visits added, referrals closed and reopened."""
    out.mkdir()
    for path in folder.iterdir():
        (out / path.name).write_bytes(path.read_bytes())
    read = lambda name: pd.read_csv(folder / name, dtype=str, keep_default_na=False)  # noqa: E731
    kids = read("children.csv")
    pick = kids.index % 4 == 1
    listed = pd.to_datetime(kids.listed_on)
    kids.loc[pick & (kids.removed_on == ""), "removed_on"] = (
        listed + dt.timedelta(days=20)).dt.strftime("%Y-%m-%d")
    kids.loc[pick & (kids.removed_on != "") & (kids.index % 8 == 5), "removed_on"] = ""
    kids.to_csv(out / "children.csv", index=False)
    vis = read("visits.csv")
    to_seen = (vis.index % 5 == 2) & (vis.outcome == "not_home")
    to_moved = (vis.index % 5 == 3) & (vis.outcome == "seen")
    vis.loc[to_seen, ["outcome", "risk_level", "abuse_suspected"]] = ["seen", "high", "false"]
    vis.loc[to_moved, ["outcome", "risk_level", "abuse_suspected"]] = ["moved", "", ""]
    # A second attempt on the same day as another visit (a run of days starts once per day).
    again = vis[vis.index % 7 == 4].assign(visit_id=lambda v: v.visit_id + "-b",
                                            outcome="not_home", risk_level="",
                                            abuse_suspected="")
    vis = pd.concat([vis, again], ignore_index=True)
    vis.to_csv(out / "visits.csv", index=False)
    refs = read("referrals.csv")
    close = (refs.index % 3 == 0) & (refs.closed_on == "")
    reopen = (refs.index % 3 == 1) & (refs.closed_on != "")
    refs.loc[close, "closed_on"] = (pd.to_datetime(refs.referred_on[close])
                                    + dt.timedelta(days=3)).dt.strftime("%Y-%m-%d")
    refs.loc[close, "result"] = "declined"
    refs.loc[reopen, ["closed_on", "result"]] = ["", ""]
    refs.to_csv(out / "referrals.csv", index=False)
    assert to_seen.any() and to_moved.any() and len(again) and close.any() and reopen.any()
    return out


@pytest.fixture(scope="module")
def extract_folder(tmp_path_factory):
    """A small generated programme, exported as an extract."""
    root = tmp_path_factory.mktemp("facts")
    source = make_engine(f"sqlite:///{root / 'source.db'}")
    generate(source, seed=11, scale=0.02)
    export_extract(source, root / "first")
    source.dispose()
    return root / "first"


def test_facts_equal_a_day_by_day_reading_after_a_load_and_a_replacing_load(
        engine, extract_folder, tmp_path):
    load_extract(engine, extract_folder)
    _assert_facts_agree(engine)
    load_extract(engine, _replaced(extract_folder, tmp_path / "second"))
    _assert_facts_agree(engine)
