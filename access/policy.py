"""What a viewer may receive of a query's result: one function, `apply`, called on every result.

The rules (../shared/spec/programme.md: a district head never sees child-level rows of another
district):

- `response_team`: everything, unchanged.
- `city`: every district's figures; child-level queries are refused (PermissionError).
- `district`: its own district raw; other districts' figures pass through small-cell suppression
  (access/suppression.py). Child-level queries must already be scoped by SQL to the viewer's own
  district: a row of another district here is a bug upstream, so it raises rather than being
  quietly filtered out.

Aggregate queries come back with the same columns for every role: the query's columns plus a
boolean `<column>_suppressed` for each count and each figure built on counts (all False when
nothing was masked), so the dashboard has one code path.

Call `apply` on the whole city's result (all districts), then filter for display: complementary
suppression needs every district's row to choose its complements. A result scoped by SQL to one
other district is refused for district viewers for that reason.

Unknown query names, and unknown columns in a known query, fail closed (ValueError): a new column
must be classified here before any district viewer receives it.
"""
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from access import suppression
from access.viewer import Viewer


class ScopeError(PermissionError):
    """A child-level result holds rows outside the viewer's district: the query was not scoped."""


@dataclass(frozen=True)
class QueryRules:
    columns: tuple                    # the query's columns (metrics.md, Query contract)
    child_level: bool = False
    public: bool = False              # no figure about children: the same for every role
    counts: tuple = ()                # counts of children or reports: suppressed
    hidden_counts: dict = field(default_factory=dict)  # {name: df -> Series}: counts a figure implies
    derived: dict = field(default_factory=dict)        # {column: (source columns...)}: masked with them
    row_totals: dict = field(default_factory=dict)     # {total: [parts]} additive within a row
    group_cols: tuple = ()            # rows sharing these form a column with a public city total
    complete_grid: bool = False       # absent rows mean zero: add them so zeros can be complements
    child_rows: str | None = None     # mixed: rows with a value in this column are child-level
    city_rows: bool = False           # rows with district_code "" are city totals: public
    # Working columns summed into the rows of both cohorts and dropped again: {name: df -> Series}.
    helpers: dict = field(default_factory=dict)
    # Non-count columns that add up over cohorts (the rest take the cohorts' one non-null value).
    additive: tuple = ()
    # Derived figures recomputed from the counts shown (rounded, or summed over cohorts):
    # df -> {column: Series}; rows where a source is masked come out empty anyway.
    recompute: Callable | None = None
    # Pages show this result with both cohorts summed per district: the summed rows are part of
    # the day's one system (access/scoped.py asks for them with grain=ALL).
    summed_grain: bool = False


def _seen_7d(df: pd.DataFrame) -> pd.Series:
    # pace_7d is a count of children over 7 days divided by 7: the count itself is disclosive.
    return (df["pace_7d"].astype(float) * 7).round()


def _neglect_remaining(df: pd.DataFrame) -> pd.Series:
    # neglect_remaining_per_planner times the (public) planner count gives a count of children.
    return (df["neglect_remaining_per_planner"].astype(float) * df["welfare_planners"].astype(float)).round()


def _ratio(num, den):
    num, den = num.astype(float), den.astype(float)
    return (num / den).where(den > 0)


def _progress_figures(df: pd.DataFrame) -> dict:
    out = {"completion_rate": _ratio(df["seen"], df["listed"])}
    if "_seen_7d" in df:
        out["pace_7d"] = df["_seen_7d"].astype(float) / 7
    if "_days_left" in df and "required_pace" in df:
        # (listed - seen) / (T - D); T - D is the same in every row, taken from the raw figures.
        remaining = df["listed"].astype(float) - df["seen"].astype(float)
        out["required_pace"] = (remaining / df["_days_left"]).where(df["required_pace"].notna())
    return out


def _days_left(df: pd.DataFrame) -> pd.Series:
    remaining = df["listed"].astype(float) - df["seen"].astype(float)
    days = (remaining / df["required_pace"].astype(float)).where(df["required_pace"] > 0)
    known = days.dropna()
    return pd.Series(float(known.median()) if len(known) else np.nan, index=df.index)


