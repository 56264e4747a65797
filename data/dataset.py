"""Facts about the database itself, kept in dataset_info: its data version and the synthetic mark.

- `data_version` is an integer that every load, generate and refresh bumps in the transaction
  that changes the rows, so that a cache keyed on it (pages/common/data.py) shows a finished load
  on the next click. A database that never had one reads as version 0.
- `synthetic = true` is written by the generator only. Any load of an extract removes it in the
  load's own transaction, even a load of the generator's own export: once real rows may have
  arrived the database is real, and the demo without login (access/login.py) is refused.
"""
from sqlalchemy import Connection, Engine, delete, insert, select, update

from data.schema import dataset_info

VERSION_KEY = "data_version"
SYNTHETIC_KEY = "synthetic"


def _read_version(conn: Connection) -> int:
    value = conn.execute(select(dataset_info.c.value)
                         .where(dataset_info.c.key == VERSION_KEY)).scalar()
    try:
        return int(value) if value is not None else 0
    except ValueError:          # written by hand: start again above nothing
        return 0


def bump_version(conn: Connection) -> int:
    """Add one to the data version inside the caller's transaction; returns the new version."""
    version = _read_version(conn) + 1
    # The callers hold the load lock (data/lock.py), so read-then-write cannot race another bump.
    done = conn.execute(update(dataset_info).where(dataset_info.c.key == VERSION_KEY)
                        .values(value=str(version)))
    if done.rowcount == 0:
        conn.execute(insert(dataset_info).values(key=VERSION_KEY, value=str(version)))
    return version


def mark_loaded(conn: Connection) -> int:
    """What every load does in its transaction: not synthetic any more, and a new version."""
    conn.execute(delete(dataset_info).where(dataset_info.c.key == SYNTHETIC_KEY))
    return bump_version(conn)


def data_version(engine_or_conn) -> int:
    """The current data version (0 when never set, or when dataset_info does not exist yet)."""
    if not isinstance(engine_or_conn, Engine):
        return _read_version(engine_or_conn)
    try:
        with engine_or_conn.connect() as conn:
            return _read_version(conn)
    except Exception:
        # A missing table or an unreachable database: callers key caches on this; the page's
        # own query then says what is wrong.
        return 0
