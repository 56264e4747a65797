"""Page CPU benchmark: the server's CPU per warm page run, per page and per role.

    python -m tests.bench_page_cpu [--db URL | --scale 1] [--roles response_team,city,district]
                                   [--pages overview,briefing,...] [--rounds 7] [--runs 3]
    python -m tests.bench_page_cpu --profile PAGE [--role ROLE] [--top 30]

What a viewer costs the server: one `streamlit run dashboard.py` (the repository's
.streamlit/config.toml, as deployed) on a database (a generated SQLite one at --scale unless
--db is given), driven through Streamlit's own websocket protocol as a browser tab is, one
viewer at a time. The viewer takes a demo role by setting the demo's "view as" widgets, as a
person would in the sidebar (a district head of Mapo-gu for `district`). Every page is run once
to fill the caches, then --rounds rounds go through the pages in turn, each page --runs times in
a row; a sample is the server process's CPU (utime + stime from /proc, every thread) over those
runs divided by their number (one run is a few clock ticks, too coarse alone). Printed: the
median sample per page and role, and the floor, the same measure of a Streamlit server running
an empty script and one drawing 100 text elements (Streamlit's own cost per run and per
element, which no change to the dashboard removes).

--profile runs one page in this process with AppTest (warm, as the role) under cProfile, the
profiler enabled in the script's own thread, and prints the top functions by cumulative time.

Figures for a person to read, with the load average; nothing passes or fails.
"""
import argparse
import asyncio
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

from deploy.local import free_port, run_process, streamlit_command, wait_answering
from tests.bench_load import cpu_seconds
from tests.browser import server

ROLES = ("response_team", "city", "district")
MAPO = "11440"


