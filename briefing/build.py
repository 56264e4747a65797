"""Build packs: for each recipient, the pack's content as that recipient's scope may see it, a PDF
and a workbook named `<as_of>_<recipient>.pdf|.xlsx`, and an audit row.

Files are written under a temporary name in the same folder and renamed into place, so a reader
(or `send`) never finds a half-written file, and a re-run for the same day replaces them. They are
readable by their owner only (mode 0600): they hold child-level rows.
"""
import os
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from access import audit
from access.viewer import Viewer
from briefing import charts, content, pdf, recipients, workbook
from briefing.content import Recipient
from briefing.source import Source

PAGE = "briefing pack"


@dataclass
class Built:
    recipient: Recipient
    pdf: Path | None = None
    xlsx: Path | None = None
    pages: int = 0
    child_rows: dict = field(default_factory=dict)
    error: str | None = None


def viewer_of(recipient: Recipient) -> Viewer:
    return Viewer(subject=recipient.id, role=recipient.role, district_code=recipient.district)


def paths(out: Path, as_of: date, recipient: Recipient) -> tuple[Path, Path]:
    stem = f"{as_of.isoformat()}_{recipients.file_stem(recipient)}"
    return out / f"{stem}.pdf", out / f"{stem}.xlsx"


def render(source: Source, recipient: Recipient, *,
           charts_missing: bool = False) -> tuple[bytes, bytes, content.Pack, int]:
    """The PDF, the workbook, the content and the PDF's page count of one recipient's pack.
    `charts_missing`: the charts cannot be drawn (pdf.render says so in their place)."""
    pack = content.build_pack(source, recipient)
    pdf_bytes, pages = pdf.render(pack, charts_missing=charts_missing)
    return pdf_bytes, workbook.render(pack), pack, pages


def build(engine, as_of: date, chosen: list[Recipient], out: Path, *, say=print) -> list[Built]:
    """Build every chosen recipient's pack into `out`; one failing recipient does not stop the
    others (its error is in the result). Audit: one `pack_built` row per pack written."""
    out.mkdir(parents=True, exist_ok=True)
    source = Source(engine, as_of)
    results = []
    with charts.session():
        for recipient in chosen:
            result = Built(recipient)
            try:
                pdf_bytes, xlsx_bytes, pack, pages = render(source, recipient)
            except (LookupError, PermissionError, ValueError, charts.ChartError) as exc:
                result.error = str(exc)
                say(f"{recipient.id}: not built: {exc}")
                results.append(result)
                continue
            pdf_path, xlsx_path = paths(out, as_of, recipient)
            write_atomic(pdf_path, pdf_bytes)
            write_atomic(xlsx_path, xlsx_bytes)
            result.pdf, result.xlsx = pdf_path, xlsx_path
            result.pages = pages
            result.child_rows = pack.child_rows()
            audit.record(engine, viewer_of(recipient), PAGE, "pack_built",
                         audit.detail_json(as_of=as_of, lang=recipient.lang,
                                           files=[pdf_path.name, xlsx_path.name],
                                           pages=result.pages, child_rows=result.child_rows),
                         rows=sum(result.child_rows.values()))
            say(f"{recipient.id}: {pdf_path.name} ({result.pages} pages), {xlsx_path.name}"
                + "".join(f"; {sheet}: {n} rows" for sheet, n in result.child_rows.items()))
            results.append(result)
    return results


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
