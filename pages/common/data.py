"""Data access for pages: one call per visual, with the shared filters and the viewer's rights.

Every query goes through `queries.cache.fetch` (cached, keyed on small values only). Who may see
what is decided here on every call, never cached: child-level queries are scoped to the viewer's
district (the city role gets none), then `access.policy.apply` suppresses small cells of other
districts for district viewers.
"""
import time
from datetime import date

import pandas as pd
import streamlit as st

import queries
import queries.cache
from access import audit, login, policy
from access.viewer import Viewer
from data.db import database_url
from pages.common import filters, summaries

FILTER = "filter"


def db_url() -> str:
    return database_url()


def engine():
    """One engine per database URL for the whole process."""
    return queries.cache.engine(db_url())


def through_entry_file() -> None:
    """Make sure this page runs inside dashboard.py, never on its own.

    Streamlit takes a folder named `pages` beside the entry file for an old-style multipage app
    until a script calls st.navigation: the first visit after a server start to a page's URL
    (e.g. /district_detail) would run that file alone, without the entry file's viewer check,
    filters and navigation. When that happens, switch the old mode off and run again, which goes
    through dashboard.py. (Renaming the folder would remove the cause.)
    """
    from streamlit.runtime.pages_manager import PagesManager
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def viewer() -> Viewer:
    """The viewer of this run, as dashboard.py established it (access.login decides)."""
    through_entry_file()
    return login.viewer()


def _page() -> str:
    return st.session_state.get("_page_title", "")


def default_as_of() -> date | None:
    """The newest day in the data (latest visit, referral or report); None when there is none."""
    try:
        value = queries.cache.default_as_of(db_url())
    except Exception:  # an unreachable database is shown as "no data", never as a traceback
        return None
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def has_data() -> bool:
    """Whether the database answers and holds a programme, districts and at least one day."""
    try:
        if default_as_of() is None:
            return False
        programme_row = programme()
        districts = raw("districts")
        return programme_row is not None and len(districts) > 0
    except Exception:
        return False


def raw(name: str, *, as_of: date | None = None) -> pd.DataFrame:
    """A query that holds no child data and needs no filter (districts, programme, dataset_info)."""
    as_of = as_of or default_as_of() or date.today()
    return queries.cache.fetch(name, as_of=as_of, db_url=db_url())


def programme() -> dict | None:
    """start_date, deadline (dates) and reports_per_official of the programme; None if missing."""
    df = raw("programme")
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    for key in ("start_date", "deadline"):
        row[key] = pd.Timestamp(row[key]).date()
    return row


def dataset_info() -> dict:
    try:
        df = raw("dataset_info")
    except Exception:
        return {}
    return dict(zip(df["key"], df["value"]))


@st.cache_data(ttl=300, show_spinner=False)
def _district_names(url: str, as_of: date) -> dict:
    df = queries.cache.fetch("districts", as_of=as_of, db_url=url)
    return {
        str(r.district_code): {"en": r.name_en, "ko": r.name_ko}
        for r in df.itertuples(index=False)
    }


NAMES_KEY = "_district_names"
NAMES_SECONDS = 300  # as long as the query cache keeps a result


def district_names() -> dict:
    """{district_code: {"en": ..., "ko": ...}} for every district in the database.

    Kept in the session as a plain dict for as long as the query cache would keep it: a district
    is named once per option and per row, and each call through a Streamlit cache costs about a
    millisecond of argument hashing (two cached calls here). Callers only read the dict.
    """
    url = db_url()
    kept = st.session_state.get(NAMES_KEY)
    if kept and kept["url"] == url and time.monotonic() < kept["until"]:
        return kept["names"]
    try:
        names = _district_names(url, default_as_of() or date.today())
    except Exception:
        return {}
    if names:  # an empty answer (no data yet) is asked again on the next call
        st.session_state[NAMES_KEY] = {"url": url, "names": names,
                                       "until": time.monotonic() + NAMES_SECONDS}
    return names


def district_codes() -> list[str]:
    return sorted(district_names())


def _has_district_column(name: str) -> bool:
    return "district_code" in queries.columns(name)


