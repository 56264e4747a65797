"""Figure builders of the operational pages (inspections, referrals, staffing, data quality).

Pure functions: a DataFrame in (already with display names in `district_name` and, where it
matters, `cohort_name`), a plotly figure out. No Streamlit here, so every builder can be tested
without a page. Text shown on a figure comes in `labels` (the page's own language); a missing key
shows the key itself, which keeps the builders usable from tests and notebooks.
"""
from collections.abc import Mapping

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from pages.common.figures import OKABE_ITO, ZERO_COLOUR

# Fixed colours so the same category looks the same on every figure and page, from Okabe & Ito's
# colour-blind-safe palette: seen / attempted / not attempted stay apart under deuteranopia.
SPLIT_COLOURS = {"seen": "#0072B2", "attempted_not_seen": "#E69F00", "not_attempted": "#CC79A7"}
OPEN_COLOUR, CLOSED_COLOUR = "#E69F00", "#0072B2"
OVER_COLOUR, WITHIN_COLOUR = "#D55E00", "#0072B2"
TARGET_COLOUR = "#212121"
px.defaults.color_discrete_sequence = OKABE_ITO  # cohorts, kinds: the same safe cycle


def _l(labels: Mapping[str, str], key: str) -> str:
    return labels.get(key, key)


def _layout(fig: go.Figure, height: int | None = None) -> go.Figure:
    # The legend in a row above the chart, not in a column beside it: on a phone a column took
    # a third of the width from the bars.
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10), legend_title_text="",
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="left", x=0),
                      hovermode="closest")
    if height:
        fig.update_layout(height=height)
    return fig


def _values_shown(fig: go.Figure, fmt: str = ",.0f", suffix: str = "") -> go.Figure:
    """Each bar labelled with its value (outside a lone bar, inside a stacked part where it
    fits; plotly hides what does not fit) and a zero line along the value axis."""
    horizontal = any(getattr(t, "orientation", None) == "h" for t in fig.data)
    axis = "x" if horizontal else "y"
    stacked = fig.layout.barmode == "stack" and len(fig.data) > 1
    fig.update_traces(selector={"type": "bar"}, texttemplate=f"%{{{axis}:{fmt}}}{suffix}",
                      textposition="inside" if stacked else "outside", cliponaxis=False)
    fig.update_layout(uniformtext_minsize=9, uniformtext_mode="hide")
    if horizontal:
        fig.add_vline(x=0, line_color=ZERO_COLOUR, line_width=1)
    else:
        fig.add_hline(y=0, line_color=ZERO_COLOUR, line_width=1)
    return fig


def _district_height(df: pd.DataFrame) -> int:
    """Tall enough for one readable bar row per district."""
    return max(320, 22 * df["district_name"].nunique() + 120)


def _order(df: pd.DataFrame, value: str, ascending: bool = True) -> list[str]:
    """District names ordered by a value summed over cohorts (horizontal bars read top-down)."""
    totals = df.groupby("district_name", sort=False)[value].sum(min_count=1)
    return list(totals.sort_values(ascending=ascending, na_position="first").index)


def completion_by_district(df: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Completion rate per district and cohort (horizontal bars) with the plan as a line.

    df: district_progress rows with district_name, cohort_name, completion_rate, plan_rate.
    """
    data = df.assign(completion_pct=df["completion_rate"].astype("Float64") * 100)
    order = _order(data, "completion_pct", ascending=False)
    fig = px.bar(
        data, x="completion_pct", y="district_name", color="cohort_name", orientation="h",
        barmode="group", category_orders={"district_name": order},
        labels={"completion_pct": _l(labels, "completion_rate"), "district_name": "",
                "cohort_name": ""},
        range_x=[0, 100],
    )
    plan = data["plan_rate"].dropna()
    if len(plan):
        fig.add_vline(x=float(plan.iloc[0]) * 100, line_dash="dash", line_color=TARGET_COLOUR,
                      annotation_text=_l(labels, "plan_rate"), annotation_position="top")
    fig.update_xaxes(ticksuffix="%")
    _values_shown(fig, ".1f", "%")
    return _layout(fig, _district_height(data))


def inspection_split(df: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Seen / attempted but not seen / not attempted per district: stacked bars, one panel per
    cohort (the cohorts differ fifty-fold in size, so they do not share an axis).

    df: district_progress rows with district_name, cohort_name and the three counts.
    """
    parts = list(SPLIT_COLOURS)
    long = df[["district_name", "cohort_name", *parts]].melt(
        id_vars=["district_name", "cohort_name"], value_vars=parts, var_name="part",
        value_name="children")
    long["part_name"] = long["part"].map(lambda p: _l(labels, p))
    order = _order(df.assign(total=df[parts].sum(axis=1)), "total")
    fig = px.bar(
        long, x="children", y="district_name", color="part_name", orientation="h",
        facet_col="cohort_name", barmode="stack",
        category_orders={"district_name": order, "part_name": [_l(labels, p) for p in parts]},
        color_discrete_map={_l(labels, p): c for p, c in SPLIT_COLOURS.items()},
        labels={"children": _l(labels, "children"), "district_name": "", "part_name": "",
                "cohort_name": ""},
    )
    fig.update_xaxes(matches=None)
    fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))
    _values_shown(fig)
    return _layout(fig, _district_height(df))


