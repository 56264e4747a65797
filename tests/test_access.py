"""Who may see what: access.policy per role, the role map file, and the policy on real query results."""
import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

import queries
from access import policy, rolemap
from access.suppression import marker
from access.viewer import Viewer
from data.generate import generate

CITY = Viewer("city@example.org", "city")
TEAM = Viewer("team@example.org", "response_team")
OWN = "11110"
HEAD = Viewer("head@example.org", "district", OWN)


def progress_table():
    """district_progress for three districts and one cohort, as the query returns it."""
    rows = [
        # district, listed, seen, attempted_not_seen, not_attempted, pace_7d, unreachable
        (OWN, 9, 4, 3, 2, 2 / 7, 1),           # own district: small everywhere, shown raw
        ("11140", 80, 6, 40, 34, 12 / 7, 20),  # seen 6 is small
        ("11170", 90, 50, 25, 15, 15 / 7, 11),
        ("11200", 95, 55, 25, 15, 14 / 7, 12),
    ]
    df = pd.DataFrame(rows, columns=["district_code", "listed", "seen", "attempted_not_seen",
                                     "not_attempted", "pace_7d", "unreachable"])
    df.insert(1, "cohort", "repeat_report")
    df["completion_rate"] = df.seen / df.listed
    df["plan_rate"] = 0.5
    df["required_pace"] = (df.listed - df.seen) / 30
    df["projected_completion"] = dt.date(2021, 5, 1)
    df["two_person_rate"] = 0.8
    return df[queries.columns("district_progress")]


# --- policy per role --------------------------------------------------------------------------

def test_district_viewer_sees_own_district_raw_and_others_suppressed():
    df = progress_table()
    out = policy.apply("district_progress", df, HEAD)
    own = out[out.district_code == OWN].iloc[0]
    assert (own.listed, own.seen, own.unreachable) == (9, 4, 1)
    assert own.completion_rate == pytest.approx(4 / 9)
    assert not any(own[c] for c in out.columns if c.endswith("_suppressed"))

    other = out[out.district_code == "11140"].iloc[0]
    assert other[marker("seen")] and math.isnan(other.seen)
    # Built on the masked count: masked too.
    for col in ("completion_rate", "required_pace", "projected_completion", "two_person_rate"):
        assert other[marker(col)] and pd.isna(other[col]), col
    assert other.plan_rate == 0.5  # the plan is the same for everyone, never masked
    # Nothing 1..10 published outside the own district.
    for col in ("listed", "seen", "attempted_not_seen", "not_attempted", "unreachable"):
        values = out.loc[out.district_code != OWN, col].dropna()
        assert not values.between(1, 10).any(), col


def test_pace_is_a_count_in_disguise():
    df = progress_table()
    df.loc[df.district_code == "11170", "pace_7d"] = 3 / 7   # three children in a week
    out = policy.apply("district_progress", df, HEAD).set_index("district_code")
    assert out.loc["11170", marker("pace_7d")] and math.isnan(out.loc["11170", "pace_7d"])
    assert out.loc[OWN, "pace_7d"] == pytest.approx(2 / 7)  # own district: raw


@pytest.mark.parametrize("viewer", [CITY, TEAM])
def test_city_and_response_team_get_figures_unchanged_with_markers(viewer):
    df = progress_table()
    out = policy.apply("district_progress", df, viewer)
    pd.testing.assert_frame_equal(out[df.columns], df)
    markers = [c for c in out.columns if c.endswith("_suppressed")]
    assert marker("seen") in markers and not out[markers].to_numpy().any()


def test_same_columns_for_every_role():
    df = progress_table()
    columns = {tuple(policy.apply("district_progress", df, v).columns) for v in (CITY, TEAM, HEAD)}
    assert len(columns) == 1


def attention(districts):
    return pd.DataFrame({
        "child_id": [f"C{i:06d}" for i in range(len(districts))],
        "district_code": districts,
        "cohort": "repeat_report",
        "reason": "unreachable",
        "since": dt.date(2021, 3, 1),
    })


def test_city_role_is_refused_child_level_rows():
    with pytest.raises(PermissionError):
        policy.apply("attention_list", attention([OWN]), CITY)
    with pytest.raises(PermissionError):
        policy.apply("data_quality_findings", attention([OWN]).rename(columns={"reason": "finding", "since": "date"}), CITY)


