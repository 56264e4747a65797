"""Who is looking: `current_viewer()`, called once per run by dashboard.py before anything else.

Two modes, chosen by the server's own configuration, never by anything the browser sends:

- Login configured (an `[auth]` table in .streamlit/secrets.toml): OpenID Connect through
  st.login. The token's expiry is checked on every run (Streamlit does not check it), and the
  identity is mapped to a role by the role map (access/rolemap.py, env CASES_ROLE_MAP). An
  identity not in the map gets a polite refusal, is audited 'refused', and the run stops.
- No login configured: a labelled demo, only if the database says it is synthetic
  (dataset_info synthetic = 'true'), with a "view as" switch in the sidebar. A database that is
  not synthetic is never shown without login: the page explains how to configure it and stops.

The Viewer is kept in st.session_state under a private key for code that needs it later in the
same run (`viewer()`); it is recomputed every run, so a role map change or an expiry applies at
the next click. Nothing here is cached across viewers (st.cache_* is shared by all sessions).
"""
import hashlib
import logging
import re
import time
from contextlib import contextmanager
from pathlib import Path

import streamlit as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from access import audit, rolemap, safe_text
from access.viewer import DEMO_DEFAULT, ROLES, Viewer
from data.db import database_url, make_engine

MAX_SESSION_SECONDS = 12 * 3600  # our own limit, whatever the identity provider's token says
MIN_SECRET_BYTES = 32
# Examples printed in docs/deployment.md and in Streamlit's documentation: never a real secret.
DOCUMENTED_SECRETS = {"", "...", "xxx", "changeme", "change-me", "secret", "your-secret",
                      "your_cookie_secret", "cookie_secret"}
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+=*")
VIEWER_KEY = "_access_viewer"
_LOGIN_AUDITED_KEY = "_access_login_audited"
_SQL_DIR = Path(__file__).resolve().parent / "sql"
_LOG = logging.getLogger(__name__)
LANG_KEY = "filter_lang"  # the language chosen in the sidebar (pages/common/filters.py)
TEXT = {
    "en": {
        "role_city": "City (Deputy Mayor's office)",
        "role_response_team": "Child Abuse Response Team",
        "role_district": "District head",
        "login_title": "Child-abuse inspection dashboard",
        "login_body": "This dashboard holds information about children in the city's care "
                      "programme. Please log in with your city account.",
        "log_in": "Log in",
        "log_out": "Log out",
        "logged_in_as": "Logged in as {who} — {role}",
        "no_access": "No access",
        "expired": "Your login has expired. Please log in again.",
        "role_map_unusable": "Access cannot be checked right now. Please contact the dashboard's "
                             "administrators.",
        "not_in_role_map": "You are logged in, but your account has no access to this dashboard. "
                           "If you need access, ask the Child Abuse Response Team to add you.",
        "unreachable_title": "The case database cannot be reached",
        "unreachable": "The dashboard cannot reach its database right now. Nothing is lost: try "
                       "again in a few minutes, or ask the administrators to check the database.",
        "no_login_title": "Login is not configured",
        "no_login": "This database does not declare itself synthetic, so it may hold real "
                    "children's information, and no login is configured. Nothing is shown.",
        "no_login_how": "To show it, configure login: add an `[auth]` table to "
                        "`.streamlit/secrets.toml` (OpenID Connect: `redirect_uri`, "
                        "`cookie_secret`, `client_id`, `client_secret`, `server_metadata_url`) and "
                        "set `CASES_ROLE_MAP` to the role map file. See docs/deployment.md.",
        "demo": "DEMO: synthetic data, no real children. Login is off; choose whose view to see.",
        "view_as": "View as",
        "view_as_district": "View as: district",
        "district": "District",
        "no_districts": "The demo database has no districts.",
        "ended": "This login has ended (you logged out). Please log in again.",
        "too_long": "Your login is older than the longest session allowed. Please log in again.",
        "login_misconfigured_title": "Login is misconfigured",
        "login_misconfigured": "The dashboard's login settings are not safe to use, so nobody can "
                               "log in. Please ask the administrators to check the server's log.",
        "unreadable_title": "The database cannot say what it holds",
        "unreadable": "The dashboard cannot read whether this database holds synthetic demo data "
                      "or real children's information, so it shows nothing. Ask the "
                      "administrators to check the database and its permissions.",
        "paused_title": "Viewing is paused",
        "paused": "The access log cannot be written: viewing is paused. Every look at children's "
                  "information must be recorded, so nothing is shown until the log can be "
                  "written again. Try again in a few minutes, or ask the administrators to check "
                  "the database.",
        "demo_unaudited": "The access log cannot be written right now. This is synthetic demo "
                          "data, so it is still shown.",
    },
    "ko": {
        "role_city": "서울시 (부시장실)",
        "role_response_team": "아동학대대응팀",
        "role_district": "자치구 책임자",
        "login_title": "아동학대 전수점검 현황판",
        "login_body": "이 현황판에는 시가 보호하는 아동의 정보가 있습니다. 시 계정으로 로그인하십시오.",
        "log_in": "로그인",
        "log_out": "로그아웃",
        "logged_in_as": "{who} 로그인 — {role}",
        "no_access": "접근 권한 없음",
        "expired": "로그인이 만료되었습니다. 다시 로그인하십시오.",
        "role_map_unusable": "지금은 권한을 확인할 수 없습니다. 현황판 관리자에게 문의하십시오.",
        "not_in_role_map": "로그인은 되었지만 이 계정에는 현황판 접근 권한이 없습니다. 권한이 필요하면 "
                           "아동학대대응팀에 등록을 요청하십시오.",
        "unreachable_title": "사례 데이터베이스에 연결할 수 없습니다",
        "unreachable": "지금은 데이터베이스에 연결할 수 없습니다. 잃은 자료는 없습니다. 잠시 후 다시 "
                       "시도하거나 관리자에게 데이터베이스 점검을 요청하십시오.",
        "no_login_title": "로그인이 설정되지 않았습니다",
        "no_login": "이 데이터베이스는 합성 자료라고 밝히지 않으므로 실제 아동 정보가 있을 수 있는데, "
                    "로그인이 설정되어 있지 않습니다. 아무것도 보여 주지 않습니다.",
        "no_login_how": "보려면 로그인을 설정하십시오: `.streamlit/secrets.toml`에 `[auth]` 표"
                        "(OpenID Connect: `redirect_uri`, `cookie_secret`, `client_id`, "
                        "`client_secret`, `server_metadata_url`)를 넣고 `CASES_ROLE_MAP`에 권한 "
                        "파일 경로를 지정하십시오. docs/deployment.md 참조.",
        "demo": "시연: 합성 자료이며 실제 아동이 아닙니다. 로그인이 꺼져 있으니 누구의 화면을 볼지 "
                "고르십시오.",
        "view_as": "화면 보기",
        "view_as_district": "화면 보기: 자치구",
        "district": "자치구",
        "no_districts": "시연 데이터베이스에 자치구가 없습니다.",
        "ended": "이 로그인은 종료되었습니다(로그아웃). 다시 로그인하십시오.",
        "too_long": "허용된 최대 사용 시간이 지난 로그인입니다. 다시 로그인하십시오.",
        "login_misconfigured_title": "로그인 설정이 잘못되었습니다",
        "login_misconfigured": "현황판의 로그인 설정이 안전하지 않아 아무도 로그인할 수 없습니다. "
                               "관리자에게 서버 로그 확인을 요청하십시오.",
        "unreadable_title": "데이터베이스의 자료 종류를 확인할 수 없습니다",
        "unreadable": "이 데이터베이스가 합성 시연 자료인지 실제 아동 정보인지 읽을 수 없어 아무것도 "
                      "보여 주지 않습니다. 관리자에게 데이터베이스와 권한 점검을 요청하십시오.",
        "paused_title": "열람이 일시 중지되었습니다",
        "paused": "접근 기록을 쓸 수 없어 열람을 일시 중지했습니다. 아동 정보 열람은 모두 기록되어야 "
                  "하므로 기록이 가능해질 때까지 아무것도 보여 주지 않습니다. 잠시 후 다시 "
                  "시도하거나 관리자에게 데이터베이스 점검을 요청하십시오.",
        "demo_unaudited": "지금은 접근 기록을 쓸 수 없습니다. 합성 시연 자료이므로 계속 보여 줍니다.",
    },
}