def count_by_district(df: pd.DataFrame, value: str, labels: Mapping[str, str],
                      colour: str | None = "cohort_name") -> go.Figure:
    """A count per district (stacked by cohort when `colour` is given)."""
    order = _order(df, value)
    fig = px.bar(
        df, x=value, y="district_name", color=colour, orientation="h", barmode="stack",
        category_orders={"district_name": order},
        labels={value: _l(labels, value), "district_name": "", "cohort_name": ""},
    )
    _values_shown(fig, ",.0f" if pd.api.types.is_integer_dtype(df[value]) else ",.1f")
    return _layout(fig, _district_height(df))


def rate_by_district(df: pd.DataFrame, value: str, labels: Mapping[str, str],
                     target: float | None = None) -> go.Figure:
    """A 0..1 rate per district as a percentage bar, with an optional target line."""
    data = df.assign(pct=df[value].astype("Float64") * 100)
    order = _order(data, "pct")
    fig = px.bar(data, x="pct", y="district_name", orientation="h",
                 category_orders={"district_name": order},
                 labels={"pct": _l(labels, value), "district_name": ""}, range_x=[0, 100])
    if target is not None:
        fig.add_vline(x=target * 100, line_dash="dash", line_color=TARGET_COLOUR,
                      annotation_text=_l(labels, "target"), annotation_position="top")
    fig.update_xaxes(ticksuffix="%")
    _values_shown(fig, ".1f", "%")
    return _layout(fig, _district_height(data))


def value_vs_standard(df: pd.DataFrame, value: str, labels: Mapping[str, str],
                      standard: float | None = None) -> go.Figure:
    """A value per district (e.g. reports per official) with a vertical standard line; bars over
    the standard are coloured as such."""
    data = df.copy()
    data["over"] = (data[value].astype("Float64") > standard) if standard is not None else False
    data["over_name"] = data["over"].map(
        {True: _l(labels, "over_standard"), False: _l(labels, "within_standard")}).fillna(
        _l(labels, "within_standard"))
    order = _order(data, value)
    fig = px.bar(data, x=value, y="district_name", color="over_name", orientation="h",
                 category_orders={"district_name": order},
                 color_discrete_map={_l(labels, "over_standard"): OVER_COLOUR,
                                     _l(labels, "within_standard"): WITHIN_COLOUR},
                 labels={value: _l(labels, value), "district_name": "", "over_name": ""})
    if standard is not None:
        fig.add_vline(x=standard, line_dash="dash", line_color=TARGET_COLOUR,
                      annotation_text=_l(labels, "standard"), annotation_position="top")
    _values_shown(fig, ",.1f")
    return _layout(fig, _district_height(data))


