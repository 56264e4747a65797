"""AppTest: a long child list sends only its first rows to the browser and says how many there
are; its CSV download, made only when clicked, has every row (issue 11)."""
import io
import re

import pandas as pd
import pytest
import streamlit as st

from pages.common.layout import MAX_ROWS
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    app_test, fresh_caches, generated_url, navigation_not_pages_folder, no_exception,
)

pytestmark = pytest.mark.usefixtures("navigation_not_pages_folder")


def test_a_long_list_shows_its_first_rows_and_downloads_them_all(monkeypatch, generated_url,
                                                                 downloads):
    at = app_test(monkeypatch, generated_url, page="pages/briefing.py")
    at.run()
    no_exception(at)
    totals = [int(m.group(1).replace(",", "")) for c in at.caption
              if (m := re.search(r"The first [\d,]+ of ([\d,]+) rows", c.value))]
    assert totals and min(totals) > MAX_ROWS, [c.value for c in at.caption]
    assert max(len(df.value) for df in at.dataframe) == MAX_ROWS
    lists = [d for name, d in downloads.items() if name.startswith("attention")]
    assert len(lists) == 1 and callable(lists[0]), "encoded on click, not on every run"
    assert len(pd.read_csv(io.BytesIO(lists[0]()))) in totals


# --- child lists read up to their first rows in SQL (issue 11) ---------------------------------

FIRST = 7  # rows a table shows in these tests: small, so that every list here is cut


