"""The forecast, the staff allocation and the alerts on the pages (issue 10), so that each page
adds a line or two. Figures come through pages/common/data.py (cached per scope, after the
access policy); the fan chart and the allocation, which take more than the filters, have their
own caches here, keyed on small values and the viewer's scope, the policy applied inside.
Model and rules: docs/forecast.md.
"""
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import queries
import queries.cache
from access import policy, scoped
from pages.common import data, filters, i18n, layout, memo, per_view

T = {
    "en": {
        "head": "Will we finish? The forecast",
        "likely": "likely {a}–{b}",
        "likely_one": "likely {a}",
        "likely_from": "likely {a} or later (not within 120 days for 1 run in 10)",
        "not_within": "not likely within 120 days",
        "chance": "{p} chance to finish by {d}",
        "seen_by": "Seen by {d}: {m} ({lo}–{hi}, 80 %) of {n} listed",
        "done": "finished on {d}",
        "after": "The deadline has passed: seen by {d}, {s} of {n}.",
        "fan": "80 % of the forecast runs",
        "fan_median": "Forecast (median)",
        "pace7": "At the last 7 days' pace",
        "alerts": "Alerts today",
        "alerts_none": "No alert stands today.",
        "alerts_new": "{n} new today",
        "new": "new",
        "rule": "Rule", "district": "District", "child": "Child", "first_raised": "First raised",
        "days_open": "Days open", "status": "Today",
        "alloc_head": "Where should extra staff go?",
        "alloc_officials": "Extra officials for the city", "alloc_planners": "Extra planners",
        "alloc_after": "After the deadline: the figures are taken on {d} (four weeks on), and "
                       "the dates say by when the districts could finish.",
        "alloc_table": "The allocation and what it changes",
        "alloc_map": "Staff added per district",
        "needed_head": "Staff needed per district, by the forecast",
        "needed_note": "Extra staff for the forecast's chance to finish by the deadline to reach "
                       "50 % (median) or 80 %; empty where no number up to 60 does it, because "
                       "some visited children are never found. 'First visit' columns: extra "
                       "staff for every listed child to have had a first visit by then.",
        "in_post": "In post", "added": "Added", "unseen_before": "Expected unseen, now",
        "unseen_after": "Expected unseen, with the added", "p_before": "Chance to finish, now",
        "p_after": "Chance, with the added", "finish_before": "Likely finish, now",
        "finish_after": "Likely finish, with the added", "need50": "For the median",
        "need80": "For 80 %", "visit50": "First visit, median", "visit80": "First visit, 80 %",
        "needed_line": "{cohort}: chance to finish now {p}; extra staff for the median {n50}, "
                       "for 80 % {n80}; for every child visited once: {v50} (median), {v80} (80 %).",
        "out_of_reach": "out of reach",
        "alloc_runs": "The allocation compares scenarios with 200 runs each (the same draws for "
                      "every scenario).",
        "cohort": "Cohort", "role": "Staff", "total_change": "Expected unseen at {d}: {a} now, "
        "{b} with {k} officials and {m} planners placed as below.",
    },
    "ko": {
        "head": "마감일까지 끝낼 수 있을까? 예측",
        "likely": "{a}~{b} 사이 예상",
        "likely_one": "{a} 예상",
        "likely_from": "{a} 이후 예상 (10번 중 1번은 120일 안에 끝나지 않음)",
        "not_within": "120일 안에는 어려움",
        "chance": "{d}까지 완료 확률 {p}",
        "seen_by": "{d}까지 확인 예상: {m}명 (80% 구간 {lo}~{hi}), 대상 {n}명",
        "done": "{d} 완료",
        "after": "마감일이 지났습니다: {d}까지 {n}명 중 {s}명 확인.",
        "fan": "예측 실행의 80%",
        "fan_median": "예측 (중앙값)",
        "pace7": "최근 7일 속도로",
        "alerts": "오늘의 경보",
        "alerts_none": "오늘 유지 중인 경보가 없습니다.",
        "alerts_new": "오늘 새로 {n}건",
        "new": "신규",
        "rule": "규칙", "district": "자치구", "child": "아동", "first_raised": "처음 발생",
        "days_open": "유지 일수", "status": "오늘",
        "alloc_head": "추가 인력을 어디에 배치할까?",
        "alloc_officials": "서울시 추가 전담공무원", "alloc_planners": "추가 복지플래너",
        "alloc_after": "마감일이 지났습니다: 수치는 {d}(4주 뒤) 기준이며, 날짜는 언제 끝낼 수 있는지를 "
                       "보여 줍니다.",
        "alloc_table": "배치안과 그 효과",
        "alloc_map": "자치구별 추가 인원",
        "needed_head": "예측에 따른 자치구별 필요 인력",
        "needed_note": "마감일까지 완료 확률을 50%(중앙값) 또는 80%로 올리는 데 필요한 추가 인원입니다. "
                       "방문해도 끝내 만나지 못하는 아동이 있어 60명까지 늘려도 안 되는 곳은 비워 둡니다. "
                       "'첫 방문' 열: 그때까지 모든 아동을 한 번 이상 방문하는 데 필요한 추가 인원.",
        "in_post": "현원", "added": "추가", "unseen_before": "미확인 예상 (현재)",
        "unseen_after": "미확인 예상 (추가 시)", "p_before": "완료 확률 (현재)",
        "p_after": "완료 확률 (추가 시)", "finish_before": "예상 완료 (현재)",
        "finish_after": "예상 완료 (추가 시)", "need50": "중앙값 기준", "need80": "80% 기준",
        "visit50": "첫 방문 중앙값", "visit80": "첫 방문 80%",
        "needed_line": "{cohort}: 현재 완료 확률 {p}; 필요한 추가 인원 중앙값 기준 {n50}, 80% 기준 {n80}; "
                       "모든 아동 첫 방문 기준 {v50}(중앙값), {v80}(80%).",
        "out_of_reach": "불가",
        "alloc_runs": "배치안 비교는 안마다 200번 실행합니다(모든 안에 같은 난수 사용).",
        "cohort": "대상군", "role": "인력", "total_change": "{d} 미확인 예상: 현재 {a}명, 전담공무원 "
        "{k}명과 복지플래너 {m}명을 아래처럼 배치하면 {b}명.",
    },
}