def _t(key: str) -> str:
    lang = st.session_state.get(LANG_KEY)
    return TEXT["ko" if lang == "ko" else "en"][key]


def role_label(role: str) -> str:
    return _t(f"role_{role}")


@st.cache_resource
def engine() -> Engine:
    """The case database's engine, one per process (an engine is a connection pool)."""
    return make_engine(database_url())


def current_viewer(db: Engine | None = None, version: int | None = None) -> Viewer:
    """The viewer of this run; stops the run (st.stop) when there is no one to show data to.

    version: the database's data version as this run reads it (pages/common/data.py), which
    every load, generate and refresh raises: the demo gate's answer is then kept in the session
    for that version (see _demo_facts). None: the gate asks the database on every run."""
    db = db if db is not None else engine()
    section = auth_section()
    viewer = _logged_in_viewer(db, section) if section else _demo_viewer(db, version)
    st.session_state[VIEWER_KEY] = viewer
    return viewer


def viewer() -> Viewer:
    """The viewer decided earlier in this run by current_viewer()."""
    found = st.session_state.get(VIEWER_KEY)
    if not isinstance(found, Viewer):
        raise PermissionError("current_viewer() has not run in this session")
    return found


def still_allowed():
    """A check, made now and run later off the script thread (a download's click), that the
    login of this run has not ended meanwhile: a logout after the button was drawn refuses it."""
    found = st.session_state.get(VIEWER_KEY)
    this_login = st.session_state.get(_LOGIN_AUDITED_KEY)
    if not isinstance(found, Viewer):
        return lambda: False
    if found.demo or not this_login:
        return lambda: True
    db = engine()
    return lambda: not audit.login_ended(db, found.subject, this_login)