def fetch(name: str, *, district=FILTER, cohort=FILTER, as_of: date | None = None) -> pd.DataFrame:
    """Run query `name` with the shared filters unless told otherwise, as the viewer may see it.

    district / cohort: "filter" (default) takes the shared filter; None means all; a value is used
    as is. Raises PermissionError when the viewer's role may not see this result (child-level
    rows for the city role; one other district's city_progress_daily for a district head).
    """
    f = filters.current()
    district = f.district if district == FILTER else district
    cohort = f.cohort if cohort == FILTER else cohort
    as_of = as_of or f.as_of
    v = viewer()
    if name in queries.CHILD_LEVEL:
        # Scoped in SQL: a district head's query never reads another district's children.
        try:
            scope = v.child_rows_scope(district)
        except PermissionError:
            audit.record_once(engine(), v, _page(), "refused", audit.detail_json(query=name),
                              memory=st.session_state)
            raise
        df = queries.cache.fetch(name, as_of=as_of, district=scope, cohort=cohort, db_url=db_url())
        df = policy.apply(name, df, v, district_code=scope)
        audit.record_once(engine(), v, _page(), "child_list",
                          audit.detail_json(query=name, as_of=as_of, cohort=cohort, district=scope),
                          rows=len(df), memory=st.session_state)
        return df
    if _has_district_column(name):
        # Suppression picks complementary cells among all districts, so it needs the whole
        # city's result: run for the city, apply the policy, then keep the district asked for.
        df = queries.cache.fetch(name, as_of=as_of, district=None, cohort=cohort, db_url=db_url())
        df = policy.apply(name, df, v, district_code=None)
        if district is not None:
            df = df[df["district_code"] == district].reset_index(drop=True)
        return df
    df = queries.cache.fetch(name, as_of=as_of, district=district, cohort=cohort, db_url=db_url())
    return policy.apply(name, df, v, district_code=district)


def _city_rows(name: str, cohort, as_of: date | None) -> pd.DataFrame:
    """Every district's unsuppressed rows: for the city aggregates below only, never returned."""
    f = filters.current()
    cohort = f.cohort if cohort == FILTER else cohort
    return queries.cache.fetch(name, as_of=as_of or f.as_of, district=None, cohort=cohort,
                               db_url=db_url())


def for_sharing(name: str) -> pd.DataFrame:
    """The whole city's result of an aggregate query with every district's small cells masked:
    what may leave the secure view (access.policy.for_sharing)."""
    return policy.for_sharing(name, _city_rows(name, FILTER, None))


def city_progress(by: list[str], *, cohort=FILTER, as_of: date | None = None) -> pd.DataFrame:
    """The whole city's district_progress summed by `by` (e.g. ["cohort"] or []), rates recomputed
    from the summed counts. City-level aggregates are public to every role, so they are summed
    here on the server from unsuppressed rows; only the sums leave this function."""
    if "district_code" in by:
        raise ValueError("city_progress gives city totals; use fetch() for district rows")
    f = filters.current()
    rows = _city_rows("district_progress", cohort, as_of)
    return summaries.summarise(rows, by, as_of=as_of or f.as_of, deadline=programme()["deadline"])


def city_sums(name: str, by: list[str], columns: list[str], *, cohort=FILTER,
              as_of: date | None = None) -> pd.DataFrame:
    """A district-level query's count columns summed over the whole city, grouped by `by`."""
    if "district_code" in by:
        raise ValueError("city_sums gives city totals; use fetch() for district rows")
    rows = _city_rows(name, cohort, as_of)
    if not by:
        return rows[columns].sum().to_frame().T
    return rows.groupby(by, as_index=False)[columns].sum()


def selection_total(name: str, rows: pd.DataFrame, column: str, *, cohort=FILTER,
                    **where) -> float:
    """One count column of query `name` summed over the filters' selection, optionally only
    where other columns equal given values (e.g. outcome="open").

    rows: what fetch(name) gave for the selection. For the whole city the total comes from
    city_sums instead, since the rows a district head receives have other districts' small cells
    masked and would undercount; one district's rows are summed as they are.
    """
    if filters.current().district is None:
        rows = city_sums(name, list(where), [column], cohort=cohort)
    for key, value in where.items():
        rows = rows[rows[key] == value]
    value = rows[column].sum(min_count=1)
    return 0 if pd.isna(value) else value


def districts_behind_plan(*, cohort=FILTER, as_of: date | None = None) -> tuple[int, int]:
    """(districts behind the straight-line plan, districts with anyone listed): a count of
    districts, not of children, so every role may see it."""
    f = filters.current()
    rows = _city_rows("district_progress", cohort, as_of)
    by_district = summaries.summarise(rows, ["district_code"], as_of=as_of or f.as_of,
                                      deadline=programme()["deadline"])
    active = by_district[by_district["listed"] > 0]
    return int((active["gap_to_plan"] < 0).sum()), len(active)


def visible(df: pd.DataFrame) -> pd.DataFrame:
    """The result without the policy's `<column>_suppressed` markers (for display and download)."""
    return df[[c for c in df.columns if not c.endswith("_suppressed")]]


def any_suppressed(df: pd.DataFrame) -> bool:
    markers = [c for c in df.columns if c.endswith("_suppressed")]
    return bool(markers) and bool(df[markers].to_numpy(dtype=bool).any())
