"""Issue 13 (fail closed), the routes that need no browser, on SQLite and PostgreSQL.

The demo gate (access.login.database_state and the page it leads to), audit rows that cannot be
written (viewing paused for real data, a banner on the demo), the login checks (cookie_secret,
session length, verified e-mail, a logged-out cookie replayed), the audit gaps (logout,
refused requests, the server's time on PostgreSQL) and the text functions of access.safe_text.
The browser routes are in tests/browser/test_security_browser.py.
"""
import io
import json
import sqlite3
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, insert, text, update
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from access import audit, login, safe_text
from access.viewer import Viewer
from data.db import make_engine
from data.generate import generate
from data.schema import audit_log, dataset_info
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    APP, MAPO, chart_elements, fresh_caches, navigation_not_pages_folder, painted,
)

PROBE = """
import streamlit as st
from access import login
viewer = login.current_viewer()
st.write(f"VIEWER {viewer.role} {viewer.district_code} {viewer.subject}")
"""
SECRET = "9f1c3a7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a"  # 32 bytes, hex
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": SECRET,
    "client_id": "dashboard", "client_secret": "test-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
HEAD = "head.11440@example.org"
ROLES = f"""
[[viewer]]
email = "{HEAD}"
role = "district"
district = "{MAPO}"

[[viewer]]
sub = "team-subject"
role = "response_team"
"""


@pytest.fixture
def generated(db_url, monkeypatch):
    """A small generated database on each of the two databases; the app points at it."""
    engine = make_engine(db_url)
    generate(engine, seed=3, scale=0.05)
    audit.protect(engine)
    monkeypatch.setenv("CASES_DB_URL", db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def role_map(tmp_path, monkeypatch):
    path = tmp_path / "roles.toml"
    path.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("CASES_ROLE_MAP", str(path))
    return path


def probe(secrets=None, user=None) -> AppTest:
    at = AppTest.from_string(PROBE, default_timeout=60)
    if secrets is not None:
        at.secrets["auth"] = secrets
    if user is not None:
        at.user = user
    return at


def dashboard(url, monkeypatch, *, user=None, secrets=AUTH) -> AppTest:
    monkeypatch.setenv("CASES_DB_URL", url)
    at = painted(AppTest.from_file(APP, default_timeout=90))
    if user is not None:
        at.secrets["auth"] = secrets
        at.user = user
    return at


def shown(at) -> str:
    parts = [str(e.value) for kind in ("title", "markdown", "caption", "error", "info", "warning")
             for e in getattr(at, kind)]
    parts += [str(e.value) for e in [*at.sidebar.caption, *at.sidebar.warning]]
    return " ".join(parts)


def logged_in(**claims) -> dict:
    now = int(time.time())
    if "email" in claims:
        claims.setdefault("email_verified", True)
    return {"is_logged_in": True, "iss": "http://idp.test", "iat": now - 60, "exp": now + 3600,
            "nonce": uuid.uuid4().hex, **claims}


def events(engine) -> pd.DataFrame:
    return audit.recent(engine, limit=10_000)


# --- items 1 and 2: the demo gate fails closed -------------------------------------------------

def test_a_generated_database_is_the_demo(generated):
    assert login.database_state(generated) == "synthetic"
    at = probe().run()
    assert "VIEWER response_team None demo" in shown(at)


@pytest.mark.parametrize("marks, why", [
    ({"synthetic": "TRUE"}, "not the generator's exact mark: ambiguous"),
    ({"synthetic": " true"}, "ambiguous"),
    ({"synthetic": "yes"}, "ambiguous"),
    ({"synthetic": "false"}, "says real"),
    ({}, "no mark"),
    ({"synthetic": "true", "loaded_at": "2021-03-31T09:00:00"}, "marked synthetic and loaded"),
])
def test_anything_but_the_generators_mark_is_real(generated, marks, why):
    with generated.begin() as conn:
        conn.execute(delete(dataset_info))
        if marks:
            conn.execute(insert(dataset_info), [{"key": k, "value": v} for k, v in marks.items()])
    assert login.database_state(generated) == "real", why
    at = probe().run()
    assert not at.exception
    assert "VIEWER" not in shown(at) and "Nothing is shown" in shown(at), why


def test_a_real_extract_loaded_into_a_generated_database_is_real(generated, tmp_path):
    from data.load import load_extract
    from tests.extract_fixtures import VALID, write_extract
    load_extract(generated, write_extract(tmp_path / "extract", VALID))
    assert login.database_state(generated) == "real"
    at = probe().run()
    assert not at.exception
    assert "VIEWER" not in shown(at) and "Nothing is shown" in shown(at)


def test_a_load_of_the_generators_own_export_is_real(generated, tmp_path):
    """It came through the loader: whoever made the files, they are treated as real."""
    from data.export import export_extract
    from data.load import load_extract
    export_extract(generated, tmp_path / "export")
    load_extract(generated, tmp_path / "export")
    assert login.database_state(generated) == "real"
    at = probe().run()
    assert "VIEWER" not in shown(at) and "Nothing is shown" in shown(at)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a case of SQLite's only
def test_an_unreadable_mark_on_sqlite_means_real(generated, db_url):
    with generated.begin() as conn:
        conn.execute(text("drop table dataset_info"))
    assert login.database_state(generated) == "real"
    at = probe().run()
    assert "VIEWER" not in shown(at) and "Nothing is shown" in shown(at)


def test_an_empty_database_is_not_the_demo_when_its_mark_cannot_be_read(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("drop table dataset_info"))
    assert login.database_state(engine) == "unreadable"
    engine.dispose()


@contextmanager
def pg_role(server_url: str, grants: list[str]):
    """A login role on the test database with only `grants`; yields its URL."""
    name = f"app_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server_url)
    database = make_url(server_url).database
    with admin.begin() as conn:
        conn.execute(text(f'create role "{name}" login'))
        conn.execute(text(f'grant connect on database "{database}" to "{name}"'))
        conn.execute(text(f'grant usage on schema public to "{name}"'))
        for grant in grants:
            conn.execute(text(grant.format(role=f'"{name}"')))
    try:
        yield make_url(server_url).set(username=name).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'drop owned by "{name}"'))
            conn.execute(text(f'drop role "{name}"'))
        admin.dispose()


