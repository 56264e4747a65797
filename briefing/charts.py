"""Charts as PNG for the PDF: the dashboard's plotly figures through kaleido (headless Chromium).

kaleido 1.x drives the Chromium it finds (Debian's `chromium`), never downloads one, and uses the
plotly.js bundled with the plotly package; MathJax is switched off, so nothing leaves the machine.
Starting Chromium costs a few seconds, so `session()` keeps one running for a whole build and
each image then takes a fraction of a second. Identical figures (the city burn-up in several
packs of one language) are rendered once per session.
"""
import hashlib
import threading
from contextlib import contextmanager

import plotly.io as pio

SCALE = 2.5           # pixels per CSS pixel: about 200 dpi at the printed size
WIDTH_PX = 760        # CSS pixels for the full text width of an A4 page
FONT = "Noto Sans CJK KR, Noto Sans CJK, sans-serif"
_lock = threading.RLock()
_cache: dict[str, bytes] = {}
_depth = 0


class ChartError(RuntimeError):
    """A chart could not be drawn (no Chromium, or it failed); the message says which."""


@contextmanager
def session():
    """Keep one Chromium for the charts drawn inside; nested sessions share it. One session at a
    time per process (a lock), since kaleido's server is a process-wide singleton."""
    global _depth
    import kaleido
    with _lock:
        if _depth == 0:
            pio.defaults.mathjax = False
            try:
                # A dead local proxy: should Chromium try any request, it cannot leave the
                # machine (kaleido loads plotly.js from the plotly package, as a file).
                kaleido.start_sync_server(mathjax=False, silence_warnings=True,
                                          proxy_server="http://127.0.0.1:9")
            except Exception as exc:  # noqa: BLE001 - any failure to start is the same to us
                raise ChartError(f"cannot start Chromium for the charts ({_first_line(exc)}); "
                                 "install Debian's chromium") from None
        _depth += 1
        try:
            yield
        finally:
            _depth -= 1
            if _depth == 0:
                kaleido.stop_sync_server(silence_warnings=True)
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
    import kaleido
    layout = spec["layout"]
    try:
        return kaleido.calc_fig_sync(spec, opts={"format": "png", "scale": SCALE,
                                                 "width": layout["width"],
                                                 "height": layout["height"]})
    except Exception as exc:  # noqa: BLE001 - kaleido raises many kinds; one line for the user
        raise ChartError(f"a chart could not be drawn: {_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
