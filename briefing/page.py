"""The pack on the Daily briefing page: "Download briefing (PDF)" and "(Excel)" for the current
viewer and day, in the page's language. The only module of briefing/ that uses Streamlit.

The files are made when a button is clicked, not when the page is drawn (Streamlit calls the
data function then, on its own thread), from the viewer's scope (role and district, never the
person): the same pack `python -m briefing build` writes for a recipient of that role. Each
download is written to the audit log when the file is made, with the child-level rows it holds.
Packs are kept for a few minutes per scope, day, language and data version.
"""
import logging
import threading
import time
from datetime import date
from functools import partial

import streamlit as st

from access import audit
from access.viewer import Viewer
from briefing import build
from briefing.content import Recipient
from briefing.source import Source

T = {
    "en": {"pdf": "Download briefing (PDF)", "xlsx": "Download briefing (Excel)",
           "help": "The morning briefing pack for your role and this day, as it is e-mailed "
                   "(made when you click: a few seconds)."},
    "ko": {"pdf": "브리핑 내려받기 (PDF)", "xlsx": "브리핑 내려받기 (엑셀)",
           "help": "이 날짜, 내 역할의 아침 브리핑 자료로 메일로 보내는 것과 같습니다 (누르면 만듭니다: 몇 초)."},
}
KEEP_SECONDS = 300
_log = logging.getLogger(__name__)
_lock = threading.Lock()
_kept: dict[tuple, tuple[float, bytes, bytes, dict]] = {}


def pack_files(engine, viewer: Viewer, as_of: date, lang: str, version) -> tuple[bytes, bytes, dict]:
    """(PDF, workbook, child rows per sheet) of the viewer's scope's pack for `as_of`."""
    key = (str(engine.url), viewer.role, viewer.district_code, as_of, lang, version)
    with _lock:  # one build at a time: charts share one Chromium per process
        kept = _kept.get(key)
        if kept and time.monotonic() - kept[0] < KEEP_SECONDS:
            return kept[1:]
        recipient = Recipient(id=f"{viewer.role}", role=viewer.role,
                              district=viewer.district_code, lang=lang)
        from briefing import charts
        source = Source(engine, as_of)
        try:
            with charts.session():
                pdf_bytes, xlsx_bytes, pack, _ = build.render(source, recipient)
        except charts.ChartError as exc:
            # A click that gave nothing (Streamlit only logs a failed download) would leave the
            # viewer without the pack: give it without its charts, saying so in their place; the
            # reason goes to the server's log. Not kept: the next click tries the charts again.
            # (`python -m briefing build` still reports such a pack as not built.)
            _log.warning("briefing pack for %s without its charts: %s", viewer.role, exc)
            pdf_bytes, xlsx_bytes, pack, _ = build.render(source, recipient, charts_missing=True)
            return pdf_bytes, xlsx_bytes, pack.child_rows()
        for old in [k for k, v in _kept.items() if time.monotonic() - v[0] >= KEEP_SECONDS]:
            del _kept[old]
        _kept[key] = (time.monotonic(), pdf_bytes, xlsx_bytes, pack.child_rows())
        return pdf_bytes, xlsx_bytes, pack.child_rows()


def file_name(viewer: Viewer, as_of: date, suffix: str) -> str:
    who = viewer.role + (f"_{viewer.district_code}" if viewer.district_code else "")
    return f"{as_of.isoformat()}_briefing_{who}.{suffix}"


def download(engine, viewer: Viewer, as_of: date, lang: str, version, page: str,
             suffix: str) -> bytes:
    """One file of the viewer's pack ("pdf" or "xlsx"), audited as a download when it is made."""
    pdf_bytes, xlsx_bytes, child_rows = pack_files(engine, viewer, as_of, lang, version)
    audit.record(engine, viewer, page, "download",
                 audit.detail_json(file=file_name(viewer, as_of, suffix), as_of=as_of,
                                   briefing=True, child_rows=child_rows),
                 rows=sum(child_rows.values()))
    return pdf_bytes if suffix == "pdf" else xlsx_bytes


def download_buttons(engine, viewer: Viewer, as_of: date, lang: str, version, page: str) -> None:
    """The two buttons, side by side."""
    words = {**T["en"], **T.get(lang, {})}
    mimes = {"pdf": "application/pdf",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    for column, suffix in zip(st.columns(2), ("pdf", "xlsx")):
        column.download_button(
            words[suffix], partial(download, engine, viewer, as_of, lang, version, page, suffix),
            file_name=file_name(viewer, as_of, suffix), mime=mimes[suffix],
            key=f"briefing_pack_{suffix}", on_click="ignore", help=words["help"])