def auth_section() -> dict:
    """The [auth] table of secrets.toml, or {} when login is not configured."""
    try:
        section = st.secrets.get("auth")
    except (FileNotFoundError, KeyError):
        return {}
    return dict(section) if section else {}


def _provider(section: dict) -> str | None:
    """None for an unnamed provider ([auth] holds client_id), else the first named one."""
    if section.get("client_id"):
        return None
    named = sorted(k for k, v in section.items() if isinstance(v, dict) and "client_id" in v)
    return named[0] if named else None


def record_refused_page(db: Engine, who: Viewer, offered: list[str], guarded: dict[str, str]) -> None:
    """After st.navigation: if this run asked for a guarded page (by URL or by a forged page hash
    over the websocket) that this viewer is not offered, write a `refused` event. Navigation
    itself already shows the default page instead. guarded: {url path: page title}."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    from streamlit.util import calc_hash
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    wanted_hash = ctx.pages_manager.intended_page_script_hash or ""
    wanted_name = ctx.pages_manager.intended_page_name or ""
    for path, title in guarded.items():
        if path in offered:
            continue
        if wanted_name == path or (wanted_hash and wanted_hash == calc_hash(path)):
            try:
                audit.record(db, who, title, "refused", audit.detail_json(page=path))
            except audit.Unwritable as exc:
                _LOG.error("refusal not recorded: %s", exc)
                _paused()


@contextmanager
def pause_when_unaudited():
    """Around a page's run: if an audit row cannot be written (read-only or locked database,
    a role without INSERT), show "viewing is paused" instead of Streamlit's error page. The
    audit call comes before the data it records is drawn, so nothing real has been shown."""
    try:
        yield
    except audit.Unwritable as exc:
        _LOG.error("viewing paused: %s", exc)
        _paused()


def _paused() -> None:
    st.session_state.pop(VIEWER_KEY, None)
    st.title(_t("paused_title"))
    st.error(_t("paused"))
    st.stop()


# --- login mode -------------------------------------------------------------------------------

def secret_problem(secret) -> str | None:
    """Why `cookie_secret` must not be used (whoever holds it can sign any identity), or None.

    It must hold at least 32 random bytes: 64 hex digits, 43 base64 characters, or 32 other
    characters, not be an example from the documentation, and not repeat a few characters."""
    if not isinstance(secret, str) or not secret.strip():
        return "[auth] cookie_secret is missing"
    value = secret.strip()
    if value.lower() in DOCUMENTED_SECRETS:
        return "[auth] cookie_secret is the documentation's example"
    if _HEX.fullmatch(value):
        size = len(value) // 2
    elif _BASE64.fullmatch(value):
        size = len(value) * 3 // 4
    else:
        size = len(value.encode("utf-8"))
    if size < MIN_SECRET_BYTES:
        return (f"[auth] cookie_secret holds about {size} bytes; it needs at least "
                f"{MIN_SECRET_BYTES} random bytes: python -c \"import secrets; "
                "print(secrets.token_hex(32))\"")
    if len(set(value)) < 10:
        return "[auth] cookie_secret is not random (it repeats a few characters)"
    return None


def verified_email(user) -> str | None:
    """The e-mail claim only when the identity provider says it verified it; None otherwise
    (an unverified address identifies no one, so matching falls back to `sub` alone)."""
    email = user.get("email")
    verified = user.get("email_verified")
    if email and (verified is True or str(verified).strip().lower() == "true"):
        return str(email)
    return None


def session_problem(iat, exp, now: float | None = None) -> str | None:
    """'expired' when the token's `exp` has passed or is missing, 'too_long' when the login is
    older than MAX_SESSION_SECONDS (from `iat`, missing counts as too old) or the token was
    issued for longer than that; None for a live login. Fails closed on anything unreadable."""
    now = time.time() if now is None else now
    try:
        exp, iat = float(exp), float(iat)
    except (TypeError, ValueError):
        return "expired" if not _is_number(exp) else "too_long"
    if exp <= now:
        return "expired"
    if now - iat > MAX_SESSION_SECONDS or exp - iat > MAX_SESSION_SECONDS or iat > now + 300:
        return "too_long"
    return None


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def login_id(user) -> str:
    """A name for one login (one ID token): issuer, subject, issue time and nonce, hashed. The
    logout event records it, and a cookie of an ended login is refused by it."""
    parts = [str(user.get(k, "")) for k in ("iss", "sub", "iat", "nonce", "email")]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _logged_in_viewer(db: Engine, section: dict) -> Viewer:
    problem = secret_problem(section.get("cookie_secret"))
    if problem:
        _LOG.error("login will not start: %s", problem)  # for the administrators
        st.title(_t("login_misconfigured_title"))
        st.error(_t("login_misconfigured"))
        st.stop()

    if not st.user.get("is_logged_in"):
        st.title(_t("login_title"))
        st.write(_t("login_body"))
        st.button(_t("log_in"), on_click=st.login, args=(_provider(section),), type="primary")
        st.stop()

    email = verified_email(st.user)
    sub = st.user.get("sub")
    subject = (email or sub or "unknown")

    reason = session_problem(st.user.get("iat"), st.user.get("exp"))
    if reason:
        _refuse(db, subject, reason, offer_logout=True)

    this_login = login_id(st.user)
    try:
        ended = audit.login_ended(db, subject, this_login)
    except SQLAlchemyError as exc:
        _LOG.error("cannot read ended logins: %s", exc)
        _paused()  # fail closed: a login that may have ended is not let in
    if ended:
        _refuse(db, subject, "ended", offer_logout=True)

    try:
        roles = rolemap.load()
    except rolemap.RoleMapError as exc:
        _LOG.error("role map unusable: %s", exc)  # details for the administrators, not the viewer
        _refuse(db, subject, "role_map_unusable", offer_logout=True)
    found = roles.lookup(email=email, sub=sub)
    if found is None:
        _refuse(db, subject, "not_in_role_map", offer_logout=True)

    if st.session_state.get(_LOGIN_AUDITED_KEY) != this_login:
        try:
            audit.record(db, found, "login", "login", audit.detail_json(login=this_login))
        except audit.Unwritable as exc:
            _LOG.error("viewing paused: %s", exc)
            _paused()
        st.session_state[_LOGIN_AUDITED_KEY] = this_login
    with st.sidebar:
        st.caption(_t("logged_in_as").format(who=safe_text.markdown(found.subject),
                                             role=role_label(found.role))
                   + (f" {found.district_code}" if found.district_code else ""))
        st.button(_t("log_out"), on_click=_log_out, args=(db, found, this_login),
                  key="_access_logout")
    return found


def _log_out(db: Engine, who: Viewer, this_login: str) -> None:
    """End the login on the server (an audited `logout` names it, and a copy of its cookie is
    refused from then on), then clear the cookie in this browser."""
    try:
        audit.record(db, who, "logout", "logout", audit.detail_json(login=this_login))
    except audit.Unwritable as exc:
        _LOG.error("logout of %s could not be recorded: %s", who.subject, exc)
    st.session_state.pop(_LOGIN_AUDITED_KEY, None)
    st.session_state.pop(VIEWER_KEY, None)
    st.logout()


def _refuse(db: Engine, subject: str, reason: str, offer_logout: bool) -> None:
    try:
        audit.record_identity(db, subject, "unknown", None, "login", "refused",
                              audit.detail_json(reason=reason))
    except audit.Unwritable as exc:
        _LOG.error("refusal of %s could not be recorded: %s", subject, exc)  # refused anyway
    st.session_state.pop(VIEWER_KEY, None)
    st.title(_t("no_access"))
    st.info(_t(reason))
    if offer_logout:
        st.button(_t("log_out"), on_click=st.logout, key="_access_refused_logout")
    st.stop()


# --- demo mode --------------------------------------------------------------------------------

def database_state(db: Engine) -> str:
    """What the demo gate may do with this database, failing closed:

    'synthetic'   the generator's mark, exactly one dataset_info row synthetic = 'true', and
                  nothing says the data came through the loader: the labelled demo may show it;
    'empty'       the mark is readable and absent, and there is no programme and no child:
                  nothing to protect (the pages say "no data yet");
    'real'        anything else that holds data (no mark, another value, the mark unreadable
                  but the data readable);
    'unreadable'  the database answers, but the gate's questions fail (no rights on dataset_info
                  and on the case tables, a broken table): show nothing and say why;
    'unreachable' the database does not answer.
    """
    try:
        with db.connect() as conn:
            marks = conn.execute(text(_sql("dataset_synthetic.sql"))).all()
    except SQLAlchemyError as exc:
        marks = None
        _LOG.warning("demo gate cannot read dataset_info: %s", exc)
    if marks is not None and _is_synthetic(marks):
        return "synthetic"
    try:
        with db.connect() as conn:
            holds_data = conn.execute(text(_sql("holds_data.sql"))).scalar()
    except SQLAlchemyError as exc:
        _LOG.warning("demo gate cannot read the case tables: %s", exc)
        return "unreachable" if not _answers(db) else "unreadable"
    if holds_data:
        return "real"
    return "empty" if marks is not None else "unreadable"


def _is_synthetic(marks) -> bool:
    """Only the generator's own, unambiguous mark counts."""
    found = {str(key): value for key, value in marks}
    if len(marks) != len(found) or "synthetic" not in found:
        return False
    if found["synthetic"] != "true":
        return False  # 'TRUE', ' true', '1', 'yes': not what the generator writes: ambiguous
    return not any(key in found for key in LOADED_MARKS)