def _t():
    return i18n.texts(T)


def summary() -> str:
    """The model in one line, shown next to every forecast."""
    return layout.definition("forecast_model")


def _pct(p) -> str:
    if p is None or pd.isna(p):
        return i18n.DASH
    if 0 < p < 0.01:
        return "<1 %"
    if 0.99 < p < 1:
        return ">99 %"
    return f"{p * 100:.0f} %"


def _short(d) -> str:
    return i18n.fmt_date(d)


def finish_text(row) -> str:
    """"likely 2–9 Apr" (the 80 % interval of the finish date), or why there is none."""
    t = _t()
    if row["listed"] and row["listed"] == row["seen"] and pd.notna(row["finish_p50"]):
        return t["done"].format(d=_short(row["finish_p50"]))
    if pd.isna(row["finish_p50"]):
        return t["not_within"]
    if pd.isna(row["finish_p90"]):
        return t["likely_from"].format(a=_short(row["finish_p10"]))
    if row["finish_p10"] == row["finish_p90"]:
        return t["likely_one"].format(a=_short(row["finish_p50"]))
    return t["likely"].format(a=_short(row["finish_p10"]), b=_short(row["finish_p90"]))


def headline(row, deadline: date) -> str:
    """"likely 2–9 Apr; 14 % chance to finish by 31 Mar"."""
    return (finish_text(row) + "; "
            + _t()["chance"].format(p=_pct(row["p_all_seen_by_deadline"]), d=_short(deadline)))


def seen_text(row, deadline: date) -> str:
    return _t()["seen_by"].format(
        d=_short(deadline), m=i18n.fmt_int(row["seen_by_deadline_p50"]),
        lo=i18n.fmt_int(row["seen_by_deadline_p10"]), hi=i18n.fmt_int(row["seen_by_deadline_p90"]),
        n=i18n.fmt_int(row["listed"]))


def forecast(district=data.FILTER, cohort=data.FILTER) -> pd.DataFrame:
    """The forecast rows the viewer may see; the city rows have district_code ""."""
    return data.fetch("completion_forecast", district=None, cohort=cohort) if district is None \
        else data.fetch("completion_forecast", district=district, cohort=cohort)


