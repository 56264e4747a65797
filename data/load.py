"""Load an extract folder into the case database: all or nothing, every bad row reported.

How, and why this way:
- Two phases. First every file is read, checked and staged, writing nothing but temporary
  staging tables; then one short transaction switches: it writes the rows that are new or
  changed, rebuilds the derived tables, removes the synthetic mark and bumps the data version.
  Readers of the dashboard read the last committed state throughout (PostgreSQL's MVCC, SQLite's
  WAL mode), and on SQLite the write lock that a viewer's audit insert waits for is held only for
  the switch. A re-sent extract whose rows are mostly unchanged writes only the changes.
- One load at a time (data/lock.py): a second is refused at once, "another load is running".
- Files are read in EXTRACT_TABLES order (every reference points backwards), so when a file's
  references are checked its parents from the folder are already staged.
- Each row is parsed and checked on its own in Python while the file streams; good rows go, with
  their line number, into a temporary staging table (COPY on PostgreSQL, executemany on SQLite).
  Memory stays bounded by one batch plus the list of problems, whatever the extract's size.
  On PostgreSQL a plain file (no quotes; data/screen.py) is screened line by line instead, its
  good lines copied in as they are and its cross-column rules checked in SQL; every row the
  screen or the rules pick is still judged by the Python parser, which gives every message.
- Checks that need other rows (duplicate keys, references, a referral's visit being of the same
  child) are anti-joins between the staging tables and the real tables, so they give the line of
  every offending row, whether the other row came from the folder or was in the database.
- The switch upserts the staging table's good rows (insert ... on conflict do update): a re-sent
  key replaces its row and rows that reference it stay valid. Bad rows are left out so
  PostgreSQL's immediate foreign keys never fire. Into an empty PostgreSQL database the extract
  tables are built aside and swapped in with the derived ones (data/aside.py), their foreign keys
  and secondary indexes made once after the inserts (one join per key instead of a look-up per
  row): the first national load's cost.
- Only regular files are read: a directory, FIFO, device or broken symbolic link named like an
  extract file is an error naming it, never a file skipped in silence. Every file must end with a
  newline, so that a file cut short in its last value (50 cut to 5) is refused, not loaded.
"""
import codecs
import csv
import errno
import io
import itertools
import os
import stat
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import (
    Column, Index, Integer, MetaData, String, Table, Text, and_, bindparam, delete, exists, func,
    literal, or_, select, true,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable, DropTable

from data.dataset import mark_loaded
from data.extract import (
    BY_FILE, BY_TABLE, FORMATS, FileFormat, Reference, RowParser, echo, format_value,
)
from data.lock import load_lock
from data.schema import EXTRACT_TABLES
from data.aside import (
    analyze_sqlite, build_aside_sqlite, drop_aside_sqlite, finish_fresh_extract, rebuilt_aside,
    swap_in_sqlite,
)
from data.bulk import bulk_mode
from data.screen import LineScreen, plain_file
from data.status import refresh_child_status

BATCH = 10_000
DEFAULT_ENCODING = "utf-8"

Progress = Callable[[str], None]


class ExtractError(Exception):
    """The extract breaks the format; `problems` lists every `file:line: column: what is wrong`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the extract; nothing was loaded")


def load_extract(engine: Engine, folder, progress: Progress | None = None,
                 encoding: str = DEFAULT_ENCODING) -> dict[str, int]:
    """Load every extract file in `folder`; returns rows loaded per file, or raises ExtractError.

    Raises data.lock.LoadRunning when another load holds the database."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExtractError([f"{folder}: no such folder"])
    codecs.lookup(encoding)                  # LookupError for an unknown encoding, before anything
    not_files = _not_regular_files(folder)
    files = [f for f in FORMATS if (folder / f.file).exists() and f.file not in not_files]
    unknown = _unknown_files(folder)
    if not files and not unknown and not not_files:
        raise ExtractError([f"{folder}: no extract files (expected {', '.join(BY_FILE)})"])
    say = progress or (lambda _message: None)

    with load_lock(engine), engine.connect() as conn:
        run = _Load(conn, folder, say, encoding)
        for name in unknown:
            run.problem(name, 1, "file", f"not an extract file (expected one of {', '.join(BY_FILE)})")
        for name, why in not_files.items():
            run.problem(name, 1, "file", why)
        try:
            with conn.begin() as transaction:
                if run.postgres:
                    # The load's sorts and hashes (the checks' anti-joins, the derived tables'
                    # aggregates) over millions of rows: with the dashboard's 32 MB the largest
                    # sorted on disk (450 MB at scale 30); with this, it is hashed in memory.
                    conn.exec_driver_sql("set local work_mem = '128MB'")
                for fmt in files:
                    run.stage_file(fmt)
                run.check_kept_rows()
                if run.found:
                    transaction.rollback()
                elif run.postgres:
                    run.switch()              # one transaction from the first COPY to the end
                    transaction.commit()
            if not run.found and not run.postgres:
                # SQLite: the staging above wrote only temporary tables (no lock on the
                # database), and so does the preparation (the changes and the derived tables'
                # new rows, computed aside); the switch takes the write lock now, waiting for a
                # viewer's audit insert rather than failing, and holds it only while copying.
                run.prepare_sqlite()
                run.switch_sqlite()
                run.analyze_sqlite()
        finally:
            run.drop_staging()
    if run.found:
        raise ExtractError(run.problems)
    return run.counts


def _not_regular_files(folder: Path) -> dict[str, str]:
    """Extract file names in `folder` that are there but are not regular files, with why."""
    wrong = {}
    for fmt in FORMATS:
        path = folder / fmt.file
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(mode):
            try:
                mode = os.stat(path).st_mode
            except FileNotFoundError:
                wrong[fmt.file] = ("is a symbolic link to something that does not exist;"
                                   " nothing was read")
                continue
            except OSError as e:
                why = ("is a symbolic link loop" if e.errno == errno.ELOOP
                       else f"cannot be read ({e.strerror})")
                wrong[fmt.file] = f"{why}; nothing was read"
                continue
        if stat.S_ISREG(mode):
            continue
        kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
                else "a socket" if stat.S_ISSOCK(mode) else "not a file")
        wrong[fmt.file] = f"is {kind}, not a regular file; nothing was read"
    return wrong