# Select on every table (the case tables, the derived ones, audit_log), and nothing more.
SELECT_ONLY = ["grant select on all tables in schema public to {role}"]
# docs/deployment.md section 3: select on the case tables, select and insert on audit_log, and
# no grant on dataset_info.
DEPLOYMENT_GRANTS = SELECT_ONLY + [
    "revoke all on dataset_info from {role}",
    "grant insert on audit_log to {role}",
    "grant usage on sequence audit_log_event_id_seq to {role}",
]


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # database roles are PostgreSQL's
def test_the_deployment_role_without_dataset_info_sees_no_demo(generated, db_url, monkeypatch):
    with pg_role(db_url, DEPLOYMENT_GRANTS) as url:
        engine = make_engine(url)
        assert login.database_state(engine) == "real"
        engine.dispose()
        monkeypatch.setenv("CASES_DB_URL", url)
        at = probe().run()
        assert not at.exception
        assert "VIEWER" not in shown(at) and "Nothing is shown" in shown(at)


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # database roles are PostgreSQL's
def test_a_role_with_no_rights_sees_nothing_and_is_told_why(generated, db_url, monkeypatch):
    with pg_role(db_url, []) as url:
        engine = make_engine(url)
        assert login.database_state(engine) == "unreadable"
        engine.dispose()
        monkeypatch.setenv("CASES_DB_URL", url)
        at = probe().run()
        assert not at.exception
        assert "VIEWER" not in shown(at) and "shows nothing" in shown(at)


