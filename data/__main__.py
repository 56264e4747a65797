"""Command line of the case database: load, export, generate, demo.

    python -m data load     [--db URL] [--progress] DIR
    python -m data export   [--db URL] [--progress] DIR
    python -m data generate [--db URL] [--seed N] [--scale X] [--today YYYY-MM-DD]
    python -m data demo     [--db URL]
    python -m data refresh  [--db URL]

--db defaults to CASES_DB_URL or the SQLite file data/cases.db; the schema is created if missing.
A failed command prints what is wrong on stderr (one line per problem, never a traceback) and
exits with status 1.
"""
import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from data.db import create_schema, database_url, make_engine


class CommandError(Exception):
    """A one-line reason the command failed."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.monotonic()
    try:
        return args.run(args, started)
    except CommandError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except DBAPIError as e:
        print(f"error: database {_shown(args.db)}: {_first_line(e.orig or e)}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted (a load in progress is rolled back; an export may be partial)", file=sys.stderr)
        return 130


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
    p = command("export", _export, "write the database as an extract folder")
    p.add_argument("folder")
    p.add_argument("--progress", action="store_true",
                   help="show progress on stderr even when it is not a terminal")
    p = command("generate", _generate, "fill the database with synthetic data")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--today", type=_date, default=dt.date(2021, 4, 30))
    command("demo", _demo, "make sure the demo database exists")
    command("refresh", _refresh,
            "rebuild the derived table child_status (after changing rows by other means)")
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _engine(args):
    url = args.db or database_url()
    args.db = url
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as e:
        raise CommandError(f"not a database URL: {_shown(url)} ({_first_line(e)})") from None
    with engine.connect():
        pass                   # an unreachable database fails here, as a DBAPIError
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
    engine = _engine(args)
    say = _progress(args)
    try:
        counts = load_extract(engine, args.folder, progress=say)
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
        raise CommandError(f"cannot write {args.folder}: {e.strerror or e}") from None
    _end_progress(say)
    print(f"exported {sum(counts.values()):,} rows to {args.folder}"
          f" in {time.monotonic() - started:.1f}s")
    return 0


def _generate(args, started: float) -> int:
    from data import generate as generator   # written separately; imported only when asked for
    engine = _engine(args)
    refusal = getattr(generator, "NotEmptyError", ())
    try:
        generator.generate(engine, seed=args.seed, scale=args.scale, today=args.today)
    except refusal as e:
        raise CommandError(str(e)) from None
    print(f"generated synthetic data (seed {args.seed}, scale {args.scale}, today {args.today})"
          f" in {_shown(args.db)} in {time.monotonic() - started:.1f}s")
    return 0


def _demo(args, started: float) -> int:
    from data.demo import ensure_demo_database   # written separately
    made = ensure_demo_database(args.db)
    print("demo database created" if made else "demo database already there")
    return 0


def _refresh(args, started: float) -> int:
    from data.status import refresh_child_status
    engine = _engine(args)
    with engine.begin() as conn:
        refresh_child_status(conn)
    print(f"refreshed child_status in {_shown(args.db)} in {time.monotonic() - started:.1f}s")
    return 0


def _shown(url: str | None) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable URL)"


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


if __name__ == "__main__":
    sys.exit(main())
