"""The district choropleth, drawn offline: plotly's geo choropleth (SVG) of the districts'
own boundaries, no base map, fitted to the districts drawn, and districts without a value drawn
grey, not left out.

SVG, not a tile map (MapLibre, as plotly's "choroplethmap"): a WebGL canvas is drawn in software
on an office PC without a GPU, and MapLibre's start-up cost a new tab 0.3-0.5 s of main-thread
time on the map pages (tests/bench_first_screen.py, docs/shared-path.md); SVG also prints as
sharp lines, and plotly fits the districts to whatever width the map gets (a phone) by itself.
Plotly's geo plots ask for a world base map (topojson) from cdn.plot.ly even when it is hidden:
the pages give it an empty one (pages/common/layout.py GEO_OFFLINE_JS), so nothing is fetched.

Pure: DataFrame and GeoJSON in, plotly Figure out.
"""
import textwrap

import pandas as pd
import plotly.graph_objects as go

from geo import boundaries

NO_DATA_COLOUR = "#d9d9d9"
# No base map of any kind (coasts, land, frame): only the districts' own shapes, fitted to them.
# Mercator, as every web map of Seoul the viewers know; nothing to drag (the map is a picker, and
# on a phone a drag over it scrolls the page).
GEO_LAYOUT = {"fitbounds": "locations", "visible": False, "projection": {"type": "mercator"},
              "bgcolor": "rgba(0,0,0,0)"}


def _hover_definition(text: str) -> str:
    return "<br>".join(textwrap.wrap(text, 60))


def choropleth(values: pd.DataFrame, *, value: str, value_label: str, definition: str = "",
               percent: bool = False, diverging: bool = False, geojson: dict | None = None,
               no_data_label: str = "no data", highlight: str | None = None,
               height_px: int = 600, higher_is_better: bool = True,
               points: str | None = None) -> go.Figure:
    """One polygon per row of `values` (district_code, name, `value`), coloured by `value`.

    Rows whose value is null are drawn grey and say `no_data_label` on hover. Districts with no
    boundary cannot be drawn (geo.boundaries.missing tells which). The worst districts are the
    darkest (viridis, which stays readable for colour-blind viewers): the lowest values when
    `higher_is_better`, else the highest. points: the value is a difference of two rates, shown
    in percentage points with this unit ("pt", "%p").

    Each trace carries the boundaries of its own districts only: the browser is sent each
    district's boundary once (given one collection for both traces, plotly sends it twice, 1.4 MB
    each at national scale).
    """
    d = values.copy()
    d["district_code"] = d["district_code"].astype(str)
    geojson = geojson or boundaries.for_districts(d["district_code"])
    about = _hover_definition(definition)
    unit = (points if points.startswith("%") else f" {points}") if points else ""
    if points:
        d[value] = d[value].astype(float) * 100
    fmt = f"%{{z:+.1f}}{unit}" if points else "%{z:.1%}" if percent else "%{z:,.2f}"
    has = d[d[value].notna()]
    none = d[d[value].isna()]
    fig = go.Figure()
    if len(none):
        fig.add_trace(go.Choropleth(
            geojson=_only(geojson, none["district_code"]),
            featureidkey=f"properties.{boundaries.KEY}",
            locations=none["district_code"], z=[0] * len(none), meta="no_data",
            colorscale=[[0, NO_DATA_COLOUR], [1, NO_DATA_COLOUR]], showscale=False,
            marker={"line": {"color": "white", "width": 1}}, name=no_data_label,
            text=none["name"], hovertemplate=f"<b>%{{text}}</b><br>{no_data_label}<extra></extra>",
        ))
    if len(has):
        extra = {}
        if diverging:
            top = float(has[value].abs().max()) or 1.0
            extra = {"colorscale": "RdBu", "zmid": 0, "zmin": -top, "zmax": top}
        else:
            extra = {"colorscale": "Viridis", "reversescale": not higher_is_better}
        fig.add_trace(go.Choropleth(
            geojson=_only(geojson, has["district_code"]),
            featureidkey=f"properties.{boundaries.KEY}",
            locations=has["district_code"], z=has[value].astype(float), meta="value",
            marker={"line": {"color": "white", "width": 1}, "opacity": 0.85}, name=value_label,
            text=has["name"], customdata=has["district_code"],
            # Below the map, not beside it: on a phone a side bar took a quarter of the width.
            colorbar={"title": {"text": value_label, "side": "top"}, "orientation": "h",
                      "x": 0.5, "xanchor": "center", "y": 0, "yanchor": "top", "len": 0.8,
                      "thickness": 14,
                      "tickformat": ".0%" if percent and not points else ",~f",
                      "ticksuffix": unit or None},
            hovertemplate=f"<b>%{{text}}</b><br>{value_label}: {fmt}<br><br>"
                          f"<span style='font-size:11px'>{about}</span><extra></extra>",
            **extra,
        ))
    if highlight is not None and highlight in set(d["district_code"]):
        fig.add_trace(go.Choropleth(
            geojson=boundaries.for_districts([highlight]),
            featureidkey=f"properties.{boundaries.KEY}", locations=[highlight], z=[0],
            meta="highlight", colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
            showscale=False, marker={"line": {"color": "#E69F00", "width": 4}},
            hoverinfo="skip",
        ))
    fig.update_layout(geo=GEO_LAYOUT, margin={"l": 0, "r": 0, "t": 0, "b": 0},
                      height=height_px, clickmode="event+select", dragmode=False)
    return fig


def _only(collection: dict, codes) -> dict:
    """The features of `collection` for these district codes (shared, not copied)."""
    wanted = {str(c) for c in codes}
    return {"type": "FeatureCollection",
            "features": [f for f in collection["features"]
                         if str(f["properties"][boundaries.KEY]) in wanted]}


def locations(fig: go.Figure) -> set[str]:
    """Every district drawn on the map (valued and grey), for tests and checks."""
    return {str(loc) for tr in fig.data if tr.meta in ("value", "no_data") for loc in tr.locations}
