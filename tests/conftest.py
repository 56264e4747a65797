"""Shared fixtures: a fresh case database on SQLite and on PostgreSQL for every test that asks.

PostgreSQL comes from TEST_PG_URL (a server URL; each test session makes its own database in it).
Start one with `.ci/start-postgres /tmp/pg` and export the URL it prints. Without TEST_PG_URL the
PostgreSQL tests skip, unless REQUIRE_POSTGRES=1 (as in CI), where they fail.
"""
import os
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from data.db import create_schema, make_engine
from data.schema import metadata

HOW_TO_START_PG = (
    "PostgreSQL tests need TEST_PG_URL: run `export TEST_PG_URL=$(.ci/start-postgres /tmp/pg)`"
)


def _require(flag: str, message: str):
    if os.environ.get(flag) == "1":
        pytest.fail(message + f" ({flag}=1, so this is a failure, not a skip)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_server_url():
    """URL of a database made for this test session, dropped at its end."""
    server = os.environ.get("TEST_PG_URL")
    if not server:
        _require("REQUIRE_POSTGRES", HOW_TO_START_PG)
    name = f"test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'create database "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'drop database if exists "{name}" with (force)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """URL of an empty case database (schema created), on each of the two databases."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cases.db'}"
    else:
        url = request.getfixturevalue("pg_server_url")
        engine = make_engine(url)
        metadata.drop_all(engine)
        engine.dispose()
    engine = make_engine(url)
    create_schema(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
