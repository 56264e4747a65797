"""alerts: what needs attention on day D, each alert with the day it was first raised.

The five rules, their thresholds and their definitions live here, in RULES, and nowhere else:
docs/alerts.md and the Data quality & definitions page show the same texts. Everything is
computed from the data up to D, so any past day replays exactly as it was that morning.

An alert "stands" on a day when its rule holds that day; `first_raised` is the first day of
the unbroken run of standing days that ends on D (a rule that clears and fires again starts a
new run), and `days_open` counts the days of that run, D included (1 on the day it is raised).
"""
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Date, bindparam, text
from sqlalchemy.engine import Engine

from queries.runner import column_arrays

COLUMNS = ("rule", "district_code", "child_id", "first_raised", "days_open")
INPUT_DIR = Path(__file__).resolve().parent / "inputs"


@dataclass(frozen=True)
class Rule:
    name: str
    threshold: int
    definition: str       # English, {threshold} filled in by definitions()
    label: tuple = ("", "")           # (English, Korean)
    definition_ko: str = ""


PACE_BELOW_HALF = Rule(
    "pace_below_half", 3,
    "A district whose pace (children first seen in the last 7 days, divided by 7, both cohorts) "
    "has been below half the pace needed to finish by the deadline (children left to see "
    "divided by the days left) on {threshold} days in a row. Checked from the programme's "
    "eighth day (a full week of pace) to the day before the deadline.",
    ("Pace below half the needed pace", "필요 속도의 절반 미만"),
    "최근 7일 동안 처음 대면 확인한 아동 수를 7로 나눈 속도(두 대상군 합계)가, 마감일까지 끝내는 데 필요한 속도(남은 아동 ÷ 남은 일수)의 절반에 {threshold}일 연속 못 미친 자치구입니다. 사업 8일째(속도를 잴 1주일이 찬 날)부터 마감 전날까지 봅니다.")
HIGH_RISK_NO_REFERRAL = Rule(
    "high_risk_no_referral", 2,
    "A repeatedly reported child with a high-risk finding (a seen visit at risk high or "
    "emergency, or abuse suspected) and no protective referral (police investigation, "
    "protection agency or emergency protection) {threshold} days after the finding. Raised on "
    "the finding's day plus {threshold}; clears when a referral is made or the child leaves "
    "the list.",
    ("High risk, no referral after 2 days", "고위험 발견 후 2일 내 연계 없음"),
    "재신고 아동 가운데 고위험 소견(위험도 높음·응급 또는 학대 의심으로 대면 확인)이 있었는데 {threshold}일이 지나도록 보호 연계(경찰 수사, 아동보호전문기관, 응급 보호)가 없는 아동입니다. 소견일로부터 {threshold}일째에 경보가 나고, 연계가 이루어지거나 명단에서 빠지면 해제됩니다.")
UNREACHABLE_NO_VISIT = Rule(
    "unreachable_no_visit", 7,
    "A child not seen after three or more visits, with no further visit for {threshold} days. "
    "Raised {threshold} days after the latest visit; a new visit clears it (and starts the "
    "count again), as does a first seen visit or leaving the list.",
    ("Unreachable, no visit for 7 days", "연락 불가·7일간 방문 없음"),
    "세 번 이상 방문했지만 대면하지 못한 아동 가운데 {threshold}일 동안 추가 방문이 없는 아동입니다. 마지막 방문 {threshold}일 뒤에 경보가 나고, 새 방문(다시 셈을 시작), 대면 확인, 명단 제외로 해제됩니다.")
STALE_DATA = Rule(
    "stale_data", 2,
    "A district with children still to see and no visit recorded on the last {threshold} "
    "working days (Monday to Friday; public holidays are not known to the dashboard): its data "
    "may not have arrived. Clears on the next day with a visit.",
    ("No visit on 2 working days", "근무일 2일간 방문 없음"),
    "확인할 아동이 남아 있는데 최근 근무일 {threshold}일(월~금, 공휴일은 반영하지 않음) 동안 방문 기록이 없는 자치구입니다. 자료가 들어오지 않았을 수 있습니다. 방문이 기록된 날 해제됩니다.")
