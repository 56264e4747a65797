"""Daily briefing, for the Child Abuse Response Team every morning: what changed on the day,
which children need action now, which districts need a call. Prints cleanly from the browser."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from pages.common import data, filters, i18n, layout, summaries

T = {
    "en": {
        "title": "Daily briefing",
        "subtitle": "What changed on the day, who needs action now, which districts to call.",
        "day": "Day",
        "day_help": "The day of the briefing; by default the newest day in the data.",
        "changes": "What changed on {d} (compared with the day before)",
        "by_district": "Changes by district",
        "attention": "Children who need action now",
        "attention_note": "Waiting: days from the day the child started waiting to the briefing day.",
        "calls": "Districts that need a call today",
        "calls_none": "No district is behind plan or far below the pace needed.",
        "behind": "behind plan",
        "slow": "pace far below needed",
        "reason": "Why",
        "district": "District",
        "cohort": "Cohort",
        "child": "Child",
        "print": "To print: use the browser's Print (Ctrl+P); the sidebar and buttons are left out.",
        "none_waiting": "No child on the attention list.",
    },
    "ko": {
        "title": "일일 브리핑",
        "subtitle": "그날 바뀐 것, 지금 조치가 필요한 아동, 연락할 자치구.",
        "day": "날짜",
        "day_help": "브리핑 날짜. 기본값은 자료의 가장 최근 날짜입니다.",
        "changes": "{d}의 변화 (전날 대비)",
        "by_district": "자치구별 변화",
        "attention": "지금 조치가 필요한 아동",
        "attention_note": "대기 일수: 대기 시작일부터 브리핑 날짜까지의 일수.",
        "calls": "오늘 연락할 자치구",
        "calls_none": "계획보다 늦거나 필요 속도에 크게 못 미치는 자치구가 없습니다.",
        "behind": "계획보다 늦음",
        "slow": "필요 속도에 크게 못 미침",
        "reason": "사유",
        "district": "자치구",
        "cohort": "대상군",
        "child": "아동",
        "print": "인쇄: 브라우저의 인쇄(Ctrl+P)를 사용하십시오. 사이드바와 버튼은 빠집니다.",
        "none_waiting": "조치 대상 아동이 없습니다.",
    },
}
CHANGES = ["newly_seen", "new_referrals", "new_police_referrals", "new_high_risk"]
DAY_KEY = "briefing_day"

# Printing: the briefing is handed round on paper, so leave out the app's furniture.
PRINT_CSS = """
<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stDownloadButton"], [data-testid="stBaseButton-secondary"],
  [data-testid="stDateInput"], [data-testid="stElementToolbar"], .stButton { display: none !important; }
  [data-testid="stMain"], [data-testid="stAppViewContainer"] { margin: 0 !important; padding: 0 !important; }
  [data-testid="stMainBlockContainer"] { padding: 0 1cm !important; max-width: 100% !important; }
  [data-testid="stVerticalBlock"] { break-inside: avoid-page; }
}
</style>
"""

layout.require_data()
t = i18n.texts(T)
f = filters.current()
programme = data.programme()
st.markdown(PRINT_CSS, unsafe_allow_html=True)
layout.page_header(t["title"], t["subtitle"])

newest = data.default_as_of()
start = min(programme["start_date"], newest)
if not (isinstance(st.session_state.get(DAY_KEY), type(newest))
        and start <= st.session_state[DAY_KEY] <= newest):
    st.session_state[DAY_KEY] = f.as_of if start <= f.as_of <= newest else newest
day = st.date_input(t["day"], key=DAY_KEY, min_value=start, max_value=newest,
                    help=t["day_help"], format="YYYY-MM-DD")
st.caption(t["print"])

today = data.fetch("daily_changes", as_of=day)
before = data.fetch("daily_changes", as_of=day - timedelta(days=1))

st.subheader(t["changes"].format(d=i18n.fmt_date(day)))
cols = st.columns(len(CHANGES))
for col, key in zip(cols, CHANGES):
    now = today[key].sum(skipna=False)
    prev = before[key].sum(skipna=False)
    delta = None if pd.isna(now) or pd.isna(prev) else int(now - prev)
    col.metric(i18n.label(key), i18n.fmt_int(now), delta=delta, delta_color="off",
               help=layout.definition(key))

with st.expander(t["by_district"], expanded=True):
    changes = data.visible(today).assign(
        district=lambda d: i18n.district_names(d["district_code"]))
    changes = changes.sort_values(CHANGES, ascending=False)[["district", "district_code", *CHANGES]]
    layout.table(changes, key="briefing_changes", filename=f"daily_changes_{day}.csv",
                 column_labels={"district": t["district"]})

st.subheader(t["attention"])
try:
    attention = data.fetch("attention_list", as_of=day)
except PermissionError:
    layout.not_for_role()
else:
    if attention.empty:
        st.info(t["none_waiting"])
    else:
        counts = attention.groupby("reason").size()
        cols = st.columns(max(len(counts), 1))
        for col, (reason, n) in zip(cols, counts.items()):
            col.metric(i18n.value_name("reason", reason), i18n.fmt_int(n),
                       help=layout.definition(f"attention_{reason}"))
        waited = attention.assign(
            days_waited=(pd.Timestamp(day) - pd.to_datetime(attention["since"])).dt.days,
            district=i18n.district_names(attention["district_code"]),
            reason_name=attention["reason"].map(lambda r: i18n.value_name("reason", r)),
            cohort_name=attention["cohort"].map(i18n.cohort_name),
            since=pd.to_datetime(attention["since"]).dt.date,
        ).sort_values(["days_waited", "child_id"], ascending=[False, True])
        shown = waited[["child_id", "district", "cohort_name", "reason_name", "since",
                        "days_waited"]]
        layout.table(shown, key="briefing_attention", filename=f"attention_list_{day}.csv",
                     column_labels={"child_id": t["child"], "district": t["district"],
                                    "cohort_name": t["cohort"], "reason_name": t["reason"]})
        st.caption(t["attention_note"])

st.subheader(t["calls"], help=layout.definition("needs_call"))
progress = data.fetch("district_progress", district=None, as_of=day)
by_district = summaries.summarise(progress, ["district_code"], as_of=day,
                                  deadline=programme["deadline"])
calls = summaries.needs_call(by_district)
if calls.empty:
    st.success(t["calls_none"])
else:
    calls = calls.assign(
        district=i18n.district_names(calls["district_code"]),
        why=[", ".join(w for w, on in ((t["behind"], b), (t["slow"], s)) if on)
             for b, s in zip(calls["reason_behind"], calls["reason_slow"])],
    )
    shown = calls[["district", "why", "completion_rate", "plan_rate", "gap_to_plan", "pace_7d",
                   "required_pace"]]
    st.dataframe(
        shown.rename(columns={"district": t["district"], "why": t["reason"]}
                     | {c: i18n.label(c) for c in shown.columns[2:]}),
        hide_index=True, key="briefing_calls",
        column_config={i18n.label(c): st.column_config.NumberColumn(format="percent")
                       for c in ("completion_rate", "plan_rate", "gap_to_plan")}
                      | {i18n.label(c): st.column_config.NumberColumn(format="%.1f")
                         for c in ("pace_7d", "required_pace")},
    )
