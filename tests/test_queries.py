"""Every query on the hand-checked fixture (tests/query_fixtures.py), on SQLite and PostgreSQL.

Expected rows are written as CSV tables; a rate may be written as a fraction (5/8) so that the
reader can check it against the fixture. Row order is free in the contract, so rows are compared
as sorted lists. D = 2021-03-01 unless a test says otherwise; S = 2021-01-13, T = 2021-03-31.
"""
import csv
import datetime as dt
import io
import math
from fractions import Fraction

import pandas as pd
import pytest
from sqlalchemy import text

import queries
from queries import runner
from tests import query_fixtures

D = query_fixtures.D
CONTRACT = {
    "district_progress": "district_code, cohort, listed, seen, attempted_not_seen, not_attempted, "
    "completion_rate, plan_rate, pace_7d, required_pace, projected_completion, two_person_rate, "
    "unreachable",
    "city_progress_daily": "date, cohort, listed, seen, completion_rate, plan_rate",
    "referral_outcomes": "district_code, cohort, kind, outcome, referrals, children",
    "staffing": "district_code, abuse_officials, welfare_planners, abuse_officials_target, "
    "reports_12m, reports_per_official, teams_of_two, neglect_remaining_per_planner",
    "daily_changes": "district_code, newly_seen, new_referrals, new_police_referrals, "
    "new_high_risk",
    "attention_list": "child_id, district_code, cohort, reason, since",
}


@pytest.fixture
def db(engine):
    query_fixtures.load(engine)
    return engine


def _norm(value, kind):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if kind in ("count", "integer"):
        return int(value)
    if kind in ("rate", "number"):
        return round(float(value), 12)
    return str(value)


def _expected(name, table):
    kinds = dict(runner.load(name).columns)
    reader = csv.reader(io.StringIO(table.strip()))
    header = next(reader)
    assert header == queries.columns(name)
    out = []
    for row in reader:
        vals = []
        for col, raw in zip(header, row):
            kind = kinds[col]
            if raw == "":
                vals.append(None)
            elif kind in ("rate", "number"):
                vals.append(_norm(float(Fraction(raw)), kind))
            else:
                vals.append(_norm(raw, kind))
        out.append(tuple(vals))
    return out


def _actual(name, df):
    kinds = dict(runner.load(name).columns)
    assert list(df.columns) == queries.columns(name)
    return [tuple(_norm(v, kinds[c]) for c, v in zip(df.columns, row))
            for row in df.itertuples(index=False, name=None)]


def check(df, name, table):
    key = lambda r: tuple("" if v is None else str(v) for v in r)  # noqa: E731
    assert sorted(_actual(name, df), key=key) == sorted(_expected(name, table), key=key)


# --- The API's shape ------------------------------------------------------------------------

def test_contract_columns_are_the_spec_columns():
    for name, cols in CONTRACT.items():
        assert queries.columns(name) == [c.strip() for c in cols.split(",")]
    assert set(CONTRACT) <= set(queries.names())
    assert queries.CHILD_LEVEL == {"attention_list", "attention_detail", "attention_counts",
                                 "data_quality_findings", "data_quality_findings_first"}


@pytest.mark.parametrize("name", queries.names())
def test_every_query_runs_on_an_empty_database_with_its_header_columns(engine, name):
    df = queries.run(name, engine, as_of=D)
    assert list(df.columns) == queries.columns(name)
    assert queries.default_as_of(engine) is None


def test_sql_files_return_exactly_the_header_columns(db):
    # The header is the documentation: a column the SQL returns but the header omits fails here.
    for name in runner.sql_names():
        query = runner.load(name)
        stmt = runner._statement(query.text_for(db.dialect.name))
        params = runner.derived_params(D, dt.date(2021, 1, 13), dt.date(2021, 3, 31))
        params.update(district=None, cohort=None)
        with db.connect() as conn:
            keys = list(conn.execute(stmt, {k: params[k] for k in stmt._bindparams}).keys())
        helpers = ["projected_days"] if name == "district_progress" else []
        assert keys == queries.columns(name) + helpers, name


