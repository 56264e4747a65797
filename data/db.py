"""Which case database to use, and an engine for it.

One setting chooses the database: the environment variable CASES_DB_URL (an SQLAlchemy URL,
`postgresql+psycopg://...` in production). Without it, the embedded SQLite file data/cases.db.

How the engine keeps serving through loads and outages (issue 12):
- SQLite files run in WAL mode (set by create_schema) with a busy timeout: readers read the last
  committed state while a load writes, and a writer (an audit insert) waits for the load's short
  final switch instead of failing at once.
- SQLite connections are pooled, but a pooled connection is used only while the file at its
  path is the one it opened, unchanged in identity and metadata (device, inode, mode, change
  time): a file replaced, deleted and restored, or given other permissions is seen by the next
  click, without a restart, as with no pool (a stale connection would keep writing to the
  deleted file's inode). Opening a connection afresh for every query (no pool, as before)
  cost 1.2-1.5 ms each (reading the schema, an empty page cache): a third of a figure's time.
- PostgreSQL connections are pinged when checked out, so a server restart costs one reconnect,
  not an error page per pooled connection.
- A PostgreSQL connection gives up after PG_CONNECT_TIMEOUT_S unless the URL sets its own
  connect_timeout: a host that accepts the connection and never answers (a stalled server, a
  proxy without its database) otherwise held a page, or a command, without end.
"""
import os
from pathlib import Path

from sqlalchemy import create_engine, event, exc, inspect
from sqlalchemy.engine import Engine, make_url

from data.schema import metadata

DEFAULT_DB_PATH = Path(__file__).resolve().parent / "cases.db"
# How long an SQLite writer (an audit insert, a load's final switch) waits for another writer.
SQLITE_BUSY_TIMEOUT_S = 15.0
# How long opening a PostgreSQL connection may take (a healthy server answers in milliseconds).
PG_CONNECT_TIMEOUT_S = 10


def database_url() -> str:
    return os.environ.get("CASES_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL; None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def require_existing(url: str) -> None:
    """Refuse an SQLite path with no file: connecting would create an empty database there."""
    from data.errors import Refused
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise Refused(f"no SQLite database file at {path}")


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # PostgreSQL's JIT compiles the dashboard's larger queries afresh on every run (0.1 to
        # 0.2 s each, more than it saves at this size); off for this application's sessions,
        # added to any options the URL gives. The default work_mem (4 MB) made the child
        # lists' sorts spill to disk at scale 30; 32 MB per sort keeps them in memory.
        options = " ".join(filter(None, [parsed.query.get("options"), "-c jit=off",
                                         "-c work_mem=32MB"]))
        connect_args = {"options": options}
        if "connect_timeout" not in parsed.query:
            connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
        engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    elif sqlite_path(url) is not None:
        # Up to 8 kept open; more at once (fifty viewers' runs in one process) are opened and
        # closed as without a pool, never waited for: a file has no limit on its connections.
        engine = create_engine(url, pool_size=8, max_overflow=-1,
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _reopen_when_the_file_changes(engine, sqlite_path(url))
    else:
        engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # SQLite leaves foreign keys unchecked unless asked, per connection.
            cursor = dbapi_connection.cursor()
            cursor.execute("pragma foreign_keys = on")
            cursor.close()
    return engine


def _file_identity(path: Path):
    """What tells one SQLite file from another at the same path (None: no file there). The
    change time moves with a chmod, and with SQLite writing the file itself (a checkpoint): the
    latter costs a pooled connection's reopening, no more."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_mode, st.st_ctime_ns


def _reopen_when_the_file_changes(engine: Engine, path: Path) -> None:
    @event.listens_for(engine, "connect")
    def _opened(_dbapi_connection, record):
        record.info["file"] = _file_identity(path)

    @event.listens_for(engine, "checkout")
    def _still_the_same(_dbapi_connection, record, _proxy):
        if record.info.get("file") != _file_identity(path):
            # The pool closes this connection and opens the file at its path anew.
            raise exc.DisconnectionError(f"{path} changed since this connection opened it")


def create_schema(engine: Engine) -> None:
    """Create every table that is missing; existing tables are left as they are. An SQLite file
    is switched to WAL mode (persistent in the file), so that readers never wait for a load."""
    metadata.create_all(engine)
    if sqlite_path(str(engine.url)) is not None:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            if raw.execute("pragma journal_mode").fetchone()[0] != "wal":
                raw.execute("pragma journal_mode = wal")


def foreign_tables(engine: Engine) -> list[str]:
    """Tables of another application: the database holds tables and none of them is ours."""
    names = [n for n in inspect(engine).get_table_names() if not n.startswith("sqlite_")]
    ours = set(metadata.tables)
    if not names or ours & set(names):
        return []
    return sorted(names)
