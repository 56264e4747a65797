"""A process-wide memo: a value kept under a small key for a while, shared, never copied.

st.cache_data hashes its arguments and unpickles a copy of the value on every call (about a
millisecond each, and a page makes dozens of calls per run); a dict lookup on a tuple of small
values costs microseconds. Callers keep the rules of pages/common/data.py: keys hold small
values only (names, days, codes, the scope, the data version, the database URL), and what is
kept is the access policy's output for a scope, never a decision. A kept value is shared by
every run: callers hand out DataFrames as `copy(deep=False)` (pandas' copy-on-write then keeps
any change away from the kept frame) and never change other kept values.

The stores are Streamlit cache resources, so that st.cache_resource.clear() (tests, operators)
empties them with every other cache.
"""
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar

import streamlit as st


class Store:
    def __init__(self, ttl: float, max_entries: int):
        self.ttl = ttl
        self.max_entries = max_entries
        self.lock = threading.Lock()
        self.entries: OrderedDict = OrderedDict()

    def peek(self, key: tuple):
        """The value kept under `key`, or None (nothing is built)."""
        with self.lock:
            hit = self.entries.get(key)
            return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, key: tuple, value) -> None:
        with self.lock:
            self.entries[key] = (time.monotonic() + self.ttl, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def get(self, key: tuple, build):
        """The value kept under `key`, or build() kept from now on. Exceptions are not kept."""
        now = time.monotonic()
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None and hit[0] > now:
                self.entries.move_to_end(key)
                return hit[1]
        # Built outside the lock: two first requests may both build, the last one is kept.
        value = build()
        with self.lock:
            self.entries[key] = (now + self.ttl, value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        return value


_STORES_LOCK = threading.Lock()
# The stores' dict as this run found it (start_run): a page asks for a store dozens of times per
# run, and each call through st.cache_resource hashes its arguments.
_RUN_STORES: ContextVar[dict | None] = ContextVar("memo_stores", default=None)


@st.cache_resource(show_spinner=False)
def _stores() -> dict:
    return {}


def start_run() -> None:
    """Called first on every run (pages/common/data.start_run): a clear of Streamlit's caches
    between runs is seen at the next run."""
    _RUN_STORES.set(_stores())


def store(name: str, *, ttl: float, max_entries: int) -> Store:
    """The process's store called `name` (made on first use with this ttl and size)."""
    stores = _RUN_STORES.get()
    if stores is None:  # outside a run (a download's click, tests)
        stores = _stores()
    found = stores.get(name)
    if found is None:
        with _STORES_LOCK:
            found = stores.setdefault(name, Store(ttl, max_entries))
    return found
