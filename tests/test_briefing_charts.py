"""The briefing's charts when Chromium stops answering: each call to it has a deadline, a
Chromium that misses one is killed and the chart tried once more on a new one, and a second
miss is a ChartError that says what did not happen. Real Chromium (Debian's, through kaleido);
only the moment it stops answering is simulated, by a coroutine that never returns."""
import asyncio

import kaleido
from choreographer.browsers import BrowserFailedError
import plotly.graph_objects as go
import pytest

from briefing import charts

FIGURE = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]))


@pytest.fixture
def short_deadlines(monkeypatch):
    monkeypatch.setattr(charts, "START_SECONDS", 20.0)
    monkeypatch.setattr(charts, "DRAW_SECONDS", 3.0)
    monkeypatch.setattr(charts, "CLOSE_SECONDS", 3.0)
    charts._cache.clear()


@pytest.fixture
def browsers(monkeypatch):
    """Every Chromium process kaleido starts in the test (to check that each one is gone)."""
    started = []
    original = kaleido.Kaleido.open

    async def recording(self):
        await original(self)
        started.append(self.subprocess)

    monkeypatch.setattr(kaleido.Kaleido, "open", recording)
    return started


def _stuck_at(monkeypatch, method: str, times: int):
    """The first `times` calls of Kaleido.`method` never return (a Chromium that stopped
    answering); later calls are the real ones."""
    original = getattr(kaleido.Kaleido, method)
    calls = []

    async def maybe_stuck(self, *args, **kwargs):
        calls.append(method)
        if len(calls) <= times:
            await asyncio.sleep(3600)
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(kaleido.Kaleido, method, maybe_stuck)
    return calls


def test_a_chromium_that_stops_drawing_is_replaced_and_the_chart_drawn(
        monkeypatch, short_deadlines, browsers):
    calls = _stuck_at(monkeypatch, "calc_fig", times=1)
    with charts.session():
        image = charts.png(FIGURE, height_mm=60, width_mm=180)
        assert image.startswith(b"\x89PNG")
        assert len(calls) == 2 and len(browsers) == 2
        assert browsers[0].poll() is not None, "the Chromium that stopped answering is gone"
    assert all(p.poll() is not None for p in browsers)


def test_a_chromium_that_never_draws_is_a_chart_error_that_says_so(
        monkeypatch, short_deadlines, browsers):
    _stuck_at(monkeypatch, "calc_fig", times=99)
    with pytest.raises(charts.ChartError, match="did not draw a chart within 3 s"):
        with charts.session():
            charts.png(FIGURE, height_mm=60, width_mm=180)
    assert len(browsers) == 2 and all(p.poll() is not None for p in browsers)


def test_a_chromium_that_does_not_start_in_time_is_started_again(
        monkeypatch, short_deadlines, browsers):
    """The first start never ends; cancelled at the deadline it fails as choreographer's does
    (a BrowserFailedError, "seemed to close immediately"), and a second Chromium is started. The
    deadline leaves that real start 15 s: 5 s failed it once in a full run on 2 cores."""
    monkeypatch.setattr(charts, "START_SECONDS", 15.0)
    original = kaleido.Kaleido.open
    opened = []

    async def first_never_opens(self):
        opened.append(self)
        if len(opened) == 1:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                raise BrowserFailedError("The browser seemed to close immediately after "
                                         "starting.") from None
        return await original(self)

    monkeypatch.setattr(kaleido.Kaleido, "open", first_never_opens)
    with charts.session():
        assert charts.png(FIGURE, height_mm=60, width_mm=180).startswith(b"\x89PNG")
    assert len(opened) == 2


def test_a_chromium_that_does_not_close_in_time_is_killed(
        monkeypatch, short_deadlines, browsers):
    _stuck_at(monkeypatch, "close", times=1)
    with charts.session():
        charts.png(FIGURE, height_mm=60, width_mm=180)
        assert browsers[0].poll() is None
    assert len(browsers) == 1 and browsers[0].poll() is not None
