"""How long a dashboard reader waits while a load runs (issue 12 item 1, issue 11's loader).

    python -m tests.bench_reader_wait --db URL --extract DIR [--readers 3] [--baseline 5]

Readers in threads do what a page view does to the database, over and over: a small query of
the derived per-child table and the districts, then an audit insert (the write every view
makes). First for --baseline seconds with nothing else running, then while the extract in DIR
is loaded into --db. Prints per phase the reader operations, their median, p95 and longest time,
the failures, and the load's own time. The target (issue 12) is a longest wait under 1 s.

A realistic re-sent extract has changes: e.g. generate at --today 2021-03-15 into --db, and
export a database generated at --today 2021-04-30 as DIR (same seed and scale).
"""
import argparse
import os
import statistics
import threading
import time
from datetime import datetime, timezone

from sqlalchemy import insert, text

from data.db import make_engine
from data.load import load_extract
from data.schema import audit_log

READ = text("select d.district_code, count(*) from child_status c"
            " join districts d on d.district_code = c.district_code"
            " where c.district_code = :code group by d.district_code")


def _reader(engine, stop: threading.Event, out: list, failures: list) -> None:
    codes = ["11110", "11680", "11710", "11350"]
    n = 0
    while not stop.is_set():
        started = time.monotonic()
        try:
            with engine.connect() as conn:
                conn.execute(READ, {"code": codes[n % len(codes)]}).all()
            with engine.begin() as conn:
                conn.execute(insert(audit_log).values(
                    logged_at=datetime.now(timezone.utc), subject="bench", role="response_team",
                    district_code=None, page="bench", action="view", detail="", rows=None))
        except Exception as e:       # a failed view is what this measures too
            failures.append(type(e).__name__ + ": " + str(e).splitlines()[0][:80])
        out.append((started, time.monotonic() - started))
        n += 1
        time.sleep(0.05)


def _summary(label: str, samples: list[float], failures: list) -> str:
    if not samples:
        return f"{label:<12} no operations"
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return (f"{label:<12} ops {len(samples):>5}  median {statistics.median(samples) * 1000:7.1f} ms"
            f"  p95 {p95 * 1000:7.1f} ms  longest {max(samples) * 1000:8.1f} ms"
            f"  failed {len(failures)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_reader_wait")
    parser.add_argument("--db", required=True)
    parser.add_argument("--extract", required=True)
    parser.add_argument("--readers", type=int, default=3)
    parser.add_argument("--baseline", type=float, default=5.0)
    args = parser.parse_args(argv)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{args.readers} readers; {args.db}")
    reader_engine = make_engine(args.db)
    load_engine = make_engine(args.db)
    results: list = []
    failures: list = []
    stop = threading.Event()
    threads = [threading.Thread(target=_reader, args=(reader_engine, stop, results, failures),
                                daemon=True) for _ in range(args.readers)]
    for t in threads:
        t.start()
    time.sleep(args.baseline)
    baseline_failures = list(failures)
    load_started = time.monotonic()
    counts = load_extract(load_engine, args.extract)
    load_ended = time.monotonic()
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    before = [d for s, d in results if s < load_started]
    during = [d for s, d in results if load_started <= s < load_ended or s + d > load_started
              and s < load_ended]
    print(_summary("baseline", before, baseline_failures))
    print(_summary("during load", during, failures[len(baseline_failures):]))
    print(f"load: {sum(counts.values()):,} rows in {load_ended - load_started:.1f} s")
    # Where in the load the longest waits began: the swap at its end, or the checks before it.
    longest = sorted(((d, s) for s, d in results if load_started <= s < load_ended
                      or s + d > load_started and s < load_ended), reverse=True)[:3]
    for d, s in longest:
        print(f"  a {d * 1000:.0f} ms wait began {s - load_started:.1f} s into the load"
              f" ({load_ended - s:.1f} s before its end)")
    for message in sorted(set(failures))[:3]:
        print(f"  failure: {message}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
