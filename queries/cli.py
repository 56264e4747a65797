"""`python -m queries NAME --db URL [--as-of YYYY-MM-DD] [--district CODE] [--cohort COHORT]`.

Prints the query's rows as CSV (header, the contract's columns in order, dates YYYY-MM-DD, nulls
empty, rates as plain decimals with full precision). `--list` names the queries;
`bench` times them (see queries/bench.py). Every mistake of the caller, and a database that
cannot be read, is one line on stderr and exit status 2, never a traceback.
"""
import argparse
import csv
import datetime as dt
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from queries import computed
from queries import runner as q

USAGE_ERROR = 2
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class UsageError(Exception):
    """A one-line message for the caller; exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print the usage too; one line is the contract
        raise UsageError(message)


def parse_date(raw: str) -> dt.date:
    if _ISO_DATE.fullmatch(raw):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise UsageError(f"not a date (YYYY-MM-DD): {raw!r}")


def format_value(value) -> str:
    """One CSV field: empty for null, YYYY-MM-DD for dates, floats without exponent."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        # repr is the shortest text that reads back as the same float; positional notation
        # keeps small rates like 1e-05 readable by every CSV consumer.
        return np.format_float_positional(float(value), trim="0")
    if isinstance(value, (np.integer,)):
        return str(int(value))
    return str(value)


def write_csv(df: pd.DataFrame, out) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        writer.writerow([format_value(v) for v in row])


def make_engine_checked(url: str):
    """An engine for an existing database; a missing SQLite file is an error, not a new file."""
    from data.db import make_engine
    try:
        parsed = make_url(url)
    except Exception:
        raise UsageError(f"not a database URL: {url!r}")
    if parsed.get_backend_name() == "sqlite":
        path = parsed.database
        if not path or path == ":memory:" or not Path(path).is_file():
            raise UsageError(f"no SQLite database file at {path!r}")
    try:
        return make_engine(url)
    except Exception as exc:
        raise UsageError(f"cannot use database {parsed.render_as_string()}: {_first_line(exc)}")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["bench"]:
            from queries import bench
            return bench.main(argv[1:])
        return _main(argv)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except SQLAlchemyError as exc:
        print(f"error: database: {_first_line(exc.orig if getattr(exc, 'orig', None) else exc)}",
              file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug of ours: still one line, but a different status
        print(f"error: internal: {type(exc).__name__}: {_first_line(exc)}", file=sys.stderr)
        return 1


def _main(argv: list[str]) -> int:
    from data.db import database_url

    parser = _Parser(prog="python -m queries", description="Run a named figure, print CSV.")
    parser.add_argument("name", nargs="?", help="the query's name (see --list)")
    parser.add_argument("--list", action="store_true", help="name the queries and exit")
    parser.add_argument("--db", default=None, help="SQLAlchemy URL (default: CASES_DB_URL or "
                        "data/cases.db)")
    parser.add_argument("--as-of", default=None, help="the day D, YYYY-MM-DD (default: the "
                        "latest visit, referral or report date)")
    parser.add_argument("--district", default=None, help="a district code (default: the city)")
    parser.add_argument("--cohort", default=None, help="repeat_report or neglect_risk "
                        "(default: both)")
    options = computed.all_options()
    for opt in options:
        parser.add_argument("--" + opt.name.replace("_", "-"), type=opt.type, default=None,
                            help=opt.help)
    args = parser.parse_args(argv)

    if args.list:
        print("\n".join(q.names()))
        return 0
    if not args.name:
        raise UsageError("give a query name (python -m queries --list names them)")
    if args.name not in q.names():
        raise UsageError(f"unknown query {args.name!r} (python -m queries --list names them)")
    as_of = parse_date(args.as_of) if args.as_of is not None else None
    if args.cohort is not None and args.cohort not in q.COHORTS:
        raise UsageError(f"unknown cohort {args.cohort!r}; known: {', '.join(q.COHORTS)}")

    figure = computed.get(args.name)
    mine = {o.name for o in figure.options} if figure else set()
    given = {o.name: getattr(args, o.name) for o in options if getattr(args, o.name) is not None}
    for name in given:
        if name not in mine:
            raise UsageError(f"--{name.replace('_', '-')} applies to "
                             f"{', '.join(computed.takes(name))} only")
    for opt in figure.options if figure else ():
        value = given.get(opt.name, opt.default)
        if isinstance(value, int) and value < 0:
            raise UsageError(f"--{opt.name.replace('_', '-')} must not be negative")
        given[opt.name] = value

    engine = make_engine_checked(args.db or database_url())
    try:
        if args.district is not None and not q.district_exists(engine, args.district):
            raise UsageError(f"unknown district code {args.district!r} (not in the districts table)")
        if as_of is None:
            # An empty database has no latest date; today is as good as any and harmless there.
            as_of = q.default_as_of(engine) or dt.date.today()
        df = q.run(args.name, engine, as_of=as_of, district=args.district, cohort=args.cohort,
                   **given)
    finally:
        engine.dispose()
    write_csv(df, sys.stdout)
    sys.stdout.flush()
    return 0
