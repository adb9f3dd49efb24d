"""regcycle benchmarks: one run of this script, one machine, every figure side by side.

    python benchmarks/bench.py                 # the full set (about 10 minutes on 2 cores)
    python benchmarks/bench.py --quick         # a smoke test with small sizes (not the targets)
    python benchmarks/bench.py --json out.json # also write the raw figures
    python benchmarks/bench.py --parts ab      # only (a) and (b); any subset of abcdefg

(a) the baseline run: 300 firms, 31 provinces, 5 agencies, 5 sectors, 240 months (v1's horizon,
    set explicitly so that v1 and v2 compare; v2's default is 360); build, run, frame the series
    and the events; median of 7 runs after a warm-up;
(b) microseconds per firm-step at 300, 3,000 and 30,000 firms (120 months; the mean number of
    live firms over the run is the divisor), next to microseconds per agent-step of Mesa's own
    Boltzmann wealth example (mesa.examples.BoltzmannWealth, 60 steps, one agent per cell)
    timed by the same harness (the model built untimed, then `step()` called in a timed loop);
    the ratio; and the exponent of time against firms (log-log fit over the three sizes);
(c) sweep throughput: a 200-run sweep (Latin hypercube over θ and θ_P, 40 points × 5 seeds,
    the baseline run at each) written to a results folder by `run_scenario`, with 1 and 2 local
    worker processes and with a local dask cluster of 2 workers (its start-up timed apart); the
    sweep machinery's cost per run apart from the model (a sweep in one process whose model
    returns the outputs of one baseline run, framed once: cycle metrics, encoding and writing
    the parts, gathering the tables, the rest), beside the model's own run; and a long sweep
    (--long-runs, default 2,000 runs) with 1 and 2 worker processes and dask, for the scaling
    of many short runs, the pool's start-up measured apart as a share of it;
(d) the peak resident memory of the coordinating process (each sweep runs in a fresh child
    process, its workers in their own processes) for sweeps of 200 and 1,000 runs, and the
    bytes on disk per run of the finished folder (no firm panel): storing every series column
    and event, and storing a sweep's typical selection (`run.series`, `run.events`);
(e) model v2 against model v1 (the last v1 commit, V1_COMMIT, extracted with `git archive` into
    a temporary folder): the baseline run of each (300 firms, 240 months, series and events
    framed) in fresh child processes, alternating v1, v2, v1, v2, … so that both see the same
    machine load; each child times 3 runs after a warm-up; the ratio of medians, and v2's
    default 360-month run beside them;
(f) the dashboard's month (regcycle dashboard, the default scenario at 300 firms, run until a
    year after its first crackdown): the model's step, then every whole figure and the status
    drawn as PNG, then the page's live figures (their frames drawn once, untimed), each month;
    medians over 24 months and their ratios to the step.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

SWEEP_TOML = """[scenario]
name = "bench_sweep"
description = "benchmark sweep: Latin hypercube over the crackdown thresholds"

[run]
months = {months}
replications = 5
seed = 1
{outputs}
[sweep]
design = "latin_hypercube"
samples = {points}

[sweep.parameters]
"leadership.theta_alarm" = {{ range = [0.6, 1.5] }}
"leadership.theta_pain" = {{ range = [0.3, 0.8] }}
"""

SWEEP_OUTPUTS = """series = ["phase", "enforcement", "signal", "valuation_index", "pain", "harm",
          "fines_total", "n_firms"]
events = ["sanction", "phase_change", "scandal", "defiance", "foreign_listing", "sector_ban",
          "listing_suspension"]
