"""Command line of the morning briefing pack.

    python -m briefing build [--db URL] [--as-of D] [--recipient ID ... | --all] --out DIR
    python -m briefing send  [--db URL] [--as-of D] [--recipient ID ... | --all] --out DIR
                             [--drop DIR]

`build` writes `<as_of>_<recipient>.pdf` and `.xlsx` for each recipient of the role map
(CASES_ROLE_MAP; on the synthetic demo without one, one recipient per role and per district).
`send` e-mails each recipient's two files (SMTP settings: briefing/send.py), or with --drop copies
them into DIR/<recipient>/. --as-of defaults to the newest day in the data. Exit status 0 when
everything was built or delivered, 1 when anything failed (each failure is one line on stderr).
"""
import argparse
import datetime as dt
import sys
from pathlib import Path

from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

import queries
from briefing import fonts
from briefing.recipients import RecipientError, resolve
from briefing.send import SendError
from briefing.source import Source
from data.db import database_url, make_engine


class CommandError(Exception):
    """A one-line reason the command failed."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (CommandError, RecipientError, SendError, fonts.FontMissing) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except DBAPIError as exc:
        print(f"error: database: {str(exc.orig or exc).splitlines()[0]}", file=sys.stderr)
        return 1
    except (OSError, RuntimeError) as exc:  # RuntimeError: the runner's or the audit log's
        print(f"error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted (files already renamed into place are complete)", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m briefing", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, run, help in (("build", _build, "build each recipient's PDF and workbook"),
                            ("send", _send, "deliver the built packs (SMTP or --drop)")):
        p = sub.add_parser(name, help=help)
        p.add_argument("--db", default=None,
                       help="SQLAlchemy URL (default: CASES_DB_URL or data/cases.db)")
        p.add_argument("--as-of", type=_date, default=None,
                       help="the day of the pack (default: the newest day in the data)")
        who = p.add_mutually_exclusive_group()
        who.add_argument("--recipient", nargs="+", metavar="ID",
                         help="only these recipients (their e-mail in the role map)")
        who.add_argument("--all", action="store_true", help="every recipient (the default)")
        p.add_argument("--out", required=True, type=Path, help="the folder of the packs")
        if name == "send":
            p.add_argument("--drop", type=Path, default=None,
                           help="copy into DIR/<recipient>/ instead of e-mailing")
        p.set_defaults(run=run)
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _setup(args):
    url = args.db or database_url()
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise CommandError(f"not a database URL: {url.split('@')[-1]} ({exc})") from None
    as_of = args.as_of or queries.default_as_of(engine)
    if as_of is None:
        raise CommandError("the database holds no visits, referrals or reports: nothing to brief")
    source = Source(engine, as_of)
    try:
        source.programme()
    except LookupError as exc:
        raise CommandError(str(exc)) from None
    return engine, as_of, resolve(source, args.recipient)


def _say(line: str) -> None:
    print(line, flush=True)


def _build(args) -> int:
    from briefing.build import build
    engine, as_of, chosen = _setup(args)
    _say(f"building {len(chosen)} pack(s) as of {as_of} into {args.out}")
    results = build(engine, as_of, chosen, args.out, say=_say)
    failed = [r for r in results if r.error]
    for r in failed:
        print(f"error: {r.recipient.id}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


def _send(args) -> int:
    from briefing.send import send
    engine, as_of, chosen = _setup(args)
    _say(f"delivering {len(chosen)} pack(s) as of {as_of} from {args.out}"
         + (f" into {args.drop}" if args.drop else " by e-mail"))
    results = send(engine, as_of, chosen, args.out, drop=args.drop, say=_say)
    failed = [r for r in results if not r.ok]
    for r in failed:
        print(f"error: {r.recipient.id}: {r.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
