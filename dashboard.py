"""The dashboard's entry file: page config, who the viewer is, the shared filters, the pages.

Run with `streamlit run dashboard.py`. Without CASES_DB_URL the app uses data/cases.db and fills
it with labelled synthetic demo data when it is missing.
"""
import os
from datetime import date

import streamlit as st

from sqlalchemy.exc import SQLAlchemyError

from access import login
from pages.common import data, filters, i18n, layout, startup
from queries.runner import OutdatedDatabase

startup.leave_old_multipage_mode()  # the very first run after a server start: see there
# No page_icon: Streamlit's own favicon is served by the app itself.
st.set_page_config(page_title="Child inspection dashboard", layout="wide")

data.start_run()  # values read once per run from here on (data version, newest day, programme)
if not os.environ.get("CASES_DB_URL"):
    startup.ensure_demo()
try:
    startup.prepare_database(data.db_url())
except SQLAlchemyError:
    pass  # an unreachable database: the viewer is told so below, never shown a traceback


T = {
    "en": {
        "app": "Child inspection 2021",
        "filters": "Filters",
        "as_of": "As of",
        "as_of_help": "Every figure counts what the database holds up to and including this day.",
        "url_ignored": "Not valid in the link, so the default is shown: {values}",
        "cohort": "Cohort",
        "district": "District",
        "language": "Language / 언어",
        "overview": "Overview",
        "briefing": "Daily briefing",
        "map": "District map",
        "detail": "District detail",
        "inspections": "Inspections",
        "referrals": "Referral outcomes",
        "staffing": "Staffing",
        "data_quality": "Data quality & definitions",
        "audit": "Audit log",
    },
    "ko": {
        "app": "2021 아동 전수점검",
        "filters": "조건",
        "as_of": "기준일",
        "as_of_help": "모든 수치는 데이터베이스에 이날까지(당일 포함) 기록된 내용으로 계산합니다.",
        "url_ignored": "링크의 값이 올바르지 않아 기본값을 보여 줍니다: {values}",
        "cohort": "대상군",
        "district": "자치구",
        "overview": "종합 현황",
        "briefing": "일일 브리핑",
        "map": "자치구 지도",
        "detail": "자치구 상세",
        "inspections": "점검 현황",
        "referrals": "연계 결과",
        "staffing": "인력",
        "data_quality": "데이터 품질·용어 정의",
        "audit": "접근 기록",
    },
}


def _url_day(first, newest):
    def parse(raw):
        day = date.fromisoformat(raw)
        if not first <= day <= newest:
            raise ValueError(raw)
        return day
    return parse


def url_language() -> None:
    """The filters kept from the last run and the link's language, taken before anything is
    drawn: the login's own words (the demo's note, "View as") come before the sidebar's."""
    filters.apply_pending()
    for key in filters.URL_NAMES.values():
        filters.restore(key)
    lang = filters.take("lang", lambda raw: raw if raw in filters.LANGUAGES else {}[raw])
    if lang:
        st.session_state[filters.LANG_KEY] = lang


def sidebar(viewer) -> None:
    """The shared filters, drawn on every run with keys so that they survive a page change; read
    from the URL on a session's first run and written back to it on every run."""
    t = i18n.texts(T)
    with st.sidebar:
        filters.hold(filters.LANG_KEY, list(filters.LANGUAGES), filters.DEFAULT_LANG)
        st.radio(t["language"], filters.LANGUAGES, key=filters.LANG_KEY, horizontal=True,
                 format_func=lambda x: {"en": "English", "ko": "한국어"}[x])
        t = i18n.texts(T)  # the language may just have changed
        if not data.has_data():
            return
        programme = data.programme()
        newest = data.default_as_of()
        first = min(programme["start_date"], newest)
        day = filters.take("as_of", _url_day(first, newest))
        if day:
            st.session_state[filters.AS_OF_KEY] = day
        current = st.session_state.get(filters.AS_OF_KEY)
        if not isinstance(current, date) or not first <= current <= newest:
            st.session_state[filters.AS_OF_KEY] = newest
        st.date_input(t["as_of"], key=filters.AS_OF_KEY, min_value=first, max_value=newest,
                      help=t["as_of_help"], format="YYYY-MM-DD")

        cohorts = [filters.BOTH_COHORTS, *filters.COHORTS]
        cohort = filters.take("cohort", lambda raw: raw if raw in cohorts else {}[raw])
        if cohort:
            st.session_state[filters.COHORT_KEY] = cohort
        filters.hold(filters.COHORT_KEY, cohorts, filters.BOTH_COHORTS)
        st.selectbox(t["cohort"], cohorts, key=filters.COHORT_KEY, format_func=i18n.cohort_name)

        codes = data.district_codes()
        choices = [filters.CITY, *codes]
        district = filters.take("district", lambda raw: raw if raw in choices else {}[raw])
        if district:
            st.session_state[filters.DISTRICT_KEY] = district
        # A district head starts on their own district; anyone may still pick another (the
        # figures of other districts are then suppressed for them by access.policy).
        default = viewer.district_code if viewer.district_code in codes else filters.CITY
        filters.hold(filters.DISTRICT_KEY, choices, default)
        st.selectbox(t["district"], choices, key=filters.DISTRICT_KEY,
                     format_func=i18n.district_namer())
        ignored = filters.notes()
        if ignored:
            st.caption(t["url_ignored"].format(values=", ".join(ignored)))
    for key in filters.URL_NAMES.values():
        filters.keep(key)
    filters.write_url()


_PAGES_KEY = "_nav_pages"


def navigation(viewer):
    t = i18n.texts(T)
    entries = [
        ("pages/overview.py", t["overview"]),
        ("pages/briefing.py", t["briefing"]),
        ("pages/district_map.py", t["map"]),
        ("pages/district_detail.py", t["detail"]),
        ("pages/inspections.py", t["inspections"]),
        ("pages/referrals.py", t["referrals"]),
        ("pages/staffing.py", t["staffing"]),
        ("pages/data_quality.py", t["data_quality"]),
    ]
    if viewer.role == "response_team":
        entries.append(("pages/audit_log.py", t["audit"]))
    # No icons: a Material icon makes the browser fetch Google's font CDN, and emoji
    # show as empty boxes where no emoji font is installed (as in Debian's Chromium here).
    # The pages are made once per session and set of entries: each st.Page resolves its file on
    # disk (a few milliseconds per run for nine pages). st.navigation marks the chosen one
    # runnable on every run, so the same objects serve every run of this session.
    kept = st.session_state.get(_PAGES_KEY)
    if not (isinstance(kept, tuple) and kept[0] == entries):
        kept = (entries, [st.Page(path, title=title, default=(i == 0))
                          for i, (path, title) in enumerate(entries)])
        st.session_state[_PAGES_KEY] = kept
    pages = kept[1]
    chosen = st.navigation(pages)
    # A request for the audit log by someone not offered it (a URL, a forged page hash) is audited.
    login.record_refused_page(data.engine(), viewer, [p.url_path for p in pages],
                              {"audit_log": t["audit"]})
    return chosen


url_language()
viewer = login.current_viewer(data.engine(), data.data_version())
sidebar(viewer)
with data.entry_file_run(), filters.fixed(), login.pause_when_unaudited():
    try:
        navigation(viewer).run()
    except SQLAlchemyError as exc:  # the database stopped answering halfway through the page
        layout.database_stopped(exc)
    except OutdatedDatabase as exc:  # made before a derived table existed, and not refreshed
        layout.database_outdated(exc)
