"""child_status, the derived per-child dates (data/child_status.sql), on SQLite and PostgreSQL.

After a refresh it must equal the same dates worked out here in Python, straight from metrics.md,
on the hand-checked fixture and on a small generated database; the loader, the generator and
`python -m data refresh` must refresh it; and the queries must refresh an empty one once.
"""
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import select, text

import queries
from data import generate
from data.__main__ import main as data_main
from data.load import load_extract
from data.schema import (
    attention_spans, attention_steps, child_status, children, first_visit_groups,
    first_visit_states, referrals, visits,
)
from data.status import refresh_child_status
from tests import query_fixtures

D = query_fixtures.D
PROTECTIVE = {"police_investigation", "protection_agency", "emergency_protection"}
DATE_COLUMNS = ("listed_on", "removed_on", "first_visit_on", "third_visit_on", "first_seen_on",
                "first_high_risk_on", "first_protective_referral_on", "first_unlisted_visit_on",
                "first_early_referral_on")


def _date(value):
    """SQLite returns dates through SQLAlchemy's Date type as dates already; text just in case."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def expected_status(conn) -> dict[str, tuple]:
    """Every child's status, computed in Python from the rows, one visit at a time."""
    kids = conn.execute(select(children)).mappings().all()
    by_child = {k["child_id"]: [] for k in kids}
    visit_date = {}
    for v in conn.execute(select(visits)).mappings():
        by_child[v["child_id"]].append(v)
        visit_date[v["visit_id"]] = _date(v["visit_date"])
    protective, early = {}, {}
    for r in conn.execute(select(referrals)).mappings():
        day = _date(r["referred_on"])
        if r["kind"] in PROTECTIVE:
            protective[r["child_id"]] = min(day, protective.get(r["child_id"], day))
        if r["visit_id"] is not None and day < visit_date[r["visit_id"]]:
            early[r["child_id"]] = min(day, early.get(r["child_id"], day))
    out = {}
    for k in kids:
        listed = _date(k["listed_on"])
        all_visits = sorted(by_child[k["child_id"]],
                            key=lambda v: (_date(v["visit_date"]), v["visit_id"]))
        counted = [v for v in all_visits if _date(v["visit_date"]) >= listed]
        unlisted = [v for v in all_visits if _date(v["visit_date"]) < listed]
        seen = [v for v in counted if v["outcome"] == "seen"]
        high = [v for v in seen
                if v["risk_level"] in ("high", "emergency") or v["abuse_suspected"] is True]
        first = lambda vs: _date(vs[0]["visit_date"]) if vs else None  # noqa: E731
        out[k["child_id"]] = (
            k["district_code"], k["cohort"], listed, _date(k["removed_on"]),
            first(counted),
            _date(counted[2]["visit_date"]) if len(counted) >= 3 else None,
            first(seen), first(high), protective.get(k["child_id"]), first(unlisted),
            early.get(k["child_id"]),
        )
    return out


def stored_status(conn) -> dict[str, tuple]:
    rows = conn.execute(select(child_status)).mappings()
    return {r["child_id"]: (r["district_code"], r["cohort"],
                            *(_date(r[c]) for c in DATE_COLUMNS)) for r in rows}


def test_refresh_agrees_with_a_direct_computation_on_the_fixture(engine):
    query_fixtures.load(engine)               # refreshes child_status
    with engine.connect() as conn:
        expected, stored = expected_status(conn), stored_status(conn)
    assert stored == expected
    # A few rows read by hand from the fixture, so the Python above is checked too.
    assert stored["C002"][4:7] == (dt.date(2021, 2, 1), dt.date(2021, 2, 5), None)
    assert stored["C002"][9] == dt.date(2021, 1, 10)           # the visit before its listing
    assert stored["C005"][6:9] == (dt.date(2021, 2, 22), dt.date(2021, 3, 1), None)
    assert stored["N101"][8] == dt.date(2021, 1, 14)           # emergency_protection
    assert stored["N002"][4:] == (None,) * 7
    assert stored["N103"][10] == dt.date(2021, 1, 14)          # R09, a day before its visit


def test_refresh_agrees_with_a_direct_computation_on_generated_data(engine):
    generate.generate(engine, seed=7, scale=0.02)
    with engine.connect() as conn:
        expected, stored = expected_status(conn), stored_status(conn)
    assert len(stored) > 500
    assert stored == expected
    # The generated data has each kind of date, so none of the comparisons above was vacuous.
    for i in range(4, 10):      # first_early_referral_on is rare there; the fixture has one
        assert any(row[i] is not None for row in stored.values()), DATE_COLUMNS[i - 2]


