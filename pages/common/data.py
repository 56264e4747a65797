"""Data access for pages: one call per visual, with the shared filters and the viewer's scope.

A thin st.cache_data layer over access/scoped.py, which decides what a scope may see. What is
cached is the policy's output for a scope `(role, district_code)`, keyed on (name, as_of,
district, cohort, scope, data_version, db_url): never per person, never a decision (a refusal is
an exception and is not cached). Raw query results are cached once for every scope by
queries/cache.py under the same data version. The audit of child-level lists is written here, on
every call, outside the caches.
"""
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

import pandas as pd
import streamlit as st

import queries
import queries.cache
from access import audit, login, scoped
from access.viewer import Viewer
from data.db import database_url
from pages.common import filters, memo

FILTER = "filter"

_RUN: ContextVar[dict | None] = ContextVar("run_memo", default=None)


def start_run() -> None:
    """dashboard.py calls this first on every run: from here on, values that a run asks for many
    times (the data version, the newest day, the programme) are read once per run. One data
    version per run also keeps every figure of a view on the same data."""
    _RUN.set({})
    memo.start_run()


def once_per_run(key, read):
    kept = _RUN.get()
    if kept is None:  # outside a run of dashboard.py (briefing pack, tests): read each time
        return read()
    if key not in kept:
        kept[key] = read()
    return kept[key]


def db_url() -> str:
    return database_url()


def engine():
    """One engine per database URL for the whole process (looked up once per run: each call
    through st.cache_resource hashes its argument)."""
    url = db_url()
    return once_per_run(("engine", url), lambda: queries.cache.engine(url))


_IN_ENTRY_FILE: ContextVar[bool] = ContextVar("in_entry_file", default=False)


@contextmanager
def entry_file_run():
    """dashboard.py runs the chosen page inside this: the page then knows, for this run only,
    that the viewer check and the filters ran first."""
    token = _IN_ENTRY_FILE.set(True)
    try:
        yield
    finally:
        _IN_ENTRY_FILE.reset(token)


def through_entry_file() -> None:
    """Make sure this page runs inside dashboard.py, never on its own.

    Streamlit takes a folder named `pages` beside the entry file for an old-style multipage app
    until a script calls st.navigation: a first visit after a server start to a page's URL
    (e.g. /district_detail) would run that file alone, without the entry file's viewer check,
    filters and navigation. Whether this run came through dashboard.py is known per run (a
    context variable set around the page's run), not from Streamlit's process-wide flag, so
    concurrent first requests cannot slip through; a run that did not is stopped before it shows
    anything, the old mode is switched off, and the session runs again through dashboard.py.
    """
    if _IN_ENTRY_FILE.get():
        return
    from pages.common import startup
    startup.leave_old_multipage_mode()
    st.rerun()  # the old mode was already off: run the session again through dashboard.py


def viewer() -> Viewer:
    """The viewer of this run, as dashboard.py established it (access.login decides)."""
    through_entry_file()
    return once_per_run("viewer", login.viewer)


def _page() -> str:
    return st.session_state.get("_page_title", "")


def default_as_of() -> date | None:
    """The newest day in the data (latest visit, referral or report); None when there is none."""
    try:
        value = once_per_run("default_as_of", _default_as_of)
    except Exception:  # an unreachable database is shown as "no data", never as a traceback
        return None
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def _default_as_of():
    # Kept in the process memo under the data version (not st.cache_data, which hashes its
    # arguments and unpickles a copy on every call); an exception is not kept.
    url = db_url()
    version = data_version()
    return memo.store("default_as_of", ttl=RESULT_SECONDS, max_entries=100).get(
        (url, version), lambda: queries.cache.default_as_of(url))


def has_data() -> bool:
    """Whether the database answers and holds a programme, districts and at least one day."""
    return once_per_run("has_data", _has_data_kept)


def _has_data_kept() -> bool:
    # A yes is kept for the data version (a load raises it); a no (no data yet, or the database
    # not answering) is asked again on the next run.
    key = (db_url(), data_version())
    kept = memo.store("has_data", ttl=RESULT_SECONDS, max_entries=100)
    if kept.peek(key):
        return True
    found = _has_data()
    if found:
        kept.put(key, True)
    return found


