"""Write the case database as an extract folder, in the exact form the loader reads.

Every extract table gets its file, even when empty (a header alone loads as nothing), so that
export, load into an empty database, export again gives byte-identical files. Rows are sorted by
key in byte order (PostgreSQL's collation would otherwise sort ids differently from SQLite) and
streamed: a national table is never held in memory.

The folder appears whole or not at all: the files are written into a temporary folder beside
it, which is renamed into place at the end. A full disk or an interrupted export leaves the
earlier folder (if any) as it was, never a file cut mid-row next to a missing one.
"""
import csv
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable

from sqlalchemy import String, collate, select
from sqlalchemy.engine import Engine

from data.extract import FORMATS, format_value

BATCH = 10_000


def export_extract(engine: Engine, folder, progress: Callable[[str], None] | None = None
                   ) -> dict[str, int]:
    """Write one CSV per extract table into `folder` (created if missing); rows per file.

    An existing `folder` is replaced when it holds nothing but extract files; otherwise it is
    refused (FileExistsError), so an export never mixes with or deletes other files."""
    folder = Path(folder)
    _check_replaceable(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        counts = _write(engine, work, progress)
        os.chmod(work, 0o777 & ~_umask())          # mkdtemp makes it private (0700)
        _swap_into_place(work, folder)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return counts


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_replaceable(folder: Path) -> None:
    if not folder.exists() and not folder.is_symlink():
        return
    if not folder.is_dir():
        raise FileExistsError(17, "exists and is not a folder", str(folder))
    names = {f.file for f in FORMATS}
    others = [p.name for p in folder.iterdir() if p.name not in names]
    if others:
        raise FileExistsError(17, f"exists and holds other files ({', '.join(sorted(others)[:3])});"
                              " choose a new folder", str(folder))


def _swap_into_place(work: Path, folder: Path) -> None:
    if not folder.exists():
        os.rename(work, folder)
        return
    # A non-empty folder cannot be renamed over: move the old one aside first, then remove it.
    old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
    os.rename(folder, old / folder.name)
    try:
        os.rename(work, folder)
    except OSError:
        os.rename(old / folder.name, folder)       # put the old export back
        raise
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _write(engine: Engine, folder: Path, progress) -> dict[str, int]:
    say = progress or (lambda _message: None)
    counts = {}
    with engine.connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            # One snapshot for every file, so a load running meanwhile cannot split the export
            # (a visit exported whose child was not). SQLite's single read transaction does this.
            conn.execution_options(isolation_level="REPEATABLE READ")
        for fmt in FORMATS:
            table = fmt.table
            order = [table.c[k] for k in (fmt.key or ("programme_key",))]
            if postgres:
                order = [collate(c, "C") if isinstance(c.type, String) else c for c in order]
            query = select(*(table.c[n] for n in fmt.column_names)).order_by(*order)
            result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query)
            count = 0
            with open(folder / fmt.file, "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(fmt.column_names)
                for rows in result.partitions():
                    writer.writerows([format_value(v) for v in row] for row in rows)
                    count += len(rows)
                    say(f"{fmt.file}: {count:,} rows")
            counts[fmt.file] = count
    return counts
