"""A new browser tab shows its headline figures before it draws its charts and tables.

Streamlit draws the elements that reach a tab together. A chart or table is drawn by code the tab
loads the first time it needs it: Streamlit's plotly.js was 1.5-2.5 s of main-thread work on a
2-core machine without a GPU (the dashboard's own build, pages/common/chart_view.py, is about
0.2 s), the table grid less (tests/bench_first_screen.py). The title and metrics sent with
them waited for it. Measured (tests/bench_first_screen.py, a warm new tab, load 4-5): the
Overview's first headline figure came 4.2 s after navigation with its charts, 2.8 s with them
after the first paint; the Daily briefing's 3.4 s, 2.6 s.

So a session's first page comes in two steps:
  1. everything but its charts and tables, each an empty area of its height with a short note
     and a small component (components.v2: in the page itself, no iframe, no request off the
     machine) that reports the browser's first paint; a chart's also starts loading the charts'
     script then, which runs while the server sends the chart (a cold tab's chart in view came
     0.1-0.5 s sooner, docs/shared-path.md);
  2. each report reruns its own fragment (st.fragment), which draws the element in its area from
     what the page run made ready: no second run of the page. The areas in the window report
     first; those below it once the window is drawn (or they are scrolled near).
Later pages of the session draw everything at once: the tab has its code by then. So does a page
whose first screen is its tables (tables_at_once): there the round trip only delayed them.
"""
import streamlit as st

from pages.common import chart_view, data, i18n

PAINTED = "_first_screen_painted"   # session state: this tab has painted its first screen
WAITED = "_first_screen_waited"     # session state: page runs that drew the empty areas
PENDING = "after_paint_"             # key prefix of an element's empty area (class st-key-...)
# A browser that never reports its paint (a script blocked by a policy, say) still gets the charts
# and tables, at the viewer's third action: the empty areas are never the whole answer.
MAX_WAITING_RUNS = 3

T = {
    "en": {"chart": "Drawing the chart…", "table": "Loading the table…"},
    "ko": {"chart": "차트를 그리는 중…", "table": "표를 불러오는 중…"},
}

# After the browser has painted what it was sent (the next animation frame, then the task after
# it), report it: a trigger value reruns the fragment the component is in. Several areas reporting
# in the same moment reach the server as one rerun of one of their fragments (Streamlit batches
# them), so each area repeats its report, a little apart, until its fragment has drawn it (the
# component is then gone, and its cleanup stops the repeats).
# The window first: an area below it reports only once nothing in the window is still to come
# (no area, loading skeleton or undrawn chart there), or once it is scrolled near, or after
# BELOW_WAIT_MS. A table further down had otherwise taken the main thread before the chart in
# view (Staffing: its chart came last, tests/bench_first_screen.py "in view s").
BELOW_WAIT_MS = 15000   # a safety net: a chart in the window that never draws
PAINTED_JS = chart_view.LOAD_JS + """
export default function ({ parentElement, data, setTriggerValue }) {
  let timer, frame, poll, cap, observer, started = false;
  const report = (tries) => {
    setTriggerValue("painted", true);
    if (tries < 40) timer = setTimeout(() => report(tries + 1), 150 + Math.random() * 150);
  };
  const start = () => {
    if (started) return;
    started = true;
    clearInterval(poll); clearTimeout(cap); if (observer) observer.disconnect();
    frame = requestAnimationFrame(() => { timer = setTimeout(() => {
      report(0);
      // A chart's area: its script runs while the server sends the chart (a failed load is
      // tried again by the chart, which then says so).
      if (data && data.chart) loadPlotly().catch(() => {});
    }, 0); });
  };
  const host = parentElement.host || parentElement;
  const area = host.closest('[class*="st-key-after_paint_"]') || host;
  // Shown (a chart's component is 0 px high until its script has made its drawing area).
  const inView = (e) => {
    const box = e.getBoundingClientRect();
    return e.offsetParent !== null && box.bottom >= 0 && box.top < window.innerHeight;
  };
  const windowDone = () => ![...document.querySelectorAll(
      '[class*="st-key-after_paint_"], [data-testid=stSkeleton]')].some(inView)
    && ![...document.querySelectorAll('[data-testid=stBidiComponentRegular]')]   // charts
      .some(c => inView(c) && !c.querySelector('.main-svg, [data-failed]'));
  if (inView(area)) {
    start();
  } else {
    poll = setInterval(() => { if (windowDone()) start(); }, 100);
    cap = setTimeout(start, BELOW_WAIT_MS);
    observer = new IntersectionObserver((seen) => {
      if (seen.some(e => e.isIntersecting)) start();
    }, {rootMargin: "200px"});
    observer.observe(area);
  }
  return () => {
    cancelAnimationFrame(frame); clearTimeout(timer); clearInterval(poll); clearTimeout(cap);
    if (observer) observer.disconnect();
  };
}
""".replace("BELOW_WAIT_MS", str(BELOW_WAIT_MS))


def show(key: str, height: int, draw, what: str = "chart") -> None:
    """Draw an element with `draw()`: at once in a tab that has painted its first screen; in a
    new tab, in its fragment's rerun after the paint, an empty area as tall as it (nothing moves
    when it comes) holding its place until then. `draw` must only draw what is ready (a kept
    chart's data, a ready table): a fragment's rerun does not run dashboard.py, so the filters
    and the page run's values are not there. `what`: "chart" or "table" (the note).

    A page whose first screen is its tables says so (tables_at_once): its tables never wait."""
    if not data.once_per_run(("first_paint", "waits"), _waits):
        draw()
        return
    if what == "table" and data.once_per_run(_TABLES_AT_ONCE, bool):
        draw()
        return
    data.once_per_run(("first_paint", "counted"), _count_wait)
    _slot(key, height, i18n.texts(T)[what], draw, what == "chart")


@st.fragment
def _slot(key: str, height: int, note: str, draw, chart: bool) -> None:
    # Runs inline in the page run, then alone when its component reports the paint.
    if st.session_state.get(PAINTED, False):
        draw()
        return
    with st.container(height=height, border=False, key=f"{PENDING}{key}"):
        st.caption(note)
        reporter = st.components.v2.component("first_paint", js=PAINTED_JS)
        reporter(key=f"first_paint_{key}", data={"chart": chart}, on_painted_change=_painted)


_TABLES_AT_ONCE = ("first_paint", "tables_at_once")


def tables_at_once() -> None:
    """Called at the top of a page whose first screen is its tables, with no headline figure or
    chart before them: this run draws its tables at once, in a new tab too. The grid's code is
    light, and waiting only put a round trip before the window: Data quality's came sooner drawn
    at once (a warm tab, median of 11 runs: 2.13 -> 1.79 s; a cold tab gained nothing clear).
    Not for a table behind figures or a chart, which it holds back: the Daily briefing's first
    figure came 0.3-0.4 s later, and Referrals' chart 0.3 s later (docs/shared-path.md,
    stop 28)."""
    data.once_per_run(_TABLES_AT_ONCE, lambda: True)


def _waits() -> bool:
    """Whether this run waits for the paint (decided once per run: all its elements alike)."""
    return (not st.session_state.get(PAINTED, False)
            and st.session_state.get(WAITED, 0) < MAX_WAITING_RUNS)


def _count_wait() -> None:
    st.session_state[WAITED] = st.session_state.get(WAITED, 0) + 1


def table_height(rows: int) -> int:
    """The height st.dataframe gives `rows` rows by default (a header and up to ten rows)."""
    return (min(rows, 10) + 1) * 35 + 3


def _painted() -> None:
    st.session_state[PAINTED] = True
