"""The analysis subcommands of ``regcycle``: ``plot``, ``summarize`` and ``compare``.

They only read results folders (through :mod:`sim.experiment.store` and
:mod:`sim.analysis.results`) and
call the library; :func:`add_analysis_subcommands` registers them on the main parser's
subparsers. Each command returns an exit status: 0 success, 2 bad input (one line on stderr),
including a folder whose scenario did not store (``run.series``, ``run.events``) what the
figure or table needs: the message names the missing columns or event kinds.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.frames import sectors_of
from ..analysis.metrics import crackdowns
from ..analysis.results import load_summary
from ..analysis.summary import (
    RUN_METRICS,
    SUMMARY_COLUMNS,
    SUMMARY_EVENTS,
    SUMMARY_QUANTITIES,
    aggregate,
    compare,
    metric_columns,
)
from ..model.schema import sectors_in

__all__ = [
    "DEFAULT_COMPARE_METRICS",
    "PANELS_COLUMNS",
    "PANELS_QUANTITIES",
    "PLOT_KINDS",
    "PLOT_KIND_ALIASES",
    "add_analysis_subcommands",
    "compare_command",
    "plot_command",
    "summarize_command",
]

EXIT_OK = 0
EXIT_BAD_INPUT = 2

PLOT_KINDS: tuple[str, ...] = ("panels", "portrait", "fan", "timeline")
"""Figure kinds of ``regcycle plot``; the first is the default."""

PLOT_KIND_ALIASES: dict[str, str] = {"dashboard": "panels"}
"""Other names ``regcycle plot --kind`` accepts, and the kind each stands for. ``dashboard`` was
the name of ``panels`` (:func:`sim.plots.plot_panels`) before the interactive dashboard
(``regcycle dashboard``) was added; it still works, and names its file as before."""

DEFAULT_COMPARE_METRICS: tuple[str, ...] = (
    "enforcement_sd",
    "n_crackdowns",
    "crackdown_median",
    "loose_median",
    "drawdown_median",
    "mean_harm",
    "mean_valuation",
)
"""Metrics ``regcycle compare`` shows unless told otherwise."""

HARD_MULTIPLE_PARAM = "leadership.hard_alarm_multiple"
"""Runs-table column of the hard alarm multiple (drawn on the panels figure)."""

PANELS_COLUMNS: tuple[str, ...] = ("valuation_index", "pain", "perceived_pain")
"""Aggregate series the panels figure draws."""

PANELS_QUANTITIES: tuple[str, ...] = ("phase", "enforcement", "signal", "perceived_alarm",
                                      "threshold", "aggressiveness", "harm")
"""Per-sector series the panels figure draws, for every sector."""


class CommandError(ValueError):
    """Bad input to an analysis command (reported as one line, exit status 2)."""


# --------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------


def _metric_list(text: str) -> list[str]:
    names = [t.strip() for t in text.split(",") if t.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one metric name")
    return names


def add_analysis_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """Register ``plot``, ``summarize`` and ``compare`` on the main parser's subparsers."""
    fmt = argparse.RawDescriptionHelpFormatter
    plot = subparsers.add_parser(
        "plot", help="draw a figure of a results folder", formatter_class=fmt,
        description="Draw a figure of one results folder: the pendulum panels of a run "
                    "(default), the phase portrait of a sector, the fan chart of a series over "
                    "all runs, or the timeline of a run's phase episodes.",
        epilog="examples:\n  regcycle plot results/baseline/20250101-120000\n"
               "  regcycle plot DIR --kind portrait --sector fintech --run 3\n"
               "  regcycle plot DIR --kind fan --column valuation_index --out fan.png")
    plot.add_argument("results", metavar="RESULTS_DIR", type=Path)
    plot.add_argument("--run", type=int, metavar="ID", help="run id (default: the first)")
    plot.add_argument("--kind", choices=(*PLOT_KINDS, *PLOT_KIND_ALIASES), default=PLOT_KINDS[0],
                      metavar="{" + ",".join(PLOT_KINDS) + "}",
                      help="figure kind (default: %(default)s); "
                           + "; ".join(f"'{alias}' is an accepted alias of '{kind}'"
                                       for alias, kind in PLOT_KIND_ALIASES.items()))
    plot.add_argument("--sector", help="sector for the portrait and the default fan column "
                                       "(default: the first)")
    plot.add_argument("--column", help="series column of the fan chart (default: "
                                       "enforcement.<sector>)")
    plot.add_argument("--out", type=Path, metavar="FILE",
                      help="image file (default: RESULTS_DIR/<kind>[-run<ID>].png)")
    plot.add_argument("--dpi", type=int, default=130)
    plot.set_defaults(func=plot_command)

    summ = subparsers.add_parser(
        "summarize", help="print cycle metrics of a results folder", formatter_class=fmt,
        description="Print the cycle metrics of a results folder: median and 5/25/75/95 % "
                    "quantiles over runs (or one row per run, or the crackdown episodes).",
        epilog="examples:\n  regcycle summarize DIR\n  regcycle summarize DIR --per-run "
               "--csv runs.csv\n  regcycle summarize DIR --metrics enforcement_sd,mean_harm")
    summ.add_argument("results", metavar="RESULTS_DIR", type=Path)
    summ.add_argument("--metrics", type=_metric_list, metavar="A,B,...",
                      help="metrics to show (default: all run-level metrics)")
    summ.add_argument("--all", action="store_true", help="include per-sector metrics")
    summ.add_argument("--per-run", action="store_true", help="one row per run")
    summ.add_argument("--episodes", action="store_true",
                      help="one row per crackdown episode of every run")
    summ.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV")
    summ.add_argument("--refresh", action="store_true",
                      help="recompute summary.parquet even if it is current")
    summ.set_defaults(func=summarize_command)

    comp = subparsers.add_parser(
        "compare", help="compare metrics across results folders (scenarios)",
        formatter_class=fmt,
        description="Set scenarios side by side: per metric, the median of each folder, the "
                    "difference of medians from the reference (the first folder unless "
                    "--reference) and its bootstrap interval; one table and one figure.",
        epilog="examples:\n  regcycle compare results/baseline/ID results/rules_based/ID\n"
               "  regcycle compare A B C --metrics enforcement_sd,mean_harm --out cmp.png\n"
               "  regcycle compare results/history/ID results/no_bund_speech/ID --paired")
    comp.add_argument("results", metavar="RESULTS_DIR", type=Path, nargs="+")
    comp.add_argument("--metrics", type=_metric_list, metavar="A,B,...",
                      default=list(DEFAULT_COMPARE_METRICS),
                      help="metrics to compare (default: %(default)s)")
    comp.add_argument("--reference", help="scenario label to difference against")
    comp.add_argument("--boot", type=int, default=2000, metavar="N",
                      help="bootstrap resamples (default: %(default)s)")
    comp.add_argument("--level", type=float, default=0.9,
                      help="interval coverage (default: %(default)s)")
    comp.add_argument("--paired", action="store_true",
                      help="pair runs by seed (and by posterior draw when every folder drew "
                           "the same parameters): the mean of the run-by-run differences, "
                           "for scenarios that extend one another (common random numbers)")
    comp.add_argument("--kind", choices=("box", "violin"), default="box")
    comp.add_argument("--out", type=Path, default=Path("comparison.png"), metavar="FILE",
                      help="figure file (default: %(default)s)")
    comp.add_argument("--csv", type=Path, metavar="FILE", help="also write the table as CSV")
    comp.add_argument("--dpi", type=int, default=110)
    comp.set_defaults(func=compare_command)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def _guard(fn):
    """Turn bad input into one line on stderr and exit status 2."""
    from ..experiment.store import StoreError

    def wrapper(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (CommandError, StoreError) as exc:
            print(f"regcycle: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def _print_table(table: pd.DataFrame) -> None:
    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 200, "display.float_format", "{:.4g}".format):
        print(table.to_string(index=False))


def _check_metrics(names: Sequence[str], available: Sequence[str]) -> None:
    unknown = [n for n in names if n not in available]
    if unknown:
        raise CommandError(f"unknown metric(s) {', '.join(unknown)}; available: "
                           f"{', '.join(available)}")


def _figure(**kwargs):
    from matplotlib.figure import Figure

    return Figure(layout="constrained", **kwargs)


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


@_guard
def plot_command(args: argparse.Namespace) -> int:
    """``regcycle plot RESULTS_DIR [--run ID] [--kind K] [--out FILE]``: write one figure."""
    from ..experiment.store import folder_sectors, load_results, require_stored
    from ..model.schema import series_columns
    from ..plots import plot_fan, plot_panels, plot_phase_portrait, plot_timeline

    res = load_results(args.results, params=[HARD_MULTIPLE_PARAM]
                       if HARD_MULTIPLE_PARAM in _runs_columns(args.results) else False)
    ids = sorted(int(i) for i in res.series["run_id"].unique())
    if not ids:
        raise CommandError(f"{args.results}: no runs")
    run_id = ids[0] if args.run is None else args.run
    if run_id not in ids:
        raise CommandError(f"no run {run_id} in {args.results}; runs are {ids[0]}..{ids[-1]}")
    one = res.run(run_id)
    sectors = folder_sectors(res.manifest, one.columns)
    stored = _stored_sectors(one)
    sector = args.sector or (stored[0] if stored else sectors[0])
    if sector not in sectors:
        raise CommandError(f"unknown sector {sector!r}; sectors are {', '.join(sectors)}")
    seed = int(res.runs.loc[res.runs["run_id"] == run_id, "seed"].iloc[0])
    title = f"{res.scenario}: run {run_id} (seed {seed})"
    kind = PLOT_KIND_ALIASES.get(args.kind, args.kind)
    what = f"the {args.kind} figure"
    if kind == "panels":
        require_stored(args.results, what, columns=PANELS_COLUMNS, quantities=PANELS_QUANTITIES)
    elif kind == "portrait":
        require_stored(args.results, what, columns=[f"{q}.{sector}" for q in
                                                    ("enforcement", "harm", "phase")])
    elif kind == "timeline":
        require_stored(args.results, what, quantities=["phase"])
    if kind == "panels":
        fig = _figure(figsize=(11, 10.5))
        axes = fig.subplots(4, 1, sharex=True, height_ratios=(1.4, 1, 1, 1))
        events = res.events.loc[res.events["run_id"] == run_id]
        hard = None
        if HARD_MULTIPLE_PARAM in res.runs.columns:
            hard = float(res.runs.loc[res.runs["run_id"] == run_id, HARD_MULTIPLE_PARAM].iloc[0])
        plot_panels(one, events, axes, hard_multiple=hard, title=title)
    elif kind == "portrait":
        fig = _figure(figsize=(6.5, 5.5))
        ax = plot_phase_portrait(one, sector, fig.subplots(), logy=_wide(one[f"harm.{sector}"]))
        ax.set_title(f"{title}: {sector}")
    elif kind == "timeline":
        fig = _figure(figsize=(10, 0.55 * len(sectors) + 1.6))
        ax = plot_timeline(one, fig.subplots())
        ax.set_title(title)
    else:
        column = args.column or f"enforcement.{sector}"
        if column not in res.series.columns:
            if column in series_columns(sectors):  # a schema column the folder left out
                require_stored(args.results, what, columns=[column])
            raise CommandError(f"no series column {column!r}")
        fig = _figure(figsize=(10, 4.5))
        ax = plot_fan(res.series, column, fig.subplots())
        ax.set_title(f"{res.scenario}: {column} over {len(ids)} runs")
    default = f"{kind}.png" if kind == "fan" else f"{args.kind}-run{run_id}.png"
    out = args.out or Path(args.results) / default
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=args.dpi)
    print(out)
    return EXIT_OK


