"""Headline totals of the operational pages: the selection's counts, summed the right way.

For the whole city, the sums come from data.city_sums (summed on the server from unsuppressed
rows, which every role may see as city totals); summing the rows a district head receives would
undercount, since small cells of other districts are masked there. For one district, the rows
fetched for that district are summed (the viewer's own district is never masked).
"""
import pandas as pd

from pages.common import data, filters


def totals(name: str, rows: pd.DataFrame, columns: list[str], by: list[str] | None = None,
           *, cohort=data.FILTER) -> pd.DataFrame:
    """`columns` of query `name` summed over the selection, grouped by `by` (one row if none)."""
    by = by or []
    if filters.current().district is None:
        return data.city_sums(name, by, columns, cohort=cohort)
    if not by:
        return rows[columns].sum(min_count=1).to_frame().T
    return rows.groupby(by, as_index=False)[columns].sum(min_count=1)


def total(name: str, rows: pd.DataFrame, column: str, *, cohort=data.FILTER, **where) -> float:
    """One column's selection total, optionally only where other columns equal given values."""
    by = list(where)
    df = totals(name, rows, [column], by, cohort=cohort)
    for key, value in where.items():
        df = df[df[key] == value]
    value = df[column].sum(min_count=1)
    return 0 if pd.isna(value) else value
