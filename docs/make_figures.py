"""Regenerate the figures of docs/figures/ from real model runs (``python docs/make_figures.py``).

Runs the scenarios below through the runner into a results root (a temporary folder unless
``--keep DIR``), then draws one figure of each kind with :mod:`sim.plots`. Seeds come from the
scenario files, so the figures are reproducible. Takes a few minutes on two cores.
"""

from __future__ import annotations

import argparse
import itertools
import logging
import sys
import tempfile
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sim.analysis.results import load_summary  # noqa: E402
from sim.analysis.summary import compare  # noqa: E402
from sim.experiment.runner import run_scenario  # noqa: E402
from sim.experiment.scenario import load_scenario  # noqa: E402
from sim.experiment.store import load_results  # noqa: E402
from sim.plots import (  # noqa: E402
    plot_comparison,
    plot_fan,
    plot_hypotheses,
    plot_overview,
    plot_panels,
    plot_phase_portrait,
    plot_sweep_heatmap,
    plot_timeline,
)

OUT = ROOT / "docs" / "figures"
SCENARIOS = ("baseline", "rules_based", "unified_regulator", "faster_feedback")
"""The baseline and three hypotheses: rules against campaigns, and the information deficit as
bias (unified regulator) against lag (faster feedback), MODEL.md §2 and §7."""
SWEEP = {"leadership.theta_alarm": (0.7, 1.0, 1.3), "leadership.theta_pain": (0.35, 0.5, 0.65)}
"""θ and θ_P around their v2 defaults (1.0 and 0.5)."""
SWEEP_METRIC = "share_crackdown"
DPI = 110


def _run(name: str, root: Path, workers: int, seeds: int | None = None,
         overrides: dict | None = None) -> Path:
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml", overrides or {},
                             replications=seeds)
    return run_scenario(scenario, out=root, workers=workers, plot=False)


def _save(fig: Figure, name: str) -> None:
    path = OUT / name
    fig.savefig(path, dpi=DPI)
    print(path)


def main(argv: list[str] | None = None) -> int:
    """Run the scenarios and write every figure."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--keep", type=Path, help="results root to keep (default: temporary)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=12, help="replications per scenario")
    parser.add_argument("--sweep-seeds", type=int, default=3)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        folders = {s: _run(s, root, args.workers, args.seeds) for s in SCENARIOS}
        base = load_results(folders["baseline"])
        one = base.run(0)
        events = base.events.loc[base.events["run_id"] == 0]
        seed = int(base.runs["seed"].iloc[0])
        title = f"baseline, seed {seed}"

        fig = Figure(figsize=(10, 4.5), layout="constrained")
        plot_overview(one, fig.subplots(), title=f"Enforcement per sector ({title})")
        _save(fig, "overview.png")

        fig = Figure(figsize=(11, 10.5), layout="constrained")
        axes = fig.subplots(4, 1, sharex=True, height_ratios=(1.4, 1, 1, 1))
        plot_panels(one, events, axes, title=f"The pendulum panels ({title})")
        _save(fig, "panels.png")

        fig = Figure(figsize=(6.5, 5.5), layout="constrained")
        ax = plot_phase_portrait(one, "platform", fig.subplots(), logy=True)
        ax.set_title(f"Phase portrait: platform ({title})")
        _save(fig, "portrait.png")

        fig = Figure(figsize=(10, 4.2), layout="constrained")
        ax = plot_fan(base.series, "enforcement.platform", fig.subplots())
        ax.set_title(f"Platform enforcement over {base.runs.shape[0]} baseline runs")
        _save(fig, "fan.png")

        fig = Figure(figsize=(10, 4.4), layout="constrained")
        ax = plot_timeline(one, fig.subplots())
        ax.set_title(f"Phase episodes per sector ({title}); numbers are months")
        _save(fig, "timeline.png")

        summary = pd.concat([load_summary(folders[s], params=False) for s in SCENARIOS],
                            ignore_index=True)
        fig = Figure(figsize=(12, 4.4), layout="constrained")
        left, right = fig.subplots(1, 2)
        plot_hypotheses(summary, "enforcement_sd", left)
        plot_hypotheses(summary, "mean_harm", right)
        _save(fig, "hypotheses.png")

        table = compare(summary, ["enforcement_sd", "mean_harm"], reference="baseline")
        fig = Figure(figsize=(11, 3.2), layout="constrained")
        for metric, ax in zip(("enforcement_sd", "mean_harm"), fig.subplots(1, 2),
                              strict=True):
            plot_comparison(table, metric, ax)
            ax.set_title(f"{metric}: difference of medians from baseline (90 % bootstrap)",
                         fontsize="small")
        _save(fig, "comparison.png")

        rows = []
        keys = list(SWEEP)
        for values in itertools.product(*SWEEP.values()):
            overrides = dict(zip(keys, values, strict=True))
            folder = _run("baseline", root / "sweep", args.workers, args.sweep_seeds,
                          overrides)
            rows.append(load_summary(folder).assign(**overrides))
        sweep = pd.concat(rows, ignore_index=True)
        fig = Figure(figsize=(6.0, 4.6), layout="constrained")
        ax = plot_sweep_heatmap(sweep, keys[0], keys[1], SWEEP_METRIC, fig.subplots())
        ax.set_title(f"Median {SWEEP_METRIC} ({args.sweep_seeds} seeds per cell)",
                     fontsize="medium")
        _save(fig, "sweep_heatmap.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
