"""Audit log, for the Response Team: who looked at what, when, and what they downloaded."""
import streamlit as st

from access import audit
from pages.common import data, i18n, layout

T = {
    "en": {
        "title": "Audit log",
        "subtitle": "Every page view, download and child-level list, newest first (times in UTC). "
                    "The log is append-only: the database refuses to change or delete it.",
        "limit": "Events shown",
    },
    "ko": {
        "title": "접근 기록",
        "subtitle": "모든 화면 조회, 내려받기, 아동 단위 목록 열람을 최신순으로 보여 줍니다(UTC). "
                    "기록은 추가만 되며 데이터베이스가 수정·삭제를 거부합니다.",
        "limit": "표시할 건수",
    },
}

t = i18n.texts(T)
if data.viewer().role != "response_team":
    layout.not_for_role()
    st.stop()
layout.page_header(t["title"], t["subtitle"])
limit = st.select_slider(t["limit"], options=[100, 500, 2000, 10000], value=500, key="audit_limit")
events = audit.recent(data.engine(), limit=limit)
layout.table(events, key="audit", filename="audit_log.csv")
