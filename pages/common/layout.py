"""Page furniture shared by every page: header, tables with download, metrics with definitions,
and the no-data page."""
import json
import logging

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from access import audit, login
from data import errors

from pages.common import chart_view, data, definitions, filters, first_paint, i18n

PAGE_KEY = "_page_title"  # the page being drawn, for the audit log
_log = logging.getLogger(__name__)
PERCENT_COLUMNS = {"pace_ratio"}  # rates (0..1) whose names do not end in _rate
POINTS_COLUMNS = {"gap_to_plan"}  # differences of two rates: shown in percentage points

T = {
    "en": {
        "as_of": "Data as of {d}",
        "synthetic": "Synthetic demo data — not real children",
        "download": "Download CSV",
        "download_sharing": "Download for sharing (small counts hidden)",
        "sharing_help": "For reports and e-mails outside this dashboard: every district's counts "
                        "from 1 to 10 are left empty, with further cells so that none can be "
                        "worked out from the totals; rates built on them are empty too.",
        "no_data_title": "No data yet",
        "no_data": (
            "The case database holds no programme data yet, or it cannot be reached right now. "
            "Load an extract (see the README), or try again in a few minutes."
        ),
        "not_for_role": "Not available for your role: child-level rows are shown to the Response "
                        "Team and to district heads for their own district only.",
        "empty": "Nothing to show for these filters.",
        "suppressed": "Empty cells: small counts of other districts are hidden so that no child "
                      "can be recognised.",
        "first_rows": "The first {shown} of {total} rows; the download has them all.",
        "printed_rows": "On paper: only the rows and columns in view. The download has the whole "
                        "table.",
        "db_stopped": "The case database stopped answering while this page was read, so the rest "
                      "of it cannot be shown. What is above is as read. Try again in a moment.",
        "db_outdated": "The case database was made by an older version of the dashboard: it has "
                       "no `{table}` table yet, which the rest of this page needs. Whoever "
                       "manages the database runs `python -m data refresh` once; nothing in it "
                       "is lost.",
    },
    "ko": {
        "as_of": "기준일 {d}",
        "synthetic": "합성 시연 데이터 — 실제 아동이 아닙니다",
        "download": "CSV 내려받기",
        "download_sharing": "외부 공유용 내려받기 (작은 수치 가림)",
        "sharing_help": "현황판 밖의 보고서·메일용입니다: 모든 자치구의 1~10 사이 수치를 비우고, 합계로 "
                        "역산할 수 없도록 다른 칸도 함께 비웁니다. 그 수치로 만든 비율도 비웁니다.",
        "no_data_title": "아직 데이터가 없습니다",
        "no_data": (
            "사례 데이터베이스에 아직 사업 데이터가 없거나, 지금 연결할 수 없습니다. 추출 자료를 "
            "적재하거나(README 참조) 잠시 후 다시 시도하십시오."
        ),
        "not_for_role": "이 역할에서는 볼 수 없습니다: 아동 단위 자료는 아동학대대응팀과, 자기 자치구에 "
                        "한해 자치구 책임자에게만 보입니다.",
        "empty": "이 조건에 해당하는 자료가 없습니다.",
        "suppressed": "빈 칸: 아동을 알아볼 수 없도록 다른 자치구의 작은 수치는 가립니다.",
        "first_rows": "전체 {total}행 중 앞의 {shown}행입니다. 내려받기에는 모두 들어 있습니다.",
        "printed_rows": "인쇄물에는 화면에 보이는 행과 열만 나옵니다. 표 전체는 내려받기에 있습니다.",
        "db_stopped": "이 화면을 읽는 동안 사례 데이터베이스가 응답하지 않아 나머지를 보여 드리지 "
                      "못했습니다. 위의 내용은 읽은 그대로입니다. 잠시 후 다시 시도하십시오.",
        "db_outdated": "사례 데이터베이스가 이전 버전의 대시보드로 만들어져, 이 화면의 나머지에 "
                       "필요한 `{table}` 표가 아직 없습니다. 데이터베이스 관리자가 "
                       "`python -m data refresh`를 한 번 실행하면 됩니다. 데이터는 그대로 "
                       "남습니다.",
    },
}


def text(key: str) -> str:
    return i18n.texts(T)[key]


def definition(key: str) -> str:
    """The plain-words definition of a figure, in the current language."""
    return definitions.text(key, i18n.lang())


