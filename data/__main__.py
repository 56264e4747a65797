"""Command line of the case database: load, export, generate, demo.

    python -m data load     [--db URL] [--progress] [--encoding E] [--create] DIR
    python -m data export   [--db URL] [--progress] DIR
    python -m data generate [--db URL] [--seed N] [--scale X] [--today YYYY-MM-DD]
    python -m data demo     [--db URL]
    python -m data refresh  [--db URL]

--db defaults to CASES_DB_URL or the SQLite file data/cases.db; the schema is created if missing.
An SQLite file must exist already (a mistyped path is an error, not a new empty database), except
for generate and demo, and for load with --create; a database holding only another
application's tables is refused by every command.
A failed command prints what is wrong on stderr (one line per problem, never a traceback, never
a row's values), what failed, where, and that nothing was written, and exits with status 1.
Set CASES_DEBUG=1 to see the traceback of an unexpected error.
"""
import argparse
import datetime as dt
import logging
import sys
import time
from pathlib import Path

from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from data.db import create_schema, database_url, foreign_tables, make_engine, sqlite_path
from data.errors import describe, first_line as _first_line, shown_url as _shown
from data.lock import LoadRunning

SCALE_RANGE = (0.01, 100.0)
# --today: inside the programme's year, from its start (13 January 2021) to 31 December 2021.
TODAY_RANGE = (dt.date(2021, 1, 13), dt.date(2021, 12, 31))
# What each command leaves behind when it fails.
NOTHING_WRITTEN = {
    "load": "nothing was written",
    "generate": "nothing was written",
    "refresh": "nothing was written",
    "demo": "nothing was written",
    "export": "no folder was written",
}


