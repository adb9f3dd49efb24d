"""The analysis subcommands on a hand-built results folder (no model run needed)."""

import argparse
import json

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from sim.analysis.results import SUMMARY, load_summary, write_summary
from sim.analysis.synthetic import synthetic_events, synthetic_series
from sim.app.analysis_commands import add_analysis_subcommands
from sim.experiment.store import EVENTS, MANIFEST, RUNS, SERIES

L, C, K = "LOOSE", "CRACKDOWN", "COMPROMISE"


def _run(n_crackdowns: int, enf_peak: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    block = [L] * 10 + [C] * 4 + [K] * 6
    phases = {"platform": block * n_crackdowns + [L] * (60 - 20 * n_crackdowns),
              "ai": [L] * 60}
    enf = np.where(np.array(phases["platform"]) == C, enf_peak, 0.1)
    series = synthetic_series(phases, values={"enforcement.platform": enf,
                                              "valuation_index": 100.0,
                                              "perceived_alarm.platform": 0.3,
                                              "threshold.platform": 0.5,
                                              "threshold.ai": 0.5,
                                              "harm.platform": 1.0})
    events = synthetic_events([{"month": 10, "kind": "sanction", "sector": "platform",
                                "magnitude": 0.02},
                               {"month": 9, "kind": "scandal", "sector": "platform",
                                "magnitude": 6.0}])
    return series, events


def _folder(root, name, runs):
    path = root / name / "20250101-000000"
    path.mkdir(parents=True)
    series, events, rows = [], [], []
    for run_id, (n, peak) in enumerate(runs):
        s, e = _run(n, peak)
        for frame in (s, e):
            frame.insert(0, "seed", 100 + run_id)
            frame.insert(0, "run_id", run_id)
        series.append(s)
        events.append(e)
        rows.append({"run_id": run_id, "seed": 100 + run_id, "scenario": name,
                     "status": "done", "leadership.hard_alarm_multiple": 2.0,
                     "leadership.theta_alarm": 0.5 + 0.1 * (run_id % 2)})
    pd.concat(series, ignore_index=True).to_parquet(path / SERIES)
    pd.concat(events, ignore_index=True).to_parquet(path / EVENTS)
    pd.DataFrame(rows).to_parquet(path / RUNS)
    (path / MANIFEST).write_text(json.dumps({"scenario": {"name": name}, "status": "complete"}))
    return path


@pytest.fixture
def folders(tmp_path):
    base = _folder(tmp_path, "base", [(2, 1.0), (3, 0.9), (2, 0.8)])
    other = _folder(tmp_path, "calm", [(1, 0.3), (1, 0.4)])
    return base, other


def _main(argv):
    parser = argparse.ArgumentParser(prog="regcycle")
    add_analysis_subcommands(parser.add_subparsers(dest="command"))
    args = parser.parse_args([str(a) for a in argv])
    return args.func(args)


def test_summary_table_written_and_joined_with_params(folders):
    base, _ = folders
    out = write_summary(base, strict=True)
    assert out == base / SUMMARY
    table = pd.read_parquet(out)
    assert table[["run_id", "seed", "scenario"]].values.tolist() == [
        [0, 100, "base"], [1, 101, "base"], [2, 102, "base"]]
    assert table["n_crackdowns"].tolist() == [2, 3, 2]
    assert table["period_median"].tolist() == [20, 20, 20]
    assert table["trigger_to_sanction_median"].tolist()[0] == 0  # onset 10, sanction 10
    joined = load_summary(base)
    assert joined["leadership.theta_alarm"].tolist() == pytest.approx([0.5, 0.6, 0.5])
    assert "status" not in joined.columns


def test_summarize_prints_quantiles_and_writes_csv(folders, tmp_path, capsys):
    base, _ = folders
    csv = tmp_path / "agg.csv"
    assert _main(["summarize", base, "--metrics", "n_crackdowns,share_crackdown",
                  "--csv", csv]) == 0
    printed = capsys.readouterr().out
    assert "n_crackdowns" in printed and "share_crackdown" in printed
    table = pd.read_csv(csv)
    row = table.loc[table["metric"] == "n_crackdowns"].iloc[0]
    assert (row["scenario"], row["n"], row["median"]) == ("base", 3, 2.0)
    assert (base / SUMMARY).is_file()


def test_summarize_per_run_and_episodes(folders, tmp_path, capsys):
    base, _ = folders
    assert _main(["summarize", base, "--per-run", "--csv", tmp_path / "r.csv"]) == 0
    runs = pd.read_csv(tmp_path / "r.csv")
    assert runs["run_id"].tolist() == [0, 1, 2]
    assert "n_crackdowns.platform" not in runs.columns  # per-sector only with --all
    assert _main(["summarize", base, "--episodes", "--csv", tmp_path / "e.csv"]) == 0
    eps = pd.read_csv(tmp_path / "e.csv")
    assert eps.groupby("run_id").size().tolist() == [2, 3, 2]
    assert eps["onset"].tolist()[:2] == [10, 30]
    capsys.readouterr()


def test_summarize_unknown_metric_is_bad_input(folders, capsys):
    base, _ = folders
    assert _main(["summarize", base, "--metrics", "nope"]) == 2
    assert "unknown metric(s) nope" in capsys.readouterr().err


def test_compare_table_and_figure(folders, tmp_path, capsys):
    base, other = folders
    fig, csv = tmp_path / "cmp.png", tmp_path / "cmp.csv"
    assert _main(["compare", base, other, "--metrics", "n_crackdowns,amplitude_median",
                  "--out", fig, "--csv", csv, "--boot", "200", "--dpi", "40"]) == 0
    table = pd.read_csv(csv)
    assert table["scenario"].tolist() == ["base", "calm", "base", "calm"]
    n = table.loc[table["metric"] == "n_crackdowns"]
    assert n["median"].tolist() == [2.0, 1.0]
    assert n["diff"].tolist() == [0.0, -1.0]
    amp = table.loc[(table["metric"] == "amplitude_median") & (table["scenario"] == "calm")]
    # amplitudes: base 0.9, 0.8, 0.7 (median 0.8); calm 0.2, 0.3 (median 0.25)
    assert amp["diff"].iloc[0] == pytest.approx(0.25 - 0.8)
    assert fig.stat().st_size > 5_000
    capsys.readouterr()
    assert _main(["compare", base, other, "--reference", "nobody", "--out", fig]) == 2
    assert "unknown reference" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["panels", "portrait", "fan", "timeline"])
