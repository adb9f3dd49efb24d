"""``regcycle calibrate``: ABC-SMC calibration of a scenario to the dated record (pyabc).

The scenario's ``[calibrate]`` table chooses the parameters and their priors; the record file
(``--record``, else the table's ``record``) gives the observations. The folder holds pyabc's
SQLite history (stop with Ctrl-C and ``--resume`` it), the settings, the posterior's particles
and a picture of the marginals; ``--write-scenario`` writes a scenario with posterior draws that
every other command runs (:mod:`sim.experiment.scenario`'s ``[posterior]`` table).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import sys
import time
from pathlib import Path

from ..experiment.problems import COMMAND_LINE, ScenarioError, ScenarioProblem
from .arguments import fraction, positive

__all__ = ["add_calibrate_subcommand", "calibrate_command"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130

EPILOG = """\
examples:
  regcycle calibrate history                              # the [calibrate] table's settings
  regcycle calibrate history --record data/record.toml --population 300 --generations 10
  regcycle calibrate history --backend serial --seed 7    # reproducible population by population
  regcycle calibrate history --resume results/history/calibrate-20261130-120000
  regcycle calibrate history --resume results/history/calibrate-20261130-120000 \\
      --write-scenario scenarios/history_posterior.toml --draws 200

Backends: processes (default; pyabc's multicore sampler), dask (a local cluster of --workers, or
--scheduler) and serial (one process, the only mode whose populations are reproducible from
--seed: the parallel samplers keep whichever particles finish first). Every simulation is
reproducible on any backend: its seed is a hash of its parameters and replicate.
"""


def add_calibrate_subcommand(subparsers: argparse._SubParsersAction) -> None:
    """Add ``calibrate`` to ``regcycle``'s subcommands."""
    cal = subparsers.add_parser(
        "calibrate", help="calibrate a scenario's parameters to the dated record (ABC-SMC)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Infer the posterior of the parameters a scenario's [calibrate] table "
                    "names from the record's fitting observations, with pyabc's ABC-SMC.",
        epilog=EPILOG)
    cal.add_argument("scenario", metavar="SCENARIO", help="scenario file or name")
    cal.add_argument("--record", metavar="FILE",
                     help="the record (default: the [calibrate] table's record)")
    cal.add_argument("--out", default="results", metavar="DIR",
                     help="results root; the folder is DIR/<scenario>/calibrate-<time>")
    cal.add_argument("--resume", metavar="FOLDER",
                     help="continue the calibration in FOLDER up to --generations in all")
    cal.add_argument("--population", type=positive, metavar="N", help="particles per generation")
    cal.add_argument("--generations", type=positive, metavar="N",
                     help="the most generations in all")
    cal.add_argument("--min-acceptance", type=fraction, metavar="RATE",
                     help="stop when a generation's acceptance rate falls below RATE")
    cal.add_argument("--replications", type=positive, metavar="R",
                     help="simulations per particle (distances averaged)")
    cal.add_argument("--seed", type=int, metavar="SEED", help="root of the simulations' seeds")
    cal.add_argument("--transition", choices=("local", "mvn"), default="local",
                     help="pyabc's perturbation kernel (default: local)")
    cal.add_argument("--backend", choices=("serial", "processes", "dask"), default="processes")
    cal.add_argument("--workers", type=positive, metavar="N",
                     help="processes or dask workers (default: one per CPU)")
    cal.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running dask scheduler")
    cal.add_argument("--max-minutes", type=float, metavar="M",
                     help="stop after M minutes (resume later)")
    cal.add_argument("--write-scenario", metavar="FILE",
                     help="write a scenario extending SCENARIO with --draws posterior draws")
    cal.add_argument("--draws", type=positive, default=200, metavar="N",
                     help="posterior draws in the written scenario (default 200)")
    cal.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter of the scenario (repeatable)")
    cal.add_argument("-q", "--quiet", action="store_true", help="no progress")
    cal.set_defaults(func=calibrate_command)


def _bad(key: str, value: object, message: str, allowed: str = "") -> ScenarioError:
    return ScenarioError([ScenarioProblem(COMMAND_LINE, key, value, allowed, message)])


