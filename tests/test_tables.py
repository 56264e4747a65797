"""How layout.table shows numbers: counts with a gap (a hidden small cell, a district without
data) arrive as floats and are shown as counts, not "15.0"; true fractions keep their decimal."""
import pandas as pd
import pytest

from pages.common import i18n, layout
from tests.apptest_support import (  # noqa: F401  (fixtures are found by name)
    MAPO, OPENED, app_test, fresh_caches, generated_url, navigation_not_pages_folder,
    no_exception,
)


def _format(config: dict, label: str) -> str:
    return config[label]["type_config"]["format"]


def test_counts_with_gaps_show_as_counts_and_fractions_keep_a_decimal():
    df = pd.DataFrame({
        "district_code": ["11110", "11140", "11170"],
        "newly_seen": [15.0, float("nan"), 1995.0],      # a count with a hidden cell
        "mean_days": [1.5, 2.0, float("nan")],          # a true fraction
    })
    ready = layout._Table(df, {"newly_seen": "Newly seen", "mean_days": "Mean days"}, "en")
    assert _format(ready.config, "Newly seen") == "localized"
    assert _format(ready.config, "Mean days") == "%.1f"
    assert ready.rows == 3


# Every page's tables, as a district head (whose tables hold other districts' hidden cells):
# a missing value reads "—" as in the metrics, in both languages, never Streamlit's "None".
PAGES = ["pages/briefing.py", "pages/district_map.py",
         "pages/district_detail.py", "pages/inspections.py", "pages/referrals.py",
         "pages/staffing.py", "pages/data_quality.py"]


@pytest.mark.parametrize("page", PAGES)
def test_missing_values_in_tables_read_as_a_dash(monkeypatch, generated_url, page):
    at = app_test(monkeypatch, generated_url, page=page, role="district", district=MAPO,
                  filter_lang="ko", **OPENED).run()
    no_exception(at)
    tables = at.dataframe
    assert len(tables) > 0
    assert [df.proto.placeholder for df in tables] == [i18n.DASH] * len(tables)
