"""The dashboard's figures, one SQL file per figure, run with bound parameters.

    queries.run(name, engine, as_of=date, district=None, cohort=None) -> DataFrame
    queries.names() -> list of query names
    queries.default_as_of(engine) -> the latest date in the data, or None
    queries.CHILD_LEVEL -> names of the queries that return child-level rows

Definitions are in ../shared/spec/metrics.md; each file's header says what one row means.
"""
from queries.runner import CHILD_LEVEL, COHORTS, columns, default_as_of, names, run

__all__ = ["CHILD_LEVEL", "COHORTS", "columns", "default_as_of", "names", "run"]