def test_refresh_replaces_every_row(engine):
    query_fixtures.load(engine)
    with engine.begin() as conn:
        conn.execute(visits.insert(), [{
            "visit_id": "V90", "child_id": "N002", "visit_date": dt.date(2021, 2, 26),
            "staff_id": "S05", "second_staff_id": None, "outcome": "seen",
            "risk_level": "emergency", "abuse_suspected": False}])
        refresh_child_status(conn)
        refresh_child_status(conn)            # twice in one transaction: no duplicate keys
    with engine.connect() as conn:
        assert stored_status(conn) == expected_status(conn)
        assert stored_status(conn)["N002"][6:8] == (dt.date(2021, 2, 26),) * 2


def _seen_11110_neglect(engine) -> int:
    df = queries.run("district_progress", engine, as_of=D, district="11110",
                     cohort="neglect_risk")
    return int(df["seen"].iloc[0])


def test_loading_an_extract_refreshes_it(engine, tmp_path):
    # N002 (11110, neglect_risk) was never visited; an extract brings its first seen visit.
    query_fixtures.load(engine)
    assert _seen_11110_neglect(engine) == 1
    (tmp_path / "visits.csv").write_text(
        "visit_id,child_id,visit_date,staff_id,second_staff_id,outcome,risk_level,"
        "abuse_suspected\nV91,N002,2021-02-27,S05,,seen,low,false\n", encoding="utf-8")
    assert load_extract(engine, tmp_path) == {"visits.csv": 1}
    assert _seen_11110_neglect(engine) == 2
    with engine.connect() as conn:
        assert stored_status(conn) == expected_status(conn)


def test_a_failed_load_leaves_it_as_it_was(engine, tmp_path):
    query_fixtures.load(engine)
    with engine.connect() as conn:
        before = stored_status(conn)
    (tmp_path / "visits.csv").write_text(
        "visit_id,child_id,visit_date,staff_id,second_staff_id,outcome,risk_level,"
        "abuse_suspected\nV92,N002,2021-02-27,S05,,seen,low,false\n"
        "V93,NOBODY,2021-02-27,S05,,seen,low,false\n", encoding="utf-8")
    with pytest.raises(Exception):
        load_extract(engine, tmp_path)
    with engine.connect() as conn:
        assert stored_status(conn) == before
    assert _seen_11110_neglect(engine) == 1


def test_the_command_refreshes_it(db_url, capsys):
    from data.db import make_engine
    engine = make_engine(db_url)
    query_fixtures.load(engine)
    with engine.begin() as conn:
        conn.execute(child_status.delete().where(child_status.c.child_id == "C001"))
    assert data_main(["refresh", "--db", db_url]) == 0
    assert "refreshed child_status" in capsys.readouterr().out
    with engine.connect() as conn:
        assert stored_status(conn) == expected_status(conn)
    engine.dispose()


def test_queries_fill_an_empty_table_once(engine):
    # A database filled before child_status existed: children, but no status rows.
    query_fixtures.load(engine)
    with engine.begin() as conn:
        conn.execute(child_status.delete())
    df = queries.run("district_progress", engine, as_of=D, district="11110",
                     cohort="neglect_risk")
    assert int(df["listed"].iloc[0]) == 3 and int(df["seen"].iloc[0]) == 1
    with engine.connect() as conn:
        assert stored_status(conn) == expected_status(conn)


@pytest.mark.parametrize("table, query", [(attention_spans, "attention_list"),
                                          (attention_steps, "attention_detail")],
                         ids=lambda x: getattr(x, "name", x))
def test_queries_fill_an_empty_attention_table_once(engine, table, query):
    # A database refreshed before the table existed: statuses (and spans), but no rows in it.
    query_fixtures.load(engine)
    before = queries.run(query, engine, as_of=D)
    assert len(before) > 0
    with engine.begin() as conn:
        conn.execute(table.delete())
    pd.testing.assert_frame_equal(queries.run(query, engine, as_of=D), before)


@pytest.mark.parametrize("table", [first_visit_states, first_visit_groups],
                         ids=lambda t: t.name)
def test_the_forecast_fills_an_empty_first_visit_states_table_once(engine, table):
    # A database refreshed before the table existed: facts, but no states or groups.
    query_fixtures.load(engine)
    before = queries.run("completion_forecast", engine, as_of=D)
    assert before["listed"].sum() > 0
    with engine.begin() as conn:
        conn.execute(table.delete())
    pd.testing.assert_frame_equal(queries.run("completion_forecast", engine, as_of=D), before)


def test_queries_name_the_fix_when_the_table_is_missing(engine):
    query_fixtures.load(engine)
    with engine.begin() as conn:
        conn.execute(text("drop table child_status"))
    with pytest.raises(RuntimeError, match="python -m data refresh"):
        queries.run("attention_list", engine, as_of=D)
