"""Every page in both languages at desktop (1440 px) and phone (390 px) width, in Chromium.

What only a browser shows: a headline figure cut short ("…" or hidden overflow), a map whose
districts do not all fit its area, English month names or SI-prefixed numbers ("35k") in a
Korean chart, the phone's sidebar left open over the page after choosing one; and on paper (the
browser's Print): the app's furniture printed, the content not across the sheet, a chart not
drawn, a table without its note that only what is in view prints. Every screen is kept in
tests/output/screenshots/ as `{lang}_{width}_{page}.png`, and each page printed in English as
`print_{page}.pdf`, for a person to look at.
"""
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser import server
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_journeys import exceptions, screenshot_whole_page, switch_language

WIDTHS = {"desktop": (1440, 900), "phone": (390, 844)}
ENGLISH_MONTH = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b")
SI_NUMBER = re.compile(r"\d(\.\d+)?[kMG]\b")

# Headline figures whose text does not fit their box: Streamlit cuts them with an ellipsis.
CUT_JS = """() => [...document.querySelectorAll(['[data-testid=stMetricValue]',
    '[data-testid=stMetricValue] *', '[data-testid=stMetricDelta] *',
    '[data-testid=stAlertContentWarning]', '[data-testid=stAlertContentSuccess]']
    .map(s => '[data-testid=stMain] ' + s).join(', '))]
  .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
  .map(e => e.innerText.trim())"""
# Maps on screen that do not show all their districts whole, or that drew none: the districts'
# shapes (SVG paths, geo/maps.py) must lie inside the chart's own area, which cuts off what is
# outside it. Each is named by its place on the page.
MAP_CUT_JS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap((gd, i) => {
  if (!gd.querySelector('.geo') || gd.offsetParent === null) return [];
  const shapes = [...gd.querySelectorAll('.choroplethlayer path')]
    .map(p => p.getBoundingClientRect()).filter(b => b.width > 0);
  if (!shapes.length) return [`chart ${i}: no district drawn`];
  const area = gd.querySelector('.main-svg').getBoundingClientRect(), e = 1;
  const left = Math.min(...shapes.map(b => b.left)), right = Math.max(...shapes.map(b => b.right));
  const top = Math.min(...shapes.map(b => b.top)), bottom = Math.max(...shapes.map(b => b.bottom));
  const inside = left >= area.left - e && right <= area.right + e
    && top >= area.top - e && bottom <= area.bottom + e;
  return inside ? [] : [`chart ${i}: districts over ${[left, top, right, bottom].map(Math.round)}`
    + ` outside ${[area.left, area.top, area.right, area.bottom].map(Math.round)}`];
})"""
# Tab rows whose last tabs are out of view (a row that scrolls sideways): their names.
TABS_CUT_JS = """() => [...document.querySelectorAll('[data-testid=stMain] [role=tablist]')]
  .filter(t => t.offsetParent !== null && t.scrollWidth > t.clientWidth + 1)
  .map(t => t.innerText.replace(/\\s+/g, ' ').trim())"""
# On paper (print media): what is printed that should not be, or is missing. `note` is the text
# every table must carry on paper (only its rows and columns in view print).
PRINT_JS = """(note) => {
  // Laid out on paper: an element inside a hidden one (the sidebar's) has no boxes either.
  const shown = (e) => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0;
  const problems = [];
  for (const sel of ['[data-testid=stSidebar]', '[data-testid=stHeader]',
                     '[data-testid=stDownloadButton]', '[data-testid=stButton]',
                     '[data-testid=stElementToolbar]', '.modebar-container']) {
    const found = [...document.querySelectorAll(sel)].filter(shown);
    if (found.length) problems.push(`printed: ${sel} x${found.length}`);
  }
  for (const d of document.querySelectorAll('[data-testid=stExpander]')) {
    if (shown(d) && !d.querySelector('details[open]')) problems.push('printed: a collapsed list');
  }
  const width = document.querySelector('[data-testid=stMainBlockContainer]')
    .getBoundingClientRect().width;
  if (width < 0.9 * window.innerWidth)
    problems.push(`content ${Math.round(width)} px of ${window.innerWidth}`);
  for (const c of document.querySelectorAll('.dashboard-chart')) {
    if (!shown(c)) continue;
    const svg = c.querySelector('.main-svg');
    if (!svg) problems.push('a chart not drawn');
    // Drawn for the screen: on paper it must scale to the sheet, not keep the screen's width.
    else if (Math.abs(svg.getBoundingClientRect().width - c.getBoundingClientRect().width) > 2)
      problems.push(`a chart ${Math.round(svg.getBoundingClientRect().width)} px wide in`
        + ` ${Math.round(c.getBoundingClientRect().width)} px`);
  }
  for (const t of document.querySelectorAll('[data-testid=stDataFrame]')) {
    if (shown(t) && !getComputedStyle(t, '::after').content.includes(note))
      problems.push(`a table without the note: ${getComputedStyle(t, '::after').content}`);
  }
  return problems;
}"""
# The note each table carries on paper (pages/common/layout.py, "printed_rows"), its first words.
PRINTED_ROWS = {"en": "On paper: only the rows and columns in view",
                "ko": "인쇄물에는 화면에 보이는 행과 열만"}
# Every text plotly draws on the page's charts (ticks, value labels, colour bars, legends), and
# the hover format of each date axis (hover labels only exist while hovering).
CHART_TEXT_JS = """() => {
  const texts = [...document.querySelectorAll('.js-plotly-plot svg text')].map(e => e.textContent);
  const hovers = [];
  for (const el of document.querySelectorAll('.js-plotly-plot')) {
    for (const [name, axis] of Object.entries(el._fullLayout || {})) {
      if (/^[xy]axis\\d*$/.test(name) && axis && axis.type === 'date') hovers.push(axis.hoverformat);
    }
  }
  return {texts, hovers};
}"""
SIDEBAR_OPEN_JS = """() => {
  const bar = document.querySelector('[data-testid=stSidebar]');
  if (!bar) return false;
  const box = bar.getBoundingClientRect();
  return box.width > 0 && box.left > -1;
}"""


def open_page(page, url_path: str, phone: bool) -> bool:
    """Choose the page in the sidebar, as a viewer does (on a phone: open the sidebar first).
    False when, on a phone, the sidebar stayed open over the chosen page."""
    if phone:
        show_sidebar(page)
    server.go_to(page, url_path)
    if not phone:
        return True
    try:  # the choice of a page closes the sidebar over it
        page.wait_for_function(f"() => !({SIDEBAR_OPEN_JS})()", timeout=5_000)
        return True
    except Exception:
        page.locator("[data-testid=stSidebarCollapseButton] button").click(force=True)
        return False


def print_problems(page, lang: str, name: str) -> list[str]:
    """The page as the browser prints it (print media), checked by PRINT_JS; in English also
    printed to tests/output/screenshots/print_{name}.pdf (A4), where no sheet but the last may
    end with one of the page's headings (its section would start on the next sheet)."""
    page.emulate_media(media="print")
    try:
        problems = page.evaluate(PRINT_JS, PRINTED_ROWS[lang])
        if lang == "en":
            pdf = SCREENSHOTS / f"print_{name}.pdf"
            page.pdf(path=str(pdf), format="A4", print_background=True)
            headings = {h.strip() for h in page.locator(
                "[data-testid=stMain] :is(h1, h2, h3)").all_inner_texts()}
            sheets = PdfReader(pdf).pages
            for number, sheet in enumerate(sheets[:-1], start=1):
                lines = [line.strip() for line in sheet.extract_text().splitlines()
                         if line.strip()]
                if lines and lines[-1] in headings:
                    problems.append(f"sheet {number} ends with the heading {lines[-1]!r}")
    finally:
        page.emulate_media(media="screen")
    return problems