"""
"""A sweep's typical output selection (README, 'Storing less'): the cycle metrics are computed
from everything either way; the folder keeps these series and event kinds."""


# --------------------------------------------------------------------------------------------
# (a) and (b): in this process
# --------------------------------------------------------------------------------------------


def baseline_run(seed: int, months: int = 240, engine: str = "compiled",
                 parts: dict[str, list[float]] | None = None) -> float:
    """Seconds for one baseline run: build, run, series and events frames.

    ``parts``, if given, collects the seconds of each step (build, run, series, events).
    """
    from sim import Params, RegulatoryModel

    params = Params().override({"run.months": months})
    t0 = time.perf_counter()
    model = RegulatoryModel(params, rng=seed, engine=engine)
    t1 = time.perf_counter()
    model.run(months)
    t2 = time.perf_counter()
    model.series()
    t3 = time.perf_counter()
    model.events()
    t4 = time.perf_counter()
    if parts is not None:
        for key, value in (("build", t1 - t0), ("run", t2 - t1), ("series", t3 - t2),
                           ("events", t4 - t3)):
            parts.setdefault(key, []).append(value)
    return t4 - t0


def time_steps(model, steps: int) -> float:
    """The harness shared by both models: seconds for `steps` calls of model.step()."""
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return time.perf_counter() - start


def time_run(model, steps: int) -> float:
    """Seconds for ``model.run(steps)``: the months in one call (one kernel call for regcycle)."""
    start = time.perf_counter()
    model.run(steps)
    return time.perf_counter() - start


def regcycle_per_firm_step(n_firms: int, months: int, repeats: int) -> dict[str, float]:
    """Median µs per firm-step (divisor: mean live firms × months) and s per step.

    Timed both ways: ``run(months)`` (how runs are made: one compiled call) and ``step()`` in
    a loop (the dashboard's way: one compiled call and Mesa's step machinery a month).
    """
    from sim import Params, RegulatoryModel

    params = Params().override({"firms.n_firms": n_firms, "run.months": months})
    us, per_step, us_stepped = [], [], []
    for seed in range(repeats):
        model = RegulatoryModel(params, rng=100 + seed)
        seconds = time_run(model, months)
        live = float(model.series()["n_firms"].mean())
        us.append(seconds / (live * months) * 1e6)
        per_step.append(seconds / months)
        stepped = RegulatoryModel(params, rng=100 + seed)
        us_stepped.append(time_steps(stepped, months) / (live * months) * 1e6)
    return {"us_per_firm_step": statistics.median(us), "s_per_step": statistics.median(per_step),
            "us_per_firm_step_stepped": statistics.median(us_stepped), "repeats": repeats}


def boltzmann_per_agent_step(n_agents: int, steps: int, repeats: int) -> float:
    """Median µs per agent-step of Mesa's Boltzmann wealth example (density 1 agent/cell)."""
    from mesa.examples import BoltzmannWealth
    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario

    side = max(1, round(math.sqrt(n_agents)))
    out = []
    for seed in range(repeats):
        model = BoltzmannWealth(BoltzmannScenario(n=n_agents, width=side, height=side,
                                                  rng=200 + seed))
        out.append(time_steps(model, steps) / (n_agents * steps) * 1e6)
    return statistics.median(out)


# --------------------------------------------------------------------------------------------
# (c) and (d): each sweep in a fresh child process (the coordinator)
# --------------------------------------------------------------------------------------------