# dataset_info keys that say data came through the loader (whatever `synthetic` says).
LOADED_MARKS = ("loaded_at", "loaded_from", "load_count")


def _answers(db: Engine) -> bool:
    try:
        with db.connect() as conn:
            conn.execute(text("select 1"))
    except SQLAlchemyError:
        return False
    return True


# How long the demo gate may keep its answer for one data version (a backstop: a load, which
# is what turns a demo database real, raises the version and so asks again at the next run).
DEMO_GATE_SECONDS = 30
_DEMO_GATE_KEY = "_access_demo_gate"


def _demo_facts(db: Engine, version: int | None) -> tuple[str, dict[str, str] | None]:
    """(database_state, the district choices or None when not needed yet) for this run.

    Asked of the database on every run, these two questions were a quarter of the entry file's
    own work on a warm run. Only the answer 'synthetic' is kept, in this session (not shared by
    sessions), under the database URL and the data version of this run, for DEMO_GATE_SECONDS
    at most: every other state is asked again on every run, and a load or a new dataset_info
    (which changes the version, or makes it unreadable: 0) asks again at once."""
    key = (db.url.render_as_string(hide_password=True), version)
    kept = st.session_state.get(_DEMO_GATE_KEY)
    if (version is not None and isinstance(kept, dict) and kept.get("key") == key
            and time.monotonic() < kept["until"]):
        return "synthetic", kept
    state = database_state(db)
    if state == "synthetic" and version is not None:
        kept = {"key": key, "until": time.monotonic() + DEMO_GATE_SECONDS, "districts": None}
        st.session_state[_DEMO_GATE_KEY] = kept
        return state, kept
    st.session_state.pop(_DEMO_GATE_KEY, None)
    return state, None


