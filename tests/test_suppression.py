"""Small-cell suppression: hand-checked examples, then properties over generated tables."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from access.suppression import marker, suppress, threshold

COUNTS = ["listed", "seen", "attempted_not_seen", "not_attempted"]
ROW_TOTALS = {"listed": ["seen", "attempted_not_seen", "not_attempted"]}


def progress(rows):
    """rows: (district, cohort, seen, attempted_not_seen, not_attempted); listed is their sum."""
    df = pd.DataFrame(rows, columns=["district_code", "cohort", "seen", "attempted_not_seen", "not_attempted"])
    df.insert(2, "listed", df.seen + df.attempted_not_seen + df.not_attempted)
    df["completion_rate"] = (df.seen / df.listed).where(df.listed > 0)
    return df


def run(df, protected_district=None, k=10):
    return suppress(
        df, count_cols=COUNTS, rate_cols={"completion_rate": ("seen", "listed")},
        group_cols=["cohort"], row_totals=ROW_TOTALS,
        protected=(df.district_code == protected_district) if protected_district else None, k=k)


# --- hand examples ----------------------------------------------------------------------------

def test_one_small_cell_takes_a_row_and_a_column_complement():
    df = progress([
        ("11110", "repeat_report", 40, 3, 20),   # attempted_not_seen 3: primary
        ("11140", "repeat_report", 50, 30, 25),
        ("11170", "repeat_report", 60, 25, 40),
        ("11200", "repeat_report", 70, 35, 45),
    ])
    out = run(df)
    masked = {(r.district_code, c) for r in out.itertuples() for c in COUNTS if getattr(r, marker(c))}
    # Row 11110: the smallest other member of the identity (not_attempted 20) joins the mask.
    # Column attempted_not_seen: the smallest other district (11170, 25) joins; then 11170's row
    # needs a second mask too (its not_attempted 40 is smaller than seen 60), and that column
    # already has two masks (11110's 20 and 11170's 40).
    assert masked == {
        ("11110", "attempted_not_seen"), ("11110", "not_attempted"),
        ("11170", "attempted_not_seen"), ("11170", "not_attempted"),
    }
    row = out.set_index("district_code").loc["11110"]
    assert np.isnan(row.attempted_not_seen) and np.isnan(row.not_attempted)
    assert row.listed == 63 and row.seen == 40 and row.completion_rate == pytest.approx(40 / 63)


def test_rates_on_masked_counts_are_masked_and_raw_values_are_gone():
    df = progress([
        ("11110", "neglect_risk", 4, 2, 1),      # everything small
        ("11140", "neglect_risk", 50, 30, 25),
        ("11170", "neglect_risk", 60, 25, 40),
    ])
    out = run(df)
    row = out.iloc[0]
    assert row[marker("completion_rate")] and np.isnan(row.completion_rate)
    assert all(row[marker(c)] for c in COUNTS) and all(np.isnan(row[c]) for c in COUNTS)
    # The raw small numbers appear nowhere in the row handed to the chart.
    assert not any(v in (4, 2, 1, 7) for v in row.to_list() if isinstance(v, (int, float)))


def test_protected_row_is_unchanged_and_never_a_complement():
    df = progress([
        ("11110", "repeat_report", 5, 1, 1),     # own district, small: shown raw
        ("11140", "repeat_report", 3, 30, 25),   # another district: seen 3 masked
        ("11170", "repeat_report", 60, 25, 40),
    ])
    out = run(df, protected_district="11110")
    assert out.loc[0, COUNTS].tolist() == [7, 5, 1, 1]
    assert not out.loc[0, [marker(c) for c in COUNTS]].any()
    # The column complement for 11140's seen must come from 11170, not from the own district.
    assert out.loc[2, marker("seen")]


def test_zero_is_published_and_k_is_configurable(monkeypatch):
    df = progress([("11110", "x", 0, 0, 12), ("11140", "x", 11, 12, 13), ("11170", "x", 20, 25, 40)])
    out = run(df)
    assert not out[[marker(c) for c in COUNTS]].to_numpy().any()
    monkeypatch.setenv("CASES_SUPPRESSION_K", "12")
    assert threshold() == 12
    out = suppress(df, count_cols=COUNTS, group_cols=["cohort"], row_totals=ROW_TOTALS)
    assert out.loc[1, marker("seen")] and out.loc[0, marker("not_attempted")]


@pytest.mark.parametrize("bad", ["0", "-3", "ten"])
def test_k_below_one_or_not_a_number_is_refused(monkeypatch, bad):
    monkeypatch.setenv("CASES_SUPPRESSION_K", bad)
    with pytest.raises(ValueError):
        threshold()


def test_non_numeric_derived_column_becomes_none():
    df = pd.DataFrame({"district_code": ["a", "b", "c"], "n": [3, 40, 50],
                       "when": pd.to_datetime(["2021-03-01", "2021-03-02", "2021-03-03"]).date})
    out = suppress(df, count_cols=["n"], rate_cols={"when": ("n",)})
    assert out.loc[0, "when"] is None and out.loc[0, marker("when")]
    assert out.loc[2, "when"] is not None


# --- properties -------------------------------------------------------------------------------

small_or_large = st.one_of(st.integers(0, 12), st.integers(0, 80))


@st.composite
def tables(draw):
    cohorts = draw(st.sampled_from([["a"], ["a", "b"]]))
    n_districts = draw(st.integers(2, 7))
    # The viewer's own district is an extra row, so at least two districts are never protected:
    # with one, its cells are the public total minus the own district's, whatever is masked.
    own = draw(st.one_of(st.none(), st.just(n_districts)))
    rows = []
    for d in range(n_districts + (1 if own is not None else 0)):
        for cohort in cohorts:
            rows.append((f"D{d:02d}", cohort, draw(small_or_large), draw(small_or_large), draw(small_or_large)))
    k = draw(st.integers(1, 10))
    return progress(rows), (f"D{own:02d}" if own is not None else None), k


def equations(out, df, prot):
    """Public identities as (cells, coefficients): row identities and column totals."""
    eqs = []
    for i in range(len(df)):
        eqs.append(([(i, "listed"), (i, "seen"), (i, "attempted_not_seen"), (i, "not_attempted")], [1, -1, -1, -1]))
    for _, rows in df.groupby("cohort").groups.items():
        for c in COUNTS:
            eqs.append(([(df.index.get_loc(i), c) for i in rows], [1] * len(rows)))
    return eqs


def masked_cells(out):
    return [(i, c) for i in range(len(out)) for c in COUNTS if out.iloc[i][marker(c)]]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_published_cell_is_small_and_protected_rows_are_unchanged(case):
    df, own, k = case
    out = run(df, own, k)
    prot = (df.district_code == own).to_numpy()
    for c in COUNTS:
        published = out.loc[~prot & ~out[marker(c)], c]
        assert not ((published >= 1) & (published <= k)).any()
        assert (out.loc[prot, c] == df.loc[prot, c]).all()
        # Published cells keep their value; masked cells carry none.
        assert (out.loc[~out[marker(c)], c] == df.loc[~out[marker(c)], c]).all()
        assert out.loc[out[marker(c)], c].isna().all()
    assert not out.loc[prot, [marker(c) for c in COUNTS]].to_numpy().any()
    # A rate is masked exactly where its numerator or denominator is.
    expect = out[marker("seen")] | out[marker("listed")]
    assert (out[marker("completion_rate")] == expect).all()
    assert out.loc[expect, "completion_rate"].isna().all()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_masked_cell_is_alone_in_its_row_identity_or_its_column(case):
    """The brief's check: a masked cell alone in its row's identity or in its column (city total
    public) is the total minus the published cells."""
    df, own, k = case
    out = run(df, own, k)
    for i in range(len(out)):
        n = sum(bool(out.iloc[i][marker(c)]) for c in COUNTS)
        assert n != 1, f"row {i} has a single masked cell"
    for _, rows in out.groupby("cohort").groups.items():
        for c in COUNTS:
            assert out.loc[rows, marker(c)].sum() != 1, f"column {c} has a single masked cell"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_no_masked_cell_is_determined_by_all_public_equations_together(case):
    """Stronger: solving every public identity at once pins no masked cell. A cell is pinned when
    adding "this cell = v" to the system does not raise its rank (it is a combination of them)."""
    df, own, k = case
    out = run(df, own, k)
    cells = masked_cells(out)
    if not cells:
        return
    index = {cell: j for j, cell in enumerate(cells)}
    rows = []
    for members, coeffs in equations(out, df, None):
        row = np.zeros(len(cells))
        for cell, coeff in zip(members, coeffs):
            if cell in index:
                row[index[cell]] = coeff
        if row.any():
            rows.append(row)
    a = np.array(rows) if rows else np.zeros((0, len(cells)))
    rank = np.linalg.matrix_rank(a) if len(a) else 0
    for cell, j in index.items():
        unit = np.zeros(len(cells))
        unit[j] = 1
        assert np.linalg.matrix_rank(np.vstack([a, unit])) > rank, f"masked cell {cell} is recoverable"


# --- one system per viewer and day: every grain, the head's view and exports, the totals ---------

from access.suppression import make_lines, recoverable, round_to_base, scope_mask  # noqa: E402


@st.composite
def union_tables(draw):
    """Districts x (cohort a, cohort b, both summed): counts listed = seen + rest per row."""
    n = draw(st.integers(3, 7))
    k = draw(st.integers(1, 10))
    rows, owners, cohort = [], [], []
    for d in range(n):
        parts = []
        for c in ("a", "b"):
            seen, rest = draw(small_or_large), draw(small_or_large)
            parts.append((seen + rest, seen, rest))
            rows.append(parts[-1]), owners.append(f"D{d}"), cohort.append(c)
        rows.append(tuple(x + y for x, y in zip(*parts))), owners.append(f"D{d}"), cohort.append("all")
    own = draw(st.one_of(st.none(), st.sampled_from([f"D{d}" for d in range(n)])))
    return np.array(rows, dtype=float), np.array(owners), np.array(cohort), own, k


def _union_lines(values, owners, cohort):
    n = len(values)
    col_groups = [np.flatnonzero(cohort == c) for c in ("a", "b", "all")]
    sums = [(i, [i - 2, i - 1]) for i in range(n) if cohort[i] == "all"]
    return make_lines(values.shape, row_groups=[[0, 1, 2]], col_groups=col_groups, sums=sums)


def _pinned(unknown, lines):
    """Independent check: a cell is pinned when adding its unit row does not raise the rank."""
    cells = [tuple(c) for c in np.argwhere(unknown)]
    index = {c: p for p, c in enumerate(cells)}
    rows = []
    for r, c, coeff in lines:
        row = np.zeros(len(cells))
        for i, j, x in zip(r, c, coeff):
            if (i, j) in index:
                row[index[(i, j)]] += x
        if row.any():
            rows.append(row)
    a = np.array(rows) if rows else np.zeros((0, len(cells)))
    rank = np.linalg.matrix_rank(a) if len(a) else 0
    found = []
    for cell, p in index.items():
        unit = np.zeros(len(cells))
        unit[p] = 1
        if np.linalg.matrix_rank(np.vstack([a, unit])) == rank:
            found.append(cell)
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(union_tables())
def test_a_heads_view_exports_and_totals_pin_no_masked_cell(case):
    """Issue 13 §9: the head's table (own raw), the head's export for sharing (own small cells
    masked too) and the public totals of every grain (each cohort and both summed) together: no
    masked cell of another district is determined, and none published is small; the export's
    other-district cells are exactly the view's. Summed rows are suppressed as such (issue 8 §1):
    a summed cell is masked only when small or needed, not because a cohort cell is."""
    values, owners, cohort, own, k = case
    lines = _union_lines(values, owners, cohort)
    export = scope_mask(values, lines, owners, own, k)
    mine = owners == own
    view = export & ~mine[:, None]
    others = ~mine[:, None] & np.ones_like(values, dtype=bool)
    assert not ((values >= 1) & (values <= k) & others & ~view).any()
    assert not ((values >= 1) & (values <= k) & ~export).any(), "the export masks every small cell"
    # What the head knows: own rows raw, every other cell not masked in the view (the export
    # publishes no other cell the view hides), every line's total.
    assert (export[~mine] == view[~mine]).all()
    # Even taking every published count as exact, the only cells pinned are zeros masked as
    # complements of rounded counts (a zero learnt is no small count).
    assert all(values[c] == 0 for c in _pinned(view, lines))
    # Rounded counts are not exact: with them unknown too, nothing non-zero is pinned.
    inexact = view | ((values != 0) & others)
    assert all(values[c] == 0 for c in _pinned(inexact, lines))
    if own is None:  # a reader of the export who knows no district
        assert all(values[c] == 0 for c in _pinned(export | (values != 0), lines))


def test_a_summed_cell_is_not_masked_for_its_cohorts_small_cells():
    # District D0: repeat_report small (3 seen), neglect large: at the summed grain nothing is
    # small, and the complement of the small cohort cell is another cohort cell.
    values = np.array([[13, 3, 10], [400, 150, 250], [413, 153, 260],
                       [14, 4, 10], [300, 120, 180], [314, 124, 190],
                       [40, 20, 20], [200, 100, 100], [240, 120, 120],
                       [50, 25, 25], [210, 100, 110], [260, 125, 135]], dtype=float)
    owners = np.repeat(["D0", "D1", "D2", "D3"], 3)
    cohort = np.tile(["a", "b", "all"], 4)
    lines = _union_lines(values, owners, cohort)
    masked = scope_mask(values, lines, owners, "D3", 10)
    summed = cohort == "all"
    assert masked[cohort == "a"].any()
    assert not masked[summed & (owners == "D2")].any()
    assert _pinned(masked & (owners != "D3")[:, None], lines) == []


def test_rounding_is_deterministic_and_never_looks_small():
    values = np.array([0, 11, 12, 13, 17, 18, 22, 23, np.nan])
    assert round_to_base(values, 5, 10)[:-1].tolist() == [0, 15, 15, 15, 15, 20, 20, 25]
    assert np.isnan(round_to_base(values, 5, 10)[-1])
    assert (round_to_base(values, 1, 10)[:-1] == values[:-1]).all()