def peak_rss_kb() -> int:
    """This process's peak resident memory (KiB).

    ``VmHWM`` belongs to the process's own address space; ``ru_maxrss`` would also carry the
    parent's resident size at the fork that started this process (Linux keeps it across exec).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(args: argparse.Namespace) -> None:
    """Run one sweep as the coordinator and print its figures as JSON."""
    from sim.experiment.runner import run_scenario
    from sim.experiment.scenario import load_scenario

    scenario = load_scenario(args.child)
    out: dict[str, float | int | str] = {}
    scheduler = None
    cluster = None
    if args.backend == "processes" and args.workers > 1:
        # what starting the pool costs (spawn, imports of a worker): apart, as an estimate of
        # the start-up inside the sweep's time
        from sim.experiment.backends import ProcessPoolBackend

        t0 = time.perf_counter()
        with ProcessPoolBackend(args.workers) as pool:
            list(pool.map(_worker_ready, list(range(args.workers))))
        out["startup_s"] = time.perf_counter() - t0
    if args.backend == "dask":
        import logging

        from dask.distributed import Client, LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address=None,
                               scheduler_kwargs={"dashboard": False,
                                                 "dashboard_address": "127.0.0.1:0"},
                               silence_logs=logging.ERROR)
        with Client(cluster) as client:
            client.wait_for_workers(args.workers)
        out["startup_s"] = time.perf_counter() - t0
        scheduler = cluster.scheduler_address
    t0 = time.perf_counter()
    folder = run_scenario(scenario, out=args.out, workers=args.workers,
                          backend=None if scheduler else args.backend, scheduler=scheduler,
                          plot=False)
    out["seconds"] = time.perf_counter() - t0
    out["runs"] = scenario.n_runs
    if cluster is not None:
        cluster.close()
    out["maxrss_kb"] = peak_rss_kb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out["coordinator_cpu_s"] = usage.ru_utime + usage.ru_stime
    files = {p.name: p.stat().st_size for p in Path(folder).iterdir() if p.is_file()}
    out["bytes_total"] = sum(files.values())
    out["files"] = json.dumps(files)
    out["folder"] = str(folder)
    print("BENCH " + json.dumps(out))


def _worker_ready(_: object) -> int:
    """A pool's task that imports what a run's worker imports (the model and the analysis)."""
    import sim.analysis.summary
    import sim.model  # noqa: F401

    return os.getpid()


class FrozenModel:
    """A model whose run costs nothing: the tables of one baseline run, framed once.

    Stands in for the model to measure what the sweep machinery costs per run apart from it.
    """

    series_frame = None
    events_frame = None

    def __init__(self, params: object, *, rng: object = None):
        self.params = params

    def run(self, months: int | None = None) -> FrozenModel:
        return self

    def series(self):
        return FrozenModel.series_frame.copy()

    def events(self):
        return FrozenModel.events_frame.copy()


def machinery(args: argparse.Namespace) -> None:
    """(c) In a fresh process: ms per run of the sweep machinery, the model's run taking none."""
    import functools

    import sim.experiment.store.parts as parts_module
    import sim.experiment.worker as worker_module
    from sim import Params, RegulatoryModel
    from sim.experiment.runner import run_one, run_scenario
    from sim.experiment.scenario import load_scenario
    from sim.experiment.store import ResultsFolder

    scenario = load_scenario(args.machinery)
    months = scenario.params.run.months
    model = RegulatoryModel(Params().override({"run.months": months}), rng=1).run()
    FrozenModel.series_frame, FrozenModel.events_frame = model.series(), model.events()
    spent: dict[str, float] = {}

    def timed(name: str, fn):
        @functools.wraps(fn)
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0
        return wrapper

    # a first sweep, untimed: imports (scipy's samplers and signal functions) and first calls
    run_scenario(scenario, out=args.out, backend="serial", plot=False,
                 fn=functools.partial(run_one, model=FrozenModel))
    worker_module._summary = timed("cycle metrics", worker_module._summary)
    worker_module.encode_chunk = timed("encoding the parts", worker_module.encode_chunk)
    worker_module.encode_part = timed("encoding the parts", worker_module.encode_part)
    parts_module.write_chunk = timed("writing the parts", parts_module.write_chunk)
    parts_module.write_part = timed("writing the parts", parts_module.write_part)
    ResultsFolder.begin = timed("beginning the folder", ResultsFolder.begin)
    ResultsFolder.finish = timed("gathering the tables", ResultsFolder.finish)
    t0 = time.perf_counter()
    run_scenario(scenario, out=args.out, backend="serial", plot=False,
                 fn=functools.partial(run_one, model=FrozenModel))
    total = time.perf_counter() - t0
    # the model's own run, for comparison: build, run, frame the series and events
    t0 = time.perf_counter()
    RegulatoryModel(Params().override({"run.months": months}), rng=2).run().series()
    model_s = time.perf_counter() - t0
    n = scenario.n_runs
    out = {"runs": n, "total_ms": 1000 * total / n, "model_run_ms": 1000 * model_s,
           "stages_ms": {k: 1000 * v / n for k, v in spent.items()}}
    out["stages_ms"]["the rest (run_one around the model, coordination)"] = \
        out["total_ms"] - sum(out["stages_ms"].values())
    print("BENCH " + json.dumps(out))


def run_child(scenario: Path, backend: str, workers: int, out: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(scenario), "--backend",
           backend, "--workers", str(workers), "--out", str(out)]
    env = {**os.environ, "DASK_LOGGING__DISTRIBUTED": "error", "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=REPO, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(lines[-1][6:])
    result["files"] = json.loads(result["files"])
    return result


def series_float32_bytes_per_run(folder: Path, runs: int = 20) -> float:
    """What float32 series would take per run (lossy: not what regcycle stores)."""
    import pyarrow.parquet as pq

    # the store's own encoding, floats narrowed
    from sim.experiment.store.tables import parquet_bytes

    frame = pq.read_table(folder / "series.parquet", filters=[("run_id", "<", runs)]).to_pandas()
    floats = frame.select_dtypes("float64").columns
    frame[floats] = frame[floats].astype("float32")
    return len(parquet_bytes(frame)) / frame["run_id"].nunique()


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        mem = f"{kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain",
                                "--untracked-files=no"], capture_output=True, text=True,
                               check=True).stdout.strip()
        rev += " (with uncommitted changes)" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        rev = "?"
    from importlib.metadata import version

    versions = ", ".join(f"{p} {version(p)}" for p in ("mesa", "numpy", "pandas", "pyarrow",
                                                        "distributed"))
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": mem,
            "os": platform.platform(), "python": platform.python_version(),
            "versions": versions, "revision": rev, "load average at start": load}


V1_COMMIT = "46f6227"
"""The last commit of model v1 (before sim/model/ replaced its mechanisms)."""

