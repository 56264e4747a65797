"""Derived tables rebuilt aside and swapped in, so that PostgreSQL readers never wait for them.

Rebuilding child_status (and the per-day facts) in place takes locks that block readers: its
indexes are dropped and rebuilt for speed, which locks the table exclusively until the load
commits (a reader waited 2.4 s). Instead, inside the load's transaction:

1. a schema of this session's own gets an empty copy of each derived table, and a view of each
   other table (so the rebuild reads the real rows);
2. the search path is that schema alone, and the unchanged refresh (data/status.py) runs there:
   its deletes, inserts, index drops and builds touch the copies only;
3. the swap: each real derived table is dropped and its copy moved into the public schema
   (indexes move with it, privileges are granted again). Only this takes an exclusive lock,
   held from the swap to the commit that follows at once.

The first load into an empty database builds the extract tables aside too (`fresh_extract`):
they are created empty in the aside schema, filled by the caller, given their indexes and
foreign keys once, and swapped in with the derived tables. Dropping indexes and foreign keys of
the public tables instead (data/bulk.py) locked them, and the districts they point at, from the
first insert to the commit: a reader waited for the whole load, and one that held child_status
while waiting for districts deadlocked the load at its swap (seen at scale 30).

The swap waits at most SWAP_LOCK_WAIT for each lock (a reader in the middle of a query holds
its tables): past that it gives way, undoes what it did (a savepoint) and tries again, so a
reader queued behind the swap never waits longer than that, and a reader holding one table
while wanting another can never deadlock with it.

SQLite has one writer at a time, and a viewer's audit insert waits for the load's write lock:
there the rebuild is computed before that lock is taken (`build_aside_sqlite`), and the lock is
held only to copy the finished rows in (`swap_in_sqlite`), see below.
"""
import time
from contextlib import contextmanager
from typing import Callable

from sqlalchemy import Column, ForeignKeyConstraint, MetaData, Table
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.schema import AddConstraint, CreateIndex, CreateTable, DropIndex

from data.schema import EXTRACT_TABLES, children, metadata, referrals, visits
from data.status import DERIVED, derived_statements

# Tables the project writes itself that are not derived from the extract.
_OWN = {"dataset_info", "audit_log"}


def derived_tables() -> list[str]:
    extract = {t.name for t in EXTRACT_TABLES}
    return [t.name for t in metadata.sorted_tables if t.name not in extract | _OWN]


# How long the swap waits for one lock before it gives way to readers and tries again, and how
# many times it tries before it waits as long as it takes (readers that never pause).
SWAP_LOCK_WAIT = "500ms"
SWAP_TRIES = 40


@contextmanager
def rebuilt_aside(conn: Connection, fresh_extract: bool = False):
    """Inside: the search path is the aside schema, where the derived tables (and with
    `fresh_extract` the extract tables, empty and without secondary indexes or foreign keys:
    call `finish_fresh_extract` once they are filled) are new tables and every other table is a
    view of the real one. On leaving, the new tables are swapped into public."""
    if conn.dialect.name != "postgresql":
        yield
        return
    q = conn.dialect.identifier_preparer.quote
    new = derived_tables() + ([t.name for t in EXTRACT_TABLES] if fresh_extract else [])
    aside = f"aside_{conn.exec_driver_sql('select pg_backend_pid()').scalar()}"
    saved_path = conn.exec_driver_sql("show search_path").scalar()
    grants = conn.exec_driver_sql(
        "select table_name, grantee, privilege_type from information_schema.role_table_grants"
        " where table_schema = 'public' and grantee <> current_user").all()
    # Names below come from data/schema.py and the catalogue, never from input.
    conn.exec_driver_sql(f"drop schema if exists {q(aside)} cascade")
    conn.exec_driver_sql(f"create schema {q(aside)}")
    extract = {t.name for t in EXTRACT_TABLES}
    for name in metadata.tables:
        if name in new and name in extract:
            pass                                   # made below, in the aside schema
        elif name in new:
            conn.exec_driver_sql(f"create table {q(aside)}.{q(name)}"
                                 f" (like public.{q(name)} including defaults including constraints)")
        else:
            conn.exec_driver_sql(f"create view {q(aside)}.{q(name)} as select * from public.{q(name)}")
    conn.exec_driver_sql(f"set local search_path = {q(aside)}")
    if fresh_extract:
        # With their primary keys (names as in public), without foreign keys until filled.
        for table in EXTRACT_TABLES:
            conn.execute(CreateTable(table, include_foreign_key_constraints=[]))
    # ANALYZE of the views would only warn: the real tables get their statistics here.
    conn.exec_driver_sql("set local client_min_messages = error")
    yield
    conn.exec_driver_sql(f"set local search_path = {saved_path}")
    conn.exec_driver_sql("set local client_min_messages = notice")
    # `like` copies no primary key (only `including indexes` would, with every secondary index
    # under other names than the refresh drops and builds): each derived table's key is built
    # here, once over the finished rows. Without it child_status had no key after a load, and a
    # look-up of one child read the whole table.
    for name in derived_tables():
        key = metadata.tables[name].primary_key
        if key.columns:
            conn.exec_driver_sql(
                f"alter table {q(aside)}.{q(name)} add constraint {q(key.name or name + '_pkey')}"
                f" primary key ({', '.join(q(c.name) for c in key.columns)})")
    _swap(conn, aside, new)
    for table, grantee, privilege in grants:
        if table in new:
            conn.exec_driver_sql(f"grant {privilege} on public.{q(table)} to {q(grantee)}")
    conn.exec_driver_sql(f"drop schema {q(aside)} cascade")


