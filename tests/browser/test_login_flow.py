"""The real login: `streamlit run dashboard.py` with an [auth] secrets file pointing at a local
mock OpenID provider (oidc-provider-mock), driven by Debian's Chromium.

A district head in the role map logs in and gets their role; an identity not in the map is
refused and audited. Every request outside this machine is aborted and asserted absent.
Skips without /usr/bin/chromium unless REQUIRE_BROWSER=1.
"""
import json
import os
import urllib.error
import urllib.request

import pytest

from access import audit
from data.db import make_engine
from data.generate import generate
from tests.browser import server

pytestmark = [pytest.mark.slow]

HEAD_SUB, STRANGER_SUB = "subject-head-11110", "subject-stranger"
HEAD_EMAIL = "head.11110@example.org"


@pytest.fixture(scope="module")
def idp():
    """A local OpenID provider with two one-click users; yields its base URL."""
    from oidc_provider_mock import User, run_server_in_thread
    users = [
        User(sub=HEAD_SUB, claims={"email": HEAD_EMAIL, "email_verified": True}),
        User(sub=STRANGER_SUB, claims={"email": "stranger@example.org", "email_verified": True}),
    ]
    with run_server_in_thread(port=0, user_claims=users) as provider:
        yield f"http://localhost:{provider.server_port}"


def login_files(folder, base: str, idp: str) -> tuple:
    """The secrets file pointing the login at the mock provider, and a role map making the
    head's e-mail the head of Jongno-gu (11110); returns (secrets path, role map path)."""
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{base}/oauth2callback"\n'
        f'cookie_secret = "{os.urandom(32).hex()}"\n'
        'client_id = "dashboard"\n'
        'client_secret = "not-a-real-secret"\n'
        f'server_metadata_url = "{idp}/.well-known/openid-configuration"\n',
        encoding="utf-8")
    roles = folder / "roles.toml"
    roles.write_text(f'[[viewer]]\nemail = "{HEAD_EMAIL}"\nrole = "district"\n'
                     'district = "11110"\n', encoding="utf-8")
    return secrets, roles


@pytest.fixture(scope="module")
def app(tmp_path_factory, idp, chromium):
    """The dashboard with login on; yields (base URL, engine of its database)."""
    folder = tmp_path_factory.mktemp("login_flow")
    db_url = f"sqlite:///{folder / 'cases.db'}"
    engine = make_engine(db_url)
    generate(engine, seed=1, scale=0.1)
    port = server.free_port()
    base = f"http://localhost:{port}"
    secrets, roles = login_files(folder, base, idp)
    with server.streamlit_server(
            db_url, folder / "streamlit.log", port=port, host="localhost",
            env={"CASES_ROLE_MAP": str(roles)}, args=("--secrets.files", str(secrets))) as base:
        yield base, engine
    engine.dispose()


def login_as(chromium, base, sub):
    """A fresh browser session that logs in at the mock provider as `sub`; returns its page."""
    context = chromium.new_context(viewport={"width": 1300, "height": 900})
    outside = []

    def only_local(route):
        host = route.request.url.split("/")[2].split(":")[0]
        if host in ("localhost", "127.0.0.1"):
            return route.continue_()
        outside.append(route.request.url)  # e.g. the mock provider's stylesheet CDN
        return route.abort()

    context.route("**/*", only_local)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(base)
    server.wait_settled(page)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/oauth2/authorize" in url)
    page.locator(f"button[name=sub][value='{sub}']").click()
    page.wait_for_url(lambda url: url.startswith(base) and "oauth2callback" not in url)
    server.wait_settled(page)
    page.outside = outside
    return page


def test_district_head_logs_in_and_gets_the_district_role(chromium, app):
    base, engine = app
    page = login_as(chromium, base, HEAD_SUB)
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("Logged in as head.11110@example.org").wait_for()
    assert "District head 11110" in sidebar.inner_text()
    assert "No access" not in page.inner_text("body")
    log = audit.recent(engine)
    login = log[(log.action == "login") & (log.subject == "head.11110@example.org")]
    assert len(login) == 1 and login.role.iloc[0] == "district" and login.district_code.iloc[0] == "11110"
    assert all("cdn.jsdelivr.net" in url for url in page.outside), page.outside  # only the mock's CSS
    page.context.close()


def test_unknown_identity_is_refused_and_audited(chromium, app):
    base, engine = app
    page = login_as(chromium, base, STRANGER_SUB)
    page.get_by_text("No access").first.wait_for()
    body = page.inner_text("body")
    assert "no access to this dashboard" in body
    assert "Logged in as" not in body
    refused = audit.recent(engine)
    refused = refused[(refused.action == "refused") & (refused.subject == "stranger@example.org")]
    assert len(refused) >= 1 and json.loads(refused.detail.iloc[0]) == {"reason": "not_in_role_map"}
    page.context.close()


def test_what_answers_without_login(app):
    """Record what the server gives an anonymous client; docs/deployment.md says what to block."""
    base, _ = app

    def status(path):
        try:
            with urllib.request.urlopen(base + path, timeout=5) as r:
                return r.status, r.read(2000)
        except urllib.error.HTTPError as e:
            return e.code, b""

    code, body = status("/_stcore/health")
    assert code == 200 and body == b"ok"
    # No session yet: the page data only ever travels over the authenticated websocket, so the
    # HTML shell is all an anonymous GET of the app gets.
    code, body = status("/")
    assert code == 200 and b"VIEWER" not in body and b"11110" not in body
