"""A new browser tab shows its headline figures before it draws its charts.

Streamlit draws the elements that reach a tab together. When they hold a plotly chart, a tab that
has not drawn one yet first loads and runs plotly.js: 1.5-2.5 s of main-thread work on a 2-core
machine without a GPU (tests/bench_first_screen.py). The title, metrics and tables sent with the
chart wait for it. Measured on the Overview: the first headline figure came 4.3 s after
navigation with its charts, 2.6 s when the charts came after the tab's first paint.

So a session's first page with charts comes in two steps:
  1. everything but the charts, each chart an empty area of its height with a short note;
  2. once the browser has painted that, a small component (components.v2: no iframe, no request
     off the machine) reports it, and the rerun it starts draws the charts.
Later pages of the session draw their charts at once: by then plotly.js has been loaded, and
the tab has something on screen.
"""
import streamlit as st

from pages.common import data, i18n

SHOWN = "_first_screen_painted"  # session state: this tab has painted its first screen

T = {
    "en": {"drawing": "Drawing the chart…"},
    "ko": {"drawing": "차트를 그리는 중…"},
}

# After the browser has painted what it was sent: the next animation frame, then the task after
# it. A trigger value starts one rerun and is gone after it.
PAINTED_JS = """
export default function ({ setTriggerValue }) {
  requestAnimationFrame(() => setTimeout(() => setTriggerValue("painted", true), 0));
}
"""


def charts_wait() -> bool:
    """True while this session's tab has not yet painted a first screen."""
    return not st.session_state.get(SHOWN, False)


def placeholder(key: str, height: int) -> None:
    """An empty area where the chart `key` will be, as tall as the chart (nothing moves when it
    comes), and once per run the component that reports the tab's first paint."""
    with st.container(height=height, border=False, key=f"chart_pending_{key}"):
        st.caption(i18n.texts(T)["drawing"])
        data.once_per_run(("first_paint",), _report_paint)


def _report_paint() -> None:
    component = st.components.v2.component("first_paint", js=PAINTED_JS)
    component(key="first_paint", on_painted_change=_painted)


def _painted() -> None:
    st.session_state[SHOWN] = True
