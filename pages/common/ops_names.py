"""Display names for the operational pages' DataFrames, in the viewer's language.

Figures and tables show names, never codes: this adds `district_name`, `cohort_name` and the
names of referral kinds, outcomes and attention reasons next to the codes (the codes stay, for
CSV downloads). The names themselves live in i18n / definitions.
"""
import pandas as pd

from pages.common import i18n


def _names(values: pd.Series, name_of) -> pd.Series:
    # Look each distinct code up once: a lookup may go through a cache that copies its value,
    # and child-level lists have tens of thousands of rows.
    names = {v: (name_of(v) if pd.notna(v) else i18n.DASH) for v in values.unique()}
    return values.map(names)


def named(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df with display-name columns for the code columns it has."""
    out = df.copy()
    if "district_code" in out:
        out["district_name"] = _names(out["district_code"], lambda c: i18n.district_name(str(c)))
    if "cohort" in out:
        out["cohort_name"] = _names(out["cohort"], i18n.cohort_name)
    for field in ("kind", "outcome", "reason"):
        if field in out:
            out[f"{field}_name"] = _names(out[field], lambda v, f=field: i18n.value_name(f, v))
    return out
