"""The extract format (../shared/spec/extract-format.md) as data: per file, its columns and rules.

One `FileFormat` per extract file says how to turn one CSV row into typed values and which rules
the row must follow on its own. Rules that need other rows (references, duplicate keys, a
referral's visit being of the same child) are listed here too but checked by the loader in SQL.
The column order of each file is that of the table in data/schema.py, which follows the spec.
"""
import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from sqlalchemy import Table

from data import schema

ENCODING = "utf-8"

# Longest bad value echoed back in a message; a wrong column may hold text nobody should copy
# into logs in full.
_ECHO_MAX = 40

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INT = re.compile(r"-?[0-9]+")
_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_DISTRICT = re.compile(r"[0-9]{5}")
_INT_MAX = 2**31 - 1


class Invalid(ValueError):
    """One column of one row breaks a rule; the message is what is wrong."""


def echo(raw: str) -> str:
    return repr(raw if len(raw) <= _ECHO_MAX else raw[:_ECHO_MAX] + "...")


# --- Parsers: raw non-empty text -> value, or Invalid. Empty text never reaches them. ---

@functools.lru_cache(maxsize=8192)
def parse_date(raw: str) -> dt.date:
    # fromisoformat alone would accept 20210105 and 2021-W01; the pattern keeps only YYYY-MM-DD.
    if _DATE.fullmatch(raw):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            pass
    raise Invalid(f"not a date (YYYY-MM-DD): {echo(raw)}")


def parse_int(raw: str) -> int:
    if not _INT.fullmatch(raw):
        raise Invalid(f"not an integer: {echo(raw)}")
    value = int(raw)
    if not -_INT_MAX <= value <= _INT_MAX:      # both databases store a 32-bit integer
        raise Invalid(f"too large for an integer: {echo(raw)}")
    return value


def parse_bool(raw: str) -> bool:
    # Any case: Excel writes TRUE and FALSE when it saves a CSV file.
    lowered = raw.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    raise Invalid(f"not true or false: {echo(raw)}")


def parse_id(raw: str) -> str:
    if not _ID.fullmatch(raw):
        raise Invalid(f"not an identifier (1 to 32 letters, digits, - or _): {echo(raw)}")
    return raw


def parse_district_code(raw: str) -> str:
    if not _DISTRICT.fullmatch(raw):
        raise Invalid(f"not a five-digit district code: {echo(raw)}")
    return raw


def parse_text(raw: str) -> str:
    if "\x00" in raw:                             # PostgreSQL cannot store it in text
        raise Invalid("contains a NUL character")
    return raw


def enum(*choices: str) -> Callable[[str], str]:
    allowed = frozenset(choices)
    listed = ", ".join(choices)

    def parse(raw: str) -> str:
        if raw not in allowed:
            raise Invalid(f"not one of {listed}: {echo(raw)}")
        return raw
    parse.choices = choices              # for the loader's line screen (data/screen.py)
    return parse


def at_least(low: int, high: int | None = None) -> Callable[[int], str | None]:
    def check(value: int) -> str | None:
        if high is not None and not low <= value <= high:
            return f"must be between {low} and {high}: {value}"
        if value < low:
            return f"must be {low} or more: {value}"
        return None
    return check


def more_than(low: int) -> Callable[[int], str | None]:
    def check(value: int) -> str | None:
        return None if value > low else f"must be more than {low}: {value}"
    return check


# --- The format ---

@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = False
    check: Callable[[Any], str | None] | None = None   # on the parsed value; message or None


@dataclass(frozen=True)
class Reference:
    """`column` holds a key of `table` (by its single key column), checked by the loader in SQL."""
    column: str
    table: Table
    noun: str
    same: tuple[str, ...] = ()      # columns that must be equal in the row and the one it names




@dataclass(frozen=True)
class FileFormat:
    file: str
    table: Table
    columns: list[Column]
    key: tuple[str, ...]            # empty for programme.csv, which replaces the single row
    rules: list["_Rule"] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


class _Rule:
    """A cross-column rule, in Python (`__call__`, on one row's parsed values) and in SQL
    (`flags`, on a staging table of typed values: true for a row the rule rejects). The loader
    screens most rows of a large file in SQL and gives the rows `flags` picks the Python
    rule's exact message, so the two forms must agree on rows whose columns all parsed."""

    def __call__(self, row: dict, bad: set) -> list[tuple[str, str]]:
        """[(column, message)] for the row's values (None where empty or bad) and the set of
        its bad columns; silent about a column already reported as bad."""
        raise NotImplementedError

    def flags(self, stage: Table):
        raise NotImplementedError


