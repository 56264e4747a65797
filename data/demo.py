"""The embedded demo database: a fresh clone starts with a filled synthetic database.

`ensure_demo_database()` is called by the dashboard at start. When the database already holds a
programme it does nothing, so a real database is never touched. Two processes may call it at
once (two browser sessions of a new deployment): for an SQLite file the database is generated
into a temporary file beside it and renamed into place under a file lock, so nobody ever opens a
half-written file; for a server database an advisory lock serialises the callers.
"""
import datetime as dt
import fcntl
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from data.db import database_url, foreign_tables, make_engine
from data.generate import generate
from data.schema import programme

DEMO_SEED = 1
DEMO_SCALE = 1.0
DEMO_TODAY = dt.date(2021, 4, 30)
# Any fixed number: the key of the PostgreSQL advisory lock taken while filling the database.
_PG_LOCK_KEY = 20210113


def _has_programme(engine) -> bool:
    if not inspect(engine).has_table(programme.name):
        return False
    with engine.connect() as conn:
        return conn.execute(select(programme.c.start_date).limit(1)).first() is not None


def _fill(url: str) -> None:
    # Said in the terminal too: the first start of a fresh clone spends this time here.
    print("First start: creating the synthetic demo database (once only; 10 to 30 seconds:"
          " about 36,000 children, their visits and referrals)...", file=sys.stderr, flush=True)
    started = time.monotonic()
    engine = make_engine(url)
    try:
        generate(engine, seed=DEMO_SEED, scale=DEMO_SCALE, today=DEMO_TODAY)
    finally:
        engine.dispose()
    print(f"demo database ready in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)


def ensure_demo_database(url: str | None = None) -> bool:
    """Create and fill the demo database if it has no programme yet; True if it did."""
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        return _ensure_sqlite_file(url, Path(parsed.database))
    engine = make_engine(url)
    try:
        if _has_programme(engine):
            return False
        if engine.dialect.name == "postgresql":
            with engine.connect() as lock_conn:
                # Session lock: the second caller waits here, then finds the programme row.
                lock_conn.execute(text("select pg_advisory_lock(:key)"), {"key": _PG_LOCK_KEY})
                try:
                    if _has_programme(engine):
                        return False
                    generate(engine, seed=DEMO_SEED, scale=DEMO_SCALE, today=DEMO_TODAY)
                    return True
                finally:
                    lock_conn.execute(text("select pg_advisory_unlock(:key)"),
                                      {"key": _PG_LOCK_KEY})
                    lock_conn.commit()
        generate(engine, seed=DEMO_SEED, scale=DEMO_SCALE, today=DEMO_TODAY)
        return True
    finally:
        engine.dispose()


def _sqlite_has_programme(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    engine = make_engine(f"sqlite:///{path}")
    try:
        return _has_programme(engine)
    finally:
        engine.dispose()


def _ensure_sqlite_file(url: str, path: Path) -> bool:
    if _sqlite_has_programme(path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    # Lock the folder itself (no stray lock file to ignore); released when it is closed.
    lock = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _sqlite_has_programme(path):
            return False                      # another process filled it while we waited
        if path.exists() and path.stat().st_size > 0:
            _fill_in_place(url, path)
            return True
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        os.close(fd)
        try:
            _fill(f"sqlite:///{tmp}")
            _journal_mode(tmp, "delete")
            os.replace(tmp, path)             # atomic: readers see the old file or the new one
            _journal_mode(str(path), "wal")   # readers never wait for a load (data/db.py)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    finally:
        os.close(lock)
    return True


def _journal_mode(path: str, mode: str) -> None:
    """Our connections use WAL (data/db.py). Before the rename the log is folded into the file
    ("delete"): a file renamed without its `-wal` companion loses what is still in the log, and
    another process found the demo database empty. After it, WAL is switched back on."""
    con = sqlite3.connect(path)
    try:
        con.execute(f"pragma journal_mode = {mode}")
    finally:
        con.close()


def _fill_in_place(url: str, path: Path) -> None:
    """A database file that holds something is never replaced: another application's is
    refused, and one of ours without a programme (an audit log, say) is filled in place by the
    generator, which itself refuses when any extract table holds rows."""
    from data.errors import Refused
    engine = make_engine(url)
    try:
        others = foreign_tables(engine)
        if others:
            raise Refused(f"{path} holds another application's tables ({', '.join(others[:3])})")
        generate(engine, seed=DEMO_SEED, scale=DEMO_SCALE, today=DEMO_TODAY)
    finally:
        engine.dispose()