@pytest.fixture
def downloads(monkeypatch):
    """The payload of each download button drawn, by file name (a function: built on click)."""
    sent = {}
    original = st.download_button

    def recording(label, data, *args, file_name=None, **kwargs):
        sent[file_name] = data
        return original(label, data, *args, file_name=file_name, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return sent


def _downloaded(downloads, prefix: str) -> list:
    """The child ids of the CSV sent by the download whose file name starts with `prefix`,
    built as a click builds it."""
    (build,) = [d for name, d in downloads.items() if name.startswith(prefix)]
    return pd.read_csv(io.BytesIO(build()))["child_id"].tolist()


@pytest.fixture
def few_rows(monkeypatch):
    from pages.common import layout
    monkeypatch.setattr(layout, "MAX_ROWS", FIRST)


@pytest.fixture
def list_reads(monkeypatch):
    """Every read of a child list by the app (queries.run through queries.cache): name, the SQL's
    district and cohort, and the limit."""
    import queries
    import queries.cache
    reads = []
    original = queries.run

    def recording(name, engine, *, as_of, district=None, cohort=None, limit=None, **options):
        if name in queries.CHILD_LEVEL:
            reads.append((name, district, cohort, limit))
        return original(name, engine, as_of=as_of, district=district, cohort=cohort, limit=limit,
                        **options)

    monkeypatch.setattr(queries.cache.queries, "run", recording)
    return reads


def _whole(url, name, **kw):
    import queries
    from data.db import make_engine
    engine = make_engine(url)
    try:
        day = queries.default_as_of(engine)
        return queries.run(name, engine, as_of=day, **kw), day
    finally:
        engine.dispose()


def _table(at, column):
    return next(df.value for df in at.dataframe if column in df.value.columns)


def _first_rows_totals(at) -> list[int]:
    """The totals of every "first N of M rows" caption (other tables of the page are cut too)."""
    return [int(m.group(1).replace(",", "")) for c in at.caption
            if (m := re.search(rf"The first {FIRST} of ([\d,]+) rows", c.value))]


@pytest.mark.parametrize("role, district", [("response_team", None), ("district", "11440")])
def test_the_briefing_reads_only_the_first_rows_of_the_attention_list(
        monkeypatch, generated_url, few_rows, list_reads, role, district, downloads):
    whole, _ = _whole(generated_url, "attention_detail", district=district)
    order = whole.sort_values(["severity", "since", "child_id", "reason"], ignore_index=True)
    list_reads.clear()  # the test's own reads above
    at = app_test(monkeypatch, generated_url, page="pages/briefing.py", role=role,
                  district=district)
    at.run()
    no_exception(at)
    shown = _table(at, "Child")
    assert shown["Child"].tolist() == order["child_id"].head(FIRST).tolist()
    assert len(whole) > FIRST and len(whole) in _first_rows_totals(at)
    if district:
        assert set(shown["District"]) == {"Mapo-gu"}
    # the list was asked for up to its first rows only, and for the viewer's district in SQL
    details = [r for r in list_reads if r[0] == "attention_detail"]
    assert details and all(r[3] == FIRST and r[1] == district for r in details), details
    assert _downloaded(downloads, "attention_list") == order["child_id"].tolist()

    # a filter on the page: one cohort, every reason (the query's own cohort filter)
    at.pills(key="briefing_cohorts").set_value(["neglect_risk"]).run()
    no_exception(at)
    neglect = order[order["cohort"] == "neglect_risk"]
    assert _table(at, "Child")["Child"].tolist() == neglect["child_id"].head(FIRST).tolist()
    assert len(neglect) in _first_rows_totals(at)
    # one reason (filtered on the page from the whole list): still the filtered list's first rows
    at.pills(key="briefing_reasons").set_value(["unreachable"]).run()
    no_exception(at)
    both = neglect[neglect["reason"] == "unreachable"]
    assert _table(at, "Child")["Child"].tolist() == both["child_id"].head(FIRST).tolist()
    assert len(both) in _first_rows_totals(at)
    assert f"{len(both):,} of {len(whole):,} children shown" in " ".join(
        c.value for c in at.caption)
    # the download, built when clicked, has the chosen whole list, in the order shown
    assert _downloaded(downloads, "attention_list") == both["child_id"].tolist()


def test_district_detail_reads_only_a_heads_first_rows(monkeypatch, generated_url, few_rows,
                                                       list_reads, downloads):
    whole, day = _whole(generated_url, "attention_list", district="11440")
    order = whole.sort_values(["since", "child_id", "reason"], ignore_index=True)
    list_reads.clear()  # the test's own reads above
    at = app_test(monkeypatch, generated_url, page="pages/district_detail.py", role="district",
                  district="11440")
    at.run()
    no_exception(at)
    shown = _table(at, "Child")
    assert shown["Child"].tolist() == order["child_id"].head(FIRST).tolist()
    assert len(whole) > FIRST and len(whole) in _first_rows_totals(at)
    lists = [r for r in list_reads if r[0] == "attention_list"]
    assert lists and all(r[1] == "11440" and r[3] == FIRST for r in lists), lists
    # the download, built when clicked, has the whole list, in the same order
    assert _downloaded(downloads, f"attention_list_11440_{day}.csv") == order["child_id"].tolist()


@pytest.mark.parametrize("role", ["response_team", "district"])
def test_data_quality_reads_each_kinds_first_rows_with_its_count(
        monkeypatch, generated_url, few_rows, list_reads, role, downloads):
    city, _ = _whole(generated_url, "data_quality_findings")
    # a head of the district with the most rows of one kind (more than a table shows here)
    district = (city.groupby(["district_code", "finding"]).size().idxmax()[0]
                if role == "district" else None)
    whole, _ = _whole(generated_url, "data_quality_findings", district=district)
    names, _ = _whole(generated_url, "districts")
    kind = whole["finding"].value_counts().index[0]  # the kind with the most rows
    of_kind = whole[whole["finding"] == kind].sort_values(["district_code", "date", "child_id"],
                                                          ignore_index=True)
    list_reads.clear()  # the test's own reads above
    at = app_test(monkeypatch, generated_url, page="pages/data_quality.py", role=role,
                  district=district, dq_finding_kind=kind)
    at.run()
    no_exception(at)
    shown = _table(at, "Child (pseudonymous id)")
    assert shown["Child (pseudonymous id)"].tolist() == of_kind["child_id"].head(FIRST).tolist()
    assert len(of_kind) > FIRST and len(of_kind) in _first_rows_totals(at)
    assert f"{len(of_kind):,} rows in total" in " ".join(c.value for c in at.caption)
    if district:
        assert set(shown["District"]) == set(
            names.loc[names["district_code"] == district, "name_en"])
    # only the first rows were read, for the viewer's district in SQL
    assert [r[0] for r in list_reads] == ["data_quality_findings_first"], list_reads
    assert list_reads[0][1] == district
    # the download, built when clicked, has the kind's whole list
    assert _downloaded(downloads, f"data_quality_{kind}.csv") == of_kind["child_id"].tolist()


@pytest.mark.parametrize("page", ["pages/briefing.py", "pages/district_detail.py"])
def test_a_rerun_of_the_same_view_writes_no_audit_row(monkeypatch, generated_url, page):
    """Pages that read a list and its count audit each once per view, not on every run."""
    from access import audit
    from data.db import make_engine
    engine = make_engine(generated_url)
    at = app_test(monkeypatch, generated_url, page=page, role="district", district="11440")
    at.run()
    no_exception(at)
    first = len(audit.recent(engine, limit=100_000))
    at.run()
    at.run()
    no_exception(at)
    assert len(audit.recent(engine, limit=100_000)) == first
    engine.dispose()
