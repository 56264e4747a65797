"""One line for a failed command: what failed, where, and what was (not) written.

Every command line of the project (data, queries, access.audit, geo.build_boundaries) ends an
error with one line on stderr, never a traceback, and never a row's values: a driver's message
keeps only its first line, because the lines after it (PostgreSQL's DETAIL and CONTEXT) quote the
row being written, which may be a child's.
"""
import os
import sqlite3
import sys
import traceback

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError


class Refused(Exception):
    """A command refuses to run, for the reason in its message (shown as it is)."""


def shown_url(url: str | None) -> str:
    """A database URL as it may be shown: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unreadable URL)"


def first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


def database_errors() -> tuple[type[BaseException], ...]:
    errors: tuple = (SQLAlchemyError, sqlite3.Error)
    try:
        import psycopg          # raised unwrapped by COPY on a raw cursor
        errors += (psycopg.Error,)
    except ImportError:
        pass
    return errors


def describe(command: str, e: BaseException, url: str | None, nothing: str) -> str:
    """The one line for exception `e` raised by `command` on database `url`."""
    if isinstance(e, Refused):
        return f"error: {command}: {e}; {nothing}"
    if isinstance(e, database_errors()):
        orig = getattr(e, "orig", None) or e
        return f"error: {command} failed: database {shown_url(url)}: {first_line(orig)}; {nothing}"
    if isinstance(e, OSError):
        where = f" {e.filename}:" if getattr(e, "filename", None) else ""
        return f"error: {command} failed:{where} {e.strerror or first_line(e)}; {nothing}"
    if isinstance(e, KeyboardInterrupt):
        return f"interrupted: {nothing}"
    # A bug of ours: the type only, never the values it was handling.
    if os.environ.get("CASES_DEBUG") == "1":
        traceback.print_exc()
    return (f"error: {command} failed: internal error ({type(e).__name__}); {nothing}"
            " (CASES_DEBUG=1 shows the traceback)")


def guarded(command: str, run, url: str | None = None, nothing: str = "nothing was written") -> int:
    """Run `run()` (which returns an exit status); any exception becomes one line and status 1."""
    try:
        return run()
    except BaseException as e:        # noqa: BLE001 -- every class, by design
        if isinstance(e, SystemExit):
            raise
        print(describe(command, e, url, nothing), file=sys.stderr)
        return 130 if isinstance(e, KeyboardInterrupt) else 1