def _delay_day_total(df: pd.DataFrame) -> pd.Series:
    return df["mean_days"].astype(float).fillna(0) * (df["referrals"] - df["before_visit"])


RULES: dict[str, QueryRules] = {
    "district_progress": QueryRules(
        columns=("district_code", "cohort", "listed", "seen", "attempted_not_seen", "not_attempted",
                 "completion_rate", "plan_rate", "pace_7d", "required_pace", "projected_completion",
                 "two_person_rate", "unreachable"),
        counts=("listed", "seen", "attempted_not_seen", "not_attempted", "unreachable"),
        hidden_counts={"_seen_7d": _seen_7d},
        derived={
            "completion_rate": ("seen", "listed"),
            "pace_7d": ("_seen_7d",),
            "required_pace": ("listed", "seen"),
            "projected_completion": ("listed", "seen", "_seen_7d"),
            # Its denominator (seen visits) is not published; it moves with `seen`.
            "two_person_rate": ("seen",),
        },
        row_totals={"listed": ["seen", "attempted_not_seen", "not_attempted"]},
        group_cols=("cohort",),
        helpers={"_days_left": _days_left},
        additive=("required_pace",),
        recompute=_progress_figures,
        summed_grain=True,
    ),
    "referral_outcomes": QueryRules(
        columns=("district_code", "cohort", "kind", "outcome", "referrals", "children"),
        counts=("referrals", "children"),
        group_cols=("cohort", "kind", "outcome"),
        complete_grid=True,
    ),
    # Staff numbers are administrative facts about the city's workforce, not about children:
    # they stay published. Report counts and children per planner are suppressed.
    "staffing": QueryRules(
        columns=("district_code", "abuse_officials", "welfare_planners", "abuse_officials_target",
                 "reports_12m", "reports_per_official", "teams_of_two",
                 "neglect_remaining_per_planner"),
        counts=("reports_12m",),
        hidden_counts={"_neglect_remaining": _neglect_remaining},
        derived={
            "reports_per_official": ("reports_12m",),
            "neglect_remaining_per_planner": ("_neglect_remaining",),
        },
        recompute=lambda df: {
            "reports_per_official": _ratio(df["reports_12m"], df["abuse_officials"]),
            **({"neglect_remaining_per_planner": _ratio(df["_neglect_remaining"],
                                                        df["welfare_planners"])}
               if "_neglect_remaining" in df else {}),
        },
    ),
    # `cohort` is not a column of the query but a filter: access/scoped.py runs it per cohort and
    # for both, and labels the rows, so that one day's results are suppressed as one system.
    "daily_changes": QueryRules(
        columns=("district_code", "newly_seen", "new_referrals", "new_police_referrals", "new_high_risk",
                 "cohort"),
        group_cols=("cohort",),
        counts=("newly_seen", "new_referrals", "new_police_referrals", "new_high_risk"),
    ),
    # City totals have no district column and pass as they are. A per-district variant (with a
    # district_code column, all districts) is suppressed day by day.
    "city_progress_daily": QueryRules(
        columns=("date", "cohort", "listed", "seen", "completion_rate", "plan_rate", "district_code"),
        counts=("listed", "seen"),
        derived={"completion_rate": ("seen", "listed")},
        group_cols=("date", "cohort"),
        recompute=lambda df: {"completion_rate": _ratio(df["seen"], df["listed"])},
    ),
    "attention_list": QueryRules(
        columns=("child_id", "district_code", "cohort", "reason", "since"),
        child_level=True,
    ),
    "attention_detail": QueryRules(
        columns=("child_id", "district_code", "cohort", "reason", "since", "attempts",
                 "last_visit_on", "severity"),
        child_level=True,
    ),
    "data_quality_findings": QueryRules(
        columns=("child_id", "district_code", "cohort", "finding", "date"),
        child_level=True,
    ),
    # The true count of the attention list a page shows the first rows of: as sensitive as the
    # list (it is read with it, scoped in SQL to a head's district, refused to the city role).
    "data_quality_findings_first": QueryRules(
        columns=("child_id", "district_code", "cohort", "finding", "date"),
        child_level=True,
    ),
    "attention_counts": QueryRules(
        columns=("district_code", "cohort", "reason", "children"),
        child_level=True,
    ),
    "data_quality_counts": QueryRules(
        columns=("district_code", "finding", "findings", "children", "cohort"),
        counts=("findings", "children"),
        group_cols=("cohort", "finding"),
        complete_grid=True,
    ),
    "police_linkage": QueryRules(
        columns=("district_code", "children_at_risk", "children_police_referred", "police_linkage_rate"),
        counts=("children_at_risk", "children_police_referred"),
        derived={"police_linkage_rate": ("children_police_referred", "children_at_risk")},
        recompute=lambda df: {"police_linkage_rate": _ratio(df["children_police_referred"],
                                                            df["children_at_risk"])},
    ),
    "referral_delay": QueryRules(
        columns=("district_code", "cohort", "kind", "referrals", "mean_days", "same_day", "days_1_7",
                 "days_8_30", "over_30", "before_visit"),
        counts=("referrals", "same_day", "days_1_7", "days_8_30", "over_30", "before_visit"),
        # A mean over a few referrals gives away their delays: it goes with its count.
        derived={"mean_days": ("referrals", "before_visit")},
        row_totals={"referrals": ["same_day", "days_1_7", "days_8_30", "over_30", "before_visit"]},
        group_cols=("cohort", "kind"),
        complete_grid=True,
        helpers={"_day_total": _delay_day_total},
        # The mean itself stays exact in a cohort's row; summed over cohorts it is weighted.
        recompute=lambda df: ({"mean_days": _ratio(df["_day_total"],
                                                   df["referrals"] - df["before_visit"])}
                              if "_day_total" in df else {}),
    ),
    # Issue 10. The forecast: its quantiles and dates give away the counts they rest on. Its
    # city rows (district_code "") are city facts, public to every role.
    "completion_forecast": QueryRules(
        columns=("district_code", "cohort", "listed", "seen", "seen_by_deadline_p10",
                 "seen_by_deadline_p50", "seen_by_deadline_p90", "p_all_seen_by_deadline",
                 "finish_p10", "finish_p50", "finish_p90"),
        counts=("listed", "seen"),
        derived={c: ("listed", "seen") for c in (
            "seen_by_deadline_p10", "seen_by_deadline_p50", "seen_by_deadline_p90",
            "p_all_seen_by_deadline", "finish_p10", "finish_p50", "finish_p90")},
        group_cols=("cohort",),
        city_rows=True,
    ),
    # Staff placed and the forecast with them: staff numbers are public (as in staffing), the
    # expected unseen children are a count.
    "staffing_allocation": QueryRules(
        columns=("district_code", "cohort", "role", "in_post", "added", "expected_unseen_before",
                 "expected_unseen_after", "p_all_before", "p_all_after", "finish_p50_before",
                 "finish_p50_after", "needed_for_median", "needed_for_80pct",
                 "needed_visited_median", "needed_visited_80pct", "target_date"),
        hidden_counts={"_unseen": lambda df: df["expected_unseen_before"].astype(float).round()},
        derived={c: ("_unseen",) for c in (
            "expected_unseen_before", "expected_unseen_after", "p_all_before", "p_all_after",
            "finish_p50_before", "finish_p50_after")},
        group_cols=("cohort",),
    ),
    # Mixed: district alerts (no child_id) are district facts every role sees; child alerts
    # are child-level (own district only for a head, none for the city role).
    "alerts": QueryRules(
        columns=("rule", "district_code", "child_id", "first_raised", "days_open"),
        child_rows="child_id",
    ),
    # Whole-city facts with nothing about a district's children: the same for every role.
    # (child_population is the published census figure; table_freshness counts whole tables.)
    "districts": QueryRules(columns=("district_code", "name_ko", "name_en", "child_population"), public=True),
    "programme": QueryRules(columns=("start_date", "deadline", "reports_per_official"), public=True),
    "dataset_info": QueryRules(columns=("key", "value"), public=True),
    "table_freshness": QueryRules(columns=("table", "newest_date", "rows"), public=True),
}