def overview(deadline: date) -> None:
    """Overview: the city's forecast per cohort (or the chosen district's), one line each."""
    f = filters.current()
    t = _t()

    def lines() -> list[tuple[str, str | None]]:
        """(markdown, caption) per cohort."""
        rows = forecast(district=None)
        rows = rows[rows["district_code"] == (f.district or "")]
        out = []
        for row in rows.sort_values("cohort").to_dict("records"):
            if row.get("listed_suppressed"):
                out.append((None, f"{i18n.cohort_name(row['cohort'])}: "
                                  f"{layout.definition('suppressed')}"))
            else:
                out.append((f"**{i18n.cohort_name(row['cohort'])}**: {headline(row, deadline)}",
                            seen_text(row, deadline)))
        return out

    st.subheader(t["head"], help=layout.definition("forecast_seen_by_deadline"))
    for markdown, caption in per_view.once("forecast_overview", lines, inputs=(deadline,)):
        if markdown is not None:
            st.markdown(markdown)
        st.caption(caption)
    st.caption(summary())


# --- The fan chart on the burn-up --------------------------------------------------------------

def _fitted(url: str, version: int, as_of: date):
    """The forecast's reading and fit for this database, data version and D, kept for the
    process: every fan chart and the allocation's baseline start from the same one (70 ms of
    160 at scale 1). Read-only; no person's data in the key."""
    from queries import forecast
    kept = memo.store("forecast_fit", ttl=data.RESULT_SECONDS, max_entries=20)
    return kept.get((url, version, as_of),
                    lambda: forecast.fit(queries.cache.engine(url), as_of))


@st.cache_data(ttl=300, show_spinner=False)
def _paths(url: str, version: int, as_of: date, district, cohort) -> pd.DataFrame:
    from queries.forecast import seen_paths
    return seen_paths(queries.cache.engine(url), as_of=as_of, district=district, cohort=cohort,
                      fitted=_fitted(url, version, as_of))


def add_fan(fig: go.Figure, paths: pd.DataFrame, labels: dict) -> go.Figure:
    """The forecast's 80 % band and median on a burn-up figure (pure: no Streamlit)."""
    if paths is None or paths.empty:
        return fig
    x = list(paths["date"]) + list(paths["date"])[::-1]
    y = list(paths["p90"]) + list(paths["p10"])[::-1]
    fig.add_trace(go.Scatter(x=x, y=y, fill="toself", mode="lines", line={"width": 0},
                             fillcolor="rgba(31, 119, 180, 0.18)", name=labels["fan"],
                             meta="forecast_band", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=paths["date"], y=paths["p50"], mode="lines",
                             line={"color": "rgba(31, 119, 180, 0.9)", "width": 2},
                             name=labels["fan_median"], meta="forecast_median"))
    return fig


def fan(fig: go.Figure, district: str | None, cohort=data.FILTER) -> go.Figure:
    """Add the fan for `district` (None: the city) and `cohort` (default: the filter's), where
    the viewer may see that district's forecast unsuppressed."""
    f = filters.current()
    cohort = f.cohort if cohort == data.FILTER else cohort
    if district is not None:
        rows = forecast(district=district)
        if rows.empty or data.any_suppressed(rows):
            return fig
    paths = _paths(data.db_url(), data.data_version(), f.as_of, district, cohort)
    return add_fan(fig, paths, _t())


def projection_label() -> str:
    return _t()["pace7"]


# --- The map measure ---------------------------------------------------------------------------

def map_values() -> pd.DataFrame:
    """district_code, p_all_seen_by_deadline for the cohort filter (both cohorts: the chance
    that both finish, the product of the two, as the model runs them independently)."""
    rows = forecast(district=None)
    rows = rows[rows["district_code"] != ""]
    rows = rows.assign(p=rows["p_all_seen_by_deadline"].astype(float).fillna(1.0)
                       .where(rows["listed"].fillna(1) > 0, 1.0))
    if "p_all_seen_by_deadline_suppressed" in rows:
        rows.loc[rows["p_all_seen_by_deadline_suppressed"].astype(bool), "p"] = float("nan")
    out = rows.groupby("district_code", as_index=False)["p"].apply(
        lambda s: s.prod(min_count=1) if s.notna().all() else float("nan"))
    return out.rename(columns={"p": "p_all_seen_by_deadline"})