OFFICIALS_BELOW_TARGET = Rule(
    "officials_below_target", 1,
    "A district with fewer abuse officials in post than its target (the latest target "
    "effective by the day). Raised on the first day below the target; clears when the "
    "officials in post reach the target again.",
    ("Officials below target", "전담공무원 목표 미달"),
    "아동학대 전담공무원 현원이 목표 인원(그날까지 효력이 생긴 최신 목표)보다 적은 자치구입니다. 목표에 못 미친 첫날 경보가 나고, 현원이 목표에 다시 이르면 해제됩니다.")

RULES = (PACE_BELOW_HALF, HIGH_RISK_NO_REFERRAL, UNREACHABLE_NO_VISIT, STALE_DATA,
         OFFICIALS_BELOW_TARGET)
CHILD_RULES = frozenset({HIGH_RISK_NO_REFERRAL.name, UNREACHABLE_NO_VISIT.name})


def definitions() -> dict:
    """{rule name: its definition with the threshold filled in}."""
    return {r.name: r.definition.format(threshold=r.threshold) for r in RULES}


def definition_entries() -> dict:
    """The rules as entries of pages/common/definitions.py: {"alert_<name>": (label_en,
    label_ko, definition_en, definition_ko)}, so the page shows these very texts."""
    return {f"alert_{r.name}": (r.label[0], r.label[1], r.definition.format(threshold=r.threshold),
                                r.definition_ko.format(threshold=r.threshold)) for r in RULES}


# --- Reading ---------------------------------------------------------------------------------

def _execute(conn, name: str, params: dict):
    # NAME.postgresql.sql beside NAME.sql, as for the figures (queries/runner.py).
    path = INPUT_DIR / f"{name}.{conn.dialect.name}.sql"
    if not path.exists():
        path = INPUT_DIR / f"{name}.sql"
    stmt = text(path.read_text(encoding="utf-8"))
    stmt = stmt.bindparams(*[bindparam(k, type_=Date) for k in stmt._bindparams])
    return conn.execute(stmt, {k: params[k] for k in stmt._bindparams})


def _read(conn, name: str, params: dict) -> dict:
    """{column: object array of the driver's values}, as the runner reads them: a few thousand
    rows each, for which building a DataFrame (and pandas' text columns) cost more than the
    queries on SQLite at scale 1."""
    return column_arrays(_execute(conn, name, params))


def _dates(values) -> np.ndarray:
    """datetime64[ns] from what a driver gives (date objects or ISO text); NaT for null. Each
    distinct value is converted once: few dates in many rows, and numpy converts date objects
    one by one slowly."""
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    # -1 (a null) picks the NaT appended last.
    lookup = np.array([np.datetime64(str(v)[:10], "D") for v in distinct]
                      + [np.datetime64("NaT")], dtype="datetime64[ns]")
    return lookup[codes]


def _codes(values, index: dict) -> np.ndarray:
    """Each value's position in `index` ({value: position}), looked up once per distinct value.
    The values are district codes from not-null columns."""
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    if (codes < 0).any():
        raise ValueError("a district code is null")
    return np.array([index[v] for v in distinct], dtype=np.intp)[codes]


def _run_start(flags: np.ndarray, days: pd.DatetimeIndex) -> pd.Timestamp | None:
    """The first day of the run of True that ends on the last day; None if the last is False."""
    if len(flags) == 0 or not flags[-1]:
        return None
    false = np.flatnonzero(~flags)
    return days[false[-1] + 1] if len(false) else days[0]


# --- The rules -------------------------------------------------------------------------------

