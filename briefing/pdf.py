"""A pack as a PDF: fpdf2, Noto Sans CJK KR embedded (subset, TrueType), charts as PNG.

Every page carries the pack's title and recipient, "data as of", the page number and, on
synthetic data, the demo label. Tables are never cut: each column is as wide as its widest value,
headers wrap instead, the font shrinks when a table would not fit, and long tables continue on
the next page with their header repeated. The city page carries its definitions at its foot (the
city pack is one page); every other figure is defined in a glossary at the end.
"""
from fpdf import FPDF

from briefing import charts, fonts, texts
from briefing.content import Block, Pack, Page, Table

FONT = "kr"
MARGIN = 12           # mm
BODY = 9              # pt
TABLE = 8             # pt
SMALLEST = 6          # pt: a table shrinks to this before its text columns wrap
PAD = 1.2             # mm inside each cell
GREY = (90, 90, 90)
HEAD_FILL = (232, 236, 242)
RULE = (200, 200, 200)


class _Document(FPDF):
    def __init__(self, pack: Pack, charts_missing: bool = False):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.pack = pack
        self.charts_missing = charts_missing
        self.set_margins(MARGIN, MARGIN + 6, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 6)
        self.add_font(FONT, "", str(fonts.truetype("regular")))
        self.add_font(FONT, "B", str(fonts.truetype("bold")))
        w = pack.words
        self.set_title(f"{w['title']} {pack.as_of.isoformat()}")
        self.set_author("Child-abuse inspection dashboard")
        self.alias_nb_pages("{pages_total}")  # room for a four-digit page count
        self.set_lang(pack.recipient.lang)

    def header(self):
        w = self.pack.words
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY)
        self.set_xy(MARGIN, 7)
        self.cell(self.epw / 2, 4, w["title"], align="L")
        self.cell(self.epw / 2, 4, w["for"].format(who=self.pack.who), align="R")
        self.set_text_color(0)
        self.set_y(MARGIN + 6)

    def footer(self):
        w = self.pack.words
        self.set_y(-MARGIN - 3)
        self.set_font(FONT, "", 7.5)
        left = w["as_of"].format(d=w.date(self.pack.as_of))
        if self.pack.synthetic:
            self.set_text_color(200, 80, 0)
            left += "  ·  " + w["demo"]
        self.cell(self.epw * 0.75, 4, left, align="L")
        self.set_text_color(*GREY)
        self.cell(self.epw * 0.25, 4, w["page"].format(n=self.page_no(), total="{pages_total}"),
                  align="R")
        self.set_text_color(0)


def render(pack: Pack, *, charts_missing: bool = False) -> tuple[bytes, int]:
    """The PDF and its number of pages. `charts_missing`: the charts cannot be drawn; each
    chart's place then says so, and the rest of the pack is as always."""
    doc = _Document(pack, charts_missing)
    for page in pack.pages:
        _page(doc, page)
    keys = [k for p in pack.pages if not p.inline_definitions for k in p.definitions]
    if keys:
        _glossary(doc, pack, list(dict.fromkeys(keys)))
    return bytes(doc.output()), doc.page


def _page(doc: _Document, page: Page) -> None:
    doc.add_page(orientation="L" if page.landscape and not _fits_portrait(doc, page) else "P")
    w = doc.pack.words
    if doc.page_no() == 1:
        doc.set_font(FONT, "B", 15)
        doc.cell(0, 8, w["title"], new_x="LMARGIN", new_y="NEXT")
        doc.set_font(FONT, "", BODY)
        doc.set_text_color(*GREY)
        line = w["for"].format(who=doc.pack.who) + "  ·  " + w["as_of"].format(
            d=w.date(doc.pack.as_of))
        doc.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        if any(t.child_level for t in doc.pack.tables()):
            doc.cell(0, 5, w["confidential"], new_x="LMARGIN", new_y="NEXT")
        doc.set_text_color(0)
        doc.ln(1)
    for block in page.blocks:
        _block(doc, block)
    if page.inline_definitions:
        _inline_definitions(doc, page.definitions)