def test_types(db):
    df = queries.run("district_progress", db, as_of=D)
    assert str(df["projected_completion"].dtype).startswith("datetime64")
    assert (df["projected_completion"].dropna() == df["projected_completion"].dropna()
            .dt.normalize()).all()
    for col in ("listed", "seen", "unreachable"):
        assert df[col].dtype == "int64"
    for col in ("completion_rate", "plan_rate", "two_person_rate"):
        assert df[col].dtype == "float64"
    staffing = queries.run("staffing", db, as_of=D)
    assert str(staffing["abuse_officials_target"].dtype) == "Int64"
    daily = queries.run("city_progress_daily", db, as_of=D)
    assert str(daily["date"].dtype).startswith("datetime64")


def test_default_as_of_is_the_latest_visit_referral_or_report(db):
    assert queries.default_as_of(db) == dt.date(2021, 3, 2)


def test_unknown_name_and_cohort_are_refused(db):
    with pytest.raises(KeyError):
        queries.run("nope", db, as_of=D)
    with pytest.raises(ValueError):
        queries.run("district_progress", db, as_of=D, cohort="everyone")


# --- district_progress ------------------------------------------------------------------------

def test_district_progress_at_d(db):
    # 11110 repeat: on the list C001-C006, C009, C010 (C007 listed after D, C008 removed on D).
    # Seen C001, C003, C004, C005, C006 (C002's seen visit predates its listing; C009's is after D).
    # First seen in D-6 .. D: C003 (02-24), C004 (02-23), C006 (03-01). 3 left at 3/7 a day: 7
    # days. Counted seen visits V01 V07 V08 V09 V10 V11 V12, with two staff V01 V08 V12.
    # 11170 has nobody listed and still has both rows.
    check(queries.run("district_progress", db, as_of=D), "district_progress", """
district_code,cohort,listed,seen,attempted_not_seen,not_attempted,completion_rate,plan_rate,pace_7d,required_pace,projected_completion,two_person_rate,unreachable
11110,repeat_report,8,5,2,1,5/8,48/78,3/7,3/30,2021-03-08,3/7,1
11110,neglect_risk,3,1,1,1,1/3,48/78,0,2/30,,,1
11140,repeat_report,2,2,0,0,1,48/78,1/7,0,2021-02-25,1/3,0
11140,neglect_risk,2,2,0,0,1,48/78,0,0,2021-01-15,,0
11170,repeat_report,0,0,0,0,,48/78,0,0,,,0
11170,neglect_risk,0,0,0,0,,48/78,0,0,,,0
""")


def test_district_progress_on_the_deadline(db):
    # D = T: required_pace null, plan 1. C007 is listed and seen (03-02); C009 has left; C010
    # now has three counted visits (02-10, 02-11, 03-02): unreachable.
    check(queries.run("district_progress", db, as_of=dt.date(2021, 3, 31)), "district_progress", """
district_code,cohort,listed,seen,attempted_not_seen,not_attempted,completion_rate,plan_rate,pace_7d,required_pace,projected_completion,two_person_rate,unreachable
11110,repeat_report,8,6,2,0,6/8,1,0,,,3/8,2
11110,neglect_risk,3,1,1,1,1/3,1,0,,,,1
11140,repeat_report,2,2,0,0,1,1,0,,2021-02-25,1/3,0
11140,neglect_risk,2,2,0,0,1,1,0,,2021-01-15,,0
11170,repeat_report,0,0,0,0,,1,0,,,,0
11170,neglect_risk,0,0,0,0,,1,0,,,,0
""")


def test_district_progress_before_the_start(db):
    # Nobody is listed before 2021-01-13; plan_rate is clipped to 0; T - D = 80 days.
    rows = "\n".join(f"{d},{c},0,0,0,0,,0,0,0,,,0" for d in ("11110", "11140", "11170")
                     for c in ("repeat_report", "neglect_risk"))
    check(queries.run("district_progress", db, as_of=dt.date(2021, 1, 10)), "district_progress",
          "district_code,cohort,listed,seen,attempted_not_seen,not_attempted,completion_rate,"
          "plan_rate,pace_7d,required_pace,projected_completion,two_person_rate,unreachable\n"
          + rows)


