"""The dashboard's way to run a query: one engine per database URL, results cached for 5 minutes.

Keyed on small values only (name, day, district code, cohort, URL), never on DataFrames. The
cache is shared by every viewer, so it caches results for a district scope that the caller has
already decided; it never decides who may see what.
"""
import datetime as dt

import pandas as pd
import streamlit as st

import queries
from data import db


@st.cache_resource(show_spinner=False)
def engine(db_url: str):
    return db.make_engine(db_url)


@st.cache_data(ttl=300, show_spinner=False)
def _fetch(name: str, as_of: dt.date, district: str | None, cohort: str | None,
           db_url: str) -> pd.DataFrame:
    return queries.run(name, engine(db_url), as_of=as_of, district=district, cohort=cohort)


def fetch(name: str, *, as_of: dt.date, district: str | None = None, cohort: str | None = None,
          db_url: str | None = None) -> pd.DataFrame:
    """queries.run through the caches; db_url defaults to data.db.database_url()."""
    return _fetch(name, as_of, district, cohort, db_url or db.database_url())


@st.cache_data(ttl=300, show_spinner=False)
def default_as_of(db_url: str | None = None) -> dt.date | None:
    """queries.default_as_of through the caches."""
    return queries.default_as_of(engine(db_url or db.database_url()))
