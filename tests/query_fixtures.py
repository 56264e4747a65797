"""A small, hand-checked case database for the query tests, written as readable tables.

The main as-of day is D = 2021-03-01 (S = 2021-01-13, T = 2021-03-31; plan 48 of 78 days).
District 11110 holds most edge cases, 11140 a few, 11170 nothing at all. The comment after a row
says why it is there; the expected results in tests/test_queries.py were worked out by hand from
these rows and metrics.md.

Tables are CSV text: an empty field is null; the column types come from data/schema.py.
"""
import csv
import datetime as dt
import io

from sqlalchemy import Boolean, Date, Integer

from data import schema
from data.status import refresh_child_status

D = dt.date(2021, 3, 1)

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
    "agencies": """
agency_id,name,operator,district_code
A01,Agency A01,private,11110
""",
    # In post at D means start_date <= D and (end_date null or end_date >= D).
    "staff": """
staff_id,district_code,role,start_date,end_date
S01,11110,abuse_official,2020-01-01,
S02,11110,abuse_official,2020-01-01,2021-03-01
S03,11110,abuse_official,2020-01-01,2021-02-28
S04,11110,abuse_official,2021-03-02,
S05,11110,welfare_planner,2020-01-01,
S06,11110,welfare_planner,2021-03-01,
S07,11110,abuse_official,2021-03-01,
S11,11140,abuse_official,2020-06-01,
""",
    "staffing_targets": """
district_code,role,effective_on,target
11110,abuse_official,2021-01-01,3
11110,abuse_official,2021-03-01,4
11110,abuse_official,2021-04-01,6
11110,welfare_planner,2021-03-01,9
11140,abuse_official,2021-03-02,2
""",
    # C = repeat_report, N = neglect_risk.
    "children": """
child_id,district_code,cohort,birth_year,listed_on,removed_on
C001,11110,repeat_report,2012,2021-01-13,
C002,11110,repeat_report,2010,2021-01-13,
C003,11110,repeat_report,2015,2021-01-13,
C004,11110,repeat_report,2014,2021-01-13,
C005,11110,repeat_report,2011,2021-01-13,
C006,11110,repeat_report,2016,2021-03-01,
C007,11110,repeat_report,2013,2021-03-02,
C008,11110,repeat_report,2009,2021-01-13,2021-03-01
C009,11110,repeat_report,2012,2021-01-13,2021-03-02
C010,11110,repeat_report,2008,2021-01-13,
N001,11110,neglect_risk,2017,2021-01-13,
N002,11110,neglect_risk,2018,2021-01-13,
N003,11110,neglect_risk,2019,2021-02-01,
C101,11140,repeat_report,2012,2021-01-20,
C102,11140,repeat_report,2013,2021-01-20,
N101,11140,neglect_risk,2016,2021-01-13,
N102,11140,neglect_risk,2015,2021-01-13,2021-02-15
N103,11140,neglect_risk,2014,2021-01-13,
""",
    # 11110 reports in D-364 .. D are P01, P02, P05, P06 (P03 is D-365, P04 after D).
    "reports": """
report_id,district_code,received_on,channel,child_id
P01,11110,2021-03-01,112,C001
P02,11110,2020-03-02,school,
P03,11110,2020-03-01,school,
P04,11110,2021-03-02,112,
P05,11110,2021-02-15,medical,
P06,11110,2020-12-01,neighbour,
P07,11140,2021-01-20,welfare,
P08,11170,2021-02-01,family,
""",
    # V02 and V16 are before their child's listing; V13, V15, V19 after D; V14's child left on D.
    "visits": """
visit_id,child_id,visit_date,staff_id,second_staff_id,outcome,risk_level,abuse_suspected
V01,C001,2021-01-20,S01,S02,seen,low,false
V02,C002,2021-01-10,S01,S02,seen,none,false
V03,C002,2021-02-01,S01,,not_home,,
V04,C002,2021-02-05,S01,,refused,,
V05,C002,2021-02-05,S01,,not_home,,
V06,C002,2021-02-07,S01,,not_home,,
V07,C003,2021-02-24,S01,,seen,high,false
V08,C003,2021-02-26,S01,S02,seen,emergency,false
V09,C004,2021-02-23,S01,,seen,medium,true
V10,C005,2021-02-22,S01,,seen,none,false
V11,C005,2021-03-01,S01,,seen,high,false
V12,C006,2021-03-01,S01,S02,seen,high,false
V13,C007,2021-03-02,S01,,seen,none,false
V14,C008,2021-01-15,S01,S02,seen,high,false
V15,C009,2021-03-02,S01,,seen,low,false
V16,C010,2021-01-12,S01,,not_home,,
V17,C010,2021-02-10,S01,,not_home,,
V18,C010,2021-02-11,S01,,not_home,,
V19,C010,2021-03-02,S01,,not_home,,
V20,N001,2021-01-25,S05,,seen,low,false
V21,N003,2021-02-02,S05,,moved,,
V22,N003,2021-02-03,S05,,not_home,,
V23,N003,2021-02-04,S05,,refused,,
V25,C101,2021-02-01,S11,,seen,low,false
V26,C101,2021-02-15,S11,,seen,low,false
V27,C102,2021-02-25,S11,S01,seen,none,false
V28,N101,2021-01-14,S11,,seen,emergency,false
V29,N103,2021-01-15,S11,,seen,low,true
""",
    # R02 closes after D (open at D), R10 closes on D (closed). R05 and R07 belong to children
    # off the list at D, R08 is after D, R09 is dated before its visit.
    "referrals": """
referral_id,child_id,visit_id,referred_on,kind,agency_id,closed_on,result
R01,C003,V07,2021-02-25,follow_up,,,
R02,C004,V09,2021-02-23,police_investigation,,2021-03-02,substantiated
R03,C005,V10,2021-02-22,welfare_service,,2021-02-28,services_provided
R04,C006,V12,2021-03-01,protection_agency,A01,,
R05,C008,V14,2021-01-16,police_investigation,,,
R06,N101,V28,2021-01-14,emergency_protection,,2021-02-01,transferred
R07,N102,,2021-01-20,medical,,,
R08,N103,,2021-03-02,police_investigation,,,
R09,N103,V29,2021-01-14,follow_up,,,
R10,C005,V10,2021-02-24,welfare_service,,2021-03-01,declined
R11,C001,V01,2021-02-10,follow_up,,,
R12,C001,V01,2021-02-25,follow_up,,,
R13,C006,V12,2021-03-01,police_investigation,,,
""",
    "dataset_info": """
key,value
synthetic,true
""",
}


def _convert(column, raw: str):
    if raw == "":
        return None
    if isinstance(column.type, Date):
        return dt.date.fromisoformat(raw)
    if isinstance(column.type, Boolean):
        return {"true": True, "false": False}[raw]
    if isinstance(column.type, Integer):
        return int(raw)
    return raw


def rows(table_name: str, text: str | None = None) -> list[dict]:
    table = schema.metadata.tables[table_name]
    reader = csv.DictReader(io.StringIO((text or TABLES[table_name]).strip()))
    return [{k: _convert(table.c[k], v) for k, v in row.items()} for row in reader]


def load(engine, tables: dict[str, str] | None = None) -> None:
    """Insert the fixture (or the given tables) into an empty database, in dependency order,
    then refresh child_status."""
    tables = TABLES if tables is None else tables
    order = [t.name for t in schema.EXTRACT_TABLES] + ["dataset_info"]
    with engine.begin() as conn:
        for name in order:
            if name in tables:
                conn.execute(schema.metadata.tables[name].insert(), rows(name, tables[name]))
        # As the loader and the generator do: the derived per-child dates the queries read.
        refresh_child_status(conn)
