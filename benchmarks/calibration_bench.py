"""Time ``regcycle calibrate`` against issue #13's target: one full calibration (the
notebook's: population 300, up to 10 generations) in at most 30 minutes on 2 cores.

Usage::

    .venv/bin/python benchmarks/calibration_bench.py                     # parts a-c (~3 min)
    .venv/bin/python benchmarks/calibration_bench.py --folder results/history/calibrate-...
    .venv/bin/python benchmarks/calibration_bench.py --parts d --folder FOLDER   # only the full run
    .venv/bin/python benchmarks/calibration_bench.py --quick             # smoke test

What it measures, on ``scenarios/history.toml`` fitted to ``data/record.toml`` (the
``[calibrate]`` table's six parameters, the record's fitting statistics, months 0-215):

* **(a) one simulation** of the calibration model (:class:`sim.calibration.abc.SimulationModel`
  — what pyabc calls for every particle), split into the model's run, framing its series and
  event log, and the summary statistics (:func:`sim.calibration.statistics_of`); medians over
  ``--sims`` parameter vectors drawn from the prior (seed 1000, held out), after a warm-up;
* **(b) throughput**: the same calls one after another in this process, then spread over 2
  worker processes (a forked pool, ``--sims`` calls in chunks): simulations a second;
* **(c) pyabc's own overhead**: a small calibration (``--population``, ``--generations``) with
  the single-core sampler and with pyabc's multicore sampler on 2 processes. pyabc logs per
  generation its total time and the time of its sampling loop; with one process the model's
  own time inside the loop is measured too (the model is wrapped in a timer), so the overhead
  is split into the loop's (proposals, prior and transition densities, distances) and what
  comes between samples (fitting the transition, updating the distance, writing the history);
* **(d) the full calibration**: read from a finished folder's pyabc history (``--folder``):
  generations, simulations, the run's start and end times (wall time), each generation's
  samples and wall time, and the simulations a second over the run.

The machine is shared: the load average is printed before and after each part; quote figures
with it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 30 * 60
SEED = 1000


def load() -> str:
    """The load averages (1, 5, 15 min) as text."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on POSIX
        return "n/a"


def setup() -> tuple:
    """The history scenario, the record, the calibration settings and the model pyabc calls."""
    from sim.calibration import load_record
    from sim.calibration.abc import SimulationModel, settings_for
    from sim.experiment.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "history.toml")
    record = load_record(scenario.calibrate.record)
    settings = settings_for(scenario, record, seed=SEED)
    model = SimulationModel(scenario.params, settings.keys, settings.statistics,
                            settings.end_month, settings.seed)
    return scenario, record, settings, model


def prior_particles(settings, n: int) -> list[dict[str, float]]:
    """``n`` particles drawn from the uniform prior (seed 1000), as pyabc passes them."""
    from sim.calibration.abc import safe_name

    rng = np.random.default_rng(SEED)
    return [{safe_name(k): float(rng.uniform(lo, hi)) for k, lo, hi in settings.parameters}
            for _ in range(n)]


def part_a(model, particles) -> dict[str, float]:
    """Median seconds of one simulation: run, frames, statistics, and the whole call."""
    from sim.calibration.abc import safe_name, simulation_seed
    from sim.calibration.statistics import statistics_of
    from sim.model import RegulatoryModel

    model(particles[0])  # warm-up (compiled kernel, caches)
    run, frame, stats, whole = [], [], [], []
    for p in particles:
        values = [p[safe_name(k)] for k in model.keys]
        params = model.params_of(values)
        seed = simulation_seed(model.root, values, 0)
        t0 = time.perf_counter()
        m = RegulatoryModel(params, rng=seed).run(model.end_month + 1)
        t1 = time.perf_counter()
        series, events = m.series(), m.events()
        t2 = time.perf_counter()
        statistics_of(series, events, end_month=model.end_month, names=model.statistics,
                      scheduled=params.exogenous.events)
        t3 = time.perf_counter()
        model(p)
        t4 = time.perf_counter()
        run.append(t1 - t0)
        frame.append(t2 - t1)
        stats.append(t3 - t2)
        whole.append(t4 - t3)
    out = {"run": statistics.median(run), "frames": statistics.median(frame),
           "statistics": statistics.median(stats), "call": statistics.median(whole)}
    out["statistics_share"] = out["statistics"] / out["call"]
    return out


