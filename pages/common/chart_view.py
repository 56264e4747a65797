"""Draws a chart with the dashboard's own plotly.js, made of only the trace types its charts use.

st.plotly_chart's code carries the whole of plotly.js, 4.8 MB: a new browser tab spent about
1.2 s of its main thread running it before its first chart could be drawn, the most of what
kept a chart page's first screen above 2 s (docs/shared-path.md). `static/plotly-dashboard.min.js`
is plotly.js 4.1 (the version Streamlit 1.67 carries) with the core (scatter), bar, histogram and
choropleth only: 1.4 MB, about 0.2 s. It is built by deploy/plotly/build.sh and served by
Streamlit itself from `static/` (server.enableStaticServing): nothing is asked of another machine.

The chart is a component (components.v2: in the page, no iframe) that loads that script once
per tab and draws the figure sent to it with Plotly.react. The figure keeps the look Streamlit's
chart gave it (plotly_theme.json: what Streamlit's frontend made of its theme, light mode). A
chart that is also a widget (the map's click) reports the clicked points as its `select`
trigger, read as `result.selection.points`, like st.plotly_chart's.
"""
import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import orjson
import streamlit as st

from pages.common import i18n

SCRIPT = "app/static/plotly-dashboard.min.js"     # relative: works under a proxy's path prefix
# Versioned by its content: a browser that kept an older build (Streamlit sends no cache header
# for static/, so browsers keep it by their own rule) asks for the new one after an upgrade.
# Behind the proxy this URL is marked immutable (deploy/nginx.conf.template).
_BUILT = Path(__file__).resolve().parents[2] / "static" / "plotly-dashboard.min.js"
SCRIPT_URL = f"{SCRIPT}?v={hashlib.sha256(_BUILT.read_bytes()).hexdigest()[:12]}"
# What deploy/plotly/entry.js registers: a figure with any other trace type would draw nothing.
TRACE_TYPES = frozenset({"scatter", "bar", "histogram", "choropleth"})
THEME = json.loads((Path(__file__).with_name("plotly_theme.json")).read_text(encoding="utf-8"))
NAME = "dashboard_chart"        # the component's
CSS_CLASS = "dashboard-chart"   # the drawing area; `.main-svg` inside it once drawn

T = {"en": {"failed": "The chart could not be drawn: its script did not load. Reload the page."},
     "ko": {"failed": "차트를 그리지 못했습니다: 스크립트를 불러오지 못했습니다. "
                      "페이지를 새로 고치세요."}}

# Once per tab: one <script> for every chart (a failed load is tried again by the next chart).
# Also in pages/common/first_paint.py's component, which starts the load as soon as a chart's
# empty area has been painted: the script then runs while the server sends the chart.
LOAD_JS = """
const SCRIPT = "SCRIPT_URL";
const loadPlotly = () => {
  if (!window.__dashboardPlotly) {
    window.__dashboardPlotly = new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = new URL(SCRIPT, document.baseURI).href;
      tag.onload = () => resolve(window.DashboardPlotly);
      tag.onerror = () => {
        window.__dashboardPlotly = null;
        tag.remove();
        reject(new Error(SCRIPT));
      };
      document.head.appendChild(tag);
    });
  }
  return window.__dashboardPlotly;
};
""".replace("SCRIPT_URL", SCRIPT_URL)

