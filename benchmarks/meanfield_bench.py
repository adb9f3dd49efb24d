"""Time the reduced (mean-field) model's regime map against issue #15's target: a 100 × 100
map in at most 30 s.

Usage::

    .venv/bin/python benchmarks/meanfield_bench.py                 # 100 x 100, 1,200 months
    .venv/bin/python benchmarks/meanfield_bench.py --size 50 --months 600 --json out.json

The map is θ (``leadership.theta_alarm``, 0.75–3.0) × g_Y (``public.tolerance_growth``,
0.004–0.014), every sector classified (:func:`sim.meanfield.grid.reduced_map`). The figure
quoted is the whole map: building the 10,000 parameter points, reducing them, integrating all
cells at once (arrays of shape ``(cells,)`` per sector, 1,200 monthly steps) and classifying
every cell and sector by the classes of :mod:`sim.analysis.regimes`
(:func:`sim.meanfield.grid.classify_cells`); the parts are timed too. The machine is
shared: the load average is printed before and after, and the process's CPU time beside the
wall time (on a loaded machine the CPU time is the closer estimate of an idle run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 30.0
X = ("leadership.theta_alarm", 0.75, 3.0)
Y = ("public.tolerance_growth", 0.004, 0.014)


def load() -> str:
    """The 1, 5 and 15-minute load averages."""
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    """Time one map; print the parts and the total against the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100, help="values on each axis")
    parser.add_argument("--months", type=int, default=1200, help="horizon")
    parser.add_argument("--json", type=Path, help="write the timings here")
    args = parser.parse_args(argv)

    from sim.meanfield.grid import Axis, classify_cells, grid_points
    from sim.meanfield.model import simulate
    from sim.meanfield.reduction import reduce
    from sim.model.params import Params

    print(f"load before: {load()}")
    x, y = Axis(*X, args.size), Axis(*Y, args.size)
    c0 = time.process_time()
    t0 = time.perf_counter()
    cells, points = grid_points(Params(), x, y)
    t1 = time.perf_counter()
    r = reduce(points)
    t2 = time.perf_counter()
    phases = simulate(r, args.months).phases
    t3 = time.perf_counter()
    classes = [classify_cells(phases[:, j]) for j in range(r.sectors)]
    t4 = time.perf_counter()
    cpu = time.process_time() - c0
    out = {"cells": len(cells), "sectors": r.sectors, "months": args.months,
           "points_s": t1 - t0, "reduce_s": t2 - t1, "integrate_s": t3 - t2,
           "classify_s": t4 - t3, "total_s": t4 - t0, "cpu_s": cpu, "target_s": TARGET_SECONDS,
           "load_after": load(),
           "classes": {Params().sector_names[j]: c["regime"].value_counts().to_dict()
                       for j, c in enumerate(classes)}}
    for k in ("points_s", "reduce_s", "integrate_s", "classify_s", "total_s", "cpu_s"):
        print(f"{k:12s} {out[k]:7.2f}")
    verdict = "met" if out["total_s"] <= TARGET_SECONDS else "missed"
    print(f"{args.size} x {args.size} map, {args.months} months: {out['total_s']:.1f} s "
          f"(target {TARGET_SECONDS:.0f} s: {verdict})")
    print(f"load after: {out['load_after']}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