def _unknown_files(folder: Path) -> list[str]:
    # A misspelt file name (visit.csv) would otherwise be skipped in silence and its rows lost,
    # so any unknown .csv file is an error. Other files (a README, checksums) are ignored.
    return [p.name for p in sorted(folder.iterdir())
            if p.suffix.lower() == ".csv" and p.name not in BY_FILE]


def _staging_table(fmt: FileFormat) -> Table:
    columns = [Column("line", Integer, primary_key=True, autoincrement=False)]
    # Text without a length limit: a too-long value (a six-digit district code) must reach the
    # reference check and be reported, not stop the COPY with a database error.
    columns += [Column(c.name, Text() if isinstance(fmt.table.c[c.name].type, String)
                       else fmt.table.c[c.name].type) for c in fmt.columns]
    return Table(f"load_{fmt.table.name}", MetaData(), *columns, prefixes=["TEMPORARY"])


class _Load:
    def __init__(self, conn: Connection, folder: Path, say: Progress, encoding: str):
        self.conn = conn
        self.folder = folder
        self.say = say
        self.encoding = encoding
        self.postgres = conn.dialect.name == "postgresql"
        self.found: list[tuple[str, int, str, str]] = []
        self.counts: dict[str, int] = {}
        self.staged: dict[str, Table] = {}       # table name -> its staging table
        self.unreadable: set[str] = set()        # tables whose file could not be read at all
        # Keys of rows left out (bad), by table, with their line, so that a row referring to one
        # says why instead of "no such child".
        self.rejected: dict[str, dict[str, int]] = {}
        self.changed = 0                         # rows written by the switch
        # SQLite: set by prepare_sqlite, before the write lock.
        self.prepared = False
        self.empty = False                       # the database had no extract rows
        self.aside = False                       # derived tables' new rows are in temp tables
        self.rewritten: list[Table] = []         # tables whose rows mostly change

    def problem(self, file: str, line: int, column: str, message: str) -> None:
        self.found.append((file, line, column, message))

    @property
    def problems(self) -> list[str]:
        """Every problem as `file:line: column: what`, in file order then line order."""
        order = {name: i for i, name in enumerate(BY_FILE)}
        found = sorted(self.found, key=lambda p: (order.get(p[0], -1), p[1]))
        return [f"{file}:{line}: {column}: {message}" for file, line, column, message in found]

    # --- one file ---

    def stage_file(self, fmt: FileFormat) -> None:
        stage = _staging_table(fmt)
        self.conn.execute(CreateTable(stage))
        self.staged[fmt.table.name] = stage
        rejected = self.rejected.setdefault(fmt.table.name, {})
        # programme.csv (no key, one row) is left to the parser: its rule is about row counts.
        plain = self.postgres and bool(fmt.key) and plain_file(self.folder / fmt.file,
                                                                 self.encoding)
        if plain:
            self._stage_plain(fmt, stage, rejected)
        elif self.postgres:
            self._copy(stage, self._read(fmt, rejected))
        else:
            rows = self._read(fmt, rejected)
            # The raw cursor skips SQLAlchemy's per-value processing (a third of the load time);
            # the statement is compiled from the staging table, values are bound by the driver.
            insert = str(stage.insert().compile(dialect=self.conn.dialect))
            cursor = self.conn.connection.dbapi_connection.cursor()
            while batch := list(itertools.islice(rows, BATCH)):
                cursor.executemany(insert, batch)
            cursor.close()
        if fmt.table.name in self.unreadable:
            return
        if fmt.key:
            # The later files' reference checks and the comparison with the database look rows
            # up by key here; without an index each look-up reads the whole staging table.
            Index(f"{stage.name}_key", *(stage.c[k] for k in fmt.key)).create(self.conn)
        if self.postgres:
            # Temporary tables are never analysed automatically; the checks below need estimates.
            from psycopg import sql
            cursor = self.conn.connection.dbapi_connection.cursor()
            cursor.execute(sql.SQL("analyze {}").format(sql.Identifier(stage.name)))
            cursor.close()
        self.say(f"{fmt.file}: checking")
        if plain:
            # Before the checks between rows: a row a rule rejects is not staged, as in _read.
            self._delete_lines(stage, self._check_rules(fmt, stage, rejected))
        bad_lines = self._check_duplicates(fmt, stage) | self._check_references(fmt, stage)
        self._delete_lines(stage, bad_lines)

    def _delete_lines(self, stage: Table, lines: set[int]) -> None:
        if lines:
            self.conn.execute(delete(stage).where(stage.c.line == bindparam("bad_line")),
                              [{"bad_line": n} for n in sorted(lines)])

    def _read(self, fmt: FileFormat, rejected: dict[str, int]) -> Iterator[tuple]:
        """Yield (line, *values) for each good row; record a problem for each bad one."""
        file = fmt.file
        lines = _decoded_lines(self.folder / file, self.encoding, self.problem)
        reader = csv.reader(lines)
        try:
            header = next(reader, None)
        except csv.Error as e:
            self.problem(file, 1, "row", f"not readable as CSV: {e}")
            self.unreadable.add(fmt.table.name)
            return
        if header is None:
            self.problem(file, 1, "row", "empty file; a header row is expected")
            self.unreadable.add(fmt.table.name)
            return
        if not self._header_ok(fmt, header):
            self.unreadable.add(fmt.table.name)
            return
        judge = self._judge(fmt, header, rejected)
        count = 0
        end = 1                       # line where the previous record ended
        while True:
            try:
                record = next(reader, None)
            except csv.Error as e:
                self.problem(file, end + 1, "row", f"not readable as CSV: {e}")
                self.unreadable.add(fmt.table.name)
                return
            if record is None:
                break
            line, end = end + 1, reader.line_num
            if not record:            # a blank line is not a row
                continue
            count += 1
            if count % BATCH == 0:
                self.say(f"{file}: {count:,} rows")
            staged = judge(record, line, count)
            if staged is not None:
                yield (line, *staged)
        self.counts[file] = count
        self.say(f"{file}: {count:,} rows read")

    def _judge(self, fmt: FileFormat, header: list[str], rejected: dict[str, int]):
        """A function of (record, line, count) giving the row's staged values, or None after
        recording every problem of the row."""
        file = fmt.file
        parse = RowParser(fmt, header)
        key_index = fmt.column_names.index(fmt.key[0]) if len(fmt.key) == 1 else None
        width = len(header)

        def judge(record: list[str], line: int, count: int) -> list | None:
            if len(record) != width:
                self.problem(file, line, "row", f"has {len(record)} fields, the header has {width}")
                return None
            staged, wrong = parse(record)
            if wrong:
                for column, message in wrong:
                    self.problem(file, line, column, message)
                if key_index is not None and staged[key_index] is not None:
                    rejected.setdefault(staged[key_index], line)
                return None
            if not fmt.key and count > 1:
                self.problem(file, line, "row", "programme.csv holds a single row")
                return None
            return staged
        return judge

    def _stage_plain(self, fmt: FileFormat, stage: Table, rejected: dict[str, int]) -> None:
        """PostgreSQL, a plain file (data/screen.py): the lines the screen passes are copied as
        they are (CSV, with their line number in front); the others are judged by RowParser, and
        those it finds good after all are written as CSV from its values."""
        from psycopg import sql
        file = fmt.file
        with open(self.folder / file, "rb") as f:
            first = f.readline()
            if first.startswith(codecs.BOM_UTF8):
                first = first[len(codecs.BOM_UTF8):]
            header = next(csv.reader([first.decode("utf-8")]), [])
            if not self._header_ok(fmt, header):
                self.unreadable.add(fmt.table.name)
                return
            screen = LineScreen(fmt, header)
            judge = self._judge(fmt, header, rejected)
            in_header_order = [fmt.column_names.index(name) for name in header]
            judged = io.StringIO()
            writer = csv.writer(judged, lineterminator="\n")
            statement = sql.SQL("copy {} ({}) from stdin (format csv)").format(
                sql.Identifier(stage.name),
                sql.SQL(", ").join(sql.Identifier(n) for n in ["line", *header]))
            cursor = self.conn.connection.dbapi_connection.cursor()
            count, line, batch = 0, 1, []
            with cursor.copy(statement) as copy:
                for raw in f:
                    line += 1
                    if raw == b"\n":           # a blank line is not a row
                        continue
                    count += 1
                    if screen(raw):
                        batch.append(b"%d,%s" % (line, raw))
                    else:
                        staged = judge(raw[:-1].decode("utf-8").split(","), line, count)
                        if staged is not None:
                            writer.writerow([line, *(staged[i] for i in in_header_order)])
                            batch.append(judged.getvalue().encode("utf-8"))
                            judged.seek(0)
                            judged.truncate()
                    if len(batch) >= BATCH:
                        copy.write(b"".join(batch))
                        batch.clear()
                        self.say(f"{file}: {count:,} rows")
                if batch:
                    copy.write(b"".join(batch))
            cursor.close()
        self.counts[file] = count
        self.say(f"{file}: {count:,} rows read")

    def _check_rules(self, fmt: FileFormat, stage: Table, rejected: dict[str, int]) -> set[int]:
        """The cross-column rules, in SQL on the staged rows of a plain file; each row a rule
        picks is judged by RowParser for its exact messages."""
        if not fmt.rules:
            return set()
        names = fmt.column_names
        query = (select(stage.c.line, *(stage.c[n] for n in names))
                 .where(or_(*(rule.flags(stage) for rule in fmt.rules)))
                 .order_by(stage.c.line))
        parse = RowParser(fmt, names)
        key_index = names.index(fmt.key[0]) if len(fmt.key) == 1 else None
        bad = set()
        for line, *values in self.conn.execute(query):
            staged, wrong = parse([format_value(v) for v in values])
            for column, message in wrong:
                self.problem(fmt.file, line, column, message)
            if wrong:
                bad.add(line)
                if key_index is not None:
                    key = staged[key_index]
                    rejected[key] = min(rejected.get(key, line), line)
        return bad

    def _header_ok(self, fmt: FileFormat, header: list[str]) -> bool:
        expected = fmt.column_names
        wrong = []
        for name in expected:
            if name not in header:
                wrong.append((name, "missing column"))
        seen = set()
        for name in header:
            if name in seen:
                wrong.append((name, "column appears twice"))
            elif name not in expected:
                wrong.append((name, "unexpected column"))
            seen.add(name)
        for column, message in wrong:
            self.problem(fmt.file, 1, column or "(empty)", message)
        return not wrong

    def _copy(self, stage: Table, rows: Iterator[tuple]) -> None:
        from psycopg import sql
        statement = sql.SQL("copy {} ({}) from stdin").format(
            sql.Identifier(stage.name),
            sql.SQL(", ").join(sql.Identifier(c.name) for c in stage.columns))
        cursor = self.conn.connection.dbapi_connection.cursor()
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    # --- checks that need other rows ---

    def _check_duplicates(self, fmt: FileFormat, stage: Table) -> set[int]:
        if not fmt.key:
            return set()
        keys = [stage.c[k] for k in fmt.key]
        first = (select(*keys, func.min(stage.c.line).label("first_line"))
                 .group_by(*keys).having(func.count() > 1).subquery())
        query = (select(stage.c.line, first.c.first_line, *keys)
                 .join_from(stage, first, and_(*(stage.c[k] == first.c[k] for k in fmt.key)))
                 .where(stage.c.line > first.c.first_line)
                 .order_by(stage.c.line))
        bad = set()
        for line, first_line, *key in self.conn.execute(query):
            shown = ",".join(str(k) for k in key)
            self.problem(fmt.file, line, ",".join(fmt.key),
                         f"{shown} appears twice in {fmt.file} (first on line {first_line})")
            bad.add(line)
        return bad

    def _check_references(self, fmt: FileFormat, stage: Table) -> set[int]:
        bad = set()
        # Rows left out here are remembered by key, for the files that refer to them.
        own_key = [stage.c[k] for k in fmt.key]
        rejected = self.rejected[fmt.table.name]
        for ref in fmt.references:
            if ref.table.name in self.unreadable:
                continue            # its file is reported already; every row would fail here
            parent_key = _key_column(ref)
            value = stage.c[ref.column]
            missing_here = [~exists().where(parent_key == value)]
            parent_stage = self.staged.get(ref.table.name)
            if parent_stage is not None:      # the folder's good rows, not written yet
                missing_here.append(~exists().where(parent_stage.c[parent_key.name] == value))
            query = (select(stage.c.line, value, *own_key)
                     .where(value.is_not(None), *missing_here)
                     .order_by(stage.c.line))
            for line, missing, *key in self.conn.execute(query):
                parent = BY_TABLE[ref.table.name].file
                rejected_on = self.rejected.get(ref.table.name, {}).get(missing)
                if rejected_on is not None:
                    message = f"{ref.noun} {echo(missing)} is not loaded ({parent}:{rejected_on} is wrong)"
                else:
                    message = f"no {ref.noun} {echo(missing)} in {parent} or the database"
                self.problem(fmt.file, line, ref.column, message)
                bad.add(line)
                if len(key) == 1:
                    rejected.setdefault(key[0], line)
            bad |= self._check_same(fmt, stage, ref, own_key, rejected)
        return bad

    def _check_same(self, fmt: FileFormat, stage: Table, ref: Reference, own_key: list,
                    rejected: dict) -> set[int]:
        """A referral's visit must be a visit of the referral's own child."""
        bad = set()
        parent_stage = self.staged.get(ref.table.name)
        key_name = _key_column(ref).name
        for column in ref.same:
            # The parent as it will be: its staged row if the folder has one, else the database's.
            queries = []
            if parent_stage is not None:
                queries.append(
                    select(stage.c.line, stage.c[ref.column], stage.c[column],
                           parent_stage.c[column], *own_key)
                    .join_from(stage, parent_stage, parent_stage.c[key_name] == stage.c[ref.column])
                    .where(parent_stage.c[column] != stage.c[column]))
            parent = ref.table
            query = (select(stage.c.line, stage.c[ref.column], stage.c[column],
                            parent.c[column], *own_key)
                     .join_from(stage, parent, parent.c[key_name] == stage.c[ref.column])
                     .where(parent.c[column] != stage.c[column]))
            if parent_stage is not None:
                query = query.where(~exists().where(parent_stage.c[key_name] == stage.c[ref.column]))
            queries.append(query)
            found = [row for q in queries for row in self.conn.execute(q)]
            for line, value, ours, theirs, *key in sorted(found, key=lambda r: r[0]):
                if len(key) == 1:
                    rejected.setdefault(key[0], line)
                self.problem(fmt.file, line, ref.column,
                             f"{ref.noun} {echo(value)} is of {column} {echo(theirs)},"
                             f" not {echo(ours)}")
                bad.add(line)
        return bad

    def check_kept_rows(self) -> None:
        """A re-sent parent row must not contradict rows already in the database that point at it
        (a visit re-sent for another child while a referral names it for the first child)."""
        for fmt in FORMATS:
            for ref in fmt.references:
                stage = self.staged.get(ref.table.name)
                if not ref.same or stage is None or ref.table.name in self.unreadable:
                    continue
                child = fmt.table
                child_stage = self.staged.get(child.name)
                for column in ref.same:
                    query = (select(stage.c.line, child.c[fmt.key[0]], child.c[column])
                             .join_from(stage, child, child.c[ref.column] == stage.c[_key_column(ref).name])
                             .where(child.c[column] != stage.c[column]))
                    if child_stage is not None:
                        # Rows of the folder were checked against the new parent already.
                        query = query.where(~exists().where(
                            child_stage.c[fmt.key[0]] == child.c[fmt.key[0]]))
                    parent_file = BY_TABLE[ref.table.name].file
                    for line, key, theirs in self.conn.execute(query.order_by(stage.c.line)):
                        self.problem(parent_file, line, column,
                                     f"{fmt.key[0]} {echo(key)} in the database names this"
                                     f" {ref.noun} for {column} {echo(theirs)}")

    # --- writing ---

    def drop_unchanged(self) -> None:
        """Leave in staging only the rows that are new or differ from the database's, so that a
        re-sent extract writes (and holds the write lock for) its changes alone."""
        for name, stage in self.staged.items():
            if name in self.unreadable:
                continue
            fmt = BY_TABLE[name]
            table = fmt.table
            # Keys by equality (never null; the primary key's index finds the row), the other
            # columns null-safe.
            same = [table.c[n] == stage.c[n] if n in fmt.key
                    else table.c[n].is_not_distinct_from(stage.c[n]) for n in fmt.column_names]
            self.conn.execute(delete(stage).where(exists().where(*same)))

    def _database_empty(self) -> bool:
        return not any(self.conn.execute(select(literal(1)).select_from(t).limit(1)).first()
                       for t in EXTRACT_TABLES)

    def prepare_sqlite(self) -> None:
        """SQLite, before the write lock: keep in staging only the changes, and compute the
        derived tables' new rows into temporary tables (data/aside.py). Writes nothing but this
        connection's temporary tables, so viewers' audit inserts never wait for it."""
        with self.conn.begin():
            self.empty = self._database_empty()
            if not self.empty:
                self.drop_unchanged()
            pending = self.empty or any(
                self.conn.execute(select(literal(1)).select_from(stage).limit(1)).first()
                for name, stage in self.staged.items() if name not in self.unreadable)
            if not self.empty:
                self.rewritten = self._mostly_changed()
            if pending:
                self.say("refreshing child_status")
                build_aside_sqlite(self.conn, self._apply_staged)
                self.aside = True
        self.prepared = True

    def _mostly_changed(self) -> list[Table]:
        # Rewriting at least half of a table's rows is faster with its secondary indexes built
        # once afterwards (0.3 against 0.5 s for 57,000 of 42,000 + 15,000 visits at scale 1);
        # a few corrections are faster through the indexes.
        count = lambda t: self.conn.execute(select(func.count()).select_from(t)).scalar()
        return [t for t in EXTRACT_TABLES if t.name in self.staged and t.indexes
                and t.name not in self.unreadable
                and 2 * count(self.staged[t.name]) >= count(t) > 0]

    def _apply_staged(self, copies: dict[str, Table]) -> None:
        # The switch's own upsert, into the temporary copies: the same rows in the same way.
        for fmt in FORMATS:
            stage = self.staged.get(fmt.table.name)
            if fmt.table.name in copies and stage is not None \
                    and fmt.table.name not in self.unreadable:
                self._upsert(fmt, stage, plain=False, into=copies[fmt.table.name])

    def switch(self) -> None:
        """Write the staged rows, rebuild the derived tables, mark the load: in the caller's
        transaction (PostgreSQL) or in one started here (SQLite, see switch_sqlite)."""
        if self.prepared:
            # SQLite: changes kept and derived rows computed before the lock.
            if self.empty:
                with bulk_mode(self.conn, EXTRACT_TABLES, self.postgres):
                    self._write_staged(plain=True)
            else:
                with bulk_mode(self.conn, self.rewritten, self.postgres):
                    self._write_staged(plain=False)
            if self.aside:
                swap_in_sqlite(self.conn)
            mark_loaded(self.conn)
            return
        if self._database_empty():
            # The first load: nothing to compare with. The extract tables are built aside with
            # the derived ones, their indexes and foreign keys made once over all rows, and all
            # swapped in at the end (data/aside.py): readers never wait for the load.
            with rebuilt_aside(self.conn, fresh_extract=True):
                self._write_staged(plain=True)
                finish_fresh_extract(self.conn)
                self.say("refreshing child_status")
                refresh_child_status(self.conn)
            mark_loaded(self.conn)
            return
        self.drop_unchanged()
        self._write_staged(plain=False)
        if self.changed:
            # The derived per-child dates change with the rows, in this transaction; rebuilt
            # aside and swapped in (data/aside.py) so that readers do not wait for them.
            self.say("refreshing child_status")
            if self.postgres:
                for table in ("children", "visits", "referrals"):
                    self.conn.exec_driver_sql(f"analyze {table}")   # fixed names
            with rebuilt_aside(self.conn):
                refresh_child_status(self.conn)
        # Even a load that changed nothing was a load: the database is real from now on.
        mark_loaded(self.conn)

    def switch_sqlite(self) -> None:
        # pysqlite begins a transaction before the first write; IMMEDIATE takes the write lock
        # there (waiting up to the busy timeout for a viewer's audit insert) instead of failing
        # when a reader's snapshot is older than the last commit.
        raw = self.conn.connection.dbapi_connection
        raw.isolation_level = "IMMEDIATE"
        try:
            with self.conn.begin():
                self.switch()
        finally:
            raw.isolation_level = ""

    def _write_staged(self, plain: bool) -> None:
        self.changed = 0
        for fmt in FORMATS:
            stage = self.staged.get(fmt.table.name)
            if stage is None or fmt.table.name in self.unreadable:
                continue
            self.say(f"{fmt.file}: writing")
            self.changed += self._upsert(fmt, stage, plain)

    def _upsert(self, fmt: FileFormat, stage: Table, plain: bool,
                into: Table | None = None) -> int:
        if self.postgres:
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        names = fmt.column_names
        source = [stage.c[n] for n in names]
        key = list(fmt.key)
        if not key:           # programme.csv: the single row, programme_key = 1
            names = ["programme_key", *names]
            source = [literal(1).label("programme_key"), *source]
            key = ["programme_key"]
        # "where true" keeps SQLite from reading "on conflict" as part of a join.
        statement = insert(fmt.table if into is None else into).from_select(names, select(*source).where(true()))
        if not plain:
            statement = statement.on_conflict_do_update(
                index_elements=key,
                set_={n: statement.excluded[n] for n in names if n not in key})
        return self.conn.execute(statement).rowcount or 0

    def analyze_sqlite(self) -> None:
        # After the commit: statistics steer plans, never figures, and analysing every table
        # inside the switch held the write lock for half a second at scale 1.
        if self.aside:
            analyze_sqlite(self.conn)

    def drop_staging(self) -> None:
        # On PostgreSQL a rollback dropped them already; on SQLite a create may have run outside
        # the transaction. The connection goes back to the pool, so leave nothing behind.
        try:
            for stage in self.staged.values():
                self.conn.execute(DropTable(stage, if_exists=True))
            if not self.postgres:
                drop_aside_sqlite(self.conn)
            self.conn.commit()
        except Exception:
            self.conn.rollback()
            raise