def apply(query_name: str, df: pd.DataFrame, viewer: Viewer, *, district_code: str | None = None,
          grain: str | None = None) -> pd.DataFrame:
    """What `viewer` may receive of `df`, the result of query `query_name`.

    district_code: the district the query was scoped to by SQL (None: the whole city). A district
    viewer may scope an aggregate query only to their own district (see the module docstring).
    grain: None for the result's own rows; ALL for its rows summed over both cohorts (one per
    district and other key), suppressed as such, not summed from masked cells.
    """
    rules = RULES.get(query_name)
    if rules is None:
        raise ValueError(f"no access rules for query {query_name!r}: refusing to pass its result")
    unknown = [c for c in df.columns if c not in rules.columns]
    if unknown:
        raise ValueError(f"query {query_name!r} returned columns with no access rule: {unknown}")

    if rules.child_level:
        return _child_level(query_name, df, viewer)
    if rules.child_rows:
        child = df[rules.child_rows].notna().to_numpy()
        if viewer.role == "city":
            return df[~child].reset_index(drop=True)
        if viewer.role == "district":
            mine = (df["district_code"] == viewer.district_code).to_numpy()
            return df[~child | mine].reset_index(drop=True)
        return df.copy()
    if rules.public:
        return df.copy()
    if rules.city_rows and "district_code" in df.columns and (df["district_code"] == "").any():
        city = df["district_code"] == ""
        districts = apply(query_name, df[~city].reset_index(drop=True), viewer,
                          district_code=district_code)
        return pd.concat([districts, _with_markers(df[city], rules, masked=None)],
                         ignore_index=True)

    if viewer.role == "district" and district_code not in (None, viewer.district_code):
        raise PermissionError(
            f"{query_name}: run it for the whole city and filter after apply(); a result of "
            "another single district cannot be suppressed safely on its own")
    if "district_code" not in df.columns:
        # A city-level aggregate (city_progress_daily without districts), or scoped to the
        # viewer's own district: public to every role.
        return _with_markers(_grain(df, rules, grain), rules, masked=None)

    if viewer.role != "district":
        return _with_markers(_grain(df, rules, grain), rules, masked=None)
    return _suppressed(query_name, df, rules, own=viewer.district_code, grain=grain)


