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

SQLite needs none of this: in WAL mode readers never wait for a writer.
"""
from contextlib import contextmanager

from sqlalchemy.engine import Connection

from data.schema import EXTRACT_TABLES, metadata

# Tables the project writes itself that are not derived from the extract.
_OWN = {"dataset_info", "audit_log"}


def derived_tables() -> list[str]:
    extract = {t.name for t in EXTRACT_TABLES}
    return [t.name for t in metadata.sorted_tables if t.name not in extract | _OWN]


@contextmanager
def rebuilt_aside(conn: Connection):
    if conn.dialect.name != "postgresql":
        yield
        return
    q = conn.dialect.identifier_preparer.quote
    derived = derived_tables()
    aside = f"aside_{conn.exec_driver_sql('select pg_backend_pid()').scalar()}"
    saved_path = conn.exec_driver_sql("show search_path").scalar()
    grants = conn.exec_driver_sql(
        "select table_name, grantee, privilege_type from information_schema.role_table_grants"
        " where table_schema = 'public' and grantee <> current_user").all()
    # Names below come from data/schema.py and the catalogue, never from input.
    conn.exec_driver_sql(f"drop schema if exists {q(aside)} cascade")
    conn.exec_driver_sql(f"create schema {q(aside)}")
    for name in metadata.tables:
        if name in derived:
            conn.exec_driver_sql(f"create table {q(aside)}.{q(name)}"
                                 f" (like public.{q(name)} including defaults including constraints)")
        else:
            conn.exec_driver_sql(f"create view {q(aside)}.{q(name)} as select * from public.{q(name)}")
    conn.exec_driver_sql(f"set local search_path = {q(aside)}")
    # ANALYZE of the views would only warn: the real tables get their statistics here.
    conn.exec_driver_sql("set local client_min_messages = error")
    yield
    conn.exec_driver_sql(f"set local search_path = {saved_path}")
    conn.exec_driver_sql("set local client_min_messages = notice")
    for name in derived:
        conn.exec_driver_sql(f"drop table if exists public.{q(name)}")
        conn.exec_driver_sql(f"alter table {q(aside)}.{q(name)} set schema public")
    for table, grantee, privilege in grants:
        if table in derived:
            conn.exec_driver_sql(f"grant {privilege} on public.{q(table)} to {q(grantee)}")
    conn.exec_driver_sql(f"drop schema {q(aside)} cascade")
