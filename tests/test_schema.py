from sqlalchemy import inspect

from data.schema import EXTRACT_TABLES


def test_schema_has_every_extract_table(engine):
    names = set(inspect(engine).get_table_names())
    assert {t.name for t in EXTRACT_TABLES} <= names