# --- issue 12 item 3: an audit row that cannot be written pauses real data ---------------------

def read_only_url(db_url: str) -> str:
    """The same database, opened so that nothing can be written (the app's view of a 0444 file,
    which root, as in CI, could still write)."""
    path = make_url(db_url).database
    return f"sqlite:///file:{path}?mode=ro&uri=true"


def test_real_data_pauses_when_the_audit_cannot_be_written(generated, db_url, role_map,
                                                           monkeypatch, navigation_not_pages_folder):
    with generated.begin() as conn:
        conn.execute(delete(dataset_info))   # real data, login on
    if db_url.startswith("sqlite"):
        urls = [read_only_url(db_url)]
    else:
        urls = [None]
    with (pg_role(db_url, SELECT_ONLY) if db_url.startswith("postgresql") else _nothing()) as pg_url:
        url = pg_url or urls[0]
        at = dashboard(url, monkeypatch, user=logged_in(email=HEAD)).run()
        assert not at.exception, [e.value for e in at.exception]
        assert "the access log cannot be written: viewing is paused" in shown(at).lower()
        assert not at.dataframe and not chart_elements(at) and not at.metric


@contextmanager
def _nothing():
    yield None


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # a case of SQLite's only
def test_a_locked_sqlite_database_pauses_instead_of_an_error_page(generated, db_url, role_map,
                                                                  monkeypatch,
                                                                  navigation_not_pages_folder):
    with generated.begin() as conn:
        conn.execute(delete(dataset_info))
    holder = sqlite3.connect(make_url(db_url).database, timeout=1)
    holder.execute("begin exclusive")  # another writer (a load) holds the database
    try:
        at = dashboard(db_url, monkeypatch, user=logged_in(email=HEAD)).run()
    finally:
        holder.rollback()
        holder.close()
    assert not at.exception
    assert "viewing is paused" in shown(at)
    assert not at.dataframe


def test_the_demo_still_shows_with_a_banner_when_unaudited(generated, db_url, monkeypatch,
                                                           navigation_not_pages_folder):
    if db_url.startswith("sqlite"):
        at = dashboard(read_only_url(db_url), monkeypatch).run()
        assert not at.exception, [e.stack_trace for e in at.exception]
        assert "access log cannot be written right now" in shown(at)
        assert at.title and at.title[0].value == "Overview"
        return
    with pg_role(db_url, SELECT_ONLY) as url:
        at = dashboard(url, monkeypatch).run()
        assert not at.exception, [e.value for e in at.exception]
        assert "access log cannot be written right now" in shown(at)


# --- item 12: cookie_secret and the longest session --------------------------------------------

@pytest.mark.parametrize("secret", [
    "...", "xxx", "", "ab" * 16,
    "a-short-secret", "0123456789abcdef" * 3, "a" * 80,
])
def test_a_weak_or_example_cookie_secret_refuses_to_start_login(generated, role_map, secret):
    assert login.secret_problem(secret)
    at = probe({**AUTH, "cookie_secret": secret}, logged_in(email=HEAD)).run()
    assert not at.exception
    assert "VIEWER" not in shown(at) and "Login is misconfigured" in shown(at)
    assert not [b for b in at.button if b.label == "Log in"]


def test_a_strong_cookie_secret_is_accepted():
    import secrets as random
    for secret in (random.token_hex(32), random.token_urlsafe(32), SECRET):
        assert login.secret_problem(secret) is None, secret