@dataclass(frozen=True)
class _NotBefore(_Rule):
    later: str
    earlier: str

    def __call__(self, row: dict, _bad: set) -> list[tuple[str, str]]:
        a, b = row.get(self.later), row.get(self.earlier)
        if a is not None and b is not None and a < b:
            return [(self.later,
                     f"must not be before {self.earlier} ({b.isoformat()}): {a.isoformat()}")]
        return []

    def flags(self, stage: Table):
        return stage.c[self.later] < stage.c[self.earlier]


@dataclass(frozen=True)
class _After(_Rule):
    later: str
    earlier: str

    def __call__(self, row: dict, _bad: set) -> list[tuple[str, str]]:
        a, b = row.get(self.later), row.get(self.earlier)
        if a is not None and b is not None and a <= b:
            return [(self.later,
                     f"must be after {self.earlier} ({b.isoformat()}): {a.isoformat()}")]
        return []

    def flags(self, stage: Table):
        return stage.c[self.later] <= stage.c[self.earlier]


@dataclass(frozen=True)
class _Differs(_Rule):
    column: str
    other: str

    def __call__(self, row: dict, _bad: set) -> list[tuple[str, str]]:
        a = row[self.column]
        if a is not None and a == row[self.other]:
            return [(self.column, f"must differ from {self.other}: {a}")]
        return []

    def flags(self, stage: Table):
        return stage.c[self.column] == stage.c[self.other]


@dataclass(frozen=True)
class _PresentIff(_Rule):
    """`column` is required when column `on` equals `equals` (is set, when `equals` is None)
    and must be empty otherwise."""
    column: str
    on: str
    equals: str | None
    when: str
    unless: str

    def _condition(self, row: dict) -> bool:
        value = row.get(self.on)
        return value is not None if self.equals is None else value == self.equals

    def __call__(self, row: dict, bad: set) -> list[tuple[str, str]]:
        # Only judge when the columns the condition reads parsed (a bad one is reported already).
        if bad and (self.column in bad or self.on in bad):
            return []
        present = row[self.column] is not None
        if self._condition(row) and not present:
            return [(self.column, f"required when {self.when}")]
        if not self._condition(row) and present:
            return [(self.column, f"must be empty {self.unless}")]
        return []

    def flags(self, stage: Table):
        on = stage.c[self.on]
        condition = on.is_not(None) if self.equals is None else on == self.equals
        return condition != stage.c[self.column].is_not(None)


ROLE = enum("abuse_official", "welfare_planner")