def _block(doc: _Document, block: Block) -> None:
    if block.kind == "heading":
        if doc.get_y() + 20 > doc.page_break_trigger:
            doc.add_page(orientation=doc.cur_orientation)
        doc.ln(1.5)
        doc.set_font(FONT, "B", 10.5)
        doc.multi_cell(0, 5.5, block.text, new_x="LMARGIN", new_y="NEXT")
        doc.ln(0.5)
    elif block.kind in ("text", "note"):
        if not block.text:
            return
        doc.set_font(FONT, "", BODY if block.kind == "text" else 7.5)
        if block.kind == "note":
            doc.set_text_color(*GREY)
        doc.multi_cell(0, 4.2 if block.kind == "text" else 3.6, block.text,
                       new_x="LMARGIN", new_y="NEXT")
        doc.set_text_color(0)
        doc.ln(0.5)
    elif block.kind == "chart" and doc.charts_missing:
        _block(doc, Block("note", text=doc.pack.words["chart_missing"]))
    elif block.kind == "chart":
        if doc.get_y() + block.height > doc.page_break_trigger:
            doc.add_page(orientation=doc.cur_orientation)
        image = charts.png(block.figure, height_mm=block.height, width_mm=doc.epw)
        doc.image(image, x=doc.l_margin, y=doc.get_y(), w=doc.epw, h=block.height)
        doc.set_y(doc.get_y() + block.height + 1)
    elif block.kind == "table" and block.table.in_pdf:
        _table(doc, block.table)


# --- tables ------------------------------------------------------------------------------------

def cell_texts(table: Table, words) -> list[list[str]]:
    """Every cell of `table` as printed (one list per column), suppressed and missing as a dash."""
    out = []
    for col in table.columns:
        series = table.rows[col.key] if col.key in table.rows else None
        if series is None:
            out.append([texts.DASH] * len(table.rows))
        elif col.kind == "by_row":
            out.append([_fmt(kind, v, words) for kind, v in zip(table.rows["kind"], series)])
        else:
            out.append([_fmt(col.kind, v, words) for v in series])
    return out


def _fmt(kind: str, value, words) -> str:
    if texts.missing(value):
        return texts.DASH
    if kind == "int":
        return texts.fmt_int(value)
    if kind == "num1":
        return texts.fmt_num(value)
    if kind == "rate":
        return texts.fmt_rate(value)
    if kind == "points":
        return texts.fmt_points(value)
    if kind == "signed":
        return texts.fmt_signed(value)
    if kind == "date":
        return texts.fmt_iso(value)
    return str(value)


def _table(doc: _Document, table: Table) -> None:
    columns = cell_texts(table, doc.pack.words)
    numeric = [c.kind not in ("text",) for c in table.columns]
    size = TABLE
    while True:
        doc.set_font(FONT, "", size)
        widths = [_column_width(doc, col.label, values) for col, values in
                  zip(table.columns, columns)]
        if sum(widths) <= doc.epw or size <= SMALLEST:
            break
        size -= 0.5
    if sum(widths) > doc.epw:
        # Still too wide at the smallest size: the widest text columns wrap (values never cut).
        widths = _fit_by_wrapping(widths, numeric, doc.epw)
    elif sum(widths) > doc.epw * 0.6:
        spare = (doc.epw - sum(widths)) / len(widths)
        widths = [w + spare for w in widths]
    line = size * 0.52
    header_lines = [len(doc.multi_cell(w, line, c.label, dry_run=True, output="LINES"))
                    for w, c in zip(widths, table.columns)]
    header_h = max(header_lines) * line + 1

    def header():
        doc.set_font(FONT, "B", size)
        doc.set_fill_color(*HEAD_FILL)
        x0, y0 = doc.l_margin, doc.get_y()
        x = x0
        for w, c, n in zip(widths, table.columns, header_lines):
            doc.rect(x, y0, w, header_h, style="F")
            doc.set_xy(x, y0 + (header_h - n * line) / 2)
            doc.multi_cell(w, line, c.label, align="C", padding=(0, PAD / 2))
            x += w
        doc.set_xy(x0, y0 + header_h)
        doc.set_font(FONT, "", size)

    row_h = line + 1.2
    if doc.get_y() + header_h + 2 * row_h > doc.page_break_trigger:
        doc.add_page(orientation=doc.cur_orientation)
    header()
    doc.set_draw_color(*RULE)
    emphasis = None
    if table.emphasis_column:
        emphasis = [str(v) == table.emphasis for v in table.rows[table.emphasis_column]]
    wrap = any(_needs_wrap(doc, w, values) for w, values in zip(widths, columns))
    measured: dict[tuple[str, bool], float] = {}
    for i in range(len(table.rows)):
        cells = [values[i] for values in columns]
        bold = emphasis is not None and emphasis[i]
        if bold:
            doc.set_font(FONT, "B", size)
        height = row_h
        if wrap:
            lines = max(len(doc.multi_cell(w - 2 * PAD, line, text, dry_run=True,
                                           output="LINES")) for w, text in zip(widths, cells))
            height = lines * line + 1.2
        if doc.get_y() + height > doc.page_break_trigger:
            doc.add_page(orientation=doc.cur_orientation)
            header()
            if bold:
                doc.set_font(FONT, "B", size)
        x, y = doc.l_margin, doc.get_y()
        baseline = y + height / 2 + size * 0.3528 * 0.35
        for w, text, num in zip(widths, cells, numeric):
            if wrap:
                doc.set_xy(x + PAD, y + 0.6)
                doc.multi_cell(w - 2 * PAD, line, text, align="R" if num else "L")
            else:
                # text() is several times faster than cell(), and numbers repeat: the attention
                # list at scale 30 has hundreds of thousands of cells.
                if num:
                    key = (text, bold)
                    if key not in measured:
                        measured[key] = doc.get_string_width(text)
                    left = x + w - PAD - measured[key]
                else:
                    left = x + PAD
                doc.text(left, baseline, text)
            x += w
        doc.line(doc.l_margin, y + height, doc.l_margin + sum(widths), y + height)
        doc.set_xy(doc.l_margin, y + height)
        if bold:
            doc.set_font(FONT, "", size)
    doc.ln(1.5)


