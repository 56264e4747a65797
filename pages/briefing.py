"""Daily briefing, for the Child Abuse Response Team every morning: what changed on the day,
which children need action now, which districts need a call. Prints cleanly from the browser."""
from datetime import timedelta

import pandas as pd
import streamlit as st

from briefing import page as briefing_pack
from pages.common import data, filters, forecast_view, i18n, layout, per_view, summaries

T = {
    "en": {
        "title": "Daily briefing",
        "subtitle": "What changed on the day, who needs action now, which districts to call.",
        "changes": "What changed on {d} (compared with the day before)",
        "by_district": "Changes by district",
        "attention": "Children who need action now",
        "attention_note": "Most urgent first: repeatedly reported before neglect risk, high risk "
                          "with no referral before unreachable, then the longest waiting. "
                          "Waiting: days from the day the child started waiting to {d}.",
        "calls": "Districts that need a call today",
        "calls_none": "No district is behind plan or far below the pace needed.",
        "behind": "behind plan",
        "slow": "pace far below needed",
        "reason": "Why",
        "district": "District",
        "cohort": "Cohort",
        "child": "Child",
        "attempts": "Visits tried",
        "last_visit_on": "Last visit",
        "waiting": "Children waiting",
        "shown": "{n} of {total} children shown",
        "print": "To print: use the browser's Print (Ctrl+P); the sidebar and buttons are left out.",
        "none_waiting": "No child on the attention list.",
    },
    "ko": {
        "title": "일일 브리핑",
        "subtitle": "그날 바뀐 것, 지금 조치가 필요한 아동, 연락할 자치구.",
        "changes": "{d}의 변화 (전날 대비)",
        "by_district": "자치구별 변화",
        "attention": "지금 조치가 필요한 아동",
        "attention_note": "급한 순서: 재신고 아동이 방임 위기 아동보다, 고위험·연계 없음이 연락 불가보다 "
                          "먼저이며, 그다음 오래 기다린 순입니다. 대기 일수: 대기 시작일부터 {d}까지의 일수.",
        "calls": "오늘 연락할 자치구",
        "calls_none": "계획보다 늦거나 필요 속도에 크게 못 미치는 자치구가 없습니다.",
        "behind": "계획보다 늦음",
        "slow": "필요 속도에 크게 못 미침",
        "reason": "사유",
        "district": "자치구",
        "cohort": "대상군",
        "child": "아동",
        "attempts": "방문 시도",
        "last_visit_on": "마지막 방문",
        "waiting": "대기 아동",
        "shown": "{total}명 중 {n}명 표시",
        "print": "인쇄: 브라우저의 인쇄(Ctrl+P)를 사용하십시오. 사이드바와 버튼은 빠집니다.",
        "none_waiting": "조치 대상 아동이 없습니다.",
    },
}
CHANGES = ["newly_seen", "new_referrals", "new_police_referrals", "new_high_risk"]
REASONS = ["high_risk_no_referral", "unreachable"]  # the order of action

layout.require_data()
t = i18n.texts(T)
f = filters.current()
programme = data.programme()
layout.page_header(t["title"], t["subtitle"])

# One day: the sidebar's as-of day, compared with the day before (never a second picker).
day = f.as_of
previous = day - timedelta(days=1)
st.caption(t["print"])
briefing_pack.download_buttons(data.engine(), data.viewer(), day, i18n.lang(), data.data_version(),
                               t["title"])

today = data.fetch("daily_changes", as_of=day)
before = data.fetch("daily_changes", as_of=previous)

st.subheader(t["changes"].format(d=i18n.fmt_date(day)))
cols = st.columns(len(CHANGES))
for col, key in zip(cols, CHANGES):
    # The city's totals from every district's unsuppressed counts, the same for every role (a
    # head's rows have other districts' small cells masked); one district's rows as they are.
    now = data.selection_total("daily_changes", today, key, as_of=day)
    prev = data.selection_total("daily_changes", before, key, as_of=previous)
    change = now - prev
    # The delta is a labelled text ("-4 vs 29 Apr"), so Streamlit cannot read its sign: say it.
    arrow = "off" if pd.isna(change) or change == 0 else ("up" if change > 0 else "down")
    col.metric(i18n.label(key), i18n.fmt_int(now), delta=i18n.fmt_delta(change, previous),
               delta_color="off", delta_arrow=arrow, help=layout.definition(key))

with st.expander(t["by_district"], expanded=True):
    def changes():
        named = today.assign(district=i18n.district_names(today["district_code"]))
        return named.sort_values(CHANGES, ascending=False)[["district", "district_code", *CHANGES]]

    layout.table(changes, key="briefing_changes", filename=f"daily_changes_{day}.csv",
                 column_labels={"district": t["district"]})

st.subheader(t["attention"])


def _ready(rows: pd.DataFrame, names: tuple) -> pd.DataFrame:
    """The attention rows as shown, in the order of action (the query's declared order:
    severity, then the longest waiting). Plain pandas on names taken in the run (`names`), so
    that the download can make the whole list ready off the script thread."""
    districts, reason_names, cohort_names = names
    # The first rows come in that order from the database, the whole list in the runner's
    # (child id, then district, cohort and reason): sorted by severity and since alone,
    # stably, both are in child and reason order within those (26 ms instead of 185 for the
    # whole list at scale 30).
    ordered = rows.sort_values(["severity", "since"], kind="stable", ignore_index=True)
    return ordered.assign(
        days_waited=(pd.Timestamp(day) - pd.to_datetime(ordered["since"])).dt.days,
        district=ordered["district_code"].map(districts),
        reason_name=ordered["reason"].map(reason_names),
        cohort_name=ordered["cohort"].map(cohort_names),
    )[["child_id", "reason_name", "cohort_name", "district", "days_waited", "since",
       "attempts", "last_visit_on"]]


