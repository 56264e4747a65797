"""AppTest of what the app shows each role beyond the pages themselves: the audit log page, the
audit trail of views and child-level lists, public city totals for district heads, and an
unreachable database."""
import io
import socket
import threading

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from access import audit, policy
from data.db import make_engine
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    MAPO, app_test, fresh_caches, generated_url, navigation_not_pages_folder, no_exception,
)

pytestmark = pytest.mark.usefixtures("navigation_not_pages_folder")
AUDIT_PAGE = "pages/audit_log.py"


def _metric(at, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def test_the_response_team_reads_the_audit_log(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url)
    at.run()  # the overview: one view logged
    at.switch_page(AUDIT_PAGE)
    at.run()
    no_exception(at)
    assert at.title[0].value == "Audit log"
    shown = at.dataframe[0].value
    logged = audit.recent(make_engine(generated_url), limit=500)
    assert len(shown) == len(logged) > 0
    assert "Overview" in set(logged["page"])


@pytest.mark.parametrize("role, district", [("city", None), ("district", MAPO)])
def test_other_roles_get_no_audit_log(monkeypatch, generated_url, role, district):
    at = app_test(monkeypatch, generated_url, role=role, district=district, page=AUDIT_PAGE)
    at.run()
    no_exception(at)
    assert not at.dataframe, "the audit log must not be shown to this role"


def test_a_collapsed_list_of_children_is_not_read_or_sent_until_opened(monkeypatch,
                                                                         generated_url):
    """Inspections' unreachable children: collapsed, no child row reaches the browser and no
    child list is audited; opened, both."""
    def child_lists(at):
        return [df.value for df in at.dataframe if "Child (pseudonymous id)" in df.value.columns]

    def audited():
        engine = make_engine(generated_url)
        with engine.connect() as conn:
            n = conn.execute(text("select count(*) from audit_log where action = 'child_list'"
                                  " and page = 'Inspections'")).scalar()
        engine.dispose()
        return n

    before = audited()
    at = app_test(monkeypatch, generated_url, page="pages/inspections.py")
    at.run()
    no_exception(at)
    assert child_lists(at) == [] and audited() == before
    at.session_state["inspections_unreachable_open"] = True
    at.run()
    no_exception(at)
    assert len(child_lists(at)) == 1 and len(child_lists(at)[0]) > 0
    assert audited() == before + 1


def test_views_and_child_lists_are_audited(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, role="district", district=MAPO,
                  page="pages/briefing.py")
    at.run()
    no_exception(at)
    events = audit.recent(make_engine(generated_url), limit=50)
    mine = events[(events["role"] == "district") & (events["district_code"] == MAPO)]
    assert {"view", "child_list"} <= set(mine["action"])
    child_list = mine[mine["action"] == "child_list"].iloc[0]
    assert child_list["rows"] is not None and not pd.isna(child_list["rows"])
    assert '"district":"11440"' in child_list["detail"]


def test_a_district_head_sees_the_same_city_totals_as_the_city(monkeypatch, generated_url):
    # City-level aggregates are public to every role; only other districts' cells are masked.
    shown = {}
    for role, district in [("city", None), ("district", MAPO)]:
        at = app_test(monkeypatch, generated_url, role=role, district=district)
        at.session_state["filter_district"] = "city"
        at.run()
        no_exception(at)
        shown[role] = [(m.label, m.value) for m in at.metric]
    assert shown["district"] == shown["city"]
    # listed, completion and projection of the first cohort: known, not masked
    assert all(value != "—" for _, value in shown["district"][:3]), shown["district"]


def test_an_unreachable_database_says_so(monkeypatch):
    at = app_test(monkeypatch, "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    at.run()
    no_exception(at)
    assert at.title[0].value == "The case database cannot be reached"


def test_a_database_that_never_answers_says_so_in_time(monkeypatch, silent_server):
    """A host that accepts the connection and never answers (a stalled PostgreSQL): the page
    gives up after data.db's connect timeout, with no timeout in the URL, and says so."""
    from data import db
    monkeypatch.setattr(db, "PG_CONNECT_TIMEOUT_S", 2)
    at = app_test(monkeypatch, f"postgresql+psycopg://nobody@127.0.0.1:{silent_server}/none")
    at.run(timeout=120)
    no_exception(at)
    assert at.title[0].value == "The case database cannot be reached"


@pytest.mark.parametrize("lang, words", [("en", "stopped answering"), ("ko", "응답하지 않아")])
def test_a_database_that_stops_answering_halfway_through_a_page_says_so(
        monkeypatch, generated_url, lang, words):
    """The page's title and what came before are drawn; where a read fails (a restart, a lost
    connection, a cancelled statement), the page says so, not Streamlit's error box."""
    import queries
    import queries.cache
    original = queries.run

    def stops_at_district_progress(name, *args, **kwargs):
        if name == "district_progress":
            raise OperationalError("select ...", {}, Exception("server closed the connection"))
        return original(name, *args, **kwargs)

    monkeypatch.setattr(queries.cache.queries, "run", stops_at_district_progress)
    at = app_test(monkeypatch, generated_url, page="pages/inspections.py", filter_lang=lang)
    at.run()
    no_exception(at)
    assert at.title[0].value in ("Inspections", "점검 현황")
    assert len(at.error) == 1 and words in at.error[0].value


@pytest.mark.parametrize("lang, words", [("en", "older version"), ("ko", "이전 버전")])
def test_a_database_made_before_a_derived_table_says_what_fixes_it(
        monkeypatch, tmp_path, generated_url, lang, words):
    """A database made before the forecast's groups existed, opened by a dashboard that may not
    create tables (production: the schema owner does): the page says which table is missing and
    the command that makes it, not Streamlit's error box."""
    import shutil

    from pages.common import startup
    copy = tmp_path / "old.db"
    shutil.copy(generated_url.removeprefix("sqlite:///"), copy)
    engine = make_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        conn.exec_driver_sql("drop table first_visit_groups")
    engine.dispose()
    monkeypatch.setattr(startup, "prepare_database", lambda url: None)
    at = app_test(monkeypatch, f"sqlite:///{copy}", page="pages/overview.py", filter_lang=lang)
    at.run(timeout=120)
    no_exception(at)
    assert at.title[0].value in ("Overview", "종합 현황")
    assert len(at.error) == 1
    assert words in at.error[0].value and "first_visit_groups" in at.error[0].value
    assert "python -m data refresh" in at.error[0].value


@pytest.fixture
def silent_server():
    """The port of a TCP server that accepts every connection and never sends a byte."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept():
        while True:
            try:
                accepted.append(server.accept()[0])
            except OSError:  # closed at the end of the test
                return

    threading.Thread(target=accept, daemon=True).start()
    yield server.getsockname()[1]
    server.close()
    for conn in accepted:
        conn.close()


@pytest.mark.parametrize("page, query", [("pages/inspections.py", "district_progress"),
                                         ("pages/referrals.py", "referral_outcomes")])
def test_the_download_for_sharing_has_no_small_counts(monkeypatch, generated_url, page, query):
    captured = {}
    original = st.download_button

    def recording(label, data, *args, file_name=None, **kwargs):
        captured[file_name] = data() if callable(data) else data  # built on click: click it
        return original(label, data, *args, file_name=file_name, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    at = app_test(monkeypatch, generated_url, page=page, role="district", district=MAPO)
    at.run()
    no_exception(at)
    shared = [name for name in captured if name.endswith("_for_sharing.csv")]
    assert len(shared) == 1
    df = pd.read_csv(io.BytesIO(captured[shared[0]]), dtype={"district_code": str})
    assert set(df["district_code"]) > {MAPO}, "every district, the viewer's own masked too"
    for col in policy.RULES[query].counts:
        assert not df[col].dropna().between(1, 10).any(), col
