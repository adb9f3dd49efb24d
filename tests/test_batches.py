"""Runs stored in batches (chunks of a results folder) give the folder runs stored one by one give.

A batch's runs are made by one worker and their tables encoded together
(``sim.experiment.store.parts.encode_chunk``); the folder's tables gathered from chunks must be
the same bytes whatever the batches, also after a batch is cut short and the folder resumed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

import sim.experiment.runner as runner
from sim.experiment.records import BatchRecord, RunRecord
from sim.experiment.runner import Batches, expand, run_one, run_scenario
from sim.experiment.scenario import load_scenario
from sim.experiment.store import ResultsFolder

SWEEP = """[scenario]
name = "batch_sweep"
description = "a small grid for batch tests"

[run]
months = 12
replications = 3
seed = 11

[firms]
n_firms = 30

[sweep]
design = "grid"

[sweep.parameters]
"leadership.theta_alarm" = [0.3, 0.6, 0.9]
"""
TABLES = ("series", "events", "runs", "summary", "sweep")


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "batch_sweep.toml"
    path.write_text(SWEEP)
    return load_scenario(path)


@pytest.fixture(scope="module")
def one_by_one(sweep, tmp_path_factory):
    """The sweep with every run stored on its own (batches of one)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(runner, "MAX_BATCH", 1)
    try:
        return run_scenario(sweep, out=tmp_path_factory.mktemp("one"), backend="serial",
                            plot=False)
    finally:
        mp.undo()


def batches_of(monkeypatch, size: int) -> None:
    """Batches of ``size`` runs from the first one on (as if runs took no time)."""
    monkeypatch.setattr(runner, "MAX_BATCH", size)
    monkeypatch.setattr(Batches, "size", lambda self: min(size, len(self.specs) - self._next))


def assert_same_folders(a: Path, b: Path) -> None:
    for name in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(a / f"{name}.parquet"),
                                      pd.read_parquet(b / f"{name}.parquet"), check_exact=True)
        assert (a / f"{name}.parquet").read_bytes() == (b / f"{name}.parquet").read_bytes(), name


@pytest.mark.parametrize("size", [2, 4, 9])
def test_batched_runs_give_the_folder_of_runs_stored_one_by_one(sweep, one_by_one, tmp_path,
                                                                monkeypatch, size):
    batches_of(monkeypatch, size)
    folder = run_scenario(sweep, out=tmp_path, backend="serial", plot=False)
    assert_same_folders(folder, one_by_one)


def test_batches_sent_back_to_the_coordinator_are_the_same(sweep, one_by_one, tmp_path,
                                                           monkeypatch):
    batches_of(monkeypatch, 4)
    folder = run_scenario(sweep, out=tmp_path, backend="processes", workers=2,
                          worker_writes=False, plot=False)
    assert_same_folders(folder, one_by_one)


def test_a_batch_cut_short_keeps_its_finished_runs_and_resumes(sweep, one_by_one, tmp_path,
                                                               monkeypatch):
    batches_of(monkeypatch, 4)
    calls = []

    def interrupted(spec):
        calls.append(spec.run_id)
        if spec.run_id == 6:  # the third run of the second batch
            raise KeyboardInterrupt
        return run_one(spec)

    with pytest.raises(KeyboardInterrupt):
        run_scenario(sweep, out=tmp_path, backend="serial", fn=interrupted, plot=False)
    (folder,) = (tmp_path / "batch_sweep").iterdir()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "interrupted"
    kept = sorted(p.name for p in (folder / "parts").glob("run-*") if p.is_dir())
    assert kept == [f"run-{i:06d}" for i in (0, 1, 2, 3, 4, 5)]  # nothing finished is lost
    assert ResultsFolder.open(folder).done_runs().keys() == {0, 1, 2, 3, 4, 5}
    again = run_scenario(sweep, resume=folder, backend="serial", plot=False)
    assert again == folder and not (folder / "parts").exists()
    assert_same_folders(folder, one_by_one)


def test_a_chunk_whose_runs_were_not_linked_is_ignored_on_resume(sweep, one_by_one, tmp_path,
                                                                 monkeypatch):
    """Killed between writing a chunk and linking its runs: the runs are made again."""
    batches_of(monkeypatch, 3)
    real = os.symlink

    def no_links_after_the_first_chunk(src, dst, *args, **kwargs):
        if not str(src).startswith("chunk-000000-"):
            raise SystemExit("killed")  # not an OSError: nothing falls back
        real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "symlink", no_links_after_the_first_chunk)
    with pytest.raises(SystemExit):
        run_scenario(sweep, out=tmp_path, backend="serial", plot=False)
    monkeypatch.setattr(os, "symlink", real)
    (folder,) = (tmp_path / "batch_sweep").iterdir()
    assert len(list((folder / "parts").glob("chunk-*"))) == 2
    assert sorted(ResultsFolder.open(folder).done_runs()) == [0, 1, 2]
    batches_of(monkeypatch, 2)  # other batches this time
    run_scenario(sweep, resume=folder, backend="serial", plot=False)
    assert_same_folders(folder, one_by_one)


def test_runs_can_be_linked_as_directories_where_links_fail(sweep, one_by_one, tmp_path,
                                                            monkeypatch):
    batches_of(monkeypatch, 5)

    def no_links(*args, **kwargs):
        raise OSError("no symbolic links on this file system")

    monkeypatch.setattr(os, "symlink", no_links)
    folder = run_scenario(sweep, out=tmp_path, backend="serial", plot=False)
    assert_same_folders(folder, one_by_one)


def test_batch_sizes_follow_the_time_per_run():
    specs = expand(load_scenario_text(SWEEP)) * 100  # 900 runs
    batches = Batches(specs, workers=2, seconds=1.0, largest=50)
    it = iter(batches)
    assert len(next(it).specs) == 1  # nothing measured yet
    batches.observe(BatchRecord([RunRecord(0, 0, "", "", 0.02)] * 4, seconds=0.1))
    assert len(next(it).specs) == 40  # 1 s at 25 ms a run
    batches.observe(BatchRecord([RunRecord(0, 0, "", "", 0.0)] * 10, seconds=0.1))
    assert len(next(it).specs) == 50  # at most `largest`
    batches.observe(BatchRecord([RunRecord(0, 0, "", "", 2.0)], seconds=20.0))
    assert len(next(it).specs) == 1  # slow runs go one by one
    tail = Batches(specs[:10], workers=2, seconds=1.0, largest=50)
    tail.per_run = 0.001
    sizes = [len(b.specs) for b in tail]
    assert sizes[0] == 3 and sum(sizes) == 10  # an even share of the last runs: ⌈10 / 4⌉
    assert [s.run_id for b in Batches(specs[:10], workers=1) for s in b.specs] == \
        [s.run_id for s in specs[:10]]


def load_scenario_text(text: str):
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.toml"
        path.write_text(text)
        return load_scenario(path)