V1_V2_CHILD = """
import statistics, sys, time
sys.path.insert(0, {path!r})
from sim.model import RegulatoryModel
from sim.model.params import Params
p = Params().override({{"run.months": {months}}})
def once(seed):
    t = time.perf_counter()
    m = RegulatoryModel(p, rng=seed).run()
    m.series(); m.events()
    return time.perf_counter() - t
once(0)
print(statistics.median(once(s) for s in (1, 2, 3)))
"""


def _child_median(path: Path, months: int) -> float:
    code = V1_V2_CHILD.format(path=str(path), months=months)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True, cwd=tempfile.gettempdir())
    return float(out.stdout.strip().splitlines()[-1])


def part_e(quick: bool) -> dict[str, object]:
    """(e) v2 against v1, alternating fresh processes."""
    rounds = 2 if quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        v1 = Path(tmp) / "v1"
        v1.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", V1_COMMIT, "sim"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(v1)], input=archive, check=True)
        t1, t2, t360 = [], [], []
        for _ in range(rounds):
            t1.append(_child_median(v1, 240))
            t2.append(_child_median(REPO, 240))
        t360.append(_child_median(REPO, 360))
    out = {"v1_240_s": statistics.median(t1), "v2_240_s": statistics.median(t2),
           "v2_360_s": t360[0], "rounds": rounds, "v1_commit": V1_COMMIT}
    out["ratio"] = out["v2_240_s"] / out["v1_240_s"]
    print(f"(e) 240 months: v1 {out['v1_240_s']:.3f} s, v2 {out['v2_240_s']:.3f} s, "
          f"ratio {out['ratio']:.2f}; v2 at its default 360 months {out['v2_360_s']:.3f} s",
          flush=True)
    return out


DASHBOARD_SEED = 20240601
"""The dashboard tests' seed (tests/test_dashboard.py): its first crackdown comes in the 2010s."""


def part_f(quick: bool) -> dict[str, object]:
    """(f) the dashboard's month: model step, whole figures and status, the live figures."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    from sim.app.dashboard.figures import FIGURES, SPECS, LiveFigure, png
    from sim.app.dashboard.model import DashboardModel
    from sim.app.dashboard.status import status_html
    from sim.model.params import Params
    from sim.model.states import Phase

    model = DashboardModel(rng=DASHBOARD_SEED, base=Params())
    onset = None  # untimed: run to a year after the first crackdown, crackdowns in the log
    limit = 24 if quick else model.p.run.months - 24
    while model.steps < limit and (onset is None or model.steps < onset + 12):
        model.step()
        if onset is None and Phase.CRACKDOWN in model.current_phases():
            onset = model.steps
    start = model.steps
    live = [LiveFigure(spec) for spec in SPECS.values()]
    for figure in live:
        figure.png(model)  # the frames
    months = 5 if quick else 24
    step, whole, page = [], [], []
    for _ in range(months):
        t0 = time.perf_counter()
        model.step()
        t1 = time.perf_counter()
        for draw in FIGURES.values():
            png(draw(model))
        status_html(model)
        t2 = time.perf_counter()
        for figure in live:
            figure.png(model)
        t3 = time.perf_counter()
        step.append(t1 - t0)
        whole.append(t2 - t1)
        page.append(t3 - t2)
    out = {"step_s": statistics.median(step), "whole_s": statistics.median(whole),
           "live_s": statistics.median(page), "months": months, "from_month": start,
           "first_onset": onset}
    out["whole_ratio"] = out["whole_s"] / out["step_s"]
    out["live_ratio"] = out["live_s"] / out["step_s"]
    print(f"(f) dashboard month, median of {months} from month {out['from_month']}: model step "
          f"{1000 * out['step_s']:.1f} ms; whole figures and status {1000 * out['whole_s']:.0f} "
          f"ms ({out['whole_ratio']:.0f}× the step); the page's live figures "
          f"{1000 * out['live_s']:.0f} ms ({out['live_ratio']:.0f}×)", flush=True)
    return out


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def part_a(quick: bool) -> dict[str, float]:
    """(a) the baseline run, compiled; its steps; the reference engine and 360 months beside."""
    n = 5 if quick else 7
    baseline_run(0)  # warm-up: imports, loading the compiled month, first-call costs
    parts: dict[str, list[float]] = {}
    times, reference, default = [], [], []
    for seed in range(1, n + 1):  # the three side by side, alternating
        times.append(baseline_run(seed, parts=parts))
        reference.append(baseline_run(seed, engine="numpy"))
        default.append(baseline_run(seed, months=360))
    out = {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
           "runs": n, "reference_median_s": statistics.median(reference),
           "default_360_median_s": statistics.median(default),
           **{f"{k}_median_s": statistics.median(v) for k, v in parts.items()}}
    print(f"(a) baseline run, median of {n}: {out['median_s']:.4f} s "
          f"(min {out['min_s']:.4f}, max {out['max_s']:.4f}); build "
          f"{out['build_median_s'] * 1000:.1f} ms, run {out['run_median_s'] * 1000:.1f} ms, "
          f"series {out['series_median_s'] * 1000:.1f} ms, events "
          f"{out['events_median_s'] * 1000:.1f} ms", flush=True)
    print(f"    reference engine (numpy) {out['reference_median_s']:.3f} s "
          f"= {out['reference_median_s'] / out['median_s']:.1f}×; default 360 months "
          f"{out['default_360_median_s']:.4f} s", flush=True)
    return out


def part_b(quick: bool) -> dict[str, object]:
    """(b) µs per firm-step against Boltzmann's µs per agent-step; the scaling exponent."""
    sizes = (300, 3000, 30000) if not quick else (300, 1000, 3000)
    months, steps = (120, 60) if not quick else (36, 20)
    scale = {}
    for n in sizes:
        reps = 3 if n <= 3000 else 1
        r = regcycle_per_firm_step(n, months, reps)
        b = boltzmann_per_agent_step(n, steps, reps)
        scale[n] = {**r, "boltzmann_us_per_agent_step": b, "ratio": b / r["us_per_firm_step"]}
        print(f"(b) {n:>6} firms: {r['us_per_firm_step']:.3f} µs/firm-step "
              f"({r['us_per_firm_step_stepped']:.3f} stepped month by month); Boltzmann "
              f"{b:.3f} µs/agent-step; ratio {b / r['us_per_firm_step']:.2f}×", flush=True)
    per_step = np.array([scale[n]["s_per_step"] for n in sizes])
    exponent = float(np.polyfit(np.log(np.array(sizes, dtype=float)), np.log(per_step), 1)[0])
    print(f"    time per step ∝ firms^{exponent:.2f}", flush=True)
    return {"sizes": sizes, "scale": scale, "exponent": exponent}


