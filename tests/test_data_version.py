"""The data version is part of every cache key: a load that raises it shows on the next read,
without waiting for the results' time to live."""
import datetime as dt

import pytest
from sqlalchemy import text

import queries.cache
from tests.apptest_support import fresh_caches  # noqa: F401  (autouse fixture, found by name)


def _set(engine, key, value):
    with engine.begin() as conn:
        conn.execute(text("delete from dataset_info where key = :k"), {"k": key})
        conn.execute(text("insert into dataset_info (key, value) values (:k, :v)"),
                     {"k": key, "v": value})


def _info(db_url):
    df = queries.cache.fetch("dataset_info", as_of=dt.date(2021, 3, 1), db_url=db_url)
    return dict(zip(df["key"], df["value"]))


def test_missing_version_is_zero_and_a_raised_version_refreshes_results(engine, db_url):
    assert queries.cache.data_version(db_url) == 0
    _set(engine, "made_by", "first load")
    assert _info(db_url)["made_by"] == "first load"
    _set(engine, "made_by", "second load")
    assert _info(db_url)["made_by"] == "first load", "cached while the version stands"
    _set(engine, "data_version", "1")
    queries.cache.data_version.clear()  # what the version's few seconds of life do
    assert queries.cache.data_version(db_url) == 1
    assert _info(db_url)["made_by"] == "second load"


def test_an_unreadable_version_is_zero(engine, db_url):
    _set(engine, "data_version", "not a number")
    assert queries.cache.data_version(db_url) == 0
