"""The five alert rules on a hand-made fixture (tests/alert_fixtures.py), on SQLite and
PostgreSQL: for each rule the day before it fires, the day it is first raised, a day it stands
(days_open counting), and the day it clears. Then the CLI and the access policy."""
import datetime as dt

import pytest

from access import policy
from access.viewer import Viewer
from queries import alerts as al
from queries import cli
from tests import alert_fixtures


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.fixture
def db(engine):
    alert_fixtures.load(engine)
    return engine


def standing(engine, as_of, rule, district=None, child=None):
    """(first_raised, days_open) of the one alert of `rule` (for the district or child), or
    None when it does not stand on `as_of`."""
    df = al.alerts(engine, as_of=day(as_of))
    df = df[df["rule"] == rule]
    if district is not None:
        df = df[df["district_code"] == district]
    if child is not None:
        df = df[df["child_id"] == child]
    assert len(df) <= 1
    if df.empty:
        return None
    r = df.iloc[0]
    return r["first_raised"].date().isoformat(), int(r["days_open"])


# (rule, district, child, [(as_of, expected (first_raised, days_open) or None), ...])
CASES = [
    # H1 found at high risk on 10 Feb; the police referral on 15 Feb clears it.
    ("high_risk_no_referral", "11110", "H1", [
        ("2021-02-11", None), ("2021-02-12", ("2021-02-12", 1)), ("2021-02-14", ("2021-02-12", 3)),
        ("2021-02-15", None)]),
    # H2 is neglect-risk: never raised.
    ("high_risk_no_referral", "11110", "H2", [("2021-02-20", None)]),
    # U1: third failed visit 5 Feb, raised 7 days later; the visit of 15 Feb clears it and the
    # count starts again (raised 22 Feb).
    ("unreachable_no_visit", "11110", "U1", [
        ("2021-02-11", None), ("2021-02-12", ("2021-02-12", 1)), ("2021-02-14", ("2021-02-12", 3)),
        ("2021-02-15", None), ("2021-02-21", None), ("2021-02-22", ("2021-02-22", 1))]),
    # 11140's only visits are on Mon 1 Feb and Mon 8 Feb: no visit on Tue 2 and Wed 3 Feb.
    ("stale_data", "11140", None, [
        ("2021-02-02", None), ("2021-02-03", ("2021-02-03", 1)),
        ("2021-02-07", ("2021-02-03", 5)), ("2021-02-08", None)]),
    # S05's last day 10 Feb leaves 1 of 2; S06 from 20 Feb.
    ("officials_below_target", "11140", None, [
        ("2021-02-10", None), ("2021-02-11", ("2021-02-11", 1)),
        ("2021-02-19", ("2021-02-11", 9)), ("2021-02-20", None)]),
    # 11110 both cohorts: nobody first seen from 26 Jan to 7 Feb, so the 7-day pace is 0 from
    # 1 Feb (the window 26 Jan - 1 Feb) while children are left: below half on 1, 2, 3 Feb,
    # standing from the third; the 4 seen on 8 Feb clear it.
    ("pace_below_half", "11110", None, [
        ("2021-02-02", None), ("2021-02-03", ("2021-02-03", 1)),
        ("2021-02-07", ("2021-02-03", 5)), ("2021-02-08", None)]),
]


@pytest.mark.parametrize("rule, district, child, days", CASES,
                         ids=[f"{c[0]}-{c[2] or c[1]}" for c in CASES])
def test_rule_fires_stands_and_clears(db, rule, district, child, days):
    for as_of, expected in days:
        assert standing(db, as_of, rule, district, child) == expected, as_of


def test_pace_rule_not_checked_in_the_first_week_nor_from_the_deadline(db):
    # Nobody is seen in the first week: the pace is not judged before a full week (20 Jan);
    # standing from 22 Jan, the third day below.
    assert standing(db, "2021-01-21", "pace_below_half", "11110") is None
    assert standing(db, "2021-01-22", "pace_below_half", "11110") == ("2021-01-22", 1)
    # No pace is needed on or after the deadline.
    assert standing(db, "2021-03-31", "pace_below_half", "11110") is None


def test_complete_cohort_and_empty_district_raise_no_stale_data(db):
    # 11170 lists nobody: nothing to visit, never stale.
    df = al.alerts(db, as_of=day("2021-02-05"))
    assert not (df["district_code"] == "11170").any()


def test_columns_and_types(db):
    df = al.alerts(db, as_of=day("2021-02-12"))
    assert list(df.columns) == list(al.COLUMNS)
    assert df["days_open"].dtype == "int64"
    # District rules carry no child id; child rules always do.
    child = df["rule"].isin(al.CHILD_RULES)
    assert df.loc[child, "child_id"].notna().all()
    assert df.loc[~child, "child_id"].isna().all()


def test_data_after_the_day_does_not_change_it(engine):
    alert_fixtures.load(engine, {"visits": "V90,U1,2021-02-13,S03,,not_home,,\n"})
    # A visit on 13 Feb: as of 12 Feb the alert stands as before; as of 13 Feb it clears.
    assert standing(engine, "2021-02-12", "unreachable_no_visit", "11110", "U1") == (
        "2021-02-12", 1)
    assert standing(engine, "2021-02-13", "unreachable_no_visit", "11110", "U1") is None


def test_definitions_name_every_rule_with_its_threshold():
    defs = al.definitions()
    assert list(defs) == [r.name for r in al.RULES]
    for r in al.RULES:
        assert str(r.threshold) in defs[r.name] or r.threshold == 1, r.name


def test_cli_prints_the_contract(db, capsys):
    url = db.url.render_as_string(hide_password=False)
    assert cli.main(["alerts", "--db", url, "--as-of", "2021-02-12"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "rule,district_code,child_id,first_raised,days_open"
    assert "unreachable_no_visit,11110,U1,2021-02-12,1" in lines
    assert "officials_below_target,11140,,2021-02-11,2" in lines


def test_access_child_ids_only_for_who_may_see_them(db):
    df = al.alerts(db, as_of=day("2021-02-12"))
    team = policy.apply("alerts", df, Viewer("t", "response_team"))
    assert len(team) == len(df)
    city = policy.apply("alerts", df, Viewer("c", "city"))
    assert city["child_id"].isna().all()
    assert set(city["rule"]) == set(df.loc[df["child_id"].isna(), "rule"])
    head = policy.apply("alerts", df, Viewer("h", "district", "11140"))
    # The head of 11140 sees no child of 11110, and the district alerts of both.
    assert not ((head["district_code"] == "11110") & head["child_id"].notna()).any()
    assert ((head["district_code"] == "11110") & head["child_id"].isna()).any()
    own = policy.apply("alerts", df, Viewer("h", "district", "11110"))
    assert "U1" in set(own["child_id"].dropna())
    shared = policy.for_sharing("alerts", df)
    assert shared["child_id"].isna().all()
