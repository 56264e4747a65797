"""District map: a choropleth of the measure the viewer picks; choosing a district opens its
detail. Drawn offline (no base tiles), every district of the database drawn, grey when no value."""
import pandas as pd
import streamlit as st

from geo import boundaries, maps
from pages.common import data, filters, forecast_view, i18n, layout, per_view

T = {
    "en": {
        "title": "District map",
        "subtitle": "Pick a measure; click a district (or choose it below) to open its detail.",
        "measure": "Measure",
        "no_data": "no data",
        "open": "Open district detail",
        "choose": "District",
        "no_boundary": "No boundary for these district codes, so they are not on the map: {codes}",
        "attribution": "District boundaries: © NGII (국토지리정보원), 2023-09-15, via data.go.kr",
        "values": "Values per district",
    },
    "ko": {
        "title": "자치구 지도",
        "subtitle": "지표를 고르고, 자치구를 누르거나(또는 아래에서 선택) 상세 화면을 여십시오.",
        "measure": "지표",
        "no_data": "자료 없음",
        "open": "자치구 상세 열기",
        "choose": "자치구",
        "no_boundary": "다음 자치구 코드는 경계 자료가 없어 지도에 없습니다: {codes}",
        "attribution": "자치구 경계: © 국토지리정보원(NGII), 2023-09-15, 공공데이터포털",
        "values": "자치구별 값",
    },
}
# measure -> (source, percent?, diverging?, higher is better?); the worst districts are darkest
MEASURES = {
    "completion_rate": ("progress", True, False, True),
    "gap_to_plan": ("progress", True, True, True),
    "pace_ratio": ("progress", True, False, True),
    "unreachable": ("progress", False, False, False),
    "listed": ("progress", False, False, False),
    "reports_per_official": ("staffing", False, False, False),
    "neglect_remaining_per_planner": ("staffing", False, False, False),
    "p_all_seen_by_deadline": ("forecast", True, False, True),
}
MEASURE_KEY = "map_measure"
DETAIL_PAGE = "pages/district_detail.py"

layout.require_data()
t = i18n.texts(T)
f = filters.current()
layout.page_header(t["title"], t["subtitle"])

filters.url_choice("measure", MEASURE_KEY, MEASURES)
filters.hold(MEASURE_KEY, MEASURES, next(iter(MEASURES)))
measure = st.selectbox(t["measure"], list(MEASURES), key=MEASURE_KEY, format_func=i18n.label,
                       help=None)
source, percent, diverging, higher_is_better = MEASURES[measure]
st.caption(layout.definition(measure))

codes = data.district_codes()


def _values() -> pd.DataFrame:
    if source == "progress":
        # At the grain shown (the cohort filter, or both summed), suppressed as such for a head.
        return data.comparison()
    if source == "forecast":
        return forecast_view.map_values()
    return data.fetch("staffing", district=None)


def _frame() -> pd.DataFrame:
    values = _values()
    named = pd.DataFrame({"district_code": codes})
    named["name"] = i18n.district_names(named["district_code"])
    return named.merge(values[["district_code", measure]], on="district_code", how="left")


frame = per_view.frame("map_frame", _frame, inputs=(measure,))

missing = boundaries.missing(codes)
if missing:
    st.warning(t["no_boundary"].format(codes=", ".join(missing)))


def _map():
    fig = maps.choropleth(frame.assign(name=i18n.district_labels(frame["district_code"])),
                          value=measure, value_label=i18n.label(measure),
                          definition=layout.definition(measure), percent=percent,
                          diverging=diverging, no_data_label=t["no_data"],
                          highlight=filters.highlight(), higher_is_better=higher_is_better,
                          points=i18n.points_unit() if measure == "gap_to_plan" else None)
    if source == "forecast":
        forecast_view.probability_scale(fig)
    return fig


note = data.hidden_note(data.comparison()) if source == "progress" else None
if note:
    st.caption(note)
event = layout.chart(_map, key="district_map", inputs=(measure,), on_select=True,
                     config={"scrollZoom": False})


def _clicked(event) -> str | None:
    """The district code of the clicked polygon, if any."""
    for point in event.selection.points:
        code = point.get("location") or point.get("customdata")
        if isinstance(code, list):
            code = code[0] if code else None
        if code in codes:
            return code
    return None


def _open(code: str) -> None:
    filters.request_district(code)
    st.switch_page(DETAIL_PAGE)


clicked = _clicked(event)
if clicked:
    _open(clicked)

st.caption(t["attribution"])
left, right = st.columns([3, 1], vertical_alignment="bottom")
filters.hold("map_choose", codes, f.district if f.district in codes else codes[0])
chosen = left.selectbox(t["choose"], codes, key="map_choose", format_func=i18n.district_namer())
if right.button(t["open"], key="map_open", type="primary"):
    _open(chosen)

# The map's values as a table, drawn only when opened: collapsed, it was a table a new tab had to
# draw beside the map.
values_box = st.expander(t["values"], key="map_values_open", on_change="rerun")
if values_box.open:
    with values_box:
        layout.table(lambda: frame[["name", "district_code", measure]], key="map_values",
                     inputs=(measure,),
                     filename=f"{measure}_{f.as_of}.csv", column_labels={"name": t["choose"]})
