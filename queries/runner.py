"""Run a named query: read its .sql file, bind the day and the filters, type the result.

Each figure is one SQL file in this folder, named for what one row means. Its header lists the
columns the result has, with their kind (text, count, integer, rate, number, date): that list is
the contract, and this module shapes the DataFrame by it. Values go in as named binds only. The
few dates and numbers derived from the as-of day and the programme (D-6, D-364, the plan's share,
days to the deadline, the midpoint) are computed here and bound, because date arithmetic differs
between SQLite and PostgreSQL. Where a query cannot avoid such arithmetic, a file
`NAME.postgresql.sql` beside `NAME.sql` is chosen for PostgreSQL here, and only here.
"""
import datetime as dt
import gc
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Date, bindparam, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from data.status import DERIVED, refresh_child_status
from queries import whole_list

QUERY_DIR = Path(__file__).resolve().parent
COHORTS = ("repeat_report", "neglect_risk")
KINDS = ("text", "count", "integer", "rate", "number", "date")

# Queries whose rows are about single children: a district head may see only their own district's.
# attention_counts: counts of a child list, asked for with it and scoped as it is;
# data_quality_findings_first: the first rows of each kind of finding.
CHILD_LEVEL = frozenset({"attention_list", "attention_detail", "attention_counts",
                         "data_quality_findings", "data_quality_findings_first"})

_COLUMN_LINE = re.compile(r"--\s{2,}(\w+)\s+(" + "|".join(KINDS) + r")\b")
_DATE_PARAMS = {
    "as_of", "as_of_minus_6", "as_of_minus_364", "start_date", "deadline", "midpoint",
}


@dataclass(frozen=True)
class Query:
    name: str
    columns: tuple[tuple[str, str], ...]  # (column, kind) in contract order
    sql: dict[str, str]                   # dialect name or "default" -> statement text
    order: tuple[str, ...] = ()           # the header's `-- Order` (a child list's first rows)

    def text_for(self, dialect: str) -> str:
        return self.sql.get(dialect, self.sql["default"])


def sql_names() -> list[str]:
    """The queries that are .sql files here (dialect variants excluded)."""
    return sorted(p.stem for p in QUERY_DIR.glob("*.sql") if "." not in p.stem)


def names() -> list[str]:
    """Every query, by name: the stems of the .sql files here (dialect variants excluded) and
    the figures computed in Python (queries/computed.py)."""
    from queries import computed
    return sorted(sql_names() + computed.names())


def _header_columns(sql: str) -> tuple[tuple[str, str], ...]:
    columns, in_columns = [], False
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        if line.strip() == "-- Columns":
            in_columns = True
            continue
        if in_columns:
            m = _COLUMN_LINE.match(line)
            if m:
                columns.append((m.group(1), m.group(2)))
            elif not re.match(r"--\s{20,}", line):  # a continuation of a column's description
                in_columns = False
    return tuple(columns)


_INCLUDE_LINE = re.compile(r"^[ \t]*-- include ((?:sql/)?\w+)[ \t]*$", re.M)
_ORDER_LINE = re.compile(r"^-- Order\s+(\w+(?:,\s*\w+)*)\s*$", re.M)


def _header_order(sql: str, columns) -> tuple[str, ...]:
    """The columns of the header's `-- Order` line: the order in which a page shows a child
    list, so that its first rows can be read from the database (`run(..., limit=N)`)."""
    m = _ORDER_LINE.search(sql)
    if m is None:
        return ()
    order = tuple(c.strip() for c in m.group(1).split(","))
    unknown = set(order) - {c for c, _ in columns}
    if unknown:
        raise ValueError(f"-- Order names columns the query does not have: {sorted(unknown)}")
    return order


def _with_includes(sql: str, dialect: str) -> str:
    """Replace each line `-- include NAME` by query NAME's statement (for this dialect), so that
    a query built on another one's rows (counts of a list) uses them instead of a copy.
    `-- include sql/PART` takes queries/sql/PART.sql instead: rows that several queries share
    but that are no figure of their own (the findings of one kind, read in another order)."""
    return _INCLUDE_LINE.sub(lambda m: _included(m.group(1), dialect), sql)