def _sweep_files(tmp: Path, quick: bool) -> dict[str, Path]:
    points_small, points_big = (40, 200) if not quick else (4, 20)
    months = 240 if not quick else 60
    files = {"small": (points_small, ""), "big": (points_big, ""),
             "selection": (points_big, SWEEP_OUTPUTS)}
    out = {}
    for name, (points, outputs) in files.items():
        out[name] = tmp / f"sweep_{name}.toml"
        out[name].write_text(SWEEP_TOML.format(months=months, points=points, outputs=outputs))
    return out


def part_c(quick: bool, long_runs: int | None = None) -> dict[str, object]:
    """(c) sweep throughput with 1 and 2 worker processes and a local dask cluster; the
    machinery's cost per run; a long sweep of short runs."""
    tmp = Path(tempfile.mkdtemp(prefix="regcycle-bench-"))
    try:
        small = _sweep_files(tmp, quick)["small"]
        runs = {}
        for label, backend, workers in (("1 worker", "processes", 1),
                                        ("2 workers", "processes", 2),
                                        ("dask, 2 workers", "dask", 2)):
            r = run_child(small, backend, workers, tmp / label.replace(" ", "_"))
            runs[label] = r
            extra = f" (cluster start-up {r['startup_s']:.1f} s, apart)" \
                if backend == "dask" else ""
            print(f"(c) {r['runs']}-run sweep, {label}: {r['seconds']:.1f} s, "
                  f"{r['runs'] / r['seconds']:.2f} runs/s{extra}; coordinator peak "
                  f"{r['maxrss_kb'] / 1024:.0f} MiB", flush=True)
        overhead = _machinery(tmp, quick)
        long = _long_sweeps(tmp, quick, long_runs)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"sweeps": runs, "machinery": overhead, "long": long}


