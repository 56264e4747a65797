"""Figure builders: DataFrame in, plotly Figure out. No Streamlit here, so each can be tested alone.

Texts come in through `labels` (the page passes its language's words); every trace carries a
language-independent `meta` key ("seen", "plan", ...) so tests and pages can find it.
"""
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

Z_95 = 1.959964      # two-sided 95 %
Z_998 = 3.090232     # two-sided 99.8 %
PROJECTION_CAP_DAYS = 90  # draw a slow projection only this far past the deadline

BURNUP_LABELS = {
    "listed": "Listed", "seen": "Seen", "plan": "Plan (straight line)",
    "projection": "Projection at current pace", "deadline": "Deadline",
    "x": "Day", "y": "Children",
}
FUNNEL_LABELS = {
    "districts": "Districts", "selected": "Selected district", "city": "City rate",
    "limit95": "95 % limits", "limit998": "99.8 % limits",
    "x": "Children listed", "y": "Completion",
}
# Okabe & Ito's palette: its colours stay apart for the common colour-vision deficiencies
# (tests/test_figures_ops.py checks the pairs that matter under simulated deuteranopia).
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000"]
COLOURS = {
    "listed": "#555555", "seen": "#0072B2", "plan": "#009E73", "projection": "#E69F00",
    "deadline": "#D55E00", "limit95": "#56B4E9", "limit998": "#0072B2", "selected": "#D55E00",
    "bar": "#0072B2", "bar_negative": "#D55E00", "highlight": "#E69F00",
}
TICK_COLOUR = "#31333F"  # 12.6:1 on white; Streamlit's default grey ticks are about 3.9:1
ZERO_COLOUR = "#31333F"


# Date axes and hover dates per language (d3-time-format): "1 Mar" / "3월 1일", never an English
# month name on a Korean page.
DATE_FORMATS = {"en": ("%-d %b", "%-d %b %Y"), "ko": ("%-m월 %-d일", "%Y년 %-m월 %-d일")}
# Numbers: thousands separators, never SI prefixes ("35,000", not "35k" or "16.90568k").
NUMBER_TICKS, NUMBER_HOVER = ",~f", ",.1~f"


def localize(fig: go.Figure, lang: str) -> go.Figure:
    """Dates and numbers of every axis in the language's formats, unless the builder chose a
    format already (a percentage axis keeps its own). Date axes are those a builder marked
    `type="date"`."""
    tick, hover = DATE_FORMATS.get(lang, DATE_FORMATS["en"])
    fig.update_layout(separators=".,")

    def fix(axis):
        if axis.type == "date":
            axis.update(tickformat=axis.tickformat or tick, hoverformat=hover)
        elif axis.type != "category" and not axis.tickformat:
            axis.update(tickformat=NUMBER_TICKS, hoverformat=axis.hoverformat or NUMBER_HOVER)

    fig.for_each_xaxis(fix)
    fig.for_each_yaxis(fix)
    return fig


def style(fig: go.Figure) -> go.Figure:
    """Readable ticks (contrast 4.5:1 or better) and the colour-blind-safe colour cycle."""
    fig.update_layout(colorway=OKABE_ITO)
    fig.update_xaxes(tickfont_color=TICK_COLOUR, title_font_color=TICK_COLOUR)
    fig.update_yaxes(tickfont_color=TICK_COLOUR, title_font_color=TICK_COLOUR)
    return fig


def _as_date(value) -> date:
    return pd.Timestamp(value).date()


def sum_cohorts(daily: pd.DataFrame) -> pd.DataFrame:
    """city_progress_daily rows (per day and cohort) summed per day; rates recomputed from sums."""
    if daily.empty:
        return pd.DataFrame(columns=["date", "listed", "seen", "completion_rate", "plan_rate"])
    out = (daily.assign(date=pd.to_datetime(daily["date"]))
           .groupby("date", as_index=False)
           .agg(listed=("listed", "sum"), seen=("seen", "sum"), plan_rate=("plan_rate", "max")))
    out["completion_rate"] = (out["seen"] / out["listed"]).where(out["listed"] > 0)
    return out.sort_values("date", ignore_index=True)


def projection_end(as_of: date, remaining: float, pace: float | None) -> date | None:
    """The day the remaining children are all seen at `pace` a day; None when pace is 0 or unknown."""
    if remaining <= 0:
        return as_of
    if pace is None or not pace > 0:
        return None
    return as_of + timedelta(days=math.ceil(remaining / pace))