def test_district_progress_after_the_deadline(db):
    df = queries.run("district_progress", db, as_of=dt.date(2021, 4, 5))
    assert (df["plan_rate"] == 1.0).all()
    assert df["required_pace"].isna().all()


def test_district_progress_filters_in_sql(db):
    check(queries.run("district_progress", db, as_of=D, district="11140",
                      cohort="neglect_risk"), "district_progress", """
district_code,cohort,listed,seen,attempted_not_seen,not_attempted,completion_rate,plan_rate,pace_7d,required_pace,projected_completion,two_person_rate,unreachable
11140,neglect_risk,2,2,0,0,1,48/78,0,0,2021-01-15,,0
""")


def test_district_progress_without_a_programme(engine):
    tables = {k: v for k, v in query_fixtures.TABLES.items() if k != "programme"}
    query_fixtures.load(engine, tables)
    df = queries.run("district_progress", engine, as_of=D)
    assert df["plan_rate"].isna().all() and df["required_pace"].isna().all()
    assert len(df) == 6
    assert queries.run("city_progress_daily", engine, as_of=D).empty


def test_projected_completion_uses_exact_ceiling(engine):
    # 17 left, 17 first seen in the last 7 days: pace 17/7, exactly 7 days. Floating point
    # (17 / (17 / 7) = 7.000000000000001) would give 8.
    children = ["child_id,district_code,cohort,birth_year,listed_on,removed_on"]
    visits = ["visit_id,child_id,visit_date,staff_id,second_staff_id,outcome,risk_level,"
              "abuse_suspected"]
    for i in range(34):
        children.append(f"K{i:03d},11170,neglect_risk,2015,2021-01-13,")
        if i < 17:
            visits.append(f"W{i:03d},K{i:03d},2021-02-27,S01,,seen,none,false")
    tables = {k: query_fixtures.TABLES[k] for k in ("programme", "districts", "staff")}
    tables.update(children="\n".join(children), visits="\n".join(visits))
    query_fixtures.load(engine, tables)
    df = queries.run("district_progress", engine, as_of=D, district="11170",
                     cohort="neglect_risk")
    assert df["projected_completion"].iloc[0] == pd.Timestamp("2021-03-08")


# --- city_progress_daily ----------------------------------------------------------------------

def test_city_progress_daily_first_days(db):
    # N101 first seen 01-14, N103 and C008 01-15; C002's seen visit of 01-10 predates its listing.
    check(queries.run("city_progress_daily", db, as_of=dt.date(2021, 1, 15)),
          "city_progress_daily", """
date,cohort,listed,seen,completion_rate,plan_rate
2021-01-13,repeat_report,8,0,0,1/78
2021-01-13,neglect_risk,5,0,0,1/78
2021-01-14,repeat_report,8,0,0,2/78
2021-01-14,neglect_risk,5,1,1/5,2/78
2021-01-15,repeat_report,8,1,1/8,3/78
2021-01-15,neglect_risk,5,2,2/5,3/78
""")


def test_city_progress_daily_through_d(db):
    df = queries.run("city_progress_daily", db, as_of=D)
    assert len(df) == 48 * 2
    picked = df[df["date"].isin([pd.Timestamp("2021-02-15"), pd.Timestamp("2021-03-01")])]
    # 02-15: N102 leaves that day; C101 and C102 listed on 01-20. 03-01: C008 leaves, C006 joins.
    check(picked, "city_progress_daily", """
date,cohort,listed,seen,completion_rate,plan_rate
2021-02-15,repeat_report,10,3,3/10,34/78
2021-02-15,neglect_risk,5,3,3/5,34/78
2021-03-01,repeat_report,10,7,7/10,48/78
2021-03-01,neglect_risk,5,3,3/5,48/78
""")


def test_city_progress_daily_equals_district_progress_summed_each_day(db):
    # Two different statements over the same definitions must agree on every day.
    daily = queries.run("city_progress_daily", db, as_of=D)
    day = dt.date(2021, 1, 13)
    while day <= D:
        progress = queries.run("district_progress", db, as_of=day)
        sums = progress.groupby("cohort")[["listed", "seen"]].sum()
        for cohort in ("repeat_report", "neglect_risk"):
            row = daily[(daily["date"] == pd.Timestamp(day)) & (daily["cohort"] == cohort)]
            assert len(row) == 1
            assert (row["listed"].iloc[0], row["seen"].iloc[0]) == tuple(sums.loc[cohort]), day
        day += dt.timedelta(days=1)