# Headline figures wrap rather than end in "…" (Streamlit cuts a long metric at the column's
# width, e.g. a date on a phone); on a phone the chart toolbar stays hidden so it never covers
# a chart's title (plotly still zooms by pinching and resets by a double tap).
SCREEN_CSS = """<style>
[data-testid="stMetricValue"], [data-testid="stMetricValue"] *,
[data-testid="stMetricDelta"] *, [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  overflow-wrap: anywhere; height: auto !important;
}
@media (max-width: 640px) {
  .modebar-container { display: none !important; }
  /* Every tab's name in view on a phone, in as many rows as they need (Streamlit's one row
     scrolled sideways and hid the last tabs). */
  [data-testid="stTabs"] [role="tablist"] { flex-wrap: wrap; row-gap: 0.25rem; }
}
</style>"""

# On paper (the browser's Print, Ctrl+P, on any page): the page's content across the sheet, none
# of the app's furniture (sidebar, header, buttons, toolbars), a collapsed list not at all (it
# shows nothing but its title), no chart cut between two sheets, no heading left at a sheet's foot.
# A table prints the rows and columns its grid has in view (a canvas that draws only those), so
# each says so on paper, in the page's language (PRINTED_ROWS is replaced).
PRINT_CSS = """<style>
@media print {
  [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
  [data-testid="stDecoration"], [data-testid="stDownloadButton"], [data-testid="stButton"],
  [data-testid="stElementToolbar"], .modebar-container,
  [data-testid="stExpander"]:has(details:not([open])) { display: none !important; }
  [data-testid="stMain"], [data-testid="stAppViewContainer"] {
    margin: 0 !important; padding: 0 !important;
  }
  [data-testid="stMainBlockContainer"] { padding: 0 1cm !important; max-width: 100% !important; }
  /* A section, a chart or a set of tabs whole on one sheet (the page's own block, longer than a
     sheet, is not one: asked to be, it made every break in it a bad one, and headings were left
     at the foot of a sheet); a heading on the sheet of what it heads. */
  [data-testid="stVerticalBlock"] [data-testid="stVerticalBlock"], .CHART,
  [data-testid="stTabs"] { break-inside: avoid-page; }
  /* A chart drawn for the screen, scaled to the sheet's width (pages/common/chart_view.py). */
  .CHART, .CHART .svg-container {
    width: 100% !important; max-width: 100% !important; height: auto !important;
    aspect-ratio: var(--chart-aspect);
  }
  .CHART .main-svg { width: 100% !important; height: 100% !important; }
  [data-testid="stElementContainer"]:has([data-testid="stHeading"]) { break-after: avoid-page; }
  [data-testid="stElementContainer"]:has([data-testid="stHeading"]) + * {
    break-before: avoid-page;
  }
  [data-testid="stDataFrame"]::after { content: PRINTED_ROWS; display: block; font-size: 0.8em; }
}
</style>""".replace("CHART", chart_view.CSS_CLASS)


# On a phone Streamlit's sidebar covers the page and stays open after a page is chosen
# (Streamlit 1.67 has no setting for it): close it when a navigation link is tapped. Sent with
# the CSS as one st.html element that runs in the page itself: a component's iframe (as before)
# was a second document to load on every first screen, and is deprecated.
CLOSE_SIDEBAR_JS = """<script>
if (!window.__sidebarClosesOnPhone) {
  window.__sidebarClosesOnPhone = true;
  document.addEventListener("click", (event) => {
    if (window.innerWidth >= 768 || !event.target.closest("[data-testid=stSidebarNav] a")) return;
    setTimeout(() => {
      const close = document.querySelector("[data-testid=stSidebarCollapseButton] button");
      if (close) close.click();
    }, 50);
  }, true);
}
</script>"""


# Plotly's geo plots (the district maps, geo/maps.py) fetch a world base map (topojson) from
# cdn.plot.ly before drawing, even with the base map hidden, unless the page already holds one by
# that name: give them an empty one, so that no request leaves the machine and the map is drawn at
# once. Set before any chart mounts (this element comes first on every page); kept if plotly set
# its own store first (a later page of the same tab).
GEO_OFFLINE_JS = """<script>
window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
window.PlotlyGeoAssets.topojson.world_110m = window.PlotlyGeoAssets.topojson.world_110m
  || {type: "Topology", objects: {}, arcs: []};
</script>"""


