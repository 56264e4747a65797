"""Benchmark: how long the synthetic data generator takes, and its peak memory.

Prints figures; fails on nothing. Run:
    python -m tests.bench_generate [--scale 30] [--db URL]
Without --db it writes a new SQLite file in a temporary folder. With --db the database must be
empty (the generator refuses otherwise). Wall time on a shared machine depends on its load, so
the CPU time of this process is printed too (a PostgreSQL server's own work is not in it).
"""
import argparse
import os
import resource
import tempfile
import time

from data.db import make_engine
from data.generate import build, generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--db", default=None)
    args = parser.parse_args()
    url = args.db or f"sqlite:///{tempfile.mkdtemp()}/bench.db"

    wall0 = time.perf_counter()
    tables = build(seed=args.seed, scale=args.scale)
    build_wall = time.perf_counter() - wall0
    del tables

    engine = make_engine(url)
    cpu1, wall1 = time.process_time(), time.perf_counter()
    counts = generate(engine, seed=args.seed, scale=args.scale)
    wall = time.perf_counter() - wall1
    cpu = time.process_time() - cpu1
    engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = sum(counts.values())
    print(f"database      {engine.dialect.name} ({url.split('@')[-1]})")
    print(f"scale         {args.scale}  (load average {os.getloadavg()[0]:.1f})")
    print(f"rows          {rows:,}  " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    print(f"build only    {build_wall:.1f} s wall")
    print(f"generate      {wall:.1f} s wall, {cpu:.1f} s CPU of this process "
          f"({rows / wall:,.0f} rows/s)")
    print(f"peak memory   {peak_mb:,.0f} MB (RSS of this process)")


if __name__ == "__main__":
    main()
