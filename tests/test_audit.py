"""The audit trail on SQLite and PostgreSQL: events go in, come back newest first, never change."""
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from access import audit
from data.db import create_schema, make_engine
from data.schema import metadata
from access.viewer import Viewer

HEAD = Viewer("head@example.org", "district", "11110")
TEAM = Viewer("team@example.org", "response_team")


def test_record_and_recent(engine):
    audit.record(engine, HEAD, "overview", "view", audit.detail_json(cohort="neglect_risk", district=None), rows=25)
    audit.record(engine, TEAM, "briefing", "child_list", audit.detail_json(district="11140"), rows=3)
    audit.record(engine, TEAM, "briefing", "download", rows=3)
    df = audit.recent(engine)
    assert list(df.columns) == ["event_id", "logged_at", "subject", "role", "district_code", "page",
                                "action", "detail", "rows"]
    assert df.action.tolist() == ["download", "child_list", "view"]          # newest first
    first = df.iloc[-1]
    assert (first.subject, first.role, first.district_code, first.page, first.rows) == (
        "head@example.org", "district", "11110", "overview", 25)
    assert json.loads(first.detail) == {"cohort": "neglect_risk"}           # None left out
    assert str(df.logged_at.dt.tz) == "UTC"
    assert len(audit.recent(engine, limit=2)) == 2


def test_no_secrets_in_the_log(engine):
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    detail = audit.detail_json(cohort="x", id_token=jwt, password="hunter2", cookie="abc")
    assert json.loads(detail) == {"cohort": "x"}
    audit.record(engine, HEAD, "overview", "view", f"pasted {jwt} here")
    stored = audit.recent(engine).detail.iloc[0]
    assert jwt not in stored and "[redacted]" in stored


def test_unknown_action_is_refused(engine):
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(engine, HEAD, "overview", "peek")
    assert audit.recent(engine).empty


def test_the_module_offers_no_way_to_change_history():
    public = {n for n in dir(audit) if not n.startswith("_")}
    assert not {n for n in public if any(w in n for w in ("update", "delete", "clear", "purge", "edit"))}


@pytest.mark.parametrize("statement", [
    "update audit_log set role = 'city'",
    "delete from audit_log",
])
def test_protected_log_rejects_update_and_delete(engine, statement):
    audit.protect(engine)
    audit.protect(engine)  # idempotent: the app may call it at every start
    audit.record(engine, HEAD, "overview", "view")
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text(statement))
    df = audit.recent(engine)
    assert len(df) == 1 and df.role.iloc[0] == "district"
    audit.record(engine, TEAM, "overview", "view")  # appending still works
    assert len(audit.recent(engine)) == 2


@pytest.fixture
def pg_engine(pg_server_url):
    engine = make_engine(pg_server_url)
    metadata.drop_all(engine)
    create_schema(engine)
    yield engine
    engine.dispose()


def test_protected_log_rejects_truncate_on_postgresql(pg_engine):
    # SQLite has no TRUNCATE (its "delete from" without where is covered above).
    engine = pg_engine
    audit.protect(engine)
    audit.record(engine, HEAD, "overview", "view")
    with pytest.raises(DBAPIError, match="append-only"):
        with engine.begin() as conn:
            conn.execute(text("truncate audit_log"))
    assert len(audit.recent(engine)) == 1


def test_record_once_logs_changes_not_reruns(engine):
    memory = {}  # st.session_state in the app
    assert audit.record_once(engine, HEAD, "overview", "view", audit.detail_json(cohort="a"), memory=memory)
    assert not audit.record_once(engine, HEAD, "overview", "view", audit.detail_json(cohort="a"), memory=memory)
    assert audit.record_once(engine, HEAD, "overview", "view", audit.detail_json(cohort="b"), memory=memory)
    assert audit.record_once(engine, HEAD, "staffing", "view", audit.detail_json(cohort="b"), memory=memory)
    assert audit.record_once(engine, HEAD, "overview", "child_list", audit.detail_json(cohort="b"), rows=4,
                             memory=memory)
    assert len(audit.recent(engine)) == 4