def burnup(daily: pd.DataFrame, *, deadline: date, pace: float | None,
           labels: dict | None = None) -> go.Figure:
    """Seen and listed per day, the straight-line plan to the deadline, the deadline, and where
    the current pace (children first seen per day over the last 7 days) leads.

    daily: date, listed, seen, plan_rate for one series (use `sum_cohorts` first).
    """
    lab = {**BURNUP_LABELS, **(labels or {})}
    fig = go.Figure()
    d = daily.copy()
    d["date"] = pd.to_datetime(d["date"])
    d = d.sort_values("date")
    fig.add_trace(go.Scatter(x=d["date"], y=d["listed"], name=lab["listed"], meta="listed",
                             mode="lines", line={"color": COLOURS["listed"], "dash": "dot"}))
    fig.add_trace(go.Scatter(x=d["date"], y=d["seen"], name=lab["seen"], meta="seen",
                             mode="lines", line={"color": COLOURS["seen"], "width": 3}))
    deadline_ts = pd.Timestamp(deadline)
    y_top = float(d["listed"].max()) if len(d) else 0.0
    if len(d):
        last = d.iloc[-1]
        # The plan done by each day, then on to the deadline against the newest list size.
        plan_x = list(d["date"])
        plan_y = list(d["plan_rate"].astype(float) * d["listed"].astype(float))
        if last["date"] < deadline_ts:
            plan_x.append(deadline_ts)
            plan_y.append(float(last["listed"]))
        fig.add_trace(go.Scatter(x=plan_x, y=plan_y, name=lab["plan"], meta="plan", mode="lines",
                                 line={"color": COLOURS["plan"], "dash": "dash"}))
        remaining = float(last["listed"] - last["seen"])
        end = projection_end(_as_date(last["date"]), remaining, pace)
        if end is not None and remaining > 0:
            cap = deadline + timedelta(days=PROJECTION_CAP_DAYS)
            end_shown = min(end, max(cap, _as_date(last["date"])))
            days = (end_shown - _as_date(last["date"])).days
            y_end = min(float(last["listed"]), float(last["seen"]) + float(pace) * days)
            fig.add_trace(go.Scatter(
                x=[last["date"], pd.Timestamp(end_shown)], y=[float(last["seen"]), y_end],
                name=lab["projection"], meta="projection", mode="lines",
                line={"color": COLOURS["projection"], "dash": "dot", "width": 3}))
    fig.add_trace(go.Scatter(x=[deadline_ts, deadline_ts], y=[0, y_top * 1.05 or 1],
                             name=lab["deadline"], meta="deadline", mode="lines",
                             line={"color": COLOURS["deadline"], "width": 1}))
    fig.update_layout(xaxis_title=lab["x"], yaxis_title=lab["y"], hovermode="x unified",
                      legend={"orientation": "h", "y": -0.2}, margin={"t": 30})
    fig.update_yaxes(rangemode="tozero")
    fig.update_xaxes(type="date")
    return fig


