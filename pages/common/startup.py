"""Once per process, before any page: the demo database when no database is configured, and the
project's own tables on the configured one.

Here and not in dashboard.py: the entry file runs again on every click, and a function decorated
there is made, and its source read and hashed for the cache key, on every run.
"""
import streamlit as st

from access import audit
from data.db import create_schema
from data.demo import ensure_demo_database
from pages.common import data


@st.cache_resource(show_spinner="First start: creating the synthetic demo database data/cases.db"
                   " (once only; 10 to 30 seconds)...")
def ensure_demo() -> bool:
    # Once per process: only the embedded default database is ever filled with demo data.
    return ensure_demo_database()


@st.cache_resource(show_spinner=False)
def prepare_database(url: str) -> None:
    # Once per process and database: the project's own tables (audit_log) exist, and the audit
    # log is append-only. Creating what exists changes nothing; in production the schema owner
    # has done both already (docs/deployment.md).
    engine = data.engine()
    create_schema(engine)
    audit.protect(engine)
