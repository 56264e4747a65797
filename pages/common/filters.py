"""The shared filters: one as-of day, cohort, district and language for every page.

The widgets are drawn by dashboard.py in the sidebar, on every run, under the keys below, so
their values survive a page change. Pages only read them through `current()`.

The view's filters also live in the URL (`?as_of=YYYY-MM-DD&cohort=...&district=CODE&lang=ko`,
plus a page's own choices through `url_choice`): read on a session's first run, written on every
run, so a copied link opens the same view. The viewer's role and district never come from the
URL (access/login.py decides them); a value that is not valid is ignored with a short note.
"""
from contextlib import contextmanager
from contextvars import ContextVar
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


# The filters of this page run, read once after the sidebar drew them (see `fixed`).
_FIXED: ContextVar["Filters | None"] = ContextVar("fixed_filters", default=None)


def lang() -> str:
    fixed = _FIXED.get()
    if fixed is not None:
        return fixed.lang
    value = st.session_state.get(LANG_KEY, DEFAULT_LANG)
    return value if value in LANGUAGES else DEFAULT_LANG


@contextmanager
def fixed():
    """dashboard.py runs the page inside this, after the sidebar has drawn the filters' widgets:
    from then on no code of the run changes them (a page asks for another district for the next
    run, `request_district`), so they are read once. A page asks for the language and the
    filters a hundred times per run, and each read of st.session_state goes through Streamlit's
    locks and widget bookkeeping (a few milliseconds per run in all). Callbacks and downloads,
    which run outside the page, read the session as before."""
    token = _FIXED.set(None)
    _FIXED.set(current())
    try:
        yield
    finally:
        _FIXED.reset(token)


def current() -> Filters:
    """The filters as the viewer set them; defaults when a widget has not been drawn yet."""
    fixed_now = _FIXED.get()
    if fixed_now is not None:
        return fixed_now
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


# --- the URL ----------------------------------------------------------------------------------
URL_NAMES = {"as_of": AS_OF_KEY, "cohort": COHORT_KEY, "district": DISTRICT_KEY, "lang": LANG_KEY}
_ARRIVED = "_url_arrived"     # the session's first run has read the URL
_ARRIVAL = "_url_arrival"     # the URL's values at arrival, taken by the widgets that use them
_NOTES = "_url_notes"         # what was ignored, said once in the sidebar
_KEEP = "_keep_"              # a copy of each filter's value that outlives its widget


def arrival() -> dict:
    """The URL's parameters as the session found them on its first run ({} on later runs that
    have taken them all). Read once, so a later change of a widget is not undone by the URL."""
    if not st.session_state.get(_ARRIVED):
        st.session_state[_ARRIVED] = True
        st.session_state[_ARRIVAL] = dict(st.query_params.to_dict())
    return st.session_state.get(_ARRIVAL, {})


def take(name: str, parse, label: str | None = None):
    """The arrival value of URL parameter `name` parsed by `parse` (which returns the value or
    raises ValueError), once; None when absent or invalid (then a note says it was ignored)."""
    pending = arrival()
    if name not in pending:
        return None
    raw = pending.pop(name)
    try:
        return parse(raw)
    except (ValueError, TypeError, KeyError):
        note(f"{label or name}={raw!s:.40}")
        return None


def note(text: str) -> None:
    st.session_state.setdefault(_NOTES, []).append(text)


def notes() -> list[str]:
    """The ignored URL values to mention, once."""
    return st.session_state.pop(_NOTES, [])


def restore(key: str) -> None:
    """Give a widget back the value it had when it was last drawn, if Streamlit dropped it (a
    page switched from a page's own code drops the sidebar's widget states)."""
    if key not in st.session_state and _KEEP + key in st.session_state:
        st.session_state[key] = st.session_state[_KEEP + key]


def keep(key: str) -> None:
    if key in st.session_state:
        st.session_state[_KEEP + key] = st.session_state[key]


def write_url() -> None:
    """The shared filters into the URL (a page's own choices are added by url_choice)."""
    f = current()
    params = {"as_of": f.as_of.isoformat(), "cohort": f.cohort or BOTH_COHORTS,
              "district": f.district or CITY, "lang": f.lang}
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def hold(key: str, options, default) -> None:
    """Give the widget `key` its value before it is drawn, on every run: `default` when it has
    none or one that is no longer an option (the session may outlive a change of database).
    Every run, because the options' names change with the language: Streamlit's frontend then
    showed no option chosen and sent the default back on the next click (a district head's
    cohort and district filters were lost by switching to Korean). A value given here is sent
    with the widget, so pass no index= or value= to it."""
    value = st.session_state.get(key)
    st.session_state[key] = value if value in list(options) else default


def url_choice(name: str, key: str, options) -> None:
    """A page's own choice kept in the URL under `name`: call it just before drawing the widget
    with this `key` and `options`. A link's value is taken on arrival (an invalid one is ignored
    with a note); the widget's value is written back on every run of the page."""
    options = list(options)
    by_text = {str(o): o for o in options}
    value = take(name, lambda raw: by_text[raw])
    if value is not None:
        st.session_state[key] = value
    current_value = st.session_state.get(key, options[0] if options else None)
    if current_value is not None and st.query_params.get(name) != str(current_value):
        st.query_params[name] = str(current_value)
