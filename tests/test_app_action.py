"""AppTest of what the pages tell a reader to do (issue 8 §2-§5): the briefing's one day, its
lists in the order of action, labelled deltas, and the staffing what-if's stated answer.

Expected values come from the queries on the same generated database, never typed in.
"""
from datetime import timedelta

import pandas as pd
import pytest

import queries
from data.db import make_engine
from pages.common import whatif
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    app_test, chart_elements, fresh_caches, generated_url, navigation_not_pages_folder,
    no_exception,
)

pytestmark = pytest.mark.usefixtures("navigation_not_pages_folder")
BRIEFING = "pages/briefing.py"


@pytest.fixture(scope="module")
def newest(generated_url):
    engine = make_engine(generated_url)
    day = queries.default_as_of(engine)
    engine.dispose()
    return day


def run_query(url, name, **kw):
    engine = make_engine(url)
    try:
        return queries.run(name, engine, **kw)
    finally:
        engine.dispose()


def table_with(at, column: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if column in df.value.columns)


def test_the_briefing_shows_the_sidebars_day_and_compares_it_with_the_day_before(
        monkeypatch, generated_url, newest):
    day = newest - timedelta(days=10)
    at = app_test(monkeypatch, generated_url, page=BRIEFING, filter_as_of=day).run()
    no_exception(at)
    # one day picker: the sidebar's
    assert [d.key for d in at.date_input] == ["filter_as_of"]
    header = " ".join(c.value for c in at.caption) + " ".join(m.value for m in at.markdown)
    assert f"Data as of {day.day} {day:%b} {day.year}" in header
    assert any(s.value.startswith(f"What changed on {day.day} {day:%b} {day.year}")
               for s in at.subheader)
    now = run_query(generated_url, "daily_changes", as_of=day)["newly_seen"].sum()
    before = run_query(generated_url, "daily_changes", as_of=day - timedelta(days=1))[
        "newly_seen"].sum()
    metric = next(m for m in at.metric if m.label == "Newly seen")
    assert metric.value == f"{now:,}"
    previous = day - timedelta(days=1)
    assert metric.proto.delta == (f"{now - before:+,} vs {previous.day} {previous:%b} "
                                  f"(a {previous:%A})")


def test_the_attention_list_is_in_the_order_of_action_and_filters_on_the_page(
        monkeypatch, generated_url, newest):
    at = app_test(monkeypatch, generated_url, page=BRIEFING).run()
    no_exception(at)
    expected = run_query(generated_url, "attention_list", as_of=newest)
    shown = table_with(at, "Child")
    # tables send their first 1,000 rows (layout.table): those of the first in the order
    assert len(shown) == min(len(expected), 1000) > 0
    assert {"Visits tried", "Last visit", "District", "Days waited"} <= set(shown.columns)
    # severity first (repeatedly reported high risk ... neglect risk unreachable), then waiting
    severity = {("Repeatedly reported", "High risk, no referral"): 1,
                ("Repeatedly reported", "Unreachable"): 2,
                ("Neglect risk", "High risk, no referral"): 3, ("Neglect risk", "Unreachable"): 4}
    keys = [(severity[(c, r)], -w) for c, r, w in
            zip(shown["Cohort"], shown["Why"], shown["Days waited"])]
    assert keys == sorted(keys)
    assert len({k[0] for k in keys}) > 1
    unreachable = expected[expected["child_id"].isin(shown["Child"])
                           & (expected["reason"] == "unreachable")]
    assert (shown.loc[shown["Why"] == "Unreachable", "Visits tried"] >= 3).all()
    assert len(unreachable) == (shown["Why"] == "Unreachable").sum()

    at.pills(key="briefing_reasons").set_value(["unreachable"]).run()
    at.pills(key="briefing_cohorts").set_value(["repeat_report"]).run()
    no_exception(at)
    only = table_with(at, "Child")
    want = expected[(expected["reason"] == "unreachable")
                    & (expected["cohort"] == "repeat_report")]
    assert sorted(only["Child"]) == sorted(want["child_id"])


def test_districts_to_call_give_points_paces_and_children_waiting(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, page=BRIEFING).run()
    no_exception(at)
    calls = table_with(at, "Children waiting")
    assert list(calls.columns) == ["District", "Why", "Gap to plan", "Pace (last 7 days)",
                                   "Pace needed", "Children waiting"]
    assert (calls["Gap to plan"].abs() > 1).any()  # points, not a 0..1 fraction
    for pace in pd.concat([calls["Pace (last 7 days)"], calls["Pace needed"]]).dropna():
        assert pace == round(pace, 0 if pace >= 10 else 1)


