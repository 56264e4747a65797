"""Values from an extract as plain text: never Markdown, HTML or a spreadsheet formula.

A district name (or any other value that came in an extract) is data, not markup. Three sinks
interpret text, and each gets one function here:

- `markdown(value)`: for Streamlit calls that render Markdown (st.title, st.subheader,
  st.caption, st.markdown, st.metric labels, st.info...). Every character with a meaning inside
  a line is backslash-escaped (CommonMark lets any ASCII punctuation be escaped), so
  `![x](http://...)` is shown as those characters and no image is fetched; `:material/...:` and
  `:color[...]` directives, `$` maths, HTML tags and entities lose their meaning the same way.
  Line breaks become spaces, and a leading `-`, `=` or `1.` is escaped, so a value cannot open a
  new block (a heading, a list, a code fence). GitHub-flavoured autolinks (`http://...`,
  `www.`, `a@b.c`) are found in the text after escapes are resolved, so a zero-width space is
  put inside `://`, after `www` and after `@`: the text reads the same and links nothing. A plain hyphen or dot inside a name (`Mapo-gu`)
  means nothing there and is left as it is.
- `html(value)`: for plotly text (titles, legend and hover labels), which understands a few HTML
  tags (`<a href>`, `<b>`...) and entities: `&`, `<`, `>` and quotes become entities.
- `cell(value)` / `dataframe(df)` / `csv_bytes(df)`: for CSV files and workbooks a person opens
  in a spreadsheet. A text cell starting with `=`, `+`, `-`, `@`, tab or carriage return would be
  run as a formula (`=HYPERLINK(...)`); it gets a leading `'` as OWASP advises. Numbers stay
  numbers: numeric columns are not touched, and a text cell that is exactly a number (`-12`,
  `+3.5`) is left as it is, since a spreadsheet reads it as that number and nothing else.

The extract exporter (`python -m data export`) is deliberately NOT covered: it writes the
machine format of ../shared/spec/extract-format.md for the loader, and export -> load -> export
must be byte-identical, so its cells are the database's values. docs/deployment.md says so:
open an extract in a spreadsheet only through its import dialog (all columns as text).
"""
import functools
import os
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

# Inline Markdown (and Streamlit's directives, maths, HTML): escaped wherever they are.
_MD_SPECIAL = re.compile(r"""([\\`*_{}\[\]()#+!|<>~:$&])""")
# Block starts: a list item, a setext or thematic line, an ordered list.
_MD_BLOCK_START = re.compile(r"^(\s*)([-=]|\d+[.)])")
# Autolink literals: "://" (after a scheme), "www." and "@" (an e-mail address).
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9]):/|www\.|@")
ZERO_WIDTH = "\u200b"
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c]+")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DAY_NS = 86_400 * 10**9
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def markdown(value) -> str:
    """`value` as text that Streamlit's Markdown shows literally."""
    if value is None:
        return ""
    text = _AUTOLINK.sub(lambda m: m.group(0)[:-1] + ZERO_WIDTH + m.group(0)[-1],
                         _LINE_BREAKS.sub(" ", str(value)))
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return _MD_BLOCK_START.sub(lambda m: m.group(1) + _escape_last(m.group(2)), text)


def _escape_last(mark: str) -> str:
    return mark[:-1] + "\\" + mark[-1]


def html(value) -> str:
    """`value` as text that plotly (or any HTML sink) shows literally."""
    if value is None:
        return ""
    return (str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#39;"))


def cell(value):
    """One spreadsheet cell: text that would start a formula gets a leading quote; anything else
    (numbers, dates, missing values, harmless text) is returned unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def dataframe(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` fit for a CSV or a workbook a person opens: every text cell (and column name)
    through `cell`; numeric, boolean and date columns unchanged."""
    out = df.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue  # numbers stay numbers (a negative number is not a formula)
        out[column] = _cells(series)
    out.columns = [cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _cells(series: pd.Series) -> pd.Series:
    """series.map(cell), with `cell` called only where a text starts like a formula: Arrow finds
    those (a whole list of 431,000 children at scale 30 has none in its ids and names; calling
    `cell` for each of its text cells took 1.4 s of the download's 3.4 s). A column that is not
    all text goes one cell at a time."""
    if pd.api.types.infer_dtype(series, skipna=True) not in ("string", "empty"):
        return series.map(cell)
    text = pa.array(series, type=pa.string(), from_pandas=True)
    starts = functools.reduce(pc.or_, (pc.starts_with(text, mark) for mark in FORMULA_START))
    rows = np.flatnonzero(starts.fill_null(False).to_numpy(zero_copy_only=False))
    if len(rows):
        values = series.to_numpy(dtype=object, copy=True)
        values[rows] = [cell(v) for v in values[rows]]
        text = pa.array(values, type=pa.string(), from_pandas=True)
    # As pandas' own text on that Arrow array (no copy), which to_csv writes in two thirds of
    # the time of Python objects.
    return pd.Series(pd.array(text, dtype="str"), index=series.index, name=series.name)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """`df` as UTF-8 CSV bytes with formula-leading cells neutralised (no index): the bytes of
    pandas' to_csv, written by Arrow where it writes the same ones (_arrow_csv)."""
    safe = dataframe(df)
    fast = _arrow_csv(safe)
    return fast if fast is not None else safe.to_csv(index=False).encode("utf-8")


def _arrow_csv(df: pd.DataFrame) -> bytes | None:
    """The bytes `df.to_csv(index=False)` gives, written by Arrow's CSV writer, for a frame of
    text, integer and date columns with no cell that needs quotes; None for any other frame.

    A child list is that kind of frame: the city's 431,000 findings at scale 30 take 0.06 s
    here against 0.8 s in pandas, most of a download's time after the query. Arrow quotes either
    every text cell or none, where pandas quotes only a cell holding a comma, a quote or a line
    break: so none, and a frame with such a cell (Arrow refuses it) is left to pandas. Floats
    and booleans are spelt differently by the two ("1.0" / "1", "True" / "true"), and a lone
    column's empty cell is quoted by pandas alone: left to pandas too."""
    if len(df.columns) < 2:
        return None
    arrays = [_arrow_column(series) for _, series in df.items()]
    if any(a is None for a in arrays):
        return None
    table = pa.Table.from_arrays(arrays, names=[str(i) for i in range(len(arrays))])
    sink = pa.BufferOutputStream()
    try:
        pa_csv.write_csv(table, sink, pa_csv.WriteOptions(
            include_header=False, quoting_style="none", eol=os.linesep))
    except pa.ArrowInvalid:     # a cell pandas would quote
        return None
    header = df.head(0).to_csv(index=False).encode("utf-8")
    return header + sink.getvalue().to_pybytes()


def _arrow_column(series: pd.Series) -> pa.Array | None:
    """A column as Arrow writes it the way pandas does, or None. Dates: pandas writes a column
    of midnights as days (2021-03-02), as Arrow writes date32; a time of day would not cast."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        return pa.array(series, from_pandas=True)
    if pd.api.types.is_datetime64_dtype(dtype):     # without a time zone
        moments = series.to_numpy(dtype="datetime64[ns]")
        nanos = moments[~np.isnat(moments)].view("int64")
        if (nanos % _DAY_NS).any():     # Arrow's cast would drop the time of day
            return None
        return pa.array(series, from_pandas=True).cast(pa.date32())
    if pd.api.types.is_string_dtype(dtype) and pd.api.types.infer_dtype(
            series, skipna=True) in ("string", "empty"):
        return pa.array(series, type=pa.string(), from_pandas=True)
    return None
