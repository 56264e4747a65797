"""Every figure of the dashboard in plain words, in English and Korean, keyed by column name.

The wording follows ../shared/spec/metrics.md; "D" there is "the as-of day" here. Pages show these
as help texts; the Data quality & definitions page lists them all (`entries()`).
Each entry: (label_en, label_ko, definition_en, definition_ko).
"""

DEFINITIONS: dict[str, tuple[str, str, str, str]] = {
    # --- the children counted -------------------------------------------------------------
    "on_the_list": (
        "On the list", "명단 등재",
        "A child is on the list on the as-of day when they joined the list on or before that day "
        "and had not left it by then. Every child figure counts only children on the list, in "
        "their own district and cohort.",
        "기준일에 명단에 올라 있는 아동: 기준일 또는 그 이전에 명단에 올랐고, 기준일까지 명단에서 "
        "빠지지 않은 아동입니다. 아동 관련 모든 수치는 각 자치구와 대상군에서 명단에 있는 아동만 셉니다.",
    ),
    "counted_visit": (
        "Counted visit", "인정되는 방문",
        "A visit counts when it took place between the day the child joined the list and the "
        "as-of day. Visits before the child was listed are data-quality findings, not inspections.",
        "아동이 명단에 오른 날부터 기준일 사이에 이루어진 방문만 인정합니다. 명단 등재 전 방문은 "
        "점검이 아니라 데이터 품질 문제로 봅니다.",
    ),
    "first_seen": (
        "First seen", "최초 대면 확인일",
        "The day of the child's earliest counted visit at which the child was seen in person.",
        "아동을 직접 대면한 인정 방문 가운데 가장 이른 날입니다.",
    ),
    # --- progress -------------------------------------------------------------------------
    "listed": (
        "Listed", "대상 아동",
        "Children on the list on the as-of day.",
        "기준일에 명단에 올라 있는 아동 수입니다.",
    ),
    "seen": (
        "Seen", "대면 확인",
        "Children on the list who have been seen in person at least once (a counted visit with "
        "outcome 'seen') on or before the as-of day.",
        "명단에 있는 아동 가운데 기준일까지 인정 방문에서 한 번 이상 직접 대면 확인한 아동 수입니다.",
    ),
    "attempted_not_seen": (
        "Visited, not seen", "방문했으나 미확인",
        "Children with at least one counted visit, none of which saw the child.",
        "인정 방문이 한 번 이상 있었지만 아동을 한 번도 대면하지 못한 아동 수입니다.",
    ),
    "not_attempted": (
        "Not yet visited", "미방문",
        "Children with no counted visit yet. Listed = seen + visited, not seen + not yet visited.",
        "아직 인정 방문이 없는 아동 수입니다. 대상 아동 = 대면 확인 + 방문했으나 미확인 + 미방문.",
    ),
    "completion_rate": (
        "Completion", "완료율",
        "Seen divided by listed. Empty when nobody is listed. A city rate is computed from the "
        "summed counts of the districts, not as an average of district rates.",
        "대면 확인 ÷ 대상 아동. 대상 아동이 없으면 비워 둡니다. 서울시 전체 비율은 자치구 비율의 평균이 "
        "아니라 자치구 수치를 합한 값으로 계산합니다.",
    ),
    "plan_rate": (
        "Plan", "계획 진도",
        "The share a straight-line plan expects done by the as-of day: days since the start "
        "(inclusive) divided by the days of the whole programme, between 0 % and 100 %.",
        "시작일부터 마감일까지 매일 같은 양을 처리한다고 할 때 기준일까지 끝냈어야 할 비율입니다: "
        "시작일부터 기준일까지의 일수 ÷ 전체 사업 기간 일수 (0~100%).",
    ),
    "gap_to_plan": (
        "Gap to plan", "계획 대비 차이",
        "Completion minus plan, in percentage points. Below zero: behind the straight-line plan.",
        "완료율 − 계획 진도 (%포인트). 0보다 작으면 계획보다 늦습니다.",
    ),
    "pace_7d": (
        "Pace (last 7 days)", "최근 7일 속도",
        "Children first seen in the 7 days ending on the as-of day, divided by 7: children seen "
        "per day lately.",
        "기준일까지 최근 7일 동안 처음 대면 확인한 아동 수 ÷ 7, 즉 최근 하루 평균 확인 아동 수입니다.",
    ),
    "required_pace": (
        "Pace needed", "필요 속도",
        "Children still to see (listed minus seen) divided by the days left until the deadline: "
        "children to see per day from now on. Empty on or after the deadline.",
        "남은 아동 수(대상 − 대면 확인) ÷ 마감일까지 남은 일수, 즉 지금부터 하루에 확인해야 할 아동 "
        "수입니다. 마감일 이후에는 비워 둡니다.",
    ),
    "pace_ratio": (
        "Pace vs needed", "필요 속도 대비",
        "Pace of the last 7 days divided by the pace needed. Below 100 %: at the current pace the "
        "deadline will be missed.",
        "최근 7일 속도 ÷ 필요 속도. 100% 미만이면 지금 속도로는 마감일을 맞추지 못합니다.",
    ),
    "projected_completion": (
        "Projected completion", "완료 예상일",
        "When everyone has been seen: the day the last child was first seen. Otherwise the as-of "
        "day plus the days the remaining children take at the pace of the last 7 days. Empty when "
        "nobody was seen in the last 7 days (not at the current pace).",
        "모두 확인했다면 마지막 아동을 처음 확인한 날입니다. 아니면 기준일에, 남은 아동을 최근 7일 "
        "속도로 확인하는 데 걸리는 일수를 더한 날입니다. 최근 7일에 확인한 아동이 없으면 비워 둡니다.",
    ),
    "deadline": (
        "Deadline", "마감일",
        "The programme's deadline: both cohorts inspected by this day (31 March 2021).",
        "사업 마감일: 두 대상군 모두 이날까지 점검을 마쳐야 합니다 (2021년 3월 31일).",
    ),
    "two_person_rate": (
        "Visits made by two", "2인 1조 방문 비율",
        "Repeatedly reported children only: of the counted visits that saw the child, the share "
        "made with a second staff member. Empty when there are none, and for the neglect cohort.",
        "재신고 아동만 해당: 아동을 대면한 인정 방문 가운데 두 번째 담당자가 함께한 방문의 비율입니다. "
        "해당 방문이 없거나 방임 위기 대상군이면 비워 둡니다.",
    ),
    "unreachable": (
        "Unreachable", "연락 불가",
        "Children with three or more counted visits, none of which saw the child.",
        "인정 방문이 세 번 이상 있었지만 한 번도 대면하지 못한 아동 수입니다.",
    ),
    "districts_behind": (
        "Districts behind plan", "계획보다 늦은 자치구",
        "Districts whose completion is below the straight-line plan on the as-of day.",
        "기준일 완료율이 계획 진도보다 낮은 자치구 수입니다.",
    ),
    # --- referrals ------------------------------------------------------------------------
    "referrals": (
        "Referrals", "연계 건수",
        "Referrals made on or before the as-of day for children on the list.",
        "명단에 있는 아동에 대해 기준일까지 이루어진 연계 건수입니다.",
    ),
    "referral_children": (
        "Children referred", "연계 아동",
        "Distinct children with such referrals, per kind and outcome. A child referred twice with "
        "different outcomes appears in both rows.",
        "연계 종류와 결과별로 그런 연계를 받은 아동 수(중복 제외)입니다. 결과가 다른 연계를 두 번 받은 "
        "아동은 두 행 모두에 나타납니다.",
    ),
    "referral_open": (
        "Open", "진행 중",
        "A referral is open on the as-of day when it has not been closed, or was closed after "
        "that day.",
        "기준일에 종결되지 않았거나 기준일 이후에 종결된 연계는 진행 중입니다.",
    ),
    "referral_outcome": (
        "Outcome", "결과",
        "For a referral closed on or before the as-of day, its result (substantiated, not "
        "substantiated, services provided, declined, transferred); otherwise 'open'.",
        "기준일까지 종결된 연계는 그 결과(학대 판단, 학대 아님, 서비스 제공, 거부, 이관), 아니면 "
        "'진행 중'입니다.",
    ),
    # --- staffing -------------------------------------------------------------------------
    "abuse_officials": (
        "Child abuse officials", "아동학대 전담공무원",
        "District officials dedicated to child abuse in post on the as-of day.",
        "기준일에 재직 중인 자치구 아동학대 전담공무원 수입니다.",
    ),
    "welfare_planners": (
        "Welfare planners", "복지플래너",
        "Welfare planners of the neighbourhood offices in post on the as-of day.",
        "기준일에 재직 중인 동 주민센터 복지플래너 수입니다.",
    ),
    "abuse_officials_target": (
        "Officials target", "전담공무원 목표 인원",
        "The latest target number of child abuse officials for the district in force on the "
        "as-of day. Empty when none was set.",
        "기준일에 적용되는 가장 최근의 자치구 전담공무원 목표 인원입니다. 정해진 목표가 없으면 비워 둡니다.",
    ),
    "reports_12m": (
        "Reports (12 months)", "신고 (최근 12개월)",
        "Reports of suspected abuse received by the district in the 365 days ending on the as-of day.",
        "기준일까지 최근 365일 동안 자치구에 접수된 아동학대 의심 신고 건수입니다.",
    ),
    "reports_per_official": (
        "Reports per official", "전담공무원 1인당 신고",
        "Reports of the last 12 months divided by child abuse officials in post. The staffing "
        "standard is one official per 50 reports a year. Empty when no official is in post.",
        "최근 12개월 신고 건수 ÷ 재직 중인 전담공무원 수. 인력 기준은 연간 신고 50건당 1명입니다. "
        "재직 중인 전담공무원이 없으면 비워 둡니다.",
    ),
    "teams_of_two": (
        "Teams of two", "2인 1조 팀",
        "Child abuse officials in post divided by two, rounded down: how many visits by two can "
        "be made at once.",
        "재직 중인 전담공무원 수 ÷ 2 (내림): 동시에 나갈 수 있는 2인 1조 방문 팀 수입니다.",
    ),
    "neglect_remaining_per_planner": (
        "Neglect cases left per planner", "복지플래너 1인당 남은 방임 위기 아동",
        "Neglect-risk children on the list and not yet seen, divided by welfare planners in post. "
        "Empty when there are none.",
        "명단에 있으나 아직 대면하지 못한 방임 위기 아동 수 ÷ 재직 중인 복지플래너 수. 복지플래너가 "
        "없으면 비워 둡니다.",
    ),
    # --- daily briefing -------------------------------------------------------------------
    "newly_seen": (
        "Newly seen", "신규 대면 확인",
        "Children first seen in person on that day.",
        "그날 처음 대면 확인한 아동 수입니다.",
    ),
    "new_referrals": (
        "New referrals", "신규 연계",
        "Referrals made on that day for children on the list.",
        "그날 명단에 있는 아동에 대해 이루어진 연계 건수입니다.",
    ),
    "new_police_referrals": (
        "New police referrals", "신규 수사 의뢰",
        "Of the new referrals, those to a police investigation.",
        "신규 연계 가운데 경찰 수사로 연계된 건수입니다.",
    ),
    "new_high_risk": (
        "New high risk", "신규 고위험",
        "Children seen that day and found at high or emergency risk, or with abuse suspected.",
        "그날 대면 확인한 아동 가운데 위험도가 높음·긴급이거나 학대가 의심된 아동 수입니다.",
    ),
    "attention_unreachable": (
        "Unreachable", "연락 불가",
        "Three or more counted visits and the child never seen. Waiting since the third visit.",
        "인정 방문이 세 번 이상인데 아동을 한 번도 대면하지 못함. 세 번째 방문일부터 대기.",
    ),
    "attention_high_risk_no_referral": (
        "High risk, no referral", "고위험·연계 없음",
        "Seen at high or emergency risk, or with abuse suspected, and not yet referred to the "
        "police, a protection agency or emergency protection. Waiting since the earliest such visit.",
        "위험도 높음·긴급 또는 학대 의심으로 확인되었으나 아직 경찰·아동보호전문기관·응급보호로 "
        "연계되지 않음. 해당하는 가장 이른 방문일부터 대기.",
    ),
    "since": (
        "Since", "시작일",
        "The day the child started waiting for this reason.",
        "아동이 이 사유로 대기하기 시작한 날입니다.",
    ),
    "days_waited": (
        "Days waited", "대기 일수",
        "The as-of day minus the day the child started waiting.",
        "기준일 − 대기 시작일 (일수).",
    ),
    "needs_call": (
        "Needs a call today", "오늘 연락할 자치구",
        "Districts furthest behind the straight-line plan, and districts whose pace of the last "
        "7 days is below half the pace needed.",
        "계획 진도보다 가장 많이 늦은 자치구와, 최근 7일 속도가 필요 속도의 절반에 못 미치는 자치구입니다.",
    ),
    # --- comparison -----------------------------------------------------------------------
    "funnel_limits": (
        "Control limits", "관리 한계",
        "Funnel plot: each district's completion against how many children it has listed. The "
        "lines show where a district's rate would fall by chance alone if its true rate were the "
        "city's (95 % and 99.8 % binomial limits). Small districts vary more; a district outside "
        "the 99.8 % lines differs from the city by more than chance.",
        "깔때기 그림: 각 자치구의 완료율을 대상 아동 수에 따라 나타냅니다. 선은 자치구의 실제 완료율이 "
        "서울시와 같을 때 우연만으로 나올 수 있는 범위입니다(이항분포 95%, 99.8% 한계). 작은 자치구일수록 "
        "변동이 크며, 99.8% 선 밖의 자치구는 우연 이상으로 서울시와 다릅니다.",
    ),
    "district_code": (
        "District code", "자치구 코드",
        "The district's five-digit code of the Ministry of the Interior and Safety (MOIS), "
        "the code the boundaries use; not the statistics office's code.",
        "행정안전부 다섯 자리 자치구 코드로, 경계 자료와 같은 코드입니다(통계청 코드가 아님).",
    ),
    "child_population": (
        "Child population", "아동 인구",
        "Residents of the district aged 0 to 17.",
        "자치구의 0~17세 주민 수입니다.",
    ),
    "as_of": (
        "Data as of", "기준일",
        "Every figure counts what the database holds up to and including this day.",
        "모든 수치는 데이터베이스에 이날까지(당일 포함) 기록된 내용으로 계산합니다.",
    ),
    "suppressed": (
        "Suppressed", "비공개",
        "District viewers see small counts of other districts hidden, so that no child can be "
        "recognised.",
        "자치구 사용자에게는 다른 자치구의 작은 수치를 가려, 아동을 알아볼 수 없도록 합니다.",
    ),
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
    # One `finding_<kind>` entry per kind of data_quality_findings: its label is also the kind's
    # name in tables (VALUE_NAMES["finding"] below is made from these).
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
    "finding_never_visited_past_midpoint": (
        "Never visited, past mid-programme", "중간 시점 이후에도 미방문",
        "A child on the list, listed by the programme's midpoint, who has had no counted visit at "
        "all by the as-of day. Shown once the as-of day has passed the midpoint: by then every "
        "child should have been tried at least once, so the record (district, contact details) "
        "may need checking.",
        "사업 중간 시점까지 명단에 올랐는데 기준일까지 인정 방문이 한 번도 없는 아동입니다. 기준일이 중간 "
        "시점에 이른 뒤부터 표시합니다. 이때쯤이면 모든 아동에게 한 번은 방문을 시도했어야 하므로 기록"
        "(자치구, 연락처)을 확인할 필요가 있을 수 있습니다.",
    ),
}