def _has_data() -> bool:
    try:
        if default_as_of() is None:
            return False
        programme_row = programme()
        districts = raw("districts")
        return programme_row is not None and len(districts) > 0
    except Exception:
        return False


def data_version() -> int:
    """The database's data version (0 when it has none), read at most every few seconds, and
    once per run."""
    return once_per_run("data_version", lambda: queries.cache.data_version(db_url()))


def scope() -> scoped.Scope:
    return scoped.scope_of(viewer())


def raw(name: str, *, as_of: date | None = None) -> pd.DataFrame:
    """A query that holds no child data and needs no filter (districts, programme, dataset_info)."""
    as_of = as_of or default_as_of() or date.today()
    url, version = db_url(), data_version()
    return _kept("raw", 100, (name, as_of, version, url),
                 lambda: queries.cache.fetch(name, as_of=as_of, db_url=url, version=version))


def programme() -> dict | None:
    """start_date, deadline (dates) and reports_per_official of the programme; None if missing.
    A new dict per call (callers may change theirs), read once per run."""
    row = once_per_run("programme", _programme)
    return None if row is None else dict(row)


def _programme() -> dict | None:
    # Kept for the data version: the row's dates are converted once, not on every run.
    return memo.store("programme_row", ttl=RESULT_SECONDS, max_entries=100).get(
        (db_url(), data_version()), _read_programme)


def _read_programme() -> dict | None:
    df = raw("programme")
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    for key in ("start_date", "deadline"):
        row[key] = pd.Timestamp(row[key]).date()
    return row


def dataset_info() -> dict:
    return dict(once_per_run("dataset_info", _dataset_info))


def _dataset_info() -> dict:
    key = (db_url(), data_version())
    kept = memo.store("dataset_info", ttl=RESULT_SECONDS, max_entries=100)
    found = kept.peek(key)
    if found is None:
        try:
            df = raw("dataset_info")
        except Exception:
            return {}  # not kept: asked again on the next run
        found = dict(zip(df["key"], df["value"]))
        kept.put(key, found)
    return found


@st.cache_data(ttl=300, show_spinner=False)
def _district_names(url: str, as_of: date, version: int) -> dict:
    df = queries.cache.fetch("districts", as_of=as_of, db_url=url, version=version)
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
    url, version = db_url(), data_version()
    kept = st.session_state.get(NAMES_KEY)
    # Under the data version too: a load that renames, adds or removes a district shows on the
    # next run (a removed district's code would otherwise still be offered).
    if kept and (kept["url"], kept["version"]) == (url, version) \
            and time.monotonic() < kept["until"]:
        return kept["names"]
    try:
        names = _district_names(url, default_as_of() or date.today(), version)
    except Exception:
        return {}
    if names:  # an empty answer (no data yet) is asked again on the next call
        st.session_state[NAMES_KEY] = {"url": url, "version": version, "names": names,
                                       "until": time.monotonic() + NAMES_SECONDS}
    return names


def district_codes() -> list[str]:
    return sorted(district_names())


def _resolve(district, cohort, as_of) -> tuple:
    f = filters.current()
    return (f.district if district == FILTER else district,
            f.cohort if cohort == FILTER else cohort,
            as_of or f.as_of)


RESULT_SECONDS = 300  # as long as the query cache keeps a raw result


def _kept(store: str, max_entries: int, key: tuple, build) -> pd.DataFrame:
    """A result kept for the whole process under `key` (which holds the scope wherever the
    policy applies), handed out as a shallow copy: pandas' copy-on-write keeps a caller's
    changes out of the kept frame, and nothing is hashed or unpickled on a hit (memo.py)."""
    kept = memo.store(store, ttl=RESULT_SECONDS, max_entries=max_entries).get(key, build)
    return kept.copy(deep=False)


def _figure(name: str, as_of: date, district, cohort, scope_key: tuple, version: int,
            url: str, limit: int | None = None) -> pd.DataFrame:
    return _kept("figure", 2000, (name, as_of, district, cohort, scope_key, version, url, limit),
                 lambda: scoped.figure(queries.cache.engine(url), name, scope_key, as_of=as_of,
                                       district=district, cohort=cohort,
                                       run=queries.cache.runner(url, version), limit=limit))