def page_header(title: str, subtitle: str | None = None) -> None:
    """Title, the as-of day, and a clear badge when the data is the synthetic demo."""
    data.through_entry_file()
    st.session_state[PAGE_KEY] = title
    _audit_view(title)
    printed_rows = json.dumps(text("printed_rows"), ensure_ascii=False)  # a CSS string
    st.html(SCREEN_CSS + PRINT_CSS.replace("PRINTED_ROWS", printed_rows) + CLOSE_SIDEBAR_JS
            + GEO_OFFLINE_JS, unsafe_allow_javascript=True)
    st.title(title)
    if subtitle:
        st.caption(subtitle)
    from pages.common import filters
    caption = text("as_of").format(d=i18n.fmt_date(filters.current().as_of))
    if data.dataset_info().get("synthetic", "").lower() == "true":
        st.markdown(f":orange-badge[⚠️ {text('synthetic')}] &nbsp; {caption}")
    else:
        st.caption(caption)


def _audit_view(title: str) -> None:
    """Log the view when the page or its filters change (not at every rerun of the same view)."""
    from pages.common import filters
    f = filters.current()
    audit.record_once(data.engine(), data.viewer(), title, "view",
                      audit.detail_json(as_of=f.as_of, cohort=f.cohort, district=f.district),
                      memory=st.session_state)


def _on_send(filename: str, build) -> object:
    """The download's payload, built and audited only when the viewer clicks (access.audit.on_send):
    no file of it exists before the click, and each file sent has its audit row."""
    return audit.on_send(data.engine(), data.viewer(), st.session_state.get(PAGE_KEY, ""),
                         filename, build, still_allowed=login.still_allowed())


MAX_ROWS = 1000      # rows of a table sent to the browser


def _whole_numbers(values: pd.Series) -> bool:
    present = values.dropna()
    return bool((present == present.round()).all())


class _Table:
    """A table made ready to draw: the first rows as an Arrow table with screen labels and
    formats, and the whole result (without markers) for the download."""

    def __init__(self, df: pd.DataFrame, column_labels: dict | None, lang: str):
        from streamlit import dataframe_util
        self.empty = df.empty
        self.suppressed = data.any_suppressed(df)
        self.full = data.visible(df)
        self.rows = len(self.full)
        df = self.full
        labels = {c: (column_labels or {}).get(c) or i18n.label(c) for c in df.columns}
        config = {}
        # The CSV keeps raw values; the screen shows points and paces as read. Only the first
        # rows travel to the browser (a child list at scale 30 was megabytes for every new
        # viewer); the download, encoded on click, has them all.
        shown = df.head(MAX_ROWS).copy()
        for c in df.columns:
            if c in POINTS_COLUMNS:
                shown[c] = shown[c].astype(float) * 100
                config[labels[c]] = st.column_config.NumberColumn(
                    format=i18n.POINTS[lang].format(v="%+.1f"))
            elif c in ("pace_7d", "required_pace"):
                shown[c] = shown[c].map(i18n.pace_value)
                config[labels[c]] = st.column_config.NumberColumn(format="localized")
            elif c.endswith("_rate") or c in PERCENT_COLUMNS:
                config[labels[c]] = st.column_config.NumberColumn(format="percent")
            elif pd.api.types.is_float_dtype(df[c]) and _whole_numbers(df[c]):
                # Counts with a gap (a hidden small cell, a district without data) come as
                # floats: shown as counts ("1,995"), not "1995.0".
                config[labels[c]] = st.column_config.NumberColumn(format="localized")
            elif pd.api.types.is_float_dtype(df[c]):
                config[labels[c]] = st.column_config.NumberColumn(format="%.1f")
            elif pd.api.types.is_datetime64_any_dtype(df[c]):
                config[labels[c]] = st.column_config.DateColumn(format="YYYY-MM-DD")
        # Converted to Arrow here, once, as st.dataframe would on every run (the same bytes).
        self.arrow = dataframe_util.convert_pandas_df_to_arrow_table(shown.rename(columns=labels))
        self.config = config