def test_city_progress_daily_before_start_and_after_deadline(db):
    assert queries.run("city_progress_daily", db, as_of=dt.date(2021, 1, 12)).empty
    df = queries.run("city_progress_daily", db, as_of=dt.date(2021, 4, 5))
    assert len(df) == 83 * 2
    assert (df[df["date"] >= pd.Timestamp("2021-03-31")]["plan_rate"] == 1.0).all()
    assert df[df["date"] == pd.Timestamp("2021-03-30")]["plan_rate"].iloc[0] == 77 / 78


def test_city_progress_daily_for_a_district_with_nobody_listed(db):
    check(queries.run("city_progress_daily", db, as_of=dt.date(2021, 1, 13), district="11170"),
          "city_progress_daily", """
date,cohort,listed,seen,completion_rate,plan_rate
2021-01-13,repeat_report,0,0,,1/78
2021-01-13,neglect_risk,0,0,,1/78
""")


# --- referral_outcomes, staffing, daily_changes, attention_list ------------------------------

def test_referral_outcomes(db):
    # R02 closes after D: open. R10 closes on D: declined. R05, R07 (children off the list) and
    # R08 (after D) are not counted. C001 has two open follow_ups, C003 one.
    check(queries.run("referral_outcomes", db, as_of=D), "referral_outcomes", """
district_code,cohort,kind,outcome,referrals,children
11110,repeat_report,follow_up,open,3,2
11110,repeat_report,police_investigation,open,2,2
11110,repeat_report,protection_agency,open,1,1
11110,repeat_report,welfare_service,declined,1,1
11110,repeat_report,welfare_service,services_provided,1,1
11140,neglect_risk,emergency_protection,transferred,1,1
11140,neglect_risk,follow_up,open,1,1
""")


def test_staffing(db):
    # 11110 officials in post: S01, S02 (ends on D), S07 (starts on D); not S03 (ended D-1), S04.
    # Target: the row effective on D (4), not the later one (6). Reports P01 P02 P05 P06.
    # 11140's only target is effective after D: null.
    check(queries.run("staffing", db, as_of=D), "staffing", """
district_code,abuse_officials,welfare_planners,abuse_officials_target,reports_12m,reports_per_official,teams_of_two,neglect_remaining_per_planner
11110,3,2,4,4,4/3,1,1
11140,1,0,,1,1,0,
11170,0,0,,1,,0,
""")


@pytest.mark.parametrize("day, table", [
    (D, "11110,1,2,1,2\n11140,0,0,0,0\n11170,0,0,0,0"),      # C006 first seen; C005 seen again
    (dt.date(2021, 1, 14), "11110,0,0,0,0\n11140,1,2,0,1\n11170,0,0,0,0"),
    (dt.date(2021, 1, 16), "11110,0,1,1,0\n11140,0,0,0,0\n11170,0,0,0,0"),
])
def test_daily_changes(db, day, table):
    check(queries.run("daily_changes", db, as_of=day), "daily_changes",
          "district_code,newly_seen,new_referrals,new_police_referrals,new_high_risk\n" + table)


def test_attention_list(db):
    # C002: visits 02-01, 02-05, 02-05, 02-07: the third is 02-05. N003: exactly three.
    # C003 has only a follow_up referral. C005's high risk visit is on D. N103's police referral
    # is after D. C004 (police), C006 (protection_agency), N101 (emergency_protection) are not here.
    check(queries.run("attention_list", db, as_of=D), "attention_list", """
child_id,district_code,cohort,reason,since
C002,11110,repeat_report,unreachable,2021-02-05
N003,11110,neglect_risk,unreachable,2021-02-04
C003,11110,repeat_report,high_risk_no_referral,2021-02-24
C005,11110,repeat_report,high_risk_no_referral,2021-03-01
N103,11140,neglect_risk,high_risk_no_referral,2021-01-15
""")


