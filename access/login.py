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
import logging
import time
from pathlib import Path

import streamlit as st
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from access import audit, rolemap
from access.viewer import DEMO_DEFAULT, ROLES, Viewer
from data.db import database_url, make_engine

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


def current_viewer(db: Engine | None = None) -> Viewer:
    """The viewer of this run; stops the run (st.stop) when there is no one to show data to."""
    db = db if db is not None else engine()
    section = auth_section()
    viewer = _logged_in_viewer(db, section) if section else _demo_viewer(db)
    st.session_state[VIEWER_KEY] = viewer
    return viewer


def viewer() -> Viewer:
    """The viewer decided earlier in this run by current_viewer()."""
    found = st.session_state.get(VIEWER_KEY)
    if not isinstance(found, Viewer):
        raise PermissionError("current_viewer() has not run in this session")
    return found


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


# --- login mode -------------------------------------------------------------------------------

def _logged_in_viewer(db: Engine, section: dict) -> Viewer:
    if not st.user.get("is_logged_in"):
        st.title(_t("login_title"))
        st.write(_t("login_body"))
        st.button(_t("log_in"), on_click=st.login, args=(_provider(section),), type="primary")
        st.stop()

    email = st.user.get("email")
    if st.user.get("email_verified") is False:
        email = None  # an address the identity provider has not verified identifies no one
    sub = st.user.get("sub")
    subject = (email or sub or "unknown")

    if _expired(st.user.get("exp")):
        _refuse(db, subject, "expired", offer_logout=True)

    try:
        roles = rolemap.load()
    except rolemap.RoleMapError as exc:
        _LOG.error("role map unusable: %s", exc)  # details for the administrators, not the viewer
        _refuse(db, subject, "role_map_unusable", offer_logout=True)
    found = roles.lookup(email=email, sub=sub)
    if found is None:
        _refuse(db, subject, "not_in_role_map", offer_logout=True)

    if not st.session_state.get(_LOGIN_AUDITED_KEY):
        audit.record(db, found, "login", "login")
        st.session_state[_LOGIN_AUDITED_KEY] = True
    with st.sidebar:
        st.caption(_t("logged_in_as").format(who=found.subject, role=role_label(found.role))
                   + (f" {found.district_code}" if found.district_code else ""))
        st.button(_t("log_out"), on_click=st.logout, key="_access_logout")
    return found


def _expired(exp) -> bool:
    """True when the identity token's expiry has passed or is missing (fail closed)."""
    try:
        return float(exp) <= time.time()
    except (TypeError, ValueError):
        return True


def _refuse(db: Engine, subject: str, reason: str, offer_logout: bool) -> None:
    audit.record_identity(db, subject, "unknown", None, "login", "refused",
                          audit.detail_json(reason=reason))
    st.session_state.pop(VIEWER_KEY, None)
    st.title(_t("no_access"))
    st.info(_t(reason))
    if offer_logout:
        st.button(_t("log_out"), on_click=st.logout, key="_access_refused_logout")
    st.stop()


# --- demo mode --------------------------------------------------------------------------------

def database_state(db: Engine) -> str:
    """'synthetic', 'real' (holds data and does not say it is synthetic), 'empty' (no programme
    and no children: nothing to protect) or 'unreachable'."""
    try:
        with db.connect() as conn:
            value = conn.execute(text(_sql("dataset_synthetic.sql"))).scalar()
            if str(value).strip().lower() == "true":
                return "synthetic"
            holds_data = conn.execute(text(_sql("holds_data.sql"))).scalar()
    except SQLAlchemyError:
        try:
            with db.connect() as conn:
                conn.execute(text("select 1"))
        except SQLAlchemyError:
            return "unreachable"
        return "empty"  # reachable, but the tables are not there yet
    return "real" if holds_data else "empty"


def _demo_viewer(db: Engine) -> Viewer:
    state = database_state(db)
    if state == "unreachable":
        st.title(_t("unreachable_title"))
        st.info(_t("unreachable"))
        st.stop()
    if state == "real":
        st.title(_t("no_login_title"))
        st.error(_t("no_login"))
        st.markdown(_t("no_login_how"))
        st.stop()
    # A synthetic database, or one that holds nothing yet (the pages then say "no data yet").

    with st.sidebar:
        st.warning(_t("demo"))
        role = st.radio(_t("view_as"), ROLES, index=ROLES.index(DEMO_DEFAULT.role),
                        format_func=role_label, key="demo_view_as")
        district = None
        if role == "district":
            districts = _district_choices(db)
            if not districts:
                st.error(_t("no_districts"))
                st.stop()
            district = st.selectbox(_t("view_as_district"), list(districts), format_func=districts.get,
                                    key="demo_district")
    return Viewer(subject="demo", role=role, district_code=district)


def _district_choices(db: Engine) -> dict[str, str]:
    with db.connect() as conn:
        rows = conn.execute(text(_sql("district_choices.sql"))).all()
    return {code: f"{code} {name_en} {name_ko}" for code, name_en, name_ko in rows}


def _sql(name: str) -> str:
    return (_SQL_DIR / name).read_text(encoding="utf-8")