def _key_column(ref: Reference):
    (key,) = ref.table.primary_key.columns
    return key


def _decoded_lines(path: Path, encoding: str, problem) -> Iterator[str]:
    """The file's lines as text, BOM removed. Lines that do not decode are reported once for
    the file (with the likely cause), and a last line without a newline is reported."""
    file = path.name
    undecodable: list[int] = []
    last: tuple[int, bytes] | None = None
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            last = (number, raw)
            try:
                yield raw.decode(encoding)
            except UnicodeDecodeError:
                undecodable.append(number)
                yield raw.decode(encoding, "replace")
    if undecodable:
        problem(file, undecodable[0], "file", _encoding_message(encoding, len(undecodable)))
    if last is not None and not last[1].endswith(b"\n"):
        problem(file, last[0], "row", "the last line does not end with a newline: the file may"
                " have been cut short (if it is complete, add a newline at its end)")


def _encoding_message(encoding: str, lines: int) -> str:
    where = "this line" if lines == 1 else f"{lines:,} lines, the first is this one"
    if codecs.lookup(encoding).name == "utf-8":
        return (f"not valid UTF-8 ({where}); a CSV file saved by Excel on Korean Windows is"
                " CP949: load it with --encoding cp949, or save it from Excel as"
                " 'CSV UTF-8 (comma delimited)'")
    return f"not valid {encoding} ({where}); is the --encoding right?"
