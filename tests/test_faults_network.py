"""Issue 12 item 10: the dashboard reaches nothing off the machine when it starts.

`streamlit run` under the repository's .streamlit/config.toml, traced with strace: every
connect() and sendto() with an address must be to the loopback interface or a Unix socket,
and the server must listen on 127.0.0.1 only. A page is opened over HTTP while traced.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ADDRESS = re.compile(r'(?:sin_addr=inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)")')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_streamlit_start_connects_to_nothing_but_loopback(tmp_path):
    if shutil.which("strace") is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":      # CI installs strace (.ci/run)
            pytest.fail("strace is not installed")
        pytest.skip("needs strace (apt-get install strace)")
    port = _free_port()
    trace = tmp_path / "trace"
    # A database file that exists, so that no demo database is made (not what is tested here).
    env = {**os.environ, "CASES_DB_URL": f"sqlite:///{tmp_path / 'cases.db'}"}
    server = subprocess.Popen(
        ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,bind", "-o", str(trace),
         sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port)],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("streamlit did not start: "
                                + (server.stdout.read().decode() if server.poll() is not None
                                   else "timeout"))
                time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.status == 200
        time.sleep(1)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode()
    calls = trace.read_text().splitlines()
    addresses = {a or b for line in calls for a, b in ADDRESS.findall(line)}
    assert addresses, "strace saw no network call at all; is the trace working?"
    assert addresses <= {"127.0.0.1", "::1", "::ffff:127.0.0.1"}, addresses
    assert "External URL" not in output and "Network URL" not in output
    assert f"http://localhost:{port}" in output