try:
    # The true count of the list by reason and cohort; the list itself is read below up to the
    # rows the page shows (the whole list is the download, read when clicked).
    counted = data.fetch("attention_counts", as_of=day)
except PermissionError:
    layout.not_for_role()
else:
    if counted.empty:
        st.info(t["none_waiting"])
    else:
        counts, present = per_view.once("briefing_attention_counts", lambda: (
            {r: int(n) for r, n in counted.groupby("reason")["children"].sum().items()},
            set(counted["cohort"].unique())))
        cols = st.columns(max(len(counts), 1))
        for col, (reason, n) in zip(cols, counts.items()):
            col.metric(i18n.value_name("reason", reason), i18n.fmt_int(n),
                       help=layout.definition(f"attention_{reason}"))
        reasons = [r for r in REASONS if r in counts]
        cohorts = [c for c in filters.COHORTS if c in present]
        left, right = st.columns(2)
        chosen_reasons = left.pills(t["reason"], reasons, selection_mode="multi", default=reasons,
                                    format_func=lambda r: i18n.value_name("reason", r),
                                    key="briefing_reasons")
        chosen_cohorts = right.pills(t["cohort"], cohorts, selection_mode="multi",
                                     default=cohorts, format_func=i18n.cohort_name,
                                     key="briefing_cohorts")
        chosen = (tuple(chosen_reasons), tuple(chosen_cohorts))
        n_shown = int(counted.loc[counted["reason"].isin(chosen_reasons)
                                  & counted["cohort"].isin(chosen_cohorts), "children"].sum())
        names = per_view.once("briefing_names", lambda: (
            dict(zip(data.district_codes(), i18n.district_names(pd.Series(data.district_codes())))),
            {r: i18n.value_name("reason", r) for r in REASONS},
            {c: i18n.cohort_name(c) for c in filters.COHORTS}))

        def of_choice(rows):
            return rows[rows["reason"].isin(chosen_reasons) & rows["cohort"].isin(chosen_cohorts)]

        if set(chosen_reasons) == set(reasons) and len(chosen_cohorts) in (1, len(cohorts)):
            # Every reason, one cohort or all: the choice is the query's own cohort filter, so
            # the database sorts and cuts the chosen list.
            cohort = chosen_cohorts[0] if len(chosen_cohorts) == 1 else data.FILTER
            first = data.fetch("attention_detail", as_of=day, cohort=cohort,
                               limit=layout.MAX_ROWS)
            whole = data.whole_list("attention_detail", as_of=day, cohort=cohort)
        else:
            # One reason, or no cohort: the query has no reason filter, so the whole list (kept
            # for the view) is filtered here; its first rows are then the same.
            listed = data.fetch("attention_detail", as_of=day)
            first = of_choice(listed)
            whole = data.whole_list("attention_detail", as_of=day)
        layout.table(lambda: _ready(of_choice(first), names).head(layout.MAX_ROWS),
                     key="briefing_attention", filename=f"attention_list_{day}.csv",
                     inputs=chosen, total=n_shown,
                     download=lambda: _ready(of_choice(whole()), names),
                     column_labels={"child_id": t["child"], "district": t["district"],
                                    "cohort_name": t["cohort"], "reason_name": t["reason"],
                                    "attempts": t["attempts"],
                                    "last_visit_on": t["last_visit_on"]})
        st.caption(t["shown"].format(n=i18n.fmt_int(n_shown),
                                     total=i18n.fmt_int(sum(counts.values()))) + " · "
                   + t["attention_note"].format(d=i18n.fmt_date(day)))

forecast_view.alerts_section(day)

st.subheader(t["calls"], help=layout.definition("needs_call"))


def _calls() -> pd.DataFrame:
    progress = data.fetch("district_progress", district=None, as_of=day)
    by_district = summaries.summarise(progress, ["district_code"], as_of=day,
                                      deadline=programme["deadline"])
    calls = summaries.needs_call(by_district)
    calls = calls.assign(
        district=i18n.district_names(calls["district_code"]),
        why=[", ".join(w for w, on in ((t["behind"], b), (t["slow"], s)) if on)
             for b, s in zip(calls["reason_behind"], calls["reason_slow"])],
        gap_points=(calls["gap_to_plan"] * 100).round(1),
        pace_7d=calls["pace_7d"].map(i18n.pace_value),
        required_pace=calls["required_pace"].map(i18n.pace_value),
        waiting=calls["listed"] - calls["seen"],
    )
    return calls[["district", "why", "gap_points", "pace_7d", "required_pace", "waiting"]]


shown = per_view.once("briefing_calls", _calls)  # the same for every viewer of this view
if shown.empty:
    st.success(t["calls_none"])
else:
    labels = {"district": t["district"], "why": t["reason"], "waiting": t["waiting"],
              "gap_points": i18n.label("gap_to_plan")} | {
        c: i18n.label(c) for c in ("pace_7d", "required_pace")}
    layout.dataframe(
        shown.rename(columns=labels), key="briefing_calls", column_config={
            labels["gap_points"]: st.column_config.NumberColumn(
                format=i18n.POINTS[i18n.lang()].format(v="%+.1f")),
            labels["waiting"]: st.column_config.NumberColumn(format="localized"),
        } | {labels[c]: st.column_config.NumberColumn(format="localized")
             for c in ("pace_7d", "required_pace")},
    )
