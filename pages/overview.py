"""Overview, for the Deputy Mayor's office: will we finish by the deadline, which districts are
behind, how many children were linked to the police, agencies and services."""
import pandas as pd
import streamlit as st

from pages.common import data, figures, filters, forecast_view, i18n, layout, per_view

T = {
    "en": {
        "title": "Overview",
        "subtitle": "Will every listed child be seen by the deadline? For the Deputy Mayor's office.",
        "cohorts": "Progress per cohort",
        "of_listed": "of {n} listed",
        "vs_plan": "{pp:+.1f} pt vs plan ({plan})",
        "projected": "Projected completion at the last 7 days' pace",
        "not_at_pace": "not at the current pace",
        "after_deadline": "{n} days after the deadline",
        "before_deadline": "{n} days before the deadline",
        "on_deadline": "on the deadline",
        "pace_needed": "Pace needed",
        "pace_now": "now {p} a day",
        "per_day": "{p} a day",
        "deadline_passed": "deadline passed",
        "burnup": "Children seen and listed, day by day",
        "burnup_note": "Straight-line plan to the deadline on {d}; the projection continues the "
                       "pace of the last 7 days.",
        "districts": "Districts",
        "behind": "{n} of {total} districts behind plan",
        "gap_chart": "Gap to plan per district (completion minus plan)",
        "referrals": "Children linked to the police, agencies and services",
        "police": "Police investigation",
        "agencies": "Protection agency / emergency",
        "services": "Services and follow-up",
        "referral_note": "Children counted per kind of referral; a child with referrals of two "
                         "kinds counts in both.",
        "no_daily": "No daily figures for this scope.",
        "not_for_role": "The day-by-day figures of another district are not shown to district heads.",
        "scope": "Scope: {district}, {cohort}",
    },
    "ko": {
        "title": "종합 현황",
        "subtitle": "마감일까지 명단의 모든 아동을 확인할 수 있는가? 여성가족정책실용 요약.",
        "cohorts": "대상군별 진행",
        "of_listed": "대상 {n}명 중",
        "vs_plan": "계획 대비 {pp:+.1f}%p (계획 {plan})",
        "projected": "최근 7일 속도로 본 완료 예상일",
        "not_at_pace": "현재 속도로는 예측 불가",
        "after_deadline": "마감일보다 {n}일 늦음",
        "before_deadline": "마감일보다 {n}일 빠름",
        "on_deadline": "마감일 당일",
        "pace_needed": "필요 속도",
        "pace_now": "현재 하루 {p}명",
        "per_day": "하루 {p}명",
        "deadline_passed": "마감일 지남",
        "burnup": "일별 대면 확인 및 대상 아동",
        "burnup_note": "마감일({d})까지의 직선 계획; 예측선은 최근 7일 속도를 이어 그린 것입니다.",
        "districts": "자치구",
        "behind": "자치구 {total}곳 중 {n}곳이 계획보다 늦음",
        "gap_chart": "자치구별 계획 대비 차이 (완료율 − 계획 진도)",
        "referrals": "경찰·기관·서비스로 연계된 아동",
        "police": "경찰 수사",
        "agencies": "아동보호전문기관 / 응급 보호",
        "services": "서비스·사후 관리",
        "referral_note": "연계 종류별로 센 아동 수입니다. 두 종류로 연계된 아동은 양쪽에 모두 셉니다.",
        "no_daily": "이 범위의 일별 자료가 없습니다.",
        "not_for_role": "다른 자치구의 일별 수치는 자치구 책임자에게 보이지 않습니다.",
        "scope": "범위: {district}, {cohort}",
    },
}
KIND_GROUPS = {
    "police": ("police_investigation",),
    "agencies": ("protection_agency", "emergency_protection"),
    "services": ("welfare_service", "medical", "follow_up"),
}

layout.require_data()
t = i18n.texts(T)
f = filters.current()
programme = data.programme()
deadline = programme["deadline"]
layout.page_header(t["title"], t["subtitle"])
st.caption(t["scope"].format(district=i18n.district_title(f.district),
                             cohort=i18n.cohort_name(f.cohort)))


def _per_cohort() -> list[dict]:
    if f.district is None:
        # The city's own totals are public to every role: summed on the server, never from
        # suppressed district rows.
        return data.city_progress(["cohort"]).to_dict("records")

    # One district, each cohort suppressed at its own grain (for a head looking at another
    # district): never a sum of masked cells.
    def _row(cohort):
        rows = data.comparison(cohort=cohort)
        return rows[rows["district_code"] == f.district].assign(cohort=cohort)

    cohorts = [f.cohort] if f.cohort else list(filters.COHORTS)
    return (pd.concat([_row(c) for c in cohorts], ignore_index=True).sort_values("cohort")
            .to_dict("records"))


per_cohort = per_view.once("overview_cohorts", _per_cohort)  # shared by the view: read only
try:
    by_cohort_daily = data.fetch("city_progress_daily")
except PermissionError:  # another district's day-by-day figures, for a district head
    by_cohort_daily = None

def _projection_text(row) -> tuple[str, str | None]:
    if pd.isna(row["projected_completion"]):
        return i18n.DASH, t["not_at_pace"]
    days = int(row["days_after_deadline"])
    if days > 0:
        return i18n.fmt_date(row["projected_completion"]), t["after_deadline"].format(n=days)
    if days < 0:
        return i18n.fmt_date(row["projected_completion"]), t["before_deadline"].format(n=-days)
    return i18n.fmt_date(row["projected_completion"]), t["on_deadline"]


