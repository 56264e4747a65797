"""A whole child list from PostgreSQL, read as CSV by COPY into Arrow: the DataFrame the runner's
usual reading gives (queries/runner.py, `_shape`), in a little over half its time.

The city's never-visited findings at scale 30 (431,000 rows) took 1.0-1.1 s to read row by row:
psycopg makes a Python object of every value (0.6 s) and the rows are then put in order in
Python. Here PostgreSQL writes the rows as CSV (0.4 s with the query), Arrow reads and orders
them in C++, and only the text columns become Python strings, each distinct value once
(docs/shared-path.md has the figures). Used for the whole lists only: a page's first rows and
the city's figures are a few hundred rows, read as usual.
"""
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy.exc import DBAPIError

# The runner's column kinds as Arrow reads them from PostgreSQL's CSV.
_TYPES = {"text": pa.string(), "date": pa.date32(), "count": pa.int64(),
          "integer": pa.int64(), "rate": pa.float64(), "number": pa.float64()}


def read(conn, stmt, params: dict, columns) -> pd.DataFrame:
    """Statement `stmt` (the runner's text(), its binds in `params`) on SQLAlchemy connection
    `conn` to PostgreSQL, as the runner shapes it: `columns` the header's (name, kind)."""
    compiled = stmt.compile(dialect=conn.dialect)
    names = [name for name, _ in columns]
    # Days as PostgreSQL writes them in ISO form whatever the server's default style (this
    # transaction only: the runner's connection ends it).
    conn.exec_driver_sql("set local datestyle = 'ISO, YMD'")
    statement = f"copy ({compiled.string}) to stdout (format csv)"
    bound = compiled.construct_params(params)
    buffer = bytearray()
    driver = conn.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(statement, bound) as copy:
            for block in copy:
                buffer += block
    except conn.dialect.loaded_dbapi.Error as error:
        # As SQLAlchemy raises a driver's error (the pages catch SQLAlchemyError and say the
        # database is not answering), the connection dropped from the pool if it is lost.
        lost = conn.dialect.is_disconnect(error, driver, None)
        if lost:
            conn.invalidate(error)
        raise DBAPIError.instance(statement, bound, error, conn.dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost) from error
    if not buffer:      # no rows (Arrow reads no columns from an empty file)
        return _frame(pa.table({name: pa.array([], _TYPES[kind]) for name, kind in columns}),
                      columns)
    table = pa_csv.read_csv(
        pa.py_buffer(buffer),      # read in place, not copied
        read_options=pa_csv.ReadOptions(column_names=names),
        # A text value may hold a line break (quoted): PostgreSQL writes NULL as an empty field
        # and an empty text as "", which these options tell apart.
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: _TYPES[kind] for name, kind in columns},
            strings_can_be_null=True, quoted_strings_can_be_null=False))
    return _frame(_in_order(table, columns), columns)


def _in_order(table: pa.Table, columns) -> pa.Table:
    """The runner's order: by the text and date columns in column order, missing values last
    (Arrow compares text by its UTF-8 bytes, which is Python's order of the same strings)."""
    keys = [(name, "ascending", "at_end") for name, kind in columns if kind in ("text", "date")]
    if not keys or table.num_rows < 2:
        return table
    return table.take(pc.sort_indices(table, sort_keys=keys))


def _frame(table: pa.Table, columns) -> pd.DataFrame:
    out = {}
    for name, kind in columns:
        values = table.column(name)
        if kind == "text":
            out[name] = _objects(values)
        elif kind == "date":
            out[name] = values.cast(pa.timestamp("ns")).to_numpy()
        elif kind == "count":
            out[name] = values.fill_null(0).to_numpy()
        elif kind == "integer":
            out[name] = pd.array(values.to_numpy(zero_copy_only=False), dtype="Int64")
        else:
            out[name] = values.to_numpy(zero_copy_only=False).astype("float64")
    return pd.DataFrame(out, index=pd.RangeIndex(table.num_rows), copy=False)


def _objects(values: pa.ChunkedArray) -> pd.Series:
    """Text as the runner gives it (object dtype, str or None), each distinct value made once:
    a district code or a cohort is repeated on every row."""
    coded = values.dictionary_encode().combine_chunks()
    distinct = np.array(coded.dictionary.to_pylist() + [None], dtype=object)
    return pd.Series(distinct[coded.indices.fill_null(-1).to_numpy()], dtype=object, copy=False)