def show_sidebar(page) -> None:
    """Open the sidebar if a phone width (or a tap) has closed it."""
    if not page.evaluate(SIDEBAR_OPEN_JS):
        page.locator("[data-testid=stExpandSidebarButton]").click()
        page.wait_for_function(SIDEBAR_OPEN_JS)
        page.wait_for_timeout(400)


def test_every_page_in_both_languages_at_desktop_and_phone_width(page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    original = page.viewport_size
    try:
        for lang, switch in (("en", ("English", "Cohort")), ("ko", ("한국어", "대상군"))):
            page.set_viewport_size({"width": 1440, "height": 900})
            page.wait_for_timeout(800)
            show_sidebar(page)
            switch_language(page, *switch)
            for width, (w, h) in WIDTHS.items():
                page.set_viewport_size({"width": w, "height": h})
                page.wait_for_timeout(800)  # the sidebar's own transition at the new width
                for url_path, name in server.existing_pages():
                    where = f"{lang} {width} {name}"
                    if not open_page(page, url_path, phone=(width == "phone")):
                        problems.append(f"{where}: the sidebar stayed open")
                    assert exceptions(page) == [], f"{where}: {exceptions(page)}"
                    page.wait_for_timeout(300)  # plotly lays out after the run settles
                    cut = page.evaluate(CUT_JS)
                    if cut:
                        problems.append(f"{where}: cut {cut}")
                    tabs_cut = page.evaluate(TABS_CUT_JS)
                    if tabs_cut:
                        problems.append(f"{where}: tabs out of view {tabs_cut}")
                    maps_cut = page.evaluate(MAP_CUT_JS)
                    if maps_cut:
                        problems.append(f"{where}: map cut {maps_cut}")
                    if lang == "ko":
                        charts = page.evaluate(CHART_TEXT_JS)
                        english = [t for t in charts["texts"] if ENGLISH_MONTH.search(t)]
                        si = [t for t in charts["texts"] if SI_NUMBER.search(t)]
                        if english or si:
                            problems.append(f"{where}: chart text {english + si}")
                        if any("월" not in (f or "") for f in charts["hovers"]):
                            problems.append(f"{where}: date hover formats {charts['hovers']}")
                    screenshot_whole_page(page, SCREENSHOTS / f"{lang}_{width}_{name}.png")
                    if width == "desktop":
                        problems += [f"{where} on paper: {p}"
                                     for p in print_problems(page, lang, name)]
    finally:
        page.set_viewport_size(original)
        page.wait_for_timeout(800)
        show_sidebar(page)
        switch_language(page, "English", "Cohort")
    (SCREENSHOTS / "problems.txt").write_text("\n".join(problems), encoding="utf-8")
    assert problems == [], "\n".join(problems)


def test_a_language_change_applies_to_the_sidebar_at_once(page):
    sidebar = page.locator("[data-testid=stSidebar]")
    switch_language(page, "한국어", "대상군")
    try:
        expect(sidebar.get_by_text("기준일", exact=True)).to_be_visible()
        expect(sidebar.locator("[data-testid=stSidebarNav]").get_by_text("일일 브리핑")) \
            .to_have_count(1)
        expect(sidebar.get_by_text("Cohort", exact=True)).to_have_count(0)
    finally:
        switch_language(page, "English", "Cohort")
