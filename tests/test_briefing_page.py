"""The pack on the Daily briefing page: two download buttons for the current viewer and day, and
the files they give, made for the viewer's scope and audited as downloads."""
import io
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import text

import queries
from access.viewer import Viewer
from briefing import page, texts
from data.db import make_engine
from data.generate import generate
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    MAPO, app_test, fresh_caches, navigation_not_pages_folder, no_exception,
)

AS_OF = date(2021, 3, 1)


@pytest.fixture
def small_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'cases.db'}"
    engine = make_engine(url)
    generate(engine, seed=1, scale=0.2)
    engine.dispose()
    return url


@pytest.mark.usefixtures("navigation_not_pages_folder")
@pytest.mark.parametrize("lang, labels", [("en", ["Download briefing (PDF)",
                                                  "Download briefing (Excel)"]),
                                          ("ko", ["브리핑 내려받기 (PDF)", "브리핑 내려받기 (엑셀)"])])
def test_the_daily_briefing_offers_the_pack_for_the_viewer_and_day(monkeypatch, small_url, lang,
                                                                   labels):
    at = app_test(monkeypatch, small_url, role="district", district=MAPO,
                  page="pages/briefing.py", filter_lang=lang)
    at.run()
    no_exception(at)
    buttons = at.get("download_button")
    found = {b.proto.label: b.proto for b in buttons}
    for label in labels:
        assert label in found
    assert found[labels[0]].help  # says what the pack is


def test_a_download_is_the_viewers_pack_and_is_audited(engine):
    generate(engine, seed=1, scale=0.2)
    head = Viewer(subject="head@example.go.kr", role="district", district_code=MAPO)
    pdf = page.download(engine, head, AS_OF, "ko", 1, "일일 브리핑", "pdf")
    xlsx = page.download(engine, head, AS_OF, "ko", 1, "일일 브리핑", "xlsx")
    assert pdf.startswith(b"%PDF")
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "자치구 책임자, 마포구" in pdf_text
    own = queries.run("attention_detail", engine, as_of=AS_OF, district=MAPO)
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert book["조치 대상 아동"].max_row == len(own) + 1
    with engine.connect() as conn:
        rows = conn.execute(text("select subject, role, district_code, page, detail, rows "
                                 "from audit_log where action = 'download' order by event_id")).all()
    assert [(r.subject, r.role, r.district_code, r.page) for r in rows] == \
        [("head@example.go.kr", "district", MAPO, "일일 브리핑")] * 2
    assert rows[0].rows == len(own)
    assert '"file":"2021-03-01_briefing_district_11440.pdf"' in rows[0].detail
    assert '"file":"2021-03-01_briefing_district_11440.xlsx"' in rows[1].detail
    city = Viewer(subject="dm@example.go.kr", role="city")
    city_pdf = page.download(engine, city, AS_OF, "en", 1, "Daily briefing", "pdf")
    assert len(PdfReader(io.BytesIO(city_pdf)).pages) == 1


def test_a_pack_whose_charts_cannot_be_drawn_still_downloads_and_says_so(engine, monkeypatch):
    """No Chromium (or one that does not answer): the click still gives the pack, with a note in
    each chart's place, and the pack is not kept, so the next click draws the charts."""
    from briefing import charts
    generate(engine, seed=1, scale=0.2)
    head = Viewer(subject="head@example.go.kr", role="district", district_code=MAPO)

    def no_chromium():
        raise charts.ChartError("cannot start Chromium for the charts (test)")

    monkeypatch.setattr(charts, "_start", no_chromium)
    pdf = page.download(engine, head, AS_OF, "en", 1, "Daily briefing", "pdf")
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "This chart could not be drawn just now" in " ".join(pdf_text.split())
    assert "District head, Mapo-gu" in pdf_text
    xlsx = page.download(engine, head, AS_OF, "en", 1, "Daily briefing", "xlsx")
    own = queries.run("attention_detail", engine, as_of=AS_OF, district=MAPO)
    sheet = texts.Words("en")["sheet_attention"]
    assert openpyxl.load_workbook(io.BytesIO(xlsx))[sheet].max_row == len(own) + 1
    monkeypatch.undo()
    drawn = page.download(engine, head, AS_OF, "en", 1, "Daily briefing", "pdf")
    drawn_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(drawn)).pages)
    assert "could not be drawn" not in " ".join(drawn_text.split())
    assert len(drawn) > len(pdf)  # the charts' images
