"""Audit log, for the Response Team: who looked at what, when, and what they downloaded."""
import streamlit as st

from access import audit
from pages.common import data, first_paint, i18n, layout

T = {
    "en": {
        "title": "Audit log",
        "subtitle": "Every page view, download and child-level list, newest first (times in UTC). "
                    "The log is append-only: the database refuses to change or delete it.",
        "limit": "Events shown",
        "event_id": "Event", "logged_at": "Time (UTC)", "subject": "Who", "role": "Role",
        "district_name": "District", "page": "Page", "action_name": "Action",
        "detail": "Detail", "rows": "Rows",
    },
    "ko": {
        "title": "접근 기록",
        "subtitle": "모든 화면 조회, 내려받기, 아동 단위 목록 열람을 최신순으로 보여 줍니다(UTC). "
                    "기록은 추가만 되며 데이터베이스가 수정·삭제를 거부합니다.",
        "limit": "표시할 건수",
        "event_id": "번호", "logged_at": "시각 (UTC)", "subject": "사용자", "role": "역할",
        "district_name": "자치구", "page": "화면", "action_name": "행위",
        "detail": "내용", "rows": "행 수",
    },
}
# The log's coded values, named for the reader in the current language.
VALUES = {
    "action": {"view": ("Viewed", "조회"), "download": ("Downloaded", "내려받기"),
               "child_list": ("Child-level list", "아동 단위 목록"), "login": ("Logged in", "로그인"),
               "refused": ("Refused", "거부"), "logout": ("Logged out", "로그아웃"),
               "pack_built": ("Briefing pack made", "브리핑 자료 생성"),
               "delivered": ("Briefing sent", "브리핑 발송"),
               "delivery_failed": ("Sending failed", "발송 실패")},
    "role": {"city": ("City", "서울시"), "response_team": ("Response Team", "아동학대대응팀"),
             "district": ("District head", "자치구 책임자"), "unknown": ("Unknown", "알 수 없음")},
}

t = i18n.texts(T)
if data.viewer().role != "response_team":
    layout.not_for_role()
    st.stop()
layout.page_header(t["title"], t["subtitle"])
first_paint.tables_at_once()  # the table is the page
limit = st.select_slider(t["limit"], options=[100, 500, 2000, 10000], value=500, key="audit_limit")
events = audit.recent(data.engine(), limit=limit)


def named(field: str, value) -> str:
    names = VALUES[field].get(value)
    return names[i18n.lang() == "ko"] if names else str(value)


shown = events.assign(
    action_name=i18n.name_each(events["action"], lambda v: named("action", v)),
    role=i18n.name_each(events["role"], lambda v: named("role", v)),
    district_name=i18n.district_names(events["district_code"]),
)[["event_id", "logged_at", "subject", "role", "district_name", "page", "action_name", "detail",
   "rows"]]
layout.table(shown, key="audit", filename="audit_log.csv", column_labels=t)
