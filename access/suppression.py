"""Small-cell suppression: the one server-side function that masks counts a viewer may not see.

A count of 1..k children (k = 10 by default, as in California's child-welfare indicators) is never
published for a district the viewer does not own. Masking one cell is not enough when totals are
public: if `listed = seen + attempted_not_seen + not_attempted` and only `seen` is masked, it is
`listed` minus the others; if the city total of a column is public and one district's cell in it
is masked, it is the total minus the others. So more cells are masked ("complementary
suppression") until no masked cell can be computed from what is published. Rates (and other
figures) built on a masked count are masked too.

Masked values become NaN (None for non-numeric columns) and a parallel boolean column
`<column>_suppressed` says so, so that charts draw "suppressed" and the raw value is never sent.

The guarantee is checked exactly, not only by the "two masked cells per line" rule: every
published table and public total is a linear equation over the masked cells, and a masked cell is
recoverable when its value is fixed by those equations (its unit vector lies in their row space).
`suppress` keeps masking until no masked cell is recoverable, whenever that is possible.
"""
import logging
import os

import numpy as np
import pandas as pd

DEFAULT_K = 10
K_ENV = "CASES_SUPPRESSION_K"
MARKER_SUFFIX = "_suppressed"
_LOG = logging.getLogger(__name__)


def threshold(k: int | None = None) -> int:
    """The k in use: the argument, else env CASES_SUPPRESSION_K, else 10. Never below 1."""
    if k is None:
        raw = os.environ.get(K_ENV, "").strip()
        k = int(raw) if raw else DEFAULT_K
    if int(k) != k or k < 1:
        # A k of 0 would silently switch suppression off: refuse rather than publish.
        raise ValueError(f"suppression threshold k must be an integer >= 1, got {k!r}")
    return int(k)


def marker(column: str) -> str:
    return column + MARKER_SUFFIX


def suppress(
    df: pd.DataFrame,
    *,
    count_cols,
    rate_cols: dict | None = None,
    group_cols=(),
    protected=None,
    k: int | None = None,
    row_totals: dict | None = None,
) -> pd.DataFrame:
    """Return a copy of df with small counts and what would reveal them masked.

    count_cols: columns holding counts of children (or of reports about them).
    rate_cols: {column: (source columns...)}; usually (numerator, denominator). The column is
        masked in a row where any source is masked. Sources may be count or other rate columns.
    group_cols: the rows sharing these values form one "column" whose total over all rows is
        public (the city total); () means all rows form one.
    protected: boolean mask (aligned with df) of rows shown raw, e.g. the viewer's own district.
    row_totals: {total column: [part columns]} for additive identities within a row.

    Count columns come back as float (NaN where masked); every count and rate column gets a
    boolean `<column>_suppressed` marker.
    """
    k = threshold(k)
    rate_cols = dict(rate_cols or {})
    count_cols = list(count_cols)
    out = df.copy()
    n = len(out)
    values = out[count_cols].to_numpy(dtype=float, na_value=np.nan) if n else np.zeros((0, len(count_cols)))
    if protected is None:
        prot = np.zeros(n, dtype=bool)
    else:
        prot = np.asarray(protected, dtype=bool)
        if prot.shape != (n,):
            raise ValueError("protected must be one boolean per row")

    row_groups = _row_groups(count_cols, row_totals or {})
    col_groups = _col_groups(out, group_cols)
    masked = primary_mask(values, prot, k)
    masked = complete_suppression(values, masked, prot, row_groups, col_groups)

    for j, col in enumerate(count_cols):
        out[col] = np.where(masked[:, j], np.nan, values[:, j])
        out[marker(col)] = masked[:, j]

    # Derived figures, in the order given; a source may itself be a derived column.
    derived_mask = {col: masked[:, j] for j, col in enumerate(count_cols)}
    for col, sources in rate_cols.items():
        hidden = np.zeros(n, dtype=bool)
        for source in sources:
            if source not in derived_mask:
                raise ValueError(f"{col!r} is built on {source!r}, which is not a count or an earlier rate")
            hidden |= derived_mask[source]
        derived_mask[col] = hidden
        out[col] = _blank(out[col], hidden)
        out[marker(col)] = hidden
    return out


def _blank(series: pd.Series, hidden: np.ndarray) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        values = series.to_numpy(dtype=float, na_value=np.nan)
        return pd.Series(np.where(hidden, np.nan, values), index=series.index)
    result = series.astype(object).copy()
    result[hidden] = None
    return result


def _row_groups(count_cols, row_totals):
    groups = []
    for total, parts in row_totals.items():
        members = [total, *parts]
        missing = [c for c in members if c not in count_cols]
        if missing:
            raise ValueError(f"row total {total!r} names columns that are not counts: {missing}")
        groups.append([count_cols.index(c) for c in members])
    return groups


def _col_groups(df, group_cols):
    group_cols = list(group_cols)
    if not len(df):
        return []
    if not group_cols:
        return [np.arange(len(df))]
    codes = df.groupby(group_cols, sort=False, dropna=False).ngroup().to_numpy()
    return [np.flatnonzero(codes == g) for g in np.unique(codes)]


def primary_mask(values: np.ndarray, prot: np.ndarray, k: int) -> np.ndarray:
    """Cells of unprotected rows whose count is 1..k."""
    with np.errstate(invalid="ignore"):
        small = (values >= 1) & (values <= k)
    return small & ~prot[:, None]


