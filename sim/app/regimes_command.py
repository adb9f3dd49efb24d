"""``regcycle regimes``: a regime map of one sector over two parameters (issue #15).

The command builds a grid sweep of the scenario over ``--x`` × ``--y`` (``--nx`` × ``--ny``
evenly spaced values, the scenario's replication seeds at every cell: common random numbers)
and runs it into a results folder with the sweep machinery
(:func:`sim.experiment.runner.run_scenario`: backends, progress, resume). The folder stores no
series and no events (``run.series = []``, ``run.events = []``): each run's function,
:func:`regime_run`, classifies every sector of the run from its full series
(:func:`sim.analysis.regimes.regime_row`) and the worker adds the classes and metrics to the
run's row of ``summary.parquet`` beside the usual cycle metrics. The command then writes, for
the sector asked for:

* ``regimes-<sector>.parquet`` and ``.csv``: one row per cell (``x``, ``y``, runs, modal class,
  share of seeds in it, median period of the recurrent runs, share of each class;
  :func:`sim.analysis.regimes.cell_table`), classified with ``--stuck-months`` N;
* ``regimes-<sector>.png``: the map (:func:`sim.plots.regimes.plot_regime_map`), also copied to
  ``--out``;
* ``regimes.json``: the command's settings (axes, N, horizon, seeds) and the files written.

Resuming a complete folder runs nothing and redraws the map: with another ``--sector`` it maps
that sector from the stored metrics. N is fixed per folder (the runs' stored classes use it).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import importlib.util
import json
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..experiment.problems import COMMAND_LINE, ScenarioError, ScenarioProblem
from ..experiment.scenario import find_scenario, load_scenario
from .arguments import int_in, positive
from .loading import command_line_overrides, default_scenarios_dir

if TYPE_CHECKING:
    import pandas as pd

    from ..experiment.records import RunResult, RunSpec
    from ..experiment.scenario import Scenario

__all__ = ["DEFAULT_MONTHS", "DEFAULT_SIZE", "MAX_SIZE", "add_regimes_subcommand",
           "regime_run", "regimes_command"]

EXIT_OK = 0
EXIT_FAILED_RUNS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

DEFAULT_MONTHS = 1200
"""Default horizon: long enough to see a pendulum of period ~150 months recur several times."""
DEFAULT_SIZE = 50
"""Default number of values on each axis."""
MAX_SIZE = 1000
"""Most values on an axis (as a sweep's ``levels``)."""
SETTINGS = "regimes.json"
"""The command's settings in the results folder."""

REGIMES_EPILOG = """\
examples:
  regcycle regimes baseline --x leadership.theta_alarm=0.6:1.5 \\
      --y leadership.theta_pain=0.3:0.8 --out theta_map.png
  regcycle regimes baseline --x leadership.theta_alarm=0.6:1.5 \\
      --y sectors.platform.alignment=0:0.8 --nx 10 --ny 10 --seeds 3 --months 600 \\
      --workers 2 --out small.png
  regcycle regimes baseline --x ... --y ... --resume results/baseline/20250101-120000
  regcycle regimes baseline --x ... --y ... --resume <folder> --sector fintech  # remap

Each cell runs the scenario's first --seeds replication seeds (common across cells) for
--months months and classifies each run's sector (sim/analysis/regimes.py): none (no
crackdown), one (one crackdown, ended or still under N months at the horizon), recurrent
(two or more), stuck (a crackdown still running after N = --stuck-months months, default 120)
or ban (the sector was banned); the first that holds of ban > stuck > recurrent > one > none.
The map colours the modal class of each cell (recurrent: by the median onset-to-onset
period), paler where the seeds disagree. The results folder (<results>/<scenario>/<id>/)
stores the per-run classes and metrics in summary.parquet and the cell table in
regimes-<sector>.parquet/.csv; no series or events.
"""


# --------------------------------------------------------------------------------------------
# What a worker runs
# --------------------------------------------------------------------------------------------


def regime_run(spec: RunSpec, *, stuck_months: int) -> RunResult:
    """Run one spec and attach every sector's regime metrics (picklable with ``partial``).

    The metrics (:func:`sim.analysis.regimes.regime_row`) are computed from the full series
    before the folder trims it; the worker adds them to the run's summary row.
    """
    from ..analysis.regimes import regime_row  # in the worker, beside the model
    from ..experiment.worker import run_one

    result = run_one(spec)
    if result.ok and result.series is not None:
        result.metrics = regime_row(result.series, stuck_months=stuck_months)
    return result


# --------------------------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class AxisArg:
    """One axis of the map as given on the command line: ``group.name=lo:hi``."""

    key: str
    low: float
    high: float

    def to_dict(self) -> dict[str, Any]:
        """As recorded in ``regimes.json``."""
        return {"key": self.key, "range": [self.low, self.high]}


def _axis(text: str) -> AxisArg:
    """Parse ``group.name=lo:hi`` (argparse type: a bad one exits 2 with the reason)."""
    key, sep, span = text.partition("=")
    lo, colon, hi = span.partition(":")
    if not sep or not colon or not key.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected group.name=lo:hi (e.g. leadership.theta_alarm=0.6:1.5)")
    try:
        low, high = float(lo), float(hi)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: lo and hi must be numbers") from None
    if not low < high:
        raise argparse.ArgumentTypeError(f"{text!r}: lo must be below hi")
    return AxisArg(key.strip(), low, high)


def add_regimes_subcommand(subparsers: Any) -> None:
    """Register ``regimes`` on the main parser's subparsers."""
    from ..experiment.backends import BACKENDS

    p = subparsers.add_parser(
        "regimes", help="map a sector's regime (none/one/recurrent/stuck/ban) over two "
                        "parameters",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a grid of --nx × --ny parameter values with the scenario's seeds,\n"
                    "classify each run's regime and draw the map of the modal class.",
        epilog=REGIMES_EPILOG)
    p.add_argument("scenario", metavar="SCENARIO", help="scenario file or name (no [sweep])")
    p.add_argument("--x", dest="x", type=_axis, required=True, metavar="group.name=lo:hi",
                   help="the horizontal parameter and its range")
    p.add_argument("--y", dest="y", type=_axis, required=True, metavar="group.name=lo:hi",
                   help="the vertical parameter and its range")
    p.add_argument("--nx", type=int_in(2, MAX_SIZE), default=DEFAULT_SIZE, metavar="N",
                   help=f"values on the x axis (default {DEFAULT_SIZE})")
    p.add_argument("--ny", type=int_in(2, MAX_SIZE), default=DEFAULT_SIZE, metavar="N",
                   help=f"values on the y axis (default {DEFAULT_SIZE})")
    p.add_argument("--seeds", type=positive, metavar="N",
                   help="replications a cell (default: the scenario's)")
    p.add_argument("--months", type=positive, default=DEFAULT_MONTHS, metavar="M",
                   help=f"horizon in months (default {DEFAULT_MONTHS})")
    p.add_argument("--sector", default="platform", help="the sector mapped (default platform)")
    p.add_argument("--stuck-months", dest="stuck_months", type=positive, default=None,
                   metavar="N", help="a crackdown still running at the horizon after N months "
                                     "is 'stuck' (default 120)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter at every cell (repeatable)")
    p.add_argument("--results", default="results", metavar="DIR",
                   help="results root; the folder is DIR/<scenario>/<id> (default: results)")
    p.add_argument("--out", metavar="FILE",
                   help="also write the map here (.png, .pdf or .svg)")
    p.add_argument("--workers", type=positive, metavar="N",
                   help="worker processes (default: one per CPU)")
    p.add_argument("--backend", choices=BACKENDS, default=None,
                   help="serial, processes (default) or dask, as for regcycle run")
    p.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="a running dask scheduler (implies --backend dask)")
    p.add_argument("--resume", metavar="DIR",
                   help="complete (or, when complete, remap) an earlier folder of the same "
                        "command")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=regimes_command)