def control_limits(p: float, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Binomial (normal approximation) limits around rate p for n children, clipped to 0..1."""
    n = np.asarray(n, dtype=float)
    half = z * np.sqrt(p * (1 - p) / n)
    return np.clip(p - half, 0, 1), np.clip(p + half, 0, 1)


def funnel(df: pd.DataFrame, *, highlight: str | None = None, labels: dict | None = None,
           percent_axis: bool = True, city_rate: float | None = None,
           note: str | None = None) -> go.Figure:
    """Completion rate against children listed per district, with 95 % and 99.8 % limits around
    the city rate (computed from the summed counts).

    df: district_code, name, listed, seen (one row per district; suppressed rows may hold nulls
    and are left out). city_rate: the city's rate from every district's counts (pass it when
    some rows are suppressed: the points left would give another line). note: a line of text
    on the chart (e.g. how many districts are hidden).
    """
    lab = {**FUNNEL_LABELS, **(labels or {})}
    d = df.dropna(subset=["listed", "seen"])
    d = d[d["listed"] > 0].copy()
    fig = go.Figure()
    if d.empty:
        return fig
    d["rate"] = d["seen"] / d["listed"]
    p = float(city_rate) if city_rate is not None else float(d["seen"].sum() / d["listed"].sum())
    n_max = float(d["listed"].max()) * 1.1
    n_min = max(1.0, float(d["listed"].min()) * 0.8)
    n = np.linspace(n_min, n_max, 120)
    for key, z in (("limit998", Z_998), ("limit95", Z_95)):
        low, high = control_limits(p, n, z)
        for part, y in (("low", low), ("high", high)):
            fig.add_trace(go.Scatter(x=n, y=y, mode="lines", name=lab[key], meta=f"{key}_{part}",
                                     legendgroup=key, showlegend=(part == "low"),
                                     line={"color": COLOURS[key], "dash": "dash"},
                                     hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[n_min, n_max], y=[p, p], mode="lines", name=lab["city"],
                             meta="city", line={"color": "#333333"}, hoverinfo="skip"))
    others = d[d["district_code"] != highlight]
    fig.add_trace(go.Scatter(
        x=others["listed"], y=others["rate"], mode="markers", name=lab["districts"],
        meta="districts", text=others["name"], customdata=others["district_code"],
        marker={"size": 9, "color": COLOURS["seen"]},
        hovertemplate="%{text}<br>%{x:,} · %{y:.1%}<extra></extra>"))
    chosen = d[d["district_code"] == highlight]
    if not chosen.empty:
        fig.add_trace(go.Scatter(
            x=chosen["listed"], y=chosen["rate"], mode="markers+text", name=lab["selected"],
            meta="selected", text=chosen["name"], textposition="top center",
            customdata=chosen["district_code"],
            marker={"size": 14, "color": COLOURS["selected"], "symbol": "diamond"},
            hovertemplate="%{text}<br>%{x:,} · %{y:.1%}<extra></extra>"))
    fig.update_layout(xaxis_title=lab["x"], yaxis_title=lab["y"], margin={"t": 30},
                      legend={"orientation": "h", "y": -0.2})
    if percent_axis:
        fig.update_yaxes(tickformat=".0%")
    _note(fig, note)
    return fig


def _note(fig: go.Figure, note: str | None) -> None:
    """A line of text at the chart's top left, in the figure itself (it travels with exports).
    Under a title it goes one line lower, so the two never overlap."""
    if note:
        titled = bool(fig.layout.title.text)
        fig.add_annotation(text=note, xref="paper", yref="paper", x=0, y=1.02, xanchor="left",
                           yanchor="bottom", showarrow=False, font={"size": 12},
                           name="hidden_note")
        if titled:
            fig.update_layout(title_y=1, title_yanchor="top", title_pad_t=8)
        fig.update_layout(margin={"t": 70 if titled else 40})


def district_bars(df: pd.DataFrame, *, value: str, name: str = "name", title: str = "",
                  highlight: str | None = None, percent: bool = False,
                  points: str | None = None, value_label: str | None = None,
                  note: str | None = None) -> go.Figure:
    """One horizontal bar per district, sorted by value, each labelled with its value, with a
    zero line; negative values in the warning colour.

    df: district_code, `name`, `value`. Rows with a null value are shown as empty bars at the end.
    percent: the value is a 0..1 rate. points: the value is a difference of two rates, shown in
    percentage points with this unit ("pt", "%p").
    """
    d = df.copy()
    d = d.sort_values(value, ascending=True, na_position="first")
    colours = [
        COLOURS["highlight"] if code == highlight
        else (COLOURS["bar_negative"] if pd.notna(v) and v < 0 else COLOURS["bar"])
        for code, v in zip(d["district_code"], d[value])
    ]
    x = d[value].astype(float) * 100 if points else d[value]
    unit = (points if points.startswith("%") else f" {points}") if points else ""
    if points:
        fmt = f"%{{x:+.1f}}{unit}"
    else:
        fmt = "%{x:.1%}" if percent else "%{x:,.1f}"
    fig = go.Figure(go.Bar(
        x=x, y=d[name], orientation="h", meta=value, customdata=d["district_code"],
        marker={"color": colours}, hovertemplate=f"%{{y}}: {fmt}<extra></extra>",
        texttemplate=fmt, textposition="outside", cliponaxis=False,
        name=value_label or value))
    fig.update_layout(title=title or None, margin={"t": 40 if title else 10, "l": 10, "r": 50},
                      height=max(250, 22 * len(d) + 80), xaxis_title=value_label or None)
    if points:
        fig.update_xaxes(ticksuffix=unit, tickformat="+,~f")
    elif percent:
        fig.update_xaxes(tickformat=".0%")
    fig.add_vline(x=0, line_color=ZERO_COLOUR, line_width=1)
    _note(fig, note)
    return fig


def grouped_bars(df: pd.DataFrame, *, x: str, y: str, colour: str, labels: dict | None = None,
                 title: str = "") -> go.Figure:
    """Bars of `y` per `x`, stacked by `colour` (e.g. referrals per kind and outcome)."""
    lab = labels or {}
    fig = go.Figure()
    for key, part in df.groupby(colour, sort=False):
        fig.add_trace(go.Bar(x=part[x], y=part[y], name=str(key), meta=str(key)))
    fig.update_layout(barmode="stack", title=title or None, xaxis_title=lab.get("x"),
                      yaxis_title=lab.get("y"), margin={"t": 40 if title else 10},
                      legend={"orientation": "h", "y": -0.25})
    return fig
