"""First-screen benchmark: how long a new browser tab takes to show a page, per page and role.

    python -m tests.bench_first_screen [--db URL | --scale 1] [--pages overview,briefing,...]
                                       [--roles response_team,city,district] [--runs 3]
                                       [--cache cold,warm] [--checkout DIR ...] [--floor]
                                       [--proxy]

What a viewer waits for when opening the dashboard in a new tab: one `streamlit run
dashboard.py` (the repository's .streamlit/config.toml, as deployed) on a database (a generated
SQLite one at --scale unless --db is given), Debian's Chromium driven by Playwright. Each sample
is a NEW tab navigated to the page's URL; it is "there" when the script run has finished (no
running indicator, no placeholder, no chart still to come), the page's title is drawn and every
visible chart has been drawn by plotly.js (a `.js-plotly-plot` with its layout and SVG). A new
tab's first chart page comes in two steps (pages/common/first_paint.py): its figures first, its
charts once the tab has painted them; "seconds" waits for both, "figure s" is the first.

Two kinds of new tab:
  cold  a first-ever tab: a new browser context, empty HTTP cache (Streamlit's and plotly's
        JavaScript are downloaded and compiled again);
  warm  a new tab of a returning viewer: another tab in a context that has already opened the
        dashboard once, so the browser's HTTP cache holds the static files (the tab still starts
        its own Streamlit session and runs the page's script and plotly.js again).

The demo has no login: a new tab is always the Response Team (the "view as" default). For the
roles `city` and `district` (a district head of Mapo-gu) the tab then chooses the role in the
sidebar as a person would, and the figure is the time from navigation until the role's screen is
there (so it includes the Response Team's screen first). With a real login the first screen is
the role's own.

--checkout DIR (repeatable) runs each given checkout of the dashboard (e.g. one made with `git
archive COMMIT | tar -x -C DIR`) as its own server on the same database, and interleaves their
samples, so that a before and an after see the same load; without it, this checkout.

--floor adds Streamlit's own floor, sampled in the same runs: a page of one `st.write("# Floor")`
served by the same Streamlit with this checkout's .streamlit/config.toml (what any Streamlit page
costs a new tab on this machine; row "floor").

--proxy serves each checkout through nginx (deploy/nginx.conf.template, one process behind it,
as in production: the proxy compresses the frontend's files) instead of Streamlit directly.

Printed per page and role: the median seconds to the first screen, the bytes received over the
websocket (the page's elements, charts and tables), the bytes of HTTP responses, and the
main-thread time Chromium spent (CDP Performance metrics: ScriptDuration is JavaScript,
TaskDuration all main-thread tasks) up to that moment. Also when the page's title was first drawn
("title s") and its first headline figure (an st.metric's value, "figure s"; "-" on a page
without one), both from navigation, as the page itself saw them: Streamlit draws elements as the
script sends them, so a viewer reads the headline before the run ends. "in view s": when all of
the page that is in the window (1440 x 900) was there, every chart in it drawn, while charts and
tables further down may still be coming ("seconds" waits for those too). For a role other than
the Response Team, these three are the Response Team's first screen. With the load average
before and after.
Figures for a person to read; nothing passes or fails.
"""
import argparse
import contextlib
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.browser import server

ROLES = ("response_team", "city", "district")
CACHES = ("cold", "warm")
MAPO = "11440"

# A chart: the dashboard's own component (pages/common/chart_view.py; its host is in the page
# before its script has made the drawing area), or st.plotly_chart's (an earlier checkout
# compared with --checkout).
CHARTS = "'[data-testid=stBidiComponentRegular], [data-testid=stPlotlyChart]'"

