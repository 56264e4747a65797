"""Bulk writes into empty tables: secondary indexes (and PostgreSQL's foreign keys) dropped and
restored around them. Used by the generator and by the first load into an empty database."""
from contextlib import contextmanager

from sqlalchemy import ForeignKeyConstraint, inspect
from sqlalchemy.schema import AddConstraint, CreateIndex, DropIndex


@contextmanager
def bulk_mode(conn, tables, postgres: bool):
    """Drop secondary indexes (and, on PostgreSQL, foreign keys) for the bulk load; restore them.

    Building an index once over a million rows is several times cheaper than updating it row by
    row, and PostgreSQL checks a foreign key row by row during COPY but in one join when the
    constraint is added back; its manual recommends both ("Populating a Database"). DDL is
    transactional on both databases, so a failure leaves everything as it was.
    """
    quote = conn.dialect.identifier_preparer.quote
    if postgres:
        inspector = inspect(conn)
        for table in tables:
            for fk in inspector.get_foreign_keys(table.name):
                # Names come from the catalogue, never from input.
                conn.exec_driver_sql(
                    f"alter table {quote(table.name)} drop constraint {quote(fk['name'])}")
        conn.exec_driver_sql("set local maintenance_work_mem = '256MB'")
    for table in tables:
        for index in table.indexes:
            conn.execute(DropIndex(index, if_exists=True))
    yield
    for table in tables:
        for index in table.indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))
    if postgres:
        for table in tables:
            for constraint in table.constraints:
                if isinstance(constraint, ForeignKeyConstraint):
                    conn.execute(AddConstraint(constraint))
