"""Staffing: officials and planners in post, their load, and what extra staff would change."""
import pandas as pd
import streamlit as st

from pages.common import data, filters, forecast_view, i18n, layout, per_view, whatif
from pages.common import figures_ops as figs

T = {
    "en": {
        "title": "Staffing",
        "subtitle": "Staff in post as of {as_of}: {scope}",
        "officials": "Officials dedicated to child abuse",
        "standard": "Standard", "over_standard": "Over the standard",
        "within_standard": "Within the standard",
        "target_head": "Officials in post against the target",
        "load_head": "Reports per official against the standard of {standard}",
        "teams_head": "Teams of two", "planner_head": "Neglect-risk children waiting per planner",
        "table_head": "Staffing per district", "district_name": "District",
        "tabs": ["Officials and target", "Reports per official", "Teams of two",
                 "Neglect per planner"],
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
        "needed": "Officials needed for the standard of {standard} reports each: {n} in total, "
                  "{more} more than in post.",
        "needed_met": "Officials needed for the standard of {standard} reports each: {n} in "
                      "total; the {in_post} in post meet it.",
        "in_post": "{n} in post",
        "answer_officials": "{district} needs {n} more officials ({in_post} in post) to finish "
                            "the repeatedly reported children by {deadline} at the current pace "
                            "per person.",
        "answer_planners": "{district} needs {n} more welfare planners ({in_post} in post) to "
                           "finish the neglect-risk children by {deadline} at the current pace "
                           "per person.",
        "enough_officials": "{district} finishes the repeatedly reported children by {deadline} "
                            "with the {in_post} officials in post, at the current pace.",
        "enough_planners": "{district} finishes the neglect-risk children by {deadline} with the "
                           "{in_post} welfare planners in post, at the current pace.",
        "passed": "The deadline ({deadline}) has passed: {what} reached {reached} at the current "
                  "pace.",
        "passed_none": "The deadline ({deadline}) has passed, and nobody was first seen in the "
                       "last 7 days: {what} has no date at the current pace.",
        "what_officials": "the repeatedly reported children are all seen by",
        "what_planners": "the neglect-risk children are all seen by",
        "answer_complete": "{district}: every child of this cohort has been seen.",
        "answer_no_pace": "{district}: nobody was first seen in the last 7 days, so the pace per "
                          "person, and the staff needed, are unknown.",
        "answer_no_staff": "{district}: nobody is in post, so the pace per person is unknown.",
        "deadline_note": "Deadline {deadline}",
        "status_complete": "Complete", "status_no_pace": "Not at the current pace",
        "status_no_staff": "Nobody in post",
        "late": "after the deadline", "on_time": "by the deadline",
        "days_earlier": "{n} days earlier",
        "no_programme": "The programme (deadline, staffing standard) is missing from the data.",
        "whatif_no_district": "The chosen district is no longer in the data: choose another.",
    },
    "ko": {
        "title": "인력 현황",
        "subtitle": "{as_of} 기준 인력: {scope}",
        "officials": "아동학대 전담공무원",
        "standard": "기준", "over_standard": "기준 초과", "within_standard": "기준 이내",
        "target_head": "전담공무원 현원과 목표",
        "load_head": "전담공무원 1인당 신고 건수 (기준 {standard}건)",
        "teams_head": "2인 1조 팀 수", "planner_head": "복지플래너 1인당 미확인 방임 위기 아동",
        "table_head": "자치구별 인력 현황", "district_name": "자치구",
        "tabs": ["현원과 목표", "1인당 신고", "2인 1조 팀", "플래너당 방임 위기 아동"],
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
        "needed": "1인당 신고 {standard}건 기준에 필요한 전담공무원: 모두 {n}명, 현원보다 {more}명 더.",
        "needed_met": "1인당 신고 {standard}건 기준에 필요한 전담공무원: 모두 {n}명. 현원 {in_post}명으로 "
                      "충족합니다.",
        "in_post": "현원 {n}명",
        "answer_officials": "{district}는 지금 1인당 속도로 {deadline}까지 재신고 아동을 마치려면 전담공무원이 "
                            "{n}명 더 필요합니다 (현원 {in_post}명).",
        "answer_planners": "{district}는 지금 1인당 속도로 {deadline}까지 방임 위기 아동을 마치려면 "
                           "복지플래너가 {n}명 더 필요합니다 (현원 {in_post}명).",
        "enough_officials": "{district}는 현원 전담공무원 {in_post}명으로 지금 속도라면 {deadline}까지 재신고 "
                            "아동을 마칩니다.",
        "enough_planners": "{district}는 현원 복지플래너 {in_post}명으로 지금 속도라면 {deadline}까지 방임 "
                           "위기 아동을 마칩니다.",
        "passed": "마감일({deadline})이 지났습니다: 지금 속도라면 {what} {reached}에 마칩니다.",
        "passed_none": "마감일({deadline})이 지났고, 최근 7일에 처음 확인한 아동이 없어 {what} 완료일을 "
                       "예측할 수 없습니다.",
        "what_officials": "재신고 아동은",
        "what_planners": "방임 위기 아동은",
        "answer_complete": "{district}: 이 대상군의 모든 아동을 확인했습니다.",
        "answer_no_pace": "{district}: 최근 7일에 처음 확인한 아동이 없어 1인당 속도와 필요 인력을 알 수 "
                          "없습니다.",
        "answer_no_staff": "{district}: 현원이 없어 1인당 속도를 알 수 없습니다.",
        "deadline_note": "마감 {deadline}",
        "status_complete": "완료", "status_no_pace": "현재 속도로는 예측 불가",
        "status_no_staff": "현원 없음",
        "late": "마감 이후", "on_time": "마감 이내",
        "days_earlier": "{n}일 단축",
        "no_programme": "데이터에 사업 정보(마감일, 인력 기준)가 없습니다.",
        "whatif_no_district": "선택한 구가 더 이상 데이터에 없습니다. 다른 구를 선택하세요.",
    },
}