# The first screen is there: script run finished, no placeholder, a title, and every visible
# chart drawn by plotly.js. Returns the number of charts drawn, or -1 while not there yet.
READY_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return -1;
  if (document.querySelector('[data-testid=stSkeleton]')) return -1;
  if (document.querySelector('[class*="st-key-after_paint_"]')) return -1;  // still to come
  if (!document.querySelector('[data-testid=stMain] h1')) return -1;
  let drawn = 0;
  for (const chart of document.querySelectorAll(CHARTS)) {
    if (chart.offsetParent === null) continue;  // in a collapsed expander or another tab
    const plot = chart.matches('.js-plotly-plot') ? chart : chart.querySelector('.js-plotly-plot');
    if (!plot || !plot._fullLayout || !plot.querySelector('.main-svg')) return -1;
    drawn += 1;
  }
  return drawn;
}""".replace("CHARTS", CHARTS)


# When the title and the first headline figure were first in the page, and when the part of the
# page in the window (1440 x 900) was first all there ("view"), in ms from navigation start
# (performance.now()), noted by an observer installed before the page's own scripts run. The
# window is all there once the page's script has ended its first run (so that every element it
# holds has arrived), the title is drawn, and no placeholder, skeleton or undrawn chart is in the
# window; charts and tables further down may still be coming.
FIRST_SEEN_JS = """(() => {
  const seen = window.__firstSeen = {};
  let ran = false;
  // (A chart's host is empty, 0 px high, until its script makes the drawing area: still there.)
  const inView = (e) => {
    if (e.offsetParent === null) return false;
    const box = e.getBoundingClientRect();
    return box.bottom >= 0 && box.top < window.innerHeight;
  };
  const check = () => {
    if (seen.title === undefined && document.querySelector('[data-testid=stMain] h1'))
      seen.title = performance.now();
    if (seen.figure === undefined) {
      const value = document.querySelector('[data-testid=stMain] [data-testid=stMetricValue]');
      if (value && value.textContent.trim()) seen.figure = performance.now();
    }
    const app = document.querySelector('[data-testid=stApp]');
    ran = ran || (app !== null && app.getAttribute('data-test-script-state') === 'notRunning');
    if (seen.view === undefined && ran && seen.title !== undefined) {
      const waiting = [...document.querySelectorAll(
          '[data-testid=stSkeleton], [class*="st-key-after_paint_"]')].some(inView)
        || [...document.querySelectorAll(CHARTS)]
          .some(c => inView(c) && !c.querySelector('.main-svg'));
      if (!waiting) seen.view = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {
    childList: true, subtree: true, characterData: true, attributes: true,
    attributeFilter: ['data-test-script-state']});
})();""".replace("CHARTS", CHARTS)


def _wait_ready(page, timeout_s: float = 120.0) -> tuple[int, float]:
    """Until READY_JS holds, and still holds 300 ms later (a chart that arrives just after the
    script's end would otherwise be missed); returns the charts drawn and the moment it first
    held (perf_counter)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_function(f"() => ({READY_JS})() >= 0", timeout=timeout_s * 1e3, polling=25)
        seen = time.perf_counter()
        page.wait_for_timeout(300)
        charts = page.evaluate(READY_JS)
        if charts >= 0:
            return charts, seen
    raise TimeoutError("the page did not settle")


def _become(page, role: str) -> None:
    """Choose the demo's role (and Mapo-gu for a district head) in the sidebar."""
    if role == "response_team":
        return
    from access.viewer import ROLES as ALL_ROLES
    radio = page.locator(".st-key-demo_view_as [role=radiogroup] label")
    server.click_and_settle(page, radio.nth(ALL_ROLES.index(role)), timeout_ms=120_000)
    if role == "district":
        page.locator(".st-key-demo_district [role=combobox]").click()
        option = page.locator("[role=option]", has_text=MAPO)
        server.click_and_settle(page, option.first, timeout_ms=120_000)


def _sample(context, url: str, role: str) -> dict:
    """One new tab of `context` opening `url` as `role`: seconds, bytes and main-thread time."""
    page = context.new_page()
    page.set_default_timeout(120_000)
    received = {"ws": 0, "http": 0}

    def on_ws(ws):
        ws.on("framereceived", lambda payload: received.__setitem__(
            "ws", received["ws"] + len(payload)))

    page.on("websocket", on_ws)
    cdp = context.new_cdp_session(page)
    page.add_init_script(FIRST_SEEN_JS)
    cdp.send("Performance.enable")
    cdp.send("Network.enable")
    cdp.on("Network.loadingFinished", lambda e: received.__setitem__(
        "http", received["http"] + int(e.get("encodedDataLength", 0))))
    start = time.perf_counter()
    page.goto(url)
    charts, ready = _wait_ready(page)
    first_seen = page.evaluate("() => window.__firstSeen")
    if role != "response_team":
        _become(page, role)
        charts, ready = _wait_ready(page)
    seconds = ready - start
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    page.close()
    return {"s": seconds, "ws": received["ws"], "http": received["http"], "charts": charts,
            "js": metrics.get("ScriptDuration", 0.0), "task": metrics.get("TaskDuration", 0.0),
            "title": first_seen.get("title", float("nan")) / 1e3,
            "figure": first_seen.get("figure", float("nan")) / 1e3,
            "view": first_seen.get("view", float("nan")) / 1e3}


def measure(bases: dict[str, str], pages: list[str], roles: list[str], caches: list[str],
            runs: int, browser, floor: str | None = None) -> dict:
    """{(page, role, cache, checkout): [sample, ...]}, runs interleaved over pages, roles,
    caches and checkouts; with `floor` (the floor page's URL) each run also samples it."""
    out: dict = {}
    warm_contexts = {}
    targets = [(path, role, name, f"{base}/{path}") for path in pages for role in roles
               for name, base in bases.items()]
    if floor is not None:
        targets.append(("floor", "response_team", "streamlit", floor))
    try:
        for run in range(runs):
            for path, role, name, url in targets:
                for cache in caches:
                    if cache == "cold":
                        context = _new_context(browser)
                        sample = _sample(context, url, role)
                        context.close()
                    else:
                        if (role, name) not in warm_contexts:
                            context = _new_context(browser)
                            _sample(context, url.rsplit("/", 1)[0] + "/", "response_team")
                            warm_contexts[(role, name)] = context
                        sample = _sample(warm_contexts[(role, name)], url, role)
                    out.setdefault((path, role, cache, name), []).append(sample)
                    print(f"run {run + 1} {path or 'overview'} {role} {cache} {name}: "
                          f"{sample['s']:.2f} s (figure {sample['figure']:.2f} s, "
                          f"in view {sample['view']:.2f} s), "
                          f"{sample['charts']} charts, JS {sample['js']:.2f} s, "
                          f"load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    finally:
        for context in warm_contexts.values():
            context.close()
    return out


FLOOR_SCRIPT = 'import streamlit as st\n\nst.write("# Floor")\n'


def floor_checkout(folder: Path, config_from: Path) -> Path:
    """A folder holding the floor's script (as dashboard.py) and a copy of `config_from`'s
    .streamlit/config.toml: Streamlit's own first screen, with the dashboard's settings."""
    import shutil
    (folder / ".streamlit").mkdir(parents=True)
    shutil.copy(config_from / ".streamlit" / "config.toml", folder / ".streamlit" / "config.toml")
    (folder / "dashboard.py").write_text(FLOOR_SCRIPT, encoding="utf-8")
    return folder


def _new_context(browser):
    return browser.new_context(viewport={"width": 1440, "height": 900}, locale="en-GB")


def _median(samples: list[dict], key: str) -> float:
    return statistics.median(s[key] for s in samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_first_screen",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--pages", default=",".join(n for _, n in server.existing_pages()))
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--cache", default=",".join(CACHES), help="cold,warm (default both)")
    parser.add_argument("--runs", type=int, default=3, help="samples per page, role and cache")
    parser.add_argument("--checkout", action="append", default=None,
                        help="a checkout to run (repeatable; default: this one)")
    parser.add_argument("--floor", action="store_true",
                        help="also sample an empty Streamlit page (one st.write)")
    parser.add_argument("--proxy", action="store_true",
                        help="serve each checkout through nginx (deploy/nginx.conf.template)")
    a = parser.parse_args(argv)
    checkouts = [Path(c).resolve() for c in a.checkout or [server.ROOT]]
    names = [c.name for c in checkouts]
    if len(set(names)) < len(names):
        names = [str(c) for c in checkouts]
    pages = ["" if p == "overview" else p for p in a.pages.split(",")]
    roles, caches = a.roles.split(","), a.cache.split(",")
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as tmp:
        db_url = server.bench_database(a.db, Path(tmp), a.scale)
        with contextlib.ExitStack() as stack:
            def serve(root: Path, name: str) -> str:
                if a.proxy:  # one process behind nginx, as deployed
                    from deploy.local import cluster
                    return stack.enter_context(cluster(
                        db_url, 1, workdir=Path(tmp) / f"proxy-{name}", root=root))[0]
                return stack.enter_context(server.streamlit_server(
                    db_url, Path(tmp) / f"server-{name}.log", root=root))

            bases = {name: serve(root, str(i))
                     for i, (name, root) in enumerate(zip(names, checkouts))}
            floor = None
            if a.floor:
                floor = serve(floor_checkout(Path(tmp) / "floor", checkouts[0]), "floor") + "/"
            p = stack.enter_context(sync_playwright())
            browser = server.launch_chromium(p)
            # One tab per page and role first, not measured: the server's first run of each
            # query and page (caches filled), so that samples differ only by the browser's side.
            context = _new_context(browser)
            for base in bases.values():
                for path in pages:
                    for role in roles:
                        _sample(context, f"{base}/{path}", role)
            if floor is not None:
                _sample(context, floor, "response_team")
            context.close()
            load_before = os.getloadavg()
            table = measure(bases, pages, roles, caches, a.runs, browser, floor)
            browser.close()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    via = " through nginx" if a.proxy else ""
    print(f"first screen of a new tab{via}, median of {a.runs} (seconds; websocket / HTTP kB "
          f"received; main-thread JS / all tasks s), load average before "
          f"{' '.join(f'{x:.2f}' for x in load_before)}, after {load}, {os.cpu_count()} cores")
    print("cold: first-ever tab (empty HTTP cache); warm: new tab, HTTP cache filled")
    print(f"{'page':<16}{'role':<14}{'cache':<6}{'checkout':<14}{'title s':>8}{'figure s':>9}"
          f"{'in view s':>10}{'seconds':>8}{'charts':>7}{'ws kB':>8}{'http kB':>9}{'JS s':>7}"
          f"{'tasks s':>8}")
    for (path, role, cache, name), samples in table.items():
        figure = _median(samples, "figure")
        print(f"{path or 'overview':<16}{role:<14}{cache:<6}{name[-13:]:<14}"
              f"{_median(samples, 'title'):>8.2f}"
              f"{'-' if math.isnan(figure) else f'{figure:.2f}':>9}"
              f"{_median(samples, 'view'):>10.2f}{_median(samples, 's'):>8.2f}"
              f"{_median(samples, 'charts'):>7.0f}{_median(samples, 'ws') / 1e3:>8.0f}"
              f"{_median(samples, 'http') / 1e3:>9.0f}{_median(samples, 'js'):>7.2f}"
              f"{_median(samples, 'task'):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
