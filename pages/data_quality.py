"""Data quality and definitions: how fresh the data is, which rows need checking, and what every
figure of the dashboard means."""
import pandas as pd
import streamlit as st

from pages.common import data, definitions, filters, first_paint, i18n, layout, per_view

T = {
    "en": {
        "title": "Data quality and definitions",
        "subtitle": "Checks of the data as of {as_of}: {scope}",
        "freshness_head": "Newest date in each table",
        "table": "Table", "rows": "Rows",
        "findings_head": "Rows that need checking",
        "findings_none": "No finding: every row passes the checks.",
        "list_head": "Children with findings",
        "finding": "Finding", "finding_name": "Finding",
        "children": "Children", "district_name": "District", "cohort_name": "Cohort",
        "child_id": "Child (pseudonymous id)", "date": "Date",
        "definitions_head": "What every figure means",
        "definitions_intro": "Every figure is counted as of the chosen day, from what the "
                             "database holds. The same words appear as help (ⓘ) next to each "
                             "figure.",
        "list_total": "{n} rows in total",
    },
    "ko": {
        "title": "데이터 품질과 용어 정의",
        "subtitle": "{as_of} 기준 데이터 점검: {scope}",
        "freshness_head": "표별 최신 일자",
        "table": "표", "rows": "행 수",
        "findings_head": "확인이 필요한 행",
        "findings_none": "점검 결과 문제가 없습니다.",
        "list_head": "점검 필요 아동",
        "finding": "점검 항목", "finding_name": "점검 항목",
        "children": "아동 수", "district_name": "자치구", "cohort_name": "대상군",
        "child_id": "아동 (가명 ID)", "date": "일자",
        "definitions_head": "용어 정의",
        "definitions_intro": "모든 수치는 선택한 기준일까지 데이터베이스에 기록된 내용으로 계산합니다. "
                             "각 수치 옆의 도움말(ⓘ)에도 같은 설명이 있습니다.",
        "list_total": "모두 {n}행",
    },
}

t = i18n.texts(T)
layout.require_data()
f = filters.current()
scope = i18n.district_title(f.district) + " · " + i18n.cohort_name(f.cohort)
layout.page_header(t["title"], t["subtitle"].format(as_of=i18n.fmt_date(f.as_of), scope=scope))
first_paint.tables_at_once()  # no figure or chart before the tables: they are the first screen

# --- Freshness: the whole database, whatever the filters --------------------------------------
st.subheader(t["freshness_head"], help=layout.definition("newest_date"))
layout.table(lambda: data.visible(data.fetch("table_freshness", district=None, cohort=None))
             .sort_values("table"), key="dq_freshness",
             filename="table_freshness.csv", column_labels=t)

# --- Findings: counts for everyone, child-level rows only for those who may see them ----------
st.subheader(t["findings_head"], help=layout.definition("findings"))
counts = per_view.frame("dq_counts", lambda: i18n.with_names(data.fetch("data_quality_counts")))
if counts.empty:
    st.success(t["findings_none"])
else:

    def rows_per_check():
        # For the city, the city's totals from every district's unsuppressed counts, the same
        # for every role (a head's rows have other districts' small cells masked: summing them
        # showed "0" for a check with findings only in masked cells). For one district, its
        # rows, and "—" where a cell is masked: never a smaller number.
        if f.district is None:
            per = data.city_sums("data_quality_counts", ["finding"], ["findings"])
        else:
            per = counts.groupby("finding", as_index=False)["findings"].sum(min_count=1)
        return per.assign(finding_name=[i18n.value_name("finding", k) for k in per["finding"]])

    # Rows per check as bars in a table, not a chart: the page then needs no plotly.js.
    layout.bars(rows_per_check, key="dq_findings", label="finding_name", value="findings",
                column_labels={"finding_name": t["finding"], "findings": t["rows"]})
    with st.expander(t["finding"]):
        for kind in sorted(counts["finding"].unique()):
            st.markdown(f"**{i18n.value_name('finding', kind)}**: "
                        f"{layout.definition('finding_' + kind)}")
    layout.table(
        lambda: counts.sort_values(["district_name", "finding"])[
            ["district_name", "finding_name", "findings", "children"]],
        key="dq_counts", filename="data_quality_counts.csv", column_labels=t)

    st.subheader(t["list_head"])

    def ready(rows, names):
        """One kind's rows as shown, by district code, date and child (the order in which the
        query cuts each kind's first rows). Plain pandas on names taken in the run, so that the
        download can make the whole list ready off the script thread."""
        districts, cohorts, kinds_named = names
        # The rows come in the runner's order, child id first (queries/runner.py): sorted by
        # district and date alone, stably, they are in child order within those. Comparing the
        # ids again took 0.68 s of the city's whole list at scale 30 (0.13 s now).
        ordered = rows.sort_values(["district_code", "date"], kind="stable", ignore_index=True)
        return ordered.assign(district_name=ordered["district_code"].map(districts),
                              cohort_name=ordered["cohort"].map(cohorts),
                              finding_name=ordered["finding"].map(kinds_named))[
            ["child_id", "district_name", "cohort_name", "finding_name", "date"]]

    try:
        # Each kind's first rows only, cut by the database; the whole list is the download.
        first = data.fetch("data_quality_findings_first")
    except PermissionError:
        layout.not_for_role()
    else:
        kinds = sorted(first["finding"].unique())
        if kinds:
            filters.hold("dq_finding_kind", kinds, kinds[0])
            kind = st.selectbox(t["finding"], kinds,
                                format_func=lambda k: i18n.value_name("finding", k),
                                key="dq_finding_kind")
            # The kind's true count, of the rows this viewer's list holds (a head's own district).
            own = data.viewer().child_rows_scope(f.district)
            of_own = data.fetch("data_quality_counts", district=own)
            total = int(of_own.loc[of_own["finding"] == kind, "findings"].sum())
            st.caption(t["list_total"].format(n=i18n.fmt_int(total)))
            names = per_view.once("dq_names", lambda: (
                dict(zip(data.district_codes(),
                         i18n.district_names(pd.Series(data.district_codes())))),
                {c: i18n.cohort_name(c) for c in filters.COHORTS},
                {k: i18n.value_name("finding", k) for k in kinds}))
            whole = data.whole_list("data_quality_findings")
            layout.table(
                lambda: ready(first[first["finding"] == kind], names),
                key="dq_findings_list", filename=f"data_quality_{kind}.csv", column_labels=t,
                inputs=(kind,), total=total,
                download=lambda kind=kind, whole=whole, names=names: ready(
                    (rows := whole())[rows["finding"] == kind], names))
        else:
            st.info(layout.text("empty"))

# --- Definitions: every figure of every page, in plain words -----------------------------------
st.subheader(t["definitions_head"])
st.caption(t["definitions_intro"])
# One element of paragraphs, not one per figure: each element costs the server a run's worth of
# bookkeeping (tests/bench_page_cpu.py prints it), and there are some sixty figures.
st.markdown("\n\n".join(f"**{label}** — {text}"
                         for key, label, text in definitions.entries(f.lang) if text))
