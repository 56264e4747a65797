"""A new tab's first page comes in two steps (pages/common/first_paint.py), as the server sends
them: the figures, with an empty area per chart and table, each with the component that reports
the browser's first paint; then, once painted, the charts and tables. The browser's side of it
(each report rerunning its area's fragment, the figures painted before the charts) is in
tests/browser/test_first_visit.py.
"""
from pages.common import chart_view, first_paint
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    app_test, chart_elements, fresh_caches, generated_url, no_exception,
)

NOTES = {"Drawing the chart…", "Loading the table…", "차트를 그리는 중…", "표를 불러오는 중…"}


def _notes(at) -> list[str]:
    return [c.value for c in at.caption if c.value in NOTES]


def _new_tab(at):
    """The session of a tab that has not painted yet (app_test starts as after the paint)."""
    del at.session_state[first_paint.PAINTED]
    return at


def _drawn(at) -> int:
    return len(chart_elements(at)) + len(at.dataframe)


def _reporters(at) -> list[str]:
    return [r.proto.component_name for r in at.get("bidi_component")
            if r.proto.component_name != chart_view.NAME]


def test_a_new_tab_gets_the_figures_first_and_each_chart_after_the_paint(monkeypatch,
                                                                          generated_url):
    at = _new_tab(app_test(monkeypatch, generated_url)).run()
    no_exception(at)
    assert at.metric                                   # the headline figures, at once
    assert _drawn(at) == 0
    waiting = _notes(at)
    assert waiting == ["Drawing the chart…"] * 2       # the burn-up tab shown, the gap bars
    assert _reporters(at) == ["first_paint"] * len(waiting)  # one per area (its fragment)
    at.run()                                           # a rerun before the paint: still waiting
    assert _notes(at) == waiting and _drawn(at) == 0

    at.session_state[first_paint.PAINTED] = True       # what the component's report sets
    at.run()
    no_exception(at)
    assert _drawn(at) == len(waiting)                  # every area became its chart
    assert not _notes(at) and not _reporters(at)


def test_a_tab_that_never_reports_its_paint_gets_its_charts_at_the_third_action(
        monkeypatch, generated_url):
    at = _new_tab(app_test(monkeypatch, generated_url))
    for _ in range(first_paint.MAX_WAITING_RUNS):
        at.run()
        assert _drawn(at) == 0 and _notes(at)
    at.run()
    no_exception(at)
    assert _drawn(at) == 2 and not _notes(at) and not _reporters(at)


def test_the_briefings_tables_come_after_the_paint(monkeypatch, generated_url):
    at = _new_tab(app_test(monkeypatch, generated_url, page="pages/briefing.py")).run()
    no_exception(at)
    assert at.metric and _drawn(at) == 0
    waiting = _notes(at)
    assert waiting and set(waiting) == {"Loading the table…"}
    at.session_state[first_paint.PAINTED] = True
    at.run()
    no_exception(at)
    assert len(at.dataframe) == len(waiting) and not _notes(at)


def test_the_notes_are_in_the_tabs_language(monkeypatch, generated_url):
    at = _new_tab(app_test(monkeypatch, generated_url, page="pages/briefing.py",
                           filter_lang="ko")).run()
    no_exception(at)
    assert _notes(at) and set(_notes(at)) == {"표를 불러오는 중…"}


def test_a_page_of_tables_draws_them_at_once_and_the_next_page_still_waits(monkeypatch,
                                                                             generated_url):
    """Data quality's first screen is its tables (first_paint.tables_at_once): a new tab gets them
    in the first run, with no area waiting for the paint. Nothing reported a paint, so the next
    page's charts still wait for it (the tab has not loaded the charts' script)."""
    at = _new_tab(app_test(monkeypatch, generated_url, page="pages/data_quality.py")).run()
    no_exception(at)
    assert len(at.dataframe) >= 2 and not _notes(at) and not _reporters(at)
    at.switch_page("pages/overview.py").run()
    no_exception(at)
    assert _notes(at) == ["Drawing the chart…"] * 2 and _drawn(at) == 0