def _demo_viewer(db: Engine, version: int | None = None) -> Viewer:
    state, kept = _demo_facts(db, version)
    if state == "unreachable":
        st.title(_t("unreachable_title"))
        st.info(_t("unreachable"))
        st.stop()
    if state == "unreadable":
        st.title(_t("unreadable_title"))
        st.error(_t("unreadable"))
        st.stop()
    if state == "real":
        st.title(_t("no_login_title"))
        st.error(_t("no_login"))
        st.markdown(_t("no_login_how"))
        st.stop()
    # A synthetic database, or one that holds nothing yet (the pages then say "no data yet").

    with st.sidebar:
        st.warning(_t("demo"))
        # Given before the widget, every run, as pages/common/filters.hold does (access does
        # not import the pages): the roles' names change with the language, and without it a
        # district head became the Response Team at the next click after a switch to Korean.
        held = st.session_state.get("demo_view_as")
        st.session_state["demo_view_as"] = held if held in ROLES else DEMO_DEFAULT.role
        role = st.radio(_t("view_as"), ROLES, format_func=role_label, key="demo_view_as")
        district = None
        if role == "district":
            if kept is None:
                districts = _district_choices(db)
            else:  # asked once per kept answer (the same data version)
                if kept["districts"] is None:
                    kept["districts"] = _district_choices(db)
                districts = kept["districts"]
            if not districts:
                st.error(_t("no_districts"))
                st.stop()
            district = st.selectbox(_t("view_as_district"), list(districts), format_func=districts.get,
                                    key="demo_district")
    return Viewer(subject="demo", role=role, district_code=district, demo=True)


def _demo_unaudited() -> None:
    """The demo's banner when its audit rows cannot be written (synthetic data: shown anyway)."""
    st.warning(_t("demo_unaudited"))


audit.on_demo_unwritable = _demo_unaudited


def _district_choices(db: Engine) -> dict[str, str]:
    with db.connect() as conn:
        rows = conn.execute(text(_sql("district_choices.sql"))).all()
    return {code: f"{code} {name_en} {name_ko}" for code, name_en, name_ko in rows}


def _sql(name: str) -> str:
    return (_SQL_DIR / name).read_text(encoding="utf-8")
