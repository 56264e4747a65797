"""The pack's own words in English and Korean, and how numbers and dates are written in it.

Figure names and definitions come from pages/common/definitions.py (the dashboard's), so the pack
and the dashboard never describe a figure differently; this file holds only what is particular to
the printed pack (titles, notes, page furniture).
"""
import math
from datetime import date

import pandas as pd

from pages.common import definitions

LANGS = ("ko", "en")
DASH = "—"
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

T = {
    "en": {
        "title": "Child-abuse inspection: morning briefing",
        "for": "For: {who}",
        "role_city": "City (Deputy Mayor's office)",
        "role_response_team": "Child Abuse Response Team",
        "role_district": "District head, {d}",
        "as_of": "Data as of {d}",
        "page": "Page {n} / {total}",
        "demo": "DEMO: synthetic data, no real children",
        "confidential": "Pseudonymous child-level data: for the addressee only, do not forward.",
        "chart_missing": "This chart could not be drawn just now; try the download again later. "
                         "The figures and tables of this pack, and its workbook, are complete.",
        # city page
        "cohorts": "Progress per cohort",
        "cohort": "Cohort",
        "both": "Both cohorts",
        "burnup": "Children seen and listed, day by day (both cohorts)",
        "burnup_district": "Children seen and listed in {d}, day by day (both cohorts)",
        "behind": "Districts furthest behind plan ({n} of {total} behind)",
        "none_behind": "No district is behind the straight-line plan.",
        "gap_pt": "Gap (points)",
        "referrals": "Children linked to the police, agencies and services",
        "police": "Police investigation",
        "agencies": "Protection agency / emergency",
        "services": "Services and follow-up",
        "linked_children": "Children",
        "kind_group": "Linked to",
        "days_after_deadline": "Days after deadline",
        "pace_now": "Pace now (a day)",
        "pace_needed": "Pace needed (a day)",
        "definitions": "Definitions",
        "x_day": "Day",
        "y_children": "Children",
        # response team
        "changes": "What changed on {d}, compared with {p}, by district",
        "change_vs": "vs day before",
        "city_total": "Seoul (all districts)",
        "district": "District",
        "attention": "Children who need action now: all {n}",
        "attention_none": "No child is on the attention list.",
        "attention_note": "Most urgent first (severity), then the longest waiting. Days waited: "
                          "from the day the child started waiting to {d}.",
        "child": "Child",
        "reason": "Why",
        "attempts": "Visits tried",
        "last_visit_on": "Last visit",
        "severity": "Severity",
        "calls": "Districts that need a call today",
        "calls_none": "No district is behind plan or far below the pace needed.",
        "why_behind": "behind plan",
        "waiting": "Children waiting",
        "why_slow": "pace far below needed",
        "quality": "Data-quality findings",
        "quality_none": "No data-quality findings.",
        "finding": "Finding",
        # district
        "compare": "{d} against the city",
        "figure": "Figure",
        "city": "City",
        "rank": "Rank (of {n})",
        "funnel": "Completion against size: {d} among the districts",
        "funnel_where": "{d}: completion {rate} with {n} children listed; {where}.",
        "inside95": "within the 95 % limits around the city rate (a difference chance can explain)",
        "above95": "above the 95 % limits (better than the city beyond chance)",
        "below95": "below the 95 % limits (behind the city beyond chance)",
        "above998": "above the 99.8 % limits (clearly better than the city)",
        "below998": "below the 99.8 % limits (clearly behind the city)",
        "funnel_hidden": "{n} of {total} other districts are not drawn: their small counts are "
                         "hidden so that no child can be recognised.",
        "all_districts": "All districts, as shown to a district head",
        "staffing": "Staffing: reports per official against the standard of {s}",
        "standard": "Standard",
        "over_standard": "{v} reports per official: above the standard of {s}.",
        "within_standard": "{v} reports per official: within the standard of {s}.",
        "no_official": "No child-abuse official in post.",
        "suppressed_note": "{dash}: hidden (small counts of other districts are not shown, so "
                           "that no child can be recognised).",
        "district_attention": "Children waiting in {d}: all {n}",
        "sheet_definitions": "Definitions",
        "sheet_burnup": "Burn-up data",
        "sheet_cohorts": "Cohorts",
        "sheet_behind": "Furthest behind",
        "sheet_referrals": "Children linked",
        "sheet_changes": "Changes by district",
        "sheet_attention": "Attention list",
        "sheet_calls": "Districts to call",
        "sheet_quality": "Data quality",
        "sheet_quality_districts": "Data quality by district",
        "sheet_compare": "District vs city",
        "sheet_staffing": "Staffing",
        "sheet_all_districts": "All districts",
    },
    "ko": {
        "title": "아동학대 전수점검 아침 브리핑",
        "for": "받는 사람: {who}",
        "role_city": "서울시 (부시장실)",
        "role_response_team": "아동학대대응팀",
        "role_district": "자치구 책임자, {d}",
        "as_of": "기준일 {d}",
        "page": "{n} / {total} 쪽",
        "demo": "시연: 합성 자료이며 실제 아동이 아닙니다",
        "confidential": "가명 처리된 아동 단위 자료: 수신인만 보고 전달하지 마십시오.",
        "chart_missing": "지금은 이 차트를 그리지 못했습니다. 잠시 후 다시 내려받아 보십시오. "
                         "이 자료의 수치와 표, 엑셀 파일은 빠짐없이 들어 있습니다.",
        "cohorts": "대상군별 진행",
        "cohort": "대상군",
        "both": "전체 대상군",
        "burnup": "일별 대면 확인 및 대상 아동 (전체 대상군)",
        "burnup_district": "{d}의 일별 대면 확인 및 대상 아동 (전체 대상군)",
        "behind": "계획보다 가장 많이 늦은 자치구 (자치구 {total}곳 중 {n}곳이 늦음)",
        "none_behind": "계획보다 늦은 자치구가 없습니다.",
        "gap_pt": "차이 (%p)",
        "referrals": "경찰·기관·서비스로 연계된 아동",
        "police": "경찰 수사",
        "agencies": "아동보호전문기관 / 응급 보호",
        "services": "서비스·사후 관리",
        "linked_children": "아동 수",
        "kind_group": "연계",
        "days_after_deadline": "마감일 대비 (일)",
        "pace_now": "현재 속도 (하루)",
        "pace_needed": "필요 속도 (하루)",
        "definitions": "용어 정의",
        "x_day": "날짜",
        "y_children": "아동 수",
        "changes": "{d}의 변화 ({p} 대비), 자치구별",
        "change_vs": "전날 대비",
        "city_total": "서울시 전체",
        "district": "자치구",
        "attention": "지금 조치가 필요한 아동: 전체 {n}명",
        "attention_none": "조치 대상 아동이 없습니다.",
        "attention_note": "급한 순서(심각도), 그다음 오래 기다린 순입니다. 대기 일수: 대기 시작일부터 "
                          "{d}까지의 일수.",
        "child": "아동",
        "reason": "사유",
        "attempts": "방문 시도",
        "last_visit_on": "마지막 방문",
        "severity": "심각도",
        "calls": "오늘 연락할 자치구",
        "calls_none": "계획보다 늦거나 필요 속도에 크게 못 미치는 자치구가 없습니다.",
        "why_behind": "계획보다 늦음",
        "waiting": "대기 아동",
        "why_slow": "필요 속도에 크게 못 미침",
        "quality": "데이터 품질 점검 결과",
        "quality_none": "데이터 품질 문제가 없습니다.",
        "finding": "점검 항목",
        "compare": "{d}와 서울시 전체 비교",
        "figure": "지표",
        "city": "서울시",
        "rank": "순위 ({n}곳 중)",
        "funnel": "규모 대비 완료율: 자치구 가운데 {d}의 위치",
        "funnel_where": "{d}: 대상 아동 {n}명, 완료율 {rate}; {where}.",
        "inside95": "서울시 완료율의 95% 한계 안 (우연으로 설명되는 차이)",
        "above95": "95% 한계 위 (우연 이상으로 서울시보다 높음)",
        "below95": "95% 한계 아래 (우연 이상으로 서울시보다 낮음)",
        "above998": "99.8% 한계 위 (서울시보다 분명히 높음)",
        "below998": "99.8% 한계 아래 (서울시보다 분명히 낮음)",
        "funnel_hidden": "다른 자치구 {total}곳 중 {n}곳은 그리지 않았습니다: 아동을 알아볼 수 없도록 "
                         "작은 수치를 가립니다.",
        "all_districts": "전체 자치구 (자치구 책임자에게 보이는 대로)",
        "staffing": "인력: 전담공무원 1인당 신고 건수와 기준 {s}건",
        "standard": "기준",
        "over_standard": "전담공무원 1인당 신고 {v}건: 기준 {s}건을 넘습니다.",
        "within_standard": "전담공무원 1인당 신고 {v}건: 기준 {s}건 이내입니다.",
        "no_official": "재직 중인 아동학대 전담공무원이 없습니다.",
        "suppressed_note": "{dash}: 비공개 (아동을 알아볼 수 없도록 다른 자치구의 작은 수치를 가립니다).",
        "district_attention": "{d}에서 대기 중인 아동: 전체 {n}명",
        "sheet_definitions": "용어 정의",
        "sheet_burnup": "일별 진행",
        "sheet_cohorts": "대상군별 진행",
        "sheet_behind": "늦은 자치구",
        "sheet_referrals": "연계 아동",
        "sheet_changes": "자치구별 변화",
        "sheet_attention": "조치 대상 아동",
        "sheet_calls": "연락할 자치구",
        "sheet_quality": "데이터 품질",
        "sheet_quality_districts": "자치구별 데이터 품질",
        "sheet_compare": "자치구와 서울시",
        "sheet_staffing": "인력",
        "sheet_all_districts": "전체 자치구",
    },
}
COHORT_NAMES = {
    "en": {"repeat_report": "Repeatedly reported", "neglect_risk": "Neglect risk"},
    "ko": {"repeat_report": "재신고 아동", "neglect_risk": "방임 위기 아동"},
}


