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


def leave_old_multipage_mode() -> None:
    """Make sure this run is not one of Streamlit's old-style multipage runs, or start it again.

    Streamlit takes a folder named `pages` beside the entry file for an old-style multipage app
    until some run in the process has called st.navigation. Such a run executes a script under
    another identity (another active script hash), so every widget it draws has another id than
    the same widget in the runs after it: the first session after a server start lost its first
    click in the sidebar (the widget came back with its default). The old mode is switched off
    for the whole process and the run starts again, before anything is drawn.
    """
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