def _included(name: str, dialect: str) -> str:
    if name.startswith("sql/"):
        variant = QUERY_DIR / f"{name}.{dialect}.sql"
        part = variant if variant.exists() else QUERY_DIR / f"{name}.sql"
        return _with_includes(part.read_text(encoding="utf-8"), dialect)
    return load(name).text_for(dialect)


def _dialects(name: str) -> set[str]:
    """The dialects with a variant of query (or part) `name` or of anything it includes."""
    source = QUERY_DIR / f"{name}.sql"
    stem = source.name[:-len(".sql")]
    own = {v.name[len(stem) + 1:-len(".sql")] for v in source.parent.glob(f"{stem}.*.sql")}
    body = source.read_text(encoding="utf-8")
    return own.union(*(_dialects(m.group(1)) for m in _INCLUDE_LINE.finditer(body)))


@lru_cache(maxsize=None)
def load(name: str) -> Query:
    if name not in sql_names():
        raise KeyError(f"unknown query {name!r}; known: {', '.join(names())}")
    default = (QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")
    sql = {"default": _with_includes(default, "default")}
    # A query that includes one with a dialect variant gets that variant too (its own text,
    # the included query's variant), even without a variant file of its own.
    for dialect in _dialects(name):
        variant = QUERY_DIR / f"{name}.{dialect}.sql"
        own = variant.read_text(encoding="utf-8") if variant.exists() else default
        sql[dialect] = _with_includes(own, dialect)
    columns = _header_columns(default)
    if not columns:
        raise ValueError(f"{name}.sql has no '-- Columns' list in its header")
    return Query(name, columns, sql, _header_order(default, columns))


def columns(name: str) -> list[str]:
    from queries import computed
    if computed.get(name) is not None:
        return [c for c, _ in computed.get(name).columns]
    return [c for c, _ in load(name).columns]


# --- Parameters derived from the as-of day and the programme ---------------------------------

def _as_date(value) -> dt.date | None:
    """A date from what a driver returns (SQLite gives ISO text, PostgreSQL date objects)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def programme_dates(conn) -> tuple[dt.date | None, dt.date | None]:
    row = conn.execute(text("select start_date, deadline from programme")).first()
    if row is None:
        return None, None
    return _as_date(row[0]), _as_date(row[1])


def derived_params(as_of: dt.date, start: dt.date | None, deadline: dt.date | None) -> dict:
    """Every value a query may bind besides the filters, from D, S and T."""
    p = {
        "as_of": as_of,
        "as_of_minus_6": as_of - dt.timedelta(days=6),
        "as_of_minus_364": as_of - dt.timedelta(days=364),
        "start_date": start,
        "deadline": deadline,
        "plan_days": None,
        "plan_rate": None,
        "days_to_deadline": None,
        "midpoint": None,
    }
    if start is not None and deadline is not None:
        plan_days = (deadline - start).days + 1
        elapsed = (as_of - start).days + 1
        p["plan_days"] = plan_days
        p["plan_rate"] = min(1.0, max(0.0, elapsed / plan_days))
        p["days_to_deadline"] = (deadline - as_of).days if as_of < deadline else None
        p["midpoint"] = start + dt.timedelta(days=(deadline - start).days // 2)
    return p


@lru_cache(maxsize=256)
def _statement(sql: str):
    # Kept per text: making a text() finds its binds with a regular expression over the whole
    # file, headers included (0.25 ms a run for a child list's first rows, of a 20 ms budget at
    # scale 1). A statement is never changed once made (bindparams gives a new one): shared.
    stmt = text(sql)
    typed = [bindparam(k, type_=Date) for k in stmt._bindparams if k in _DATE_PARAMS]
    return stmt.bindparams(*typed) if typed else stmt


# --- Shaping the result by the header's column list -----------------------------------------

def _shape(query: Query, raw: dict[str, np.ndarray], n: int, *,
           ordered: bool = False) -> pd.DataFrame:
    # Column by column on the driver's values with numpy, then one DataFrame: pandas' own
    # conversions and sort cost 10 to 40 ms per call even for 25 rows (more than most queries),
    # and seconds for the child lists at scale 30.
    columns = {}
    for col, kind in query.columns:
        values = raw[col]
        if kind == "date":
            columns[col] = _dates(values)
        elif kind == "count":
            # None becomes NaN in a float array; counts are far below 2**53, so exact.
            columns[col] = np.nan_to_num(np.array(values, "float64"), nan=0.0).astype("int64")
        elif kind == "integer":
            columns[col] = pd.array(np.array(values, "float64"), dtype="Int64")
        elif kind in ("rate", "number"):
            columns[col] = np.array(values, "float64")
        else:
            columns[col] = values           # str or None, as the driver gives them
    # Row order is free in the contract; a stable order (by the text and date columns, in
    # column order, missing values last) makes pages, CSV output and tests deterministic on
    # both databases.
    # The first rows of a list come in the query's own order (ordered): kept as they are.
    keys = [columns[c] for c, kind in query.columns if kind in ("text", "date")]
    if keys and n > 1 and not ordered:
        order = np.array(_order(keys), dtype=np.intp)    # an array indexes faster than a list
        columns = {c: v[order] for c, v in columns.items()}
    # Text stays object dtype (as the pages and the contract CLI expect), never inferred as
    # pandas' string dtype.
    # copy=False: the arrays are this call's own (half the time for 10,000 rows).
    return pd.DataFrame({c: pd.Series(v, dtype=object, copy=False) if v.dtype == object else v
                         for c, v in columns.items()}, index=pd.RangeIndex(n), copy=False)


_LAST = np.iinfo(np.int64).max


def _order(keys: list[np.ndarray]) -> list[int]:
    """Row positions in the order of the key columns, missing values last: the order of
    Python's sort on the rows' key tuples (far less time than pandas' sort keys)."""
    # By the first key alone, then each run of equal first keys by all keys: the same order as
    # sorting the rows' tuples, in a third of the time when runs are few and short (a child
    # list's first key is the child's id: 5.7 to 1.9 ms for 10,000 rows), since only their
    # tuples are compared. The runs are found with numpy, not a Python loop over every row, and
    # the other keys are read only for the rows in a run (a few of a child list's 431,000 at
    # scale 30: 280 to about 115 ms).
    first = _sort_keys(keys[0])
    order = sorted(range(len(first)), key=first.__getitem__)
    if len(keys) == 1 or len(order) < 2:
        return order
    ranked = np.fromiter(first, dtype=object, count=len(first))[order]
    ties = np.flatnonzero(ranked[1:] == ranked[:-1])    # row i ties with row i + 1
    if not len(ties):
        return order
    breaks = np.diff(ties) > 1
    runs = list(zip(ties[np.r_[True, breaks]].tolist(), (ties[np.r_[breaks, True]] + 2).tolist()))
    tied = [i for start, end in runs for i in order[start:end]]
    rest = [_sort_keys(k[tied]) for k in keys[1:]]
    rows = dict(zip(tied, zip([first[i] for i in tied], *rest)))
    for start, end in runs:
        order[start:end] = sorted(order[start:end], key=rows.__getitem__)
    return order


def _sort_keys(k: np.ndarray) -> list:
    """A key column as values that sort in its order, missing values last."""
    if k.dtype.kind == "M":
        return np.where(np.isnat(k), _LAST, k.view("int64")).tolist()
    # Text columns hold str or None (the driver's values): `None in` is a C loop, a tenth of
    # pd.isna's time on 10,000 rows.
    values = k.tolist()
    return [(v is None, "" if v is None else v) for v in values] if None in values else values


def _dates(values: np.ndarray) -> np.ndarray:
    # Few distinct dates in many rows: convert each distinct value once, then look them up.
    # One factorize (missing values coded -1) is a third of the time of unique values, an
    # Index of them and its get_indexer (1.6 to 0.6 ms for 1,000 rows, 32 to 6 ms for 84,000).
    codes, distinct = pd.factorize(values)
    converted = np.array([np.datetime64(_as_date(v), "ns") for v in distinct]
                         + [np.datetime64("NaT", "ns")], "datetime64[ns]")
    return converted[codes]                          # -1 (missing) is the NaT appended last


def _add_projected_days(raw: dict[str, np.ndarray], as_of: dt.date) -> dict[str, np.ndarray]:
    """projected_completion = D + projected_days where the SQL left some children to see."""
    days = raw.pop("projected_days")
    projected = [
        as_of + dt.timedelta(days=int(n)) if n is not None and not _isnan(n) else p
        for n, p in zip(days, raw["projected_completion"])
    ]
    raw["projected_completion"] = np.array(projected + [None], dtype=object)[:-1]
    return raw


def _isnan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


_POSTPROCESS = {"district_progress": _add_projected_days}


# --- The derived table the per-child figures read ------------------------------------------

_STATUS_MISSING = text(
    "select 1 where exists (select 1 from children)"
    " and (not exists (select 1 from child_status)"
    " or not exists (select 1 from district_day_facts)"
    " or not exists (select 1 from first_visit_facts)"
    " or not exists (select 1 from table_counts)"
    # Without visits this table is empty by right: only then is its emptiness no sign.
    " or (exists (select 1 from visits) and not exists (select 1 from district_visit_days))"
    " or (exists (select 1 from first_visit_facts)"
    " and (not exists (select 1 from first_visit_states)"
    " or not exists (select 1 from first_visit_groups)))"
    # Empty by right when nobody had a first visit: named for a database made before it.
    " or exists (select 1 from first_visit_attempts where 1 = 0)"
    # Empty by right when no child is unreachable or at risk: named only so that a database made
    # before the table existed gets the message below instead of a query's error.
    " or exists (select 1 from child_alert_runs where 1 = 0)"
    # Empty by right when no child ever reached a third visit or a high-risk visit.
    " or (exists (select 1 from child_status where third_visit_on is not null"
    " or first_high_risk_on is not null) and not exists (select 1 from attention_spans))"
    # Every span has a step (its first day is a visit day).
    " or (exists (select 1 from attention_spans) and not exists (select 1 from attention_steps)))"
)
_DERIVED = tuple(table.name for table in DERIVED)


class OutdatedDatabase(RuntimeError):
    """The database was made before one of the derived tables existed, and this process could
    not create it (no right to, in production): one `python -m data refresh` makes and fills it."""

    def __init__(self, table: str):
        super().__init__(f"the database has no {table} table (made before it existed): run"
                         " `python -m data refresh --db URL` once")
        self.table = table


def _reads_child_status(sql: str) -> bool:
    return any(table in sql for table in _DERIVED)


def ensure_child_status(engine: Engine) -> None:
    """Fill child_status (and the per-day facts) once if the database has children but no
    status or fact rows.

    A database filled before child_status existed (or by hand) would otherwise give zeros for
    every figure that reads it. The loader and the generator refresh it themselves, so this is
    two index look-ups on every run and a refresh at most once. A database without the table at
    all (made by an older schema) needs `python -m data refresh`, which creates it.
    """
    try:
        with engine.connect() as conn:
            missing = conn.execute(_STATUS_MISSING).first() is not None
    except DBAPIError as e:
        missing_table = next((t for t in _DERIVED if t in str(e.orig)), None)
        if missing_table is None:
            raise                  # not about the table (an unreachable server): as it is
        raise OutdatedDatabase(missing_table) from e
    if missing:
        with engine.begin() as conn:
            # Asked again inside the transaction: another process may have filled it meanwhile.
            if conn.execute(_STATUS_MISSING).first() is not None:
                refresh_child_status(conn)


def _first_rows(sql: str, order: tuple[str, ...]) -> str:
    """The statement for the first `row_limit` rows of a query in its header's order: sorted
    and cut by the database, so a list of 84,000 children (scale 30) is never sent whole to
    show its first thousand. Appended to the query's own final select (which has no order of
    its own), not wrapped around it, so that a database that can works out the columns for
    the first rows only. Column names come from the query's own header, never from input."""
    clause = f"order by {', '.join(order)}\nlimit :row_limit"
    return f"{sql.rstrip()}\n{clause}"


def run(name: str, engine: Engine, *, as_of: dt.date, district: str | None = None,
        cohort: str | None = None, limit: int | None = None, **options) -> pd.DataFrame:
    """The rows of query `name` as of day `as_of`, for one district (None: the whole city) and
    one cohort (None: both); exactly the columns of the query's header, in order. `options`
    only for a computed figure that declares them (queries/computed.py).

    `limit`: only the first `limit` rows in the order of the query's `-- Order` header line (a
    child list shown on a page), in that order; the whole list (no limit) is in the runner's
    usual order."""
    from queries import computed
    if cohort is not None and cohort not in COHORTS:
        raise ValueError(f"unknown cohort {cohort!r}; known: {', '.join(COHORTS)}")
    if isinstance(as_of, dt.datetime):
        as_of = as_of.date()
    figure = computed.get(name)
    if figure is not None:
        if limit is not None:
            raise TypeError(f"query {name!r} has no first rows (limit)")
        df = figure.function()(engine, as_of=as_of, district=district, cohort=cohort, **options)
        return df[[c for c, _ in figure.columns]].reset_index(drop=True)
    if options:
        raise TypeError(f"query {name!r} takes no options ({', '.join(options)})")
    query = load(name)
    sql = query.text_for(engine.dialect.name)
    if _reads_child_status(sql):
        ensure_child_status(engine)
    if limit is not None:
        if not query.order:
            raise TypeError(f"query {name!r} declares no '-- Order': it has no first rows")
        if limit < 0:
            raise ValueError("limit must not be negative")
        sql = _first_rows(sql, query.order)
    stmt = _statement(sql)
    with engine.connect() as conn, _gc_paused():
        params = derived_params(as_of, *programme_dates(conn))
        params.update(district=district, cohort=cohort, row_limit=limit)
        needed = {k: params[k] for k in stmt._bindparams}
        if limit is None and name in CHILD_LEVEL and conn.dialect.name == "postgresql":
            # A whole child list (up to 431,000 rows at scale 30): read by COPY into Arrow, the
            # same frame in about half the time.
            return whole_list.read(conn, stmt, needed, query.columns)
        raw = column_arrays(conn.execute(stmt, needed))
        n = len(next(iter(raw.values())))
        post = _POSTPROCESS.get(name)
        if post is not None:
            raw = post(raw, as_of)
        return _shape(query, raw, n, ordered=limit is not None)


def column_arrays(result) -> dict[str, np.ndarray]:
    """A text statement's result as {column: object array of the driver's own values}, closed.
    The statement is text, so SQLAlchemy would convert nothing, yet building a Row per row (or a
    DataFrame of the tuples) cost more than the query itself for a few hundred thousand rows.
    Also what queries/alerts.py and queries/forecast.py read their inputs with."""
    rows = result.cursor.fetchall()
    keys = list(result.keys())
    result.close()
    # Each column read from the rows by itemgetter: half the time of transposing them with
    # zip(*rows) (431,000 rows at scale 30: 130 to 70 ms).
    return {k: np.fromiter(map(itemgetter(i), rows), dtype=object, count=len(rows))
            for i, k in enumerate(keys)}


@contextmanager
def _gc_paused():
    """Python's cycle collector off while a result's rows are made: each of the hundreds of
    thousands of tuples and strings would otherwise trigger passes over every object of the
    process (0.3 s of 0.5 s for the 84,000-row attention list at scale 30), and none of them
    can form a cycle."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def default_as_of(engine: Engine) -> dt.date | None:
    """The latest visit_date, referred_on or received_on in the database; None when empty."""
    sql = text(
        "select max(d) from ("
        " select max(visit_date) as d from visits"
        " union all select max(referred_on) from referrals"
        " union all select max(received_on) from reports) latest"
    )
    with engine.connect() as conn:
        return _as_date(conn.execute(sql).scalar())


def district_exists(engine: Engine, district: str) -> bool:
    stmt = text("select count(*) from districts where district_code = :district")
    with engine.connect() as conn:
        return conn.execute(stmt, {"district": district}).scalar() > 0
