"""Staffing: officials and planners in post, their load, and what extra staff would change."""
import pandas as pd
import streamlit as st

from pages.common import data, filters, i18n, layout, whatif
from pages.common import figures_ops as figs

T = {
    "en": {
        "title": "Staffing",
        "subtitle": "Staff in post as of {as_of}: {scope}",
        "abuse_officials": "Officials in post", "abuse_officials_target": "Target",
        "officials": "Officials dedicated to child abuse",
        "welfare_planners": "Welfare planners", "reports_12m": "Reports (12 months)",
        "reports_per_official": "Reports per official", "teams_of_two": "Teams of two",
        "neglect_remaining_per_planner": "Neglect-risk children waiting per planner",
        "standard": "Standard", "over_standard": "Over the standard",
        "within_standard": "Within the standard",
        "target_head": "Officials in post against the target",
        "load_head": "Reports per official against the standard of {standard}",
        "teams_head": "Teams of two", "planner_head": "Neglect-risk children waiting per planner",
        "table_head": "Staffing per district", "district_name": "District",
        "whatif_head": "What if the district had more staff?",
        "whatif_assumption": (
            "Assumption: every person in post keeps visiting at the district's recent rate "
            "(children first seen per day over the last 7 days, divided by the staff in post), so "
            "extra staff raise the pace in proportion. Officials visit repeatedly reported "
            "children, welfare planners neglect-risk children. Travel, training and harder cases "
            "left for last are not modelled: read the result as a best case."),
        "whatif_district": "District", "add_officials": "Officials to add",
        "add_planners": "Welfare planners to add",
        "now": "Now", "with_added": "With the extra staff",
        "completion_officials": "Repeatedly reported: projected completion",
        "completion_planners": "Neglect risk: projected completion",
        "rpo": "Reports per official",
        "needed": "Officials needed for the standard: {n}",
        "deadline": "Deadline {deadline}",
        "status_complete": "Complete", "status_no_pace": "Not at the current pace",
        "status_no_staff": "Nobody in post",
        "late": "after the deadline", "on_time": "by the deadline",
        "days_earlier": "{n} days earlier",
        "no_programme": "The programme (deadline, staffing standard) is missing from the data.",
    },
    "ko": {
        "title": "인력 현황",
        "subtitle": "{as_of} 기준 인력: {scope}",
        "abuse_officials": "아동학대 전담공무원", "abuse_officials_target": "목표 인원",
        "officials": "아동학대 전담공무원",
        "welfare_planners": "복지플래너", "reports_12m": "신고 건수 (12개월)",
        "reports_per_official": "전담공무원 1인당 신고 건수", "teams_of_two": "2인 1조 팀 수",
        "neglect_remaining_per_planner": "복지플래너 1인당 미확인 방임 위기 아동",
        "standard": "기준", "over_standard": "기준 초과", "within_standard": "기준 이내",
        "target_head": "전담공무원 현원과 목표",
        "load_head": "전담공무원 1인당 신고 건수 (기준 {standard}건)",
        "teams_head": "2인 1조 팀 수", "planner_head": "복지플래너 1인당 미확인 방임 위기 아동",
        "table_head": "자치구별 인력 현황", "district_name": "자치구",
        "whatif_head": "인력을 늘리면?",
        "whatif_assumption": (
            "가정: 각 인원은 자치구의 최근 속도(최근 7일 동안 하루 평균 처음 확인한 아동 수를 "
            "현원으로 나눈 값)를 유지하므로, 추가 인력만큼 속도가 비례하여 늘어납니다. 전담공무원은 "
            "재신고 아동을, 복지플래너는 방임 위기 아동을 방문합니다. 이동·교육 시간이나 남은 "
            "사례의 난이도는 반영하지 않으므로 최선의 경우로 읽으십시오."),
        "whatif_district": "자치구", "add_officials": "추가 전담공무원",
        "add_planners": "추가 복지플래너",
        "now": "현재", "with_added": "인력 추가 시",
        "completion_officials": "재신고 아동: 예상 완료일",
        "completion_planners": "방임 위기 아동: 예상 완료일",
        "rpo": "전담공무원 1인당 신고 건수",
        "needed": "기준 충족에 필요한 전담공무원: {n}명",
        "deadline": "마감 {deadline}",
        "status_complete": "완료", "status_no_pace": "현재 속도로는 예측 불가",
        "status_no_staff": "현원 없음",
        "late": "마감 이후", "on_time": "마감 이내",
        "days_earlier": "{n}일 단축",
        "no_programme": "데이터에 사업 정보(마감일, 인력 기준)가 없습니다.",
    },
}

t = i18n.texts(T)
layout.require_data()
f = filters.current()
programme = data.programme() or {}
standard = programme.get("reports_per_official")
layout.page_header(t["title"], t["subtitle"].format(
    as_of=i18n.fmt_date(f.as_of), scope=i18n.district_name(f.district)))

staffing = i18n.with_names(data.fetch("staffing"))

# Selection figures from summed counts.
officials = int(data.selection_total("staffing", staffing, "abuse_officials"))
reports = int(data.selection_total("staffing", staffing, "reports_12m"))
cols = st.columns(4)
with cols[0]:
    layout.metric(t["abuse_officials"], i18n.fmt_int(officials),
                  layout.definition("abuse_officials"))
