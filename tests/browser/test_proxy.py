"""Two dashboard processes behind nginx (deploy/local.py, deploy/nginx.conf.template), with the
real login (the OIDC mock of test_login_flow.py) and Debian's Chromium.

A district head logs in through the proxy; moved to the other process (its sticky-session
cookie changed), the head is still logged in, pages run and the audit log gets their views.
The proxy refuses /_stcore/metrics and the other internal routes that the processes answer, and
compresses the frontend's files (Streamlit sends them uncompressed).
"""
import gzip
import os
import re
import urllib.error
import urllib.request

import pytest

from access import audit
from data.db import make_engine
from data.generate import generate
from deploy.local import NGINX, cluster, free_port
from tests.browser import server
from tests.browser.test_login_flow import HEAD_EMAIL, HEAD_SUB, idp, login_as, login_files  # noqa: F401  (idp: fixture)

pytestmark = [pytest.mark.slow]


def get(url: str, cookie: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


@pytest.fixture(scope="module")
def proxied(tmp_path_factory, idp, chromium):  # noqa: F811
    """Two processes and nginx, login on; yields (proxy URL, engine, backend URLs)."""
    if not os.path.exists(NGINX):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("the proxy test needs nginx (apt-get install nginx)")
        pytest.skip("the proxy test needs nginx (apt-get install nginx)")
    folder = tmp_path_factory.mktemp("proxy")
    db_url = f"sqlite:///{folder / 'cases.db'}"
    engine = make_engine(db_url)
    generate(engine, seed=1, scale=0.1)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    secrets, roles = login_files(folder, base, idp)
    with cluster(db_url, 2, workdir=folder / "run", port=port, served_by=True,
                 env={"CASES_ROLE_MAP": str(roles)},
                 args=("--secrets.files", str(secrets))) as (base, backends):
        yield base, engine, [url for url, _ in backends]
    engine.dispose()


def other_route(base: str, served_by: str) -> tuple[str, str]:
    """A value of the proxy's route cookie that lands on another process than `served_by`."""
    for i in range(200):
        _, headers = get(base + "/", f"dashboard_route=r{i}")
        if headers.get("X-Served-By") != served_by:
            return f"r{i}", headers["X-Served-By"]
    raise AssertionError("every route lands on one process: is the upstream hash sticky?")


def test_login_holds_on_either_process_and_pages_are_audited(chromium, proxied):
    base, engine, backends = proxied
    page = login_as(chromium, base, HEAD_SUB)
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text(f"Logged in as {HEAD_EMAIL}").wait_for()
    first = page.request.get(base + "/").headers["x-served-by"]
    assert first in {b.removeprefix("http://") for b in backends}

    route, second = other_route(base, first)
    page.context.add_cookies([{"name": "dashboard_route", "value": route, "url": base}])
    assert page.request.get(base + "/").headers["x-served-by"] == second != first
    page.reload()
    server.wait_settled(page)
    sidebar.get_by_text(f"Logged in as {HEAD_EMAIL}").wait_for()
    assert "District head 11110" in sidebar.inner_text()
    before = len(audit.recent(engine))
    walked = ["briefing", "inspections"]
    for path in walked:
        server.go_to(page, path)
        assert "No access" not in page.inner_text("body")
    log = audit.recent(engine)
    views = log.head(len(log) - before)
    views = views[(views.subject == HEAD_EMAIL) & (views.role == "district")
                  & (views.action == "view")]
    assert views.page.nunique() >= len(walked), views      # pages are logged by title
    assert all("cdn.jsdelivr.net" in url for url in page.outside), page.outside
    page.context.close()


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/_stcore/agent/mcp",
                                  "/_stcore/script-health-check", "/_stcore/upload_file/x"])
def test_proxy_refuses_internal_routes_the_processes_answer(proxied, path):
    base, _, backends = proxied
    assert get(base + path)[0] == 404
    if path == "/_stcore/metrics":
        assert get(backends[0] + path)[0] == 200      # the process itself would answer
    assert get(base + "/_stcore/health")[0] == 200    # loopback is the monitoring here


def fetch(url: str):
    """Headers (names in any case) and body (as sent, not decompressed) of a GET that
    accepts gzip."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=30) as r:
        return r.headers, r.read()


def test_proxy_compresses_the_frontends_files_and_keeps_their_caching(proxied):
    # Streamlit leaves compressing its bundles to the proxy: without it a first-ever tab
    # downloads about three times the bytes (plotly.js alone 4.7 MB instead of 1.4 MB).
    base, _, backends = proxied
    headers, page = fetch(base + "/")
    if headers.get("Content-Encoding") == "gzip":
        page = gzip.decompress(page)
    bundle = re.search(r'src="\./(static/js/index\.[^"]+\.js)"', page.decode()).group(1)
    direct_headers, direct = fetch(f"{backends[0]}/{bundle}")
    assert direct_headers.get("Content-Encoding") is None   # the process sends it as it is
    headers, body = fetch(f"{base}/{bundle}")
    assert headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == direct
    assert len(body) < len(direct) / 2
    assert headers["Cache-Control"] == direct_headers["Cache-Control"]
    assert "immutable" in headers["Cache-Control"]


def test_proxy_lets_browsers_keep_the_charts_versioned_script(proxied):
    """The charts' script is asked for at a URL with its content's hash (chart_view.SCRIPT_URL):
    the proxy marks it immutable, which Streamlit does not for static/. The file without the
    hash gets no such promise."""
    from pages.common import chart_view
    base, _, backends = proxied
    direct, _ = fetch(f"{backends[0]}/{chart_view.SCRIPT_URL}")
    assert direct.get("Cache-Control") is None
    headers, _ = fetch(f"{base}/{chart_view.SCRIPT_URL}")
    assert headers.get_all("Cache-Control") == ["public, max-age=31536000, immutable"]
    headers, _ = fetch(f"{base}/{chart_view.SCRIPT}")
    assert headers.get("Cache-Control") is None
