"""The ``regcycle`` command (also ``python -m sim``): run, validate, list and show scenarios.

Every bad input (a scenario problem, a missing file, a bad option, a folder that cannot be
resumed) ends with one clear message on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..experiment.runner import BACKENDS
from ..experiment.scenario import (
    ScenarioError,
    find_scenario,
    list_scenarios,
    load_scenario,
    to_toml,
)
from .arguments import positive
from .loading import default_scenarios_dir as _default_scenarios_dir
from .loading import load_from_command_line as _load

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAILED_RUNS", "EXIT_INTERRUPTED", "build_parser", "main"]

EXIT_OK = 0
EXIT_FAILED_RUNS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

log = logging.getLogger("sim")

EPILOG = """\
examples:
  regcycle list
  regcycle show rules_based
  regcycle validate scenarios/*.toml
  regcycle run scenarios/baseline.toml
  regcycle run scenarios/rules_based.toml --seeds 20 --workers 4
  regcycle run baseline --months 120 --set leadership.theta_alarm=0.7 --set sectors.ai.alignment=0.5
  regcycle run baseline --resume results/baseline/20250101-120000
  regcycle run scenarios/sweep_thresholds.toml --backend dask --workers 4
  regcycle regimes baseline --x leadership.theta_alarm=0.6:1.5 --y leadership.theta_pain=0.3:0.8

A SCENARIO is a path to a TOML file, or the name of a file in ./scenarios (baseline).
Results go to <out>/<scenario name>/<YYYYmmdd-HHMMSS>/ (see results/README.md); load them
in Python with sim.experiment.store.load_results(folder).
"""

RUN_EPILOG = """\
examples:
  regcycle run scenarios/baseline.toml
  regcycle run scenarios/no_zeal.toml --seeds 20 --workers 4 --out /tmp/results
  regcycle run baseline --months 60 --set agencies.zeal=0 --set leadership.mode=rules
  regcycle run baseline --resume results/baseline/20250101-120000   # finish a killed run
  regcycle run scenarios/sweep_thresholds.toml                       # a sweep: same command
  regcycle run sweep_thresholds --set 'run.series=["phase","enforcement","pain"]'  # store less
  regcycle run sweep_thresholds --backend dask --workers 4           # a local dask cluster
  regcycle run sweep_thresholds --scheduler tcp://10.0.0.5:8786      # a running dask cluster

A scenario with a [sweep] table runs its replications at every point of the sweep's design
(results/README.md). Backends: serial (this process), processes (local worker processes; the
default, in-process for --workers 1) and dask (a local cluster of --workers processes, or the
cluster at --scheduler, whose workers need regcycle installed). A run that fails is recorded
with its error and the sweep goes on; the command then exits with status 1. Ctrl-C stops
cleanly: finished runs stay on disk for --resume, on every backend.

--set takes KEY=VALUE with KEY as in a scenario file (group.name, sectors.<sector>.<name>,
run.<setting>) and VALUE written as in TOML (0.6, true, "rules", [[120, 0.5]]); bare words
are strings. It is validated like the file. run.series and run.events take TOML lists
('run.series=["pain","phase"]', quoted for the shell): they choose the series columns and the
event kinds the results folder stores (default: all; the cycle metrics in summary.parquet
are computed from everything either way).
"""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line plus a pointer to --help (exit 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n"
                                  f"(see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``regcycle`` (subcommands run, validate, list, show)."""
    parser = _Parser(prog="regcycle", formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="Run the regcycle model (Zhang's regulatory pendulum) from "
                                 "scenario files and write result series to disk.",
                     epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"regcycle {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="run every replication of a scenario and write results",
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Run every replication of a scenario in parallel and write "
                                     "the results folder.", epilog=RUN_EPILOG)
    run.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    run.add_argument("--seeds", type=positive, metavar="N",
                     help="number of replications (default: the scenario's)")
    run.add_argument("--months", type=positive, metavar="M",
                     help="months to simulate (default: the scenario's run.months)")
    run.add_argument("--out", default="results", metavar="DIR",
                     help="results root; the folder is DIR/<scenario>/<id> (default: results)")
    run.add_argument("--workers", type=positive, metavar="N",
                     help="worker processes (default: the scenario's run.workers, else one "
                          "per CPU)")
    run.add_argument("--backend", choices=BACKENDS, default=None,
                     help="where runs execute: serial, processes (default; in-process with "
                          "--workers 1) or dask")
    run.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                     help="a running dask scheduler to send the runs to (implies --backend "
                          "dask)")
    run.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter for this run (repeatable)")
    run.add_argument("--resume", metavar="DIR",
                     help="complete an earlier folder of the same command, skipping its "
                          "finished runs")
    run.add_argument("--posterior", metavar="FILE",
                     help="run over the posterior draws of FILE (a scenario written by "
                          "regcycle calibrate --write-scenario): replication r takes draw r mod n")
    run.add_argument("--no-plot", dest="plot", action="store_false",
                     help="do not write overview.png")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check scenario files and print every problem",
                         description="Check scenario files (and the files they extend); print "
                                     "every problem. Exit status 0 if all are valid, else 2.")
    val.add_argument("scenarios", nargs="+", metavar="SCENARIO")
    val.set_defaults(func=_cmd_validate)

    lst = sub.add_parser("list", help="list the scenarios with their descriptions",
                         description="List the scenario files of a folder and of its "
                                     "subfolders (such as ablations/).")
    lst.add_argument("--dir", type=Path, default=None, metavar="DIR",
                     help="scenario folder (default: ./scenarios)")
    lst.set_defaults(func=_cmd_list)

    show = sub.add_parser("show", help="print the fully resolved parameters of a scenario",
                          description="Print a scenario with every parameter resolved (after "
                                      "extends and defaults) as TOML; values that differ from "
                                      "the defaults are marked.")
    show.add_argument("scenario", metavar="SCENARIO")
    show.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                      help="override a parameter (repeatable)")
    show.add_argument("--json", action="store_true", help="print a flat JSON object instead")
    show.set_defaults(func=_cmd_show)

    from .analysis_commands import add_analysis_subcommands  # plot, summarize, compare

    add_analysis_subcommands(sub)
    from .regimes_command import add_regimes_subcommand  # regimes (regime maps, issue #15)

    add_regimes_subcommand(sub)
    from .calibrate_command import add_calibrate_subcommand  # calibrate (regcycle[calibrate])

    add_calibrate_subcommand(sub)
    from .dashboard.cli import add_dashboard_subcommand  # dashboard (extra: regcycle[dashboard])

    add_dashboard_subcommand(sub)
    return parser


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def _error_line(error: str | None) -> str:
    """The last line of a traceback (the exception), shortened."""
    lines = [line for line in (error or "").strip().splitlines() if line.strip()]
    last = lines[-1].strip() if lines else "unknown error"
    return last if len(last) <= 120 else last[:117] + "..."


def _cmd_run(args: argparse.Namespace) -> int:
    import pyarrow.parquet as pq

    from ..experiment.runner import run_scenario
    from ..experiment.store import EVENTS, MANIFEST, PANEL, SERIES

    if args.scheduler and args.backend not in (None, "dask"):
        print(f"regcycle: --scheduler needs --backend dask, not {args.backend}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if (args.backend == "dask" or args.scheduler) \
            and importlib.util.find_spec("distributed") is None:
        print("regcycle: the dask backend needs dask.distributed: pip install "
              "'regcycle[sweep]'", file=sys.stderr)
        return EXIT_BAD_INPUT
    scenario = _load(args.scenario, args.sets, args.months, args.seeds, args.posterior)
    t0 = time.perf_counter()
    command = ["regcycle", *args.argv]
    folder = None
    try:
        folder = run_scenario(scenario, out=args.out, resume=args.resume, workers=args.workers,
                              backend=args.backend, scheduler=args.scheduler,
                              progress=not args.quiet, plot=args.plot, command=command)
    except KeyboardInterrupt:
        print("regcycle: interrupted; finished runs are kept. Resume with:\n"
              f"  regcycle run {args.scenario} ... --resume <folder>", file=sys.stderr)
        return EXIT_INTERRUPTED
    manifest = json.loads((folder / MANIFEST).read_text())
    runs = manifest["runs"]
    failed = [r for r in runs if r["status"] != "done"]
    if failed:
        ids = ", ".join(str(r["run_id"]) for r in failed[:20]) + \
            (", ..." if len(failed) > 20 else "")
        print(f"regcycle: {len(failed)} of {len(runs)} runs failed (run {ids}); the errors are "
              f"in {folder / MANIFEST}.", file=sys.stderr)
        for r in failed[:5]:
            where = f" at {r['params']}" if r.get("params") else ""
            print(f"  run {r['run_id']} (seed {r['seed']}){where}: {_error_line(r.get('error'))}",
                  file=sys.stderr)
        print(f"Retry them with: regcycle run {args.scenario} --resume {folder}",
              file=sys.stderr)
        return EXIT_FAILED_RUNS
    if not args.quiet:
        counts = {name: pq.ParquetFile(folder / file).metadata.num_rows
                  for name, file in (("series", SERIES), ("events", EVENTS), ("panel", PANEL))
                  if (folder / file).is_file()}
        shape = (f"{scenario.n_points} points × {scenario.replications} replications = "
                 if scenario.sweep is not None else "")
        if scenario.posterior is not None:
            shape = (f"{scenario.replications} replications over "
                     f"{scenario.posterior.n_draws} posterior draws = ")
        print(f"{scenario.name}: {shape}{len(runs)} runs × {scenario.params.run.months} months "
              f"in {time.perf_counter() - t0:.1f} s → {folder}")
        print(f"  {counts['series']} series rows, {counts['events']} events"
              + (f", {counts['panel']} panel rows" if "panel" in counts else "")
              + ", 0 failed")
        if scenario.sweep is not None:
            print(f"  {scenario.sweep.design.value} design; sample matrix: "
                  f"{folder / 'sweep.parquet'}")
        if not scenario.outputs.is_default:
            stored = manifest.get("outputs", {})
            what = []
            if stored.get("series_columns") is not None:
                what.append(f"{len(stored['series_columns'])} series columns (run.series)")
            if stored.get("events") is not None:
                what.append(f"{len(stored['events'])} event kinds (run.events)")
            print(f"  stored: {', '.join(what)}")
        if (folder / "overview.png").is_file():
            print(f"  overview plot: {folder / 'overview.png'}")
        print(f"  load with: sim.experiment.store.load_results({str(folder)!r})")
    else:
        print(folder)
    return EXIT_OK


def _cmd_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    scen_dir = _default_scenarios_dir()
    for arg in args.scenarios:
        path = find_scenario(arg, [scen_dir])
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            status = EXIT_BAD_INPUT
            n = len(exc.problems)
            print(f"{path}: {n} problem{'s' if n != 1 else ''}", file=sys.stderr)
            for p in exc.problems:
                print(f"  {p}", file=sys.stderr)
        else:
            shape = (f"{scenario.n_points} points × {scenario.replications} replications = "
                     if scenario.sweep is not None else "")
            print(f"{path}: ok ({scenario.name}: {shape}{scenario.n_runs} runs × "
                  f"{scenario.params.run.months} months)")
    return status


def _cmd_list(args: argparse.Namespace) -> int:
    folder = args.dir or _default_scenarios_dir()
    if not folder.is_dir():
        print(f"regcycle: {folder}: no such folder", file=sys.stderr)
        return EXIT_BAD_INPUT
    entries = list_scenarios(folder)
    if not entries:
        print(f"{folder}: no scenario files")
        return EXIT_OK
    shown = [path.relative_to(folder).as_posix() for path, _, _ in entries]
    width = max(map(len, shown))
    for label, (_path, _name, description) in zip(shown, entries, strict=True):
        print(f"{label:<{width}}  {description or '(unreadable: run regcycle validate)'}")
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args.sets)
    if args.json:
        flat = {"scenario.name": scenario.name, "scenario.description": scenario.description,
                "run.seeds": list(scenario.seeds), **scenario.params.to_flat_dict()}
        if scenario.sweep is not None:
            flat["sweep"] = scenario.sweep.to_dict()
        if scenario.calibrate is not None:
            flat["calibrate"] = scenario.calibrate.to_dict()
        if scenario.posterior is not None:
            flat["posterior"] = {**scenario.posterior.to_dict(),
                                 "draws": [list(r) for r in scenario.posterior.draws]}
        print(json.dumps(flat, indent=2, default=list))
    else:
        print(to_toml(scenario), end="")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def _print_problems(exc: ScenarioError) -> None:
    n = len(exc.problems)
    if n == 1:
        print(f"regcycle: {exc.problems[0]}", file=sys.stderr)
        return
    print(f"regcycle: {n} problems:", file=sys.stderr)
    for p in exc.problems:
        print(f"  {p}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``regcycle`` command.

    Args:
        argv: the arguments (default ``sys.argv[1:]``).

    Returns:
        The exit status: 0 success, 1 some runs failed, 2 bad input, 130 interrupted.
    """
    from ..experiment.store import StoreError

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return int(exc.code) if isinstance(exc.code, int) else EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    args.argv = argv
    logging.basicConfig(format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr,
                        level=logging.INFO if args.verbose else logging.WARNING)
    # dask logs a cluster's life at INFO; its level is read when distributed is first imported
    # (here and in the workers, which inherit the environment)
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "info" if args.verbose else "warning")
    try:
        return args.func(args)
    except ScenarioError as exc:
        _print_problems(exc)
    except StoreError as exc:
        print(f"regcycle: {exc}", file=sys.stderr)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"regcycle: {where}{exc.strerror or exc}", file=sys.stderr)
    return EXIT_BAD_INPUT