def probability_scale(fig: go.Figure) -> go.Figure:
    """A chance is coloured on 0 to 100 % whatever the values, so that 0 % looks like 0 %."""
    fig.update_traces(zmin=0, zmax=1, selector={"meta": "value"})
    return fig


# --- Alerts on the daily briefing ----------------------------------------------------------------

def alerts_section(day: date) -> None:
    t = _t()
    st.subheader(t["alerts"])
    alerts = data.fetch("alerts", as_of=day, cohort=None)
    if alerts.empty:
        st.info(t["alerts_none"])
        return

    def summary() -> tuple[str, list[str]]:
        """The count line and the rules' definitions, once per view."""
        new = int((alerts["days_open"] == 1).sum())
        rules = sorted(alerts["rule"].unique())
        return (t["alerts_new"].format(n=new) + " · " + i18n.fmt_int(len(alerts)),
                [f"**{i18n.label('alert_' + r)}**: {layout.definition('alert_' + r)}"
                 for r in rules])

    caption, rules = per_view.once("alerts_summary", summary, inputs=(day,))
    st.caption(caption)

    def shown():
        # Fetched (and audited) above; only the making-ready is shared by the view.
        return alerts.assign(
            status=(alerts["days_open"] == 1).map({True: t["new"], False: ""}),
            rule_name=i18n.labels_of(alerts["rule"], "alert_"),
            district=i18n.district_names(alerts["district_code"]),
            child_id=alerts["child_id"].fillna(""),  # a district's alert names no child
            first_raised=pd.to_datetime(alerts["first_raised"]).dt.date,
        ).sort_values(["days_open", "rule", "district_code"], ascending=[True, True, True])[
            ["status", "rule_name", "district", "child_id", "first_raised", "days_open"]]

    layout.table(shown, key="briefing_alerts", filename=f"alerts_{day}.csv", inputs=(day,),
                 column_labels={"rule_name": t["rule"], "district": t["district"],
                                "child_id": t["child"], "first_raised": t["first_raised"],
                                "days_open": t["days_open"], "status": t["status"]})
    with st.expander(i18n.pick("The rules", "경보 규칙")):
        for rule in rules:
            st.markdown(rule)


# --- The staffing allocation ---------------------------------------------------------------------

def _allocation(url: str, version: int, as_of: date, officials: int, planners: int,
                scope_key: tuple) -> pd.DataFrame:
    """The allocation for these extra staff as the scope may see it (the policy applied before
    it is kept, the scope in the key), kept for the process like data.py's results. Built from
    one raw allocation per budget for every scope, itself from one baseline per D for every
    budget: a new budget (the what-if's inputs) only places the staff."""
    from queries import allocation

    def baseline():
        return allocation.baseline(queries.cache.engine(url), as_of,
                                   _fitted(url, version, as_of))

    def raw():
        base = memo.store("allocation_base", ttl=data.RESULT_SECONDS, max_entries=20).get(
            (url, version, as_of), baseline)
        if base is None:
            return pd.DataFrame(columns=list(allocation.COLUMNS))
        return allocation.allocation_rows(base, officials, planners)

    def build():
        df = memo.store("allocation_raw", ttl=data.RESULT_SECONDS, max_entries=100).get(
            (url, version, as_of, officials, planners), raw)
        return policy.apply("staffing_allocation", df, scoped.viewer_of(scope_key))
    kept = memo.store("allocation", ttl=data.RESULT_SECONDS, max_entries=500)
    return kept.get((url, version, as_of, officials, planners, scope_key), build).copy(deep=False)


def district_needed(code: str) -> None:
    """The what-if's district, by the forecast: extra staff needed to finish by the deadline
    (median, 80 %), and for every child to have had a first visit."""
    t = _t()
    f = filters.current()

    def lines() -> list[str]:
        df = _allocation(data.db_url(), data.data_version(), f.as_of, 0, 0, data.scope())
        rows = df[df["district_code"] == code]
        if rows.empty or data.any_suppressed(rows):
            return []
        return [t["needed_line"].format(
            cohort=i18n.cohort_name(r["cohort"]), n50=_n(r["needed_for_median"]),
            n80=_n(r["needed_for_80pct"]), v50=_n(r["needed_visited_median"]),
            v80=_n(r["needed_visited_80pct"]), p=_pct(r["p_all_before"]))
            for r in rows.sort_values("cohort").to_dict("records")]

    shown = per_view.once("district_needed", lines, inputs=(code,))
    if not shown:
        return
    st.markdown(f"**{t['needed_head']}**: {i18n.district_title(code)}")
    for line in shown:
        st.caption(line)