# Names of coded values, for tables and legends.
VALUE_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "kind": {
        "police_investigation": ("Police investigation", "경찰 수사"),
        "protection_agency": ("Child protection agency", "아동보호전문기관"),
        "emergency_protection": ("Emergency protection", "응급 보호"),
        "follow_up": ("Follow-up management", "사후 관리"),
        "welfare_service": ("Welfare service", "복지 서비스"),
        "medical": ("Medical", "의료"),
    },
    "outcome": {
        "open": ("Open", "진행 중"),
        "substantiated": ("Substantiated", "학대 판단"),
        "not_substantiated": ("Not substantiated", "학대 아님"),
        "services_provided": ("Services provided", "서비스 제공"),
        "declined": ("Declined", "거부"),
        "transferred": ("Transferred", "이관"),
    },
    "reason": {
        "unreachable": ("Unreachable", "연락 불가"),
        "high_risk_no_referral": ("High risk, no referral", "고위험·연계 없음"),
    },
    # Kinds of data-quality finding: named by their definitions' labels, so the two never differ.
    "finding": {
        key.removeprefix("finding_"): (label_en, label_ko)
        for key, (label_en, label_ko, _, _) in DEFINITIONS.items() if key.startswith("finding_")
    },
}

# Issue 10: the completion forecast (docs/forecast.md) and the alert rules, whose texts live with
# their thresholds in queries/alerts.py.
DEFINITIONS.update({
    "forecast_seen_by_deadline": (
        "Seen by the deadline (forecast)", "마감일까지 확인 예상",
        "How many of the listed children are likely to have been seen by the deadline: the median "
        "of 500 simulated runs of the rest of the programme, and the 80 % interval (from the 10th "
        "to the 90th percentile). Computed from the data up to the as-of day only.",
        "마감일까지 대면 확인할 것으로 예상되는 아동 수: 남은 기간을 500번 모의 실행한 결과의 중앙값과 "
        "80% 구간(10~90번째 백분위)입니다. 기준일까지의 자료만 씁니다."),
    "p_all_seen_by_deadline": (
        "Chance to finish by the deadline", "마감일까지 완료 확률",
        "The share of simulated runs in which every listed child has been seen by the deadline.",
        "모의 실행 가운데 마감일까지 명단의 모든 아동을 대면 확인한 실행의 비율입니다."),
    "finish_forecast": (
        "Likely finish", "예상 완료 시기",
        "The days by which half the simulated runs (median), and 10 % and 90 % of them (the 80 % "
        "interval), have seen every listed child; 'not within 120 days' when beyond.",
        "모의 실행의 절반(중앙값), 10%와 90%(80% 구간)가 명단의 모든 아동을 대면 확인한 날입니다. "
        "120일 안에 끝나지 않으면 '120일 안에는 어려움'으로 표시합니다."),
    "forecast_model": (
        "How the forecast is made", "예측 방법",
        "First visits continue at the last 14 days' pace (weekdays apart, scaled to the staff in "
        "post), and a child not found at home is found later with a chance that falls with each "
        "failed week, some never (fitted to the visits so far and the national 86 % "
        "met-in-person rate). 500 simulated runs; 80 % of them fall in the interval shown.",
        "첫 방문은 최근 14일 속도(요일별 차이 반영, 현재 인력에 맞춰 조정)로 이어지고, 집에서 만나지 "
        "못한 아동은 시간이 갈수록 낮아지는 확률로 나중에 만나며 일부는 끝내 만나지 못한다고 봅니다(지금까지의 "
        "방문과 전국 대면율 86%로 추정). 500번 모의 실행하며, 표시한 구간에 실행의 80%가 들어갑니다."),
    "staff_allocation": (
        "Where extra staff help most", "추가 인력 배치",
        "Extra officials and planners placed one at a time where the expected number of children "
        "still unseen at the deadline falls most (ties: the district that stops being late). Each "
        "person added is assumed to visit at the district's recent pace per person in post.",
        "추가 전담공무원과 복지플래너를 한 명씩, 마감일에 남을 것으로 예상되는 미확인 아동이 가장 많이 "
        "줄어드는 자치구에 배치합니다(같으면 늦지 않게 되는 자치구 우선). 추가 인원은 그 자치구의 최근 "
        "1인당 속도로 방문한다고 가정합니다."),
})
from queries.alerts import definition_entries as _alert_entries  # noqa: E402
DEFINITIONS.update(_alert_entries())


def _index(lang: str) -> int:
    return 1 if lang == "ko" else 0


def label(key: str, lang: str = "en") -> str:
    entry = DEFINITIONS.get(key)
    return entry[_index(lang)] if entry else key


def text(key: str, lang: str = "en") -> str:
    entry = DEFINITIONS.get(key)
    return entry[2 + _index(lang)] if entry else ""


def value_name(field: str, value, lang: str = "en") -> str:
    names = VALUE_NAMES.get(field, {}).get(value)
    return names[_index(lang)] if names else str(value)


def entries(lang: str = "en") -> list[tuple[str, str, str]]:
    """(key, label, definition) of every figure, in the order above."""
    return [(k, label(k, lang), text(k, lang)) for k in DEFINITIONS]
