"""Issue 12's fault suite (not timed): what an operator's mistakes and outages do, on SQLite and
PostgreSQL where it applies. Each test asserts what the user sees (the command's one line and
exit status) and that the database is as before (an export before equals an export after).

The shared duties are here too: every load, generate and refresh bumps `data_version`, and any
load removes the `synthetic` mark in its own transaction (issue 13 item 1).
"""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from data.dataset import data_version
from data.db import make_engine
from data.export import export_extract
from data.generate import generate
from data.load import ExtractError, load_extract
from data.schema import dataset_info
from tests.extract_fixtures import VALID, read_folder, row_counts, with_file, write_extract

REPO = Path(__file__).resolve().parent.parent
CHILD_IDS = ("C1", "C2")          # the fixture's children: never in a message


def run_cli(*args: str, env_extra: dict | None = None, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    env.pop("CASES_DB_URL", None)
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=180, **kw)


def info(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(dataset_info.c.key, dataset_info.c.value)).all())


def snapshot(engine, folder: Path) -> dict[str, bytes]:
    export_extract(engine, folder)
    return read_folder(folder)


def one_line(done: subprocess.CompletedProcess) -> str:
    """The command's stderr, asserted to be one line with no traceback and no child's id."""
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith("usage:")
             and not line.startswith(" ")]
    assert len(lines) == 1, done.stderr
    for child in CHILD_IDS:
        assert f"'{child}'" not in done.stderr and f",{child}," not in done.stderr
    return lines[0]


# --- data_version and the synthetic mark (shared duties) ---

def test_generate_load_refresh_bump_the_version_and_a_load_makes_the_database_real(
        engine, db_url, tmp_path):
    assert data_version(engine) == 0
    generate(engine, seed=2, scale=0.01)
    assert data_version(engine) == 1 and info(engine)["synthetic"] == "true"
    before = snapshot(engine, tmp_path / "before")
    # A failed load changes neither the version nor the mark.
    broken = with_file(VALID, "programme.csv", "start_date,deadline,reports_per_official\n"
                       "2021-03-01,2021-04-30,0\n")
    with pytest.raises(ExtractError):
        load_extract(engine, write_extract(tmp_path / "bad", broken))
    assert data_version(engine) == 1 and info(engine)["synthetic"] == "true"
    # Even the generator's own export, loaded back unchanged, makes the database real.
    load_extract(engine, tmp_path / "before")
    assert data_version(engine) == 2 and "synthetic" not in info(engine)
    assert snapshot(engine, tmp_path / "after") == before
    done = run_cli("data", "refresh", "--db", db_url)
    assert done.returncode == 0, done.stderr
    assert data_version(engine) == 3 and "synthetic" not in info(engine)


def test_a_load_into_an_empty_database_starts_the_version_and_is_not_synthetic(engine, tmp_path):
    load_extract(engine, write_extract(tmp_path / "x", VALID))
    assert data_version(engine) == 1 and "synthetic" not in info(engine)
    load_extract(engine, write_extract(tmp_path / "x", VALID))      # the same folder again
    assert data_version(engine) == 2
