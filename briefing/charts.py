"""Charts as PNG for the PDF: the dashboard's plotly figures through kaleido (headless Chromium).

kaleido 1.x drives the Chromium it finds (Debian's `chromium`), never downloads one, and uses the
plotly.js bundled with the plotly package; MathJax is switched off, so nothing leaves the machine.
Starting Chromium costs a few seconds, so `session()` keeps one running for a whole build and
each image then takes a fraction of a second. Identical figures (the city burn-up in several
packs of one language) are rendered once per session.

Every call to Chromium has a deadline. kaleido's own blocking server (`start_sync_server`) waits
without one: a Chromium that once never answered held a build (and the CI run) for ten minutes
until its caller gave up (1 December 2026). Here a Chromium that does not start, draw or close
in time is killed, and the chart is tried once more on a new one; a second failure is a
ChartError that names what did not happen.
"""
import asyncio
import hashlib
import os
import signal
import threading
import time
from contextlib import contextmanager

import plotly.io as pio

from data.errors import first_line

SCALE = 2.5           # pixels per CSS pixel: about 200 dpi at the printed size
WIDTH_PX = 760        # CSS pixels for the full text width of an A4 page
FONT = "Noto Sans CJK KR, Noto Sans CJK, sans-serif"
START_SECONDS = 60.0  # Chromium starts in 1-5 s, more under load
DRAW_SECONDS = 60.0   # a chart takes well under a second
CLOSE_SECONDS = 15.0
# A dead local proxy: should Chromium try any request, it cannot leave the machine (kaleido
# loads plotly.js from the plotly package, as a file).
NO_NETWORK = "http://127.0.0.1:9"
_lock = threading.RLock()
_cache: dict[str, bytes] = {}
_depth = 0
_chromium = None      # the session's _Chromium


class ChartError(RuntimeError):
    """A chart could not be drawn (no Chromium, or it failed); the message says which."""


class _NoAnswer(Exception):
    """Chromium did not answer in time (the message says to what)."""


class _Chromium:
    """One kaleido.Kaleido (one Chromium) on an event loop of its own thread; each call to it
    waits at most its deadline."""

    def __init__(self):
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="charts",
                                        daemon=True)
        self._thread.start()
        self._kaleido = None
        try:
            self._call(self._open(), START_SECONDS, "start")
        except BaseException:
            self.close()
            raise

    async def _open(self):
        import kaleido
        self._kaleido = kaleido.Kaleido(mathjax=False, proxy_server=NO_NETWORK)
        await self._kaleido.open()

    def _call(self, coroutine, seconds: float, what: str):
        future = asyncio.run_coroutine_threadsafe(asyncio.wait_for(coroutine, seconds),
                                                  self._loop)
        started = time.monotonic()
        try:
            # a little longer than the loop's own deadline: for a loop that is itself stuck
            return future.result(seconds + 5)
        except TimeoutError:
            future.cancel()
            raise _NoAnswer(f"Chromium did not {what} within {seconds:.0f} s") from None
        except Exception as error:
            # Cancelled at the deadline, choreographer says the browser "seemed to close
            # immediately after starting" (its BrowserFailedError): a missed deadline all the
            # same, which is tried again, not a Chromium that cannot run.
            if time.monotonic() - started >= seconds:
                raise _NoAnswer(f"Chromium did not {what} within {seconds:.0f} s") from error
            raise

    def png(self, spec: dict) -> bytes:
        layout = spec["layout"]
        return self._call(self._kaleido.calc_fig(spec, opts={
            "format": "png", "scale": SCALE, "width": layout["width"],
            "height": layout["height"]}), DRAW_SECONDS, "draw a chart")

    def close(self) -> None:
        """Close Chromium; kill it (its process group) when it does not close in time."""
        try:
            if self._kaleido is not None:
                self._call(self._kaleido.close(), CLOSE_SECONDS, "close")
        except Exception:  # noqa: BLE001 - whatever went wrong, the process must go
            _kill(getattr(self._kaleido, "subprocess", None))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
            if not self._thread.is_alive():  # a loop stuck in a call is left to the process
                self._loop.close()


def _kill(process) -> None:
    """Kill a Chromium that kaleido started (its own process group, with its helpers)."""
    if process is None or process.poll() is not None:
        return
    try:
        group = os.getpgid(process.pid)
        if group != os.getpgid(0):
            os.killpg(group, signal.SIGKILL)
        else:
            process.kill()
        process.wait(5)
    except (ProcessLookupError, ChildProcessError):
        pass


def _start() -> _Chromium:
    """A started Chromium, tried twice."""
    for attempt in (1, 2):
        try:
            return _Chromium()
        except _NoAnswer as stuck:
            if attempt == 2:
                raise ChartError(f"cannot start Chromium for the charts ({stuck}); "
                                 "install Debian's chromium") from None
        except Exception as exc:  # noqa: BLE001 - any failure to start is the same to us
            raise ChartError(f"cannot start Chromium for the charts ({first_line(exc)}); "
                             "install Debian's chromium") from None


@contextmanager
def session():
    """Keep one Chromium for the charts drawn inside; nested sessions share it. One session at a
    time per process (a lock): the charts of a process share one Chromium."""
    global _depth, _chromium
    with _lock:
        if _depth == 0:
            pio.defaults.mathjax = False
            _chromium = _start()
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
            if _depth == 0:
                if _chromium is not None:
                    _chromium.close()
                _chromium = None
                _cache.clear()


def png(fig, *, height_mm: float, width_mm: float) -> bytes:
    """The figure as a PNG sized for `width_mm` x `height_mm` on the page, white background,
    the Korean-capable font. The figure itself is left unchanged."""
    fig = fig.to_dict() if hasattr(fig, "to_dict") else fig
    width = WIDTH_PX * width_mm / 186.0
    height = width * height_mm / width_mm
    layout = dict(fig.get("layout", {}))
    layout.update(template=pio.templates["plotly_white"], width=round(width),
                  height=round(height), font={"family": FONT, "size": 11})
    margin = dict(layout.get("margin") or {})
    margin.update(t=min(margin.get("t", 30), 30), l=margin.get("l", 60), r=20, b=70)
    layout["margin"] = margin
    legend = dict(layout.get("legend") or {})
    if legend.get("orientation") == "h":
        legend["y"] = -0.3  # below the axis title, which it covers at the dashboard's -0.2
    layout["legend"] = legend
    spec = {"data": fig.get("data", []), "layout": layout}
    key = hashlib.sha256(pio.to_json(spec).encode()).hexdigest()
    with _lock:
        if key in _cache:
            return _cache[key]
        if _depth == 0:
            with session():
                return _render(spec)
        image = _render(spec)
        _cache[key] = image
        return image


def _render(spec: dict) -> bytes:
    """The PNG from the session's Chromium; a Chromium that does not answer is replaced and the
    chart tried once more."""
    global _chromium
    for attempt in (1, 2):
        if _chromium is None:  # the last one did not answer
            _chromium = _start()
        try:
            return _chromium.png(spec)
        except _NoAnswer as stuck:
            _chromium.close()
            _chromium = None
            if attempt == 2:
                raise ChartError(f"a chart could not be drawn: {stuck}") from None
        except Exception as exc:  # noqa: BLE001 - kaleido raises many kinds; one line for the user
            raise ChartError(f"a chart could not be drawn: {first_line(exc)}") from None

