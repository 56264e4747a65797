"""Figures computed in Python (a model, not one SQL statement), registered beside the SQL ones.

Each entry names the function that computes it, its columns in contract order with their kind
(as in a .sql file's header), and any options of its own. `queries.run`, `python -m queries`,
`--list` and the query bench treat these names like the .sql files: the function is called as
`function(engine, as_of=, district=, cohort=, **options)` and returns exactly the columns.
Modules are imported on first use, so listing the queries stays cheap.
"""
import importlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Option:
    """An option of one computed figure: `--add-officials N` is Option("add_officials", int)."""
    name: str
    type: type
    default: object
    help: str


@dataclass(frozen=True)
class Computed:
    name: str
    target: str                          # "module:function"
    columns: tuple                       # ((column, kind), ...) in contract order
    options: tuple = field(default=())   # Option, ...

    def function(self):
        module, func = self.target.split(":")
        return getattr(importlib.import_module(module), func)


def _cols(spec: str) -> tuple:
    return tuple(tuple(part.split(":")) for part in spec.split())


REGISTRY = {c.name: c for c in (
    Computed(
        "completion_forecast", "queries.forecast:completion_forecast",
        _cols("district_code:text cohort:text listed:count seen:count "
              "seen_by_deadline_p10:count seen_by_deadline_p50:count "
              "seen_by_deadline_p90:count p_all_seen_by_deadline:rate finish_p10:date "
              "finish_p50:date finish_p90:date")),
    Computed(
        "staffing_allocation", "queries.allocation:staffing_allocation",
        _cols("district_code:text cohort:text role:text in_post:count added:count "
              "expected_unseen_before:number expected_unseen_after:number p_all_before:rate "
              "p_all_after:rate finish_p50_before:date finish_p50_after:date "
              "needed_for_median:integer needed_for_80pct:integer needed_visited_median:integer "
              "needed_visited_80pct:integer target_date:date"),
        (Option("add_officials", int, 0, "staffing_allocation: abuse officials to place"),
         Option("add_planners", int, 0, "staffing_allocation: welfare planners to place"))),
    Computed(
        "alerts", "queries.alerts:alerts",
        _cols("rule:text district_code:text child_id:text first_raised:date days_open:count")),
)}


def names() -> list[str]:
    return sorted(REGISTRY)


def get(name: str) -> Computed | None:
    return REGISTRY.get(name)


def all_options() -> list[Option]:
    """Every option of every computed figure, once per name (the CLI offers them all)."""
    seen = {}
    for figure in REGISTRY.values():
        for opt in figure.options:
            seen.setdefault(opt.name, opt)
    return list(seen.values())


def takes(option: str) -> list[str]:
    """The figures that take `option`."""
    return [f.name for f in REGISTRY.values() if any(o.name == option for o in f.options)]