def _sharing(name: str, as_of: date, cohort, scope_key: tuple, version: int,
             url: str) -> pd.DataFrame:
    return _kept("sharing", 500, (name, as_of, cohort, scope_key, version, url),
                 lambda: scoped.for_sharing(queries.cache.engine(url), name, scope_key,
                                            as_of=as_of, cohort=cohort,
                                            run=queries.cache.runner(url, version)))


def _comparison(as_of: date, cohort, scope_key: tuple, version: int, url: str) -> pd.DataFrame:
    return _kept("comparison", 500, (as_of, cohort, scope_key, version, url),
                 lambda: scoped.district_comparison(queries.cache.engine(url), as_of=as_of,
                                                    cohort=cohort, scope=scope_key,
                                                    run=queries.cache.runner(url, version)))


def fetch(name: str, *, district=FILTER, cohort=FILTER, as_of: date | None = None,
          limit: int | None = None) -> pd.DataFrame:
    """Run query `name` with the shared filters unless told otherwise, as the viewer may see it.

    district / cohort: "filter" (default) takes the shared filter; None means all; a value is used
    as is. limit: a child list's first rows only, sorted and cut by the database in the query's
    declared order (the whole list is the download, `whole_list`). Raises PermissionError when
    the viewer's role may not see this result (child-level rows for the city role; one other
    district's city_progress_daily for a district head).
    """
    district, cohort, as_of = _resolve(district, cohort, as_of)
    v = viewer()
    key = scoped.scope_of(v)
    if name in queries.CHILD_LEVEL:
        try:
            sql_district = v.child_rows_scope(district)
        except PermissionError:
            audit.record_once(engine(), v, _page(), "refused", audit.detail_json(query=name),
                              memory=st.session_state)
            raise
        df = _figure(name, as_of, sql_district, cohort, key, data_version(), db_url(), limit)
        audit.record_once(engine(), v, _page(), "child_list",
                          audit.detail_json(query=name, as_of=as_of, cohort=cohort,
                                            district=sql_district),
                          rows=len(df), memory=st.session_state, slot=name)
        return df
    if limit is not None:
        raise TypeError(f"{name} is not a child list: it has no first rows")
    return _figure(name, as_of, district, cohort, key, data_version(), db_url())


def whole_list(name: str, *, district=FILTER, cohort=FILTER, as_of: date | None = None):
    """A function that reads the whole child list `name` as this run's viewer may see it, for
    a download built when clicked (access.audit.on_send audits it then). Everything it needs is
    taken now (scope, the SQL's district, data version, database): it touches no session state,
    so it can run off the script thread. Call it after fetch() of the same list (which refuses
    and audits a viewer who may not see it)."""
    district, cohort, as_of = _resolve(district, cohort, as_of)
    v = viewer()
    sql_district = v.child_rows_scope(district)
    key, version, url = scoped.scope_of(v), data_version(), db_url()
    return lambda: _figure(name, as_of, sql_district, cohort, key, version, url)


def comparison(*, cohort=FILTER, as_of: date | None = None) -> pd.DataFrame:
    """One row per district at the grain shown, with the city facts every role shares
    (access.scoped.district_comparison), other districts' counts suppressed for a head."""
    _, cohort, as_of = _resolve(None, cohort, as_of)
    return _comparison(as_of, cohort, scope(), data_version(), db_url())


def refuse(name: str, **detail) -> None:
    """Refuse child-level query `name` to this viewer: audited as `refused`, then PermissionError
    (a district head asking for another district's list)."""
    audit.record_once(engine(), viewer(), _page(), "refused",
                      audit.detail_json(query=name, **detail), memory=st.session_state)
    raise PermissionError(f"{name} is not available to this viewer")


def for_sharing(name: str) -> pd.DataFrame:
    """The whole city's result of an aggregate query with every district's small cells masked:
    what may leave the secure view (access.scoped.for_sharing)."""
    _, cohort, as_of = _resolve(None, FILTER, None)
    return _sharing(name, as_of, cohort, scope(), data_version(), db_url())