_MODEL = None


def _call(p: dict[str, float]) -> dict[str, float]:
    return _MODEL(p)


def part_b(model, particles, workers: int) -> dict[str, float]:
    """Simulations a second: serial in this process, and over a pool of ``workers``."""
    global _MODEL
    _MODEL = model
    t0 = time.perf_counter()
    for p in particles:
        model(p)
    serial = len(particles) / (time.perf_counter() - t0)
    ctx = get_context("fork")
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        list(pool.map(_call, particles, chunksize=max(1, len(particles) // (8 * workers))))
    parallel = len(particles) / (time.perf_counter() - t0)
    return {"serial_per_s": serial, "parallel_per_s": parallel, "workers": workers,
            "speedup": parallel / serial}


class _Timed:
    """The calibration model with a clock: the seconds spent inside its calls (one process)."""

    def __init__(self, model):
        self.model = model
        self.durations: list[float] = []

    def __getattr__(self, name):
        return getattr(self.model, name)

    def __call__(self, pars):
        t0 = time.perf_counter()
        out = self.model(pars)
        self.durations.append(time.perf_counter() - t0)
        return out


def _calibrate_timed(settings, scenario, backend: str, workers: int) -> dict:
    """A calibration with pyabc's per-generation timings captured (and the model's time)."""
    import sim.calibration.abc as abc

    timings: list[str] = []

    class Capture(logging.Handler):
        def __init__(self, *_args):
            super().__init__(logging.INFO)

        def emit(self, record):
            text = record.getMessage()
            if text.startswith("Timing"):
                timings.append(text)

    timed = None
    original_model, original_progress = abc.SimulationModel, abc._Progress
    if backend == "serial":
        def make(*args, **kwargs):
            nonlocal timed
            timed = _Timed(original_model(*args, **kwargs))
            return timed
        abc.SimulationModel = make
    abc._Progress = Capture
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            result = abc.calibrate(settings, scenario.params, Path(tmp) / "cal", backend=backend,
                                   workers=workers, progress=True)
            wall = time.perf_counter() - t0
    finally:
        abc.SimulationModel, abc._Progress = original_model, original_progress
    gens = []
    for line in timings:  # "Timing t=0 [s]: total=1.2, simulation=1.1 (92%), ..., prepare-next=.."
        fields = dict(part.split("=", 1) for part in line.replace(",", " ").split()
                      if "=" in part and not part.startswith("t="))
        gens.append({k: float(v.rstrip(").").split()[0]) for k, v in fields.items()
                     if k in ("total", "simulation", "pipeline-setup", "prepare-next")})
    total = sum(g["total"] for g in gens)
    loop = sum(g["simulation"] for g in gens)
    out = {"backend": backend, "workers": workers, "wall": wall,
           "simulations": result.simulations, "generations": result.generations,
           "generation_total": total, "sampling_loop": loop,
           "between_samples": total - loop,
           "overhead_per_generation_between": (total - loop) / max(1, len(gens)),
           "per_generation": gens}
    if timed is not None:
        # the first `population` calls are the distance's calibration sample (t = -1), drawn
        # before the first generation and outside pyabc's per-generation timings
        in_gens = sum(timed.durations[settings.population:])
        model = sum(timed.durations)
        out["model_seconds"] = model
        out["model_calls"] = len(timed.durations)
        out["loop_overhead"] = loop - in_gens  # proposals, densities, distances, bookkeeping
        out["start_up"] = wall - total - sum(timed.durations[:settings.population])
        out["pyabc_overhead_share"] = (wall - model) / wall
    return out


def part_c(settings, scenario, population: int, generations: int, workers: int) -> list[dict]:
    """pyabc's overhead in a small calibration, serial and with ``workers`` processes."""
    import dataclasses

    small = dataclasses.replace(settings, population=population, generations=generations)
    return [_calibrate_timed(small, scenario, "serial", 1),
            _calibrate_timed(small, scenario, "processes", workers)]


def part_d(folder: str) -> dict:
    """The full calibration's figures, from its pyabc history."""
    from sim.app.notebooks.calibration import calibration_timing

    table, totals = calibration_timing(folder)
    totals = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in totals.items()}
    wall = totals["wall_seconds"] or totals["generation_seconds"]
    totals["simulations_per_s"] = totals["simulations"] / wall
    totals["target_met"] = wall <= TARGET_SECONDS
    totals["per_generation"] = table.round(4).to_dict("records")
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", default="abcd", help="any of a, b, c, d (default abcd)")
    parser.add_argument("--sims", type=int, default=200, help="simulations in parts a and b")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--population", type=int, default=100, help="part c's population")
    parser.add_argument("--generations", type=int, default=3, help="part c's generations")
    parser.add_argument("--folder", help="a finished full calibration's folder (part d)")
    parser.add_argument("--quick", action="store_true", help="smoke test: tiny sizes")
    parser.add_argument("--json", help="write the raw figures to this file")
    args = parser.parse_args(argv)
    if args.quick:
        args.sims, args.population, args.generations = 12, 10, 1
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, python "
          f"{platform.python_version()}; load average {load()}")
    scenario, _record, settings, model = setup()
    particles = prior_particles(settings, args.sims)
    out: dict = {"load_before": load(), "sims": args.sims}
    if "a" in args.parts:
        a = part_a(model, particles)
        out["a"] = a
        print(f"(a) one simulation (median of {args.sims}): run {a['run'] * 1e3:.1f} ms, frames "
              f"{a['frames'] * 1e3:.1f} ms, statistics {a['statistics'] * 1e3:.1f} ms; the "
              f"whole call {a['call'] * 1e3:.1f} ms (statistics {a['statistics_share']:.0%}); "
              f"load {load()}")
    if "b" in args.parts:
        b = part_b(model, particles, args.workers)
        out["b"] = b
        print(f"(b) {b['serial_per_s']:.1f} simulations/s in one process, "
              f"{b['parallel_per_s']:.1f}/s over {args.workers} processes "
              f"(×{b['speedup']:.2f}); load {load()}")
    if "c" in args.parts:
        c = part_c(settings, scenario, args.population, args.generations, args.workers)
        out["c"] = c
        for r in c:
            line = (f"(c) {r['backend']} ({r['workers']} process(es)), population "
                    f"{args.population}, {r['generations']} generations: {r['simulations']} "
                    f"simulations in {r['wall']:.1f} s ({r['simulations'] / r['wall']:.1f}/s); "
                    f"pyabc between samples {r['between_samples']:.2f} s "
                    f"({r['overhead_per_generation_between']:.2f} s a generation)")
            if "model_seconds" in r:
                line += (f"; model {r['model_seconds']:.1f} s, sampling-loop overhead "
                         f"{r['loop_overhead']:.2f} s, start-up (import, database, "
                         f"calibration sample's overhead) {r['start_up']:.2f} s; pyabc's share "
                         f"of the wall time {r['pyabc_overhead_share']:.0%}")
            print(line + f"; load {load()}")
    if "d" in args.parts and args.folder:
        d = part_d(args.folder)
        out["d"] = d
        wall = d["wall_seconds"] or d["generation_seconds"]
        print(f"(d) full calibration {args.folder}: {d['generations']} generations "
              f"(population {d['population']}; {d['stopped']}), {d['simulations']} simulations "
              f"in {wall / 60:.1f} min ({d['simulations_per_s']:.1f}/s); target ≤ 30 min: "
              f"{'met' if d['target_met'] else 'NOT met'}")
        for g in d["per_generation"]:
            print(f"    t={g['t']:>2}: {g['samples']:>6} samples, {g['wall_time']:7.1f} s "
                  f"({g['rate']:.1f}/s), acceptance {g['acceptance']:.3f}, ε {g['epsilon']:.3g}")
    elif "d" in args.parts:
        print("(d) skipped: give --folder of a finished calibration")
    out["load_after"] = load()
    print(f"load average after: {out['load_after']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
