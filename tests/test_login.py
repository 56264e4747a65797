"""access.login.current_viewer in AppTest: demo mode, refusal without login, and the login mode
with a faked identity (at.user), the role map and the token's expiry.

A one-line probe app calls current_viewer() and writes the viewer, so these tests do not depend on
the dashboard's pages.
"""
import time
from pathlib import Path

import pytest
from sqlalchemy import delete
from streamlit.testing.v1 import AppTest

from access import audit
from data.db import make_engine
from data.generate import generate
from data.schema import dataset_info
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    APP, fresh_caches, navigation_not_pages_folder,
)

PROBE = """
import streamlit as st
from access import login
viewer = login.current_viewer()
st.write(f"VIEWER {viewer.role} {viewer.district_code} {viewer.subject}")
"""
AUTH = {"auth": {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "a-test-cookie-secret-that-is-long-enough-0123456789",
    "client_id": "dashboard", "client_secret": "test-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}}
ROLES = """
[[viewer]]
email = "head.11110@example.org"
role = "district"
district = "11110"

[[viewer]]
sub = "team-subject"
role = "response_team"
"""


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A small synthetic database in a file (AppTest runs the script in another thread)."""
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    engine = make_engine(url)
    generate(engine, seed=2, scale=0.02)
    monkeypatch.setenv("CASES_DB_URL", url)
    yield engine
    engine.dispose()


@pytest.fixture
def role_map(tmp_path, monkeypatch):
    path = tmp_path / "roles.toml"
    path.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("CASES_ROLE_MAP", str(path))
    return path


def app(secrets=None, user=None) -> AppTest:
    at = AppTest.from_string(PROBE, default_timeout=30)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    if user is not None:
        at.user = user
    return at


def shown(at) -> str:
    return " ".join(str(m.value) for m in at.markdown) + " ".join(
        str(e.value) for e in [*at.error, *at.info, *at.warning])


# --- no login configured ----------------------------------------------------------------------

def test_demo_on_synthetic_data_has_a_view_as_switch(database):
    at = app().run()
    assert not at.exception
    assert "VIEWER response_team None demo" in shown(at)
    assert "DEMO" in at.sidebar.warning[0].value
    at.sidebar.radio(key="demo_view_as").set_value("district").run()
    district = at.sidebar.selectbox(key="demo_district")
    assert len(district.options) == 25
    district.set_value("11680").run()
    assert "VIEWER district 11680 demo" in shown(at)
    at.sidebar.radio(key="demo_view_as").set_value("city").run()
    assert "VIEWER city None demo" in shown(at)


def test_real_database_without_login_shows_nothing(database):
    with database.begin() as conn:
        conn.execute(delete(dataset_info))   # no longer declares itself synthetic
    at = app().run()
    assert not at.exception
    assert "VIEWER" not in shown(at)
    assert "Nothing is shown" in shown(at)
    assert not at.sidebar.radio  # no "view as" switch


def test_query_params_do_not_choose_the_viewer(database):
    at = app()
    at.query_params["role"] = "district"
    at.query_params["district"] = "11680"
    at.run()
    assert "VIEWER response_team None demo" in shown(at)


# --- login configured -------------------------------------------------------------------------

def logged_in(**claims):
    """A live login's cookie as Streamlit hands it over; an e-mail is a verified one unless the
    test says otherwise."""
    now = int(time.time())
    if "email" in claims:
        claims.setdefault("email_verified", True)
    return {"is_logged_in": True, "iat": now - 60, "exp": now + 3600, **claims}


def test_not_logged_in_gets_only_a_login_button(database, role_map):
    at = app(AUTH, {"is_logged_in": False}).run()
    assert not at.exception
    assert "VIEWER" not in shown(at)
    assert [b.label for b in at.button] == ["Log in"]


def test_known_identity_gets_its_role_and_the_login_is_audited(database, role_map):
    at = app(AUTH, logged_in(email="Head.11110@example.org", sub="s1")).run()
    assert not at.exception
    assert "VIEWER district 11110 head.11110@example.org" in shown(at)
    at.run()  # a second run of the same session does not log in again
    log = audit.recent(database)
    assert log.action.tolist() == ["login"]
    assert (log.subject.iloc[0], log.role.iloc[0], log.district_code.iloc[0]) == (
        "head.11110@example.org", "district", "11110")


def test_subject_matches_when_there_is_no_email(database, role_map):
    at = app(AUTH, logged_in(sub="team-subject")).run()
    assert "VIEWER response_team None team-subject" in shown(at)


def test_unknown_identity_is_refused_politely_and_audited(database, role_map):
    at = app(AUTH, logged_in(email="stranger@example.org", sub="s9")).run()
    assert not at.exception
    assert "VIEWER" not in shown(at)
    assert "no access to this dashboard" in shown(at)
    log = audit.recent(database)
    assert log.action.tolist() == ["refused"]
    assert log.subject.iloc[0] == "stranger@example.org" and "not_in_role_map" in log.detail.iloc[0]


def test_unverified_email_does_not_match(database, role_map):
    at = app(AUTH, logged_in(email="head.11110@example.org", email_verified=False, sub="s1")).run()
    assert "VIEWER" not in shown(at)


# "past" is worked out in the test, not here: a parameter made of the clock would name the case
# differently in each pytest-xdist process, which then refuses to run.
@pytest.mark.parametrize("exp", ["past", None, "soon"])
def test_expired_or_missing_expiry_asks_to_log_in_again(database, role_map, exp):
    user = logged_in(email="head.11110@example.org")
    user["exp"] = int(time.time()) - 5 if exp == "past" else exp
    at = app(AUTH, user).run()
    assert "VIEWER" not in shown(at)
    assert "expired" in shown(at)
    assert "Log out" in [b.label for b in at.button]
    assert "expired" in audit.recent(database).detail.iloc[0]


def test_broken_role_map_refuses_without_showing_details(database, role_map):
    Path(role_map).write_text('[[viewer]]\nemail = "x@y.org"\nrole = "boss"\n', encoding="utf-8")
    at = app(AUTH, logged_in(email="head.11110@example.org")).run()
    assert "VIEWER" not in shown(at)
    assert "boss" not in shown(at) and str(role_map) not in shown(at)
    assert "role_map_unusable" in audit.recent(database).detail.iloc[0]


# --- the dashboard itself, logged in ----------------------------------------------------------

ALL_ROLES = ROLES + """
[[viewer]]
email = "office@example.org"
role = "city"
"""


@pytest.mark.parametrize("claims, caption", [
    ({"email": "office@example.org"}, "City"),
    ({"sub": "team-subject"}, "Response Team"),
    ({"email": "head.11110@example.org"}, "District head 11110"),
])
def test_dashboard_runs_for_each_logged_in_role(database, role_map, navigation_not_pages_folder,
                                                claims, caption):
    Path(role_map).write_text(ALL_ROLES, encoding="utf-8")
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH["auth"]
    at.user = logged_in(**claims)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    assert "Logged in as" in sidebar and caption in sidebar
    assert "demo_view_as" not in [r.key for r in at.sidebar.radio]  # no demo switch with login


def test_dashboard_refuses_an_unknown_identity(database, role_map, navigation_not_pages_folder):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH["auth"]
    at.user = logged_in(email="stranger@example.org")
    at.run()
    assert not at.exception
    assert "no access to this dashboard" in shown(at)
    assert not at.sidebar.date_input and not at.sidebar.selectbox  # no filters, no pages
    assert audit.recent(database).action.tolist() == ["refused"]
