"""Referral outcomes: where children were referred, what came of it, and how fast."""
import streamlit as st

from pages.common import data, filters, i18n, layout, per_view
from pages.common import figures_ops as figs

T = {
    "en": {
        "title": "Referral outcomes",
        "subtitle": "Referrals as of {as_of}: {scope}",
        "open": "Open", "closed": "Closed",
        "police": "Police investigations",
        "kind_head": "Referrals by kind and outcome",
        "district_head": "Referrals by district and kind",
        "open_head": "Open and closed referrals by district",
        "delay_head": "Days from visit to referral",
        "police_head": "At-risk repeatedly reported children linked to the police",
        "table_head": "Referrals per district, cohort, kind and outcome",
        "none": "No referral yet in this selection.",
        "tabs": ["Kind and outcome", "By district", "Open and closed", "Days to referral"],
        "district_name": "District", "cohort_name": "Cohort", "kind_name": "Kind",
        "outcome_name": "Outcome", "children": "Children",
        "same_day": "Same day", "days_1_7": "1–7 days", "days_8_30": "8–30 days",
        "over_30": "Over 30 days", "before_visit": "Before the visit (data error)",
        "not_linked": "Not linked",
    },
    "ko": {
        "title": "연계 결과",
        "subtitle": "{as_of} 기준 연계: {scope}",
        "open": "진행 중", "closed": "종결",
        "police": "경찰 수사 의뢰",
        "kind_head": "연계 종류별 결과",
        "district_head": "자치구·연계 종류별 건수",
        "open_head": "자치구별 진행 중·종결 연계",
        "delay_head": "방문에서 연계까지 걸린 일수",
        "police_head": "위험 재신고 아동의 경찰 연계",
        "table_head": "자치구·대상군·종류·결과별 연계",
        "none": "이 선택에는 아직 연계가 없습니다.",
        "tabs": ["종류별 결과", "자치구별", "진행 중·종결", "연계까지 일수"],
        "district_name": "자치구", "cohort_name": "대상군", "kind_name": "연계 종류",
        "outcome_name": "결과", "children": "아동 수",
        "same_day": "당일", "days_1_7": "1~7일", "days_8_30": "8~30일",
        "over_30": "30일 초과", "before_visit": "방문 전 (데이터 오류)",
        "not_linked": "미연계",
    },
}

t = i18n.texts(T)
layout.require_data()
f = filters.current()
scope = i18n.district_title(f.district) + " · " + i18n.cohort_name(f.cohort)
layout.page_header(t["title"], t["subtitle"].format(as_of=i18n.fmt_date(f.as_of), scope=scope))
# Figures label categories with the page's own words for open / closed.
labels = i18n.Texts({**t, "open": i18n.value_name("outcome", "open")}, t.language)

outcomes = per_view.frame("referrals_outcomes",
                          lambda: i18n.with_names(data.fetch("referral_outcomes")))
all_referrals = data.selection_total("referral_outcomes", outcomes, "referrals")
open_ = data.selection_total("referral_outcomes", outcomes, "referrals", outcome="open")
police = data.selection_total("referral_outcomes", outcomes, "referrals",
                                  kind="police_investigation")
cols = st.columns(4)
with cols[0]:
    layout.metric(t["referrals"], i18n.fmt_int(all_referrals), layout.definition("referrals"))
with cols[1]:
    layout.metric(t["open"], i18n.fmt_int(open_), layout.definition("referral_open"))
with cols[2]:
    layout.metric(t["closed"], i18n.fmt_int(all_referrals - open_), layout.definition("referral_outcome"))
with cols[3]:
    layout.metric(t["police"], i18n.fmt_int(police), layout.definition("referrals"))


def _kind():
    st.subheader(t["kind_head"], help=layout.definition("referral_outcome"))
    # The city's bars from every district's unsuppressed counts, the same for every role (a
    # head's rows have other districts' small cells masked: their sum fell short).
    by_kind = outcomes if f.district is not None else i18n.with_names(
        data.city_sums("referral_outcomes", ["kind", "outcome"], ["referrals"]))
    layout.chart(lambda: figs.referrals_by_kind_outcome(by_kind, labels), key="referrals_kind")


def _district():
    st.subheader(t["district_head"], help=layout.definition("referrals"))
    layout.chart(lambda: figs.referrals_by_district(outcomes, labels), key="referrals_district")


def _open():
    st.subheader(t["open_head"], help=layout.definition("referral_open"))
    layout.chart(lambda: figs.open_vs_closed(outcomes, labels), key="referrals_open")


def _delay():
    st.subheader(t["delay_head"], help=layout.definition("referral_delay"))
    delay = per_view.frame("referrals_delay",
                           lambda: i18n.with_names(data.fetch("referral_delay")))
    if delay.empty:
        st.info(t["none"])
        return
    layout.chart(lambda: figs.delay_bins(delay, labels), key="referrals_delay")
    layout.table(lambda: figs.delay_summary(delay).sort_values("referrals", ascending=False),
                 key="referrals_delay_table", filename="referral_delay_by_kind.csv",
                 column_labels=t)


# One chart drawn at a time (layout.chart_tabs): a new tab draws one plotly chart, not four.
if outcomes.empty:
    st.info(t["none"])
    _delay()
else:
    layout.chart_tabs("referrals_charts",
                      list(zip(t["tabs"], (_kind, _district, _open, _delay))))

st.subheader(t["police_head"], help=layout.definition("police_linkage_rate"))
police_df = per_view.frame("referrals_police",
                           lambda: i18n.with_names(data.fetch("police_linkage", cohort=None)))
at_risk = data.selection_total("police_linkage", police_df, "children_at_risk",
                                   cohort=None)
linked = data.selection_total("police_linkage", police_df, "children_police_referred",
                                  cohort=None)
a, b, c = st.columns(3)
with a:
    layout.metric(t["children_at_risk"], i18n.fmt_int(at_risk), layout.definition("children_at_risk"))
with b:
    layout.metric(t["children_police_referred"], i18n.fmt_int(linked),
                  layout.definition("children_police_referred"))
with c:
    # The selection's rate from summed counts, never an average of district rates.
    layout.metric(t["police_linkage_rate"], i18n.fmt_rate(linked / at_risk if at_risk else None),
                  layout.definition("police_linkage_rate"))
if at_risk:
    layout.chart(lambda: figs.police_linkage(police_df, labels),
                 key="referrals_police")
layout.table(
    lambda: police_df.sort_values("district_name")[
        ["district_name", "children_at_risk", "children_police_referred", "police_linkage_rate"]],
    key="referrals_police_table", filename="police_linkage.csv", column_labels=t)

st.subheader(t["table_head"], help=layout.definition("referral_children"))
layout.table(
    lambda: outcomes.sort_values(["district_name", "cohort", "kind", "outcome"])[
        ["district_name", "cohort_name", "kind_name", "outcome_name", "referrals", "children"]],
    key="referrals_table", filename="referral_outcomes.csv", column_labels=t)
layout.sharing_download("referral_outcomes", key="referrals_table",
                        filename=f"referral_outcomes_{f.as_of}_for_sharing.csv")
