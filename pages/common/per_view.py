"""What a page builds once per view and then shares with every viewer of the same view.

A view is everything a figure on a page depends on: the viewer's scope `(role, district_code)`
(never the person: two heads of one district share, a head and the Response Team never do), the
shared filters (as-of day, cohort, district), the language, the data version and the database,
plus whatever the page passes as `inputs` (its own widgets, such as the map's measure). Building
a plotly figure validates every property (hundreds of milliseconds for a page of charts), and
the same view is asked for by every viewer of that scope all morning: it is built on the first
request and reused until the data version changes or the entry expires.

What is kept is the caller's finished value (for charts: the figure's plain data, see
layout.chart); it is never a decision about who may see what. The figure is built from the
scope's own results (pages/common/data.py), and the scope is part of the key.
"""
from pages.common import data, filters, memo

TTL_SECONDS = 300    # as long as the query caches keep a result; the data version is in the key
# Entries kept per kind: a bound on the process's memory. A chart is tens of KiB of plain data
# (a map's boundaries are shared, layout._share_boundaries); a table holds its whole result for
# the download (a child list at scale 30 is megabytes).
MAX_ENTRIES = {"chart": 1000, "table": 100, "value": 1000}


def view_key() -> tuple:
    """The scope, filters, language, data version and database of this run."""
    f = filters.current()
    return (data.scope(), f.as_of, f.cohort, f.district, f.lang, data.data_version(),
            data.db_url())


def once(name: str, build, inputs: tuple = (), kind: str = "value"):
    """`build()` for this view, computed once and shared by every run of the same view.

    name: unique among the values of the app (a chart's key does). inputs: anything else the
    value depends on beyond the view (hashable). kind: "chart", "table" or "value" (each has
    its own bound). The value is shared, never copied: callers must not change it."""
    kept = memo.store(f"per_view_{kind}", ttl=TTL_SECONDS, max_entries=MAX_ENTRIES[kind])
    return kept.get((name, view_key(), inputs), build)


def frame(name: str, build, inputs: tuple = ()):
    """`once` for a DataFrame, handed out as a shallow copy: pandas' copy-on-write keeps a
    page's changes out of the shared frame. Never for a child-level fetch (data.fetch audits
    each viewer's request of a child list: that must run on every run)."""
    return once(name, build, inputs).copy(deep=False)
