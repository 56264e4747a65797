"""A district head, by every route the app offers, never receives a child-level row of another
district: every page, with the district filter on the city, on their own district and on others,
in both cohorts; every table, download, chart and text element is searched for the pseudonymous
ids of other districts' children."""
import re

import pytest
import streamlit as st
from sqlalchemy import text

from data.db import make_engine
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    MAPO, OPENED, app_test, chart_elements, chart_specs, fresh_caches, generated_url,
    navigation_not_pages_folder, no_exception,
)

PAGES = ["pages/overview.py", "pages/briefing.py", "pages/district_map.py",
         "pages/district_detail.py", "pages/inspections.py", "pages/referrals.py",
         "pages/staffing.py", "pages/data_quality.py", "pages/audit_log.py"]
OTHERS = ["11140", "11680"]  # Jung-gu (small) and Gangnam-gu (large)
ID = re.compile(r"\b[A-Z][0-9]{4,}\b")


@pytest.fixture(scope="module")
def child_ids(generated_url):
    engine = make_engine(generated_url)
    with engine.connect() as conn:
        rows = conn.execute(text("select child_id, district_code from children")).all()
    engine.dispose()
    own = {c for c, d in rows if d == MAPO}
    return own, {c for c, d in rows if d != MAPO}


@pytest.fixture
def downloads(monkeypatch):
    """Everything the app offers for download in a run, as text."""
    captured = []
    original = st.download_button

    def recording(label, data, *args, **kwargs):
        data_ = data() if callable(data) else data  # built on click: click it
        captured.append(data_.decode("utf-8") if isinstance(data_, bytes) else str(data_))
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", recording)
    return captured


def _everything_shown(at, downloads) -> str:
    parts = [df.value.to_csv() for df in at.dataframe]
    parts += [chart.proto.bytes.decode() for chart in chart_elements(at)]
    parts += [str(e.value) for kind in ("markdown", "caption", "info", "warning", "text", "title")
              for e in getattr(at, kind)]
    parts += downloads
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_no_other_districts_child_reaches_a_district_head(monkeypatch, generated_url, child_ids,
                                                          downloads, page):
    own, others = child_ids
    seen_own = set()
    for district in ["city", MAPO, *OTHERS]:
        for cohort in ["both", "repeat_report"]:
            downloads.clear()
            at = app_test(monkeypatch, generated_url, page=page, role="district", district=MAPO,
                          filter_district=district, filter_cohort=cohort, **OPENED)
            at.run()
            no_exception(at)
            shown = set(ID.findall(_everything_shown(at, downloads)))
            leaked = shown & others
            assert not leaked, f"{page} with district={district}, cohort={cohort}: {sorted(leaked)[:5]}"
            seen_own |= shown & own
    if page in ("pages/briefing.py", "pages/district_detail.py", "pages/data_quality.py",
                "pages/inspections.py"):
        assert seen_own, f"{page} lists the district head's own children (so the search can fail)"


# The pages whose city view lists every district's children for the Response Team.
@pytest.mark.parametrize("page", ["pages/briefing.py", "pages/inspections.py",
                                  "pages/data_quality.py"])
def test_what_the_response_team_was_shown_is_not_shared_with_a_head(
        monkeypatch, generated_url, child_ids, downloads, page):
    """Pages keep what they build per view (pages/common/per_view.py) for every viewer of that
    view: the Response Team's lists, made first in this process, never reach a head, who gets
    exactly what a head gets with every cache empty."""
    own, others = child_ids
    state = {"filter_district": "city", "filter_cohort": "both", **OPENED}
    team = app_test(monkeypatch, generated_url, page=page, role="response_team", **state)
    team.run()
    no_exception(team)
    assert set(ID.findall(_everything_shown(team, downloads))) & others  # the team's view has them
    downloads.clear()
    head = app_test(monkeypatch, generated_url, page=page, role="district", district=MAPO, **state)
    head.run()
    no_exception(head)
    shown = _everything_shown(head, downloads)
    assert not set(ID.findall(shown)) & others
    downloads.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    cold = app_test(monkeypatch, generated_url, page=page, role="district", district=MAPO, **state)
    cold.run()
    assert chart_specs(head) == chart_specs(cold)
    assert [d.value.to_csv() for d in head.dataframe] == [d.value.to_csv() for d in cold.dataframe]
