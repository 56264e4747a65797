"""The exporter (round trip byte-identical, byte order of keys) and the `python -m data` command
line (exit codes and messages, run as a subprocess). Both databases."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from data.export import export_extract
from data.load import load_extract
from tests.extract_fixtures import VALID, read_folder, row_counts, with_file, write_extract

REPO = Path(__file__).resolve().parent.parent

# Keys whose order differs between byte order and a linguistic collation, and text that needs
# CSV quoting (comma, quote, line break) or is not ASCII.
AWKWARD = with_file(VALID, "agencies.csv", '''
    agency_id,name,operator,district_code
    -dash,"Agency, with comma",city,11110
    A1,Agency one,city,11110
    B_2,"Agency ""quoted""",private,11140
    _under,"Agency
    on two lines",private,11110
    a1,기관,city,11140
''')


def test_export_writes_the_spec_format(engine, tmp_path):
    load_extract(engine, write_extract(tmp_path / "x", VALID))
    export_extract(engine, tmp_path / "out")
    assert read_folder(tmp_path / "out") == {name: text.encode() for name, text in VALID.items()}


def test_round_trip_is_byte_identical_and_sorted_by_key_bytes(engine, tmp_path):
    from data.db import create_schema, make_engine
    load_extract(engine, write_extract(tmp_path / "x", AWKWARD))
    export_extract(engine, tmp_path / "first")
    first = read_folder(tmp_path / "first")
    assert first["agencies.csv"] == AWKWARD["agencies.csv"].encode()

    # Into another, empty database (SQLite file), then out again.
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    create_schema(other)
    load_extract(other, tmp_path / "first")
    export_extract(other, tmp_path / "second")
    other.dispose()
    assert read_folder(tmp_path / "second") == first


def test_export_of_an_empty_database_writes_headers_only(engine, tmp_path):
    counts = export_extract(engine, tmp_path / "out")
    assert counts == {name: 0 for name in VALID}
    assert read_folder(tmp_path / "out") == {
        name: (text.split("\n", 1)[0] + "\n").encode() for name, text in VALID.items()}


# --- command line ---

def run_cli(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    env.pop("CASES_DB_URL", None)
    return subprocess.run([sys.executable, "-m", "data", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_load_and_export(db_url, tmp_path):
    folder = write_extract(tmp_path / "x", VALID)
    done = run_cli("load", "--db", db_url, str(folder))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("loaded 15 rows from 9 file(s)")
    assert done.stderr == ""          # not a terminal, so no progress
    done = run_cli("export", "--db", db_url, str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert read_folder(tmp_path / "out") == read_folder(folder)


def test_cli_load_reports_every_problem_and_exits_1(db_url, tmp_path):
    files = with_file(VALID, "children.csv", """
        child_id,district_code,cohort,birth_year,listed_on,removed_on
        C1,11110,repeat_report,2015,2021-03-01,
        C2,11140,neglect_risk,1800,2021-03-01,2021-04-01
    """)
    files["reports.csv"] = files["reports.csv"] + "R3,11110,2021-03-02,fax,\n"
    done = run_cli("load", "--db", db_url, str(write_extract(tmp_path / "x", files)))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "children.csv:3: birth_year: must be between 1990 and 2030: 1800",
        "reports.csv:4: channel: not one of 112, school, medical, welfare, neighbour, family,"
        " other: 'fax'",
        "visits.csv:3: child_id: child 'C2' is not loaded (children.csv:3 is wrong)",
        "referrals.csv:3: child_id: child 'C2' is not loaded (children.csv:3 is wrong)",
        "load failed: 4 problem(s) in 4 file(s); nothing was written",
    ]
    assert "Traceback" not in done.stderr


def test_cli_missing_folder_is_one_line(tmp_path):
    done = run_cli("load", "--db", f"sqlite:///{tmp_path / 'a.db'}", str(tmp_path / "nowhere"))
    assert done.returncode == 1
    assert done.stderr == f"error: no such folder: {tmp_path / 'nowhere'}\n"


def test_cli_unreachable_database_is_one_line(tmp_path):
    folder = write_extract(tmp_path / "x", VALID)
    done = run_cli("load", "--db", "postgresql+psycopg://nobody:secret@127.0.0.1:9/none",
                   str(folder))
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("error: load failed: database"
                                  " postgresql+psycopg://nobody:***@127.0.0.1:9/none: ")
    assert done.stderr.endswith("; nothing was written\n")
    assert "secret" not in done.stderr
    done = run_cli("export", "--db", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}",
                   str(tmp_path / "out"))
    assert done.returncode == 1
    assert done.stderr == (f"error: no SQLite database file at {tmp_path / 'no' / 'such' / 'dir.db'};"
                           " no folder was written\n")
    assert not (tmp_path / "no").exists() and not (tmp_path / "out").exists()


def test_cli_creates_the_schema_and_shows_progress_when_asked(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    done = run_cli("load", "--db", url, "--progress", "--create",
                   str(write_extract(tmp_path / "x", VALID)))
    assert done.returncode == 0, done.stderr
    assert "children.csv: 2 rows read" in done.stderr
    from data.db import make_engine
    engine = make_engine(url)
    assert row_counts(engine)["children"] == 2
    engine.dispose()


def test_cli_db_defaults_to_cases_db_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'env.db'}"
    folder = write_extract(tmp_path / "x", {"districts.csv": VALID["districts.csv"]})
    env = {**os.environ, "CASES_DB_URL": url}
    done = subprocess.run([sys.executable, "-m", "data", "load", "--create", str(folder)],
                          cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "districts.csv: 2" in done.stdout
    assert (tmp_path / "env.db").exists()



@pytest.mark.slow
def test_cli_generate_then_refuses_a_filled_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'gen.db'}"
    done = run_cli("generate", "--db", url, "--scale", "0.02", "--seed", "3")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("generated synthetic data (seed 3, scale 0.02")
    done = run_cli("generate", "--db", url, "--scale", "0.02")
    assert done.returncode == 1
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: ")
    # What the generator wrote is a valid extract: export, load elsewhere, export again.
    assert run_cli("export", "--db", url, str(tmp_path / "a")).returncode == 0
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert run_cli("load", "--db", other, "--create", str(tmp_path / "a")).returncode == 0
    assert run_cli("export", "--db", other, str(tmp_path / "b")).returncode == 0
    assert read_folder(tmp_path / "b") == read_folder(tmp_path / "a")


def test_cli_bad_arguments_exit_2_with_usage(tmp_path):
    done = run_cli("generate", "--today", "2021-13-01")
    assert done.returncode == 2
    assert "not a date (YYYY-MM-DD): '2021-13-01'" in done.stderr
