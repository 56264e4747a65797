"""The shared filters: one as-of day, cohort, district and language for every page.

The widgets are drawn by dashboard.py in the sidebar, on every run, under the keys below, so
their values survive a page change. Pages only read them through `current()`.
"""
from dataclasses import dataclass
from datetime import date

import streamlit as st

AS_OF_KEY = "filter_as_of"
COHORT_KEY = "filter_cohort"
DISTRICT_KEY = "filter_district"
LANG_KEY = "filter_lang"
# A page cannot change a widget drawn earlier in the same run (Streamlit raises), so a page that
# wants another district (the map, on a click) leaves it here and dashboard.py applies it first
# thing on the next run.
PENDING_DISTRICT_KEY = "filter_district_pending"

COHORTS = ("repeat_report", "neglect_risk")
# The "everything" choices of the selectboxes. Not None: a selectbox shows None as an empty
# "Choose an option" placeholder instead of a label.
BOTH_COHORTS = "both"
CITY = "city"
LANGUAGES = ("en", "ko")
DEFAULT_LANG = "en"


@dataclass(frozen=True)
class Filters:
    as_of: date
    cohort: str | None      # None: both cohorts
    district: str | None    # None: the whole city
    lang: str               # "en" or "ko"


def lang() -> str:
    value = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    return value if value in LANGUAGES else DEFAULT_LANG


def current() -> Filters:
    """The filters as the viewer set them; defaults when a widget has not been drawn yet."""
    as_of = st.session_state.get(AS_OF_KEY)
    if not isinstance(as_of, date):
        from pages.common import data  # late: data reads the filters too
        as_of = data.default_as_of() or date.today()
    cohort = st.session_state.get(COHORT_KEY)
    district = st.session_state.get(DISTRICT_KEY)
    return Filters(
        as_of=as_of,
        cohort=cohort if cohort in COHORTS else None,
        district=None if district in (None, "", CITY) else district,
        lang=lang(),
    )


def request_district(code: str | None) -> None:
    """Ask for the district filter to become `code` from the next run on (see PENDING_...)."""
    st.session_state[PENDING_DISTRICT_KEY] = code or CITY


def apply_pending() -> None:
    """Called by dashboard.py before it draws the widgets."""
    if PENDING_DISTRICT_KEY in st.session_state:
        st.session_state[DISTRICT_KEY] = st.session_state.pop(PENDING_DISTRICT_KEY) or CITY


def highlight() -> str | None:
    """The district to highlight on every district chart: the one chosen in the filter, else
    the viewer's own (a district head's), else none."""
    chosen = current().district
    if chosen is not None:
        return chosen
    from access import login
    try:
        return login.viewer().district_code
    except PermissionError:
        return None
