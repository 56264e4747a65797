"""One writer of extract rows at a time: loads, the generator and refresh take the load lock.

Two loads at once would otherwise wait on each other inside the database and the second fail
with a driver message ("database is locked") after its timeout. With the lock the second is
refused at once, with a sentence saying why and that nothing was written.

SQLite: an advisory `flock` on the database file itself (SQLite's own locks are POSIX byte-range
locks, which flock does not touch), so no lock file is left lying around. PostgreSQL: a session
advisory lock held on a connection of its own for the length of the load.
"""
import fcntl
import os
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

from data.db import sqlite_path

# Any fixed number, apart from data/demo.py's: the PostgreSQL advisory lock of a load.
_PG_LOAD_LOCK = 20210114


class LoadRunning(RuntimeError):
    """Another load (or generate, or refresh) holds the database."""

    def __init__(self):
        super().__init__("another load is running on this database; nothing was written")


@contextmanager
def load_lock(engine: Engine):
    path = sqlite_path(str(engine.url))
    if path is not None:
        # The file, or its folder while the generator has not made the file yet.
        target = path if path.exists() else path.parent
        fd = os.open(target, os.O_RDONLY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LoadRunning() from None
            yield
        finally:
            os.close(fd)          # releases the lock
        return
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        if not conn.execute(text("select pg_try_advisory_lock(:key)"),
                            {"key": _PG_LOAD_LOCK}).scalar():
            raise LoadRunning()
        conn.commit()
        try:
            yield
        finally:
            try:
                conn.execute(text("select pg_advisory_unlock(:key)"), {"key": _PG_LOAD_LOCK})
                conn.commit()
            except Exception:
                pass      # a lost connection released the lock already
