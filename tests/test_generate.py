"""The synthetic data generator and the demo database, on SQLite and PostgreSQL.

Most checks read one database generated once per backend at scale 1 (module fixture
`generated`): generating takes seconds, checking milliseconds. The expected figures are the
programme's (../shared/spec/programme.md), written here independently of data/reference.py.
"""
import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from data.db import create_schema, make_engine
from data.demo import ensure_demo_database
from data.generate import NotEmptyError, build, generate
from data.schema import EXTRACT_TABLES, dataset_info

TODAY = dt.date(2021, 4, 30)

# The MOIS codes and names of programme.md, copied from the spec, not from the code under test.
SEOUL = [
    ("11110", "종로구", "Jongno-gu"), ("11140", "중구", "Jung-gu"),
    ("11170", "용산구", "Yongsan-gu"), ("11200", "성동구", "Seongdong-gu"),
    ("11215", "광진구", "Gwangjin-gu"), ("11230", "동대문구", "Dongdaemun-gu"),
    ("11260", "중랑구", "Jungnang-gu"), ("11290", "성북구", "Seongbuk-gu"),
    ("11305", "강북구", "Gangbuk-gu"), ("11320", "도봉구", "Dobong-gu"),
    ("11350", "노원구", "Nowon-gu"), ("11380", "은평구", "Eunpyeong-gu"),
    ("11410", "서대문구", "Seodaemun-gu"), ("11440", "마포구", "Mapo-gu"),
    ("11470", "양천구", "Yangcheon-gu"), ("11500", "강서구", "Gangseo-gu"),
    ("11530", "구로구", "Guro-gu"), ("11545", "금천구", "Geumcheon-gu"),
    ("11560", "영등포구", "Yeongdeungpo-gu"), ("11590", "동작구", "Dongjak-gu"),
    ("11620", "관악구", "Gwanak-gu"), ("11650", "서초구", "Seocho-gu"),
    ("11680", "강남구", "Gangnam-gu"), ("11710", "송파구", "Songpa-gu"),
    ("11740", "강동구", "Gangdong-gu"),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def generated(request, tmp_path_factory):
    """An engine on a database filled by generate(seed=1, scale=1), one per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('gen') / 'cases.db'}"
        admin = name = None
    else:
        server = os.environ.get("TEST_PG_URL")
        if not server:
            if os.environ.get("REQUIRE_POSTGRES") == "1":
                pytest.fail("TEST_PG_URL is not set (REQUIRE_POSTGRES=1)")
            pytest.skip("PostgreSQL tests need TEST_PG_URL")
        # A database of this module's own, so that the function-scoped fixtures' resets of the
        # session database never touch it.
        name = f"test_gen_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        admin = make_engine(server).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'create database "{name}"'))
        url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    counts = generate(engine, seed=1, scale=1.0, today=TODAY)
    engine.counts = counts
    yield engine
    engine.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'drop database if exists "{name}" with (force)'))
        admin.dispose()


def scalar(engine, sql: str, **params):
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def all_rows(engine, sql: str, **params):
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def table_rows(engine, table):
    """Every row of a table in key order, as plain tuples."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key.columns))]


# --- The programme's shape ----------------------------------------------------------------------

def test_counts_returned_match_the_tables(generated):
    for table in EXTRACT_TABLES:
        rows = scalar(generated, f"select count(*) from {table.name}")
        assert generated.counts[table.name] == rows
    assert generated.counts["children"] > 35_000


@pytest.mark.parametrize("cohort, expected", [("repeat_report", 658), ("neglect_risk", 34_607)])
def test_cohorts_listed_on_the_announcement_day(generated, cohort, expected):
    assert scalar(generated, "select count(*) from children where cohort = :c and listed_on = :d",
                  c=cohort, d=dt.date(2021, 1, 13)) == expected
    assert scalar(generated, "select min(listed_on) from children where cohort = :c", c=cohort) \
        in (dt.date(2021, 1, 13), "2021-01-13")


def test_lists_change_during_the_programme(generated):
    rows = dict(all_rows(generated, """
        select cohort, count(*) from children where listed_on > :d group by cohort""",
                         d=dt.date(2021, 1, 13)))
    assert 20 <= rows["repeat_report"] <= 60          # toward the 688 of the March survey
    assert 500 <= rows["neglect_risk"] <= 2_000
    removed = scalar(generated, "select count(*) from children where removed_on is not null")
    assert 0 < removed < 0.05 * generated.counts["children"]


def test_programme_row(generated):
    assert all_rows(generated, "select start_date, deadline, reports_per_official from programme") \
        in ([(dt.date(2021, 1, 13), dt.date(2021, 3, 31), 50)],
            [("2021-01-13", "2021-03-31", 50)])


def test_the_25_districts_with_mois_codes_and_names(generated):
    rows = all_rows(generated,
                    "select district_code, name_ko, name_en from districts order by district_code")
    assert rows == SEOUL
    pop = all_rows(generated, "select district_code, child_population from districts")
    total = sum(p for _, p in pop)
    assert 1_350_000 <= total <= 1_550_000
    pop = dict(pop)
    assert pop["11710"] > pop["11110"] * 4      # Songpa is large, Jongno small


def test_seven_private_agencies(generated):
    rows = all_rows(generated, "select operator, count(*) from agencies group by operator")
    assert rows == [("private", 7)]


@pytest.mark.parametrize("on, expected", [(dt.date(2021, 1, 13), 62), (dt.date(2021, 6, 30), 72)])
def test_abuse_officials_in_post(generated, on, expected):
    # "In post" as metrics.md defines it.
    assert scalar(generated, """
        select count(*) from staff where role = 'abuse_official' and start_date <= :d
           and (end_date is null or end_date >= :d)""", d=on) == expected


def test_every_district_has_staff_of_both_roles_and_targets(generated):
    for role in ("abuse_official", "welfare_planner"):
        in_post = all_rows(generated, """
            select district_code, count(*) from staff where role = :r and start_date <= :d
               and (end_date is null or end_date >= :d) group by district_code""",
                           r=role, d=TODAY)
        assert len(in_post) == 25
        assert min(n for _, n in in_post) >= (2 if role == "abuse_official" else 8)
        targets = scalar(generated, """
            select count(distinct district_code) from staffing_targets
             where role = :r and effective_on = :d""", r=role, d=dt.date(2021, 1, 1))
        assert targets == 25
    planners = scalar(generated, "select count(*) from staff where role = 'welfare_planner'")
    assert 300 <= planners <= 1_000
    # Some officials left during the programme: the net rise of 10 hides a little turnover.
    assert scalar(generated, """select count(*) from staff where role = 'abuse_official'
                                   and end_date >= :d""", d=dt.date(2021, 1, 13)) >= 1


# --- Validity: every row as extract-format.md requires ------------------------------------------

FOREIGN_KEYS = [
    ("agencies", "district_code", "districts", "district_code"),
    ("staff", "district_code", "districts", "district_code"),
    ("staffing_targets", "district_code", "districts", "district_code"),
    ("children", "district_code", "districts", "district_code"),
    ("reports", "district_code", "districts", "district_code"),
    ("reports", "child_id", "children", "child_id"),
    ("visits", "child_id", "children", "child_id"),
    ("visits", "staff_id", "staff", "staff_id"),
    ("visits", "second_staff_id", "staff", "staff_id"),
    ("referrals", "child_id", "children", "child_id"),
    ("referrals", "visit_id", "visits", "visit_id"),
    ("referrals", "agency_id", "agencies", "agency_id"),
]


@pytest.mark.parametrize("table, column, parent, key", FOREIGN_KEYS)
def test_every_reference_resolves(generated, table, column, parent, key):
    dangling = scalar(generated, f"""
        select count(*) from {table} t left join {parent} p on p.{key} = t.{column}
         where t.{column} is not null and p.{key} is null""")
    assert dangling == 0


RULES = {
    "second staff differs": "select count(*) from visits where second_staff_id = staff_id",
    "pair from the same district and role": """
        select count(*) from visits v join staff a on a.staff_id = v.staff_id
          join staff b on b.staff_id = v.second_staff_id
         where a.district_code <> b.district_code or a.role <> b.role""",
    "visitor in post": """
        select count(*) from visits v join staff s on s.staff_id = v.staff_id
         where s.start_date > v.visit_date or s.end_date < v.visit_date""",
    "visitor of the child's district": """
        select count(*) from visits v join staff s on s.staff_id = v.staff_id
          join children c on c.child_id = v.child_id where s.district_code <> c.district_code""",
    "risk and suspicion only when seen": """
        select count(*) from visits where (outcome = 'seen') <> (risk_level is not null)
            or (outcome = 'seen') <> (abuse_suspected is not null)""",
    "outcomes": "select count(*) from visits where outcome not in "
                "('seen', 'not_home', 'refused', 'moved')",
    "risk levels": "select count(*) from visits where risk_level not in "
                   "('none', 'low', 'medium', 'high', 'emergency')",
    "referral's visit of the same child": """
        select count(*) from referrals r join visits v on v.visit_id = r.visit_id
         where v.child_id <> r.child_id""",
    "closed with a result, open without": """
        select count(*) from referrals where (closed_on is null) <> (result is null)
            or closed_on < referred_on""",
    "removed after listed": "select count(*) from children where removed_on <= listed_on",
    "end not before start": "select count(*) from staff where end_date < start_date",
    "birth years": "select count(*) from children where birth_year < 1990 or birth_year > 2030",
    "channels": "select count(*) from reports where channel not in "
                "('112', 'school', 'medical', 'welfare', 'neighbour', 'family', 'other')",
    "kinds": "select count(*) from referrals where kind not in ('police_investigation', "
             "'protection_agency', 'emergency_protection', 'follow_up', 'welfare_service', "
             "'medical')",
}


@pytest.mark.parametrize("rule", RULES)
def test_rows_follow_the_extract_rules(generated, rule):
    assert scalar(generated, RULES[rule]) == 0


DATES = [("staff", "start_date"), ("staff", "end_date"), ("staffing_targets", "effective_on"),
         ("children", "listed_on"), ("children", "removed_on"), ("reports", "received_on"),
         ("visits", "visit_date"), ("referrals", "referred_on"), ("referrals", "closed_on")]


@pytest.mark.parametrize("table, column", DATES)
def test_nothing_dated_after_today(generated, table, column):
    assert scalar(generated, f"select count(*) from {table} where {column} > :d", d=TODAY) == 0


def test_ids_are_opaque(generated):
    assert all_rows(generated, "select min(child_id), max(child_id) from children") == \
        [("C0000001", f"C{generated.counts['children']:07d}")]
    assert scalar(generated, "select count(*) from visits where visit_id not like 'V%'") == 0


# --- Base rates and the stories the dashboard tells ---------------------------------------------

ON_LIST = """children c where c.listed_on <= :d and (c.removed_on is null or c.removed_on > :d)"""


def seen_share(engine, cohort: str) -> float:
    listed = scalar(engine, f"select count(*) from {ON_LIST} and c.cohort = :c", d=TODAY, c=cohort)
    seen = scalar(engine, f"""
        select count(*) from {ON_LIST} and c.cohort = :c and exists (
            select 1 from visits v where v.child_id = c.child_id and v.outcome = 'seen'
               and v.visit_date between c.listed_on and :d)""", d=TODAY, c=cohort)
    return seen / listed


def test_about_86_percent_of_neglect_risk_children_seen(generated):
    assert 0.80 <= seen_share(generated, "neglect_risk") <= 0.92
    assert 0.80 <= seen_share(generated, "repeat_report") <= 0.97


def test_some_children_unreachable_after_three_attempts(generated):
    unreachable = scalar(generated, """
        select count(*) from (
            select c.child_id
              from children c join visits v on v.child_id = c.child_id
             where c.listed_on <= :d and (c.removed_on is null or c.removed_on > :d)
               and v.visit_date between c.listed_on and :d
             group by c.child_id
            having count(*) >= 3 and sum(case when v.outcome = 'seen' then 1 else 0 end) = 0
        ) unreachable""", d=TODAY)
    assert 0.02 * 35_000 <= unreachable <= 0.12 * 35_000


def test_welfare_referrals_for_about_5_percent_of_neglect_children(generated):
    share = scalar(generated, """
        select count(distinct r.child_id) from referrals r join children c using (child_id)
         where c.cohort = 'neglect_risk' and r.kind = 'welfare_service'""") / 35_700
    assert 0.03 <= share <= 0.07


def test_abuse_suspected_rare_in_neglect_commoner_in_repeat(generated):
    def rate(cohort):
        return scalar(generated, """
            select avg(case when abuse_suspected then 1.0 else 0.0 end)
              from visits v join children c using (child_id)
             where v.outcome = 'seen' and c.cohort = :c""", c=cohort)
    assert 0.001 <= rate("neglect_risk") <= 0.005
    assert rate("repeat_report") > 5 * rate("neglect_risk")


def test_repeat_report_visits_mostly_but_not_always_in_pairs(generated):
    share = scalar(generated, """
        select avg(case when second_staff_id is null then 0.0 else 1.0 end)
          from visits v join children c using (child_id) where c.cohort = 'repeat_report'""")
    assert 0.75 <= share < 1.0


def test_districts_differ_in_pace(generated):
    # Completion at the deadline per district: some finished, some well behind.
    rates = [r[1] for r in all_rows(generated, f"""
        select c.district_code, avg(case when exists (
            select 1 from visits v where v.child_id = c.child_id and v.outcome = 'seen'
               and v.visit_date between c.listed_on and :d) then 1.0 else 0.0 end)
          from {ON_LIST} and c.cohort = 'neglect_risk' group by c.district_code""",
                                            d=dt.date(2021, 3, 31))]
    assert len(rates) == 25
    assert max(rates) >= 0.8
    assert min(rates) <= 0.65


def test_police_referrals_and_agencies_follow_what_visits_found(generated):
    police_from_seen_risk = scalar(generated, """
        select count(*) from referrals r join visits v on v.visit_id = r.visit_id
         where r.kind = 'police_investigation'
           and (v.abuse_suspected or v.risk_level in ('medium', 'high', 'emergency'))""")
    police = scalar(generated, """select count(*) from referrals r where r.visit_id is not null
                                     and r.kind = 'police_investigation'""")
    assert police > 0 and police_from_seen_risk == police
    assert scalar(generated, """select count(*) from referrals where kind = 'protection_agency'
                                   and agency_id is null""") == 0
    assert scalar(generated, "select count(*) from referrals where closed_on is not null") > 0


def test_high_risk_children_without_referral_remain(generated):
    waiting = scalar(generated, f"""
        select count(*) from {ON_LIST} and exists (
            select 1 from visits v where v.child_id = c.child_id and v.outcome = 'seen'
               and v.visit_date between c.listed_on and :d
               and (v.risk_level in ('high', 'emergency') or v.abuse_suspected))
          and not exists (
            select 1 from referrals r where r.child_id = c.child_id and r.referred_on <= :d
               and r.kind in ('police_investigation', 'protection_agency',
                              'emergency_protection'))""", d=TODAY)
    assert waiting >= 5


def test_a_handful_of_data_quality_findings(generated):
    before_listing = scalar(generated, """
        select count(*) from visits v join children c using (child_id)
         where v.visit_date < c.listed_on""")
    before_visit = scalar(generated, """
        select count(*) from referrals r join visits v on v.visit_id = r.visit_id
         where r.referred_on < v.visit_date""")
    assert 1 <= before_listing <= 10
    assert 1 <= before_visit <= 10


def test_reports_rise_after_the_announcement(generated):
    def per_day(first, last):
        n = scalar(generated, "select count(*) from reports where received_on between :a and :b",
                   a=first, b=last)
        return n / ((last - first).days + 1)
    before = per_day(dt.date(2020, 1, 1), dt.date(2021, 1, 12))
    after = per_day(dt.date(2021, 1, 13), TODAY)
    assert after > 1.2 * before
    share_112 = scalar(generated, """
        select avg(case when channel = '112' then 1.0 else 0.0 end) from reports
         where received_on >= :d""", d=dt.date(2021, 1, 13))
    assert share_112 > 0.25
    linked = scalar(generated, "select count(*) from reports where child_id is not null")
    assert 0 < linked < 0.5 * generated.counts["reports"]


def test_dataset_info_says_synthetic(generated):
    with generated.connect() as conn:
        info = dict(conn.execute(select(dataset_info.c.key, dataset_info.c.value)).all())
    assert info["synthetic"] == "true"
    assert info["seed"] == "1" and float(info["scale"]) == 1.0 and info["today"] == "2021-04-30"
    assert dt.datetime.fromisoformat(info["generated_at"]).tzinfo is not None


# --- Determinism, refusal, other days and scales ------------------------------------------------

def test_same_seed_gives_the_same_database(engine, tmp_path):
    # Into the fixture's database (SQLite or PostgreSQL) and into a new SQLite file: the rows
    # read back must be identical, across backends too.
    generate(engine, seed=4, scale=0.2, today=TODAY)
    other = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    try:
        generate(other, seed=4, scale=0.2, today=TODAY)
        for table in EXTRACT_TABLES:
            assert table_rows(engine, table) == table_rows(other, table), table.name
        assert len(table_rows(other, EXTRACT_TABLES[-1])) > 0
    finally:
        other.dispose()


def test_different_seed_gives_different_rows():
    a, b = build(seed=1), build(seed=2)
    assert not np.array_equal(a.columns["visits"]["visit_date"], b.columns["visits"]["visit_date"])
    # ... but the same programme: the cohort sizes are fixed by the spec.
    for t in (a, b):
        c = t.columns["children"]
        at_start = c["listed_on"] == np.datetime64("2021-01-13")
        assert (at_start & (c["cohort"] == "repeat_report")).sum() == 658


def test_build_is_deterministic_for_a_seed():
    a, b = build(seed=7, scale=0.2), build(seed=7, scale=0.2)
    for name, cols in a.columns.items():
        for col, values in cols.items():
            # As text, so that NaT equals NaT and None equals None.
            assert np.array_equal(values.astype(str), b.columns[name][col].astype(str)), (name, col)


def test_refuses_a_database_that_holds_data(generated):
    with pytest.raises(NotEmptyError, match="already holds rows"):
        generate(generated, seed=2)


@pytest.mark.parametrize("today", [dt.date(2021, 2, 15), dt.date(2021, 1, 5)])
def test_an_earlier_today_cuts_everything_after_it(today):
    t = build(seed=3, scale=0.3, today=today)
    for name, cols in t.columns.items():
        for col, values in cols.items():
            if np.issubdtype(values.dtype, np.datetime64) and name != "programme":
                assert not (values[~np.isnat(values)] > np.datetime64(today)).any(), (name, col)
    children = set(t.columns["children"]["child_id"])
    assert set(t.columns["visits"]["child_id"]) <= children
    assert set(t.columns["referrals"]["child_id"]) <= children
    assert {c for c in t.columns["reports"]["child_id"] if c is not None} <= children
    staff = set(t.columns["staff"]["staff_id"])
    assert set(t.columns["visits"]["staff_id"]) <= staff


def test_scale_multiplies_children_not_districts():
    t = build(seed=1, scale=2.0)
    c = t.columns["children"]
    at_start = c["listed_on"] == np.datetime64("2021-01-13")
    assert (at_start & (c["cohort"] == "neglect_risk")).sum() == 2 * 34_607
    assert len(t.columns["districts"]["district_code"]) == 25
    assert len(t.columns["agencies"]["agency_id"]) == 7


# --- The demo database --------------------------------------------------------------------------

def test_demo_database_is_created_then_left_alone(db_url):
    assert ensure_demo_database(db_url) is True
    engine = make_engine(db_url)
    try:
        children = scalar(engine, "select count(*) from children")
        assert children > 35_000
        assert ensure_demo_database(db_url) is False
        assert scalar(engine, "select count(*) from children") == children
    finally:
        engine.dispose()


def test_demo_database_on_a_new_sqlite_file(tmp_path):
    path = tmp_path / "sub" / "cases.db"
    url = f"sqlite:///{path}"
    assert ensure_demo_database(url) is True
    assert path.exists()
    assert sorted(p.name for p in path.parent.iterdir()) == ["cases.db"]   # no temp left behind
    # readers never wait for a load: the renamed file is back in WAL mode
    assert scalar(make_engine(url), "pragma journal_mode") == "wal"
    assert ensure_demo_database(url) is False


# Each caller is a fresh interpreter, as two dashboard processes would be. Not multiprocessing's
# spawn: it re-runs the parent's __main__ in the child, and after an AppTest in this pytest
# process that is a page script, which made the child die before it called anything (seen in CI).
_ENSURE = "import sys; from data.demo import ensure_demo_database; print(ensure_demo_database(sys.argv[1]))"


@pytest.mark.slow
def test_demo_database_two_processes_at_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    root = Path(__file__).resolve().parents[1]
    procs = [subprocess.Popen([sys.executable, "-c", _ENSURE, url], cwd=root, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    outcomes = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err[-2000:] for _, err in outcomes]
    assert sorted(out.strip() for out, _ in outcomes) == ["False", "True"]
    engine = make_engine(url)
    try:
        assert scalar(engine, "select count(*) from programme") == 1
    finally:
        engine.dispose()


def test_demo_does_not_touch_a_database_with_a_programme(tmp_path):
    url = f"sqlite:///{tmp_path / 'real.db'}"
    engine = make_engine(url)
    create_schema(engine)
    with engine.begin() as conn:
        conn.execute(text("""insert into programme (programme_key, start_date, deadline,
                             reports_per_official) values (1, :s, :t, 50)"""),
                     {"s": dt.date(2022, 1, 1), "t": dt.date(2022, 6, 30)})
    assert ensure_demo_database(url) is False
    assert scalar(engine, "select count(*) from children") == 0
    engine.dispose()


# --- Round trip through the extract format ------------------------------------------------------

def test_generated_data_is_a_valid_extract(engine, tmp_path):
    """generate -> export -> load into an empty database -> export gives identical files.

    The loader checks every rule of extract-format.md, so a clean load proves the generated
    rows valid, oddities included.
    """
    from data.export import export_extract
    from data.load import load_extract

    counts = generate(engine, seed=5, scale=0.2, today=TODAY)
    first, second = tmp_path / "first", tmp_path / "second"
    export_extract(engine, first)
    target = make_engine(f"sqlite:///{tmp_path / 'loaded.db'}")
    try:
        create_schema(target)
        loaded = load_extract(target, first)
        assert loaded == {f"{name}.csv": n for name, n in counts.items()}
        export_extract(target, second)
    finally:
        target.dispose()
    files = sorted(p.name for p in first.iterdir())
    assert files == sorted(p.name for p in second.iterdir())
    assert "visits.csv" in files
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
