"""A pack as an Excel workbook (XlsxWriter): the pack's tables, one sheet each, then the
definitions.

Header row in the recipient's language, frozen; numbers as numbers and dates as dates with a
display format (rates as percentages, gaps in points); empty cells where a figure is missing or
suppressed; column widths that fit the longest value (Hangul counted double). Child-level sheets
exist only in packs whose role may see child rows (the content decides, from the same scope).
Every text cell goes through `safe_cell`, so nothing an extract holds can become a formula.
"""
import io
import unicodedata

import pandas as pd
import xlsxwriter

from briefing import texts
from briefing.content import Pack, Table

try:
    from access.safe_text import cell as safe_cell
except ImportError:  # until access/safe_text.py (i13) is on main: the same rule, OWASP's
    def safe_cell(value):
        if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
            return "'" + value
        return value

FORMATS = {
    "int": "#,##0",
    "num1": "#,##0.0",
    "rate": "0.0%",
    "points": "+0.0;-0.0;0.0",
    "signed": "+#,##0;-#,##0;0",
    "date": "yyyy-mm-dd",
}
MAX_WIDTH = 60


def render(pack: Pack) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"title": f"{pack.words['title']} {pack.as_of.isoformat()}",
                         "author": "Child-abuse inspection dashboard"})
    header = book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                              "bg_color": "#E8ECF2", "border": 1})
    formats = {kind: book.add_format({"num_format": f}) for kind, f in FORMATS.items()}
    bold_formats = {kind: book.add_format({"num_format": f, "bold": True})
                    for kind, f in FORMATS.items()}
    formats["text"] = book.add_format({})
    bold_formats["text"] = book.add_format({"bold": True})
    used: set[str] = set()
    for table in pack.tables():
        sheet = book.add_worksheet(_unique(table.sheet, used))
        _sheet(sheet, table, header, formats, bold_formats)
    _definitions(book, pack, header, _unique(pack.words["sheet_definitions"], used))
    book.close()
    return buffer.getvalue()


def _sheet(sheet, table: Table, header, formats, bold_formats) -> None:
    widths = []
    for c, col in enumerate(table.columns):
        label = safe_cell(col.label)
        sheet.write_string(0, c, label, header)
        widths.append(_display_width(label))
    emphasis = None
    if table.emphasis_column:
        emphasis = [str(v) == table.emphasis for v in table.rows[table.emphasis_column]]
    kinds = list(table.rows["kind"]) if "kind" in table.rows else None
    for c, col in enumerate(table.columns):
        values = table.rows[col.key] if col.key in table.rows else pd.Series([None] * len(table.rows))
        width = widths[c]
        for r, value in enumerate(values):
            kind = kinds[r] if col.kind == "by_row" else col.kind
            fmt = (bold_formats if emphasis is not None and emphasis[r] else formats)[
                kind if kind in FORMATS else "text"]
            width = max(width, _write(sheet, r + 1, c, kind, value, fmt))
        sheet.set_column(c, c, min(width + 2, MAX_WIDTH))
    sheet.freeze_panes(1, 0)
    if len(table.rows) > 1:
        sheet.autofilter(0, 0, len(table.rows), len(table.columns) - 1)


def _write(sheet, row: int, col: int, kind: str, value, fmt) -> int:
    """Write one cell by its kind; return its display width in characters."""
    if texts.missing(value):
        sheet.write_blank(row, col, None, fmt)
        return 0
    if kind == "date":
        day = pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)
        sheet.write_datetime(row, col, day, fmt)
        return 10
    if kind in FORMATS:
        number = float(value) * (100 if kind == "points" else 1)
        if kind in ("int", "signed"):
            number = int(round(number))
        sheet.write_number(row, col, number, fmt)
        return len(f"{number:,.1f}") + (1 if kind in ("points", "signed") else 0)
    text = safe_cell(str(value))
    sheet.write_string(row, col, text, fmt)
    return _display_width(text)


def _definitions(book, pack: Pack, header, name: str) -> None:
    w = pack.words
    sheet = book.add_worksheet(name)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    sheet.write_string(0, 0, safe_cell(w["figure"]), header)
    sheet.write_string(0, 1, safe_cell(w["definitions"]), header)
    row = 1
    for key in pack.definition_keys():
        sheet.write_string(row, 0, safe_cell(w.label(key)), wrap)
        sheet.write_string(row, 1, safe_cell(w.definition(key)), wrap)
        row += 1
    notes = [w["as_of"].format(d=pack.as_of.isoformat()), w["for"].format(who=pack.who)]
    if pack.synthetic:
        notes.append(w["demo"])
    if pack.child_rows():
        notes.append(w["confidential"])
    row += 1
    for note in notes:
        sheet.write_string(row, 0, safe_cell(note))
        row += 1
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 100)
    sheet.freeze_panes(1, 0)


def _display_width(text: str) -> int:
    """Characters as a spreadsheet shows them: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _unique(name: str, used: set[str]) -> str:
    name = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip()[:31] or "Sheet"
    candidate, n = name, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = name[:31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate
