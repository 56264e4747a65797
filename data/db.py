"""Which case database to use, and an engine for it.

One setting chooses the database: the environment variable CASES_DB_URL (an SQLAlchemy URL,
`postgresql+psycopg://...` in production). Without it, the embedded SQLite file data/cases.db.
"""
import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from data.schema import metadata

DEFAULT_DB_PATH = Path(__file__).resolve().parent / "cases.db"


def database_url() -> str:
    return os.environ.get("CASES_DB_URL") or f"sqlite:///{DEFAULT_DB_PATH}"


def make_engine(url: str | None = None) -> Engine:
    url = url or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # PostgreSQL's JIT compiles the dashboard's larger queries afresh on every run (0.1 to
        # 0.2 s each, more than it saves at this size); off for this application's sessions,
        # added to any options the URL gives.
        options = " ".join(filter(None, [parsed.query.get("options"), "-c jit=off"]))
        engine = create_engine(url, connect_args={"options": options})
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


def create_schema(engine: Engine) -> None:
    """Create every table that is missing; existing tables are left as they are."""
    metadata.create_all(engine)
