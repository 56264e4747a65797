"""How layout.table shows numbers: counts with a gap (a hidden small cell, a district without
data) arrive as floats and are shown as counts, not "15.0"; true fractions keep their decimal."""
import pandas as pd

from pages.common import layout


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