def table(df, *, key: str, filename: str, column_labels: dict | None = None,
          inputs: tuple = (), total: int | None = None, download=None) -> None:
    """A table and a button to download it as CSV (the download is written to the audit log).

    df: a DataFrame, or a function that makes one from results already fetched: that is made
    ready once per view (scope, filters, language, data version; plus `inputs`, anything else it
    depends on) and shared (pages/common/per_view.py). Never fetch a child-level list inside the
    function: data.fetch audits each viewer's request of one, which must happen on every run.
    column_labels: {column: label}; columns without one are labelled from definitions when known.
    The CSV keeps the column names and raw values, so analysts can reuse it.
    total, download: for a child list read only up to its first rows (data.fetch(limit=...)):
    the whole list's true count, and a function that builds the whole table when the download
    is clicked (it must not touch session state: data.whole_list).
    """
    import copy
    from pages.common import per_view
    lang = i18n.lang()
    if callable(df):
        build = df
        ready = per_view.once(f"table:{key}", lambda: _Table(build(), column_labels, lang),
                              inputs, kind="table")
    else:
        ready = _Table(df, column_labels, lang)
    if ready.empty:
        st.info(text("empty"))
        return
    dataframe(ready.arrow, key=f"{key}_table", width="stretch",
              column_config=copy.deepcopy(ready.config))  # Streamlit may add to the config
    rows = ready.rows if total is None else total
    shown = min(ready.rows, MAX_ROWS)
    if rows > shown:
        st.caption(text("first_rows").format(shown=i18n.fmt_int(shown), total=i18n.fmt_int(rows)))
    full = ready.full
    build = (lambda: data.visible(download())) if download is not None else (lambda: full)
    st.download_button(
        # Built, encoded and audited when clicked (access.audit.on_send), not on every run.
        text("download"), _on_send(filename, build), file_name=filename,
        mime="text/csv", key=f"{key}_download",
    )
    if ready.suppressed:
        st.caption(text("suppressed"))


def dataframe(df, *, key: str, **kwargs) -> None:
    """st.dataframe of a ready table (a DataFrame or an Arrow table), without index, "—" for a
    hidden small cell or a missing value; in a tab that has not painted its first screen yet,
    after the paint (pages/common/first_paint.py)."""
    first_paint.show(key, first_paint.table_height(len(df)), lambda: st.dataframe(
        df, hide_index=True, key=key, placeholder=i18n.DASH, **kwargs), "table")


def bars(df, *, key: str, label: str, value: str, column_labels: dict) -> None:
    """A bar chart that only compares a few counts, drawn as a table: one row per `label`,
    largest first, its `value` as a bar with the count beside it (Streamlit's ProgressColumn).

    A page without any plotly chart spares every new browser tab plotly.js (1.4 MB and about
    0.2 s of main-thread JavaScript, pages/common/chart_view.py) and a chart's drawing.
    df: a DataFrame, or a function that makes one (built once per view, as in table())."""
    from pages.common import per_view

    def build():
        rows = (df() if callable(df) else df)[[label, value]].sort_values(
            value, ascending=False, kind="stable")
        names = {c: column_labels.get(c) or i18n.label(c) for c in (label, value)}
        top = float(rows[value].max()) if len(rows) else 0.0
        return rows.rename(columns=names), names[value], max(top, 1.0)

    shown, value_label, top = per_view.once(f"bars:{key}", build, kind="table")
    dataframe(shown, key=f"{key}_bars", column_config={
        value_label: st.column_config.ProgressColumn(format="localized", min_value=0,
                                                     max_value=top)})


def sharing_download(name: str, *, key: str, filename: str) -> None:
    """A download of query `name` for the whole city, fit to leave the secure view: every
    district's small cells masked (the same for every role), audited like any download."""
    shared = data.visible(data.for_sharing(name))
    st.download_button(
        text("download_sharing"), _on_send(f"{filename} (for sharing)", lambda: shared),
        file_name=filename, mime="text/csv", key=f"{key}_sharing", help=text("sharing_help"),
    )


def metric(label: str, value, help: str | None = None, delta=None, delta_color="normal") -> None:
    st.metric(label, value, delta=delta, help=help, delta_color=delta_color)


# Phones: the chart toolbar hides behind a tap instead of covering titles (it shows on hover
# on a desktop anyway).
# topojsonURL: should a geo map ever miss GEO_OFFLINE_JS's empty base map, plotly asks this
# page's own server for it (and draws nothing) instead of cdn.plot.ly.
CHART_CONFIG = {"displaylogo": False, "displayModeBar": "hover",
                "topojsonURL": "/_stcore/no-base-map/"}
DEFAULT_HEIGHT = 450  # plotly's, for a figure that sets none


def _finished(fig: go.Figure, lang: str) -> dict:
    """The styled figure as plain JSON data, made once and sent as it is (chart_view). Plain
    data (no numpy arrays, dates or NaN) is encoded by orjson directly; the figure's own data
    would go through plotly's pure-Python cleaning of every value on every run (thousands of
    coordinates on a map), and its validation again."""
    import json

    import plotly.io
    from pages.common import figures
    spec = json.loads(plotly.io.to_json(figures.style(figures.localize(fig, lang)),
                                        validate=False))
    _share_boundaries(spec)
    return chart_view.themed(spec)