def test_plot_kinds_write_files(folders, kind, capsys):
    base, _ = folders
    assert _main(["plot", base, "--kind", kind, "--run", 1, "--dpi", 40]) == 0
    name = "fan.png" if kind == "fan" else f"{kind}-run1.png"
    assert (base / name).stat().st_size > 2_000
    assert capsys.readouterr().out.strip() == str(base / name)


def test_plot_dashboard_is_an_alias_of_panels(folders, capsys):
    """``--kind dashboard`` (the old name of ``panels``) draws the same figure into the file it
    always wrote; ``panels`` is the default; ``--help`` says the alias is one."""
    from sim.app.analysis_commands import PLOT_KIND_ALIASES, PLOT_KINDS

    assert PLOT_KINDS[0] == "panels" and PLOT_KIND_ALIASES == {"dashboard": "panels"}
    base, _ = folders
    assert _main(["plot", base, "--kind", "dashboard", "--run", 1, "--dpi", 40]) == 0
    assert capsys.readouterr().out.strip() == str(base / "dashboard-run1.png")
    assert _main(["plot", base, "--run", 1, "--dpi", 40]) == 0
    assert capsys.readouterr().out.strip() == str(base / "panels-run1.png")
    import matplotlib.image

    alias, panels = (matplotlib.image.imread(base / f"{k}-run1.png") for k in ("dashboard",
                                                                              "panels"))
    np.testing.assert_array_equal(alias, panels)  # the same figure, pixel for pixel
    with pytest.raises(SystemExit):
        _main(["plot", "--help"])
    usage = " ".join(capsys.readouterr().out.split())
    assert "--kind {panels,portrait,fan,timeline}" in usage
    assert "'dashboard' is an accepted alias of 'panels'" in usage


def test_plot_bad_run_and_sector(folders, capsys):
    base, _ = folders
    assert _main(["plot", base, "--run", 9]) == 2
    assert "no run 9" in capsys.readouterr().err
    assert _main(["plot", base, "--kind", "portrait", "--sector", "mars"]) == 2
    assert "unknown sector 'mars'" in capsys.readouterr().err


def test_registered_on_regcycle_main(folders, capsys):
    from sim.app.cli import main

    base, _ = folders
    assert main(["summarize", str(base), "--metrics", "n_cycles"]) == 0
    assert "n_cycles" in capsys.readouterr().out
    assert main(["compare", str(base), "/nonexistent/folder"]) == 2
    assert "not a results folder" in capsys.readouterr().err


def test_declared_figure_and_episode_inputs_are_enough():
    """What `plot --kind panels` (PANELS_*) and `summarize --episodes` (the summary's
    SUMMARY_*) require a folder to store suffices: on a model run trimmed to it the panels
    draw and the episodes equal those of the full run, every column bit for bit."""
    from sim import Params, RegulatoryModel
    from sim.analysis.metrics import crackdowns
    from sim.analysis.summary import SUMMARY_COLUMNS, SUMMARY_EVENTS, SUMMARY_QUANTITIES
    from sim.app.analysis_commands import PANELS_COLUMNS, PANELS_QUANTITIES
    from sim.experiment.store import select_outputs
    from sim.model.schema import OutputSelection
    from sim.plots import plot_panels

    model = RegulatoryModel(Params().override({"run.months": 150}), rng=5).run()
    series, events = model.series(), model.events()
    panels, _ = select_outputs(OutputSelection(series=(*PANELS_COLUMNS, *PANELS_QUANTITIES)),
                               series, None)
    fig = matplotlib.figure.Figure()
    axes = fig.subplots(4, 1, sharex=True)
    plot_panels(panels, events, axes)
    assert all(ax.has_data() for ax in axes)
    kept = OutputSelection(series=(*SUMMARY_COLUMNS, *SUMMARY_QUANTITIES), events=SUMMARY_EVENTS)
    trimmed, trimmed_events = select_outputs(kept, series, events)
    full = crackdowns(series, events)
    assert len(full) >= 1
    pd.testing.assert_frame_equal(crackdowns(trimmed, trimmed_events), full, check_exact=True)