def test_the_whatif_states_how_many_more_officials_finish_by_the_deadline(
        monkeypatch, generated_url, newest):
    engine = make_engine(generated_url)
    deadline = pd.Timestamp(queries.run("programme", engine, as_of=newest)["deadline"].iloc[0]
                            ).date()
    day = min(newest, deadline - timedelta(days=30))  # before the deadline
    progress = queries.run("district_progress", engine, as_of=day)
    staffing = queries.run("staffing", engine, as_of=day)
    engine.dispose()
    # the district whose repeatedly reported children are furthest from done
    repeat = progress[progress["cohort"] == "repeat_report"].assign(
        left=lambda d: d["listed"] - d["seen"]).sort_values("left", ascending=False)
    code = repeat["district_code"].iloc[0]
    row = repeat.iloc[0]
    officials = int(staffing.set_index("district_code").loc[code, "abuse_officials"])
    answer = whatif.staff_to_finish(whatif.Scenario(
        as_of=day, deadline=deadline, remaining=int(row["left"]),
        pace_7d=float(row["pace_7d"]), staff=officials))

    at = app_test(monkeypatch, generated_url, page="pages/staffing.py",
                  whatif_district=code, filter_as_of=day).run()
    no_exception(at)
    said = " ".join(m.value for m in [*at.warning, *at.success])
    assert answer.status == whatif.NEEDED
    if answer.added:
        assert f"needs {answer.added:,} more officials ({officials:,} in post)" in said
    else:
        assert f"with the {officials:,} officials in post" in said
    assert f"{officials:,} in post" in " ".join(c.value for c in at.caption)
    needed = " ".join(c.value for c in at.caption if "Officials needed" in c.value)
    assert "in total" in needed


def test_after_the_deadline_the_whatif_says_so_and_gives_the_date_reached(
        monkeypatch, generated_url, newest):
    engine = make_engine(generated_url)
    deadline = pd.Timestamp(queries.run("programme", engine, as_of=newest)["deadline"].iloc[0]
                            ).date()
    engine.dispose()
    if newest <= deadline:
        pytest.skip("the generated data ends before the deadline")
    at = app_test(monkeypatch, generated_url, page="pages/staffing.py",
                  filter_as_of=newest).run()
    no_exception(at)
    said = " ".join(m.value for m in [*at.warning, *at.success, *at.info])
    assert "has passed" in said


def test_the_overviews_breakdown_adds_up_to_listed_and_each_cohort_has_its_own_burnup(
        monkeypatch, generated_url):
    import json
    import re
    at = app_test(monkeypatch, generated_url).run()
    no_exception(at)
    listed = [int(m.value.replace(",", "")) for m in at.metric if m.label == "Listed"]
    breakdowns = [c.value for c in at.caption if c.value.startswith("Seen:")]
    assert len(listed) == len(breakdowns) == 2
    for total, text in zip(listed, breakdowns):
        numbers = dict(re.findall(r"([A-Z][\w ,]+?): ([\d,]+)", text))
        parts = [int(numbers[k].replace(",", "")) for k in
                 ("Seen", "Visited, not seen", "Not yet visited")]
        assert sum(parts) == total
    keys = ("overview_burnup_neglect_risk", "overview_burnup_repeat_report")

    def burnups_sent(at) -> list[str]:
        return [key for c in chart_elements(at) for key in keys if c.proto.id.endswith(key)]

    # One per cohort, each on its own y scale, as tabs: a new tab is sent (and its browser
    # draws) one burn-up, and each cohort's when its tab is chosen.
    first = burnups_sent(at)
    assert len(first) == 1
    for tab in at.tabs:
        at.session_state["overview_burnups"] = tab.label
        at.run()
        no_exception(at)
        assert len(burnups_sent(at)) == 1
        first += burnups_sent(at)
    assert sorted(set(first)) == sorted(keys)


def test_the_audit_log_speaks_korean(monkeypatch, generated_url):
    # the page logs its own view before it reads the log
    at = app_test(monkeypatch, generated_url, page="pages/audit_log.py", filter_lang="ko").run()
    no_exception(at)
    shown = at.dataframe[0].value
    assert {"시각 (UTC)", "사용자", "역할", "행위"} <= set(shown.columns)
    assert "조회" in set(shown["행위"]) and "view" not in set(shown["행위"])


def test_the_district_choice_has_a_korean_placeholder(monkeypatch, generated_url):
    at = app_test(monkeypatch, generated_url, page="pages/district_detail.py",
                  filter_lang="ko").run()
    no_exception(at)
    choose = at.selectbox(key="detail_choose")
    assert choose.value is None and choose.placeholder == "선택하세요"