# --------------------------------------------------------------------------------------------
# The scenario of a map
# --------------------------------------------------------------------------------------------


def _problem(message: str, key: str = "", value: Any = "", allowed: str = "") -> ScenarioError:
    return ScenarioError([ScenarioProblem(COMMAND_LINE, key, value, allowed, message)])


def map_scenario(arg: str, sets: Sequence[str], x: AxisArg, y: AxisArg, nx: int, ny: int,
                 months: int, seeds: int | None) -> Scenario:
    """The scenario of a map: ``arg`` with a grid sweep over the two axes (x varies slowest).

    Also applies ``--set``, the horizon, and stores no series, events or firm panel.

    Raises:
        ScenarioError: any problem of the scenario, the overrides or the axes (an unknown or
            non-sweepable parameter, a range outside the parameter's), with the axes named
            ``--x`` and ``--y``; a scenario that has its own ``[sweep]``.
    """
    if x.key == y.key:
        raise _problem("--x and --y name the same parameter", "--y", y.key,
                       "two different parameters")
    overrides: dict[str, Any] = command_line_overrides(sets)
    path = find_scenario(arg, [default_scenarios_dir()])
    base = load_scenario(path, overrides, replications=seeds)
    if base.sweep is not None:
        raise _problem(f"{path} has a [sweep] table; regcycle regimes makes its own grid from "
                       "--x and --y", "sweep", "a table", "a scenario without [sweep]")
    overrides |= {"run.months": months, "run.series": [], "run.events": [],
                  "run.firm_panel_every": 0,
                  "sweep": {"design": "grid", "parameters": {
                      x.key: {"range": [x.low, x.high], "levels": nx},
                      y.key: {"range": [y.low, y.high], "levels": ny}}}}
    try:
        return load_scenario(path, overrides, replications=seeds)
    except ScenarioError as exc:
        raise ScenarioError([_as_axis(p, x, y) for p in exc.problems]) from None