@pytest.mark.parametrize("iat_ago, exp_in, reason", [
    (60, 3600, None),
    (60, -5, "expired"),
    (13 * 3600, 3600, "too_long"),          # a login older than 12 h, whatever its exp says
    (60, 30 * 24 * 3600, "too_long"),       # a token issued for 30 days
    (None, 3600, "too_long"),               # no iat: age unknown
    (60, None, "expired"),
])
def test_the_session_is_at_most_twelve_hours(generated, role_map, iat_ago, exp_in, reason):
    now = time.time()
    iat = None if iat_ago is None else now - iat_ago
    exp = None if exp_in is None else now + exp_in
    assert login.session_problem(iat, exp, now=now) == reason
    user = logged_in(email=HEAD)
    user["iat"], user["exp"] = iat, exp
    at = probe(AUTH, user).run()
    if reason is None:
        assert f"VIEWER district {MAPO}" in shown(at)
    else:
        assert "VIEWER" not in shown(at)
        assert json.loads(events(generated).detail.iloc[0]) == {"reason": reason}


# --- item 7: e-mail only when verified ---------------------------------------------------------

@pytest.mark.parametrize("verified, matches", [
    (True, True), ("true", True), (None, False), (False, False), ("false", False), ("yes", False),
])
def test_email_matches_only_when_verified(generated, role_map, verified, matches):
    user = logged_in(email=HEAD, sub="some-sub")
    if verified is None:
        user.pop("email_verified")
    else:
        user["email_verified"] = verified
    at = probe(AUTH, user).run()
    assert (f"VIEWER district {MAPO}" in shown(at)) == matches
    if not matches:  # refused under its sub, not the unverified address
        assert events(generated).subject.iloc[0] == "some-sub"


def test_an_unverified_email_still_matches_by_sub(generated, role_map):
    at = probe(AUTH, logged_in(email="anyone@example.org", email_verified=False,
                               sub="team-subject")).run()
    assert "VIEWER response_team None team-subject" in shown(at)


# --- items 6 and 14: logout ends the login, and is audited -------------------------------------

def test_a_logged_out_cookie_is_refused_when_replayed(generated, role_map):
    cookie = logged_in(email=HEAD)
    at = probe(AUTH, cookie).run()
    assert f"VIEWER district {MAPO}" in shown(at)
    # What the sidebar's "Log out" button records before clearing the cookie (next test):
    viewer = Viewer(subject=HEAD, role="district", district_code=MAPO)
    audit.record(generated, viewer, "logout", "logout",
                 audit.detail_json(login=login.login_id(cookie)))
    replay = probe(AUTH, dict(cookie)).run()   # the copied cookie, in a new session
    assert "VIEWER" not in shown(replay) and "This login has ended" in shown(replay)
    log = events(generated)
    assert log.action.tolist()[:3] == ["refused", "logout", "login"]
    assert json.loads(log.detail.iloc[0]) == {"reason": "ended"}
    # A new login of the same person (a new token) is let in.
    fresh = probe(AUTH, logged_in(email=HEAD)).run()
    assert f"VIEWER district {MAPO}" in shown(fresh)


def test_the_log_out_button_records_a_logout(generated, role_map, monkeypatch):
    ended = []
    monkeypatch.setattr("streamlit.logout", lambda: ended.append(True))
    cookie = logged_in(email=HEAD)
    at = probe(AUTH, cookie).run()
    at.sidebar.button(key="_access_logout").click().run()
    assert ended == [True]
    logout = events(generated).query("action == 'logout'")
    assert len(logout) == 1 and logout.subject.iloc[0] == HEAD
    assert json.loads(logout.detail.iloc[0]) == {"login": login.login_id(cookie)}
    assert audit.login_ended(generated, HEAD, login.login_id(cookie))


# --- item 14: refused requests are audited; the server sets the time ---------------------------

def test_a_forged_request_for_the_audit_log_is_refused_and_audited(
        generated, role_map, monkeypatch, navigation_not_pages_folder):
    at = dashboard(generated.url.render_as_string(hide_password=False), monkeypatch,
                   user=logged_in(email=HEAD))
    at.switch_page("pages/audit_log.py")  # the page hash a forged rerun request would carry
    at.run()
    assert not at.exception
    assert "Audit log" not in [t.value for t in at.title]
    refused = events(generated).query("action == 'refused'")
    assert len(refused) == 1 and json.loads(refused.detail.iloc[0]) == {"page": "audit_log"}
    assert refused.subject.iloc[0] == HEAD


