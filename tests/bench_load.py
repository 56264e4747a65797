"""Load benchmark: many viewers at once, driven through Streamlit's own websocket protocol.

    python -m tests.bench_load [--viewers 1,10,25,50] [--processes N] [--db URL | --scale 1]
                               [--pages overview,briefing,inspections,referrals]

Starts N dashboard processes behind nginx (deploy/local.py) on a database (a generated SQLite
one at --scale unless --db is given), warms every page once, then for each number of viewers
lets that many viewers in at once. Each viewer is what a browser tab does, without the browser:
it fetches the app's page (getting the proxy's sticky-session cookie), opens the websocket and
asks for the Overview and then the other pages back to back, each as soon as the last finished.
A page's time runs from the request until the server reports the script run finished; on a
session's first page, until its charts and tables are drawn (the viewer reports its first paint
to each empty area as a browser does, and each area's fragment reruns: pages/common/
first_paint.py), and "first p95" is until the page's run, which has its headline figures.

Prints, per number of viewers, p50 and p95 per page and over all, the server's CPU milliseconds
per page shown (a first page's fragment runs included; all processes, from /proc) and each process's
peak memory, with the
machine's load average: figures for a person to read, nothing passes or fails.
"""
import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from deploy.local import cluster

DEFAULT_PAGES = ("", "briefing", "inspections", "referrals")
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK        # utime + stime


def peak_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cookies(base: str) -> str:
    """What a browser holds after loading the app: the proxy's route and Streamlit's xsrf."""
    with urllib.request.urlopen(base + "/", timeout=60) as r:
        jar = [h.split(";", 1)[0] for h in r.headers.get_all("Set-Cookie") or []]
    return "; ".join(jar)


async def viewer(base: str, pages: tuple[str, ...], timings: dict, errors: list) -> None:
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from websockets.asyncio.client import connect
    cookie = await asyncio.to_thread(_cookies, base)
    uri = base.replace("http://", "ws://") + "/_stcore/stream"
    async with connect(uri, subprotocols=["streamlit"], max_size=None, open_timeout=120,
                       additional_headers={"Cookie": cookie, "Origin": base}) as ws:
        hashes: dict[str, str] = {}
        for path in pages:
            msg = BackMsg()
            msg.rerun_script.query_string = ""
            msg.rerun_script.page_script_hash = hashes.get(path, "")
            start = time.perf_counter()
            await ws.send(msg.SerializeToString())
            reports = await _until_finished(ws, path, hashes, errors)
            timings.setdefault(("first", path or "overview"), []).append(
                time.perf_counter() - start)
            for report in reports:  # the first screen's empty areas: report the paint to each
                await ws.send(report.SerializeToString())
                if await _until_finished(ws, path, hashes, errors):
                    errors.append(f"{path or 'overview'}: still waiting after the paint")
            timings.setdefault(path or "overview", []).append(time.perf_counter() - start)
            if path and path not in hashes:
                errors.append(f"no page {path!r} in the navigation")


