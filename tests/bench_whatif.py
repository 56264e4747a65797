"""`python -m tests.bench_whatif [--db URL] [--as-of D] [--runs N]`: what a Staffing what-if
click and a district's fan chart cost, computed whole and on what the page keeps.

The Staffing page keeps the forecast's fit and the allocation's baseline per database, data
version and D (pages/common/forecast_view.py), so a new budget only places the staff, and a
district's fan chart only simulates. Printed per budget: the median of N runs of the whole
computation (`staffing_allocation`, `seen_paths`) and of the part left on the kept baseline or
fit, and whether both give the same rows. Default database: the demo database.
"""
import argparse
import datetime as dt
import os
import statistics
import time

from data.db import database_url, make_engine
from queries import allocation
from queries import forecast as fc
from queries import runner

BUDGETS = ((0, 0), (3, 0), (0, 20), (10, 5))


def _median_ms(run, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    engine = make_engine(args.db or database_url())
    as_of = args.as_of or runner.default_as_of(engine)
    fitted = fc.fit(engine, as_of)
    if fitted is None:
        print("no programme in the database: nothing to measure")
        return 1
    base = allocation.baseline(engine, as_of, fitted)
    district = fitted[2].district[0]
    print(f"as of {as_of}  runs {args.runs}  load average "
          + " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(f"{'':34s}{'whole ms':>10s}{'kept ms':>10s}  same rows")
    for officials, planners in BUDGETS:
        whole = _median_ms(lambda: allocation.staffing_allocation(
            engine, as_of=as_of, add_officials=officials, add_planners=planners), args.runs)
        kept = _median_ms(lambda: allocation.allocation_rows(base, officials, planners),
                          args.runs)
        same = allocation.staffing_allocation(
            engine, as_of=as_of, add_officials=officials, add_planners=planners).equals(
            allocation.allocation_rows(base, officials, planners))
        label = f"what-if: {officials} officials, {planners} planners"
        print(f"{label:34s}{whole:10.1f}{kept:10.1f}  {same}")
    whole = _median_ms(lambda: fc.seen_paths(engine, as_of=as_of, district=district), args.runs)
    kept = _median_ms(lambda: fc.seen_paths(engine, as_of=as_of, district=district,
                                            fitted=fitted), args.runs)
    same = fc.seen_paths(engine, as_of=as_of, district=district).equals(
        fc.seen_paths(engine, as_of=as_of, district=district, fitted=fitted))
    print(f"{'fan chart: district ' + district:34s}{whole:10.1f}{kept:10.1f}  {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
