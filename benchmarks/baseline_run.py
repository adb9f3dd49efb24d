"""Time the baseline run: 300 firms, 31 provinces, 5 agencies, 5 sectors, 240 months.

Prints the median (and spread) of N runs, each building the model, running it and framing the
series and the event log. Run: `python benchmarks/baseline_run.py [N]`.
"""

import platform
import statistics
import sys
import time

from sim import Params, RegulatoryModel


def one(seed: int) -> float:
    start = time.perf_counter()
    model = RegulatoryModel(Params(), rng=seed).run(240)
    model.series()
    model.events()
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    one(0)  # warm-up: imports and first-call costs
    times = [one(seed) for seed in range(1, n + 1)]
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, Python {platform.python_version()}")
    print(f"baseline run (300 firms, 240 months, series + events), {n} runs:")
    median = statistics.median(times)
    print(f"  median {median:.3f} s   min {min(times):.3f} s   max {max(times):.3f} s")


if __name__ == "__main__":
    main()
