"""District detail and comparison, for district heads: one district against the city and the
other districts, its own burn-up, and the children in it who are waiting."""
import pandas as pd
import streamlit as st

from pages.common import data, figures, filters, forecast_view, i18n, layout, per_view

T = {
    "en": {
        "title": "District detail",
        "subtitle": "How does {d} compare with the city and with the other districts?",
        "choose": "Choose a district here or in the sidebar (District) to see its detail.",
        "district": "District",
        "compare": "{d} against the city",
        "city": "City",
        "rank": "Rank among {n} districts",
        "measure": "Figure",
        "funnel": "Completion against size: is the difference more than chance?",
        "limits": "At the size of {d} ({n} listed) the 95 % limits are {a} to {b}, the 99.8 % "
                  "limits {c} to {e}, around the city rate of {p}.",
        "burnup": "Children seen and listed in {d}, day by day",
        "attention": "Children waiting in {d}",
        "none_waiting": "No child of this district is on the attention list.",
        "not_for_role": "The day-by-day figures of another district are not shown to district heads.",
        "child": "Child",
        "cohort": "Cohort",
        "reason": "Why",
        "staffing": "Staffing",
    },
    "ko": {
        "title": "자치구 상세",
        "subtitle": "{d}는 서울시 전체와 다른 자치구에 비해 어떤가?",
        "choose": "여기나 사이드바의 자치구에서 자치구를 고르면 상세 내용이 보입니다.",
        "district": "자치구",
        "compare": "{d}와 서울시 전체 비교",
        "city": "서울시",
        "rank": "자치구 {n}곳 중 순위",
        "measure": "지표",
        "funnel": "규모 대비 완료율: 차이가 우연 이상인가?",
        "limits": "{d}의 규모(대상 {n}명)에서 95% 한계는 {a}~{b}, 99.8% 한계는 {c}~{e}입니다 "
                  "(서울시 완료율 {p} 기준).",
        "burnup": "{d}의 일별 대면 확인 및 대상 아동",
        "attention": "{d}에서 대기 중인 아동",
        "none_waiting": "이 자치구에는 조치 대상 아동이 없습니다.",
        "not_for_role": "다른 자치구의 일별 수치는 자치구 책임자에게 보이지 않습니다.",
        "child": "아동",
        "cohort": "대상군",
        "reason": "사유",
        "staffing": "인력",
    },
}
COMPARED = ["listed", "seen", "completion_rate", "gap_to_plan", "pace_7d", "required_pace",
            "projected_completion", "unreachable"]
PERCENT = {"completion_rate", "gap_to_plan"}

layout.require_data()
t = i18n.texts(T)
f = filters.current()
programme = data.programme()
deadline = programme["deadline"]
# A district head lands on their own district; city viewers choose one (or read the funnel).
code = f.district or data.viewer().district_code
# Every district at the grain shown, with the city facts (city rate, ranks, funnel limits) from
# every district's unsuppressed counts: the same for every role.
comparison = data.comparison()
funnel_labels = {"districts": i18n.pick("Districts", "자치구"),
                 "city": i18n.pick("City rate", "서울시 완료율"),
                 "limit95": i18n.pick("95 % limits", "95% 한계"),
                 "limit998": i18n.pick("99.8 % limits", "99.8% 한계"),
                 "x": i18n.label("listed"), "y": i18n.label("completion_rate")}


def _funnel(highlight, selected_name):
    st.subheader(t["funnel"], help=layout.definition("funnel_limits"))

    def build():
        shown = comparison[~comparison["completion_rate_suppressed"]]
        points = shown.assign(name=i18n.district_labels(shown["district_code"]))
        city_rate = comparison["city_rate"].iloc[0] if len(comparison) else None
        return figures.funnel(points, highlight=highlight,
                              labels={**funnel_labels, "selected": selected_name},
                              city_rate=None if pd.isna(city_rate) else float(city_rate),
                              note=data.hidden_note(comparison))

    layout.chart(build, key="detail_funnel", inputs=(highlight, selected_name))
    st.caption(layout.definition("funnel_limits"))


if code is None:
    layout.page_header(t["title"])
    st.info(t["choose"])
    chosen = st.selectbox(i18n.pick("District", "자치구"), data.district_codes(), index=None,
                          placeholder=i18n.pick("Choose a district", "선택하세요"),
                          key="detail_choose", format_func=i18n.district_namer())
    if chosen:
        filters.request_district(chosen)  # the sidebar filter follows from the next run on
        st.rerun()
    _funnel(None, "")  # every district against the city, rather than an empty page
    st.stop()
name = i18n.district_title(code)  # for Markdown: titles, subheaders
layout.page_header(f"{t['title']}: {name}", t["subtitle"].format(d=name))

city = data.city_progress([]).iloc[0]
mine = comparison[comparison["district_code"] == code]


def _fmt(key, value):
    if key == "gap_to_plan":
        return i18n.fmt_points(value)
    if key in PERCENT:
        return i18n.fmt_rate(value)
    if key == "projected_completion":
        return i18n.fmt_date(value)
    if key in ("pace_7d", "required_pace"):
        return i18n.fmt_pace(value)
    return i18n.fmt_int(value)


def _rank(row, key) -> str:
    value = row.get(f"rank_{key}")
    return "" if value is None or pd.isna(value) else value


