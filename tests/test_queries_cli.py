"""`python -m queries` on a fixture SQLite file: the CSV format and the errors.

The format and the main errors go through a real subprocess; the other error cases call the same
`main(argv)` in-process, because each subprocess pays pandas' import (seconds on a busy machine).
"""
import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from data.db import create_schema, make_engine
from tests import query_fixtures

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db_url(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "cases.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    create_schema(engine)
    query_fixtures.load(engine)
    engine.dispose()
    return url


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "queries", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=60)


def rows(stdout):
    return list(csv.reader(io.StringIO(stdout)))


def test_list_names_every_query():
    r = cli("--list")
    assert r.returncode == 0
    names = r.stdout.split()
    for name in ("district_progress", "city_progress_daily", "referral_outcomes", "staffing",
                 "daily_changes", "attention_list"):
        assert name in names


def test_district_progress_csv_format(db_url):
    r = cli("district_progress", "--db", db_url, "--as-of", "2021-03-01")
    assert r.returncode == 0, r.stderr
    table = rows(r.stdout)
    assert table[0] == ("district_code,cohort,listed,seen,attempted_not_seen,not_attempted,"
                        "completion_rate,plan_rate,pace_7d,required_pace,projected_completion,"
                        "two_person_rate,unreachable").split(",")
    by_key = {(row[0], row[1]): row for row in table[1:]}
    assert len(by_key) == 6
    # Rates as decimals with full precision; dates as YYYY-MM-DD; nulls empty.
    assert by_key[("11110", "repeat_report")] == [
        "11110", "repeat_report", "8", "5", "2", "1", "0.625", "0.6153846153846154",
        "0.42857142857142855", "0.1", "2021-03-08", "0.42857142857142855", "1"]
    assert by_key[("11170", "neglect_risk")] == [
        "11170", "neglect_risk", "0", "0", "0", "0", "", "0.6153846153846154", "0.0", "0.0", "",
        "", "0"]


def test_default_as_of_and_filters(db_url):
    # Default as-of is 2021-03-02, the latest visit, referral or report date.
    r = cli("attention_list", "--db", db_url, "--district", "11140", "--cohort", "neglect_risk")
    assert r.returncode == 0, r.stderr
    assert rows(r.stdout) == [["child_id", "district_code", "cohort", "reason", "since"]]
    r = cli("attention_list", "--db", db_url, "--as-of", "2021-03-01", "--district", "11140")
    assert rows(r.stdout)[1:] == [["N103", "11140", "neglect_risk", "high_risk_no_referral",
                                   "2021-01-15"]]


def in_process(capsys, *args):
    from queries.cli import main
    code = main(list(args))
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(args, code, out, err)


def test_db_defaults_to_the_setting(db_url, capsys, monkeypatch):
    monkeypatch.setenv("CASES_DB_URL", db_url)
    r = in_process(capsys, "programme")
    assert r.returncode == 0, r.stderr
    assert rows(r.stdout) == [["start_date", "deadline", "reports_per_official"],
                              ["2021-01-13", "2021-03-31", "50"]]


def test_small_rates_print_without_exponent():
    from queries.cli import format_value
    assert format_value(1e-05) == "0.00001"
    assert format_value(1 / 3) == "0.3333333333333333"
    assert format_value(float("nan")) == ""


@pytest.mark.parametrize("args, message", [
    (["nope"], "unknown query 'nope'"),
    (["staffing", "--as-of", "2021-02-30"], "not a date"),
    (["staffing", "--district", "99999"], "unknown district code '99999'"),
])
def test_bad_input_is_one_line_and_exit_2(db_url, args, message):
    r = cli(*args, "--db", db_url)
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1
    assert message in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args, message", [
    (["staffing", "--as-of", "20210301"], "not a date"),
    (["staffing", "--as-of", "2021-3-1"], "not a date"),
    (["staffing", "--cohort", "everyone"], "unknown cohort"),
    (["staffing", "--bogus"], "unrecognized arguments"),
    ([], "give a query name"),
    (["bench", "--runs", "0"], "--runs must be at least 1"),
])
def test_more_bad_input_in_process(db_url, capsys, args, message):
    r = in_process(capsys, *args, "--db", db_url)
    assert r.returncode == 2
    assert r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_database_file_is_one_line_and_exit_2():
    r = cli("staffing", "--db", "sqlite:////nonexistent/dir/cases.db")
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:1/nothing",
    "nosuchdriver://x",
    "not a url",
])
def test_unreachable_database_is_one_line_and_exit_2(capsys, url):
    r = in_process(capsys, "staffing", "--db", url)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1
    assert r.stderr.startswith("error: ")


def test_bench_prints_a_table(db_url, capsys):
    r = in_process(capsys, "bench", "--db", db_url, "--runs", "1", "districts", "staffing")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "median ms" in lines[1]
    assert [line.split()[0] for line in lines[2:-1]] == ["districts", "staffing"]
    assert "load average" in lines[0] and lines[-1].startswith("load average")