def calibrate_command(args: argparse.Namespace) -> int:
    """Run ``regcycle calibrate``."""
    from ..calibration.abc import DATABASE, calibrate, load_settings, settings_for
    from ..calibration.record import check_against, load_record
    from ..calibration.report import posterior_summary, write_posterior_scenario
    from .loading import load_from_command_line as _load

    if importlib.util.find_spec("pyabc") is None:
        print("regcycle: calibrate needs pyabc: pip install 'regcycle[calibrate]'",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.scheduler and args.backend != "dask":
        print(f"regcycle: --scheduler needs --backend dask, not {args.backend}", file=sys.stderr)
        return EXIT_BAD_INPUT
    scenario = _load(args.scenario, args.sets)
    if scenario.calibrate is None:
        raise _bad("calibrate", args.scenario, f"scenario {scenario.name!r} has no [calibrate] "
                   "table", "a scenario with [calibrate] and [calibrate.parameters]")
    record_path = args.record or scenario.calibrate.record
    if not record_path:
        raise _bad("--record", None, "no record given and the [calibrate] table names none",
                   "a record file such as data/record.toml")
    record = load_record(record_path)
    check_against(record, scenario, sets=("fit",))  # held-out facts are not needed to fit
    if args.resume:
        folder = Path(args.resume)
        if not (folder / DATABASE).is_file():
            raise _bad("--resume", args.resume, f"no {DATABASE} in that folder",
                       "a folder written by regcycle calibrate")
        old = load_settings(folder)
        settings = settings_for(scenario, record, population=old.population,
                                generations=args.generations or old.generations,
                                min_acceptance=old.min_acceptance, min_epsilon=old.min_epsilon,
                                replications=old.replications, seed=old.seed,
                                transition=old.transition)
        if (settings.parameters, settings.statistics, settings.observed) != \
                (old.parameters, old.statistics, old.observed):
            raise _bad("--resume", args.resume, "the scenario's [calibrate] table or the record "
                       "changed since this calibration started",
                       "the same scenario and record as the folder's calibration.json")
    else:
        settings = settings_for(scenario, record, population=args.population,
                                generations=args.generations,
                                min_acceptance=args.min_acceptance,
                                replications=args.replications, seed=args.seed,
                                transition=args.transition)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = Path(args.out) / scenario.name / f"calibrate-{stamp}"
    if not args.quiet:
        names = ", ".join(k for k, _, _ in settings.parameters)
        print(f"calibrating {scenario.name} to {record_path}: {len(settings.parameters)} "
              f"parameters ({names}), {len(settings.statistics)} statistics, population "
              f"{settings.population}, up to {settings.generations} generations, backend "
              f"{args.backend} → {folder}", file=sys.stderr)
    t0 = time.perf_counter()
    try:
        result = calibrate(settings, scenario.params, folder, backend=args.backend,
                           workers=args.workers, scheduler=args.scheduler,
                           resume=bool(args.resume), progress=not args.quiet,
                           max_seconds=args.max_minutes * 60 if args.max_minutes else None)
    except KeyboardInterrupt:
        print("regcycle: interrupted; the finished generations are in the history. Resume with:"
              f"\n  regcycle calibrate {args.scenario} --resume {folder}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except FileExistsError as exc:
        print(f"regcycle: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    summary = posterior_summary(folder, settings)
    summary.to_csv(folder / "posterior_summary.csv", index=False)
    try:
        from ..plots.calibration import plot_posterior

        plot_posterior(folder, settings).savefig(folder / "posterior.png", dpi=110)
    except Exception as exc:  # a picture must not cost the calibration
        print(f"regcycle: could not draw posterior.png: {exc}", file=sys.stderr)
    if args.write_scenario:
        path = write_posterior_scenario(folder, scenario, args.write_scenario, n=args.draws,
                                        seed=settings.seed)
        if not args.quiet:
            print(f"posterior scenario ({args.draws} draws): {path}", file=sys.stderr)
    if args.quiet:
        print(folder)
        return EXIT_OK
    rate = result.simulations / max(result.seconds, 1e-9)
    print(f"{scenario.name}: {result.generations} generations, {result.simulations} simulations "
          f"in {time.perf_counter() - t0:.1f} s ({rate:.1f}/s) → {folder}")
    print(summary.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"  posterior particles: {folder / 'posterior.parquet'}; picture: "
          f"{folder / 'posterior.png'}")
    return EXIT_OK