class Words:
    """The texts, labels and formats of one language."""

    def __init__(self, lang: str):
        if lang not in LANGS:
            raise ValueError(f"unknown language {lang!r}; one of {', '.join(LANGS)}")
        self.lang = lang
        self._t = {**T["en"], **T[lang]}

    def __getitem__(self, key: str) -> str:
        return self._t[key]

    def label(self, key: str) -> str:
        """A figure's short name (definitions.py), e.g. label('completion_rate')."""
        return definitions.label(key, self.lang)

    def definition(self, key: str) -> str:
        return definitions.text(key, self.lang)

    def value(self, field: str, value) -> str:
        return definitions.value_name(field, value, self.lang)

    def cohort(self, cohort) -> str:
        return COHORT_NAMES[self.lang].get(cohort, self["both"] if cohort is None else str(cohort))

    def date(self, d) -> str:
        if missing(d):
            return DASH
        d = pd.Timestamp(d).date()
        if self.lang == "ko":
            return f"{d.year}년 {d.month}월 {d.day}일"
        return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}"


def missing(x) -> bool:
    """None, NaN, pd.NA and NaT."""
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def fmt_int(n) -> str:
    return DASH if missing(n) else f"{int(round(float(n))):,}"


def fmt_num(x, digits: int = 1) -> str:
    return DASH if missing(x) else f"{float(x):,.{digits}f}"


def fmt_rate(x) -> str:
    return DASH if missing(x) else f"{float(x) * 100:.1f}%"


def fmt_points(x) -> str:
    """A difference of two rates in percentage points, signed."""
    return DASH if missing(x) else f"{float(x) * 100:+.1f}"


def fmt_iso(d) -> str:
    return DASH if missing(d) else pd.Timestamp(d).date().isoformat()


def fmt_signed(n) -> str:
    if missing(n):
        return DASH
    v = int(round(float(n)))
    return f"{v:+,}" if v else "0"


def as_date(value) -> date | None:
    if missing(value):
        return None
    return pd.Timestamp(value).date()


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