def in_post_vs_target(df: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Officials in post per district as bars, the target as a marker on each bar.

    df: staffing rows with district_name, abuse_officials, abuse_officials_target.
    """
    order = _order(df, "abuse_officials")
    fig = go.Figure()
    fig.add_bar(x=df["abuse_officials"], y=df["district_name"], orientation="h",
                name=_l(labels, "abuse_officials"), marker_color=WITHIN_COLOUR)
    target = df.dropna(subset=["abuse_officials_target"])
    fig.add_scatter(x=target["abuse_officials_target"], y=target["district_name"], mode="markers",
                    name=_l(labels, "abuse_officials_target"),
                    marker=dict(symbol="line-ns", size=18, line=dict(width=3,
                                                                     color=TARGET_COLOUR)))
    fig.update_yaxes(categoryorder="array", categoryarray=order)
    fig.update_xaxes(title_text=_l(labels, "officials"))
    _values_shown(fig)
    return _layout(fig, _district_height(df))


def referrals_by_kind_outcome(df: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Referrals per kind (bars) split by outcome (stack): open first, then each result.

    df: referral_outcomes rows with kind_name, outcome_name, referrals (summed by the caller or
    not: plotly sums bars of the same kind and outcome).
    """
    data = df.groupby(["kind_name", "outcome_name"], as_index=False)["referrals"].sum()
    order = list(data.groupby("kind_name")["referrals"].sum().sort_values().index)
    open_name = _l(labels, "open")
    outcomes = [open_name] + sorted(o for o in data["outcome_name"].unique() if o != open_name)
    fig = px.bar(data, x="referrals", y="kind_name", color="outcome_name", orientation="h",
                 barmode="stack",
                 category_orders={"kind_name": order, "outcome_name": outcomes},
                 # Every outcome its own colour: plotly takes the cycle's colour at each
                 # outcome's place, and the second (Okabe-Ito orange) was open's own.
                 color_discrete_map=dict(zip(outcomes, [OPEN_COLOUR] + [
                     c for c in OKABE_ITO if c != OPEN_COLOUR] * len(outcomes))),
                 labels={"referrals": _l(labels, "referrals"), "kind_name": "",
                         "outcome_name": ""})
    return _layout(fig, max(300, 40 * len(order) + 120))


def referrals_by_district(df: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Referrals per district stacked by kind. df: district_name, kind_name, referrals."""
    data = df.groupby(["district_name", "kind_name"], as_index=False)["referrals"].sum()
    order = _order(data, "referrals")
    fig = px.bar(data, x="referrals", y="district_name", color="kind_name", orientation="h",
                 barmode="stack", category_orders={"district_name": order},
                 labels={"referrals": _l(labels, "referrals"), "district_name": "",
                         "kind_name": ""})
    return _layout(fig, _district_height(data))


def open_vs_closed(df: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Open and closed referrals per district. df: district_name, outcome, referrals."""
    data = df.assign(state=df["outcome"].eq("open").map(
        {True: _l(labels, "open"), False: _l(labels, "closed")}))
    data = data.groupby(["district_name", "state"], as_index=False)["referrals"].sum()
    order = _order(data, "referrals")
    fig = px.bar(data, x="referrals", y="district_name", color="state", orientation="h",
                 barmode="stack",
                 category_orders={"district_name": order,
                                  "state": [_l(labels, "open"), _l(labels, "closed")]},
                 color_discrete_map={_l(labels, "open"): OPEN_COLOUR,
                                     _l(labels, "closed"): CLOSED_COLOUR},
                 labels={"referrals": _l(labels, "referrals"), "district_name": "", "state": ""})
    return _layout(fig, _district_height(data))


def histogram(df: pd.DataFrame, value: str, labels: Mapping[str, str],
              colour: str | None = None, weight: str | None = None) -> go.Figure:
    """A distribution, e.g. days from visit to referral. With `weight`, df holds counts per value
    (already aggregated); without, one row per observation."""
    if weight:
        fig = px.bar(df, x=value, y=weight, color=colour,
                     labels={value: _l(labels, value), weight: _l(labels, weight),
                             colour or "": ""})
    else:
        fig = px.histogram(df, x=value, color=colour,
                           labels={value: _l(labels, value), colour or "": ""})
        fig.update_yaxes(title_text=_l(labels, "count"))
    fig.update_layout(barmode="stack", bargap=0.05)
    return _layout(fig, 360)


DELAY_BINS = ("same_day", "days_1_7", "days_8_30", "over_30", "before_visit")


def delay_summary(df: pd.DataFrame) -> pd.DataFrame:
    """referral_delay rows summed per kind_name: referrals, each delay bin, and the mean days
    recomputed from the sums (weighted by the referrals made on or after their visit). A sum
    over a suppressed (empty) cell is empty too, never a smaller number."""
    data = df.assign(on_or_after=df["referrals"] - df["before_visit"])
    data["day_total"] = data["mean_days"].where(data["on_or_after"] > 0, 0) * data["on_or_after"]
    out = data.groupby("kind_name", as_index=False)[
        ["referrals", *DELAY_BINS, "on_or_after", "day_total"]].agg(
        lambda s: s.sum(skipna=False))
    out["mean_days"] = (out["day_total"] / out["on_or_after"]).where(out["on_or_after"] > 0)
    return out.drop(columns=["on_or_after", "day_total"])


def delay_bins(df: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """Referrals per delay bin (same day, 1-7 days, ...), stacked by kind.

    df: referral_delay rows with kind_name and the bin counts.
    """
    long = df[["kind_name", *DELAY_BINS]].melt(
        id_vars=["kind_name"], value_vars=list(DELAY_BINS), var_name="bin",
        value_name="referrals")
    long = long.groupby(["bin", "kind_name"], as_index=False)["referrals"].sum()
    long["bin_name"] = long["bin"].map(lambda b: _l(labels, b))
    fig = px.bar(long, x="bin_name", y="referrals", color="kind_name", barmode="stack",
                 category_orders={"bin_name": [_l(labels, b) for b in DELAY_BINS]},
                 labels={"referrals": _l(labels, "referrals"), "bin_name": "", "kind_name": ""})
    return _layout(fig, 380)


def police_linkage(df: pd.DataFrame, labels: Mapping[str, str]) -> go.Figure:
    """At-risk repeat-report children per district: linked to the police, and not (stacked).

    df: police_linkage rows with district_name, children_at_risk, children_police_referred.
    """
    data = df.assign(not_linked=df["children_at_risk"] - df["children_police_referred"])
    long = data[["district_name", "children_police_referred", "not_linked"]].melt(
        id_vars=["district_name"], value_vars=["children_police_referred", "not_linked"],
        var_name="part", value_name="children")
    long["part_name"] = long["part"].map(lambda p: _l(labels, p))
    order = _order(data, "children_at_risk")
    fig = px.bar(long, x="children", y="district_name", color="part_name", orientation="h",
                 barmode="stack",
                 category_orders={"district_name": order,
                                  "part_name": [_l(labels, "children_police_referred"),
                                                _l(labels, "not_linked")]},
                 color_discrete_map={_l(labels, "children_police_referred"): WITHIN_COLOUR,
                                     _l(labels, "not_linked"): OVER_COLOUR},
                 labels={"children": _l(labels, "children"), "district_name": "",
                         "part_name": ""})
    return _layout(fig, _district_height(data))