def _stored_sectors(series: pd.DataFrame) -> list[str]:
    """Sectors with columns in a series frame: by their phase columns, else by any column."""
    return sectors_of(series) or sectors_in(series.columns)


def _runs_columns(path: Path) -> list[str]:
    from ..experiment.store import RUNS

    file = Path(path) / RUNS
    if not file.is_file():
        return []
    import pyarrow.parquet as pq

    return list(pq.read_schema(file).names)


def _wide(values: pd.Series) -> bool:
    """Whether positive values span more than two orders of magnitude (then use log scale)."""
    v = values.to_numpy(dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    return bool(v.size and v.max() / v.min() > 100)


@_guard
def summarize_command(args: argparse.Namespace) -> int:
    """``regcycle summarize RESULTS_DIR``: print cycle metrics (CSV with ``--csv``)."""
    if args.episodes:
        from ..experiment.store import load_results, require_stored

        # the episodes are the summary's per-crackdown rows: they read what it reads
        require_stored(args.results, "listing the crackdown episodes", columns=SUMMARY_COLUMNS,
                       quantities=SUMMARY_QUANTITIES, events=SUMMARY_EVENTS)
        res = load_results(args.results, params=False)
        parts = []
        for run_id, block in res.series.groupby("run_id", sort=True):
            ev = res.events.loc[res.events["run_id"] == run_id]
            cds = crackdowns(block.drop(columns=["run_id", "seed"]).reset_index(drop=True), ev)
            cds.insert(0, "run_id", run_id)
            parts.append(cds)
        table = pd.concat(parts, ignore_index=True)
    else:
        summary = load_summary(args.results, params=False, refresh=args.refresh)
        available = metric_columns(summary)
        if args.metrics:
            _check_metrics(args.metrics, available)
            names = list(args.metrics)
        else:
            names = [m for m in available if args.all or m in RUN_METRICS]
        if args.per_run:
            ids = [c for c in ("run_id", "seed") if c in summary.columns]
            table = summary[ids + names]
        else:
            table = aggregate(summary, by="scenario", metrics=names)
    _print_table(table)
    if args.csv:
        table.to_csv(args.csv, index=False)
        print(f"wrote {args.csv}", file=sys.stderr)
    return EXIT_OK


def _paired_table(summary: pd.DataFrame, drawn: Sequence[str],
                  args: argparse.Namespace) -> pd.DataFrame:
    """``compare --paired``: run-by-run differences over the seeds (and draws) folders share.

    Runs pair on their seed, and on their ``drawn`` parameters when every folder ran the same
    posterior's parameters (replication r of scenarios extending one calibrated scenario has
    the same seed and the same draw); runs without a partner are left out (``n`` counts pairs).
    """
    from ..analysis.hypotheses import paired_compare

    labels = list(dict.fromkeys(summary["scenario"]))
    try:
        table = paired_compare(summary, args.metrics, reference=args.reference or labels[0],
                               pair=["seed", *drawn], n_boot=args.boot, level=args.level)
    except ValueError as exc:  # a seed twice in one folder (a sweep): nothing to pair on
        raise CommandError(f"--paired: {exc}") from exc
    if (table["n"] == 0).any():
        print("regcycle: some scenarios share no seed with the reference: no pairs (n = 0); "
              "paired runs need scenarios that extend one another", file=sys.stderr)
    return table


@_guard
def compare_command(args: argparse.Namespace) -> int:
    """``regcycle compare DIR1 DIR2 ...``: one table and one figure across scenarios."""
    from ..analysis.hypotheses import drawn_parameters
    from ..experiment.store import RUNS
    from ..plots import plot_comparison, plot_hypotheses

    # --paired: the parameters every folder drew from one posterior pair runs with the seed
    drawn = drawn_parameters(args.results) if args.paired else []
    if drawn:
        print(f"pairing runs on their seed and their draw of {', '.join(drawn)}",
              file=sys.stderr)
    frames = []
    for path in args.results:
        table = load_summary(path, params=False)
        if drawn:
            table = table.merge(pd.read_parquet(Path(path) / RUNS, columns=["run_id", *drawn]),
                                on="run_id", how="left", validate="1:1")
        frames.append(table.assign(results=Path(path).name))
    names = [str(f["scenario"].iloc[0]) if len(f) else Path(p).name
             for f, p in zip(frames, args.results, strict=True)]
    labels = [f"{n}/{Path(p).name}" if names.count(n) > 1 else n
              for n, p in zip(names, args.results, strict=True)]
    for f, label in zip(frames, labels, strict=True):
        f["scenario"] = label
    summary = pd.concat(frames, ignore_index=True)
    _check_metrics(args.metrics, metric_columns(summary))
    if args.reference is not None and args.reference not in labels:
        raise CommandError(f"unknown reference {args.reference!r}; scenarios are "
                           f"{', '.join(labels)}")
    if args.paired:
        table = _paired_table(summary, drawn, args)
    else:
        table = compare(summary, args.metrics, by="scenario", reference=args.reference,
                        n_boot=args.boot, level=args.level)
    _print_table(table)
    if args.csv:
        table.to_csv(args.csv, index=False)
        print(f"wrote {args.csv}", file=sys.stderr)
    n = len(args.metrics)
    fig = _figure(figsize=(4.0 + 1.4 * len(labels) + 4.5, 3.4 * n))
    axes = np.atleast_2d(fig.subplots(n, 2, width_ratios=(1.4, 1), squeeze=False))
    order = [args.reference] + [x for x in labels if x != args.reference] \
        if args.reference else labels
    for metric, (left, right) in zip(args.metrics, axes, strict=True):
        plot_hypotheses(summary, metric, left, order=order, kind=args.kind)
        plot_comparison(table, metric, right)
        what = "mean paired difference" if args.paired else "difference of medians"
        right.set_title(f"{what}, {args.level:.0%} bootstrap interval", fontsize="small")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=args.dpi)
    print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK
