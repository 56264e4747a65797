"""Definitions of the figures that only the operational pages show (referral delay, police
linkage, data-quality findings, freshness), in the same form as definitions.py, which does not
hold them yet. The Data quality page lists these together with definitions.py's; once the two are
merged, this file can go.

Each entry: (label_en, label_ko, definition_en, definition_ko).
"""
from pages.common import i18n

DEFINITIONS: dict[str, tuple[str, str, str, str]] = {
    # --- referral delay -------------------------------------------------------------------
    "referral_delay": (
        "Days from visit to referral", "방문에서 연계까지 일수",
        "For referrals that name the visit they came from: the days from that visit to the "
        "referral. Referrals dated before their visit are data errors: they are counted apart and "
        "left out of the mean.",
        "연계의 근거가 된 방문이 기록된 연계에 대해, 그 방문일부터 연계일까지의 일수입니다. 방문일보다 "
        "앞선 연계는 데이터 오류로 따로 세고 평균에서 뺍니다.",
    ),
    "mean_days": (
        "Mean days to referral", "연계까지 평균 일수",
        "The average number of days from the visit to the referral, over referrals made on or "
        "after their visit.",
        "방문일 당일 또는 그 이후에 이루어진 연계에 대해, 방문일부터 연계일까지의 평균 일수입니다.",
    ),
    # --- police linkage -------------------------------------------------------------------
    "children_at_risk": (
        "At-risk children", "위험 아동",
        "Repeatedly reported children on the list whose counted visit saw them at high or "
        "emergency risk, or with abuse suspected.",
        "명단에 있는 재신고 아동 가운데 인정 방문에서 위험도 높음·긴급이거나 학대가 의심된 아동 수입니다.",
    ),
    "children_police_referred": (
        "Linked to the police", "경찰 연계",
        "Of the at-risk children, those with a referral to a police investigation on or before "
        "the as-of day, open or closed.",
        "위험 아동 가운데 기준일까지 경찰 수사로 연계된(진행 중 또는 종결) 아동 수입니다.",
    ),
    "police_linkage_rate": (
        "Police linkage", "경찰 연계율",
        "Linked to the police divided by at-risk children. Empty when no child was found at risk.",
        "경찰 연계 아동 ÷ 위험 아동. 위험 아동이 없으면 비워 둡니다.",
    ),
    # --- data quality ---------------------------------------------------------------------
    "newest_date": (
        "Newest date", "최신 일자",
        "The newest date in each table (visit day, referral day, report day, ...): if a table's "
        "newest date lags the others, its extract may be missing.",
        "각 표의 가장 최근 일자(방문일, 연계일, 신고일 등)입니다. 한 표만 뒤처져 있으면 그 추출 자료가 "
        "누락되었을 수 있습니다.",
    ),
    "findings": (
        "Findings", "점검 필요 건수",
        "Rows that are valid but suspicious, per kind: they are loaded and counted, and should be "
        "checked and corrected by the district.",
        "형식은 맞지만 의심스러운 행의 수(종류별)입니다. 적재는 되었으며, 자치구가 확인하고 바로잡아야 "
        "합니다.",
    ),
    "finding_visit_before_listed": (
        "Visit before listing", "등재 전 방문",
        "A visit dated before the child joined the list. It is not counted as an inspection.",
        "아동이 명단에 오르기 전 날짜의 방문입니다. 점검으로 인정하지 않습니다.",
    ),
    "finding_referral_before_visit": (
        "Referral before its visit", "방문 전 연계",
        "A referral dated before the visit it names.",
        "근거로 기록된 방문보다 앞선 날짜의 연계입니다.",
    ),
    "finding_listed_after_as_of": (
        "Listed after the as-of day", "기준일 이후 등재",
        "A child whose listing date is after the as-of day.",
        "명단 등재일이 기준일 이후인 아동입니다.",
    ),
    "finding_removed_after_as_of": (
        "Removed after the as-of day", "기준일 이후 제외",
        "A child whose removal date is after the as-of day.",
        "명단 제외일이 기준일 이후인 아동입니다.",
    ),
    "finding_visit_after_as_of": (
        "Visit after the as-of day", "기준일 이후 방문",
        "A visit dated after the as-of day (or after the extract was made).",
        "기준일(또는 추출일) 이후 날짜의 방문입니다.",
    ),
    "finding_referral_after_as_of": (
        "Referral after the as-of day", "기준일 이후 연계",
        "A referral dated after the as-of day.",
        "기준일 이후 날짜의 연계입니다.",
    ),
    "finding_closure_after_as_of": (
        "Closure after the as-of day", "기준일 이후 종결",
        "A referral closed after the as-of day: on the as-of day it still counts as open.",
        "기준일 이후에 종결된 연계입니다. 기준일에는 진행 중으로 셉니다.",
    ),
    "finding_not_visited_by_midpoint": (
        "Not visited by mid-programme", "중간 시점까지 미방문",
        "A child on the list, listed by the programme's midpoint, with no counted visit by then. "
        "Shown once the as-of day has reached the midpoint.",
        "사업 중간 시점까지 명단에 올랐으나 그때까지 인정 방문이 없는 아동입니다. 기준일이 중간 시점에 "
        "이른 뒤부터 표시합니다.",
    ),
}


def _index(lang: str) -> int:
    return 1 if lang == "ko" else 0


def label(key: str) -> str:
    entry = DEFINITIONS.get(key)
    return entry[_index(i18n.lang())] if entry else key


def text(key: str) -> str:
    entry = DEFINITIONS.get(key)
    return entry[2 + _index(i18n.lang())] if entry else ""


def finding_name(finding: str) -> str:
    return label(f"finding_{finding}") if f"finding_{finding}" in DEFINITIONS else str(finding)


def entries(lang: str = "en") -> list[tuple[str, str, str]]:
    """(key, label, definition) of every entry, in the order above."""
    return [(k, v[_index(lang)], v[2 + _index(lang)]) for k, v in DEFINITIONS.items()]
