"""`python -m tests.bench_forecast [--seeds 1 2 3] [--scale 1] [--keep DIR]`: backtest the
completion forecast against what happened.

For each seed a synthetic programme is generated (SQLite, in a temporary folder unless --keep),
the forecast is made as of 1 Feb, 15 Feb and 1 Mar from the data up to that day only, and
compared with the seen count of `district_progress` as of the deadline. Printed per forecast
day and overall, for the model and for the straight line of the last 7 days:
  coverage   the share of (district, cohort) rows whose actual value is inside the 80 % interval
             (the target is 70-90 %)
  width      the mean width of the interval (p90 - p10), in children
  abs err    the mean absolute error of the median
The straight line's interval: seen + (days left) x pace, with the 7-day count's own Poisson
80 % interval (normal approximation) for the pace, capped at the children listed.
Also the forecast's time for all districts and both cohorts, per call.
"""
import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from data.db import make_engine
from data.generate import generate
from queries import runner as q
from queries.forecast import completion_forecast

DAYS = (dt.date(2021, 2, 1), dt.date(2021, 2, 15), dt.date(2021, 3, 1))
DEADLINE = dt.date(2021, 3, 31)


def baseline(progress: pd.DataFrame, as_of: dt.date, deadline: dt.date) -> pd.DataFrame:
    days = (deadline - as_of).days
    count = (progress["pace_7d"] * 7).round()
    z = 1.2816     # the normal 90 % quantile: count +- z sqrt(count), Poisson's own spread
    lo = np.maximum(count - z * np.sqrt(count), 0.0) / 7
    hi = (count + z * np.sqrt(count + 1)) / 7
    cap = progress["listed"].to_numpy()
    seen = progress["seen"].to_numpy()
    return pd.DataFrame({
        "district_code": progress["district_code"], "cohort": progress["cohort"],
        "p10": np.minimum(cap, seen + np.floor(lo * days)),
        "p50": np.minimum(cap, seen + np.round(progress["pace_7d"].to_numpy() * days)),
        "p90": np.minimum(cap, seen + np.ceil(hi * days)),
    })


def score(df: pd.DataFrame) -> dict:
    inside = (df["actual"] >= df["p10"]) & (df["actual"] <= df["p90"])
    return {"rows": len(df), "coverage": inside.mean(), "width": (df["p90"] - df["p10"]).mean(),
            "abs_err": (df["p50"] - df["actual"]).abs().mean()}


def backtest(engine) -> tuple[pd.DataFrame, list]:
    actual = q.run("district_progress", engine, as_of=DEADLINE)[
        ["district_code", "cohort", "seen"]].rename(columns={"seen": "actual"})
    rows, times = [], []
    for d in DAYS:
        start = time.perf_counter()
        fc = completion_forecast(engine, as_of=d)
        times.append(time.perf_counter() - start)
        fc = fc[fc["district_code"] != ""].rename(columns={
            "seen_by_deadline_p10": "p10", "seen_by_deadline_p50": "p50",
            "seen_by_deadline_p90": "p90"})
        base = baseline(q.run("district_progress", engine, as_of=d), d, DEADLINE)
        for name, frame in (("model", fc), ("straight line", base)):
            m = frame[["district_code", "cohort", "p10", "p50", "p90"]].merge(
                actual, on=["district_code", "cohort"])
            m["method"], m["as_of"] = name, d
            rows.append(m)
    return pd.concat(rows, ignore_index=True), times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench_forecast")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", default=None, help="keep (and reuse) the databases here")
    args = parser.parse_args(argv)
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_forecast_"))
    folder.mkdir(parents=True, exist_ok=True)
    results, all_times = [], []
    for seed in args.seeds:
        path = folder / f"seed{seed}_scale{args.scale:g}.db"
        engine = make_engine(f"sqlite:///{path}")
        if not path.exists() or path.stat().st_size == 0 or not q.default_as_of(engine):
            generate(engine, seed=seed, scale=args.scale)
        r, times = backtest(engine)
        r["seed"] = seed
        results.append(r)
        all_times += times
        engine.dispose()
        print(f"seed {seed}: forecast {' / '.join(f'{t * 1e3:.0f}' for t in times)} ms",
              flush=True)
    res = pd.concat(results, ignore_index=True)
    print(f"\nbacktest: seeds {args.seeds}, scale {args.scale:g}, target coverage 70-90 %")
    print(f"{'as of':<12}{'cohort':<15}{'method':<15}{'rows':>5}{'coverage':>10}{'width':>9}"
          f"{'abs err':>9}")
    for (d, cohort, method), g in res.groupby(["as_of", "cohort", "method"], sort=True):
        s = score(g)
        print(f"{d!s:<12}{cohort:<15}{method:<15}{s['rows']:>5}{s['coverage']:>10.1%}"
              f"{s['width']:>9.1f}{s['abs_err']:>9.1f}")
    print()
    for method, g in res.groupby("method"):
        s = score(g)
        print(f"{'all':<12}{'both':<15}{method:<15}{s['rows']:>5}{s['coverage']:>10.1%}"
              f"{s['width']:>9.1f}{s['abs_err']:>9.1f}")
    print(f"\nforecast time, all districts and both cohorts: median "
          f"{np.median(all_times) * 1e3:.0f} ms, max {max(all_times) * 1e3:.0f} ms "
          f"({len(all_times)} calls)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