st.subheader(t["cohorts"])
for row in per_cohort:
    st.markdown(f"**{i18n.cohort_name(row['cohort'])}**")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(i18n.label("listed"), i18n.fmt_int(row["listed"]), help=layout.definition("listed"))
    gap = row["gap_to_plan"]
    c2.metric(i18n.label("completion_rate"), i18n.fmt_rate(row["completion_rate"]),
              delta=None if pd.isna(gap) else t["vs_plan"].format(
                  pp=gap * 100, plan=i18n.fmt_rate(row["plan_rate"])),
              delta_color="green" if pd.isna(gap) or gap >= 0 else "red",
              delta_arrow="up" if pd.isna(gap) or gap >= 0 else "down",
              help=layout.definition("completion_rate") + "\n\n" + layout.definition("plan_rate"))
    value, note = _projection_text(row)
    late = pd.notna(row["days_after_deadline"]) and row["days_after_deadline"] > 0
    c3.metric(t["projected"], value, delta=note, delta_arrow="off",
              delta_color="red" if late or pd.isna(row["projected_completion"]) else "green",
              help=layout.definition("projected_completion"))
    if pd.isna(row["required_pace"]):
        c4.metric(t["pace_needed"], i18n.DASH, delta=t["deadline_passed"], delta_arrow="off",
                  delta_color="gray", help=layout.definition("required_pace"))
    else:
        slow = pd.notna(row["pace_ratio"]) and row["pace_ratio"] < 1
        c4.metric(t["pace_needed"], t["per_day"].format(p=i18n.fmt_pace(row["required_pace"])),
                  delta=t["pace_now"].format(p=i18n.fmt_pace(row["pace_7d"])), delta_arrow="off",
                  delta_color="red" if slow else "green",
                  help=layout.definition("required_pace") + "\n\n" + layout.definition("pace_7d"))
    # The three parts add up to Listed; unreachable children are among the visited, not seen.
    st.caption(f"{i18n.label('seen')}: {i18n.fmt_int(row['seen'])} · "
               f"{i18n.label('attempted_not_seen')}: {i18n.fmt_int(row['attempted_not_seen'])} "
               f"({i18n.label('unreachable')}: {i18n.fmt_int(row['unreachable'])}) · "
               f"{i18n.label('not_attempted')}: {i18n.fmt_int(row['not_attempted'])}")

forecast_view.overview(deadline)

st.subheader(t["burnup"])
if by_cohort_daily is None:
    st.info(t["not_for_role"])
else:
    labels = {k: i18n.label(k) for k in ("listed", "seen")}
    labels.update(plan=i18n.label("plan_rate"), projection=forecast_view.projection_label(),
                  deadline=i18n.label("deadline"), x=i18n.pick("Day", "날짜"),
                  y=i18n.pick("Children", "아동 수"))
    # One chart per cohort, each on its own scale (the cohorts differ fifty-fold in size), as
    # tabs: a new browser tab draws one of them, the other is one click away (layout.chart_tabs).
    def _burnup(row):
        daily = by_cohort_daily[by_cohort_daily["cohort"] == row["cohort"]]
        if daily.empty:
            st.info(t["no_daily"])
            return
        pace = None if pd.isna(row["pace_7d"]) else float(row["pace_7d"])
        layout.chart(lambda: forecast_view.fan(
            figures.burnup(figures.sum_cohorts(daily), deadline=deadline, pace=pace,
                           labels=labels), f.district, row["cohort"]),
            key=f"overview_burnup_{row['cohort']}")

    if per_cohort:
        layout.chart_tabs("overview_burnups", [
            (i18n.cohort_name(row["cohort"]), lambda row=row: _burnup(row))
            for row in per_cohort])
    st.caption(t["burnup_note"].format(d=i18n.fmt_date(deadline)))

st.subheader(t["districts"])
# Every district at the grain shown; "behind plan" is a city fact from every district's
# unsuppressed counts, the same for every role. Districts hidden for a head are left out of the
# bars (never empty rows) and counted on the chart.
by_district = data.comparison()
behind, active = data.districts_behind_plan()
st.metric(i18n.label("districts_behind"), t["behind"].format(n=behind, total=active),
          help=layout.definition("districts_behind"))


def _gap_chart():
    shown = by_district[~by_district["gap_to_plan_suppressed"] & (by_district["listed"] > 0)]
    bars = shown.assign(name=i18n.district_labels(shown["district_code"]))
    return figures.district_bars(bars, value="gap_to_plan", points=i18n.points_unit(),
                                 highlight=filters.highlight(), title=t["gap_chart"],
                                 value_label=i18n.label("gap_to_plan"),
                                 note=data.hidden_note(by_district))


layout.chart(_gap_chart, key="overview_gap")

st.subheader(t["referrals"])
if f.district is None:
    outcomes = data.city_sums("referral_outcomes", ["kind", "outcome"], ["referrals", "children"])
else:
    outcomes = data.fetch("referral_outcomes")
cols = st.columns(len(KIND_GROUPS))
for col, (group, kinds) in zip(cols, KIND_GROUPS.items()):
    part = outcomes[outcomes["kind"].isin(kinds)]
    col.metric(t[group], i18n.fmt_int(part["children"].sum(skipna=False) if len(part) else 0),
               help=layout.definition("referral_children"))
st.caption(t["referral_note"])
if data.any_suppressed(outcomes) or data.any_suppressed(by_district):
    st.caption(layout.text("suppressed"))
