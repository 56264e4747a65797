"""Run the dashboard under `streamlit run` and drive it with Debian's Chromium.

Shared by the browser tests (tests/browser/) and the page-timing benchmark (tests/bench_pages.py),
so that both measure the app exactly as a viewer gets it: a real server, a real browser.
"""
import base64
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from deploy.local import free_port, run_process, streamlit_command, wait_answering
from pages.common import chart_view

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
# Quiet Chromium: no background fetches of its own, so that any request seen comes from the app.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]

# (url path, file) of every page in navigation order; "" is the default page.
PAGES = [
    ("", "overview"), ("briefing", "briefing"), ("district_map", "district_map"),
    ("district_detail", "district_detail"), ("inspections", "inspections"),
    ("referrals", "referrals"), ("staffing", "staffing"), ("data_quality", "data_quality"),
]

SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-testid=stSkeleton]')
      && !document.querySelector('[class*="st-key-after_paint_"]')  // pages/common/first_paint.py
      // Every chart drawn, or said not to be: pages/common/chart_view.py's component (the only
      // one not isolated in a shadow root) makes its area, then draws once its script has
      // loaded, after the page's run has ended.
      && [...document.querySelectorAll('[data-testid=stBidiComponentRegular]')].every(host => {
        const chart = host.querySelector('.CHART');
        return chart && (chart.dataset.failed || chart.querySelector('.main-svg'));
      });
}""".replace("CHART", chart_view.CSS_CLASS)


def existing_pages() -> list[tuple[str, str]]:
    """The pages whose files exist (dashboard.py lists only those)."""
    return [(path, name) for path, name in PAGES if (ROOT / "pages" / f"{name}.py").exists()]


def make_database(path: Path, scale: float = 1.0) -> str:
    """A generated SQLite case database at `path`; returns its URL."""
    from data.db import make_engine
    from data.generate import generate
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    generate(engine, seed=1, scale=scale)
    engine.dispose()
    return url


def bench_database(db_url: str | None, folder: Path, scale: float) -> str:
    """A benchmark's database: `db_url` when given, else a generated SQLite one in `folder`
    (how long generating took goes to stderr)."""
    if db_url is not None:
        return db_url
    started = time.perf_counter()
    url = make_database(folder / "cases.db", scale=scale)
    print(f"generated scale-{scale:g} database in {time.perf_counter() - started:.0f} s",
          file=sys.stderr)
    return url


def copy_database(source: Path, path: Path) -> str:
    """A copy of the SQLite database `source` at `path` (made while nothing writes to it, so
    the file and its write-ahead log are copied as one); returns its URL."""
    import sqlite3
    src, dst = sqlite3.connect(source), sqlite3.connect(path)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return f"sqlite:///{path}"


@contextmanager
def streamlit_server(db_url: str, log_path: Path, timeout: float = 60.0, *, port: int | None = None,
                     host: str = "127.0.0.1", env: dict | None = None, args: tuple = (),
                     root: Path = ROOT):
    """`streamlit run dashboard.py` on a local port (a free one unless given); yields its base
    URL. `env` adds environment variables, `args` command-line options (e.g. --secrets.files),
    `root` another checkout to run (benchmarks compare two side by side)."""
    port = port or free_port()
    env = {**os.environ, "CASES_DB_URL": db_url, "PYTHONUNBUFFERED": "1", **(env or {})}
    with run_process(streamlit_command("dashboard.py", port, host, args), log_path, env,
                     cwd=root) as proc:
        base = f"http://{host}:{port}"
        wait_answering(f"{base}/_stcore/health", proc, timeout, log_path)
        yield base


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def wait_settled(page, timeout_ms: float = 60_000) -> None:
    """Until the script has finished its run and no placeholder is left on screen."""
    page.wait_for_function(SETTLED_JS, timeout=timeout_ms, polling=50)


def nav_link(page, url_path: str):
    """The sidebar navigation link of a page ("" for the default page), found by its address:
    a link found by its place in the list (nth) was once another page's by the time it was
    clicked (District detail's became Inspections', in CI under load)."""
    href = f"{page.evaluate('() => location.origin')}/{url_path}"
    link = page.locator(f'[data-testid=stSidebarNav] a[href="{href}"]')
    if link.count() == 0:
        raise LookupError(f"no navigation link to /{url_path}")
    return link


def server_messages(page) -> list[str]:
    """The kind of every message the Streamlit server sends `page` from now on ("new_session"
    when a run starts, "script_finished:FINISHED_SUCCESSFULLY" when it ends, "delta", ...), read
    off the wire through the Chrome DevTools Protocol (which also sees a socket opened before
    this call) with Streamlit's own message classes; the list grows as messages come.

    Why not the page's script state (data-test-script-state): a fast run's "running" and "not
    running" can reach React in one batch and the attribute never changes (a language switch's
    run came and went unseen in CI, and the test waited 60 s for it); and why not any message:
    a run's last ones (session_status_changed, after script_finished) can come after the page
    looks settled, and were taken for the answer to the next click, whose run had not begun."""
    kinds = getattr(page, "_server_messages", None)
    if kinds is None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        kinds = page._server_messages = []

        def received(event):
            frame = event["response"]
            if frame.get("opcode") != 2:   # Streamlit's messages are binary frames
                return
            message = ForwardMsg.FromString(base64.b64decode(frame["payloadData"]))
            kind = message.WhichOneof("type") or ""
            if kind == "script_finished":
                kind += ":" + ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
            kinds.append(kind)

        session = page.context.new_cdp_session(page)
        session.on("Network.webSocketFrameReceived", received)
        session.send("Network.enable")
        page._server_messages_session = session  # kept open as long as the page
    return kinds


def _run_finished(kinds: list[str]) -> bool:
    """Whether `kinds` holds a run's start and, after its last start, that run's end (a run
    cut short for another, FINISHED_EARLY_FOR_RERUN, is followed by that other's start)."""
    if "new_session" not in kinds:
        return False
    last_start = len(kinds) - 1 - kinds[::-1].index("new_session")
    return any(k.startswith("script_finished:") and k != "script_finished:FINISHED_EARLY_FOR_RERUN"
               for k in kinds[last_start + 1:])


def settle_after(page, messages_before: int, timeout_ms: float = 60_000) -> float:
    """Until the run that an action started (a run's start among the server's messages after
    the first `messages_before`, see server_messages) has finished and the page has settled;
    returns the time.perf_counter() at which it had. Waiting for "settled" alone passes at once
    when the action's run has not begun, and the old screen is read."""
    kinds = server_messages(page)
    deadline = time.monotonic() + timeout_ms / 1000
    while not _run_finished(kinds[messages_before:]):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no run started and finished within {timeout_ms / 1000:.0f} s "
                               f"(messages since the action: {kinds[messages_before:][:20]})")
        page.wait_for_timeout(20)
    wait_settled(page, max(1.0, deadline - time.monotonic()) * 1000)
    return time.perf_counter()


def click_and_settle(page, target, timeout_ms: float = 60_000, *, in_place: bool = False) -> float:
    """Click `target` and wait for the run it starts to finish (settle_after); returns the
    time.perf_counter() at which the page was seen settled. `in_place`: the click event is
    sent to the element itself (dispatch_event), not to its place on the screen."""
    before = len(server_messages(page))
    if in_place:
        target.dispatch_event("click")
    else:
        target.click()
    return settle_after(page, before, timeout_ms)


def go_to(page, url_path: str, timeout_ms: float = 60_000) -> float:
    """Click the page's sidebar link and wait for the new page to settle; returns the seconds
    it took, and checks that the page arrived at is the one asked for. The click event is sent
    to the link itself (what is tested is the page change, not the mouse)."""
    link = nav_link(page, url_path)
    start = time.perf_counter()
    settled_at = click_and_settle(page, link, timeout_ms, in_place=True)
    arrived = page.evaluate("() => location.pathname").strip("/").split("/")[-1]
    if arrived != url_path:
        raise AssertionError(f"asked for /{url_path}, arrived at /{arrived}")
    return settled_at - start
