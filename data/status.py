"""Rebuild child_status, the per-child dates the figures compare with the as-of day, and the
per-day facts built on it (district_day_facts, referral_day_facts, first_visit_facts, its
running sums first_visit_states and their groups first_visit_groups and first_visit_attempts,
district_visit_days), the child alerts' runs (child_alert_runs), the big tables' counts
(table_counts), the attention list's spans (attention_spans) and their steps from one visit day
to the next (attention_steps).

`refresh_child_status(conn)` runs data/child_status.sql, then data/day_facts.sql (its date
arithmetic spelled for the database, DATE_EXPRESSIONS), on the caller's connection, inside the
caller's transaction: the loader and the generator call it last, so the derived tables change
together with the extract tables or not at all. Run it (or `python -m data refresh`) after
changing children, visits or referrals by any other means; the queries would otherwise read
stale dates and counts.
"""
import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, DropIndex

from data.schema import (
    attention_spans, attention_steps, child_alert_runs, child_status, district_day_facts,
    district_visit_days, first_visit_attempts, first_visit_facts, first_visit_groups,
    first_visit_states, referral_day_facts, table_counts,
)

HERE = Path(__file__).resolve().parent
SQL_FILE = HERE / "child_status.sql"
FACTS_FILE = HERE / "day_facts.sql"
DERIVED = (child_status, district_day_facts, referral_day_facts, first_visit_facts,
           first_visit_states, first_visit_groups, first_visit_attempts, district_visit_days,
           child_alert_runs, table_counts, attention_spans, attention_steps)

# The only things the derived tables' SQL spells differently per database are date arithmetic
# and joining text (SQLite 3.40 has no string_agg): each `{name}` in data/day_facts.sql is one
# of these expressions (fixed text, never input), so the file exists once instead of as two
# copies that must be kept alike.
DATE_EXPRESSIONS = {
    "sqlite": {
        "week_after_first_seen": "date(first_seen_on, '+7 days')",
        "referral_delay_days":
            "cast(julianday(r.referred_on) - julianday(v.visit_date) as integer)",
        "child_ids": "group_concat(child_id, ' ')",
    },
    "postgresql": {
        "week_after_first_seen": "first_seen_on + 7",
        "referral_delay_days": "r.referred_on - v.visit_date",
        "child_ids": "string_agg(child_id, ' ')",
    },
}
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _statements(path: Path = SQL_FILE, dialect: str | None = None) -> list[str]:
    # Each file holds statements separated by a semicolon at a line's end; no comment in them
    # contains one. A `{name}` is replaced by the dialect's expression (an unknown name or
    # dialect fails here, not as an SQL error).
    body = path.read_text(encoding="utf-8")
    if dialect is not None:
        expressions = DATE_EXPRESSIONS[dialect]
        body = _PLACEHOLDER.sub(lambda m: expressions[m.group(1)], body)
    return [s.strip() for s in body.split(";\n") if s.strip() and not _only_comments(s)]


def _only_comments(sql: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in sql.splitlines())


def refresh_child_status(conn: Connection) -> None:
    """Delete and rebuild every row of child_status from children, visits and referrals, then
    the per-day facts from those."""
    if conn.dialect.name == "postgresql":
        # Two refreshes at once (two dashboard processes finding the table empty) would both
        # insert every child and one would fail on the key; the second waits here instead.
        # SQLite needs nothing: a writer holds the whole database.
        conn.exec_driver_sql("lock table child_status in share row exclusive mode")
        # No JIT compilation for these few large statements: their plans are costly enough to
        # be compiled with inlining and optimisation, which took longer than running them
        # (district_day_facts: 11 of 16 s at scale 30). Until the caller's transaction ends.
        conn.exec_driver_sql("set local jit = off")
    # Building the date indexes once after the insert is several times cheaper than updating
    # them row by row (a million children at scale 30). DDL is transactional on both databases.
    for table in DERIVED:
        for index in table.indexes:
            conn.execute(DropIndex(index, if_exists=True))
    for statement in _statements():
        conn.execute(text(statement))
    for index in child_status.indexes:
        conn.execute(CreateIndex(index, if_not_exists=True))
    # Fresh statistics, so the planners see the new table's size and the dates' spread, and the
    # source tables' after a load (PostgreSQL analyses new rows only when autovacuum comes by;
    # SQLite never does on its own), before the facts join them. Both run analyze inside a
    # transaction.
    _analyze(conn, "children", "visits", "referrals", "child_status")
    for statement in _statements(FACTS_FILE, conn.dialect.name):
        conn.execute(text(statement))
    for table in DERIVED[1:]:
        for index in table.indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))
    _analyze(conn, *(t.name for t in DERIVED[1:]))


def derived_statements(dialect: str) -> list[str]:
    """The rebuild's statements alone, child_status's then the per-day facts', in order: for a
    caller that runs them on copies of the tables (data/aside.py, SQLite) and needs none of the
    index and statistics work above."""
    return _statements() + _statements(FACTS_FILE, dialect)


def _analyze(conn: Connection, *tables: str) -> None:
    for table in tables:
        conn.exec_driver_sql(f"analyze {table}")   # fixed names, never input