# Each render compares the figure's text with the one drawn, so a rerun that sends the same
# figure costs nothing, and a changed one is drawn by Plotly.react (which redraws only what
# changed). The area is as tall as the figure before and after it is drawn, so nothing moves
# (but a phone's map, cut to its frame once drawn: fitMap).
JS = LOAD_JS + """
// A map fitted to its districts (geo.fitbounds) is drawn in a square frame, as wide as its area
// on a phone, where an area made for a desktop left empty bands above and below it: there the
// area is cut to the frame's height, measured once drawn. Never taller than `full`.
const fitMap = (Plotly, box, full) => {
  const fl = box._fullLayout;
  const frame = box.querySelector(".geo .layer.bg rect");
  if (!fl || !fl.geo || !fl.geo.fitbounds || !frame) return null;
  const spare = fl._size.h - Number(frame.getAttribute("height"));
  const fitted = Math.round(Math.min(full, fl.height - spare));
  if (fitted > fl.height - 8) return null;
  box.style.height = fitted + "px";
  return Plotly.relayout(box, { height: fitted });
};
// On paper the sheet is narrower than the screen the chart was drawn for, and no script runs in
// between: each layer of the chart scales to the sheet instead (its viewBox here, and the print
// stylesheet's width; layout.PRINT_CSS), keeping its proportions (--chart-aspect).
const scalable = (box) => {
  const { width, height } = box._fullLayout;
  for (const svg of box.querySelectorAll(".main-svg")) {
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  }
  box.style.setProperty("--chart-aspect", `${width} / ${height}`);
};
const asText = (data) => typeof data === "string" ? data
  : new TextDecoder().decode(data instanceof ArrayBuffer ? new Uint8Array(data) : data);

export default function ({ parentElement, data, setTriggerValue }) {
  const text = asText(data);
  const { figure, config, height, select, failed } = JSON.parse(text);
  let box = parentElement.querySelector(":scope > .CSS_CLASS");
  if (!box) {
    box = document.createElement("div");
    box.className = "CSS_CLASS";
    box.style.width = "100%";
    parentElement.appendChild(box);
  }
  box.__report = setTriggerValue;
  if (box.__drawn !== text) {
    box.__drawn = text;
    box.style.height = height + "px";
    loadPlotly().then((Plotly) => {
      if (box.__drawn !== text) return null;       // a newer figure came meanwhile
      // Sized here, to the area's width: plotly's own autosize leaves a width it once took.
      const layout = { ...figure.layout, autosize: false, width: box.clientWidth || undefined,
                       height };
      return Plotly.react(box, figure.data || [], layout, config)
        .then(() => fitMap(Plotly, box, height))
        .then(() => {
          delete box.dataset.failed;
          scalable(box);
          if (!box.__scalable) {
            box.__scalable = true;
            box.on("plotly_afterplot", () => scalable(box));
          }
          if (select && !box.__listening) {
            box.__listening = true;
            box.on("plotly_click", (event) => box.__report("select", { points: event.points.map(
              (p) => ({ location: p.location ?? null, customdata: p.customdata ?? null,
                        curve_number: p.curveNumber ?? null,
                        point_index: p.pointIndex ?? p.pointNumber ?? null })) }));
          }
          if (!box.__resizing) {
            // A new width: the window's, or the sidebar opening or closing (a transition: acted
            // on once it has settled). Only a change: the observer's first call, at once, would
            // draw it all again.
            let width = box.clientWidth, settle;
            const fit = () => {
              if (box.clientWidth === width || !box.clientWidth || !box._fullLayout) return;
              width = box.clientWidth;
              box.style.height = height + "px";
              Plotly.relayout(box, { width, height }).then(() => fitMap(Plotly, box, height));
            };
            box.__resizing = new ResizeObserver(() => {
              clearTimeout(settle);
              settle = setTimeout(fit, 150);
            });
            box.__resizing.observe(box);
          }
        });
    }).catch(() => {
      box.__drawn = null;
      box.dataset.failed = "1";
      box.textContent = failed;
    });
  }
  return () => setTimeout(() => {
    if (box.isConnected) return;                   // rendered again, not removed
    if (box.__resizing) box.__resizing.disconnect();
    if (window.DashboardPlotly) window.DashboardPlotly.purge(box);
  }, 0);
}
""".replace("CSS_CLASS", CSS_CLASS)


def themed(spec: dict) -> dict:
    """The figure (plain data) with Streamlit's chart look in place of plotly's template, its
    title in bold as Streamlit showed it; refuses a trace type the script cannot draw."""
    unknown = {t.get("type", "scatter") for t in spec.get("data", [])} - TRACE_TYPES
    if unknown:
        raise ValueError(f"chart_view draws {sorted(TRACE_TYPES)}, not {sorted(unknown)}: add "
                         "them to deploy/plotly/entry.js and TRACE_TYPES, and rebuild")
    layout = spec.setdefault("layout", {})
    layout["template"] = THEME
    title = layout.get("title")
    text = title.get("text") if isinstance(title, dict) else None
    if text and not text.startswith("<b>"):
        title["text"] = f"<b>{text}</b>"
    return spec


def draw(spec: dict, *, key: str, height: int, config: dict, on_select: bool = False):
    """Draw a themed figure (plain data) full width; with on_select, return the click as
    `.selection.points` (a list of dicts with location and customdata), rerunning the page."""
    payload = orjson.dumps({"figure": spec, "config": config, "height": height,
                            "select": on_select, "failed": i18n.texts(T)["failed"]})
    component = st.components.v2.component(NAME, js=JS, isolate_styles=False)
    if not on_select:
        component(key=key, data=payload)
        return None
    clicked = component(key=key, data=payload, on_select_change=lambda: None).get("select")
    return SimpleNamespace(selection=SimpleNamespace(points=(clicked or {}).get("points", [])))