def for_sharing(query_name: str, df: pd.DataFrame, *, grain: str | None = None,
                viewer: Viewer | None = None) -> pd.DataFrame:
    """An aggregate result fit to leave the secure view (a report, an e-mail, a press office):
    every district's small cells suppressed, with the same complementary suppression as for a
    district head, and no district exempt. Child-level results are never shared (PermissionError).
    `df` must hold the whole city's rows."""
    rules = RULES.get(query_name)
    if rules is None:
        raise ValueError(f"no access rules for query {query_name!r}: refusing to share its result")
    if rules.child_level:
        raise PermissionError(f"{query_name} is child-level: it is never exported for sharing")
    if rules.child_rows:
        return df[df[rules.child_rows].isna()].reset_index(drop=True)
    if rules.public:
        return df.copy()
    if rules.city_rows and "district_code" in df.columns and (df["district_code"] == "").any():
        city = df["district_code"] == ""
        return pd.concat([for_sharing(query_name, df[~city].reset_index(drop=True), viewer=viewer),
                          _with_markers(df[city], rules, masked=None)], ignore_index=True)
    if "district_code" not in df.columns:
        # A city-wide series (day by day) can be differenced into small counts: not shareable.
        raise PermissionError(f"{query_name} without districts is not exported for sharing")
    own = viewer.district_code if viewer is not None and viewer.role == "district" else None
    return _suppressed(query_name, df, rules, own=own, grain=grain, exempt=False)


def _child_level(query_name, df, viewer):
    if viewer.role == "city":
        raise PermissionError(f"the city role sees no child-level rows ({query_name})")
    if viewer.role == "district":
        others = df.loc[df["district_code"] != viewer.district_code, "district_code"]
        if len(others):
            raise ScopeError(
                f"{query_name} holds {len(others)} row(s) outside district {viewer.district_code}: "
                "the query must be scoped to the viewer's district in SQL")
    return df


