"""pages/common/chart_view.py: what the server sends a chart (the browser's side is in
tests/browser/test_charts.py)."""
import pytest

from pages.common import chart_view


def test_a_trace_type_the_charts_script_cannot_draw_is_refused_by_name():
    spec = {"data": [{"type": "bar"}, {"type": "pie"}, {"type": "sunburst"}], "layout": {}}
    with pytest.raises(ValueError, match=r"not \['pie', 'sunburst'\]"):
        chart_view.themed(spec)


def test_a_chart_gets_streamlits_look_in_place_of_plotlys_and_its_title_in_bold():
    spec = {"data": [{"x": [1], "y": [2]}],     # no type: plotly's scatter
            "layout": {"template": {"layout": {"font": {"family": "Open Sans"}}},
                       "title": {"text": "Officials"}}}
    themed = chart_view.themed(spec)
    assert themed["layout"]["template"] == chart_view.THEME
    assert themed["layout"]["template"]["layout"]["font"]["family"] == '"Source Sans", sans-serif'
    assert themed["layout"]["title"]["text"] == "<b>Officials</b>"