def _progress_by_day(daily: dict, districts: list, days: pd.DatetimeIndex):
    """listed and seen per district (rows) and day (columns), both cohorts, as of each day."""
    listed = np.zeros((len(districts), len(days)))
    seen = np.zeros_like(listed)
    if len(daily["day"]):
        row = _codes(daily["district_code"], {d: i for i, d in enumerate(districts)})
        # Changes before the first day count on the first day (the cumulative sum starts there).
        col = np.clip(days.searchsorted(_dates(daily["day"])), 0, len(days) - 1)
        for column, target in (("listed", listed), ("seen", seen)):
            np.add.at(target, (row, col), daily[column].astype(float))
    return listed.cumsum(1), seen.cumsum(1)


def pace_below_half(listed, seen, districts, days, start, deadline):
    out = []
    new_7d = seen - np.concatenate([np.zeros((len(districts), 7)), seen[:, :-7]], axis=1)
    pace = new_7d / 7
    left = (pd.Timestamp(deadline) - days).days.to_numpy()
    needed = np.where(left > 0, (listed - seen) / np.maximum(left, 1), np.nan)
    checked = (days >= pd.Timestamp(start) + pd.Timedelta(days=7)) & (left > 0)
    below = checked & (pace < 0.5 * needed)
    k = PACE_BELOW_HALF.threshold
    # Standing on a day when it and the k - 1 days before were all below.
    run = below.copy()
    for j in range(1, k):
        run[:, j:] &= below[:, :-j]
        run[:, :j] = False
    for i, d in enumerate(districts):
        first = _run_start(run[i], days)
        if first is not None:
            out.append((PACE_BELOW_HALF.name, d, None, first))
    return out


def stale_data(visit_days, listed, seen, districts, days, start):
    out = []
    k = STALE_DATA.threshold
    has_visit = np.zeros((len(districts), len(days)), dtype=bool)
    if len(visit_days["visit_date"]):
        row = _codes(visit_days["district_code"], {d: i for i, d in enumerate(districts)})
        col = days.get_indexer(_dates(visit_days["visit_date"]))
        ok = col >= 0
        has_visit[row[ok], col[ok]] = True
    # For each day, its last k working days (that day included if it is one): positions
    # `upto - k .. upto - 1` in the list of working days, `upto` the working days so far. A run
    # counts the working days with a visit, so "none in those k" is one subtraction.
    work_idx = np.flatnonzero(days.day_of_week < 5)
    upto = np.searchsorted(work_idx, np.arange(len(days)), side="right")
    full = upto >= k
    first_of_k = work_idx[np.where(full, upto - k, 0)]
    checked = full & (days[first_of_k] >= pd.Timestamp(start))
    visited = np.concatenate([np.zeros((len(districts), 1), dtype=int),
                              has_visit[:, work_idx].cumsum(1)], axis=1)
    none_in_k = (visited[:, upto] - visited[:, np.maximum(upto - k, 0)]) == 0
    stands = checked & (listed > seen) & none_in_k
    for i, d in enumerate(districts):
        first = _run_start(stands[i], days)
        if first is not None:
            out.append((STALE_DATA.name, d, None, first))
    return out


