"""A new browser tab shows its headline figures before it draws its charts and tables.

Streamlit draws the elements that reach a tab together. A chart or table is drawn by code the tab
loads the first time it needs it: plotly.js is 1.5-2.5 s of main-thread work on a 2-core machine
without a GPU, the table grid less (tests/bench_first_screen.py). The title and metrics sent with
them waited for it. Measured (tests/bench_first_screen.py, a warm new tab, load 4-5): the
Overview's first headline figure came 4.2 s after navigation with its charts, 2.8 s with them
after the first paint; the Daily briefing's 3.4 s, 2.6 s. The price: the whole page, charts
drawn, comes up to a second later (one more round trip and page run).

So a session's first page comes in two steps:
  1. everything but its charts and tables, each an empty area of its height with a short note;
  2. once the browser has painted that, a small component (components.v2: in the page itself,
     no iframe, no request off the machine) reports it, and the rerun it starts draws them.
Later pages of the session draw everything at once: the tab has its code by then.
"""
import streamlit as st

from pages.common import data, i18n

PAINTED = "_first_screen_painted"   # session state: this tab has painted its first screen
REPAINT = "_first_screen_repaint"   # session state: this run is the one the report started
WAITED = "_first_screen_waited"     # session state: runs that drew the empty areas
PENDING = "after_paint_"             # key prefix of an element's empty area (class st-key-...)
# A browser that never reports its paint (a script blocked by a policy, say) still gets the charts
# and tables, at the viewer's third action: the empty areas are never the whole answer.
MAX_WAITING_RUNS = 3

T = {
    "en": {"chart": "Drawing the chart…", "table": "Loading the table…"},
    "ko": {"chart": "차트를 그리는 중…", "table": "표를 불러오는 중…"},
}

# After the browser has painted what it was sent: the next animation frame, then the task after
# it. A trigger value starts one rerun and is gone after it.
PAINTED_JS = """
export default function ({ setTriggerValue }) {
  requestAnimationFrame(() => setTimeout(() => setTriggerValue("painted", true), 0));
}
"""


def later(key: str, height: int, what: str = "chart") -> bool:
    """True while this tab has not painted its first screen: the element `key` (a "chart" or a
    "table") then comes in the rerun after the paint, and an empty area as tall as it holds its
    place now (nothing moves when it comes); once per run, the component that reports the paint.
    False once painted: draw it."""
    if not data.once_per_run(("first_paint", "waits"), _waits):
        return False
    with st.container(height=height, border=False, key=f"{PENDING}{key}"):
        st.caption(i18n.texts(T)[what])
        data.once_per_run(("first_paint", "report"), _report_paint)
    return True


def _waits() -> bool:
    """Whether this run waits for the paint (decided once per run: all its elements alike)."""
    return (not st.session_state.get(PAINTED, False)
            and st.session_state.get(WAITED, 0) < MAX_WAITING_RUNS)


def table_height(rows: int) -> int:
    """The height st.dataframe gives `rows` rows by default (a header and up to ten rows)."""
    return (min(rows, 10) + 1) * 35 + 3


def repaint_run() -> bool:
    """True in the rerun the paint report started (once): it draws the same screen again, so
    what the screen says once (a link's ignored values) is said again."""
    return st.session_state.pop(REPAINT, False)


def _report_paint() -> None:
    st.session_state[WAITED] = st.session_state.get(WAITED, 0) + 1
    component = st.components.v2.component("first_paint", js=PAINTED_JS)
    component(key="first_paint", on_painted_change=_painted)


def _painted() -> None:
    st.session_state[PAINTED] = True
    st.session_state[REPAINT] = True