class Viewer:
    """One browser tab over the websocket: reruns with the widget states a tab would send."""

    def __init__(self, ws):
        self.ws = ws
        self.hashes: dict[str, str] = {}
        self.widgets: dict[str, tuple[str, str]] = {}  # user key -> (widget id, string value)
        self.options: dict[str, tuple[str, list[str]]] = {}  # user key -> (widget id, options)
        self.errors: list[str] = []
        self.deltas = 0  # elements and blocks sent by the last run

    async def run(self, path: str) -> None:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        msg.rerun_script.page_script_hash = self.hashes.get(path, "")
        for widget_id, value in self.widgets.values():
            state = msg.rerun_script.widget_states.widgets.add()
            state.id = widget_id
            state.string_value = value
        await self.ws.send(msg.SerializeToString())
        self.deltas = 0
        reporters = await self._until_finished(path)
        # A new tab's first page: report the paint to each empty area, as a browser does, and
        # let its fragment draw it (pages/common/first_paint.py).
        from tests.bench_load import _painted
        for reporter, fragment in reporters:
            report = _painted(reporter, fragment, self.hashes.get(path, ""))
            await self.ws.send(report.SerializeToString())
            await self._until_finished(path)

    async def _until_finished(self, path: str) -> list[tuple[str, str]]:
        """Read a run's messages until it has finished; returns the first-paint reporters it
        drew, (component id, fragment id) each."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        reporters = []
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=600))
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                self.hashes = {}
                for page in fwd.navigation.app_pages:
                    self.hashes[page.url_pathname] = page.page_script_hash
            if kind == "delta":
                self.deltas += 1
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    self.errors.append(f"{path or 'overview'}: {element.exception.message}")
                elif which in ("radio", "selectbox"):
                    widget = getattr(element, which)
                    key = widget.id.rsplit("-", 1)[-1]
                    self.options[key] = (widget.id, list(widget.options))
                    if key in self.widgets:  # an id may change between runs (page hash)
                        self.widgets[key] = (widget.id, self.widgets[key][1])
                elif which == "bidi_component" and (
                        element.bidi_component.component_name == "first_paint"):
                    reporters.append((element.bidi_component.id, fwd.delta.fragment_id))
            elif kind == "script_finished":
                if fwd.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                           ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                    return reporters
                if fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self.errors.append(f"{path or 'overview'}: finished {fwd.script_finished}")
                    return reporters

    def choose(self, key: str, index: int) -> None:
        widget_id, options = self.options[key]
        self.widgets[key] = (widget_id, options[index])


async def _become(viewer: Viewer, role: str) -> None:
    """Set the demo's "view as" widgets as a person would: the role, then (for a district
    head) Mapo-gu, each followed by the rerun a click makes."""
    from access.viewer import ROLES as ALL_ROLES
    await viewer.run("")
    await viewer.run("")  # the first run's widget ids are not the later runs' ones
    viewer.choose("demo_view_as", ALL_ROLES.index(role))
    await viewer.run("")
    if role == "district":
        _, options = viewer.options["demo_district"]
        viewer.choose("demo_district", next(i for i, o in enumerate(options)
                                            if o.startswith(MAPO)))
        await viewer.run("")
    offered = set(viewer.hashes)
    if ("audit_log" in offered) != (role == "response_team"):
        raise RuntimeError(f"the demo did not take the role {role!r} (pages {sorted(offered)})")


async def _measure(base: str, pid: int, role: str | None, pages: list[str], rounds: int,
                   runs: int) -> tuple[dict[str, list[float]], list[str], dict[str, int]]:
    """{page: [CPU seconds per run, one sample per round]} for one viewer of `role`, the
    errors seen, and {page: elements and blocks its run sends}."""
    from tests.bench_load import _cookies
    from websockets.asyncio.client import connect
    cookie = await asyncio.to_thread(_cookies, base)
    uri = base.replace("http://", "ws://") + "/_stcore/stream"
    async with connect(uri, subprotocols=["streamlit"], max_size=None, open_timeout=120,
                       additional_headers={"Cookie": cookie, "Origin": base}) as ws:
        viewer = Viewer(ws)
        if role is not None:
            await _become(viewer, role)
        for path in pages:  # caches filled
            await viewer.run(path)
            await viewer.run(path)
        samples: dict[str, list[float]] = {p: [] for p in pages}
        deltas: dict[str, int] = {}
        for _ in range(rounds):
            for path in pages:
                before = cpu_seconds(pid)
                for _ in range(runs):
                    await viewer.run(path)
                samples[path].append((cpu_seconds(pid) - before) / runs)
                deltas[path] = viewer.deltas
        return samples, viewer.errors, deltas


def _server_pid(base: str) -> int:
    """The pid of the Streamlit server listening on base's port (found through /proc)."""
    port = int(base.rsplit(":", 1)[1])
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # LISTEN
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(proc.name)
        except OSError:
            continue
    raise RuntimeError(f"no process listens on port {port}")


FLOOR_SCRIPTS = {
    "empty script": "import streamlit as st\n",
    "100 text elements": "import streamlit as st\nfor i in range(100):\n    st.text(i)\n",
}