with cols[1]:
    layout.metric(t["abuse_officials_target"],
                  i18n.fmt_int(data.selection_total("staffing", staffing,
                                                    "abuse_officials_target")),
                  layout.definition("abuse_officials_target"))
with cols[2]:
    layout.metric(t["reports_per_official"],
                  i18n.fmt_num(reports / officials if officials else None),
                  layout.definition("reports_per_official"))
with cols[3]:
    layout.metric(t["welfare_planners"],
                  i18n.fmt_int(data.selection_total("staffing", staffing,
                                                    "welfare_planners")),
                  layout.definition("welfare_planners"))

st.subheader(t["target_head"], help=layout.definition("abuse_officials_target"))
st.plotly_chart(figs.in_post_vs_target(staffing, t), width="stretch",
                key="staffing_target")

st.subheader(t["load_head"].format(standard=i18n.fmt_int(standard)),
             help=layout.definition("reports_per_official"))
st.plotly_chart(figs.value_vs_standard(staffing, "reports_per_official", t, standard),
                width="stretch", key="staffing_load")

left, right = st.columns(2)
with left:
    st.subheader(t["teams_head"], help=layout.definition("teams_of_two"))
    st.plotly_chart(figs.count_by_district(staffing, "teams_of_two", t, colour=None),
                    width="stretch", key="staffing_teams")
with right:
    st.subheader(t["planner_head"], help=layout.definition("neglect_remaining_per_planner"))
    st.plotly_chart(figs.count_by_district(staffing, "neglect_remaining_per_planner", t,
                                           colour=None),
                    width="stretch", key="staffing_planners")

st.subheader(t["table_head"])
layout.table(
    staffing.sort_values("district_name")[
        ["district_name", "abuse_officials", "abuse_officials_target", "welfare_planners",
         "reports_12m", "reports_per_official", "teams_of_two", "neglect_remaining_per_planner"]],
    key="staffing_table", filename="staffing.csv", column_labels=t)

# --- What-if: one district, more staff ------------------------------------------------------
st.subheader(t["whatif_head"])
st.caption(t["whatif_assumption"])
if not programme:
    st.warning(t["no_programme"])
    st.stop()

# Any district may be chosen, whatever the district filter; it starts on the filter's district.
codes = data.district_codes()
default = codes.index(f.district) if f.district in codes else 0
c1, c2, c3 = st.columns(3)
with c1:
    code = st.selectbox(t["whatif_district"], codes, index=default,
                        format_func=i18n.district_name, key="whatif_district")
with c2:
    add_officials = st.number_input(t["add_officials"], 0, 100, 0, key="whatif_officials")
with c3:
    add_planners = st.number_input(t["add_planners"], 0, 500, 0, key="whatif_planners")

row = data.fetch("staffing", district=code).iloc[0]
progress = data.fetch("district_progress", district=code, cohort=None)


def scenario(cohort: str, staff, added: int) -> whatif.Scenario:
    p = progress[progress["cohort"] == cohort]
    pace = p["pace_7d"].dropna()
    return whatif.Scenario(
        as_of=f.as_of, deadline=programme["deadline"],
        remaining=int((p["listed"] - p["seen"]).sum()),
        pace_7d=float(pace.sum()) if len(pace) else None,
        staff=0 if pd.isna(staff) else int(staff), added=int(added))


def describe(p: whatif.Projection) -> str:
    if p.status == whatif.PROJECTED:
        return f"{i18n.fmt_date(p.completion)} ({t['on_time'] if p.on_time else t['late']})"
    return t["status_" + p.status]


st.caption(t["deadline"].format(deadline=i18n.fmt_date(programme["deadline"])))
for cohort, staff, added, label in (
        ("repeat_report", row["abuse_officials"], add_officials, "completion_officials"),
        ("neglect_risk", row["welfare_planners"], add_planners, "completion_planners")):
    if data.any_suppressed(progress[progress["cohort"] == cohort]):
        # Small counts of another district are masked for a district head: no projection.
        st.info(f"{t[label]}: {layout.definition('suppressed')}")
        continue
    s = scenario(cohort, staff, added)
    before, after = whatif.project(s, added=0), whatif.project(s)
    saved = whatif.days_saved(before, after)
    a, b = st.columns(2)
    with a:
        layout.metric(f"{t[label]} · {t['now']}", describe(before),
                      layout.definition("projected_completion"))
    with b:
        layout.metric(f"{t[label]} · {t['with_added']}", describe(after),
                      t["whatif_assumption"])
        if saved:
            st.caption(t["days_earlier"].format(n=saved))

reports_12m = None if pd.isna(row["reports_12m"]) else int(row["reports_12m"])
rpo_now = whatif.reports_per_official(reports_12m, int(row["abuse_officials"]))
rpo_new = whatif.reports_per_official(reports_12m, int(row["abuse_officials"]),
                                      int(add_officials))
a, b = st.columns(2)
with a:
    layout.metric(f"{t['rpo']} · {t['now']}", i18n.fmt_num(rpo_now),
                  layout.definition("reports_per_official"))
with b:
    layout.metric(f"{t['rpo']} · {t['with_added']}", i18n.fmt_num(rpo_new),
                  layout.definition("reports_per_official"))
needed = whatif.officials_needed(reports_12m, int(standard))
st.caption(t["needed"].format(n=i18n.fmt_int(needed)))