t = i18n.texts(T)
layout.require_data()
f = filters.current()
programme = data.programme() or {}
standard = programme.get("reports_per_official")
layout.page_header(t["title"], t["subtitle"].format(
    as_of=i18n.fmt_date(f.as_of), scope=i18n.district_title(f.district)))

staffing = per_view.frame("staffing", lambda: i18n.with_names(data.fetch("staffing")))

# Selection figures from summed counts.
officials = data.selection_total("staffing", staffing, "abuse_officials")
reports = data.selection_total("staffing", staffing, "reports_12m")
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


def _target():
    st.subheader(t["target_head"], help=layout.definition("abuse_officials_target"))
    layout.chart(lambda: figs.in_post_vs_target(staffing, t), key="staffing_target")


def _load():
    st.subheader(t["load_head"].format(standard=i18n.fmt_int(standard)),
                 help=layout.definition("reports_per_official"))
    layout.chart(lambda: figs.value_vs_standard(staffing, "reports_per_official", t, standard),
                 key="staffing_load")


def _teams():
    st.subheader(t["teams_head"], help=layout.definition("teams_of_two"))
    layout.chart(lambda: figs.count_by_district(staffing, "teams_of_two", t, colour=None),
                 key="staffing_teams")


def _planners():
    st.subheader(t["planner_head"], help=layout.definition("neglect_remaining_per_planner"))
    layout.chart(lambda: figs.count_by_district(staffing, "neglect_remaining_per_planner", t,
                                                colour=None), key="staffing_planners")


# One chart drawn at a time (layout.chart_tabs): a new tab draws one plotly chart, not four.
layout.chart_tabs("staffing_charts", list(zip(t["tabs"], (_target, _load, _teams, _planners))))