def _city_progress(by: tuple, as_of: date, cohort, version: int, url: str) -> pd.DataFrame:
    # Public to every role (city totals from unsuppressed counts): no scope in the key.
    return _kept("city_progress", 500, (by, as_of, cohort, version, url),
                 lambda: scoped.city_progress(queries.cache.engine(url), list(by), as_of=as_of,
                                              cohort=cohort,
                                              run=queries.cache.runner(url, version)))


def _city_sums(name: str, by: tuple, columns: tuple, as_of: date, cohort, version: int,
               url: str) -> pd.DataFrame:
    return _kept("city_sums", 500, (name, by, columns, as_of, cohort, version, url),
                 lambda: scoped.city_sums(queries.cache.engine(url), name, list(by), list(columns),
                                          as_of=as_of, cohort=cohort,
                                          run=queries.cache.runner(url, version)))


def city_progress(by: list[str], *, cohort=FILTER, as_of: date | None = None) -> pd.DataFrame:
    """The whole city's district_progress summed by `by` (e.g. ["cohort"] or []), rates recomputed
    from the summed counts: public to every role (access.scoped.city_progress)."""
    _, cohort, as_of = _resolve(None, cohort, as_of)
    return _city_progress(tuple(by), as_of, cohort, data_version(), db_url())


def city_sums(name: str, by: list[str], columns: list[str], *, cohort=FILTER,
              as_of: date | None = None) -> pd.DataFrame:
    """A district-level query's count columns summed over the whole city, grouped by `by`."""
    _, cohort, as_of = _resolve(None, cohort, as_of)
    return _city_sums(name, tuple(by), tuple(columns), as_of, cohort, data_version(), db_url())


def selection_total(name: str, rows: pd.DataFrame, column: str, *, cohort=FILTER,
                    as_of: date | None = None, **where) -> float:
    """One count column of query `name` summed over the filters' selection, optionally only
    where other columns equal given values (e.g. outcome="open").

    rows: what fetch(name) gave for the selection (at `as_of`, the filters' day unless given).
    For the whole city the total comes from
    city_sums (public, from unsuppressed rows) instead, since the rows a district head receives
    have other districts' small cells masked. One district's rows are summed as they are, and a
    total over a masked cell is masked itself (NaN, shown as "—"): never a smaller number.
    """
    if filters.current().district is None:
        rows = city_sums(name, list(where), [column], cohort=cohort, as_of=as_of)
    for key, value in where.items():
        rows = rows[rows[key] == value]
    flag = column + "_suppressed"
    if flag in rows.columns and rows[flag].to_numpy(dtype=bool).any():
        return float("nan")
    value = rows[column].sum(min_count=1)
    return 0 if pd.isna(value) else value


def districts_behind_plan(*, cohort=FILTER, as_of: date | None = None) -> tuple[int, int]:
    """(districts behind the straight-line plan, districts with anyone listed): city facts from
    every district's unsuppressed counts, the same for every role."""
    c = comparison(cohort=cohort, as_of=as_of)
    if c.empty:
        return 0, 0
    return int(c["districts_behind"].iloc[0]), int(c["districts_active"].iloc[0])


def visible(df: pd.DataFrame) -> pd.DataFrame:
    """The result without the policy's `<column>_suppressed` markers (for display and download)."""
    return df[[c for c in df.columns if not c.endswith("_suppressed")]]


def any_suppressed(df: pd.DataFrame) -> bool:
    # Column by column: selecting all marker columns at once copies them into one block first.
    return any(df[c].to_numpy(dtype=bool).any() for c in df.columns if c.endswith("_suppressed"))


def hidden_note(comparison_rows: pd.DataFrame) -> str | None:
    """The line a district chart carries when some other districts' points are hidden for this
    viewer ("7 of 24 other districts hidden: fewer than 11 children in a cell"); None if none."""
    from access.suppression import threshold
    from pages.common import i18n
    hidden, others = scoped.hidden_others(comparison_rows, viewer().district_code)
    if not hidden:
        return None
    k = threshold()
    return i18n.pick(
        f"{hidden} of {others} other districts hidden: fewer than {k + 1} children in a cell",
        f"다른 자치구 {others}곳 중 {hidden}곳 숨김: 한 칸에 아동 {k + 1}명 미만")
