"""`python -m queries bench --db URL [--runs N] [--as-of YYYY-MM-DD]`: time every query.

Each query runs once apart (cold: the database's caches and ours are empty or not), then N times;
the table prints the first run, the median and the spread (min .. max) of the N runs, and the
rows returned, at the default as-of day, with the machine's load average before and after (a busy
machine makes every figure slower), and the median CPU time of this process per run (on SQLite
the query's own work, steadier than the clock on a busy machine; on PostgreSQL the client's). Figures, not pass/fail: the targets (median at most 20 ms at
scale 1 on SQLite, 300 ms at scale 30 on PostgreSQL) are for a person to read. A child list
that declares its order (attention_list, attention_detail) has a second line, NAME[:1000]: its
first rows as a page reads them.
"""
import os
import statistics
import sys
import time

from queries import cli
from queries import runner as q


# A child list's first rows, as a page shows them (pages/common/layout.py's MAX_ROWS).
FIRST_ROWS = 1000


def time_query(engine, name: str, as_of, runs: int, **kwargs) -> dict:
    start = time.perf_counter()
    df = q.run(name, engine, as_of=as_of, **kwargs)
    first = time.perf_counter() - start
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        q.run(name, engine, as_of=as_of, **kwargs)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {
        "name": name, "rows": len(df), "first": first,
        "median": statistics.median(times) if times else float("nan"),
        "min": min(times) if times else float("nan"),
        "max": max(times) if times else float("nan"),
        "cpu": statistics.median(cpu) if cpu else float("nan"),
    }


def main(argv: list[str]) -> int:
    parser = cli._Parser(prog="python -m queries bench", description="Time every query.")
    parser.add_argument("--db", default=None)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--as-of", default=None)
    parser.add_argument("names", nargs="*", help="only these queries (default: all)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        raise cli.UsageError("--runs must be at least 1")
    from data.db import database_url
    url = args.db or database_url()
    engine = cli.make_engine_checked(url)
    unknown = [n for n in args.names if n not in q.names()]
    if unknown:
        raise cli.UsageError(f"unknown query {unknown[0]!r}")
    as_of = cli.parse_date(args.as_of) if args.as_of else q.default_as_of(engine)
    if as_of is None:
        raise cli.UsageError("the database holds no dates; give --as-of")
    print(f"database {engine.url.render_as_string()}  as of {as_of}  runs {args.runs}"
          f"  load average {_load()}")
    print(f"{'query':<28}{'rows':>8}{'first ms':>11}{'median ms':>11}{'min ms':>10}{'max ms':>10}"
          f"{'cpu ms':>9}")
    for name in args.names or q.names():
        _print(time_query(engine, name, as_of, args.runs))
        # A child list that declares its order is also read as a page reads it: its first
        # rows, sorted and cut by the database (the whole list is the download).
        if name in q.sql_names() and q.load(name).order:
            r = time_query(engine, name, as_of, args.runs, limit=FIRST_ROWS)
            _print({**r, "name": f"{name}[:{FIRST_ROWS}]"})
    print(f"load average {_load()}")
    engine.dispose()
    return 0


def _print(r: dict) -> None:
    print(f"{r['name']:<28}{r['rows']:>8}{r['first'] * 1e3:>11.1f}{r['median'] * 1e3:>11.1f}"
          f"{r['min'] * 1e3:>10.1f}{r['max'] * 1e3:>10.1f}{r['cpu'] * 1e3:>9.1f}", flush=True)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(cli.main(["bench", *sys.argv[1:]]))
