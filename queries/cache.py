"""The dashboard's way to run a query: one engine per database URL, results cached for 5 minutes.

Keyed on small values only (name, day, district code, cohort, URL, data version), never on
DataFrames. The data version (dataset_info `data_version`, raised by every load, generate and
refresh) is in every key, so a finished load shows on the next click; the time to live is only a
backstop. The cache is shared by every viewer and holds raw query results: it never decides who
may see what (access/scoped.py does, and pages/common/data.py caches its output per scope).
"""
import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy import text

import queries
from data import db

VERSION_SECONDS = 3  # how stale the data version may be: one cheap query per this many seconds
_VERSION_SQL = (Path(__file__).resolve().parent / "sql" / "data_version.sql").read_text("utf-8")


@st.cache_resource(show_spinner=False)
def engine(db_url: str):
    return db.make_engine(db_url)


@st.cache_data(ttl=300, show_spinner=False)
def _fetch(name: str, as_of: dt.date, district: str | None, cohort: str | None,
           db_url: str, version: int, limit: int | None = None) -> pd.DataFrame:
    return queries.run(name, engine(db_url), as_of=as_of, district=district, cohort=cohort,
                       limit=limit)


def fetch(name: str, *, as_of: dt.date, district: str | None = None, cohort: str | None = None,
          db_url: str | None = None, version: int | None = None) -> pd.DataFrame:
    """queries.run through the caches; db_url defaults to data.db.database_url(), version to
    the database's current data version."""
    db_url = db_url or db.database_url()
    version = data_version(db_url) if version is None else version
    return _fetch(name, as_of, district, cohort, db_url, version)


def runner(db_url: str, version: int):
    """A function that behaves as queries.run (the engine argument is ignored) and reads
    through this cache: what access.scoped's `run=` takes."""
    def run(name, _engine=None, *, as_of, district=None, cohort=None, limit=None):
        return _fetch(name, as_of, district, cohort, db_url, version, limit)
    return run


@st.cache_data(ttl=VERSION_SECONDS, show_spinner=False)
def data_version(db_url: str) -> int:
    """dataset_info's data_version as an integer; 0 when missing or unreadable (a database made
    before the version existed, or one whose dataset_info the app may not read)."""
    try:
        with engine(db_url).connect() as conn:
            value = conn.execute(text(_VERSION_SQL)).scalar()
        return int(value) if value is not None else 0
    except Exception:  # the pages then read as of version 0; the TTL still refreshes them
        return 0


@st.cache_data(ttl=300, show_spinner=False)
def _default_as_of(db_url: str, version: int) -> dt.date | None:
    return queries.default_as_of(engine(db_url))


def default_as_of(db_url: str | None = None) -> dt.date | None:
    """queries.default_as_of through the caches."""
    db_url = db_url or db.database_url()
    return _default_as_of(db_url, data_version(db_url))
