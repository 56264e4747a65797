"""Load an extract folder into the case database: all or nothing, every bad row reported.

How, and why this way:
- One transaction. Files are read in EXTRACT_TABLES order (every reference points backwards), so
  when a file's references are checked its parents from the folder are already in the tables.
- Each row is parsed and checked on its own in Python while the file streams; good rows go, with
  their line number, into a temporary staging table (COPY on PostgreSQL, executemany on SQLite).
  Memory stays bounded by one batch plus the list of problems, whatever the extract's size.
- Checks that need other rows (duplicate keys, references, a referral's visit being of the same
  child) are anti-joins between the staging table and the real tables, so they give the line of
  every offending row, whether the other row came from the folder or was in the database.
- Then the staging table's good rows are upserted into the real table (insert ... on conflict do
  update): a re-sent key replaces its row and rows that reference it stay valid. Bad rows are left
  out so PostgreSQL's immediate foreign keys never fire; if anything was wrong the whole
  transaction is rolled back at the end, after every file has been checked.
"""
import codecs
import csv
import itertools
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import (
    Column, Integer, MetaData, String, Table, Text, and_, bindparam, delete, exists, func,
    literal, select, true,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.schema import CreateTable, DropTable

from data.extract import BY_FILE, BY_TABLE, FORMATS, FileFormat, Reference, RowParser, echo
from data.status import refresh_child_status

BATCH = 10_000

Progress = Callable[[str], None]


class ExtractError(Exception):
    """The extract breaks the format; `problems` lists every `file:line: column: what is wrong`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the extract; nothing was loaded")


def load_extract(engine: Engine, folder, progress: Progress | None = None) -> dict[str, int]:
    """Load every extract file in `folder`; returns rows loaded per file, or raises ExtractError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExtractError([f"{folder}: no such folder"])
    files = [f for f in FORMATS if (folder / f.file).is_file()]
    unknown = _unknown_files(folder)
    if not files and not unknown:
        raise ExtractError([f"{folder}: no extract files (expected {', '.join(BY_FILE)})"])
    say = progress or (lambda _message: None)

    with engine.connect() as conn:
        run = _Load(conn, folder, say)
        for name in unknown:
            run.problem(name, 1, "file", f"not an extract file (expected one of {', '.join(BY_FILE)})")
        try:
            with conn.begin() as transaction:
                for fmt in files:
                    run.load_file(fmt)
                run.check_kept_rows()
                if run.found:
                    transaction.rollback()
                else:
                    # The derived per-child dates change with the rows, in this transaction.
                    run.say("refreshing child_status")
                    refresh_child_status(conn)
        finally:
            run.drop_staging()
    if run.found:
        raise ExtractError(run.problems)
    return run.counts


def _unknown_files(folder: Path) -> list[str]:
    # A misspelt file name (visit.csv) would otherwise be skipped in silence and its rows lost,
    # so any unknown .csv file is an error. Other files (a README, checksums) are ignored.
    return [p.name for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix.lower() == ".csv" and p.name not in BY_FILE]


def _staging_table(fmt: FileFormat) -> Table:
    columns = [Column("line", Integer, primary_key=True, autoincrement=False)]
    # Text without a length limit: a too-long value (a six-digit district code) must reach the
    # reference check and be reported, not stop the COPY with a database error.
    columns += [Column(c.name, Text() if isinstance(fmt.table.c[c.name].type, String)
                       else fmt.table.c[c.name].type) for c in fmt.columns]
    return Table(f"load_{fmt.table.name}", MetaData(), *columns, prefixes=["TEMPORARY"])


class _Load:
    def __init__(self, conn: Connection, folder: Path, say: Progress):
        self.conn = conn
        self.folder = folder
        self.say = say
        self.postgres = conn.dialect.name == "postgresql"
        self.found: list[tuple[str, int, str, str]] = []
        self.counts: dict[str, int] = {}
        self.staged: dict[str, Table] = {}       # table name -> its staging table
        self.unreadable: set[str] = set()        # tables whose file could not be read at all
        # Keys of rows left out (bad), by table, with their line, so that a row referring to one
        # says why instead of "no such child".
        self.rejected: dict[str, dict[str, int]] = {}

    def problem(self, file: str, line: int, column: str, message: str) -> None:
        self.found.append((file, line, column, message))

    @property
    def problems(self) -> list[str]:
        """Every problem as `file:line: column: what`, in file order then line order."""
        order = {name: i for i, name in enumerate(BY_FILE)}
        found = sorted(self.found, key=lambda p: (order.get(p[0], -1), p[1]))
        return [f"{file}:{line}: {column}: {message}" for file, line, column, message in found]

    # --- one file ---

    def load_file(self, fmt: FileFormat) -> None:
        stage = _staging_table(fmt)
        self.conn.execute(CreateTable(stage))
        self.staged[fmt.table.name] = stage
        rejected = self.rejected.setdefault(fmt.table.name, {})
        rows = self._read(fmt, rejected)
        if self.postgres:
            self._copy(stage, rows)
        else:
            # The raw cursor skips SQLAlchemy's per-value processing (a third of the load time);
            # the statement is compiled from the staging table, values are bound by the driver.
            insert = str(stage.insert().compile(dialect=self.conn.dialect))
            cursor = self.conn.connection.dbapi_connection.cursor()
            while batch := list(itertools.islice(rows, BATCH)):
                cursor.executemany(insert, batch)
            cursor.close()
        if fmt.table.name in self.unreadable:
            return
        if self.postgres:
            # Temporary tables are never analysed automatically; the checks below need estimates.
            from psycopg import sql
            cursor = self.conn.connection.dbapi_connection.cursor()
            cursor.execute(sql.SQL("analyze {}").format(sql.Identifier(stage.name)))
            cursor.close()
        self.say(f"{fmt.file}: checking")
        bad_lines = self._check_duplicates(fmt, stage) | self._check_references(fmt, stage)
        if bad_lines:
            self.conn.execute(delete(stage).where(stage.c.line == bindparam("bad_line")),
                              [{"bad_line": n} for n in sorted(bad_lines)])
        self.say(f"{fmt.file}: writing")
        self._upsert(fmt, stage)

    def _read(self, fmt: FileFormat, rejected: dict[str, int]) -> Iterator[tuple]:
        """Yield (line, *values) for each good row; record a problem for each bad one."""
        file = fmt.file
        lines = _decoded_lines(self.folder / file, lambda n: self.problem(
            file, n, "row", "not valid UTF-8"))
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
        parse = RowParser(fmt, header)
        key_index = fmt.column_names.index(fmt.key[0]) if len(fmt.key) == 1 else None
        width = len(header)
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
            if len(record) != width:
                self.problem(file, line, "row", f"has {len(record)} fields, the header has {width}")
                continue
            staged, wrong = parse(record)
            if wrong:
                for column, message in wrong:
                    self.problem(file, line, column, message)
                if key_index is not None and staged[key_index] is not None:
                    rejected.setdefault(staged[key_index], line)
                continue
            if not fmt.key and count > 1:
                self.problem(file, line, "row", "programme.csv holds a single row")
                continue
            yield (line, *staged)
        self.counts[file] = count
        self.say(f"{file}: {count:,} rows read")

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
            query = (select(stage.c.line, value, *own_key)
                     .where(value.is_not(None), ~exists().where(parent_key == value))
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
        for column in ref.same:
            parent = ref.table
            query = (select(stage.c.line, stage.c[ref.column], stage.c[column],
                            parent.c[column], *own_key)
                     .join_from(stage, parent, _key_column(ref) == stage.c[ref.column])
                     .where(parent.c[column] != stage.c[column])
                     .order_by(stage.c.line))
            for line, value, ours, theirs, *key in self.conn.execute(query):
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

    def _upsert(self, fmt: FileFormat, stage: Table) -> None:
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
        statement = insert(fmt.table).from_select(names, select(*source).where(true()))
        statement = statement.on_conflict_do_update(
            index_elements=key,
            set_={n: statement.excluded[n] for n in names if n not in key})
        self.conn.execute(statement)

    def drop_staging(self) -> None:
        # On PostgreSQL a rollback dropped them already; on SQLite a create may have run outside
        # the transaction. The connection goes back to the pool, so leave nothing behind.
        try:
            for stage in self.staged.values():
                self.conn.execute(DropTable(stage, if_exists=True))
            self.conn.commit()
        except Exception:
            self.conn.rollback()
            raise


def _key_column(ref: Reference):
    (key,) = ref.table.primary_key.columns
    return key


def _decoded_lines(path: Path, on_bad: Callable[[int], None]) -> Iterator[str]:
    """The file's lines as text, BOM removed; a line that is not UTF-8 is reported by number."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, 1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                on_bad(number)
                yield raw.decode("utf-8", "replace")