def officials_below_target(rows, districts, as_of):
    out = []
    if not len(rows["kind"]):
        return out
    kind = rows["kind"]
    start, end = _dates(rows["start_date"]), _dates(rows["end_date"])
    is_target = kind == "target"
    if not is_target.any():                                        # no target, no alert
        return out
    days = pd.date_range(min(start[is_target].min(), pd.Timestamp(as_of)), pd.Timestamp(as_of),
                         freq="D")
    d_index = {d: i for i, d in enumerate(districts)}
    row = _codes(rows["district_code"], d_index)
    # Officials in post per district and day: +1 from the first day in post, -1 after the last
    # (a last day before the first: never in post).
    open_ended = np.isnat(end)
    staff = (kind == "staff") & (open_ended | (end >= start))
    change = np.zeros((len(districts), len(days) + 1))
    np.add.at(change, (row[staff], days.searchsorted(start[staff])), 1)
    ended = staff & ~open_ended
    np.add.at(change, (row[ended], days.searchsorted(end[ended], side="right")), -1)
    in_post = change.cumsum(1)[:, :-1]
    # Each day's target: the latest effective by that day.
    values = rows["value"].astype(float)
    day_values = days.to_numpy()           # once, not per district (a third of this rule's time)
    for d, i in d_index.items():
        mine = np.flatnonzero(is_target & (row == i))
        if not len(mine):
            continue
        mine = mine[np.argsort(start[mine], kind="stable")]
        pos = np.searchsorted(start[mine], day_values, side="right") - 1
        below = (pos >= 0) & (in_post[i] < values[mine][np.maximum(pos, 0)])
        first = _run_start(below, days)
        if first is not None:
            out.append((OFFICIALS_BELOW_TARGET.name, d, None, first))
    return out


CHILD_RULE_DAYS = {HIGH_RISK_NO_REFERRAL.name: HIGH_RISK_NO_REFERRAL.threshold,
                   UNREACHABLE_NO_VISIT.name: UNREACHABLE_NO_VISIT.threshold}


def child_rules(groups: list, cohort: str | None = None) -> dict:
    """One child alert per child of queries/inputs/alerts_children.sql's rows (rule, district,
    cohort, since_on and the ids joined by spaces), as numpy columns: the rule, the child's
    district as a code into `districts` (sorted), the id and first_raised, in RULES' order, then
    by district and child (80,000 children at scale 30). Only `cohort`'s children if given."""
    if cohort is not None:
        groups = [g for g in groups if g[2] == cohort]
    order = {r.name: i for i, r in enumerate(RULES)}
    districts = sorted({g[1] for g in groups})
    district_code = {d: i for i, d in enumerate(districts)}
    ids, sizes = [], []
    for g in groups:
        part = g[4].split(" ")
        ids.extend(part)
        sizes.append(len(part))
    sizes = np.array(sizes, dtype=np.int64)
    rule = np.array([order[g[0]] for g in groups] + [0], dtype=np.int64)[:-1]
    district = np.array([district_code[g[1]] for g in groups] + [0], dtype=np.int64)[:-1]
    days = np.array([CHILD_RULE_DAYS[g[0]] for g in groups] + [0], dtype="timedelta64[D]")[:-1]
    raised = (_dates([g[3] for g in groups]).astype("datetime64[D]") + days).astype(
        "datetime64[ns]")
    # Sorted here: a database's sort of 80,000 rows cost more than the rest of the query, and
    # numpy's of the ids as fixed-width text six times Arrow's (70 ms against 12 ms at scale
    # 30). Arrow compares text byte by byte: Python's order for these ASCII ids.
    rule, district = np.repeat(rule, sizes), np.repeat(district, sizes)
    keys = pa.table({"block": rule * len(districts) + district,
                     "child_id": pa.array(ids, type=pa.string())})
    rows = pc.sort_indices(keys, sort_keys=[("block", "ascending"),
                                            ("child_id", "ascending")]).to_numpy()
    return {"rule": rule[rows], "district": district[rows], "districts": districts,
            "child_id": np.fromiter(ids, dtype=object, count=len(ids))[rows],
            "first_raised": np.repeat(raised, sizes)[rows]}