def test_attention_list_on_the_deadline(db):
    # C010's third counted visit is 03-02; N103's police referral (03-02) now counts.
    check(queries.run("attention_list", db, as_of=dt.date(2021, 3, 31)), "attention_list", """
child_id,district_code,cohort,reason,since
C002,11110,repeat_report,unreachable,2021-02-05
C010,11110,repeat_report,unreachable,2021-03-02
N003,11110,neglect_risk,unreachable,2021-02-04
C003,11110,repeat_report,high_risk_no_referral,2021-02-24
C005,11110,repeat_report,high_risk_no_referral,2021-03-01
""")


def test_attention_list_filters(db):
    df = queries.run("attention_list", db, as_of=D, district="11140")
    assert list(df["child_id"]) == ["N103"]
    df = queries.run("attention_list", db, as_of=D, cohort="neglect_risk")
    assert sorted(df["child_id"]) == ["N003", "N103"]


def test_attention_detail_ranks_for_action_and_counts_attempts(db):
    # The attention_list rows above, ordered: repeat_report before neglect_risk, high risk
    # before unreachable, longest waiting first. Attempts are counted visits up to D: C002's
    # visit of 01-10 predates its listing (01-13); C005's second visit is on D itself.
    df = queries.run("attention_detail", db, as_of=D).sort_values(
        ["severity", "since", "child_id"], ignore_index=True)
    assert list(df.columns) == queries.columns("attention_detail")
    assert list(df["severity"]) == [1, 1, 2, 3, 4]
    assert [tuple(r) for r in df[["child_id", "reason", "attempts"]].itertuples(index=False)] == [
        ("C003", "high_risk_no_referral", 2), ("C005", "high_risk_no_referral", 2),
        ("C002", "unreachable", 4), ("N103", "high_risk_no_referral", 1),
        ("N003", "unreachable", 3)]
    assert [d.isoformat() for d in pd.to_datetime(df["last_visit_on"]).dt.date] == [
        "2021-02-26", "2021-03-01", "2021-02-07", "2021-01-15", "2021-02-04"]
    listed = queries.run("attention_list", db, as_of=D)
    assert sorted(df["child_id"]) == sorted(listed["child_id"])


# --- The pages' other figures -----------------------------------------------------------------

def test_data_quality_findings(db):
    # Midpoint S + 38 = 2021-02-20. Never visited past it: N002 (no visit at all) and C009 (its
    # only visit is after D); C003, C004, C005 and C102 were first visited after the midpoint.
    # D is a past day (the data runs to 03-02): the rows dated 03-02 are later work, not
    # findings (issue 8: at a past day, only what the database held up to that day).
    check(queries.run("data_quality_findings", db, as_of=D), "data_quality_findings", """
child_id,district_code,cohort,finding,date
C002,11110,repeat_report,visit_before_listed,2021-01-10
C010,11110,repeat_report,visit_before_listed,2021-01-12
N103,11140,neglect_risk,referral_before_visit,2021-01-14
C009,11110,repeat_report,never_visited_past_midpoint,2021-01-13
N002,11110,neglect_risk,never_visited_past_midpoint,2021-01-13
""")


def test_data_quality_looks_for_dates_after_the_extract_only_on_its_newest_day(db):
    newest = queries.default_as_of(db)
    with db.begin() as conn:  # a listing and a closure dated after the newest activity
        conn.execute(text("update children set listed_on = '2021-06-01' where child_id = 'C007'"))
        conn.execute(text("update referrals set closed_on = '2021-06-02' "
                          "where referral_id = 'R02'"))
    assert queries.default_as_of(db) == newest
    on_newest = queries.run("data_quality_findings", db, as_of=newest)
    after = on_newest[on_newest["finding"].str.endswith("_after_as_of")]
    assert {(r.child_id, r.finding) for r in after.itertuples()} == {
        ("C007", "listed_after_as_of"), ("C004", "closure_after_as_of")}
    earlier = queries.run("data_quality_findings", db, as_of=newest - dt.timedelta(days=1))
    assert not earlier["finding"].str.endswith("_after_as_of").any()