class CommandError(Exception):
    """A one-line reason the command failed."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # psycopg logs a warning of its own when a rollback after a failed statement fails too (a
    # statement timeout striking while SQLAlchemy reads type information on connecting): a
    # second line beside the command's one-line error, saying nothing more.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    started = time.monotonic()
    nothing = NOTHING_WRITTEN.get(args.command, "nothing was written")
    try:
        return args.run(args, started)
    except CommandError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except LoadRunning as e:
        print(f"error: {args.command}: {e}", file=sys.stderr)
        return 1
    except BaseException as e:        # noqa: BLE001 -- every class becomes one line
        if isinstance(e, SystemExit):
            raise
        print(describe(args.command, e, args.db, nothing), file=sys.stderr)
        return 130 if isinstance(e, KeyboardInterrupt) else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m data", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, run, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("--db", default=None,
                       help="SQLAlchemy URL (default: CASES_DB_URL or data/cases.db)")
        p.set_defaults(run=run)
        return p

    p = command("load", _load, "load an extract folder (all or nothing)")
    p.add_argument("folder")
    p.add_argument("--progress", action="store_true",
                   help="show progress on stderr even when it is not a terminal")
    p.add_argument("--encoding", default="utf-8", type=_encoding,
                   help="the files' encoding (default utf-8; cp949 for a CSV file saved by"
                        " Excel on Korean Windows)")
    p.add_argument("--create", action="store_true",
                   help="create the SQLite file if it does not exist (otherwise refused, so a"
                        " mistyped path is not a new empty database)")
    p = command("export", _export, "write the database as an extract folder")
    p.add_argument("folder")
    p.add_argument("--progress", action="store_true",
                   help="show progress on stderr even when it is not a terminal")
    p = command("generate", _generate, "fill the database with synthetic data")
    p.add_argument("--seed", type=_seed, default=1)
    p.add_argument("--scale", type=_scale, default=1.0,
                   help=f"1 = Seoul's programme; from {SCALE_RANGE[0]} to {SCALE_RANGE[1]:g}")
    p.add_argument("--today", type=_today, default=dt.date(2021, 4, 30),
                   help=f"the extract's day, {TODAY_RANGE[0]} to {TODAY_RANGE[1]}")
    command("demo", _demo, "make sure the demo database exists")
    command("refresh", _refresh,
            "rebuild the derived table child_status (after changing rows by other means)")
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _today(text: str) -> dt.date:
    day = _date(text)
    low, high = TODAY_RANGE
    if not low <= day <= high:
        raise argparse.ArgumentTypeError(f"must be inside the programme's year, {low} to {high}:"
                                         f" {text}")
    return day


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    low, high = SCALE_RANGE
    if not low <= value <= high:       # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be from {low} to {high:g}: {text}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be from 0 to {2**32 - 1}: {text}")
    return value


def _encoding(text: str) -> str:
    import codecs
    try:
        codecs.lookup(text)
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding: {text!r}") from None
    return text


def _engine(args, create: bool = False):
    """An engine on --db with the schema in place; refuses what must not be written to."""
    url = args.db or database_url()
    args.db = url
    nothing = NOTHING_WRITTEN.get(args.command, "nothing was written")
    try:
        path = sqlite_path(url)
    except ArgumentError as e:
        raise CommandError(f"not a database URL: {_shown(url)} ({_first_line(e)})") from None
    if path is not None and not create:
        if not path.exists():
            hint = " (give --create to make a new one)" if args.command == "load" else ""
            raise CommandError(f"no SQLite database file at {path}{hint}; {nothing}")
        if not path.is_file():
            raise CommandError(f"{path} is not an SQLite database file; {nothing}")
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError, ImportError) as e:
        raise CommandError(f"cannot use database {_shown(url)}: {_first_line(e)}"
                           f" (is its driver installed?); {nothing}") from None
    with engine.connect():
        pass                   # an unreachable database fails here, as a DBAPIError
    others = foreign_tables(engine)
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        raise CommandError(f"{_shown(url)} holds another application's tables ({shown}), none"
                           f" of this project's; {nothing}")
    create_schema(engine)
    return engine


def _progress(args):
    if not (args.progress or sys.stderr.isatty()):
        return None
    started = time.monotonic()
    if sys.stderr.isatty():
        def say(message: str) -> None:      # one line, rewritten in place
            print(f"\r\033[K[{time.monotonic() - started:6.1f}s] {message}", end="",
                  file=sys.stderr, flush=True)
    else:
        last = [0.0]

        def say(message: str) -> None:      # asked for in a log: a line per step, counts sparser
            now = time.monotonic() - started
            if message.endswith(" rows") and now - last[0] < 5:
                return
            last[0] = now
            print(f"[{now:6.1f}s] {message}", file=sys.stderr, flush=True)
    return say


def _end_progress(say) -> None:
    if say is not None and sys.stderr.isatty():
        print(file=sys.stderr)


def _load(args, started: float) -> int:
    from data.load import ExtractError, load_extract
    if not Path(args.folder).is_dir():
        raise CommandError(f"no such folder: {args.folder}")
    engine = _engine(args, create=args.create)
    say = _progress(args)
    try:
        counts = load_extract(engine, args.folder, progress=say, encoding=args.encoding)
    except ExtractError as e:
        _end_progress(say)
        for problem in e.problems:
            print(problem, file=sys.stderr)
        files = {p.split(":", 1)[0] for p in e.problems}
        print(f"load failed: {len(e.problems)} problem(s) in {len(files)} file(s);"
              f" nothing was written", file=sys.stderr)
        return 1
    _end_progress(say)
    total = sum(counts.values())
    print(f"loaded {total:,} rows from {len(counts)} file(s) into {_shown(args.db)}"
          f" in {time.monotonic() - started:.1f}s")
    for file, n in counts.items():
        print(f"  {file}: {n:,}")
    return 0


def _export(args, started: float) -> int:
    from data.export import export_extract
    engine = _engine(args)
    say = _progress(args)
    try:
        counts = export_extract(engine, args.folder, progress=say)
    except OSError as e:
        _end_progress(say)
        raise CommandError(f"export failed: cannot write {e.filename or args.folder}:"
                           f" {e.strerror or _first_line(e)}; no folder was written") from None
    _end_progress(say)
    print(f"exported {sum(counts.values()):,} rows to {args.folder}"
          f" in {time.monotonic() - started:.1f}s")
    return 0


def _generate(args, started: float) -> int:
    from data import generate as generator   # imported only when asked for (numpy)
    from data.lock import load_lock
    engine = _engine(args, create=True)
    try:
        with load_lock(engine):
            generator.generate(engine, seed=args.seed, scale=args.scale, today=args.today)
    except generator.NotEmptyError as e:
        raise CommandError(f"{e}; nothing was written") from None
    print(f"generated synthetic data (seed {args.seed}, scale {args.scale}, today {args.today})"
          f" in {_shown(args.db)} in {time.monotonic() - started:.1f}s")
    return 0


def _demo(args, started: float) -> int:
    from data.demo import ensure_demo_database
    args.db = args.db or database_url()
    made = ensure_demo_database(args.db)
    print("demo database created" if made else "demo database already there")
    return 0


def _refresh(args, started: float) -> int:
    from data.dataset import bump_version
    from data.lock import load_lock
    from data.status import refresh_child_status
    engine = _engine(args)
    from data.aside import rebuilt_aside
    with load_lock(engine), engine.begin() as conn:
        with rebuilt_aside(conn):
            refresh_child_status(conn)
        bump_version(conn)
    print(f"refreshed child_status in {_shown(args.db)} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