FORMATS: list[FileFormat] = [
    FileFormat("programme.csv", schema.programme, [
        Column("start_date", parse_date, required=True),
        Column("deadline", parse_date, required=True),
        Column("reports_per_official", parse_int, required=True, check=more_than(0)),
    ], key=(), rules=[_NotBefore("deadline", "start_date")]),
    FileFormat("districts.csv", schema.districts, [
        Column("district_code", parse_district_code, required=True),
        Column("name_ko", parse_text, required=True),
        Column("name_en", parse_text, required=True),
        Column("child_population", parse_int, required=True, check=at_least(0)),
    ], key=("district_code",)),
    FileFormat("agencies.csv", schema.agencies, [
        Column("agency_id", parse_id, required=True),
        Column("name", parse_text, required=True),
        Column("operator", enum("private", "city"), required=True),
        Column("district_code", parse_text, required=True),
    ], key=("agency_id",),
        references=[Reference("district_code", schema.districts, "district")]),
    FileFormat("staff.csv", schema.staff, [
        Column("staff_id", parse_id, required=True),
        Column("district_code", parse_text, required=True),
        Column("role", ROLE, required=True),
        Column("start_date", parse_date, required=True),
        Column("end_date", parse_date),
    ], key=("staff_id",), rules=[_NotBefore("end_date", "start_date")],
        references=[Reference("district_code", schema.districts, "district")]),
    FileFormat("staffing_targets.csv", schema.staffing_targets, [
        Column("district_code", parse_text, required=True),
        Column("role", ROLE, required=True),
        Column("effective_on", parse_date, required=True),
        Column("target", parse_int, required=True, check=at_least(0)),
    ], key=("district_code", "role", "effective_on"),
        references=[Reference("district_code", schema.districts, "district")]),
    FileFormat("children.csv", schema.children, [
        Column("child_id", parse_id, required=True),
        Column("district_code", parse_text, required=True),
        Column("cohort", enum("repeat_report", "neglect_risk"), required=True),
        Column("birth_year", parse_int, required=True, check=at_least(1990, 2030)),
        Column("listed_on", parse_date, required=True),
        Column("removed_on", parse_date),
    ], key=("child_id",), rules=[_After("removed_on", "listed_on")],
        references=[Reference("district_code", schema.districts, "district")]),
    FileFormat("reports.csv", schema.reports, [
        Column("report_id", parse_id, required=True),
        Column("district_code", parse_text, required=True),
        Column("received_on", parse_date, required=True),
        Column("channel", enum("112", "school", "medical", "welfare", "neighbour", "family",
                               "other"), required=True),
        Column("child_id", parse_id),
    ], key=("report_id",), references=[
        Reference("district_code", schema.districts, "district"),
        Reference("child_id", schema.children, "child"),
    ]),
    FileFormat("visits.csv", schema.visits, [
        Column("visit_id", parse_id, required=True),
        Column("child_id", parse_id, required=True),
        Column("visit_date", parse_date, required=True),
        Column("staff_id", parse_id, required=True),
        Column("second_staff_id", parse_id),
        Column("outcome", enum("seen", "not_home", "refused", "moved"), required=True),
        Column("risk_level", enum("none", "low", "medium", "high", "emergency")),
        Column("abuse_suspected", parse_bool),
    ], key=("visit_id",), rules=[
        _Differs("second_staff_id", "staff_id"),
        _PresentIff("risk_level", "outcome", "seen", "outcome is seen", "unless outcome is seen"),
        _PresentIff("abuse_suspected", "outcome", "seen", "outcome is seen",
                     "unless outcome is seen"),
    ], references=[
        Reference("child_id", schema.children, "child"),
        Reference("staff_id", schema.staff, "staff member"),
        Reference("second_staff_id", schema.staff, "staff member"),
    ]),
    FileFormat("referrals.csv", schema.referrals, [
        Column("referral_id", parse_id, required=True),
        Column("child_id", parse_id, required=True),
        Column("visit_id", parse_id),
        Column("referred_on", parse_date, required=True),
        Column("kind", enum("police_investigation", "protection_agency", "emergency_protection",
                            "follow_up", "welfare_service", "medical"), required=True),
        Column("agency_id", parse_id),
        Column("closed_on", parse_date),
        Column("result", enum("substantiated", "not_substantiated", "services_provided",
                              "declined", "transferred")),
    ], key=("referral_id",), rules=[
        _NotBefore("closed_on", "referred_on"),
        _PresentIff("result", "closed_on", None, "closed_on is set", "while closed_on is empty"),
    ], references=[
        Reference("child_id", schema.children, "child"),
        Reference("visit_id", schema.visits, "visit", same=("child_id",)),
        Reference("agency_id", schema.agencies, "agency"),
    ]),
]

BY_FILE: dict[str, FileFormat] = {f.file: f for f in FORMATS}
BY_TABLE: dict[str, FileFormat] = {f.table.name: f for f in FORMATS}

# The format must list exactly the schema's extract tables, in order, with the same columns.
assert [f.table for f in FORMATS] == schema.EXTRACT_TABLES
assert all(
    f.column_names == [c.name for c in f.table.columns if c.name != "programme_key"]
    for f in FORMATS
)


class RowParser:
    """Parses the rows of one file, given its header (columns may come in any order).

    Calling it with a record (the row's fields, in header order) gives (staged, problems):
    `staged` is the row's values in the format's column order, ready for a staging table, and
    `problems` is [(column, what is wrong)]. Dates and text are staged as their checked text
    (what both databases store or parse), integers and booleans as Python values.
    """

    def __init__(self, fmt: FileFormat, header: list[str]):
        self.rules = fmt.rules
        self.plan = [
            (header.index(c.name), c.name, c.parse, c.required, c.check,
             c.parse in (parse_int, parse_bool))
            for c in fmt.columns
        ]

    def __call__(self, record: list[str]) -> tuple[list, list[tuple[str, str]]]:
        values: dict[str, Any] = {}
        staged: list[Any] = []
        problems: list[tuple[str, str]] = []
        bad: set[str] = set()
        for index, name, parse, required, check, typed in self.plan:
            text = record[index]
            value = None
            if text == "":
                if required:
                    problems.append((name, "required"))
                    bad.add(name)
            else:
                try:
                    value = parse(text)
                    message = check(value) if check is not None else None
                    if message:
                        problems.append((name, message))
                        bad.add(name)
                        value = None
                except Invalid as e:
                    problems.append((name, str(e)))
                    bad.add(name)
            values[name] = value
            staged.append(value if typed or value is None else text)
        for rule in self.rules:
            problems.extend(rule(values, bad))
        return staged, problems


def format_value(value: Any) -> str:
    """A typed value as the extract writes it."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