def _machinery(tmp: Path, quick: bool) -> dict[str, object]:
    """(c) the machinery's ms per run, in a fresh child process."""
    scenario = tmp / "machinery.toml"
    scenario.write_text(SWEEP_TOML.format(months=240 if not quick else 60,
                                          points=40 if not quick else 4, outputs=""))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--machinery", str(scenario),
           "--out", str(tmp / "machinery")]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})
    lines = [line for line in proc.stdout.splitlines() if line.startswith("BENCH ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    out = json.loads(lines[-1][6:])
    stages = ", ".join(f"{k} {v:.2f}" for k, v in out["stages_ms"].items())
    print(f"(c) sweep machinery per run, model excluded ({out['runs']} runs, one process): "
          f"{out['total_ms']:.2f} ms ({stages}); the model's own run "
          f"{out['model_run_ms']:.0f} ms", flush=True)
    return out


LONG_RUNS = 2000
"""Runs of (c)'s long sweep (--long-runs): a few minutes once a run takes about 0.02 s."""


def _long_sweeps(tmp: Path, quick: bool, runs: int | None) -> dict[str, object]:
    """(c) a long sweep of short runs: 1 and 2 worker processes, and dask with 2 workers."""
    runs = runs if runs is not None else (40 if quick else LONG_RUNS)
    points = max(1, runs // 5)
    scenario = tmp / "long.toml"
    scenario.write_text(SWEEP_TOML.format(months=240 if not quick else 60, points=points,
                                          outputs=""))
    out = {}
    for label, backend, workers in (("1 worker", "processes", 1),
                                    ("2 workers", "processes", 2),
                                    ("dask, 2 workers", "dask", 2)):
        r = run_child(scenario, backend, workers, tmp / ("long_" + label.replace(" ", "_")))
        shutil.rmtree(r["folder"], ignore_errors=True)
        out[label] = r
        extra = ""
        if "startup_s" in r:
            what = "cluster start-up, apart" if backend == "dask" else \
                f"pool start-up {100 * r['startup_s'] / r['seconds']:.1f} % of it"
            extra = f" ({what}: {r['startup_s']:.1f} s)"
        print(f"(c) long sweep, {r['runs']} runs, {label}: {r['seconds']:.1f} s, "
              f"{r['runs'] / r['seconds']:.1f} runs/s{extra}; coordinator CPU "
              f"{r['coordinator_cpu_s']:.1f} s", flush=True)
    return out


def part_d(quick: bool, small_run: dict | None) -> dict[str, object]:
    """(d) coordinator peak memory for 200 and 1,000 runs; bytes on disk per run.

    ``small_run`` is (c)'s 200-run sweep with 2 workers when (c) ran; otherwise it is run here.
    """
    tmp = Path(tempfile.mkdtemp(prefix="regcycle-bench-"))
    try:
        files = _sweep_files(tmp, quick)
        if small_run is None:
            small_run = run_child(files["small"], "processes", 2, tmp / "small")
            print(f"(d) {small_run['runs']}-run sweep, 2 workers: coordinator peak "
                  f"{small_run['maxrss_kb'] / 1024:.0f} MiB", flush=True)
        big_run = run_child(files["big"], "processes", 2, tmp / "big")
        print(f"(d) {big_run['runs']}-run sweep, 2 workers: {big_run['seconds']:.1f} s; "
              f"coordinator peak {big_run['maxrss_kb'] / 1024:.0f} MiB", flush=True)
        f32 = series_float32_bytes_per_run(Path(big_run["folder"]))
        shutil.rmtree(big_run["folder"], ignore_errors=True)
        chosen = run_child(files["selection"], "processes", 2, tmp / "selection")
        print(f"(d) {chosen['runs']}-run sweep storing the typical selection: "
              f"{chosen['bytes_total'] / chosen['runs'] / 1024:.1f} KiB per run", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {"sweep_small": small_run, "sweep_big": big_run, "sweep_selection": chosen,
            "float32_series_bytes_per_run": f32}


def part_g(quick: bool) -> dict[str, object]:
    """(g) compiling the month: cold, warm, two processes at once (benchmarks/compile_bench.py)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import compile_bench

    out = compile_bench.measure()
    print(f"(g) cold first run {out['cold_first_run_s']:.1f} s (said it was compiling: "
          f"{out['cold_said_compiling']}); warm start + first run "
          f"{out['warm_start_and_first_run_s']:.2f} s; two cold at once "
          f"{', '.join(f'{v:.1f}' for v in out['two_cold_first_runs_s'])} s; warm-up then two "
          f"{', '.join(f'{v:.2f}' for v in out['two_after_warm_up_first_runs_s'])} s",
          flush=True)
    return out


def table(fig: dict[str, object]) -> list[tuple[str, str, str, bool | None]]:
    """The figures against the targets (rows for the parts that ran)."""
    rows: list[tuple[str, str, str, bool | None]] = []
    if "a" in fig:
        a = fig["a"]
        base = a["median_s"]
        rows += [("baseline run (median; series + events framed)", f"{base:.4f} s", "≤ 0.025 s",
                  base <= 0.025),
                 ("  of which build / run / series / events",
                  " / ".join(f"{1000 * a[f'{k}_median_s']:.1f}" for k in
                             ("build", "run", "series", "events")) + " ms", "", None),
                 ("reference engine (numpy), same run", f"{a['reference_median_s']:.3f} s "
                  f"= {a['reference_median_s'] / base:.1f}×", "", None),
                 ("default run (360 months)", f"{a['default_360_median_s']:.4f} s", "", None)]
    if "b" in fig:
        sizes, scale, exponent = fig["b"]["sizes"], fig["b"]["scale"], fig["b"]["exponent"]
        lo, hi = scale[sizes[0]], scale[sizes[-1]]
        rows += [(f"µs per firm-step, {sizes[0]} firms", f"{lo['us_per_firm_step']:.3f} "
                  f"(stepped: {lo['us_per_firm_step_stepped']:.3f})", "≤ 0.3",
                  lo["us_per_firm_step"] <= 0.3),
                 (f"µs per firm-step, {sizes[-1]} firms", f"{hi['us_per_firm_step']:.3f} "
                  f"(stepped: {hi['us_per_firm_step_stepped']:.3f})", "≤ 0.1",
                  hi["us_per_firm_step"] <= 0.1)]
        for n in sizes:
            rows.append((f"Boltzmann µs/agent-step ÷ regcycle µs/firm-step, {n}",
                         f"{scale[n]['boltzmann_us_per_agent_step']:.3f} ÷ "
                         f"{scale[n]['us_per_firm_step']:.3f} = {scale[n]['ratio']:.1f}×",
                         "≥ 20× at 300" if n == sizes[0] else "",
                         scale[n]["ratio"] >= 20 if n == sizes[0] else None))
        rows.append(("time per step ∝ firms^k", f"k = {exponent:.2f}", "k ≤ 1 (+0.05)",
                     exponent <= 1.05))
    if "c" in fig:
        runs = fig["c"]["sweeps"]
        thr = {k: v["runs"] / v["seconds"] for k, v in runs.items()}
        speedup = thr["2 workers"] / thr["1 worker"]
        gap = thr["dask, 2 workers"] / thr["2 workers"] - 1
        rows += [
            ("sweep, 1 worker", f"{thr['1 worker']:.2f} runs/s", "", None),
            ("sweep, 2 workers", f"{thr['2 workers']:.2f} runs/s = {speedup:.2f}× of 1",
             "≥ 1.7×", speedup >= 1.7),
            ("sweep, dask 2 workers (once started)",
             f"{thr['dask, 2 workers']:.2f} runs/s ({gap:+.0%} vs 2 processes)", "within 20 %",
             gap >= -0.2),
            ("dask cluster start-up", f"{runs['dask, 2 workers']['startup_s']:.1f} s", "",
             None),
        ]
        m = fig["c"]["machinery"]
        rows.append(("sweep machinery per run, model excluded",
                     f"{m['total_ms']:.1f} ms (the model's run {m['model_run_ms']:.0f} ms)",
                     "well under a run (~20 ms)", m["total_ms"] <= 10))
        long = fig["c"]["long"]
        lthr = {k: v["runs"] / v["seconds"] for k, v in long.items()}
        lspeed = lthr["2 workers"] / lthr["1 worker"]
        share = long["2 workers"]["startup_s"] / long["2 workers"]["seconds"]
        lgap = lthr["dask, 2 workers"] / lthr["2 workers"] - 1
        n_long = long["1 worker"]["runs"]
        rows += [
            (f"long sweep ({n_long} runs), 2 workers",
             f"{lspeed:.2f}× of 1 (start-up {share:.1%} of it)", "≥ 1.8× (start-up < 5 %)",
             lspeed >= 1.8 and share < 0.05),
            (f"long sweep ({n_long} runs), dask 2 workers",
             f"{lthr['dask, 2 workers']:.1f} runs/s ({lgap:+.0%} vs 2 processes)",
             "within 20 %", lgap >= -0.2),
        ]
    if "d" in fig:
        small, big = fig["d"]["sweep_small"], fig["d"]["sweep_big"]
        mem_small, mem_big = small["maxrss_kb"], big["maxrss_kb"]
        growth = mem_big / mem_small - 1
        rows += [
            (f"coordinator peak, {small['runs']} runs", f"{mem_small / 1024:.0f} MiB", "",
             None),
            (f"coordinator peak, {big['runs']} runs", f"{mem_big / 1024:.0f} MiB "
             f"({growth:+.1%})", "within 10 %", growth <= 0.10),
        ]
        for key, what in (("sweep_big", "every column and event"),
                          ("sweep_selection", "run.series/run.events of a sweep")):
            per_run = fig["d"][key]["bytes_total"] / fig["d"][key]["runs"]
            rows.append((f"disk per run (no panel), {what}", f"{per_run / 1024:.0f} KiB",
                         "≤ 100 KB", per_run <= 100_000))
    if "e" in fig:
        e = fig["e"]
        rows += [("240-month baseline, v2 ÷ v1 (alternating processes)",
                  f"{e['v2_240_s']:.3f} ÷ {e['v1_240_s']:.3f} s = {e['ratio']:.2f}×", "≤ 1.5×",
                  e["ratio"] <= 1.5),
                 ("v2 default run (360 months)", f"{e['v2_360_s']:.3f} s", "", None)]
    if "g" in fig:
        g = fig["g"]
        warm = g["warm_start_and_first_run_s"]
        rows += [("cold first run, compiling included", f"{g['cold_first_run_s']:.1f} s "
                  f"(said so: {g['cold_said_compiling']})", "≤ 30 s, with a message",
                  g["cold_first_run_s"] <= 30 and g["cold_said_compiling"]),
                 ("warm process start + first run", f"{warm:.2f} s (import "
                  f"{g['warm_import_s']:.2f} s)", "≤ 1.5 s", warm <= 1.5),
                 ("two processes compiling at once (before)",
                  ", ".join(f"{v:.1f}" for v in g["two_cold_first_runs_s"]) + " s", "", None),
                 ("warm-up, then two processes loading (what the backends do)",
                  f"{g['warm_up_s']:.1f} s, then " + ", ".join(
                      f"{v:.2f}" for v in g["two_after_warm_up_first_runs_s"]) + " s", "",
                  None)]
    if "f" in fig:
        f = fig["f"]
        rows += [("dashboard month: model step (median)", f"{1000 * f['step_s']:.1f} ms", "",
                  None),
                 ("dashboard month: whole figures and status",
                  f"{1000 * f['whole_s']:.0f} ms = {f['whole_ratio']:.0f}× the step", "", None),
                 ("dashboard month: the page's live figures",
                  f"{1000 * f['live_s']:.0f} ms = {f['live_ratio']:.0f}× the step", "", None)]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--parts", default="abcdefg",
                        help="which parts to run, e.g. 'ab' or 'e' (default: abcdefg)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--long-runs", type=int, default=None,
                        help=f"runs of (c)'s long sweep (default {LONG_RUNS}; 40 with --quick)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--machinery", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="processes", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.machinery:
        machinery(args)
        return

    info = machine()
    print("regcycle benchmarks" + ("  (--quick: smoke-test sizes, NOT the targets' sizes)"
                                   if args.quick else ""))
    for k, v in info.items():
        print(f"  {k}: {v}")
    print()
    fig: dict[str, object] = {"machine": info, "quick": args.quick}
    if "a" in args.parts:
        fig["a"] = part_a(args.quick)
    if "b" in args.parts:
        fig["b"] = part_b(args.quick)
    if "c" in args.parts:
        fig["c"] = part_c(args.quick, args.long_runs)
    if "d" in args.parts:
        small = fig["c"]["sweeps"]["2 workers"] if "c" in fig else None
        fig["d"] = part_d(args.quick, small)
    if "e" in args.parts:
        fig["e"] = part_e(args.quick)
    if "f" in args.parts:
        fig["f"] = part_f(args.quick)
    if "g" in args.parts:
        fig["g"] = part_g(args.quick)
    rows = table(fig)
    print("\n| figure | measured | target | |")
    print("| --- | --- | --- | --- |")
    for name, value, target, ok in rows:
        print(f"| {name} | {value} | {target} | {'' if ok is None else verdict(ok)} |")
    if "d" in fig:
        for key, what in (("sweep_big", "everything"), ("sweep_selection", "the selection")):
            big = fig["d"][key]
            print(f"\ndisk per run by file, {what} ({big['runs']} runs): " + ", ".join(
                f"{name} {size / big['runs'] / 1024:.1f} KiB"
                for name, size in sorted(big["files"].items())))
        print("series as float32 instead (lossy, not stored): "
              f"{fig['d']['float32_series_bytes_per_run'] / 1024:.1f} KiB per run")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"load average at the end: {load} (1/5/15 min; {os.cpu_count()} cores)")
    fig["load_at_end"] = load
    fig["table"] = [{"figure": n, "measured": v, "target": t, "met": ok} for n, v, t, ok in rows]
    if args.json:
        args.json.write_text(json.dumps(fig, indent=2, default=str))


if __name__ == "__main__":
    main()