def _fits_portrait(doc: _Document, page: Page) -> bool:
    """Whether every table of a page that may need landscape fits the width of a portrait page."""
    doc.set_font(FONT, "", TABLE)
    portrait = 210 - 2 * MARGIN
    for block in page.blocks:
        if block.table is not None and block.table.in_pdf:
            columns = cell_texts(block.table, doc.pack.words)
            if sum(_column_width(doc, c.label, v)
                   for c, v in zip(block.table.columns, columns)) > portrait:
                return False
    return True


def _column_width(doc, label: str, values: list[str]) -> float:
    longest_value = max((doc.get_string_width(v) for v in set(values)), default=0)
    longest_word = max((doc.get_string_width(word) for word in label.split()), default=0)
    return max(longest_value, longest_word * 1.1) + 2 * PAD + 0.5


def _needs_wrap(doc, width: float, values: list[str]) -> bool:
    return any(doc.get_string_width(v) > width - 2 * PAD for v in set(values))


def _fit_by_wrapping(widths: list[float], numeric: list[bool], available: float) -> list[float]:
    """Narrow the text columns (widest first) until the table fits; numbers keep their width."""
    widths = list(widths)
    text_cols = [i for i, num in enumerate(numeric) if not num]
    while sum(widths) > available and text_cols:
        widest = max(text_cols, key=lambda i: widths[i])
        widths[widest] -= min(sum(widths) - available, widths[widest] * 0.25)
        if widths[widest] < 15:
            text_cols.remove(widest)
    return widths


# --- definitions -------------------------------------------------------------------------------

def _inline_definitions(doc: _Document, keys: list[str]) -> None:
    w = doc.pack.words
    doc.ln(1)
    doc.set_draw_color(*RULE)
    doc.line(doc.l_margin, doc.get_y(), doc.l_margin + doc.epw, doc.get_y())
    doc.ln(1)
    doc.set_font(FONT, "B", 7)
    doc.cell(0, 3.5, w["definitions"], new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FONT, "", 6.3)
    doc.set_text_color(*GREY)
    text = "  ".join(f"{w.label(k)}: {w.definition(k)}" for k in keys)
    doc.multi_cell(0, 2.9, text, new_x="LMARGIN", new_y="NEXT")
    doc.set_text_color(0)


def _glossary(doc: _Document, pack: Pack, keys: list[str]) -> None:
    w = pack.words
    doc.add_page(orientation="P")
    doc.set_font(FONT, "B", 10.5)
    doc.cell(0, 6, w["definitions"], new_x="LMARGIN", new_y="NEXT")
    for key in keys:
        doc.set_font(FONT, "B", 8.5)
        doc.multi_cell(0, 4.2, w.label(key), new_x="LMARGIN", new_y="NEXT")
        doc.set_font(FONT, "", 8)
        doc.multi_cell(0, 3.8, w.definition(key), new_x="LMARGIN", new_y="NEXT")
        doc.ln(1)
