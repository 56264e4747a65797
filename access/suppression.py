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

Every equation is a "line": a set of cells with coefficients (a row identity, a column with its
public total, or a cross-grain identity such as "both cohorts = repeat_report + neglect_risk").
`scope_mask` chooses one set of masked cells for a whole system as one viewer scope sees it: a
head's view (their own district known), the head's exports for sharing and the public totals can
be put side by side and still pin no masked cell (issue 13 §9). `round_to_base` rounds published counts to a base, the same way every day, so
that two days cannot be differenced into a small daily count (§10; docs/metrics-decisions.md).
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


DEFAULT_BASE = 5
BASE_ENV = "CASES_ROUNDING_BASE"


def rounding_base(base: int | None = None) -> int:
    """The base other districts' published counts are rounded to: the argument, else env
    CASES_ROUNDING_BASE, else 5. 1 switches rounding off."""
    if base is None:
        raw = os.environ.get(BASE_ENV, "").strip()
        base = int(raw) if raw else DEFAULT_BASE
    if int(base) != base or base < 1:
        raise ValueError(f"rounding base must be an integer >= 1, got {base!r}")
    return int(base)


def round_to_base(values, base: int | None = None, k: int | None = None) -> np.ndarray:
    """Counts rounded to the nearest multiple of `base` (halves up), NaN and 0 kept; a count
    above k never comes out as k or less (it goes to the first multiple above k), so a published
    count never looks like a small one. Deterministic: the same count gives the same published
    value on every day, so repeating a request or comparing days averages nothing out."""
    base = rounding_base(base)
    least = base * (threshold(k) // base + 1)
    v = np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        rounded = np.floor(v / base + 0.5) * base
        return np.where((v > 0) & (rounded < least), least, rounded)


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
    count_cols = list(count_cols)
    n = len(df)
    values = df[count_cols].to_numpy(dtype=float, na_value=np.nan) if n else np.zeros((0, len(count_cols)))
    if protected is None:
        prot = np.zeros(n, dtype=bool)
    else:
        prot = np.asarray(protected, dtype=bool)
        if prot.shape != (n,):
            raise ValueError("protected must be one boolean per row")
    lines = make_lines(values.shape, row_groups=_row_groups(count_cols, row_totals or {}),
                       col_groups=_col_groups(df, group_cols))
    masked = primary_mask(values, prot, k)
    masked = complete_suppression(values, masked, prot, lines)
    return with_mask(df, count_cols, masked, rate_cols)


def with_mask(df: pd.DataFrame, count_cols, masked: np.ndarray, rate_cols: dict | None = None,
              shown: np.ndarray | None = None) -> pd.DataFrame:
    """df with the masked count cells blanked, derived columns masked with their sources, and a
    `<column>_suppressed` marker for each. shown: the count values to publish (e.g. rounded);
    default df's own."""
    out = df.copy()
    n = len(out)
    count_cols = list(count_cols)
    if shown is None:
        shown = out[count_cols].to_numpy(dtype=float, na_value=np.nan) if n else np.zeros((0, len(count_cols)))
    for j, col in enumerate(count_cols):
        out[col] = np.where(masked[:, j], np.nan, shown[:, j])
        out[marker(col)] = masked[:, j]
    # Derived figures, in the order given; a source may itself be a derived column.
    derived_mask = {col: masked[:, j] for j, col in enumerate(count_cols)}
    for col, sources in dict(rate_cols or {}).items():
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


def make_lines(shape, *, row_groups=(), col_groups=(), sums=()) -> list:
    """The public equations over a (rows x count columns) table, as (cells, coefficients) with
    cells as (row, column) index arrays:

    row_groups: [[total column, part columns...]]: total - parts = 0 in every row;
    col_groups: [row indices]: each count column summed over these rows is public;
    sums: [(total row, [part rows])]: the total row is the sum of the part rows, column by
        column (e.g. both cohorts summed = one cohort + the other).
    Row identities come first, then columns, then sums: the order complements are looked for.
    """
    n, m = shape
    lines = []
    for i in range(n):
        for members in row_groups:
            lines.append((np.full(len(members), i), np.asarray(members),
                          np.array([1.0] + [-1.0] * (len(members) - 1))))
    for rows in col_groups:
        rows = np.asarray(rows)
        for j in range(m):
            lines.append((rows, np.full(len(rows), j), np.ones(len(rows))))
    for total, parts in sums:
        members = np.array([total, *parts])
        for j in range(m):
            lines.append((members, np.full(len(members), j),
                          np.array([1.0] + [-1.0] * len(parts))))
    return lines


def primary_mask(values: np.ndarray, prot: np.ndarray, k: int) -> np.ndarray:
    """Cells of unprotected rows whose count is 1..k."""
    with np.errstate(invalid="ignore"):
        small = (values >= 1) & (values <= k)
    return small & ~prot[:, None]


def complete_suppression(values, masked, prot, lines):
    """Add complementary masks until no masked cell is recoverable (or nothing more can be masked)."""
    masked = masked.copy()
    lines_of = _lines_of(lines, values.shape)
    while True:
        if _two_per_line(values, masked, prot, lines, lines_of):
            continue
        # The simple rule leaves cycles of equations that may still pin a cell; check exactly.
        pinned = recoverable(masked, lines)
        if not pinned.any():
            return masked
        if not _mask_next_to(pinned, values, masked, prot, lines, lines_of):
            # Nothing left to mask (e.g. one unprotected row in a group): only withholding the
            # public total would help. Say so in the server log; the caller's data is unusual.
            _LOG.warning("small-cell suppression: %d masked cell(s) remain recoverable from "
                         "public totals", int(pinned.sum()))
            return masked


def scope_mask(values, lines, owners, own=None, k: int | None = None, *, base=None,
               rounded: bool = True) -> np.ndarray:
    """One set of masked cells for a whole system as one viewer scope sees it.

    owners: one label per row (the district). `base` (computed here when not given) masks the
    small cells of every owner with their complements, as for a reader who knows no district's
    figures. With `own`, that owner's rows are taken as known (a head sees their own district
    raw) and more cells of other owners are masked until none is recoverable; own's cells keep
    base's masks, for the head's exports for sharing. Masks only grow from `base`, and a cell
    no equation pins stays unpinned when more cells are masked, so the head's view, the head's
    exports and the public totals together pin no masked cell.

    rounded: published non-zero counts of other owners are rounded (round_to_base), so they are
    not exact either; a rounded cell the exact public totals would pin (the only non-zero cell
    of a column but the known owner's) gets a complement too.
    """
    k = threshold(k)
    owners = np.asarray(owners)
    n = len(owners)
    if base is None:
        base = complete_suppression(values, primary_mask(values, np.zeros(n, dtype=bool), k),
                                    np.zeros(n, dtype=bool), lines)
    prot = owners == own if own is not None else np.zeros(n, dtype=bool)
    done = complete_suppression(values, base & ~prot[:, None], prot, lines)
    if rounded:
        with np.errstate(invalid="ignore"):
            inexact = ~np.isnan(values) & (values != 0) & ~prot[:, None]
        lines_of = _lines_of(lines, values.shape)
        while True:
            unknown = done | inexact
            pinned = recoverable(unknown, lines) & ~done
            before = unknown.copy()
            if not pinned.any() or not _mask_next_to(pinned, values, unknown, prot, lines,
                                                      lines_of, every=True):
                break
            done |= unknown & ~before
    return done | (base & prot[:, None])


def _lines_of(lines, shape):
    """For each cell (row, column), the indices of the lines it is in."""
    found = {}
    for index, (rows, cols, _) in enumerate(lines):
        for i, j in zip(rows, cols):
            found.setdefault((int(i), int(j)), []).append(index)
    return found


def _lone(masked, line) -> bool:
    rows, cols, _ = line
    return int(masked[rows, cols].sum()) == 1


def _candidates_choice(values, cells, masked, prot, pairs_up=lambda i, j: False):
    """Of (row, col) cells, the unmasked unprotected one with the smallest count, preferring >0.

    A zero is a weak complement (an observer who guesses it learns the other cell), so it is used
    only when no positive count is available. Before size comes `pairs_up`: a cell that also gives
    a second mask to another line closes two gaps at once instead of opening a new one.
    """
    best, best_key = None, None
    for i, j in cells:
        i, j = int(i), int(j)
        if masked[i, j] or prot[i] or np.isnan(values[i, j]):
            continue
        v = values[i, j]
        key = (v == 0, not pairs_up(i, j), v, i, j)
        if best_key is None or key < best_key:
            best, best_key = (i, j), key
    return best


def _two_per_line(values, masked, prot, lines, lines_of) -> bool:
    """Give every line with a single masked cell a second one; True when anything was masked."""
    changed = False
    for index, line in enumerate(lines):
        if not _lone(masked, line):
            continue

        def pairs_up(i, j, here=index):  # masking (i, j) would pair with a lone mask elsewhere
            return any(other != here and _lone(masked, lines[other])
                       for other in lines_of.get((i, j), ()))

        pick = _candidates_choice(values, zip(line[0], line[1]), masked, prot, pairs_up)
        if pick:
            masked[pick] = True
            changed = True
    return changed


def recoverable(masked, lines) -> np.ndarray:
    """Masked cells whose value follows exactly from published cells and the public equations.

    Every cell not masked is taken as known; each line is then a linear equation over its masked
    cells. A masked cell is recoverable when every solution gives it the same value: its unit
    vector lies in the equations' row space. Cells linked by no chain of lines are independent,
    so each connected group is solved on its own (small systems, whatever the table's size).
    """
    result = np.zeros_like(masked, dtype=bool)
    cells = [tuple(c) for c in np.argwhere(masked)]
    if not cells:
        return result
    index = {cell: c for c, cell in enumerate(cells)}
    parent = list(range(len(cells)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    equations = []
    for rows, cols, coeffs in lines:
        members = [(index[(int(i), int(j))], float(c)) for i, j, c in zip(rows, cols, coeffs)
                   if masked[i, j]]
        if not members:
            continue
        equations.append(members)
        root = find(members[0][0])
        for c, _ in members[1:]:
            other = find(c)
            if other != root:
                parent[other] = root
    groups = {}
    for c in range(len(cells)):
        groups.setdefault(find(c), []).append(c)
    by_group = {}
    for members in equations:
        by_group.setdefault(find(members[0][0]), []).append(members)
    for root, group in groups.items():
        eqs = by_group.get(root)
        if not eqs:
            continue  # no equation touches these masked cells: none is pinned
        position = {c: p for p, c in enumerate(group)}
        a = np.zeros((len(eqs), len(group)))
        for r, members in enumerate(eqs):
            for c, coeff in members:
                a[r, position[c]] += coeff
        _, s, vt = np.linalg.svd(a, full_matrices=False)
        rank = int((s > 1e-9 * max(1.0, s.max())).sum())
        # e_c lies in the row space exactly when its projection onto the orthonormal basis
        # vt[:rank] keeps its whole length: the sum over the basis of vt[k, c] squared is 1.
        kept = (vt[:rank] ** 2).sum(axis=0)
        for c in group:
            if kept[position[c]] > 1 - 1e-9:
                result[cells[c]] = True
    return result


def _mask_next_to(pinned, values, masked, prot, lines, lines_of, every=False) -> bool:
    """Mask one more cell sharing an equation with the first recoverable cell (every=True: with
    each recoverable cell, in one pass)."""
    done = False
    for i, j in zip(*np.nonzero(pinned)):
        pick = None
        for index in lines_of.get((int(i), int(j)), ()):
            rows, cols, _ = lines[index]
            pick = _candidates_choice(values, zip(rows, cols), masked, prot)
            if pick:
                break
        if not pick:
            # No neighbour in this cell's own lines: mask any unprotected cell of its column.
            pick = _candidates_choice(values, [(r, j) for r in range(len(values))], masked, prot)
        if pick:
            masked[pick] = True
            done = True
            if not every:
                return True
    return done