def test_data_quality_before_the_midpoint_and_by_district(db):
    df = queries.run("data_quality_findings", db, as_of=dt.date(2021, 2, 19), district="11140")
    assert "never_visited_past_midpoint" not in set(df["finding"])
    assert set(df["district_code"]) == {"11140"}


def test_data_quality_counts(db):
    check(queries.run("data_quality_counts", db, as_of=D), "data_quality_counts", """
district_code,finding,findings,children
11110,never_visited_past_midpoint,2,2
11110,visit_before_listed,2,2
11140,referral_before_visit,1,1
""")


def test_police_linkage(db):
    # At risk in 11110: C003 (high), C004 (abuse suspected), C005 (high on D), C006 (high);
    # police referrals C004 (R02, open) and C006 (R13, on D). C008 left the list on D.
    check(queries.run("police_linkage", db, as_of=D), "police_linkage", """
district_code,children_at_risk,children_police_referred,police_linkage_rate
11110,4,2,1/2
11140,0,0,
11170,0,0,
""")


def test_referral_delay(db):
    # follow_up 11110: R01 1 day, R11 21, R12 36. R09 is a day before its visit.
    check(queries.run("referral_delay", db, as_of=D), "referral_delay", """
district_code,cohort,kind,referrals,mean_days,same_day,days_1_7,days_8_30,over_30,before_visit
11110,repeat_report,follow_up,3,58/3,0,1,1,1,0
11110,repeat_report,police_investigation,2,0,2,0,0,0,0
11110,repeat_report,protection_agency,1,0,1,0,0,0,0
11110,repeat_report,welfare_service,2,1,1,1,0,0,0
11140,neglect_risk,emergency_protection,1,0,1,0,0,0,0
11140,neglect_risk,follow_up,1,,0,0,0,0,1
""")


def test_table_freshness(db):
    check(queries.run("table_freshness", db, as_of=D), "table_freshness", """
table,newest_date,rows
children,2021-03-02,18
visits,2021-03-02,28
referrals,2021-03-02,13
reports,2021-03-02,8
staff,2021-03-02,8
staffing_targets,2021-04-01,5
""")


def test_reference_tables(db):
    check(queries.run("districts", db, as_of=D, district="11140"), "districts", """
district_code,name_ko,name_en,child_population
11140,중구,Jung-gu,800
""")
    check(queries.run("programme", db, as_of=D), "programme", """
start_date,deadline,reports_per_official
2021-01-13,2021-03-31,50
""")
    check(queries.run("dataset_info", db, as_of=D), "dataset_info", "key,value\nsynthetic,true")


def test_sql_has_no_dialect_only_functions_outside_variants():
    for name in runner.sql_names():
        sql = runner.load(name).sql["default"].lower()
        variant = runner.load(name).sql.get("postgresql")
        if variant is None:
            assert "strftime" not in sql and "julianday" not in sql and "date(" not in sql, name


def test_the_runners_row_order_is_that_of_the_rows_key_tuples():
    """runner._order (first key, then the runs that tie on it) against the plain definition:
    Python's sort of the rows' key tuples, missing text and dates last. Random keys with many
    ties and missing values, of one to three columns, text and dates mixed."""
    import random

    import numpy as np
    rng = random.Random(20210331)
    texts = ["a", "b", "c", None, "가"]
    dates = ["2021-01-01", "2021-01-02", "NaT"]
    for _ in range(500):
        n = rng.randint(0, 40)
        pool = [np.array([rng.choice(texts) for _ in range(n)], dtype=object),
                np.array([rng.choice(texts[:2]) for _ in range(n)], dtype=object),
                np.array([rng.choice(dates) for _ in range(n)], dtype="datetime64[ns]")]
        keys = rng.sample(pool, rng.randint(1, 3))
        tuples = list(zip(*[
            [(bool(np.isnat(v)), 0 if np.isnat(v) else int(v.astype("int64"))) for v in k]
            if k.dtype.kind == "M" else
            [(v is None, v or "") for v in k] for k in keys]))
        assert runner._order(keys) == sorted(range(n), key=tuples.__getitem__)
