"""`regcycle calibrate` end to end, in the reproducible single-core mode (small populations).

These tests check the machinery (history, resume, reproducibility, written scenario, recovery,
bad input), not what the record says: the calibration's figures are in notebook 04 and the
issue's note. Synthetic truths are drawn with seeds >= 1000 (never the tuning seeds 0-99).
"""

import sqlite3
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from sim.app.cli import main
from sim.calibration.abc import DATABASE, POSTERIOR, SETTINGS, generations_done, load_settings
from sim.calibration.recovery import coverage_table, recovery_study
from sim.experiment.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "scenarios" / "history.toml"
SMALL = ["--population", "12", "--backend", "serial", "--seed", "1001", "-q"]


def _calibrate(tmp_path: Path, *extra: str) -> Path:
    code = main(["calibrate", str(HISTORY), "--out", str(tmp_path), *SMALL, *extra])
    assert code == 0
    (folder,) = (tmp_path / "history").iterdir()
    return folder


def test_a_serial_calibration_writes_its_history_and_is_reproducible(tmp_path):
    a = _calibrate(tmp_path / "a", "--generations", "2")
    b = _calibrate(tmp_path / "b", "--generations", "2")
    for name in (DATABASE, SETTINGS, POSTERIOR, "posterior_summary.csv", "posterior.png"):
        assert (a / name).is_file(), name
    assert generations_done(a) == 2
    pa, pb = pd.read_parquet(a / POSTERIOR), pd.read_parquet(b / POSTERIOR)
    assert len(pa) == 12 and abs(pa.weight.sum() - 1) < 1e-12
    pd.testing.assert_frame_equal(pa, pb)  # same seed, single core: the same populations
    settings = load_settings(a)
    assert set(pa.columns) == {"generation", "weight", *settings.keys}
    for key, lo, hi in settings.parameters:
        assert pa[key].between(lo, hi).all(), key
    # a real pyabc SQLite history: every simulation of both generations is in it
    with sqlite3.connect(a / DATABASE) as db:
        (n,) = db.execute("select count(*) from populations where t >= 0").fetchone()
    assert n == 2


def test_a_different_seed_gives_a_different_population(tmp_path):
    a = _calibrate(tmp_path / "a", "--generations", "1")
    code = main(["calibrate", str(HISTORY), "--out", str(tmp_path / "b"), "--population", "12",
                 "--backend", "serial", "--seed", "1002", "-q", "--generations", "1"])
    assert code == 0
    (b,) = (tmp_path / "b" / "history").iterdir()
    assert not pd.read_parquet(a / POSTERIOR).equals(pd.read_parquet(b / POSTERIOR))


def test_resume_continues_the_history_and_writes_a_posterior_scenario(tmp_path):
    folder = _calibrate(tmp_path, "--generations", "1")
    assert generations_done(folder) == 1
    out = tmp_path / "scen" / "history_posterior.toml"
    code = main(["calibrate", str(HISTORY), "--resume", str(folder), "--generations", "2",
                 "--backend", "serial", "-q", "--write-scenario", str(out), "--draws", "7"])
    assert code == 0
    assert generations_done(folder) == 2
    scenario = load_scenario(out)
    assert scenario.posterior is not None and len(scenario.posterior.draws) == 7
    assert scenario.posterior.keys == load_settings(folder).keys
    assert scenario.replications == 7
    raw = tomllib.loads(out.read_text())
    assert raw["scenario"]["extends"].endswith("history.toml")
    assert main(["validate", str(out)]) == 0


@pytest.mark.parametrize("args, message", [
    (["baseline"], "[calibrate]"),
    ([str(HISTORY), "--record", "no/such/record.toml"], "record.toml"),
    ([str(HISTORY), "--resume", "no/such/folder"], "--resume"),
    ([str(HISTORY), "--scheduler", "tcp://127.0.0.1:1"], "--scheduler"),
    ([str(HISTORY), "--set", "leadership.no_such=1"], "leadership.no_such"),
    ([str(HISTORY), "--population", "0"], "--population"),
])
def test_bad_input_exits_2_with_a_message_and_no_traceback(args, message, capsys, tmp_path):
    assert main(["calibrate", *args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_bad_record_exits_2_naming_the_file_and_key(capsys, tmp_path):
    bad = ROOT / "tests" / "bad_records"
    files = sorted(bad.glob("*.toml"))
    assert files
    assert main(["calibrate", str(HISTORY), "--record", str(files[0]),
                 "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert files[0].name in err and "Traceback" not in err


def test_recovery_study_small_fixed_version(tmp_path):
    """Two synthetic truths drawn from the prior (seed 1000), one generation each.

    The figures of the real study (>= 20 truths) are in notebook 04; this checks that each
    truth gets its own synthetic record, that the coverage table is computed from the credible
    intervals, and that a finished truth is not redone.
    """
    scenario = load_scenario(HISTORY)
    from sim.calibration.abc import settings_for
    from sim.calibration.record import load_record

    settings = settings_for(scenario, load_record(ROOT / "data" / "record.toml"),
                            population=10, generations=1, seed=1000)
    table = recovery_study(settings, scenario.params, tmp_path, truths=2, seed=1000,
                           backend="serial", progress=False)
    assert len(table) == 2 * len(settings.keys)
    assert set(table.parameter) == set(settings.keys)
    inside = (table.q05 <= table.truth) & (table.truth <= table.q95)
    assert (table.in90 == inside).all()
    cov = coverage_table(table)
    assert cov.coverage90.between(0, 1).all() and (cov.truths == 2).all()
    assert (cov.coverage50 <= cov.coverage90).all()
    first = [load_settings(tmp_path / f"truth-{i:03d}").observed for i in range(2)]
    assert first[0] != first[1]
    mtime = (tmp_path / "truth-000" / DATABASE).stat().st_mtime_ns
    recovery_study(settings, scenario.params, tmp_path, truths=2, seed=1000, backend="serial",
                   progress=False)
    assert (tmp_path / "truth-000" / DATABASE).stat().st_mtime_ns == mtime


def test_the_dask_backend_runs_a_generation(tmp_path):
    """pyabc's dask sampler on a local cluster of two workers (the populations are not
    reproducible there; every simulation still is: its seed hashes its parameters)."""
    pytest.importorskip("distributed")
    code = main(["calibrate", str(HISTORY), "--out", str(tmp_path), "--population", "4",
                 "--generations", "1", "--backend", "dask", "--workers", "2", "--seed", "1003",
                 "-q"])
    assert code == 0
    (folder,) = (tmp_path / "history").iterdir()
    assert generations_done(folder) == 1
    assert len(pd.read_parquet(folder / POSTERIOR)) == 4
