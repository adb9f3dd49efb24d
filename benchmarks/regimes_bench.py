"""Time ``regcycle regimes`` against issue #15's target: a 50 × 50 map, 3 seeds a cell,
1,200 months, in at most 30 minutes on 2 cores.

Usage::

    .venv/bin/python benchmarks/regimes_bench.py          # per run; 4x4, 10x10 maps; extrapolated
    .venv/bin/python benchmarks/regimes_bench.py --full   # ... and the 50 x 50 map itself
    .venv/bin/python benchmarks/regimes_bench.py --sizes 6 12 --seeds 3 --workers 2 --json out.json

What it measures, on the baseline scenario over θ (``leadership.theta_alarm``, 0.5–2.0) ×
θ_P (``leadership.theta_pain``, 0.2–1.2), the pair the issue names first:

* **per run** (in this process, after a warm-up run): the model alone at 1,200 months
  (``run_one``: build, run, frame), then what a worker adds for a map — the cycle metrics of
  ``summary.parquet`` and the regime metrics of every sector — as medians over ``--repeat``
  seeds at the default parameters;
* **maps**: the whole command (``regcycle regimes ... --workers W``: scenario, process pool
  start-up, runs, storing, gathering, cell table and figure) for square maps of each
  ``--sizes`` with ``--seeds`` seeds a cell, timed from outside; a straight line through
  (runs, seconds) gives the fixed cost and the cost per run, extrapolated to 7,500 runs;
* with ``--full``, the 50 × 50 map itself.

The machine is shared: the load average is printed before and after; run it on an idle
machine for figures to quote.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 30 * 60
TARGET_RUNS = 50 * 50 * 3
MONTHS = 1200
X = "leadership.theta_alarm=0.5:2.0"
Y = "leadership.theta_pain=0.2:1.2"


def load() -> str:
    """The load averages (1, 5, 15 min) as text."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on POSIX
        return "n/a"


def per_run(repeat: int, months: int) -> dict[str, float]:
    """Median seconds per run: the model, the summary's cycle metrics, the regime metrics."""
    from sim.analysis.regimes import regime_row
    from sim.app.loading import load_from_command_line
    from sim.experiment.runner import expand, run_one
    from sim.experiment.worker import _summary
    from sim.model.warmup import warm_up

    warm_up()
    specs = expand(load_from_command_line("baseline", ["run.seed=1001"], months, repeat + 1))
    run_one(specs[0])  # imports, caches
    model, summary, regimes = [], [], []
    for spec in specs[1:]:
        t0 = time.perf_counter()
        result = run_one(spec)
        t1 = time.perf_counter()
        _summary(spec, result)
        t2 = time.perf_counter()
        assert result.series is not None
        regime_row(result.series)
        t3 = time.perf_counter()
        model.append(t1 - t0)
        summary.append(t2 - t1)
        regimes.append(t3 - t2)
    out = {"model": statistics.median(model), "summary": statistics.median(summary),
           "regimes": statistics.median(regimes)}
    out["total"] = out["model"] + out["summary"] + out["regimes"]
    return out


def time_map(n: int, seeds: int, months: int, workers: int, root: Path) -> dict[str, float]:
    """Wall seconds of one ``regcycle regimes`` command of n × n cells (in this process)."""
    from sim.app.cli import main

    argv = ["regimes", "baseline", "--set", "run.seed=1001", "--x", X, "--y", Y,
            "--nx", str(n), "--ny", str(n), "--seeds", str(seeds), "--months", str(months),
            "--workers", str(workers), "--results", str(root / f"map{n}"), "-q"]
    c0 = cpu_seconds()
    t0 = time.perf_counter()
    code = main(argv)
    seconds = time.perf_counter() - t0
    cpu = cpu_seconds() - c0
    if code != 0:
        raise SystemExit(f"regcycle regimes exited {code}")
    return {"cells": n * n, "runs": n * n * seeds, "seconds": seconds, "cpu": cpu}


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its finished children (the pool's
    workers are waited for when the command ends): the work, whatever else loads the machine."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def fit(maps: list[dict[str, float]]) -> tuple[float, float]:
    """(fixed seconds, seconds per run) of a straight line through the maps' times."""
    if len(maps) == 1:
        return 0.0, maps[0]["seconds"] / maps[0]["runs"]
    xs = [m["runs"] for m in maps]
    ys = [m["seconds"] for m in maps]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / \
        sum((x - mx) ** 2 for x in xs)
    return my - slope * mx, slope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 10],
                        help="square map sizes to time (default 4 10)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds a cell (default 3)")
    parser.add_argument("--months", type=int, default=MONTHS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=7, help="runs timed per run (default 7)")
    parser.add_argument("--full", action="store_true", help="also time the 50 x 50 map")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    print(f"{platform.node()}: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load {load()}")
    figures: dict[str, object] = {"load_before": load()}
    run = per_run(args.repeat, args.months)
    figures["per_run"] = run
    print(f"per run at {args.months} months (median of {args.repeat}): model "
          f"{run['model']:.3f} s, cycle metrics {run['summary']:.3f} s, regime metrics "
          f"{run['regimes']:.4f} s; total {run['total']:.3f} s")
    maps = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            m = time_map(n, args.seeds, args.months, args.workers, Path(tmp))
            maps.append(m)
            print(f"map {n} x {n} x {args.seeds} seeds = {m['runs']} runs on {args.workers} "
                  f"workers: {m['seconds']:.1f} s wall ({m['seconds'] / m['runs']:.3f} s a "
                  f"run), {m['cpu']:.1f} CPU s ({m['cpu'] / m['runs']:.3f} a run)")
        if len(maps) == 1:
            print("(one size: the fixed cost is not separated from the cost per run; "
                  "the extrapolation below overstates)")
        fixed, slope = fit(maps)
        predicted = fixed + slope * TARGET_RUNS
        cpu_fixed, cpu_slope = fit([m | {"seconds": m["cpu"]} for m in maps])
        # on idle cores the work divides among the workers (the coordinator's share is small)
        idle = (cpu_fixed + cpu_slope * TARGET_RUNS) / args.workers
        print(f"fit: {fixed:.1f} s fixed + {slope:.4f} s a run -> 50 x 50 x 3 = {TARGET_RUNS} "
              f"runs: {predicted / 60:.1f} min wall at this load (target "
              f"{TARGET_SECONDS / 60:.0f} min)")
        print(f"CPU: {cpu_fixed:.1f} s fixed + {cpu_slope:.4f} s a run -> {TARGET_RUNS} runs: "
              f"{(cpu_fixed + cpu_slope * TARGET_RUNS) / 60:.1f} CPU min, about "
              f"{idle / 60:.1f} min on {args.workers} idle cores")
        figures |= {"maps": maps, "fixed": fixed, "per_run_wall": slope,
                    "predicted_full_seconds": predicted, "cpu_fixed": cpu_fixed,
                    "cpu_per_run": cpu_slope, "predicted_idle_seconds": idle}
        if args.full:
            m = time_map(50, 3, args.months, args.workers, Path(tmp))
            figures["full"] = m
            print(f"map 50 x 50 x 3 = {m['runs']} runs: {m['seconds'] / 60:.1f} min "
                  f"(target {TARGET_SECONDS / 60:.0f} min), {m['cpu'] / 60:.1f} CPU min")
    figures["load_after"] = load()
    print(f"load after: {load()}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
