"""A small case database for the alert and forecast tests, written as readable tables.

S = 2021-01-13 (a Wednesday), T = 2021-03-31. The comment after a row says which rule it is for;
tests/test_alerts.py works out each rule's first and last day from these rows by hand.
"""
import datetime as dt

from tests import query_fixtures

S = dt.date(2021, 1, 13)

_NEGLECT_11110 = "\n".join(
    f"N{i:02d},11110,neglect_risk,2012,2021-01-13," for i in range(1, 21))

TABLES = {
    "programme": """
start_date,deadline,reports_per_official
2021-01-13,2021-03-31,50
""",
    "districts": """
district_code,name_ko,name_en,child_population
11110,종로구,Jongno-gu,1000
11140,중구,Jung-gu,800
11170,용산구,Yongsan-gu,1200
""",
    # 11140: target 2 officials; S05's last day is 10 Feb, S06 starts 20 Feb
    # (officials_below_target from 11 to 19 Feb).
    "staff": """
staff_id,district_code,role,start_date,end_date
S01,11110,abuse_official,2020-01-01,
S02,11110,abuse_official,2020-01-01,
S03,11110,welfare_planner,2020-01-01,
S04,11140,abuse_official,2020-01-01,
S05,11140,abuse_official,2020-01-01,2021-02-10
S06,11140,abuse_official,2021-02-20,
S07,11140,welfare_planner,2020-01-01,
""",
    "staffing_targets": """
district_code,role,effective_on,target
11110,abuse_official,2021-01-01,2
11140,abuse_official,2021-01-01,2
""",
    "children": "child_id,district_code,cohort,birth_year,listed_on,removed_on\n"
    + _NEGLECT_11110 + """
H1,11110,repeat_report,2010,2021-01-13,
H2,11110,neglect_risk,2011,2021-01-13,
U1,11110,neglect_risk,2013,2021-01-13,
K1,11140,neglect_risk,2014,2021-01-13,
R1,11140,repeat_report,2009,2021-01-13,
""",
    # pace_below_half (11110): 4 seen on 25 Jan, none from 26 Jan to 7 Feb, 4 seen on 8 Feb.
    # H1: repeat, high risk on 10 Feb, police referral on 15 Feb (high_risk_no_referral 12-14).
    # H2: neglect, high risk: never an alert (the rule is for repeatedly reported children).
    # U1: not found 1, 3, 5 Feb (unreachable_no_visit from 12 Feb), again 15 Feb (clears it,
    # back on 22 Feb).
    # K1 (11140): the district's only visits, 1 and 8 Feb (stale_data 3-5 Feb, and before).
    # R1 (11140): repeat, seen 1 Feb: 11140's repeat cohort is complete from then on.
    "visits": """
visit_id,child_id,visit_date,staff_id,second_staff_id,outcome,risk_level,abuse_suspected
V01,N01,2021-01-25,S03,,seen,none,false
V02,N02,2021-01-25,S03,,seen,low,false
V03,N03,2021-01-25,S03,,seen,none,false
V04,N04,2021-01-25,S03,,seen,none,false
V05,N05,2021-02-08,S03,,seen,none,false
V06,N06,2021-02-08,S03,,seen,none,false
V07,N07,2021-02-08,S03,,seen,low,false
V08,N08,2021-02-08,S03,,seen,none,false
V09,H1,2021-02-10,S01,S02,seen,high,false
V10,H2,2021-02-10,S03,,seen,high,false
V11,U1,2021-02-01,S03,,not_home,,
V12,U1,2021-02-03,S03,,not_home,,
V13,U1,2021-02-05,S03,,refused,,
V14,U1,2021-02-15,S03,,not_home,,
V15,K1,2021-02-01,S07,,not_home,,
V16,K1,2021-02-08,S07,,not_home,,
V17,R1,2021-02-01,S04,S05,seen,low,false
""",
    "referrals": """
referral_id,child_id,visit_id,referred_on,kind,agency_id,closed_on,result
F01,H1,V09,2021-02-15,police_investigation,,,
""",
}


def load(engine, extra: dict | None = None) -> None:
    """The fixture, with `extra` rows (CSV lines without header) appended to some tables."""
    tables = dict(TABLES)
    for name, lines in (extra or {}).items():
        tables[name] = tables[name].rstrip("\n") + "\n" + lines.strip() + "\n"
    query_fixtures.load(engine, tables)
