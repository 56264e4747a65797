"""Run the dashboard under `streamlit run` and drive it with Debian's Chromium.

Shared by the browser tests (tests/browser/) and the page-timing benchmark (tests/bench_pages.py),
so that both measure the app exactly as a viewer gets it: a real server, a real browser.
"""
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from deploy.local import free_port, run_process, streamlit_command, wait_answering

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
      && !document.querySelector('[class*="st-key-after_paint_"]');  // pages/common/first_paint.py
}"""


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
    """The sidebar navigation link of a page (the default page's link ends with '/')."""
    links = page.locator("[data-testid=stSidebarNav] a")
    for i in range(links.count()):
        href = links.nth(i).get_attribute("href") or ""
        if href.rstrip("/").split("/")[-1] == url_path or (
                url_path == "" and href.rstrip("/").count("/") <= 2):
            return links.nth(i)
    raise LookupError(f"no navigation link to /{url_path}")


WATCH_RUN_JS = """() => {
  // Note any change of the script state from now on: the click's rerun has then started, even
  // if it finishes before the next poll (a fast page would otherwise look settled at once).
  window.__reran = false;
  const app = document.querySelector('[data-testid=stApp]');
  new MutationObserver(() => { window.__reran = true; })
      .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def click_and_settle(page, target, timeout_ms: float = 60_000) -> None:
    """Click `target` and wait for the rerun it starts to finish: waiting for "settled" alone
    passes at once when the click's rerun has not begun yet, and the old screen is read."""
    page.evaluate(WATCH_RUN_JS)
    target.click()
    page.wait_for_function("() => window.__reran === true", timeout=timeout_ms, polling=20)
    wait_settled(page, timeout_ms)


HEADING_JS = """() => (document.querySelector('[data-testid=stMain] h1') || {}).textContent"""


def go_to(page, url_path: str, timeout_ms: float = 60_000) -> float:
    """Click the page's sidebar link and wait for the new page to settle; returns the seconds
    it took. Under load the watch on the script state sometimes saw no run although the new
    page came (seen twice in a CI run, both on a page change): after 15 s without a run seen,
    a settled page with another heading counts as arrived; otherwise the link is clicked again."""
    link = nav_link(page, url_path)
    before = page.evaluate(HEADING_JS)
    start = time.perf_counter()
    for _ in range(3):
        page.evaluate(WATCH_RUN_JS)
        link.click()
        try:
            page.wait_for_function("() => window.__reran === true", timeout=15_000, polling=20)
            break
        except Exception:
            if page.evaluate(SETTLED_JS) and page.evaluate(HEADING_JS) not in (before, None):
                break
    else:
        raise TimeoutError(f"no run of /{url_path} after three clicks on its link")
    wait_settled(page, timeout_ms)
    return time.perf_counter() - start