def _table(district_rows: list, child_rows: dict, as_of: dt.date,
           district: str | None) -> pd.DataFrame:
    """The alerts as one frame, in RULES' order, then by district and child (district alerts,
    without a child, first). Built column by column with numpy: concatenating two frames of
    mixed kinds and sorting the result with pandas cost 1.4 s for 81,000 alerts at scale 30.
    `child_rows` come sorted (child_rules); the district alerts are few and sorted here. No rule
    has both kinds of rows, so a stable sort on the rule alone merges the two."""
    order = {r.name: i for i, r in enumerate(RULES)}
    district_rows = sorted(district_rows, key=lambda r: (order[r[0]], r[1]))
    districts = sorted(set(child_rows["districts"]) | {r[1] for r in district_rows})
    code = {d: i for i, d in enumerate(districts)}
    child_codes = np.array([code[d] for d in child_rows["districts"]] + [0],
                           dtype=np.int64)[:-1]
    n = len(district_rows)
    columns = {
        "rule": np.concatenate([np.array([order[r[0]] for r in district_rows] + [0],
                                         dtype=np.int64)[:n], child_rows["rule"]]),
        "district_code": np.concatenate([
            np.array([code[r[1]] for r in district_rows] + [0], dtype=np.int64)[:n],
            child_codes[child_rows["district"]]]),
        "child_id": np.concatenate([np.full(n, None, dtype=object), child_rows["child_id"]]),
        "first_raised": np.concatenate([
            np.array([pd.Timestamp(r[3]).to_datetime64() for r in district_rows],
                     dtype="datetime64[ns]").reshape(n), child_rows["first_raised"]]),
    }
    if district is not None:
        keep = columns["district_code"] == code.get(district, -1)
        columns = {c: v[keep] for c, v in columns.items()}
    rows = np.argsort(columns["rule"], kind="stable")
    columns = {c: v[rows] for c, v in columns.items()}
    first_raised = columns["first_raised"]
    days_open = ((np.datetime64(as_of, "D") - first_raised.astype("datetime64[D]"))
                 .astype(np.int64) + 1)
    # Text columns made from their few distinct values (building pandas' string array from
    # 81,000 objects cost a third of a second per column).
    rule_names = [r.name for r in RULES]
    return pd.DataFrame({
        # Rule and district as text columns (pandas' string dtype), as they always were.
        "rule": pd.array(rule_names, dtype="str").take(columns["rule"]),
        "district_code": pd.array(districts, dtype="str").take(columns["district_code"]),
        "child_id": pd.Series(columns["child_id"], dtype=object),
        "first_raised": first_raised,
        "days_open": days_open,
    }, index=pd.RangeIndex(len(rows)))[list(COLUMNS)]


def alerts(engine: Engine, *, as_of: dt.date, district: str | None = None,
           cohort: str | None = None) -> pd.DataFrame:
    """The alerts standing on `as_of`. `cohort` filters the child rules (district rules are
    about both cohorts and stay)."""
    from queries.runner import ensure_child_status, programme_dates
    ensure_child_status(engine)
    with engine.connect() as conn:
        start, deadline = programme_dates(conn)
        districts = [r[0] for r in conn.execute(
            text("select district_code from districts order by district_code"))]
        if start is None:
            return pd.DataFrame(columns=list(COLUMNS))
        window_start = min(start, as_of) - dt.timedelta(days=14)
        params = {"as_of": as_of, "window_start": window_start,
                  "high_risk_by": as_of - dt.timedelta(days=HIGH_RISK_NO_REFERRAL.threshold),
                  "unreachable_by": as_of - dt.timedelta(days=UNREACHABLE_NO_VISIT.threshold)}
        daily = _read(conn, "alerts_daily", params)
        visit_days = _read(conn, "alerts_visit_days", params)
        children = _execute(conn, "alerts_children", params).all()
        officials = _read(conn, "alerts_officials", params)
    days = pd.date_range(pd.Timestamp(window_start), pd.Timestamp(as_of), freq="D")
    listed, seen = _progress_by_day(daily, districts, days)
    rows = (pace_below_half(listed, seen, districts, days, start, deadline)
            + stale_data(visit_days, listed, seen, districts, days, start)
            + officials_below_target(officials, districts, as_of))
    return _table(rows, child_rules(children, cohort), as_of, district)