def _as_axis(p: ScenarioProblem, x: AxisArg, y: AxisArg) -> ScenarioProblem:
    """A problem of the generated ``[sweep]`` table, named after the option that caused it."""
    for option, axis in (("--x", x), ("--y", y)):
        prefix = f"sweep.parameters.{axis.key}"
        if p.key == prefix or p.key.startswith(prefix + "."):
            rest = p.key[len(prefix):].removeprefix(".")
            where = {"range[0]": " (lo)", "range[1]": " (hi)"}.get(rest, "")
            return dataclasses.replace(p, key=f"{option} {axis.key}{where}")
    return p


def axis_label(key: str, params: Any) -> str:
    """``θ_A (leadership.theta_alarm)``: the MODEL.md symbol from the metadata, then the key."""
    from ..model.params import field_for

    try:
        symbol = field_for(key, params).metadata.get("symbol")
    except KeyError:
        symbol = None
    return f"{symbol}  ({key})" if symbol else key


# --------------------------------------------------------------------------------------------
# The cell table and the map
# --------------------------------------------------------------------------------------------


def cell_frame(folder: Path, sector: str, x: str, y: str, stuck_months: int
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The per-run regime rows of one sector and the cell table of a finished map folder.

    Returns:
        ``(runs, cells)``: ``runs`` one row per finished run (``run_id``, ``seed``, ``point``,
        ``replicate``, ``x``, ``y`` and the keys of :data:`~sim.analysis.regimes.REGIME_METRICS`,
        classified with ``stuck_months``); ``cells`` from
        :func:`~sim.analysis.regimes.cell_table` over ``x``, ``y``.

    Raises:
        sim.experiment.store.StoreError: the folder has no regime metrics for the sector.
    """
    import pandas as pd
    import pyarrow.parquet as pq

    from ..analysis.regimes import REGIME_METRICS, cell_table, regime_column, sector_runs
    from ..experiment.store import RUNS, SUMMARY, StoreError

    file = folder / SUMMARY
    wanted = ["run_id", *(regime_column(k, sector) for k in REGIME_METRICS)]
    have = set(pq.read_schema(file).names) if file.is_file() else set()
    if not set(wanted) <= have:
        raise StoreError(f"{file}: no regime metrics of sector {sector!r} (was the folder made "
                         "by regcycle regimes, and did every run finish?)")
    summary = pd.read_parquet(file, columns=wanted)
    runs = pd.read_parquet(folder / RUNS, columns=["run_id", "seed", "point", "replicate", x, y])
    runs = runs.rename(columns={x: "x", y: "y"})
    per_run = runs.merge(sector_runs(summary, sector, stuck_months=stuck_months), on="run_id")
    return per_run, cell_table(per_run, ["x", "y"])


def draw_map(cells: pd.DataFrame, files: Sequence[Path], *, x_label: str, y_label: str,
             title: str) -> None:
    """Draw the map once and save it to each file."""
    import matplotlib

    matplotlib.use("Agg", force=False)  # files only; never a window
    import matplotlib.pyplot as plt

    from ..plots.regimes import plot_regime_map

    fig, ax = plt.subplots(figsize=(7.5, 6.0), layout="constrained")
    plot_regime_map(cells, x_label=x_label, y_label=y_label, title=title, ax=ax)
    saved: dict[str, Path] = {}
    for f in files:
        f.parent.mkdir(parents=True, exist_ok=True)
        suffix = f.suffix.lower()
        if suffix in saved:  # the same image again: a copy, byte for byte
            shutil.copyfile(saved[suffix], f)
        else:
            fig.savefig(f, dpi=150)
            saved[suffix] = f
    plt.close(fig)


# --------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------


def _stored_settings(folder: Path) -> dict[str, Any] | None:
    file = folder / SETTINGS
    if not file.is_file():
        return None
    try:
        return json.loads(file.read_text())
    except ValueError:
        return None


def regimes_command(args: argparse.Namespace) -> int:
    """Run ``regcycle regimes`` (see the module docstring); returns the exit status."""
    from ..analysis.regimes import STUCK_MONTHS
    from ..experiment.runner import run_scenario
    from ..experiment.store import MANIFEST, ResultsFolder, StoreError, write_table
    from ..experiment.store.files import atomic_write_json

    prog = "regcycle regimes"
    if args.scheduler and args.backend not in (None, "dask"):
        print(f"{prog}: --scheduler needs --backend dask, not {args.backend}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if (args.backend == "dask" or args.scheduler) \
            and importlib.util.find_spec("distributed") is None:
        print(f"{prog}: the dask backend needs dask.distributed: pip install "
              "'regcycle[sweep]'", file=sys.stderr)
        return EXIT_BAD_INPUT
    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in (".png", ".pdf", ".svg"):
        print(f"{prog}: --out {out}: the map is an image; allowed suffixes: .png, .pdf, .svg",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    scenario = map_scenario(args.scenario, args.sets, args.x, args.y, args.nx, args.ny,
                            args.months, args.seeds)
    sectors = scenario.params.sector_names
    if args.sector not in sectors:
        print(f"{prog}: --sector {args.sector!r}: unknown sector; allowed: "
              f"{', '.join(sectors)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    stored = _stored_settings(Path(args.resume)) if args.resume else None
    stuck = args.stuck_months or (stored or {}).get("stuck_months") or STUCK_MONTHS
    if stored is not None and stored.get("stuck_months") != stuck:
        print(f"{prog}: --stuck-months {stuck}: the runs of {args.resume} were classified "
              f"with {stored.get('stuck_months')}; N is fixed per folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    # the folder is made here so that its settings can be written even if the runs stop
    folder = Path(args.resume) if args.resume else \
        ResultsFolder.create(args.results, scenario.name).path
    settings = {"scenario": scenario.name, "path": scenario.path,
                "x": args.x.to_dict() | {"n": args.nx}, "y": args.y.to_dict() | {"n": args.ny},
                "seeds": list(scenario.seeds), "months": scenario.params.run.months,
                "stuck_months": stuck, "maps": (stored or {}).get("maps", {})}
    t0 = time.perf_counter()
    try:
        run_scenario(scenario, resume=folder, workers=args.workers, backend=args.backend,
                     scheduler=args.scheduler, progress=not args.quiet, plot=False,
                     command=["regcycle", *getattr(args, "argv", [])],
                     fn=functools.partial(regime_run, stuck_months=stuck))
    except KeyboardInterrupt:
        atomic_write_json(folder / SETTINGS, settings)  # the runs so far used these
        print(f"{prog}: interrupted; finished runs are kept. Resume with the same command "
              f"and --resume {folder}", file=sys.stderr)
        return EXIT_INTERRUPTED
    # written once the folder has accepted these runs (a refused --resume leaves it as it was)
    atomic_write_json(folder / SETTINGS, settings)
    seconds = time.perf_counter() - t0
    runs = json.loads((folder / MANIFEST).read_text())["runs"]
    failed = [r for r in runs if r["status"] != "done"]
    try:
        per_run, cells = cell_frame(folder, args.sector, args.x.key, args.y.key, stuck)
    except StoreError as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_FAILED_RUNS if failed else EXIT_BAD_INPUT
    stem = f"regimes-{args.sector}"
    write_table(cells, folder / f"{stem}.parquet")
    cells.to_csv(folder / f"{stem}.csv", index=False)
    seeds_label = f"{len(scenario.seeds)} seed{'s' if len(scenario.seeds) != 1 else ''} a cell"
    title = (f"{args.sector}: {scenario.params.run.months} months, {seeds_label}, "
             f"stuck after {stuck} months")
    images = [folder / f"{stem}.png", *([out] if out is not None else [])]
    draw_map(cells, images, x_label=axis_label(args.x.key, scenario.params),
             y_label=axis_label(args.y.key, scenario.params), title=title)
    settings["maps"][args.sector] = {"table": f"{stem}.parquet", "csv": f"{stem}.csv",
                                     "image": f"{stem}.png"}
    atomic_write_json(folder / SETTINGS, settings)
    if failed:
        print(f"{prog}: {len(failed)} of {len(runs)} runs failed; the map uses the others. "
              f"The errors are in {folder / MANIFEST}; retry with --resume {folder}",
              file=sys.stderr)
    if args.quiet:
        print(folder)
    else:
        counts = cells["regime"].value_counts()
        shown = ", ".join(f"{k} {v}" for k, v in counts.items())
        n_seeds = len(scenario.seeds)
        print(f"{scenario.name}: {cells['x'].nunique()} × {cells['y'].nunique()} cells × "
              f"{n_seeds} "
              f"seed{'s' if n_seeds != 1 else ''} = "
              f"{len(runs)} runs × {scenario.params.run.months} months in {seconds:.1f} s "
              f"→ {folder}")
        print(f"  {args.sector}: modal class per cell: {shown} ({len(per_run)} runs classified)")
        print(f"  cells: {folder / (stem + '.csv')}")
        print(f"  map: {images[-1]}")
    return EXIT_FAILED_RUNS if failed else EXIT_OK