async def _until_finished(ws, path: str, hashes: dict, errors: list) -> list:
    """Read the run's messages until it has finished; returns the messages a browser would send
    next: for each empty area of a first screen (pages/common/first_paint.py), the report of its
    first paint, which reruns the area's fragment to draw its chart or table."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    reporters = []
    while True:
        fwd = ForwardMsg()
        fwd.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=600))
        kind = fwd.WhichOneof("type")
        if kind == "navigation":
            for page in fwd.navigation.app_pages:
                hashes[page.url_pathname] = page.page_script_hash
        elif kind == "delta":
            element = fwd.delta.new_element
            if element.WhichOneof("type") == "exception":
                errors.append(f"{path or 'overview'}: {element.exception.type}")
            elif (element.WhichOneof("type") == "bidi_component"
                  and element.bidi_component.component_name == "first_paint"):
                reporters.append((element.bidi_component.id, fwd.delta.fragment_id))
        elif kind == "script_finished":
            if fwd.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                       ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                return [_painted(r, fragment, hashes.get(path, "")) for r, fragment in reporters]
            if fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                errors.append(f"{path or 'overview'}: script finished {fwd.script_finished}")
                return []


def _painted(reporter_id: str, fragment_id: str, page_hash: str):
    """The rerun a browser asks for once it has painted: the component's trigger "painted", for
    the fragment it is in."""
    import json

    from streamlit.components.v2.bidi_component.main import _make_trigger_id
    from streamlit.proto.BackMsg_pb2 import BackMsg
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = page_hash
    msg.rerun_script.fragment_id = fragment_id
    state = msg.rerun_script.widget_states.widgets.add()
    state.id = _make_trigger_id(reporter_id, "events")
    state.json_trigger_value = json.dumps([{"event": "painted", "value": True}])
    return msg


async def round_of(base: str, n: int, pages: tuple[str, ...]) -> tuple[dict, list]:
    timings: dict[str, list[float]] = {}
    errors: list[str] = []
    results = await asyncio.gather(*(viewer(base, pages, timings, errors) for _ in range(n)),
                                   return_exceptions=True)
    errors += [f"viewer failed: {r!r}" for r in results if isinstance(r, BaseException)]
    return timings, errors


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def run(base: str, pids: list[int], viewers: list[int], pages: tuple[str, ...]) -> None:
    names = [p or "overview" for p in pages]
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}  "
          f"processes {len(pids)}  pages {', '.join(names)}")
    header = f"{'viewers':>7} {'page':<14}{'p50 s':>8}{'p95 s':>8}{'first p95':>10}{'runs':>6}"
    print(header + f"{'CPU ms/run':>12}{'peak MiB':>10}  load")
    for n in viewers:
        cpu_before = sum(cpu_seconds(p) for p in pids)
        timings, errors = asyncio.run(round_of(base, n, pages))
        cpu = sum(cpu_seconds(p) for p in pids) - cpu_before
        firsts = {k[1]: timings.pop(k) for k in list(timings) if isinstance(k, tuple)}
        runs = sum(len(v) for v in timings.values())
        every = [t for v in timings.values() for t in v]
        every_first = [t for v in firsts.values() for t in v]
        peak = "/".join(f"{peak_mib(p):.0f}" for p in pids)
        load = f"{os.getloadavg()[0]:.2f}"
        for name in names:
            t = timings.get(name, [])
            if t:
                print(f"{n:>7} {name:<14}{statistics.median(t):>8.2f}{p95(t):>8.2f}"
                      f"{p95(firsts[name]):>10.2f}{len(t):>6}")
        if every:
            print(f"{n:>7} {'all':<14}{statistics.median(every):>8.2f}{p95(every):>8.2f}"
                  f"{p95(every_first):>10.2f}{runs:>6}{cpu / runs * 1e3:>12.0f}{peak:>10}  {load}",
                  flush=True)
        for e in sorted(set(errors))[:5]:
            print(f"        error: {e}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_load",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", default="1,10,25,50")
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--db", default=None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--pages", default=",".join(p or "overview" for p in DEFAULT_PAGES),
                        help="url paths; the first is the page a new tab opens")
    a = parser.parse_args(argv)
    try:
        viewers = [int(v) for v in a.viewers.split(",")]
    except ValueError:
        parser.error(f"--viewers: not a list of numbers: {a.viewers!r}")
    pages = tuple("" if p == "overview" else p for p in a.pages.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        from tests.browser.server import bench_database
        db_url = bench_database(a.db, Path(tmp), a.scale)
        with cluster(db_url, a.processes, workdir=Path(tmp) / "run") as (base, procs):
            # Every page's caches filled once, in every process (the route is random per viewer).
            asyncio.run(round_of(base, 3 * a.processes, pages))
            run(base, [p.pid for _, p in procs], viewers, pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