def finish_fresh_extract(conn: Connection) -> None:
    """Inside `rebuilt_aside(conn, fresh_extract=True)`, once the extract tables are filled:
    their secondary indexes and foreign keys, built once over all rows (one sort per index and
    one join per key instead of a look-up per row), and their statistics."""
    conn.exec_driver_sql("set local maintenance_work_mem = '256MB'")
    for table in EXTRACT_TABLES:
        for index in table.indexes:
            conn.execute(CreateIndex(index))
    for table in EXTRACT_TABLES:
        for constraint in table.constraints:
            if isinstance(constraint, ForeignKeyConstraint):
                conn.execute(AddConstraint(constraint))
        conn.exec_driver_sql(f"analyze {table.name}")          # fixed names


def _swap(conn: Connection, aside: str, names: list[str]) -> None:
    """Drop each public table of `names` and move its aside copy in, giving way to readers."""
    q = conn.dialect.identifier_preparer.quote
    # Tables that others point at last, so that no foreign key is left dangling in between.
    order = {t.name: i for i, t in enumerate(metadata.sorted_tables)}
    names = sorted(names, key=lambda n: -order[n])
    for attempt in range(SWAP_TRIES + 1):
        patient = attempt == SWAP_TRIES
        savepoint = conn.begin_nested()
        try:
            if not patient:
                conn.exec_driver_sql(f"set local lock_timeout = '{SWAP_LOCK_WAIT}'")
            for name in names:
                conn.exec_driver_sql(f"drop table if exists public.{q(name)}")
            for name in reversed(names):
                conn.exec_driver_sql(f"alter table {q(aside)}.{q(name)} set schema public")
        except OperationalError as e:
            # Any other error ends the load: the caller's transaction rolls back everything.
            if patient or getattr(e.orig, "sqlstate", None) != "55P03":   # lock_not_available
                raise
            savepoint.rollback()
            time.sleep(0.05 * (attempt + 1))        # let the readers in the queue through
            continue
        savepoint.commit()
        conn.exec_driver_sql("set local lock_timeout to default")
        return


# --- SQLite ---
#
# Rebuilding the derived tables in place held the write lock for seconds (a reader waited 7 s at
# scale 1). Instead, before the lock, on the load's own connection:
# 1. temporary copies of the tables the rebuild reads, named like them, get the database's rows
#    and then the load's changes (the caller's upsert, the same as the switch's), so they hold
#    exactly what the real tables will hold after the switch;
# 2. the unchanged rebuild statements run: SQLite resolves a name without a schema in the
#    temporary schema first, so they read the copies and fill temporary derived tables. The
#    temporary schema is the connection's own and takes no lock on the database file.
# Then inside the switch's transaction only the finished rows are copied into the real derived
# tables. The load lock (data/lock.py) keeps every other writer of extract rows out in between.

# What data/child_status.sql and data/day_facts.sql read.
SOURCES = (children, visits, referrals)


# Derived tables with a one-column key, written by difference; the temporary tables of their
# changed rows and of their keys gone.
_KEYED = tuple(t for t in DERIVED if len(t.primary_key.columns) == 1)
_CHANGED, _GONE = "load_changed_", "load_gone_"


