"""N Streamlit processes of the dashboard behind nginx, on this machine's loopback.

    python -m deploy.local --processes 2 [--db URL] [--port 8080] [--secrets FILE]

Starts the processes on free ports of 127.0.0.1, all with one shared `server.cookieSecret`
(random per run unless STREAMLIT_SERVER_COOKIE_SECRET is set), then nginx with
deploy/nginx.conf.template filled in a temporary folder, and prints the proxy's URL; Ctrl-C
stops everything. Works as root (nginx's workers then run as `nobody`) and as any other user.
The load benchmark (tests/bench_load.py) and the proxy's browser test use `cluster()`.
"""
import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_config(prefix: Path, listen: str, backends: list[str], *, served_by: bool) -> str:
    """The template filled in. `served_by` adds a response header naming the process that
    answered (tests use it; a production proxy should not tell its internal addresses)."""
    upstreams = "\n".join(f"        server {b};" for b in backends)
    extra = "            add_header X-Served-By $upstream_addr always;" if served_by else ""
    return (TEMPLATE.read_text(encoding="utf-8")
            .replace("{{prefix}}", str(prefix)).replace("{{listen}}", listen)
            .replace("{{upstreams}}", upstreams).replace("{{extra}}", extra))


def wait_answering(url: str, proc: subprocess.Popen, timeout: float, log: Path, ok=(200,)) -> None:
    """Until `url` answers with a status in `ok`; an error naming the log if the process exits
    or `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status in ok:
                    return
        except urllib.error.HTTPError as e:
            if e.code in ok:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout:.0f} s; see {log}")


def streamlit_command(script: str, port: int, host: str = "127.0.0.1", args: tuple = ()) -> list:
    """`streamlit run script` on host:port, headless, telemetry off; `args` adds options."""
    return [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
            "--server.address", host, "--server.headless", "true",
            "--browser.gatherUsageStats", "false", *args]


@contextmanager
def run_process(command: list[str], log: Path, env: dict, cwd: Path = ROOT):
    """`command` running with its output in `log`; terminated (killed after 10 s) on exit."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def cluster(db_url: str, processes: int = 2, *, workdir: Path | None = None,
            port: int | None = None, env: dict | None = None, args: tuple = (),
            served_by: bool = False, timeout: float = 90.0, root: Path = ROOT):
    """Yields (proxy URL, [(backend URL, Popen)]) while N processes and nginx run (`root`:
    the checkout to run; benchmarks compare two)."""
    if processes < 1:
        raise ValueError("processes must be at least 1")
    with ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="dashboard-")))
        workdir.mkdir(parents=True, exist_ok=True)
        # nginx's workers (as `nobody` when started by root) must reach the temp folders.
        workdir.chmod(0o755)
        shared = {
            **os.environ, "CASES_DB_URL": db_url, "PYTHONUNBUFFERED": "1",
            "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get(
                "STREAMLIT_SERVER_COOKIE_SECRET", secrets.token_hex(32)),
            **(env or {}),
        }
        backends = []
        for i in range(processes):
            backend_port = free_port()
            log = workdir / f"streamlit-{i + 1}.log"
            proc = stack.enter_context(run_process(
                streamlit_command("dashboard.py", backend_port, args=args), log, shared,
                cwd=root))
            backends.append((f"http://127.0.0.1:{backend_port}", proc, log))
        for url, proc, log in backends:
            wait_answering(f"{url}/_stcore/health", proc, timeout, log)
        port = port or free_port()
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_config(workdir, f"127.0.0.1:{port}",
                                     [u.removeprefix("http://") for u, _, _ in backends],
                                     served_by=served_by), encoding="utf-8")
        log = workdir / "nginx.out"
        nginx = stack.enter_context(run_process(
            [NGINX, "-p", str(workdir), "-e", str(workdir / "error.log"), "-c", str(conf),
             "-g", "daemon off;"], log, dict(os.environ)))
        base = f"http://127.0.0.1:{port}"
        wait_answering(f"{base}/_stcore/health", nginx, timeout, log)
        yield base, [(u, p) for u, p, _ in backends]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.local", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: CASES_DB_URL)")
    parser.add_argument("--port", type=int, default=None, help="the proxy's port (default: free)")
    parser.add_argument("--secrets", default=None, help="a secrets.toml for every process")
    a = parser.parse_args(argv)
    if a.processes < 1:
        parser.error("--processes must be at least 1")
    if not Path(NGINX).exists():
        parser.error("nginx is not installed (apt-get install nginx)")
    from data.db import database_url
    extra = ("--secrets.files", a.secrets) if a.secrets else ()
    with cluster(a.db or database_url(), a.processes, port=a.port, args=extra) as (base, procs):
        print(f"dashboard at {base}/ ({a.processes} processes: "
              f"{', '.join(u for u, _ in procs)}); Ctrl-C stops", flush=True)
        signal.signal(signal.SIGTERM, signal.default_int_handler)   # stop cleanly on either
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