st.subheader(t["table_head"])
layout.table(
    lambda: staffing.sort_values("district_name")[
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
filters.hold("whatif_district", codes,
             f.district if f.district in codes else (codes[0] if codes else None))
code = st.selectbox(t["whatif_district"], codes, format_func=i18n.district_namer(),
                    key="whatif_district")
chosen = data.fetch("staffing", district=code)
if chosen.empty:  # the district left the data since the list was read: say so, no traceback
    st.warning(t["whatif_no_district"])
    st.stop()
row = chosen.iloc[0]
progress = data.fetch("district_progress", district=code, cohort=None)
in_post = {"officials": 0 if pd.isna(row["abuse_officials"]) else int(row["abuse_officials"]),
           "planners": 0 if pd.isna(row["welfare_planners"]) else int(row["welfare_planners"])}
c1, c2 = st.columns(2)
with c1:  # staff in post next to the inputs, so the number added reads against it
    add_officials = st.number_input(t["add_officials"], 0, 100, 0, key="whatif_officials")
    st.caption(t["in_post"].format(n=i18n.fmt_int(in_post["officials"])))
with c2:
    add_planners = st.number_input(t["add_planners"], 0, 500, 0, key="whatif_planners")
    st.caption(t["in_post"].format(n=i18n.fmt_int(in_post["planners"])))


def scenario(cohort: str, staff: int, added: int) -> whatif.Scenario:
    p = progress[progress["cohort"] == cohort]
    pace = p["pace_7d"].dropna()
    return whatif.Scenario(
        as_of=f.as_of, deadline=programme["deadline"],
        remaining=int((p["listed"] - p["seen"]).sum()),
        pace_7d=float(pace.sum()) if len(pace) else None, staff=staff, added=int(added))


def describe(p: whatif.Projection) -> str:
    if p.status == whatif.PROJECTED:
        return f"{i18n.fmt_date(p.completion)} ({t['on_time'] if p.on_time else t['late']})"
    return t["status_" + p.status]


def verdict(answer: whatif.StaffAnswer, who: str) -> str:
    """The what-if's answer in one sentence (computed by whatif.staff_to_finish)."""
    words = dict(district=i18n.district_title(code), in_post=i18n.fmt_int(in_post[who]),
                 deadline=i18n.fmt_date(programme["deadline"]))
    if answer.status == whatif.NEEDED:
        key = "answer_" if answer.added else "enough_"
        return t[key + who].format(n=i18n.fmt_int(answer.added), **words)
    if answer.status == whatif.DEADLINE_PASSED:
        if answer.completion is None:
            return t["passed_none"].format(what=t["what_" + who], **words)
        return t["passed"].format(what=t["what_" + who],
                                  reached=i18n.fmt_date(answer.completion), **words)
    return t["answer_" + answer.status].format(**words)


st.caption(t["deadline_note"].format(deadline=i18n.fmt_date(programme["deadline"])))
COHORT_STAFF = (("repeat_report", "officials", "completion_officials"),
                ("neglect_risk", "planners", "completion_planners"))


def _answers() -> list:
    """Per cohort: None when masked, else (late, verdict, now, with the added staff, days
    saved). Worked out once per view, district and numbers added (per_view)."""
    out = []
    for cohort, who, _ in COHORT_STAFF:
        if data.any_suppressed(progress[progress["cohort"] == cohort]):
            out.append(None)
            continue
        s = scenario(cohort, in_post[who], {"officials": add_officials,
                                            "planners": add_planners}[who])
        answer = whatif.staff_to_finish(s)
        late = bool(answer.status == whatif.DEADLINE_PASSED or answer.added)
        before, after = whatif.project(s, added=0), whatif.project(s)
        out.append((late, verdict(answer, who), describe(before), describe(after),
                    whatif.days_saved(before, after)))
    return out


for (cohort, who, label), found in zip(COHORT_STAFF, per_view.once(
        "staffing_whatif", _answers, inputs=(code, int(add_officials), int(add_planners)))):
    if found is None:
        # Small counts of another district are masked for a district head: no projection.
        st.info(f"{t[label]}: {layout.definition('suppressed')}")
        continue
    late, said, now, with_added, saved = found
    (st.warning if late else st.success)(said)
    a, b = st.columns(2)
    with a:
        layout.metric(f"{t[label]} · {t['now']}", now, layout.definition("projected_completion"))
    with b:
        layout.metric(f"{t[label]} · {t['with_added']}", with_added, t["whatif_assumption"])
        if saved:
            st.caption(t["days_earlier"].format(n=saved))

reports_12m = None if pd.isna(row["reports_12m"]) else int(row["reports_12m"])
rpo_now = whatif.reports_per_official(reports_12m, in_post["officials"])
rpo_new = whatif.reports_per_official(reports_12m, in_post["officials"], int(add_officials))
a, b = st.columns(2)
with a:
    layout.metric(f"{t['rpo']} · {t['now']}", i18n.fmt_num(rpo_now),
                  layout.definition("reports_per_official"))
with b:
    layout.metric(f"{t['rpo']} · {t['with_added']}", i18n.fmt_num(rpo_new),
                  layout.definition("reports_per_official"))
needed = whatif.officials_needed(reports_12m, int(standard))
if needed is not None:
    more = needed - in_post["officials"]
    st.caption((t["needed"] if more > 0 else t["needed_met"]).format(
        standard=i18n.fmt_int(standard), n=i18n.fmt_int(needed), more=i18n.fmt_int(more),
        in_post=i18n.fmt_int(in_post["officials"])))

forecast_view.district_needed(code)
forecast_view.staffing_section(programme["deadline"])