def _marked_columns(rules):
    return [c for c in rules.counts] + [c for c in rules.derived if not c.startswith("_")]


def _with_markers(df, rules, masked):
    out = df.copy()
    for col in _marked_columns(rules):
        if col in out.columns:
            out[suppression.marker(col)] = False
    return out


ALL = "all"  # the cohort label of rows summed over both cohorts
_MASKS: "OrderedDict[str, np.ndarray]" = OrderedDict()
_MASKS_KEPT = 256


def _grain(df, rules, grain):
    """The rows of one grain of a result for viewers who see it raw."""
    if grain is None:
        return df.reset_index(drop=True)
    union, _ = _with_all_cohorts(df.reset_index(drop=True), rules,
                                 [c for c in rules.counts if c in df.columns])
    return union[union["cohort"] == ALL].drop(columns=["_union"]).reset_index(drop=True)


def _with_all_cohorts(work, rules, counts):
    """work plus one row per district (and other key) summing its cohorts, labelled ALL, when
    the result has a cohort column with more than one cohort and no such rows yet; and the
    sums (total row, part rows) tying them together. `_union` marks the rows added."""
    work = work.assign(_union=False)
    if "cohort" not in work.columns or not rules.summed_grain:
        return work, []
    if ALL in set(work["cohort"]):  # the caller ran the query for both cohorts too
        work["_union"] = work["cohort"] == ALL
        return work, _sums(work, rules)
    if work["cohort"].nunique() < 2:
        return work, []
    keys = ["district_code", *[c for c in rules.group_cols if c != "cohort" and c in work.columns]]
    summed = [c for c in (*counts, *rules.helpers, *rules.hidden_counts) if c in work.columns]
    agg = {c: "sum" for c in summed}
    for c in work.columns:
        if c in keys or c in agg or c in ("cohort", "_union", "_added"):
            continue
        agg[c] = "sum" if c in rules.additive else "max"
    if "_added" in work.columns:
        agg["_added"] = "min"
    all_rows = work.groupby(keys, sort=False, dropna=False).agg(agg).reset_index()
    all_rows["cohort"] = ALL
    all_rows["_union"] = True
    if rules.recompute is not None:
        for col, values in rules.recompute(all_rows).items():
            all_rows[col] = values
    union = pd.concat([work, all_rows[work.columns]], ignore_index=True)
    return union, _sums(union, rules)


def _sums(union, rules):
    """(row of both cohorts, rows of each cohort) for every district and other key."""
    keys = ["district_code", *[c for c in rules.group_cols if c != "cohort" and c in union.columns]]
    sums = []
    by = keys if len(keys) > 1 else keys[0]
    for _, rows in union.groupby(by, sort=False, dropna=False).groups.items():
        total = [r for r in rows if union.at[r, "cohort"] == ALL]
        parts = [r for r in rows if union.at[r, "cohort"] != ALL]
        if len(total) == 1 and parts:
            sums.append((int(total[0]), [int(r) for r in parts]))
    return sums


def _memo(key, compute):
    if key in _MASKS:
        _MASKS.move_to_end(key)
        return _MASKS[key]
    value = compute()
    _MASKS[key] = value
    while len(_MASKS) > _MASKS_KEPT:
        _MASKS.popitem(last=False)
    return value


def _scope_mask(name, union, counts, lines, k, own):
    """suppression.scope_mask for this system and scope, memoised: the base mask is the same
    for every scope of the day, a head's is the same for every head of the district."""
    values = union[counts].to_numpy(dtype=float, na_value=np.nan)
    owners = union["district_code"].astype(str).to_numpy()
    digest = hashlib.sha256()
    for part in (name, repr(counts), repr(k), repr(suppression.rounding_base()), values.tobytes(),
                 "|".join(owners), repr([(tuple(r), tuple(c)) for r, c, _ in lines])):
        digest.update(part if isinstance(part, bytes) else part.encode())
    key = digest.hexdigest()
    base = _memo(key, lambda: suppression.complete_suppression(
        values, suppression.primary_mask(values, np.zeros(len(owners), dtype=bool), k),
        np.zeros(len(owners), dtype=bool), lines))
    return _memo(f"{key}:{own}", lambda: suppression.scope_mask(values, lines, owners, own, k,
                                                                base=base)).copy()