def _floor(tmp: Path, rounds: int, runs: int) -> dict[str, float]:
    """Streamlit's own CPU per run: the same measure on scripts that do (almost) nothing."""
    results = {}
    for name, text in FLOOR_SCRIPTS.items():
        folder = tmp / name.replace(" ", "_")
        (folder / ".streamlit").mkdir(parents=True)
        (folder / ".streamlit" / "config.toml").write_text(
            (server.ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
        (folder / "app.py").write_text(text)
        port = free_port()
        with run_process(streamlit_command("app.py", port), folder / "log", dict(os.environ),
                         cwd=folder) as proc:
            base = f"http://127.0.0.1:{port}"
            wait_answering(f"{base}/_stcore/health", proc, 60, folder / "log")
            samples, _, _ = asyncio.run(_measure(base, proc.pid, None, [""], rounds, runs))
            results[name] = statistics.median(samples[""])
    return results


def measure(db_url: str, roles: list[str], pages: list[str], rounds: int, runs: int,
            log: Path) -> tuple[dict, list[str]]:
    table: dict[tuple[str, str], tuple[float, int]] = {}
    errors: list[str] = []
    with server.streamlit_server(db_url, log) as base:
        pid = _server_pid(base)
        for role in roles:
            samples, errs, deltas = asyncio.run(_measure(base, pid, role, pages, rounds, runs))
            errors += [f"{role}: {e}" for e in errs]
            for path, values in samples.items():
                table[(path, role)] = (statistics.median(values), deltas[path])
    return table, errors


def profile(db_url: str, page: str, role: str, top: int) -> None:
    """One page's warm run in this process (AppTest) under cProfile, in the script's thread."""
    from streamlit.runtime.scriptrunner_utils import script_run_context  # noqa: F401
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner
    from streamlit.testing.v1 import AppTest
    from streamlit.runtime.pages_manager import PagesManager

    os.environ["CASES_DB_URL"] = db_url
    profiler = cProfile.Profile(time.thread_time)  # CPU, not wall time: the machine is shared
    active = {"on": False}
    original = ScriptRunner._run_script

    def run_script(self, *args, **kwargs):
        if not active["on"]:
            return original(self, *args, **kwargs)
        profiler.enable()
        try:
            return original(self, *args, **kwargs)
        finally:
            profiler.disable()

    ScriptRunner._run_script = run_script
    init = PagesManager.__init__

    def pages_init(self, *args, **kwargs):  # as `streamlit run` after its first run
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = pages_init
    from tests.apptest_support import painted
    at = painted(AppTest.from_file(str(server.ROOT / "dashboard.py"), default_timeout=120))
    at.session_state["demo_view_as"] = role
    if role == "district":
        at.session_state["demo_district"] = MAPO
    if page:
        at.switch_page(f"pages/{page}.py")
    at.run()
    at.run()
    if at.exception:
        print([e.message for e in at.exception], file=sys.stderr)
    n = 5
    cpu = time.process_time()
    active["on"] = True
    for _ in range(n):
        at.run()
    active["on"] = False
    print(f"{page or 'overview'} as {role}: {(time.process_time() - cpu) / n * 1e3:.0f} ms CPU"
          f" per AppTest run (script and AppTest together), profile of the script thread:")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_page_cpu",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--roles", default=",".join(ROLES))
    parser.add_argument("--pages", default=",".join(n for _, n in server.existing_pages()))
    parser.add_argument("--rounds", type=int, default=7, help="samples per page (default 7)")
    parser.add_argument("--runs", type=int, default=3, help="runs per sample (default 3)")
    parser.add_argument("--no-floor", action="store_true")
    parser.add_argument("--profile", metavar="PAGE", default=None)
    parser.add_argument("--role", default="response_team", help="with --profile")
    parser.add_argument("--top", type=int, default=30, help="with --profile")
    a = parser.parse_args(argv)
    roles = a.roles.split(",")
    pages = ["" if p == "overview" else p for p in a.pages.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        db_url = server.bench_database(a.db, Path(tmp), a.scale)
        if a.profile is not None:
            profile(db_url, "" if a.profile == "overview" else a.profile, a.role, a.top)
            return 0
        load_before = os.getloadavg()
        cpu_before = time.process_time()
        table, errors = measure(db_url, roles, pages, a.rounds, a.runs, Path(tmp) / "server.log")
        floor = {} if a.no_floor else _floor(Path(tmp), a.rounds, a.runs)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"median server CPU ms per warm page run ({a.rounds} samples of {a.runs} runs), "
          f"load average before {' '.join(f'{x:.2f}' for x in load_before)}, after {load}, "
          f"{os.cpu_count()} cores; this client used {time.process_time() - cpu_before:.0f} s CPU")
    print("(elements): the elements and blocks a run sends, entry file and sidebar included")
    print(f"{'page':<18}" + "".join(f"{r:>20}" for r in roles))
    for path in pages:
        print(f"{path or 'overview':<18}" + "".join(
            f"{table[(path, r)][0] * 1e3:>14.0f} ({table[(path, r)][1]:>3})" for r in roles))
    for name, value in floor.items():
        print(f"floor: {name:<25}{value * 1e3:>6.1f} ms")
    if len(floor) == 2:
        empty, hundred = floor.values()
        print(f"floor: per element            {(hundred - empty) * 1e3 / 100:>6.2f} ms")
    for e in sorted(set(errors))[:10]:
        print(f"error: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