def _key(table: Table) -> str:
    (column,) = table.primary_key.columns
    return column.name


def _temporary_copy(table: Table) -> Table:
    # Same names, types and primary key (the rebuild's joins look rows up by it); no foreign key
    # (a temporary table cannot point at the main schema's) and no secondary index.
    columns = [Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable,
                      autoincrement=False) for c in table.columns]
    return Table(table.name, MetaData(), *columns, prefixes=["TEMPORARY"])


def _columns(table: Table) -> str:
    return ", ".join(c.name for c in table.columns)


def build_aside_sqlite(conn: Connection, apply_changes: Callable[[dict[str, Table]], None]) -> None:
    """Fill temporary copies of the derived tables with what the rebuild gives once the load's
    changes are in. `apply_changes` gets the temporary copies of SOURCES by name and writes the
    load's rows into them. Takes no lock on the database; `swap_in_sqlite` finishes."""
    # Names below come from data/schema.py, never from input.
    try:
        for table in SOURCES:
            conn.execute(CreateTable(_temporary_copy(table)))
        for table in SOURCES:
            conn.exec_driver_sql(f"insert into temp.{table.name} ({_columns(table)})"
                                 f" select {_columns(table)} from main.{table.name}")
        apply_changes({t.name: _temporary_copy(t) for t in SOURCES})
        for table in DERIVED:
            conn.execute(CreateTable(_temporary_copy(table)))
        for statement in derived_statements("sqlite"):
            conn.exec_driver_sql(statement)
        # child_status keeps most of its rows across a re-sent extract: the switch then writes
        # only the rows that differ (or are gone), found here by set difference (which treats
        # nulls as equal), instead of rewriting 36,000 rows and six indexes (0.5 s at scale 1).
        for table in _KEYED:
            key = _key(table)
            conn.exec_driver_sql(f"create temporary table {_CHANGED}{table.name} as"
                                 f" select {_columns(table)} from temp.{table.name}"
                                 f" except select {_columns(table)} from main.{table.name}")
            conn.exec_driver_sql(f"create temporary table {_GONE}{table.name} as"
                                 f" select {key} from main.{table.name}"
                                 f" except select {key} from temp.{table.name}")
    finally:
        for table in SOURCES:
            conn.exec_driver_sql(f"drop table if exists temp.{table.name}")


def swap_in_sqlite(conn: Connection) -> None:
    """Inside the switch's transaction: make each derived table's rows its temporary copy's, then
    drop the copy. A table with a key gets only its differences; the others (a few thousand
    rows) are replaced, their indexes built once after the insert."""
    for table in _KEYED:
        key = _key(table)
        conn.exec_driver_sql(f"delete from main.{table.name} where {key} in"
                             f" (select {key} from temp.{_GONE}{table.name})")
        conn.exec_driver_sql(f"insert or replace into main.{table.name} ({_columns(table)})"
                             f" select {_columns(table)} from temp.{_CHANGED}{table.name}")
        for name in (table.name, _CHANGED + table.name, _GONE + table.name):
            conn.exec_driver_sql(f"drop table temp.{name}")
    for table in DERIVED:
        if table in _KEYED:
            continue
        conn.exec_driver_sql(f"delete from main.{table.name}")
        for index in table.indexes:
            conn.execute(DropIndex(index, if_exists=True))
        conn.exec_driver_sql(f"insert into main.{table.name} ({_columns(table)})"
                             f" select {_columns(table)} from temp.{table.name}")
        # Dropped before the indexes are made: a name without a schema would find the copy.
        conn.exec_driver_sql(f"drop table temp.{table.name}")
        for index in table.indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))


def drop_aside_sqlite(conn: Connection) -> None:
    """Leave no temporary copy on a connection that goes back to the pool (a failed load)."""
    for table in (*SOURCES, *DERIVED):
        conn.exec_driver_sql(f"drop table if exists temp.{table.name}")
    for table in _KEYED:
        for prefix in (_CHANGED, _GONE):
            conn.exec_driver_sql(f"drop table if exists temp.{prefix}{table.name}")


def analyze_sqlite(conn: Connection) -> None:
    """Fresh planner statistics after the switch has committed, one table per transaction, so a
    viewer's audit insert waits for one table's analysis at most, never for all of them."""
    for name in (*(t.name for t in SOURCES), *(t.name for t in DERIVED)):
        conn.exec_driver_sql(f"analyze main.{name}")      # fixed names
        conn.commit()
