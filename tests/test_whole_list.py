"""A whole child list from PostgreSQL is read by COPY (queries/whole_list.py): the same DataFrame,
types and order included, as the runner's row-by-row reading gives."""
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import queries
from data.db import make_engine
from data.generate import generate
from queries import runner, whole_list


@pytest.fixture(scope="module")
def generated(pg_server_url):
    from data.schema import metadata
    engine = make_engine(pg_server_url)
    metadata.drop_all(engine)
    generate(engine, seed=11, scale=0.1)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("name", sorted(queries.CHILD_LEVEL))
def test_a_whole_list_by_copy_is_the_list_read_row_by_row(generated, name, monkeypatch):
    """At three days, for the city, a district and a cohort: the frames are equal (dtypes too),
    and the first was read by COPY (a list's first rows and SQLite are read as usual)."""
    copied = []
    read = whole_list.read
    monkeypatch.setattr(whole_list, "read", lambda *a: copied.append(a) or read(*a))
    district = queries.run("districts", generated, as_of=date(2021, 3, 1))["district_code"][3]
    rows = 0
    for day in (date(2021, 2, 1), date(2021, 3, 2), date(2021, 4, 30)):
        for kw in ({}, {"district": district}, {"cohort": "neglect_risk"}):
            by_copy = queries.run(name, generated, as_of=day, **kw)
            with monkeypatch.context() as m:
                m.setattr(runner, "CHILD_LEVEL", frozenset())
                by_rows = queries.run(name, generated, as_of=day, **kw)
            pd.testing.assert_frame_equal(by_copy, by_rows)
            rows += len(by_copy)
    assert len(copied) == 9 and rows > 0


COLUMNS = (("child_id", "text"), ("district_code", "text"), ("since", "date"),
           ("attempts", "count"), ("gap", "integer"), ("rate", "rate"), ("value", "number"))
# Text a CSV must quote or tell apart (a comma, a quote, a line break, an empty text against a
# missing one), Korean, spaces; ties on the first key, so that the order of the rest shows.
ROWS = """
select 'a,b' as child_id, '마포구' as district_code, date '2021-03-02' as since,
       3 as attempts, 4 as gap, 0.1::float8 as rate, 2.5::numeric as value
union all select 'say "hi"', '', null, null, null, null, null
union all select E'two\\nlines', null, date '2021-01-13', 0, -1, 1e-300, 1e20
union all select 'C0000001', ' padded ', date '2021-04-30', 7, 0, 2.0 / 3, -0.0
union all select 'C0000001', 'Mapo-gu', date '2021-04-30', 1, 2, 1, 3
union all select null, 'Mapo-gu', date '2021-02-01', 5, 6, 0.5, 0.25
union all select '', 'x', date '2021-02-01', 5, 6, 0.5, 0.25
"""


@pytest.mark.parametrize("where", ["", "where false"], ids=["rows", "no rows"])
def test_text_to_quote_missing_values_and_every_kind_come_back_as_read_row_by_row(
        pg_server_url, where):
    engine = make_engine(pg_server_url)
    stmt = text(f"select * from ({ROWS}) r {where}")
    query = runner.Query("hostile", COLUMNS, {"default": ""})
    with engine.connect() as conn:
        by_copy = whole_list.read(conn, stmt, {}, COLUMNS)
    with engine.connect() as conn:
        raw = runner.column_arrays(conn.execute(stmt))
    engine.dispose()
    by_rows = runner._shape(query, raw, len(raw["child_id"]))
    pd.testing.assert_frame_equal(by_copy, by_rows)
    if not where:
        assert by_copy["child_id"].tolist()[:4] == ["", "C0000001", "C0000001", "a,b"]
        assert by_copy["district_code"].tolist()[1:3] == [" padded ", "Mapo-gu"]
        assert None in by_copy["child_id"].tolist() and "" in by_copy["district_code"].tolist()


def test_a_database_error_during_the_copy_is_sqlalchemys_and_the_connection_goes_on(
        pg_server_url):
    """The pages catch SQLAlchemy's errors (a page that says the database is not answering):
    a statement cancelled halfway through its COPY raises one, and the pooled connection is
    used again afterwards."""
    engine = make_engine(pg_server_url)
    slow = text("select g::text as child_id from generate_series(1, 1000000) g "
                "where pg_sleep(0.00001) is not null")
    with pytest.raises(OperationalError, match="statement timeout"):
        with engine.connect() as conn:
            conn.exec_driver_sql("set local statement_timeout = 200")
            whole_list.read(conn, slow, {}, (("child_id", "text"),))
    with engine.connect() as conn:
        assert conn.execute(text("select 1")).scalar() == 1
    engine.dispose()