def _suppressed(name, df, rules, *, own, grain=None, exempt=True):
    """The one suppressed system of a day's result for one scope: every grain (each cohort, both
    summed), one set of masked cells (suppression.scope_mask with `own` known); `own`'s rows raw
    unless not `exempt` (its exports for sharing), other districts' published counts rounded
    (suppression.round_to_base) and their figures recomputed from them."""
    work = _complete(df, rules) if rules.complete_grid else df.reset_index(drop=True).copy()
    present = [c for c in rules.counts if c in work.columns]
    for extra in (rules.hidden_counts, rules.helpers):
        for col, compute in extra.items():
            try:
                work[col] = compute(work)
            except KeyError:
                pass  # the figure that implies it is not in this result
    hidden = [c for c in rules.hidden_counts if c in work.columns]
    helpers = [c for c in rules.helpers if c in work.columns]
    counts = present + hidden
    union, sums = _with_all_cohorts(work, rules, counts)
    group_cols = [c for c in rules.group_cols if c in union.columns]
    lines = suppression.make_lines(
        (len(union), len(counts)),
        row_groups=suppression._row_groups(counts, {t: p for t, p in rules.row_totals.items()
                                                   if t in present and all(x in present for x in p)}),
        col_groups=suppression._col_groups(union, group_cols), sums=sums)
    k = suppression.threshold()
    masked = _scope_mask(name, union, counts, lines, k, own)
    mine = (union["district_code"] == own).to_numpy() if own is not None and exempt \
        else np.zeros(len(union), bool)
    masked[mine] = False
    values = union[counts].to_numpy(dtype=float, na_value=np.nan)
    shown = values.copy()
    shown[~mine] = suppression.round_to_base(values[~mine])
    derived = {c: tuple(x for x in sources if x in counts)
               for c, sources in rules.derived.items() if c in union.columns}
    out = suppression.with_mask(union, counts, masked, {c: s for c, s in derived.items() if s},
                                shown=shown)
    if rules.recompute is not None:
        redo = ~mine | out["_union"].to_numpy(dtype=bool)
        for col, values_ in rules.recompute(out).items():
            if col in out.columns:
                kept = out[col].where(~redo, values_) if out[col].dtype != object else out[col]
                out[col] = kept.where(~out[suppression.marker(col)], np.nan) \
                    if suppression.marker(col) in out.columns else kept
    out = out.drop(columns=hidden + helpers + [suppression.marker(h) for h in hidden])
    if grain == ALL:
        out = out[out["cohort"] == ALL]
    else:
        out = out[~out["_union"].to_numpy(dtype=bool)]
    out = out.drop(columns=["_union"])
    if rules.complete_grid:
        # Rows added as zeros and still published as zero carry nothing: drop them again, keep
        # the masked ones (a masked zero is indistinguishable from a masked small count).
        added = out.pop("_added").to_numpy(dtype=bool)
        any_masked = np.zeros(len(out), dtype=bool)
        for col in present:
            any_masked |= out[suppression.marker(col)].to_numpy(dtype=bool)
        out = out[~added | any_masked]
    out = out.reset_index(drop=True)
    for col in _marked_columns(rules):
        if col in out.columns and suppression.marker(col) not in out.columns:
            out[suppression.marker(col)] = False
    return out


def _complete(df, rules):
    """Every district present times every group present, absent combinations as zero counts."""
    group_cols = [c for c in rules.group_cols if c in df.columns]
    keys = ["district_code", *group_cols]
    districts = df["district_code"].drop_duplicates()
    groups = df[group_cols].drop_duplicates()
    grid = districts.to_frame().merge(groups, how="cross")
    out = grid.merge(df, on=keys, how="left", indicator=True)
    out["_added"] = out.pop("_merge") == "left_only"
    for col in rules.counts:
        if col in out.columns:
            out[col] = out[col].fillna(0)
    return out[[c for c in df.columns] + ["_added"]]
