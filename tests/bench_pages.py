"""Page timing benchmark: how long each page takes to settle in a real browser.

    python -m tests.bench_pages [--scale 1.0]

Starts `streamlit run dashboard.py` on a generated SQLite database (as the browser tests do) and
drives Debian's Chromium. For every page, in navigation order, it prints the seconds from the
click on the sidebar link until the page has settled (script finished, no placeholder left):

- cold: the first visit after the server started, every cache empty (the first page's time
  includes loading the app in the browser);
- warm: a later visit, in the same session, with the query caches filled (the median of
  --repeat rounds, as the machine may be busy);
- new tab: the page opened by its URL in a new browser session, caches warm (what a viewer who
  opens a link gets).

Prints figures only; nothing here passes or fails.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.browser import server


def measure(scale: float, repeat: int) -> list[tuple[str, float, float, float]]:
    from playwright.sync_api import sync_playwright
    pages = server.existing_pages()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        db_url = server.make_database(Path(tmp) / "cases.db", scale=scale)
        print(f"generated scale-{scale:g} database in {time.perf_counter() - started:.1f} s",
              file=sys.stderr)
        with server.streamlit_server(db_url, Path(tmp) / "streamlit.log") as base, \
                sync_playwright() as p:
            browser = server.launch_chromium(p)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(120_000)
            cold = {}
            start = time.perf_counter()
            page.goto(base)  # the default page: the first page any viewer gets
            server.wait_settled(page, 120_000)
            cold[pages[0][1]] = time.perf_counter() - start
            for url_path, name in pages[1:]:
                cold[name] = server.go_to(page, url_path, 120_000)
            rounds = {name: [] for _, name in pages}
            for _ in range(repeat):
                for url_path, name in pages:
                    rounds[name].append(server.go_to(page, url_path, 120_000))
            warm = {name: statistics.median(times) for name, times in rounds.items()}
            context.close()
            fresh = {}
            for url_path, name in pages:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                tab = context.new_page()
                start = time.perf_counter()
                tab.goto(f"{base}/{url_path}")
                server.wait_settled(tab, 120_000)
                fresh[name] = time.perf_counter() - start
                context.close()
            browser.close()
    return [(name, cold[name], warm[name], fresh[name]) for _, name in pages]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="generator scale (default 1)")
    parser.add_argument("--repeat", type=int, default=3, help="warm rounds (default 3)")
    args = parser.parse_args()
    rows = measure(args.scale, max(1, args.repeat))
    print(f"scale {args.scale:g}, warm = median of {args.repeat}, load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"{'page':<18}{'cold s':>8}{'warm s':>8}{'new tab s':>11}")
    for name, cold, warm, fresh in rows:
        print(f"{name:<18}{cold:>8.2f}{warm:>8.2f}{fresh:>11.2f}")


if __name__ == "__main__":
    main()