st.subheader(t["compare"].format(d=name))
if not mine.empty:
    row = mine.iloc[0]
    # Ranks "n / N" over every district with anyone listed, from unsuppressed counts.
    rank_head = t["rank"].format(n=int(row["districts_active"]))

    def compared():
        # Formatted and turned into Arrow once per view and district, not on every run.
        from streamlit import dataframe_util
        rows = [{"figure": i18n.label(k), t["district"]: _fmt(k, row[k]),
                 t["city"]: _fmt(k, city[k]), rank_head: _rank(row, k)} for k in COMPARED]
        return dataframe_util.convert_pandas_df_to_arrow_table(
            pd.DataFrame(rows).rename(columns={"figure": t["measure"]}))

    layout.dataframe(per_view.once("detail_compare", compared, inputs=(code,)),
                     key="detail_compare")
    cols = st.columns(3)
    cols[0].metric(i18n.label("completion_rate"), i18n.fmt_rate(row["completion_rate"]),
                   help=layout.definition("completion_rate"))
    cols[1].metric(i18n.label("gap_to_plan"), i18n.fmt_points(row["gap_to_plan"]),
                   help=layout.definition("gap_to_plan"))
    cols[2].metric(i18n.label("projected_completion"), i18n.fmt_date(row["projected_completion"]),
                   help=layout.definition("projected_completion"))

_funnel(code, i18n.district_labels(pd.Series([code])).iloc[0])
if not mine.empty and pd.notna(mine.iloc[0]["limit95_low"]):
    row = mine.iloc[0]
    st.caption(t["limits"].format(d=name, n=i18n.fmt_int(row["listed"]),
                                  a=i18n.fmt_rate(row["limit95_low"]),
                                  b=i18n.fmt_rate(row["limit95_high"]),
                                  c=i18n.fmt_rate(row["limit998_low"]),
                                  e=i18n.fmt_rate(row["limit998_high"]),
                                  p=i18n.fmt_rate(row["city_rate"])))

st.subheader(t["burnup"].format(d=name))
try:
    daily = data.fetch("city_progress_daily", district=code)
except PermissionError:
    st.info(t["not_for_role"])
else:
    if not daily.empty and not mine.empty:
        pace = mine.iloc[0]["pace_7d"]
        burnup_labels = {"listed": i18n.label("listed"), "seen": i18n.label("seen"),
                         "plan": i18n.label("plan_rate"),
                         "projection": forecast_view.projection_label(),
                         "deadline": i18n.label("deadline"), "x": i18n.pick("Day", "날짜"),
                         "y": i18n.pick("Children", "아동 수")}
        layout.chart(lambda: forecast_view.fan(
            figures.burnup(figures.sum_cohorts(daily), deadline=deadline,
                           pace=None if pd.isna(pace) else float(pace), labels=burnup_labels),
            code), key="detail_burnup", inputs=(code,))
        st.caption(forecast_view.summary())

st.subheader(t["staffing"])
staffing = data.fetch("staffing", district=code)
if not staffing.empty:
    s = staffing.iloc[0]
    cols = st.columns(4)
    for col, key in zip(cols, ("abuse_officials", "abuse_officials_target", "reports_per_official",
                               "neglect_remaining_per_planner")):
        value = s[key]
        shown = i18n.fmt_num(value, 1) if key.endswith(("official", "planner")) else i18n.fmt_int(value)
        col.metric(i18n.label(key), shown, help=layout.definition(key))

st.subheader(t["attention"].format(d=name))


def _ready(rows: pd.DataFrame, names: tuple) -> pd.DataFrame:
    """The list as shown, the longest waiting first (the query's declared order). Plain pandas
    on names taken in the run, so that the download can make the whole list ready off the
    script thread."""
    cohort_names, reason_names = names
    ordered = rows.sort_values(["since", "child_id", "reason"], ignore_index=True)
    return ordered.assign(
        days_waited=(pd.Timestamp(f.as_of) - pd.to_datetime(ordered["since"])).dt.days,
        cohort_name=ordered["cohort"].map(cohort_names),
        reason_name=ordered["reason"].map(reason_names),
        since=pd.to_datetime(ordered["since"]).dt.date,
    )[["child_id", "cohort_name", "reason_name", "since", "days_waited"]]


try:
    # A district head's child-level rows are always their own district's: asking for another
    # district's list would silently show theirs, so say plainly that it is not available.
    if data.viewer().child_rows_scope(code) != code:
        data.refuse("attention_list", district=code)  # audited as refused
    # The list's true count, then only the rows the page shows, sorted and cut by the
    # database; the whole list is the download, read when clicked.
    attention = data.fetch("attention_list", district=code, limit=layout.MAX_ROWS)
    total = int(data.fetch("attention_counts", district=code)["children"].sum())
except PermissionError:
    layout.not_for_role()
else:
    if attention.empty:
        st.info(t["none_waiting"])
    else:
        names = ({c: i18n.cohort_name(c) for c in filters.COHORTS},
                 {r: i18n.value_name("reason", r) for r in ("unreachable", "high_risk_no_referral")})
        whole = data.whole_list("attention_list", district=code)
        layout.table(lambda: _ready(attention, names), key="detail_attention", inputs=(code,),
                     total=total, download=lambda: _ready(whole(), names),
                     filename=f"attention_list_{code}_{f.as_of}.csv",
                     column_labels={"child_id": t["child"], "cohort_name": t["cohort"],
                                    "reason_name": t["reason"]})
