"""The audit trail: who looked at what, appended to the audit_log table, never changed.

`record` appends one event; `recent` reads the latest for the response team's page; `protect`
installs database triggers that reject UPDATE, DELETE (and on PostgreSQL TRUNCATE) of audit_log,
so even a bug or a stray SQL session cannot rewrite the trail. There is deliberately no update or
delete function here. In production, also give the app's database role only INSERT and SELECT on
audit_log (docs/deployment.md).

Never record tokens, passwords or cookies: `detail_json` drops such keys, and `record` blanks
anything that looks like a JSON Web Token.

An event that cannot be written (read-only or locked database, a role without INSERT) raises
`Unwritable`, never a raw database error: the app then pauses viewing of real data
(access.login.pause_when_unaudited). For the synthetic demo's viewer only, the failure is
reported through `on_demo_unwritable` (a banner) and the demo goes on.

`on_send` makes the payload of a download: built, checked and audited when the file is actually
requested, not when the button is drawn (docs/deployment.md, "Downloads").
"""
import json
import logging
import re
from collections.abc import Callable, MutableMapping
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import insert, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from access.viewer import Viewer
from data.schema import audit_log

ACTIONS = ("view", "download", "child_list", "login", "refused", "logout",
           "pack_built", "delivered", "delivery_failed")  # the last three: briefing/
SQL_DIR = Path(__file__).resolve().parent / "sql"
MAX_DETAIL = 2000
_SECRET_KEY = re.compile(r"token|password|passwd|secret|cookie|authorization|credential", re.I)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_LOG = logging.getLogger(__name__)


class Unwritable(RuntimeError):
    """An audit event could not be written; the message says which, never with data rows."""


def _ignore() -> None:
    return None


# Set by access.login: what the demo shows when its (synthetic) views cannot be audited.
on_demo_unwritable: Callable[[], None] = _ignore


def detail_json(**fields) -> str:
    """Compact JSON of filters and the like, sorted keys, None values and secret-ish keys left out."""
    kept = {k: v for k, v in fields.items() if v is not None and not _SECRET_KEY.search(k)}
    return json.dumps(kept, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record(engine: Engine, viewer: Viewer, page: str, action: str, detail: str = "",
           rows: int | None = None) -> None:
    """Append one event. Raises on an unknown action rather than logging something vague, and
    `Unwritable` when the row cannot be written (except for the synthetic demo's viewer)."""
    try:
        record_identity(engine, viewer.subject, viewer.role, viewer.district_code, page, action,
                        detail, rows)
    except Unwritable as exc:
        if not viewer.demo:
            raise
        _LOG.warning("demo view not audited: %s", exc)
        on_demo_unwritable()


def record_identity(engine: Engine, subject: str, role: str, district_code: str | None, page: str,
                    action: str, detail: str = "", rows: int | None = None) -> None:
    """`record` for an identity that has no Viewer (an unknown login refused): role 'unknown'."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}; one of {ACTIONS}")
    detail = _JWT.sub("[redacted]", detail or "")[:MAX_DETAIL]
    try:
        with engine.begin() as conn:
            conn.execute(insert(audit_log).values(
                # On PostgreSQL a trigger replaces this with the server's clock (protect()).
                logged_at=datetime.now(timezone.utc),
                subject=subject,
                role=role,
                district_code=district_code,
                page=page,
                action=action,
                detail=detail,
                rows=None if rows is None else int(rows),
            ))
    except (SQLAlchemyError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        raise Unwritable(f"audit event {action!r} on {page!r} not written: "
                         f"{type(reason).__name__}: {str(reason).splitlines()[0][:200]}") from None


def record_once(engine: Engine, viewer: Viewer, page: str, action: str, detail: str = "",
                rows: int | None = None, *, memory: MutableMapping, slot: str = "") -> bool:
    """`record`, unless this page's last event of this action had the same detail and rows.

    Streamlit reruns the page on every click; pass st.session_state as `memory` so that a view
    is logged when the page or its filters change, not at every rerun. Returns whether it logged.
    slot: which of a page's events of this action (a page that reads two child lists names
    each, or they would take turns and both be written on every run).
    """
    key = f"_audit_last:{action}:{page}" + (f":{slot}" if slot else "")
    signature = (viewer.subject, viewer.role, viewer.district_code, detail, rows)
    if memory.get(key) == signature:
        return False
    record(engine, viewer, page, action, detail, rows)
    memory[key] = signature
    return True


def login_ended(engine: Engine, subject: str, login: str) -> bool:
    """Whether a `logout` event ended this login (access.login.login_id) of `subject`."""
    with engine.connect() as conn:
        found = conn.execute(text(_sql("login_ended.sql")),
                             {"subject": subject, "detail": detail_json(login=login)}).scalar()
    return bool(found)


def on_send(engine: Engine, viewer: Viewer, page: str, filename: str,
            build: Callable[[], pd.DataFrame], *,
            still_allowed: Callable[[], bool] = lambda: True) -> Callable[[], bytes]:
    """The `data=` of st.download_button for a table: a callable Streamlit runs only when the
    viewer clicks (over that session's websocket). It checks the login is still allowed, builds
    the table, neutralises formula-leading cells, and writes the `download` row before the bytes
    leave; if the row cannot be written, nothing is sent. The file then lives in Streamlit's
    media store only until the next script runs clean it up (about two reruns)."""
    from access import safe_text

    def payload() -> bytes:
        if not still_allowed():
            raise PermissionError("the login that drew this button has ended")
        df = build()
        body = safe_text.csv_bytes(df)
        record(engine, viewer, page, "download", detail=filename, rows=len(df))
        return body

    return payload


def recent(engine: Engine, limit: int = 500) -> pd.DataFrame:
    """The latest `limit` events, newest first, logged_at as a UTC timestamp."""
    with engine.connect() as conn:
        result = conn.execute(text(_sql("audit_recent.sql")), {"limit": int(limit)})
        df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    # SQLite hands back naive datetimes (stored as UTC); make both databases agree.
    df["logged_at"] = pd.to_datetime(df["logged_at"], utc=True)
    return df


def protect(engine: Engine) -> None:
    """Install the triggers that make audit_log append-only (and, on PostgreSQL, the one that
    sets each event's time on the server), and the index that finds logouts, unless all are
    there already.

    Idempotent: the app calls it at start. In production the triggers are installed once by the
    schema's owner (`python -m access.audit protect`); the app's own database role, which may
    only select and insert, then finds them present and changes nothing.
    """
    dialect = engine.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise NotImplementedError(f"no append-only triggers for {dialect}")
    with engine.connect() as conn:
        if conn.execute(text(_sql(f"audit_triggers_{dialect}.sql"))).scalar() == _PROTECTIONS[dialect]:
            return
    statements = [s.strip() for s in _sql(f"audit_protect_{dialect}.sql").split("\n-- split\n")]
    with engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


_PROTECTIONS = {"sqlite": 3, "postgresql": 4}  # objects counted by audit_triggers_<dialect>.sql


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")


if __name__ == "__main__":
    import sys

    from data.db import make_engine

    if sys.argv[1:] != ["protect"]:
        sys.exit("usage: python -m access.audit protect   (installs the append-only triggers on "
                 "the database of CASES_DB_URL)")
    from data.db import database_url, require_existing
    from data.errors import guarded

    def _protect() -> int:
        require_existing(database_url())
        protect(make_engine())
        print("audit_log is append-only")
        return 0
    # One line on any failure (an unreachable database, a role without the right), no traceback.
    sys.exit(guarded("access.audit protect", _protect, database_url(),
                     "no trigger was installed"))
