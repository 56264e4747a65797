"""What goes into one recipient's pack: pages of headings, notes, tables and charts, per role.

Pure data: nothing here draws a PDF or writes a workbook (briefing/pdf.py and briefing/workbook.py
do, from the same `Pack`, so the two hold the same tables). Every figure comes from
briefing/source.py, i.e. from the dashboard's server-side code with the recipient's scope.

- city: one A4 page (per cohort progress, burn-up, districts furthest behind, children linked).
- response_team: the city page, changes by district against the day before, the full attention
  list (landscape), the districts to call, the data-quality counts.
- district: the district against the true city figures, its funnel position, its burn-up,
  reports per official against the standard, all districts as a head sees them, its full
  attention list.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd

from briefing import texts
from access import scoped
from briefing.source import Source
from pages.common import figures, summaries

# The kinds of referral counted together, as on the Overview page.
KIND_GROUPS = {
    "police": ("police_investigation",),
    "agencies": ("protection_agency", "emergency_protection"),
    "services": ("welfare_service", "medical", "follow_up"),
}
CHANGES = ["newly_seen", "new_referrals", "new_police_referrals", "new_high_risk"]
FURTHEST_BEHIND = 5


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"   # text | int | num1 | rate | points | date | signed


@dataclass
class Table:
    sheet: str                       # the workbook sheet's name (31 characters at most)
    columns: list[Column]
    rows: pd.DataFrame
    child_level: bool = False
    in_pdf: bool = True              # False: workbook only (e.g. the data behind a chart)
    emphasis: str | None = None      # a key column value whose row is printed in bold
    emphasis_column: str | None = None


@dataclass
class Block:
    kind: str                        # heading | text | note | table | chart
    text: str = ""
    table: Table | None = None
    figure: object = None            # a plotly figure for kind "chart"
    height: float = 80.0             # mm, for charts


@dataclass
class Page:
    blocks: list[Block]
    landscape: bool = False
    definitions: list[str] = field(default_factory=list)  # figure keys defined on this page
    inline_definitions: bool = False  # print them on the page itself (the one-page city pack)


@dataclass
class Recipient:
    id: str                          # file names and --recipient: the e-mail, or a demo name
    role: str
    district: str | None = None
    lang: str = "ko"
    email: str | None = None

    @property
    def scope(self):
        return (self.role, self.district)


@dataclass
class Pack:
    recipient: Recipient
    as_of: date
    synthetic: bool
    words: texts.Words
    who: str                         # the recipient's role (and district) in words
    pages: list[Page]

    def tables(self) -> list[Table]:
        return [b.table for p in self.pages for b in p.blocks if b.table is not None]

    def child_rows(self) -> dict[str, int]:
        """Rows per child-level sheet (for the audit log)."""
        return {t.sheet: len(t.rows) for t in self.tables() if t.child_level}

    def definition_keys(self) -> list[str]:
        seen = []
        for page in self.pages:
            for key in page.definitions:
                if key not in seen:
                    seen.append(key)
        return seen


def build_pack(source: Source, recipient: Recipient) -> Pack:
    w = texts.Words(recipient.lang)
    names = source.district_names(recipient.lang)
    if recipient.role == "city":
        who = w["role_city"]
        pages = [city_page(source, w, names, recipient.scope)]
    elif recipient.role == "response_team":
        who = w["role_response_team"]
        pages = [city_page(source, w, names, recipient.scope),
                 *response_team_pages(source, w, names, recipient.scope)]
    elif recipient.role == "district":
        if recipient.district not in names:
            raise LookupError(f"recipient {recipient.id}: district {recipient.district} is not "
                              "in the database")
        who = w["role_district"].format(d=names[recipient.district])
        pages = district_pages(source, w, names, recipient.scope, recipient.district)
    else:
        raise ValueError(f"recipient {recipient.id}: unknown role {recipient.role!r}")
    return Pack(recipient=recipient, as_of=source.as_of, synthetic=source.synthetic(), words=w,
                who=who, pages=pages)


# --- the city page ------------------------------------------------------------------------------

def _progress_columns(w, first: Column) -> list[Column]:
    return [first,
            Column("listed", w.label("listed"), "int"),
            Column("seen", w.label("seen"), "int"),
            Column("completion_rate", w.label("completion_rate"), "rate"),
            Column("plan_rate", w.label("plan_rate"), "rate"),
            Column("gap_to_plan", w["gap_pt"], "points"),
            Column("projected_completion", w.label("projected_completion"), "date"),
            Column("days_after_deadline", w["days_after_deadline"], "signed"),
            Column("required_pace", w["pace_needed"], "num1"),
            Column("pace_7d", w["pace_now"], "num1")]


def burnup_labels(w) -> dict:
    return {"listed": w.label("listed"), "seen": w.label("seen"), "plan": w.label("plan_rate"),
            "projection": w.label("projected_completion"), "deadline": w.label("deadline"),
            "x": w["x_day"], "y": w["y_children"]}


def _burnup_table(w, daily: pd.DataFrame, sheet: str) -> Table:
    return Table(sheet, [Column("date", w["x_day"], "date"),
                         Column("listed", w.label("listed"), "int"),
                         Column("seen", w.label("seen"), "int"),
                         Column("completion_rate", w.label("completion_rate"), "rate"),
                         Column("plan_rate", w.label("plan_rate"), "rate")],
                 daily[["date", "listed", "seen", "completion_rate", "plan_rate"]], in_pdf=False)


def city_page(source: Source, w, names: dict, scope) -> Page:
    """One A4 page for the Deputy Mayor's office: the city's own totals, public to every role."""
    deadline = source.programme()["deadline"]
    per_cohort = source.city_progress(["cohort"])
    total = source.city_progress([])
    cohorts = pd.concat([per_cohort.assign(name=per_cohort["cohort"].map(w.cohort)),
                         total.assign(name=w["both"])], ignore_index=True)
    cohort_table = Table(w["sheet_cohorts"], _progress_columns(w, Column("name", w["cohort"])),
                         cohorts, emphasis=w["both"], emphasis_column="name")

    daily = figures.sum_cohorts(source.figure("city_progress_daily", scope))
    pace = total.iloc[0]["pace_7d"]
    chart = figures.localize(figures.burnup(daily, deadline=deadline,
                                            pace=None if pd.isna(pace) else float(pace),
                                            labels=burnup_labels(w)), w.lang)

    comparison = source.district_comparison(scope)
    active = int(comparison["districts_active"].iloc[0]) if len(comparison) else 0
    behind_n = int(comparison["districts_behind"].iloc[0]) if len(comparison) else 0
    behind = (comparison[comparison["is_behind"].fillna(False).astype(bool)]
              .nsmallest(FURTHEST_BEHIND, "gap_to_plan"))
    behind = behind.assign(name=behind["district_code"].map(names))
    behind_table = Table(w["sheet_behind"], [Column("name", w["district"]),
                          Column("completion_rate", w.label("completion_rate"), "rate"),
                          Column("plan_rate", w.label("plan_rate"), "rate"),
                          Column("gap_to_plan", w["gap_pt"], "points"),
                          Column("pace_7d", w["pace_now"], "num1"),
                          Column("required_pace", w["pace_needed"], "num1")], behind)

    outcomes = source.city_sums("referral_outcomes", ["kind", "outcome"], ["referrals", "children"])
    linked = pd.DataFrame([
        {"group": w[group],
         "children": outcomes.loc[outcomes["kind"].isin(kinds), "children"].sum()}
        for group, kinds in KIND_GROUPS.items()])
    linked_table = Table(w["sheet_referrals"], [Column("group", w["kind_group"]),
                                                Column("children", w["linked_children"], "int")],
                         linked)

    blocks = [Block("heading", w["cohorts"]), Block("table", table=cohort_table),
              Block("heading", w["burnup"]), Block("chart", figure=chart, height=72),
              Block("table", table=_burnup_table(w, daily, w["sheet_burnup"])),
              Block("heading", w["behind"].format(n=behind_n, total=active))]
    blocks.append(Block("table", table=behind_table) if len(behind)
                  else Block("text", w["none_behind"]))
    blocks += [Block("heading", w["referrals"]), Block("table", table=linked_table)]
    return Page(blocks, definitions=["as_of", "listed", "seen", "completion_rate", "plan_rate",
                                     "gap_to_plan", "projected_completion", "required_pace",
                                     "pace_7d", "districts_behind", "referral_children"],
                inline_definitions=True)


# --- the Response Team's pages ------------------------------------------------------------------

def response_team_pages(source: Source, w, names: dict, scope) -> list[Page]:
    return [changes_page(source, w, names, scope), attention_page(source, w, names, scope),
            calls_and_quality_page(source, w, names, scope)]


def changes_page(source: Source, w, names: dict, scope) -> Page:
    day = source.as_of
    before_day = day - timedelta(days=1)
    today = source.figure("daily_changes", scope)
    before = source.figure("daily_changes", scope, as_of=before_day)
    merged = today.merge(before[["district_code", *CHANGES]], on="district_code", how="left",
                         suffixes=("", "_before"))
    for key in CHANGES:
        merged[f"{key}_change"] = merged[key] - merged[f"{key}_before"]
    merged["name"] = merged["district_code"].map(names)
    merged = merged.sort_values(CHANGES, ascending=False, ignore_index=True)
    total = {"name": w["city_total"], "district_code": ""}
    for key in CHANGES:
        total[key] = merged[key].sum(min_count=1)
        total[f"{key}_change"] = total[key] - merged[f"{key}_before"].sum(min_count=1)
    rows = pd.concat([merged, pd.DataFrame([total])], ignore_index=True)
    columns = [Column("name", w["district"]), Column("district_code", w.label("district_code"))]
    for key in CHANGES:
        columns += [Column(key, w.label(key), "int"),
                    Column(f"{key}_change", w["change_vs"], "signed")]
    title = w["changes"].format(d=w.date(day), p=w.date(before_day))
    table = Table(w["sheet_changes"], columns, rows, emphasis=w["city_total"], emphasis_column="name")
    return Page([Block("heading", title), Block("table", table=table)],
                definitions=CHANGES)


def _attention_table(w, names: dict, attention: pd.DataFrame, with_district: bool) -> Table:
    rows = attention.assign(
        district=attention["district_code"].map(names),
        cohort_name=attention["cohort"].map(w.cohort),
        reason_name=attention["reason"].map(lambda r: w.value("reason", r)))
    columns = [Column("child_id", w["child"]), Column("reason_name", w["reason"]),
               Column("cohort_name", w["cohort"])]
    if with_district:
        columns.append(Column("district", w["district"]))
    columns += [Column("days_waited", w.label("days_waited"), "int"),
                Column("since", w.label("since"), "date")]
    if "attempts" in rows.columns:
        columns += [Column("attempts", w["attempts"], "int"),
                    Column("last_visit_on", w["last_visit_on"], "date")]
    columns.append(Column("severity", w["severity"], "int"))
    return Table(w["sheet_attention"], columns, rows, child_level=True)


def attention_page(source: Source, w, names: dict, scope) -> Page:
    attention = source.attention(scope)
    blocks = [Block("heading", w["attention"].format(n=f"{len(attention):,}")),
              Block("note", w["attention_note"].format(d=w.date(source.as_of)))]
    if attention.empty:
        blocks.append(Block("text", w["attention_none"]))
    blocks.append(Block("table", table=_attention_table(w, names, attention, True)))
    return Page(blocks, landscape=True,
                definitions=["attention_unreachable", "attention_high_risk_no_referral", "since",
                             "days_waited"])


def calls_and_quality_page(source: Source, w, names: dict, scope) -> Page:
    comparison = source.district_comparison(scope)
    calls = summaries.needs_call(comparison)
    calls = calls.assign(
        name=calls["district_code"].map(names),
        why=[", ".join(text for text, on in ((w["why_behind"], b), (w["why_slow"], s)) if on)
             for b, s in zip(calls["reason_behind"], calls["reason_slow"])])
    calls_table = Table(w["sheet_calls"], [
        Column("name", w["district"]), Column("why", w["reason"]),
        Column("completion_rate", w.label("completion_rate"), "rate"),
        Column("plan_rate", w.label("plan_rate"), "rate"),
        Column("gap_to_plan", w["gap_pt"], "points"),
        Column("pace_7d", w["pace_now"], "num1"),
        Column("required_pace", w["pace_needed"], "num1"),
        Column("waiting", w["waiting"], "int")], calls.assign(waiting=calls["listed"] - calls["seen"]))
    blocks = [Block("heading", w["calls"])]
    blocks.append(Block("table", table=calls_table) if len(calls) else Block("text", w["calls_none"]))

    counts = source.figure("data_quality_counts", scope)
    blocks.append(Block("heading", w["quality"]))
    if counts.empty:
        blocks.append(Block("text", w["quality_none"]))
    else:
        by_kind = (counts.groupby("finding", as_index=False)[["findings", "children"]]
                   .sum(min_count=1).sort_values("findings", ascending=False, ignore_index=True))
        by_kind["name"] = by_kind["finding"].map(lambda f: w.value("finding", f))
        blocks.append(Block("table", table=Table(w["sheet_quality"], [
            Column("name", w["finding"]), Column("findings", w.label("findings"), "int"),
            Column("children", w["linked_children"], "int")], by_kind)))
        detail = counts.assign(name=counts["district_code"].map(names),
                               finding_name=counts["finding"].map(lambda f: w.value("finding", f)))
        detail = detail.sort_values(["district_code", "finding"], ignore_index=True)
        blocks.append(Block("table", table=Table(w["sheet_quality_districts"], [
            Column("name", w["district"]), Column("district_code", w.label("district_code")),
            Column("finding_name", w["finding"]), Column("findings", w.label("findings"), "int"),
            Column("children", w["linked_children"], "int")], detail, in_pdf=False)))
    keys = ["needs_call", "gap_to_plan", "pace_ratio", "findings"]
    keys += [f"finding_{k}" for k in sorted(set(counts["finding"]))] if len(counts) else []
    return Page(blocks, definitions=keys)


# --- a district head's pages --------------------------------------------------------------------

COMPARED = [("listed", "int"), ("seen", "int"), ("completion_rate", "rate"),
            ("gap_to_plan", "points"), ("pace_7d", "num1"), ("required_pace", "num1"),
            ("projected_completion", "date"), ("unreachable", "int")]


def district_pages(source: Source, w, names: dict, scope, code: str) -> list[Page]:
    name = names[code]
    deadline = source.programme()["deadline"]
    comparison = source.district_comparison(scope)
    mine = comparison[comparison["district_code"] == code].iloc[0]
    city = source.city_progress([]).iloc[0]
    active = int(comparison["districts_active"].iloc[0])
    rows = []
    for key, kind in COMPARED:
        rank_col = f"rank_{key}"
        rows.append({"figure": w["gap_pt"] if key == "gap_to_plan" else w.label(key), "kind": kind, "district": mine[key],
                     "city": city[key], "rank": mine.get(rank_col) if rank_col in mine else None})
    compare = pd.DataFrame(rows)
    compare_table = Table(w["sheet_compare"], [
        Column("figure", w["figure"]), Column("district", name, "by_row"),
        Column("city", w["city"], "by_row"), Column("rank", w["rank"].format(n=active))], compare)

    shown = comparison.assign(name=comparison["district_code"].map(names))
    labels = {"districts": w["district"], "selected": name, "city": w["city"],
              "limit95": "95 %", "limit998": "99.8 %", "x": w.label("listed"),
              "y": w.label("completion_rate")}
    # As on the District detail page: the points the head may see, the line at the true city rate.
    city_rate = comparison["city_rate"].iloc[0]
    funnel = figures.localize(figures.funnel(
        shown[~shown["completion_rate_suppressed"]], highlight=code, labels=labels,
        city_rate=None if pd.isna(city_rate) else float(city_rate)), w.lang)
    where = _funnel_where(mine)
    hidden, others = scoped.hidden_others(comparison, code)

    daily = figures.sum_cohorts(source.figure("city_progress_daily", scope, district=code))
    pace = mine["pace_7d"]
    burnup = figures.localize(figures.burnup(daily, deadline=deadline,
                                             pace=None if pd.isna(pace) else float(pace),
                                             labels=burnup_labels(w)), w.lang)

    page1 = [Block("heading", w["compare"].format(d=name)), Block("table", table=compare_table),
             Block("heading", w["funnel"].format(d=name)),
             Block("chart", figure=funnel, height=70),
             Block("note", w["funnel_where"].format(d=name, n=texts.fmt_int(mine["listed"]),
                                                   rate=texts.fmt_rate(mine["completion_rate"]),
                                                   where=w[where]) if where else "")]
    if hidden:
        page1.append(Block("note", w["funnel_hidden"].format(n=hidden, total=others)))
    page1 += [Block("heading", w["burnup_district"].format(d=name)),
              Block("chart", figure=burnup, height=65),
              Block("table", table=_burnup_table(w, daily, w["sheet_burnup"]))]

    standard = source.programme()["reports_per_official"]
    staffing = source.figure("staffing", scope, district=code)
    page2 = [Block("heading", w["staffing"].format(s=standard))]
    if len(staffing):
        s = staffing.iloc[0]
        value = s["reports_per_official"]
        if texts.missing(value):
            page2.append(Block("text", w["no_official"]))
        else:
            key = "over_standard" if float(value) > standard else "within_standard"
            page2.append(Block("text", w[key].format(v=texts.fmt_num(value), s=standard)))
        staff_rows = pd.DataFrame([{"figure": w.label(k), "value": s[k], "kind": kind}
                                   for k, kind in (("abuse_officials", "int"),
                                                   ("abuse_officials_target", "int"),
                                                   ("reports_12m", "int"),
                                                   ("reports_per_official", "num1"),
                                                   ("teams_of_two", "int"),
                                                   ("neglect_remaining_per_planner", "num1"))])
        staff_rows = pd.concat([staff_rows, pd.DataFrame([{
            "figure": w["standard"] + ": " + w.label("reports_per_official"),
            "value": standard, "kind": "int"}])], ignore_index=True)
        page2.append(Block("table", table=Table(w["sheet_staffing"], [
            Column("figure", w["figure"]), Column("value", name, "by_row")], staff_rows)))

    all_rows = shown.sort_values("district_code", ignore_index=True)
    page2 += [Block("heading", w["all_districts"]),
              Block("table", table=Table(w["sheet_all_districts"], [
                  Column("name", w["district"]), Column("district_code", w.label("district_code")),
                  Column("listed", w.label("listed"), "int"), Column("seen", w.label("seen"), "int"),
                  Column("completion_rate", w.label("completion_rate"), "rate"),
                  Column("gap_to_plan", w["gap_pt"], "points"),
                  Column("rank_completion_rate", w["rank"].format(n=active)),
                  Column("unreachable", w.label("unreachable"), "int")], all_rows,
                  emphasis=name, emphasis_column="name")),
              Block("note", w["suppressed_note"].format(dash=texts.DASH))]

    attention = source.attention(scope, district=code)
    page3 = [Block("heading", w["district_attention"].format(d=name, n=f"{len(attention):,}")),
             Block("note", w["attention_note"].format(d=w.date(source.as_of)))]
    if attention.empty:
        page3.append(Block("text", w["attention_none"]))
    page3.append(Block("table", table=_attention_table(w, names, attention, False)))
    return [Page(page1, definitions=["listed", "seen", "completion_rate", "gap_to_plan",
                                     "pace_7d", "required_pace", "projected_completion",
                                     "unreachable", "funnel_limits"]),
            Page(page2, definitions=["abuse_officials", "abuse_officials_target", "reports_12m",
                                     "reports_per_official", "teams_of_two",
                                     "neglect_remaining_per_planner", "suppressed"]),
            Page(page3, definitions=["attention_unreachable", "attention_high_risk_no_referral",
                                     "since", "days_waited"])]


def _funnel_where(row) -> str | None:
    rate = row["completion_rate"]
    if texts.missing(rate) or texts.missing(row.get("limit95_low")):
        return None
    if rate > row["limit998_high"]:
        return "above998"
    if rate < row["limit998_low"]:
        return "below998"
    if rate > row["limit95_high"]:
        return "above95"
    if rate < row["limit95_low"]:
        return "below95"
    return "inside95"