def _finish(d) -> str:
    return _t()["not_within"] if d is None or pd.isna(d) else _short(d)


def _n(x) -> str:
    return _t()["out_of_reach"] if x is None or pd.isna(x) else i18n.fmt_int(x)


def staffing_section(deadline: date) -> None:
    t = _t()
    f = filters.current()
    st.subheader(t["alloc_head"], help=layout.definition("staff_allocation"))
    st.caption(layout.definition("staff_allocation") + " " + summary() + " "
               + t["alloc_runs"])
    c1, c2 = st.columns(2)
    k = int(c1.number_input(t["alloc_officials"], 0, 60, 10, key="alloc_officials"))
    m = int(c2.number_input(t["alloc_planners"], 0, 200, 0, key="alloc_planners"))
    df = _allocation(data.db_url(), data.data_version(), f.as_of, k, m, data.scope())
    if df.empty:
        return
    # Read once per view and scenario (the allocation is kept per scope already).
    target, before, after, masked = per_view.once("alloc_summary", lambda: (
        pd.Timestamp(df["target_date"].iloc[0]).date(),
        df["expected_unseen_before"].sum(min_count=1),
        df["expected_unseen_after"].sum(min_count=1),
        data.any_suppressed(df)), inputs=(k, m))
    if f.as_of >= deadline:
        st.info(t["alloc_after"].format(d=_short(target)))
    if not masked:
        st.markdown(t["total_change"].format(d=_short(target), a=i18n.fmt_int(before),
                                             b=i18n.fmt_int(after), k=k, m=m))
    shown = per_view.once("alloc_shown", lambda: df.assign(
        district=i18n.district_names(df["district_code"]),
        cohort_name=i18n.cohort_names(df["cohort"]),
        p_all_before=df["p_all_before"].map(_pct),
        p_all_after=df["p_all_after"].map(_pct),
        # A finish beyond the forecast's horizon is said, not left as "None".
        finish_p50_before=df["finish_p50_before"].map(_finish),
        finish_p50_after=df["finish_p50_after"].map(_finish)), inputs=(k, m))
    cols = {"district": t["district"], "cohort_name": t["cohort"], "in_post": t["in_post"],
            "added": t["added"], "expected_unseen_before": t["unseen_before"],
            "expected_unseen_after": t["unseen_after"], "p_all_before": t["p_before"],
            "p_all_after": t["p_after"], "finish_p50_before": t["finish_before"],
            "finish_p50_after": t["finish_after"]}

    def placed():
        return (shown[shown["added"] > 0] if (shown["added"] > 0).any() else shown)[list(cols)]

    from geo import maps

    def added_map():
        per_district = df.groupby("district_code", as_index=False)["added"].sum()
        per_district["name"] = i18n.district_names(per_district["district_code"])
        return maps.choropleth(per_district, value="added", value_label=t["added"],
                               definition=layout.definition("staff_allocation"),
                               no_data_label=i18n.DASH, height_px=420)

    # The table and its map as tabs: the map says what the table's "Added" column says, and a
    # new tab then draws one chart on this page, not two (docs/shared-path.md).
    layout.chart_tabs("alloc_view", [
        (t["alloc_table"], lambda: layout.table(
            placed, key="alloc_table", inputs=(k, m), filename=f"allocation_{f.as_of}.csv",
            column_labels=cols)),
        (t["alloc_map"], lambda: layout.chart(added_map, key="alloc_map", inputs=(k, m)))])
    needed = {"district": t["district"], "cohort_name": t["cohort"], "in_post": t["in_post"],
              "needed_for_median": t["need50"], "needed_for_80pct": t["need80"],
              "needed_visited_median": t["visit50"], "needed_visited_80pct": t["visit80"]}
    st.markdown(f"**{t['needed_head']}**")
    st.caption(t["needed_note"])

    def needed_rows():
        out_of_reach = {c: shown[c].map(_n) for c in list(needed)[3:]}  # said, not "None"
        return shown[list(needed)].assign(**out_of_reach)

    layout.table(needed_rows, key="needed_table", inputs=(k, m),
                 filename=f"staff_needed_{f.as_of}.csv", column_labels=needed)
