"""Benchmark: how long access.policy.apply takes for a district viewer on every aggregate query.

Prints figures; fails on nothing. Run: python -m tests.bench_policy [scale]
Suppression runs on every page view (it is never cached: it depends on the viewer), so its time
adds to every page of a district head.
"""
import datetime as dt
import sys
import tempfile
import time

import queries
from access import policy
from access.viewer import Viewer
from data.db import make_engine
from data.generate import generate


def main(scale: float = 1.0) -> None:
    folder = tempfile.mkdtemp()
    engine = make_engine(f"sqlite:///{folder}/bench.db")
    generate(engine, seed=1, scale=scale)
    as_of = queries.default_as_of(engine)
    head = Viewer("bench", "district", "11110")
    print(f"scale {scale}, as of {as_of}")
    print(f"{'query':24} {'rows':>5} {'masked':>7} {'cells':>6} {'median ms':>10} {'max ms':>8}")
    for name in queries.names():
        rules = policy.RULES[name]
        if rules.child_level or rules.public:
            continue
        df = queries.run(name, engine, as_of=as_of)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            out = policy.apply(name, df, head)
            times.append((time.perf_counter() - start) * 1000)
        markers = [c for c in out.columns if c.endswith("_suppressed")]
        masked = int(out[markers].to_numpy().sum()) if markers else 0
        cells = out[markers].size if markers else 0
        times.sort()
        print(f"{name:24} {len(df):5d} {masked:7d} {cells:6d} {times[2]:10.1f} {times[-1]:8.1f}")


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