def test_district_viewer_child_rows_must_be_scoped_in_sql():
    df = attention([OWN, OWN])
    pd.testing.assert_frame_equal(policy.apply("attention_list", df, HEAD), df)
    with pytest.raises(policy.ScopeError, match="outside district 11110"):
        policy.apply("attention_list", attention([OWN, "11140"]), HEAD)


def test_response_team_sees_every_child_row():
    df = attention([OWN, "11140"])
    pd.testing.assert_frame_equal(policy.apply("attention_list", df, TEAM), df)


def test_unknown_query_and_unknown_column_fail_closed():
    with pytest.raises(ValueError, match="no access rules"):
        policy.apply("children_by_name", pd.DataFrame({"x": [1]}), TEAM)
    df = progress_table().assign(birth_year=2010)
    with pytest.raises(ValueError, match="birth_year"):
        policy.apply("district_progress", df, HEAD)


def test_city_daily_totals_pass_but_another_districts_series_is_refused():
    df = pd.DataFrame({"date": [dt.date(2021, 3, 1)], "cohort": ["neglect_risk"], "listed": [3],
                       "seen": [1], "completion_rate": [1 / 3], "plan_rate": [0.1]})
    out = policy.apply("city_progress_daily", df, HEAD)           # the city's totals
    assert out.listed.iloc[0] == 3
    out = policy.apply("city_progress_daily", df, HEAD, district_code=OWN)   # own district
    assert out.seen.iloc[0] == 1
    with pytest.raises(PermissionError, match="whole city"):
        policy.apply("city_progress_daily", df, HEAD, district_code="11140")
    assert policy.apply("city_progress_daily", df, TEAM, district_code="11140").seen.iloc[0] == 1


def test_absent_rows_are_zeros_that_can_hide_a_small_cell():
    """referral_outcomes lists only rows with referrals > 0. One district with 4 police referrals
    and the rest with none: without a masked zero beside it, the city total would reveal it."""
    df = pd.DataFrame([
        (OWN, "repeat_report", "police_investigation", "open", 12, 12),
        ("11140", "repeat_report", "police_investigation", "open", 4, 4),
        ("11170", "repeat_report", "protection_agency", "open", 30, 28),
        ("11200", "repeat_report", "protection_agency", "open", 40, 35),
    ], columns=queries.columns("referral_outcomes"))
    out = policy.apply("referral_outcomes", df, HEAD)
    police = out[(out.kind == "police_investigation") & (out.district_code != OWN)]
    assert police[marker("referrals")].sum() >= 2
    assert police.referrals.isna().all()
    assert out.loc[out.district_code == OWN, "referrals"].tolist() == [12]


def test_district_viewer_cannot_take_another_districts_scoped_aggregate():
    with pytest.raises(PermissionError):
        policy.apply("district_progress", progress_table(), HEAD, district_code="11140")


def test_every_query_has_rules_matching_its_columns():
    """A new query or column must be classified in access/policy.py before anyone sees it."""
    for name in queries.names():
        assert name in policy.RULES, f"query {name} has no access rules"
        rules = policy.RULES[name]
        missing = set(queries.columns(name)) - set(rules.columns)
        assert not missing, f"{name}: columns {missing} have no access rule"
        assert rules.child_level == (name in queries.CHILD_LEVEL), name


# --- the policy on real query results ---------------------------------------------------------

AGGREGATES = [n for n in queries.names() if policy.RULES[n].counts and not policy.RULES[n].child_level]


@pytest.fixture
def synthetic(engine):
    generate(engine, seed=5, scale=0.1, today=dt.date(2021, 3, 31))
    return engine


def test_no_small_cell_of_another_district_on_real_results(synthetic):
    as_of = queries.default_as_of(synthetic)
    for name in AGGREGATES:
        df = queries.run(name, synthetic, as_of=as_of)
        if "district_code" not in df.columns:
            continue
        out = policy.apply(name, df, HEAD)
        rules = policy.RULES[name]
        other = out.district_code != OWN
        for col in rules.counts:
            published = pd.to_numeric(out.loc[other & ~out[marker(col)], col], errors="coerce").dropna()
            assert not published.between(1, 10).any(), (name, col)
        # The own district's rows are exactly the query's.
        mine = df[df.district_code == OWN].reset_index(drop=True)
        got = out[out.district_code == OWN].reset_index(drop=True)[mine.columns]
        for col in rules.counts:
            assert np.allclose(pd.to_numeric(got[col]).to_numpy(float), pd.to_numeric(mine[col]).to_numpy(float),
                               equal_nan=True), (name, col)


