"""A fast first look at a large extract file's lines, for the PostgreSQL loader.

Parsing and checking every row in Python (data/extract.py: RowParser) was most of the loader's
own CPU at national scale (about 9 us a row, 26 s for 3 million rows). Most rows of a real
extract are plain: no quotes, ids, codes, ISO dates, words from a list. For such a file:

- `plain_file` reads it once in large blocks and says whether every line can be taken as it is:
  UTF-8, no quote (so one line is one record, and a line's number is the editor's), no carriage
  return, backslash or NUL (which PostgreSQL's CSV COPY would read otherwise than Python's csv
  module), and a newline at the end.
- `LineScreen` matches each line against one regular expression built from the format and the
  header (one C call per line), plus a remembered check of each distinct date and integer value
  with the format's own parser. A line it passes is certainly good by every one-column rule and
  goes to the database as it is; a line it does not pass is given to RowParser, which says
  exactly what is wrong (or finds it good after all: the screen may refuse good rows, never pass
  bad ones).
- The cross-column rules run afterwards in SQL on the staged rows (extract.py: each rule's
  `flags`), and the rows they pick are given RowParser's exact messages too.

So every message still comes from RowParser; the screen only decides which rows need it.
"""
import codecs
import re
from pathlib import Path

from data.extract import (
    FileFormat, Invalid, parse_bool, parse_date, parse_district_code, parse_id, parse_int,
    parse_text,
)

# Blocks read at a time: large enough that the per-block work is negligible, small enough to
# keep memory flat whatever the file's size.
BLOCK = 1 << 20
# Bytes that make a file not plain (see above). The quote and the line ends would change what a
# record is; the backslash and NUL are read differently by PostgreSQL's COPY.
_NOT_PLAIN = (b'"', b"\r", b"\\", b"\x00")
# Distinct values remembered per column before the memory is emptied and started again: dates and
# small integers repeat (a few hundred distinct), a hostile file could make millions.
_REMEMBERED = 100_000

_PATTERNS = {
    parse_id: rb"[A-Za-z0-9_-]{1,32}",          # the same class as extract._ID: exact
    parse_district_code: rb"[0-9]{5}",
    parse_bool: rb"(?:[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])",
    parse_text: rb"[^,\n\x00]+",               # PostgreSQL cannot store NUL in text
}
# Columns whose value is checked by the format's parser (and check), once per distinct value.
_CHECKED = {
    parse_date: rb"([0-9]{4}-[0-9]{2}-[0-9]{2})",
    parse_int: rb"(-?[0-9]{1,9})",              # 9 digits: always inside the 32-bit range
}


def plain_file(path: Path, encoding: str) -> bool:
    """True when every line of the file can be screened as it is (see above)."""
    if codecs.lookup(encoding).name != "utf-8":
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    last = b""
    with open(path, "rb") as f:
        while block := f.read(BLOCK):
            if any(b in block for b in _NOT_PLAIN):
                return False
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return False
            last = block
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return last.endswith(b"\n")


class LineScreen:
    """Calling it with one line of a plain file (bytes, newline included) says whether the line
    is certainly a good row by every one-column rule of the format."""

    def __init__(self, fmt: FileFormat, header: list[str]):
        columns = {c.name: c for c in fmt.columns}
        fields, self.checks = [], []
        for name in header:
            column = columns[name]
            parse = column.parse
            choices = getattr(parse, "choices", None)
            if choices is not None:
                pattern = b"(?:" + b"|".join(re.escape(c.encode()) for c in choices) + b")"
            elif parse in _PATTERNS:
                pattern = _PATTERNS[parse]
            elif parse in _CHECKED:
                pattern = _CHECKED[parse]
                self.checks.append((len(self.checks) + 1, self._checker(column), {}))
            else:                                  # a parser this screen does not know
                pattern = rb"(?!)"                 # never passes: RowParser judges every row
            fields.append(pattern if column.required else b"(?:" + pattern + b")?")
        self.line = re.compile(b",".join(fields) + rb"\n")

    @staticmethod
    def _checker(column):
        def good(raw: bytes) -> bool:
            try:
                value = column.parse(raw.decode("ascii"))
            except Invalid:
                return False
            return column.check is None or not column.check(value)
        return good

    def __call__(self, line: bytes) -> bool:
        match = self.line.fullmatch(line)
        if match is None:
            return False
        for group, good, seen in self.checks:
            raw = match[group]
            if raw is None:
                continue
            verdict = seen.get(raw)
            if verdict is None:
                if len(seen) >= _REMEMBERED:
                    seen.clear()
                verdict = seen[raw] = good(raw)
            if not verdict:
                return False
        return True