def complete_suppression(values, masked, prot, row_groups, col_groups):
    """Add complementary masks until no masked cell is recoverable (or nothing more can be masked)."""
    masked = masked.copy()
    while True:
        changed = _two_per_line(values, masked, prot, row_groups, col_groups)
        if changed:
            continue
        # The simple rule leaves cycles of equations that may still pin a cell; check exactly.
        pinned = recoverable(values, masked, prot, row_groups, col_groups)
        if not pinned.any():
            return masked
        if not _mask_next_to(pinned, values, masked, prot, row_groups, col_groups):
            # Nothing left to mask (e.g. one unprotected row in a group): only withholding the
            # public total would help. Say so in the server log; the caller's data is unusual.
            _LOG.warning("small-cell suppression: %d masked cell(s) remain recoverable from "
                         "public totals", int(pinned.sum()))
            return masked


def _candidates_choice(values, cells, masked, prot, pairs_up=lambda i, j: False):
    """Of (row, col) cells, the unmasked unprotected one with the smallest count, preferring >0.

    A zero is a weak complement (an observer who guesses it learns the other cell), so it is used
    only when no positive count is available. Before size comes `pairs_up`: a cell that also gives
    a second mask to another line closes two gaps at once instead of opening a new one.
    """
    best, best_key = None, None
    for i, j in cells:
        if masked[i, j] or prot[i] or np.isnan(values[i, j]):
            continue
        v = values[i, j]
        key = (v == 0, not pairs_up(i, j), v, i, j)
        if best_key is None or key < best_key:
            best, best_key = (i, j), key
    return best


def _two_per_line(values, masked, prot, row_groups, col_groups) -> bool:
    changed = False
    group_of_row = {}
    for rows in col_groups:
        for i in rows:
            group_of_row[i] = rows

    def column_alone(i, j):  # masking (i, j) would pair with a lone mask in its column
        rows = group_of_row.get(i)
        return rows is not None and masked[rows, j].sum() == 1

    def row_alone(i, j):  # masking (i, j) would pair with a lone mask in a row identity
        return any(j in members and masked[i, members].sum() == 1 for members in row_groups)

    for i in np.flatnonzero(~prot):
        for members in row_groups:
            if masked[i, members].sum() == 1:
                pick = _candidates_choice(values, [(i, j) for j in members], masked, prot, column_alone)
                if pick:
                    masked[pick] = True
                    changed = True
    for rows in col_groups:
        for j in range(values.shape[1]):
            if masked[rows, j].sum() == 1:
                pick = _candidates_choice(values, [(i, j) for i in rows], masked, prot, row_alone)
                if pick:
                    masked[pick] = True
                    changed = True
    return changed


def recoverable(values, masked, prot, row_groups, col_groups) -> np.ndarray:
    """Masked cells whose value follows exactly from published cells and public totals.

    Published cells and protected rows are known to the viewer; each row identity
    (total - sum of parts = 0) and each column total (sum over the group = public total) is a
    linear equation over the masked cells. A masked cell is recoverable when every solution of
    those equations gives it the same value: its unit vector lies in the equations' row space.
    A row belongs to one column group, so each group is an independent system.
    """
    result = np.zeros_like(masked)
    groups = col_groups if col_groups else [np.arange(masked.shape[0])]
    for rows in groups:
        _recoverable_in(rows, masked, row_groups, result)
    return result


def _recoverable_in(rows, masked, row_groups, result) -> None:
    cells = [(i, j) for i in rows for j in range(masked.shape[1]) if masked[i, j]]
    if not cells:
        return
    index = {cell: c for c, cell in enumerate(cells)}
    equations = []
    for i in rows:
        for members in row_groups:
            coeffs = np.zeros(len(cells))
            for position, j in enumerate(members):
                if (i, j) in index:
                    coeffs[index[(i, j)]] = 1.0 if position == 0 else -1.0  # total +1, parts -1
            if coeffs.any():
                equations.append(coeffs)
    for j in range(masked.shape[1]):
        coeffs = np.zeros(len(cells))
        for i in rows:
            if (i, j) in index:
                coeffs[index[(i, j)]] = 1.0
        if coeffs.any():
            equations.append(coeffs)
    if not equations:
        return  # no equation touches a masked cell: none is pinned
    _, s, vt = np.linalg.svd(np.array(equations), full_matrices=False)
    rank = int((s > 1e-9 * max(1.0, s.max())).sum())
    # e_c lies in the row space exactly when its projection onto the orthonormal basis vt[:rank]
    # keeps its whole length: sum over the basis of vt[k, c] squared equals 1.
    kept = (vt[:rank] ** 2).sum(axis=0)
    for c, cell in enumerate(cells):
        if kept[c] > 1 - 1e-9:
            result[cell] = True


def _mask_next_to(pinned, values, masked, prot, row_groups, col_groups) -> bool:
    """Mask one more cell sharing an equation with the first recoverable cell."""
    for i, j in zip(*np.nonzero(pinned)):
        lines = [[(r, j) for r in rows] for rows in col_groups if i in rows]
        lines += [[(i, c) for c in members] for members in row_groups if j in members]
        for line in lines:
            pick = _candidates_choice(values, line, masked, prot)
            if pick:
                masked[pick] = True
                return True
        # No neighbour in this cell's own lines: mask any unprotected cell of the same column.
        pick = _candidates_choice(values, [(r, j) for r in range(len(values))], masked, prot)
        if pick:
            masked[pick] = True
            return True
    return False
