"""Write the case database as an extract folder, in the exact form the loader reads.

Every extract table gets its file, even when empty (a header alone loads as nothing), so that
export, load into an empty database, export again gives byte-identical files. Rows are sorted by
key in byte order (PostgreSQL's collation would otherwise sort ids differently from SQLite) and
streamed: a national table is never held in memory.
"""
import csv
from pathlib import Path
from typing import Callable

from sqlalchemy import String, collate, select
from sqlalchemy.engine import Engine

from data.extract import FORMATS, format_value

BATCH = 10_000


def export_extract(engine: Engine, folder, progress: Callable[[str], None] | None = None
                   ) -> dict[str, int]:
    """Write one CSV per extract table into `folder` (created if missing); rows per file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
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
