"""Regime maps (issue #15): the classification of a run and ``regcycle regimes`` end to end.

The unit tests use hand-made phase sequences (no model). The end-to-end tests run the model
on the scenario's replication seeds; the tiny scenario they write uses seeds >= 1000.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.model
from sim.analysis.regimes import (
    REGIME_METRICS,
    RegimeClass,
    cell_table,
    classify,
    classify_rows,
    modal_class,
    regime_column,
    regime_metrics,
    regime_row,
    sector_regimes,
    sector_runs,
)
from sim.app.cli import main
from sim.app.regimes_command import AxisArg, map_scenario, regime_run
from sim.experiment.runner import expand
from sim.model.states import Phase

L, C, K, B = int(Phase.LOOSE), int(Phase.COMPROMISE), int(Phase.CRACKDOWN), int(Phase.BANNED)


def seq(*blocks: tuple[int, int]) -> np.ndarray:
    """A phase-code sequence from (code, months) blocks."""
    return np.concatenate([np.full(n, code) for code, n in blocks])


# ------------------------------------------------------------------ classification (units)

def test_none_one_recurrent() -> None:
    assert classify(seq((L, 300))) is RegimeClass.NONE
    assert classify(seq((L, 50), (K, 20), (C, 10), (L, 220))) is RegimeClass.ONE
    two = seq((L, 50), (K, 20), (C, 10), (L, 60), (K, 15), (C, 5), (L, 140))
    assert classify(two) is RegimeClass.RECURRENT
    # a compromise ends a crackdown: back to crackdown without a lax spell is a second one
    assert classify(seq((L, 50), (K, 20), (C, 10), (K, 15), (C, 205))) is RegimeClass.RECURRENT
    assert classify(seq((L, 50), (K, 20), (C, 230))) is RegimeClass.ONE


def test_metrics_of_a_cycle() -> None:
    x = seq((L, 40), (K, 20), (C, 10), (L, 70), (K, 30), (C, 10), (L, 60), (K, 10), (C, 50))
    m = regime_metrics(x)
    assert set(m) == set(REGIME_METRICS)
    assert m["regime"] is RegimeClass.RECURRENT
    assert m["n_onsets"] == 3 and m["n_crackdowns"] == 3
    # onsets at 40, 140, 240 -> periods 100, 100
    assert m["period"] == 100.0
    assert m["crackdown_mean"] == 20.0 and m["crackdown_max"] == 30.0
    assert m["open_crackdown"] == 0.0
    assert m["lax_first"] == 40.0
    assert math.isnan(m["ban_month"])
    assert m["months"] == float(x.size)


def test_period_nan_below_two_onsets() -> None:
    m = regime_metrics(seq((L, 10), (K, 5), (L, 10)))
    assert m["regime"] is RegimeClass.ONE and math.isnan(m["period"])
    m = regime_metrics(seq((L, 10)))
    assert m["regime"] is RegimeClass.NONE and math.isnan(m["lax_first"])
    assert math.isnan(m["crackdown_mean"]) and m["crackdown_max"] == 0.0


def test_stuck_threshold_and_censoring() -> None:
    """A crackdown running at the horizon is STUCK from N months on; shorter, it counts as a
    crackdown like any other (ONE alone, RECURRENT with an earlier one)."""
    assert classify(seq((L, 10), (K, 120)), stuck_months=120) is RegimeClass.STUCK
    assert classify(seq((L, 10), (K, 119)), stuck_months=120) is RegimeClass.ONE
    assert classify(seq((L, 10), (K, 119)), stuck_months=50) is RegimeClass.STUCK
    late = seq((L, 10), (K, 20), (C, 5), (L, 30), (K, 40))
    assert classify(late) is RegimeClass.RECURRENT
    m = regime_metrics(late)
    assert m["open_crackdown"] == 40.0 and m["crackdown_mean"] == 20.0
    # stuck wins over recurrent: that is where the pendulum stopped
    assert classify(late, stuck_months=40) is RegimeClass.STUCK
    # a long crackdown that ended is not stuck
    assert classify(seq((L, 10), (K, 200), (C, 10), (L, 10))) is RegimeClass.ONE


def test_ban_wins_and_month_zero_crackdown() -> None:
    banned = seq((L, 10), (K, 20), (C, 5), (L, 30), (K, 10), (B, 100))
    m = regime_metrics(banned)
    assert m["regime"] is RegimeClass.BAN and m["ban_month"] == 75.0
    assert classify(seq((L, 5), (K, 300), (B, 1))) is RegimeClass.BAN
    # a crackdown under way at month 0 is a crackdown but not an onset
    m = regime_metrics(seq((K, 10), (C, 5), (L, 50)))
    assert m["regime"] is RegimeClass.ONE and m["n_onsets"] == 0 and m["n_crackdowns"] == 1
    assert m["lax_first"] == 0.0
    m = regime_metrics(seq((K, 10), (L, 50), (K, 5), (L, 5)))
    assert m["regime"] is RegimeClass.RECURRENT and m["n_onsets"] == 1
    assert math.isnan(m["period"])


def test_bad_codes_and_n() -> None:
    with pytest.raises(ValueError, match="unknown phase code"):
        classify(np.array([0, 1, np.nan]))
    with pytest.raises(ValueError, match="unknown phase code"):
        classify(np.array([0, 3]))
    with pytest.raises(ValueError, match="1-D"):
        classify(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="stuck_months"):
        classify(np.zeros(3), stuck_months=0)


def test_rows_frames_and_cells() -> None:
    rows = np.vstack([seq((L, 100)), seq((L, 10), (K, 90)), seq((L, 10), (K, 5), (L, 85))])
    frame = classify_rows(rows, stuck_months=60)
    assert frame["regime"].tolist() == ["none", "stuck", "one"]
    series = pd.DataFrame({"month": np.arange(100),
                           "phase.a": [Phase(int(v)).name for v in rows[1]],
                           "phase.b": [Phase(int(v)).name for v in rows[2]]})
    per = sector_regimes(series, stuck_months=60)
    assert per["sector"].tolist() == ["a", "b"]
    assert per["regime"].tolist() == ["stuck", "one"]
    with pytest.raises(KeyError, match="no sector 'c'"):
        sector_regimes(series, ["c"])
    assert modal_class(["one", "none", "one"]) == ("one", pytest.approx(2 / 3))
    # ties go to the class tested first, whatever the order
    assert modal_class(["none", "recurrent"]) == ("recurrent", 0.5)
    assert modal_class(["recurrent", "none"]) == ("recurrent", 0.5)
    runs = pd.DataFrame({"x": [0, 0, 0, 1, 1, 1], "y": [0] * 6,
                         "regime": ["recurrent", "recurrent", "one", "none", "ban", "ban"],
                         "period": [100.0, 120.0, np.nan, np.nan, np.nan, 80.0]})
    cells = cell_table(runs, ["x", "y"])
    assert cells["regime"].tolist() == ["recurrent", "ban"]
    assert cells["share"].tolist() == pytest.approx([2 / 3, 2 / 3])
    assert cells.loc[0, "period"] == 110.0 and math.isnan(cells.loc[1, "period"])
    assert cells.loc[1, "share_none"] == pytest.approx(1 / 3)


def test_categorical_phases_and_reclassification() -> None:
    names = [Phase(int(v)).name for v in seq((L, 10), (K, 30))]
    series = pd.DataFrame({"phase.a": pd.Categorical(names, categories=[p.name for p in Phase])})
    row = regime_row(series, stuck_months=20)
    assert row[regime_column("regime", "a")] == "stuck"
    assert row[regime_column("open_crackdown", "a")] == 30.0
    summary = pd.DataFrame([row | {"run_id": 0}])
    assert sector_runs(summary, "a")["regime"].tolist() == ["stuck"]
    # the stored numbers give the class for another N
    assert sector_runs(summary, "a", stuck_months=31)["regime"].tolist() == ["one"]
    with pytest.raises(KeyError, match="no regime metrics of sector 'b'"):
        sector_runs(summary, "b")


def test_plot_every_class() -> None:
    """The map draws each class, a colour bar for the period and a legend entry per class."""
    import matplotlib.pyplot as plt

    from sim.plots.regimes import plot_regime_map, share_alpha

    cells = pd.DataFrame({"x": [0, 1, 2, 0, 1, 2], "y": [0, 0, 0, 1, 1, 1],
                          "regime": ["none", "one", "recurrent", "recurrent", "stuck", "ban"],
                          "share": [1.0, 0.5, 1.0, 2 / 3, 1.0, 1.0],
                          "period": [np.nan, np.nan, 120.0, 200.0, np.nan, np.nan]})
    ax = plot_regime_map(cells, x_label="θ", y_label="θ_P")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert len(labels) == 5 and any("recurrent" in t for t in labels)
    assert len(ax.figure.axes) == 2  # the map and the period's colour bar
    rgba = np.asarray(ax.collections[0].get_array())  # rows y, columns x
    assert rgba.shape == (2, 3, 4)
    assert rgba[cells["y"], cells["x"], 3] == pytest.approx(share_alpha(cells["share"]))
    colours = {tuple(np.round(rgba[y, x, :3], 6)) for x, y in zip(cells["x"], cells["y"],
                                                                   strict=True)}
    assert len(colours) == 6  # four class colours and two periods
    assert ax.get_xlabel() == "θ" and ax.get_ylabel() == "θ_P"
    plt.close(ax.figure)


# ------------------------------------------------------------------ the command, end to end

AXES = ["--x", "leadership.theta_alarm=0.6:1.5", "--y", "leadership.theta_pain=0.3:0.8"]
TINY = ["baseline", "--set", "run.seed=1001", *AXES, "--nx", "3", "--ny", "3", "--seeds", "2",
        "--months", "240"]
"""A 3 × 3 map, 2 seeds a cell (derived from root seed 1001), 240 months."""


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["regimes", *argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def check_folder(folder: Path) -> pd.DataFrame:
    """The files of a finished map folder; returns its cell table."""
    for name in ("manifest.json", "runs.parquet", "summary.parquet", "regimes.json",
                 "regimes-platform.parquet", "regimes-platform.csv", "regimes-platform.png"):
        assert (folder / name).is_file(), name
    assert (folder / "regimes-platform.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # no series or events stored: month and date only, and no event rows
    series = pd.read_parquet(folder / "series.parquet")
    assert not [c for c in series.columns if c.startswith("phase")]
    assert len(pd.read_parquet(folder / "events.parquet")) == 0
    cells = pd.read_parquet(folder / "regimes-platform.parquet")
    assert len(cells) == 9 and (cells["n"] == 2).all()
    assert sorted(cells["x"].unique()) == pytest.approx([0.6, 1.05, 1.5])
    assert sorted(cells["y"].unique()) == pytest.approx([0.3, 0.55, 0.8])
    assert set(cells["regime"]) <= {c.value for c in RegimeClass}
    assert ((cells["share"] >= 0.5) & (cells["share"] <= 1.0)).all()
    shares = cells[[f"share_{c.value}" for c in RegimeClass]].to_numpy()
    assert np.allclose(shares.sum(axis=1), 1.0)
    assert pd.read_csv(folder / "regimes-platform.csv")["regime"].tolist() == \
        cells["regime"].tolist()
    return cells


@pytest.fixture(scope="module")
def two_worker_map(tmp_path_factory) -> tuple[Path, pd.DataFrame, str, str]:
    """The tiny map made in one go over two worker processes: folder, cells, stdout, --out."""
    root = tmp_path_factory.mktemp("two_workers")
    code = main(["regimes", *TINY, "--workers", "2", "--results", str(root / "r"),
                 "--out", str(root / "map.png")])
    assert code == 0
    (folder,) = (root / "r" / "baseline").iterdir()
    return folder, check_folder(folder), str(root / "map.png"), str(root / "r")


def test_map_end_to_end_on_two_workers(capsys, two_worker_map) -> None:
    """The map over two worker processes; the stored classes are those of the runs remade
    here (seeds from root 1001); a complete folder is remapped for another sector."""
    folder, cells, out_png, results = two_worker_map
    assert Path(out_png).read_bytes() == (folder / "regimes-platform.png").read_bytes()
    settings = json.loads((folder / "regimes.json").read_text())
    assert settings["stuck_months"] == 120 and settings["x"]["key"] == "leadership.theta_alarm"
    assert settings["months"] == 240 and len(settings["seeds"]) == 2
    # two runs remade in this process give the stored classes and metrics
    scenario = map_scenario("baseline", ["run.seed=1001"], AxisArg("leadership.theta_alarm",
                            0.6, 1.5), AxisArg("leadership.theta_pain", 0.3, 0.8), 3, 3, 240, 2)
    summary = pd.read_parquet(folder / "summary.parquet").set_index("run_id")
    for spec in (expand(scenario)[i] for i in (0, 17)):
        result = regime_run(spec, stuck_months=120)
        assert result.metrics
        for key, value in result.metrics.items():
            stored = summary.loc[spec.run_id, key]
            assert stored == value or (value != value and stored != stored), key
    # the cell table is the modal class of the stored per-run classes
    runs = pd.read_parquet(folder / "runs.parquet")
    per_run = runs.merge(sector_runs(summary.reset_index(), "platform"), on="run_id")
    again = cell_table(per_run.rename(columns={"leadership.theta_alarm": "x",
                                               "leadership.theta_pain": "y"}), ["x", "y"])
    pd.testing.assert_frame_equal(again, cells, check_dtype=False)
    # complete: nothing runs; another sector is mapped from the stored metrics
    code, out, err = run_cli(capsys, *TINY, "--results", results, "--resume", str(folder),
                             "--sector", "fintech", "-q")
    assert code == 0, err
    assert out.strip() == str(folder) and (folder / "regimes-fintech.png").is_file()
    assert set(json.loads((folder / "regimes.json").read_text())["maps"]) == {"platform",
                                                                              "fintech"}
    code, _, err = run_cli(capsys, *TINY, "--resume", str(folder), "--stuck-months", "60")
    assert code == 2 and "N is fixed per folder" in err
    before = (folder / "regimes.json").read_text()
    code, _, err = run_cli(capsys, *TINY, "--nx", "4", "--resume", str(folder))
    assert code == 2 and "was made for other runs" in err
    assert (folder / "regimes.json").read_text() == before


def test_interrupt_failure_resume_and_lost_part(capsys, tmp_path, monkeypatch,
                                                two_worker_map) -> None:
    """Serial: interrupted after 7 runs; a finished part removed; resumed with one run
    failing (exit 1, the map from the other 17); resumed again: the same folder as the
    uninterrupted command on two workers makes (seeds from root 1001)."""
    real = sim.model.RegulatoryModel
    calls = {"n": 0, "stop": 8, "fail": 0}

    def factory(params, *, rng=None):
        calls["n"] += 1
        if calls["n"] == calls["stop"]:
            raise KeyboardInterrupt
        if calls["n"] == calls["fail"]:
            raise RuntimeError("injected")
        return real(params, rng=rng)

    monkeypatch.setattr(sim.model, "RegulatoryModel", factory)
    argv = [*TINY, "--workers", "1", "--results", str(tmp_path)]
    code, _, err = run_cli(capsys, *argv)
    assert code == 130 and "--resume" in err
    (folder,) = (tmp_path / "baseline").iterdir()
    assert json.loads((folder / "regimes.json").read_text())["stuck_months"] == 120
    parts = sorted((folder / "parts").glob("run-*"))
    assert len(parts) == 7 and not (folder / "regimes-platform.png").exists()
    parts[3].unlink() if parts[3].is_symlink() else shutil.rmtree(parts[3])
    calls.update(n=0, stop=0, fail=2)
    code, _, err = run_cli(capsys, *argv, "--resume", str(folder), "-q")
    assert code == 1 and "1 of 18 runs failed" in err
    cells = pd.read_parquet(folder / "regimes-platform.parquet")
    assert cells["n"].sum() == 17 and (folder / "regimes-platform.png").is_file()
    monkeypatch.undo()
    code, _, err = run_cli(capsys, *argv, "--resume", str(folder), "-q")
    assert code == 0, err
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and len(manifest["invocations"]) == 3
    cells = check_folder(folder)
    summary = pd.read_parquet(folder / "summary.parquet")
    assert sorted(summary["run_id"]) == list(range(18))
    pd.testing.assert_frame_equal(cells, two_worker_map[1])
    one = summary.drop(columns="scenario")
    two = pd.read_parquet(two_worker_map[0] / "summary.parquet").drop(columns="scenario")
    pd.testing.assert_frame_equal(one, two)


SWEEP = str(Path(__file__).resolve().parents[1] / "scenarios" / "sweep_thresholds.toml")


@pytest.mark.parametrize(("argv", "message"), [
    (["baseline", "--x", "leadership.theta_alarmx=0.6:1.5", "--y",
      "leadership.theta_pain=0.3:0.8"], "--x leadership.theta_alarmx"),
    (["baseline", "--x", "leadership.theta_alarm=1.5:0.6", "--y",
      "leadership.theta_pain=0.3:0.8"], "lo must be below hi"),
    (["baseline", "--x", "leadership.theta_alarm=0.01:1.5", "--y",
      "leadership.theta_pain=0.3:0.8"], "--x leadership.theta_alarm (lo) = 0.01: out of range"),
    (["baseline", "--x", "leadership.theta_alarm=0.6:1.5", "--y", "leadership.mode=0:1"],
     "--y leadership.mode = a table: not sweepable"),
    (["baseline", *AXES, "--sector", "banking"], "--sector 'banking': unknown sector"),
    (["baseline", *AXES, "--nx", "1"], "must be in [2, 1000], got 1"),
    (["baseline", "--x", "leadership.theta_alarm", "--y", "leadership.theta_pain=0.3:0.8"],
     "expected group.name=lo:hi"),
    (["baseline", "--x", "leadership.theta_alarm=0.6:1.5", "--y",
      "leadership.theta_alarm=0.7:1.5"], "same parameter"),
    ([SWEEP, *AXES], "has a [sweep] table"),
    (["baseline", *AXES, "--out", "map.txt"], "allowed suffixes"),
    (["baseline", "--x", "leadership.theta_alarm=0.6:1.5"],
     "the following arguments are required: --y"),
])
def test_bad_input_exits_2(capsys, tmp_path, argv, message) -> None:
    code, _, err = run_cli(capsys, *argv, "--results", str(tmp_path))
    assert code == 2
    assert message in err
    assert not (tmp_path / "baseline").exists()  # nothing was run or created
