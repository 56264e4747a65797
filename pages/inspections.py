"""Inspections: how far each district is, what the visits found, who cannot be reached."""
import streamlit as st

from pages.common import data, filters, i18n, layout, per_view
from pages.common import figures_ops as figs

T = {
    "en": {
        "title": "Inspections",
        "subtitle": "Children inspected as of {as_of}: {scope}",
        "children": "Children", "target": "Every visit by two",
        "completion_head": "Completion by district and cohort",
        "split_head": "Seen, attempted but not seen, not attempted",
        "unreachable_head": "Unreachable children",
        "unreachable_list": "Unreachable children (three or more visits, never seen)",
        "two_person_head": "Two-person visits of repeatedly reported children",
        "no_repeat": "No seen visit of a repeatedly reported child yet in this selection.",
        "no_child_rows": "The list of children is not available for your role; counts are shown.",
        "none_unreachable": "No unreachable child in this selection.",
        "table_head": "Progress per district and cohort",
        "tabs": ["Completion", "Seen or not", "Unreachable", "Two-person visits"],
        "district_name": "District", "cohort_name": "Cohort",
        "child_id": "Child (pseudonymous id)",
    },
    "ko": {
        "title": "점검 현황",
        "subtitle": "{as_of} 기준 점검 현황: {scope}",
        "children": "아동 수", "target": "전원 2인 방문",
        "completion_head": "자치구·대상군별 완료율",
        "split_head": "확인 / 방문했으나 미확인 / 미방문",
        "unreachable_head": "확인 불가 아동",
        "unreachable_list": "확인 불가 아동 (3회 이상 방문, 미확인)",
        "two_person_head": "재신고 아동 방문의 2인 1조 비율",
        "no_repeat": "이 선택에는 아직 재신고 아동의 대면 확인 방문이 없습니다.",
        "no_child_rows": "아동 명단은 귀하의 역할로 볼 수 없습니다. 건수만 표시합니다.",
        "none_unreachable": "이 선택에는 확인 불가 아동이 없습니다.",
        "table_head": "자치구·대상군별 진행 현황",
        "tabs": ["완료율", "확인 여부", "확인 불가", "2인 1조 방문"],
        "district_name": "자치구", "cohort_name": "대상군",
        "child_id": "아동 (가명 ID)",
    },
}

t = i18n.texts(T)
layout.require_data()
f = filters.current()
scope = i18n.district_title(f.district) + " · " + i18n.cohort_name(f.cohort)
layout.page_header(t["title"], t["subtitle"].format(as_of=i18n.fmt_date(f.as_of), scope=scope))

progress = per_view.frame("inspections_progress",
                          lambda: i18n.with_names(data.fetch("district_progress")))
listed = data.selection_total("district_progress", progress, "listed")
seen = data.selection_total("district_progress", progress, "seen")
repeat = progress[progress["cohort"] == "repeat_report"]

# City (or selection) rates from summed counts, never an average of district rates.
cols = st.columns(4)
with cols[0]:
    layout.metric(t["listed"], i18n.fmt_int(listed), layout.definition("listed"))
with cols[1]:
    layout.metric(t["completion_rate"], i18n.fmt_rate(seen / listed if listed else None),
                  layout.definition("completion_rate"))
with cols[2]:
    layout.metric(t["unreachable"],
                  i18n.fmt_int(data.selection_total("district_progress", progress,
                                                    "unreachable")),
                  layout.definition("unreachable"))
with cols[3]:
    # No city two-person rate here: the query gives district rates, not visit counts, and a city
    # rate must come from summed counts. The per-district chart below shows it.
    layout.metric(t["seen"], i18n.fmt_int(seen), layout.definition("seen"))


def _completion():
    st.subheader(t["completion_head"], help=layout.definition("completion_rate"))
    layout.chart(lambda: figs.completion_by_district(progress, t), key="inspections_completion")


def _split():
    st.subheader(t["split_head"], help=layout.definition("attempted_not_seen"))
    layout.chart(lambda: figs.inspection_split(progress, t), key="inspections_split")


def _unreachable():
    st.subheader(t["unreachable_head"], help=layout.definition("unreachable"))
    layout.chart(lambda: figs.count_by_district(progress, "unreachable", t),
                 key="inspections_unreachable")


def _two_person():
    st.subheader(t["two_person_head"], help=layout.definition("two_person_rate"))
    if repeat["two_person_rate"].notna().any():
        layout.chart(lambda: figs.rate_by_district(repeat, "two_person_rate", t, target=1.0),
                     key="inspections_two_person")
    else:
        st.info(t["no_repeat"])


# One chart drawn at a time (layout.chart_tabs): a new tab draws one plotly chart, not four.
layout.chart_tabs("inspections_charts", list(zip(t["tabs"], (_completion, _split, _unreachable,
                                                             _two_person))))


def _unreachable_children() -> None:
    try:
        attention = data.fetch("attention_list")
    except PermissionError:
        st.info(t["no_child_rows"])
        return
    unreachable = attention[attention["reason"] == "unreachable"]
    if unreachable.empty:
        st.write(t["none_unreachable"])
        return
    # Fetched (and audited) above; only the making-ready is shared by the view.
    layout.table(
        lambda: i18n.with_names(unreachable).sort_values("since")[
            ["child_id", "district_name", "cohort_name", "since"]],
        key="inspections_unreachable_list", filename="unreachable_children.csv",
        column_labels=t)


# The children's list is read (and audited as a child list shown), and sent, only when the viewer
# opens it: collapsed, it was a list of children sent to every viewer of the page, and a table a
# new tab had to draw.
unreachable_list = st.expander(t["unreachable_list"], key="inspections_unreachable_open",
                               on_change="rerun")
if unreachable_list.open:
    with unreachable_list:
        _unreachable_children()

st.subheader(t["table_head"])
layout.table(
    lambda: progress.sort_values(["district_name", "cohort"])[
        ["district_name", "cohort_name", "listed", "seen", "attempted_not_seen", "not_attempted",
         "completion_rate", "pace_7d", "required_pace", "projected_completion",
         "two_person_rate", "unreachable"]],
    key="inspections_progress", filename="district_progress.csv", column_labels=t)
layout.sharing_download("district_progress", key="inspections_progress",
                        filename=f"district_progress_{f.as_of}_for_sharing.csv")
