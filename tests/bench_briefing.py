"""Benchmark: building the morning briefing packs (PDF + workbook), time and peak memory.

Prints figures; fails on nothing. Run:
    python -m tests.bench_briefing [--db URL] [--pg30 URL] [--only-pg30] [--as-of D]

1. Every pack of the demo role map (city, Response Team, one head per district) at scale 1:
   --db, or a new SQLite file generated at scale 1 in a temporary folder. Target: under 60 s.
2. The Response Team's pack on a scale-30 PostgreSQL database: --pg30, or env
   BENCH_PG30_URL (make one once with `python -m data generate --db URL --scale 30`, about three
   minutes). Target: under 60 s. Skipped, with a note, when neither is given.

Packs go to a temporary folder and the audit rows they write go to the benchmarked database.
The Korean font is converted before timing (a one-off per machine, cached). Wall time on a shared
machine depends on its load, so the load average and this process's CPU time are printed too;
Chromium (the charts) is a child process: its CPU is the "children" figure.
"""
import argparse
import datetime as dt
import os
import resource
import tempfile
import time
from pathlib import Path

import queries
from briefing import fonts
from briefing.build import build
from briefing.content import Recipient
from briefing.recipients import demo
from briefing.source import Source
from data.db import make_engine
from data.generate import generate

PG30_ENV = "BENCH_PG30_URL"


def _run(label: str, engine, as_of, chosen, target: float) -> None:
    out = Path(tempfile.mkdtemp(prefix="bench_briefing_"))
    cpu0, child0 = time.process_time(), resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    start = time.perf_counter()
    results = build(engine, as_of, chosen, out, say=lambda line: None)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu0
    child1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (child1.ru_utime + child1.ru_stime) - (child0.ru_utime + child0.ru_stime)
    pages = sum(r.pages for r in results)
    size = sum(p.stat().st_size for p in out.iterdir()) / 1e6
    failed = [r for r in results if r.error]
    print(f"{label}")
    print(f"  database     {engine.dialect.name}, as of {as_of}, load average {load:.1f}")
    print(f"  packs        {len(results)} ({pages:,} PDF pages, {size:.1f} MB of files)"
          + (f", {len(failed)} FAILED: {failed[0].error}" if failed else ""))
    for r in results[:3]:
        print(f"    {r.recipient.role:<14} {r.pages:>4} pages"
              + "".join(f", {sheet} {n:,} rows" for sheet, n in r.child_rows.items()))
    print(f"  wall         {wall:.1f} s  (target < {target:.0f} s: "
          f"{'met' if wall < target else 'NOT met'})")
    print(f"  CPU          {cpu:.1f} s this process, {children:.1f} s children (Chromium)")
    print(f"  peak memory  {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB "
          f"this process, {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:,.0f} MB "
          "largest child")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None, help="a scale-1 database (default: generate one)")
    parser.add_argument("--pg30", default=os.environ.get(PG30_ENV),
                        help=f"a scale-30 PostgreSQL database (default: env {PG30_ENV})")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--only-pg30", action="store_true", help="skip the scale-1 packs")
    args = parser.parse_args()

    for weight in ("regular", "bold"):
        fonts.truetype(weight)  # the one-off conversion is not part of a build's time

    if not args.only_pg30:
        url = args.db
        if url is None:
            url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
            generate(make_engine(url), seed=1, scale=1.0)
        engine = make_engine(url)
        as_of = args.as_of or queries.default_as_of(engine)
        codes = list(Source(engine, as_of).district_names("ko"))
        _run(f"every demo pack at scale 1 ({2 + len(codes)} recipients)", engine, as_of,
             demo(codes), 60)
        engine.dispose()

    if not args.pg30:
        print(f"scale 30: skipped (give --pg30 URL or set {PG30_ENV})")
        return
    engine = make_engine(args.pg30)
    as_of = args.as_of or queries.default_as_of(engine)
    _run("the Response Team's pack at scale 30", engine, as_of,
         [Recipient("demo-response_team", "response_team")], 60)
    engine.dispose()


if __name__ == "__main__":
    main()
