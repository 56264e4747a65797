"""A new tab's first page with charts comes in two steps (pages/common/first_paint.py), as the
server sends them: the figures with an empty area per chart and the component that reports the
browser's first paint; then, once painted, the charts. The browser's side of it (the component
reporting the paint, the charts drawn after the figures) is in tests/browser/test_first_visit.py.
"""
from pages.common import first_paint
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    app_test, fresh_caches, generated_url, no_exception,
)


def _notes(at) -> list[str]:
    return [c.value for c in at.caption if c.value in ("Drawing the chart…", "차트를 그리는 중…")]


def _new_tab(at):
    """The session of a tab that has not painted yet (app_test starts as after the paint)."""
    del at.session_state[first_paint.SHOWN]
    return at


def test_a_new_tab_gets_the_figures_first_and_each_chart_after_the_paint(monkeypatch,
                                                                          generated_url):
    at = _new_tab(app_test(monkeypatch, generated_url)).run()
    no_exception(at)
    assert at.metric                                   # the headline figures, at once
    assert not at.get("plotly_chart")
    waiting = len(_notes(at))
    reporters = at.get("bidi_component")
    assert [r.proto.component_name for r in reporters] == ["first_paint"]  # once per run
    at.run()                                           # a rerun before the paint: still waiting
    assert len(_notes(at)) == waiting and not at.get("plotly_chart")

    at.session_state[first_paint.SHOWN] = True         # what the component's report sets
    at.run()
    no_exception(at)
    assert len(at.get("plotly_chart")) == waiting == 2  # every area became its chart
    assert not _notes(at) and not at.get("bidi_component")


def test_the_note_is_in_the_tabs_language(monkeypatch, generated_url):
    at = _new_tab(app_test(monkeypatch, generated_url, filter_lang="ko")).run()
    no_exception(at)
    assert _notes(at) and set(_notes(at)) == {"차트를 그리는 중…"}


def test_a_page_without_charts_comes_in_one_step(monkeypatch, generated_url):
    at = _new_tab(app_test(monkeypatch, generated_url, page="pages/briefing.py")).run()
    no_exception(at)
    assert at.metric and not _notes(at) and not at.get("bidi_component")