def _share_boundaries(spec: dict) -> None:
    """Every kept map holds the district boundaries (1.4 MB of GeoJSON, tens of MB as Python
    objects): kept charts share one copy of each distinct boundary set instead."""
    import hashlib
    import json

    from pages.common import memo
    shared = memo.store("boundaries", ttl=float("inf"), max_entries=100)
    for trace in spec.get("data", []):
        geojson = trace.get("geojson")
        if isinstance(geojson, dict):
            key = hashlib.sha256(json.dumps(geojson, sort_keys=True).encode()).hexdigest()
            trace["geojson"] = shared.get((key,), lambda g=geojson: g)


def chart(fig, *, key: str, inputs: tuple = (), config: dict | None = None,
          on_select: bool = False):
    """A plotly figure with the language's date and number formats, full width.

    fig: a figure, or a function that builds one (and reads whatever data it needs): that is
    built once per view (scope, filters, language, data version; plus `inputs`, anything else
    it depends on) and shared by every viewer of that view (pages/common/per_view.py).

    In a tab that has not painted its first screen yet, the chart comes after the paint
    (pages/common/first_paint.py), except a chart that is a widget (on_select)."""
    from pages.common import per_view
    lang = i18n.lang()
    if callable(fig):
        build = fig
        spec = per_view.once(f"chart:{key}", lambda: _finished(build(), lang), inputs,
                             kind="chart")
    else:
        spec = _finished(fig, lang)
    config = {**CHART_CONFIG, **(config or {})}
    height = spec.get("layout", {}).get("height") or DEFAULT_HEIGHT
    if on_select:
        # A chart that is also a widget (the map's click) stays out of a fragment: its event
        # must rerun the page, not the fragment.
        return chart_view.draw(spec, key=key, height=height, config=config, on_select=True)
    first_paint.show(key, height, lambda: chart_view.draw(spec, key=key, height=height,
                                                          config=config))
    return None


def chart_tabs(key: str, parts: list[tuple[str, object]]) -> None:
    """Related charts as tabs, (label, draw) each, where only the chosen tab's `draw()` runs.

    plotly.js lays out and draws every chart it is sent, hidden or not, on the main thread of a
    new browser tab (tests/bench_first_screen.py): with the tabs run lazily (Streamlit's
    on_change="rerun") the first screen draws one chart, and each other is sent when its tab
    is chosen. Whatever a chart says stays one click away, with its
    heading and definition inside its tab. The choice is kept per session under `key`, and by
    its place under `key`_place: the labels change with the language, and a switch of language
    otherwise went back to the first tab (filters.hold, docs/shared-path.md rule 8)."""
    labels = [label for label, _ in parts]
    place = min(st.session_state.get(f"{key}_place", 0), len(labels) - 1)
    filters.hold(key, labels, labels[place])
    st.session_state[f"{key}_place"] = labels.index(st.session_state[key])
    containers = st.tabs(labels, key=key, on_change="rerun")
    for (_, draw), container in zip(parts, containers):
        with container:
            if container.open:
                draw()


def not_for_role() -> None:
    st.info(text("not_for_role"))


def database_stopped(exc: Exception) -> None:
    """Under what a page drew before its database stopped answering (a restart, a lost
    connection, a cancelled statement): say so, instead of Streamlit's error box that names
    nothing. The error's first line goes to the server's log."""
    _log.warning("page %r: the database stopped answering: %s",
                 st.session_state.get(PAGE_KEY, ""), errors.first_line(exc)[:300])
    st.error(text("db_stopped"))


def database_outdated(exc) -> None:
    """Under what a page drew before it needed a derived table the database does not have yet
    (queries.runner.OutdatedDatabase): say which and what fixes it, instead of Streamlit's error
    box that names nothing."""
    _log.warning("page %r: %s", st.session_state.get(PAGE_KEY, ""), exc)
    st.error(text("db_outdated").format(table=exc.table))


def no_data_page() -> None:
    """A clear message instead of a page, then stop the run (never a traceback)."""
    st.title(text("no_data_title"))
    st.warning(text("no_data"))
    st.stop()


def require_data() -> None:
    """Stop the page with the no-data message unless the database holds programme data."""
    data.through_entry_file()
    if not data.has_data():
        no_data_page()