def test_a_head_opening_another_districts_list_is_recorded_refused(
        generated, role_map, monkeypatch, navigation_not_pages_folder):
    at = dashboard(generated.url.render_as_string(hide_password=False), monkeypatch,
                   user=logged_in(email=HEAD))
    at.session_state["filter_district"] = "11680"
    at.switch_page("pages/district_detail.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    refused = events(generated).query("action == 'refused'")
    assert len(refused) == 1
    assert json.loads(refused.detail.iloc[0]) == {"district": "11680", "query": "attention_list"}
    assert not (events(generated).query("action == 'child_list'").detail.str.contains("11680")).any()


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # database roles are PostgreSQL's
def test_postgresql_sets_the_time_of_an_event_and_requires_a_subject(generated, db_url):
    with pg_role(db_url, DEPLOYMENT_GRANTS) as url:
        app = make_engine(url)
        with app.begin() as conn:
            conn.execute(insert(audit_log).values(
                logged_at=datetime(2000, 1, 1, tzinfo=timezone.utc), subject="someone",
                role="city", page="p", action="view", detail=""))
        with pytest.raises(Exception, match="subject must name someone"):
            with app.begin() as conn:
                conn.execute(insert(audit_log).values(
                    logged_at=datetime.now(timezone.utc), subject=" ", role="city", page="p",
                    action="view", detail=""))
        with pytest.raises(Exception, match="permission denied|append-only"):
            with app.begin() as conn:
                conn.execute(update(audit_log).values(subject="someone else"))
        app.dispose()
    row = events(generated).iloc[0]
    assert row.subject == "someone"
    assert abs((pd.Timestamp.now(tz="UTC") - row.logged_at).total_seconds()) < 60


# --- items 4 and 5: extract text is text, never markup or a formula ----------------------------

@pytest.mark.parametrize("value", [
    "![x](http://evil.invalid/md.png)", "<img src=http://evil.invalid/h.png>",
    "<script>alert(1)</script>", ":material/home: :red[big]", "$x^2$", "# heading",
    "- item", "1. item", "[link](http://evil.invalid)", "a\n\n![x](http://evil.invalid/2.png)",
    "&lt;img&gt;", "`code`", "*em* _em_ ~~s~~", "see www.evil.invalid", "mail x@evil.invalid",
])
def test_markdown_escape_leaves_no_markup(value):
    import markdown_it
    rendered = markdown_it.MarkdownIt("commonmark").render(safe_text.markdown(value))
    for tag in ("<img", "<a ", "<script", "<h1", "<li", "<em", "<code", "<strong"):
        assert tag not in rendered, (value, rendered)
    assert "\n" not in safe_text.markdown(value)
    # GitHub-flavoured autolinks (Streamlit's Markdown) are found in text: none may remain.
    assert "://" not in safe_text.markdown(value) and "www." not in safe_text.markdown(value)


def test_markdown_escape_keeps_plain_names():
    for name in ("Mapo-gu", "Jongno-gu", "강남구", "Seoul (all districts)"[:5]):
        assert safe_text.markdown(name) == name


def test_html_escape_for_plotly():
    assert safe_text.html('<a href="http://evil.invalid">x</a>') == (
        "&lt;a href=&quot;http://evil.invalid&quot;&gt;x&lt;/a&gt;")


@pytest.mark.parametrize("value, expected", [
    ("=HYPERLINK(\"http://evil.invalid\",\"x\")", "'=HYPERLINK(\"http://evil.invalid\",\"x\")"),
    ("+1+cmd", "'+1+cmd"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("-12", "-12"), ("+3.5", "+3.5"), ("Mapo-gu", "Mapo-gu"), ("", ""),
    (-5, -5), (2.5, 2.5), (None, None),
])
def test_formula_cells_are_neutralised_and_numbers_kept(value, expected):
    assert safe_text.cell(value) == expected


def test_a_csv_keeps_numbers_numbers_and_has_no_formula_cell():
    df = pd.DataFrame({"district_code": ["11440", "11680"], "name": ["=1+1", "Mapo-gu"],
                       "change": [-3, 4], "rate": [-0.25, 0.5]})
    body = safe_text.csv_bytes(df)
    back = pd.read_csv(io.BytesIO(body), dtype={"district_code": str})
    assert back["change"].tolist() == [-3, 4] and back["rate"].tolist() == [-0.25, 0.5]
    assert back["name"].tolist() == ["'=1+1", "Mapo-gu"]
    for line in body.decode().splitlines():
        for cell in line.split(","):
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell


def test_a_csv_quotes_the_same_cells_as_one_cell_at_a_time():
    """csv_bytes quotes only the text cells Arrow finds starting like a formula: the file is
    the one quoting every cell in turn gives, for text in object and in pandas' own string
    columns, with missing values, numbers in text and numbers among text, and for a column of
    dates as Python objects (one cell at a time there)."""
    values = ["=1+1", "Mapo-gu", None, "-12", "+cmd", "=1+1", float("nan"), "@x", 7, "\tx"] * 30
    df = pd.DataFrame({"mixed": pd.Series(values, dtype=object),
                       "text": pd.Series([v if isinstance(v, str) else None for v in values],
                                         dtype="str"),
                       "days": pd.Series([pd.Timestamp("2021-03-02").date(), None] * 150,
                                         dtype=object)})
    one_at_a_time = df.assign(**{c: df[c].map(safe_text.cell) for c in df.columns})
    assert safe_text.csv_bytes(df) == one_at_a_time.to_csv(index=False).encode("utf-8")
    assert b"'=1+1" in safe_text.csv_bytes(df) and b"\n=" not in safe_text.csv_bytes(df)


def _random_columns(rng, rows: int) -> dict:
    """Columns of every kind a page's table may hold, some with cells a CSV must quote."""
    words = ["Mapo-gu", "마포구", "", " padded ", "=1+1", "-12", "a\tb", "C0000123"]
    special = ["a,b", 'say "hi"', "two\nlines", "cr\rhere"]

    def pick(pool, missing=None):
        values = [pool[i] for i in rng.integers(0, len(pool), rows)]
        if missing is not None and rows:
            for i in rng.choice(rows, size=max(1, rows // 5), replace=True):
                values[i] = missing
        return values

    days = pd.Timestamp("2021-01-13") + pd.to_timedelta(rng.integers(0, 90, rows), unit="D")
    return {
        "text": pd.Series(pick(words), dtype=object),
        "text_missing": pd.Series(pick(words, None), dtype=object),
        "text_special": pd.Series(pick(words + special), dtype=object),
        "pandas_text": pd.Series(pick(words, None), dtype="str"),
        "numbers_among_text": pd.Series(([7] + pick(words + [2.5], None))[:rows], dtype=object),
        "count": pd.Series(rng.integers(-5, 10**9, rows), dtype="int64"),
        "count_missing": pd.array([None if v % 4 == 0 else int(v)
                                   for v in rng.integers(0, 100, rows)], dtype="Int64"),
        "rate": pd.Series(rng.random(rows) * 100, dtype="float64"),
        "flag": pd.Series(rng.random(rows) < 0.5, dtype=bool),
        "day": pd.Series(days, dtype="datetime64[ns]").where(rng.random(rows) < 0.8),
        "moment": pd.Series(days + pd.to_timedelta(rng.integers(0, 86400, rows), unit="s")),
        "day_in_zone": pd.Series(days).dt.tz_localize("Asia/Seoul"),
        "day_object": pd.Series([d.date() for d in days], dtype=object),
    }


def test_a_csv_is_the_one_pandas_writes_whoever_writes_it():
    """csv_bytes writes with Arrow where Arrow gives pandas' bytes: for 400 frames of random
    columns of every kind (text with and without cells to quote, Korean, missing values,
    numbers among text, counts with and without gaps, rates, flags, days, times of day, a time
    zone, dates as Python objects), one to four columns of 0 to 40 rows, the file is the one
    pandas writes. Arrow wrote 29 of them (this seed), none with a float, a flag, a time of day,
    a time zone, Python dates, numbers among text or a cell to quote."""
    rng = np.random.default_rng(20210331)
    by_arrow = 0
    for _ in range(400):
        rows = int(rng.integers(0, 41))
        columns = _random_columns(rng, rows)
        names = list(rng.choice(list(columns), size=int(rng.integers(1, 5)), replace=False))
        df = pd.DataFrame({f"{n} {i}": columns[n] for i, n in enumerate(names)})
        expected = safe_text.dataframe(df).to_csv(index=False).encode("utf-8")
        assert safe_text.csv_bytes(df) == expected, names
        written = safe_text._arrow_csv(safe_text.dataframe(df))
        if written is not None:
            by_arrow += 1
            assert written == expected
            assert not rows or not set(names) & {"rate", "flag", "moment", "day_in_zone",
                                                 "day_object", "numbers_among_text"}
            assert b'"' not in written[len(expected.split(b"\n")[0]):]
    assert by_arrow >= 20


def test_a_child_list_is_written_by_arrow():
    """The download of a child list (ids, codes, names, days, counts) goes through Arrow's
    writer, with the bytes pandas writes; a name with a comma sends it back to pandas, which
    quotes that cell."""
    rows = 5000
    df = pd.DataFrame({
        "child_id": [f"C{i:07d}" for i in range(rows)],
        "district": ["마포구", "Mapo-gu"] * (rows // 2),
        "finding": ["never_visited_past_midpoint"] * rows,
        "date": pd.Series(pd.Timestamp("2021-03-02"), index=range(rows)),
        "attempts": np.arange(rows, dtype="int64"),
    })
    expected = df.to_csv(index=False).encode("utf-8")
    assert safe_text._arrow_csv(safe_text.dataframe(df)) == expected
    assert safe_text.csv_bytes(df) == expected
    df.loc[7, "district"] = "Mapo-gu, Seoul"
    assert safe_text._arrow_csv(safe_text.dataframe(df)) is None
    assert b'"Mapo-gu, Seoul"' in safe_text.csv_bytes(df)
    assert safe_text.csv_bytes(df) == df.to_csv(index=False).encode("utf-8")


def test_every_download_is_built_on_click_and_audited(generated, monkeypatch,
                                                      navigation_not_pages_folder):
    """Item 3 without a browser: the dashboard hands st.download_button a callable (nothing is
    stored under /media/ before a click); calling it writes a `download` row and gives a CSV
    without a formula-leading cell."""
    import streamlit as st
    offered = []
    original = st.download_button

    def recording(label, data, *args, file_name=None, **kwargs):
        offered.append((file_name, data))
        return original(label, data, *args, file_name=file_name, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    at = dashboard(generated.url.render_as_string(hide_password=False), monkeypatch)
    at.session_state["demo_view_as"] = "district"
    at.session_state["demo_district"] = MAPO
    at.switch_page("pages/briefing.py")
    at.run()
    assert not at.exception
    assert offered and all(callable(data) for _, data in offered)
    before = len(events(generated).query("action == 'download'"))
    for name, data in offered:
        body = data()
        for line in body.decode("utf-8").splitlines()[1:]:
            assert not line.startswith(("=", "+", "@")), (name, line)
    downloads = events(generated).query("action == 'download'")
    assert len(downloads) == before + len(offered)
    assert set(downloads.detail) >= {name for name, _ in offered}