# --- the role map file ------------------------------------------------------------------------

GOOD = """
[[viewer]]
email = "Head.11110@Example.org"
role = "district"
district = "11110"

[[viewer]]
sub = "opaque-subject-7"
role = "response_team"

[[viewer]]
email = "office@example.org"
role = "city"
note = "Deputy Mayor's office"
"""


def test_rolemap_lookup():
    roles = rolemap.parse(GOOD)
    assert roles.lookup(email="head.11110@example.org") == Viewer("head.11110@example.org", "district", "11110")
    assert roles.lookup(sub="opaque-subject-7").role == "response_team"
    assert roles.lookup(email="office@EXAMPLE.org").role == "city"
    assert roles.lookup(email="stranger@example.org", sub="x") is None


@pytest.mark.parametrize("text, message", [
    ('[[viewer]]\nemail = "a@b.org"\nrole = "district"\n', "five-digit"),
    ('[[viewer]]\nemail = "a@b.org"\nrole = "district"\ndistrict = "Gangnam"\n', "five-digit"),
    ('[[viewer]]\nemail = "a@b.org"\nrole = "city"\ndistrict = "11110"\n', "only role 'district'"),
    ('[[viewer]]\nemail = "a@b.org"\nrole = "admin"\n', "role must be one of"),
    ('[[viewer]]\nrole = "city"\n', "needs an email or a sub"),
    ('[[viewer]]\nemail = "a@b.org"\nrole = "city"\ndistrcit = "11110"\n', "unknown keys \\['distrcit'\\]"),
    ('[[viewer]]\nemail = "a@b.org"\nrole = "city"\n[[viewer]]\nemail = "A@b.org"\nrole = "response_team"\n',
     "already listed in entry 1"),
    ('[viewer]\nemail = "a@b.org"\n', "array of tables"),
    ('[[viewer]]\nemail = a@b.org\n', "not valid TOML"),
    ('[[viewers]]\nemail = "a@b.org"\n', "unknown top-level keys"),
    ('[[viewer]]\nemail = "a@b.org"\nrole = "district"\ndistrict = 11110\n', "quoted string"),
])
def test_rolemap_errors_are_clear(text, message):
    with pytest.raises(rolemap.RoleMapError, match=message) as info:
        rolemap.parse(text, source="roles.toml")
    assert str(info.value).startswith("roles.toml")


def test_rolemap_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("CASES_ROLE_MAP", raising=False)
    with pytest.raises(rolemap.RoleMapError, match="CASES_ROLE_MAP"):
        rolemap.load()
    path = tmp_path / "roles.toml"
    monkeypatch.setenv("CASES_ROLE_MAP", str(path))
    with pytest.raises(rolemap.RoleMapError, match="cannot read"):
        rolemap.load()
    path.write_text(GOOD, encoding="utf-8")
    assert len(rolemap.load().entries) == 3


@pytest.mark.parametrize("name", sorted(policy.RULES))
@pytest.mark.parametrize("viewer", [TEAM, HEAD], ids=["response_team", "district"])
def test_empty_results_pass_for_every_query(name, viewer):
    columns = [c for c in queries.columns(name)]
    df = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    out = policy.apply(name, df, viewer)
    assert out.empty
    assert [c for c in out.columns if not c.endswith("_suppressed")] == columns
    assert not [c for c in out.columns if c.startswith("_")]  # no working column leaks out


def test_exports_for_sharing_mask_every_districts_small_cells(synthetic):
    as_of = queries.default_as_of(synthetic)
    masked_somewhere = False
    for name in AGGREGATES:
        df = queries.run(name, synthetic, as_of=as_of)
        if "district_code" not in df.columns:
            with pytest.raises(PermissionError):
                policy.for_sharing(name, df)
            continue
        out = policy.for_sharing(name, df)
        for col in policy.RULES[name].counts:
            published = pd.to_numeric(out.loc[~out[marker(col)], col], errors="coerce").dropna()
            assert not published.between(1, 10).any(), (name, col)
            masked_somewhere |= bool(out[marker(col)].any())
    assert masked_somewhere, "a generated programme has small cells to mask"


def test_child_level_results_are_never_shared():
    with pytest.raises(PermissionError):
        policy.for_sharing("attention_list", pd.DataFrame(columns=policy.RULES["attention_list"].columns))
