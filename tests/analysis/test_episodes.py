import pandas as pd
import pytest

from sim.analysis import episodes, phase_runs, sector_episodes
from sim.analysis.frames import sectors_of
from sim.analysis.synthetic import synthetic_series
from sim.model.schema import series_columns


def test_phase_runs_splits_maximal_blocks():
    assert phase_runs(["L", "L", "C", "K", "K", "K", "L"]) == [
        ("L", 0, 2), ("C", 2, 3), ("K", 3, 6), ("L", 6, 7)]
    assert phase_runs([]) == []
    assert phase_runs(["L"]) == [("L", 0, 1)]


def test_sector_episodes_censoring_and_month_offsets():
    eps = sector_episodes(["LOOSE", "CRACKDOWN", "CRACKDOWN", "LOOSE"], month=[5, 6, 7, 8],
                          sector="x")
    assert eps[["phase", "start", "end", "duration"]].values.tolist() == [
        ["LOOSE", 5, 5, 1], ["CRACKDOWN", 6, 7, 2], ["LOOSE", 8, 8, 1]]
    assert eps["left_censored"].tolist() == [True, False, False]
    assert eps["right_censored"].tolist() == [False, False, True]
    assert eps["complete"].tolist() == [False, True, False]
    whole = sector_episodes(["LOOSE"] * 3)
    assert whole.loc[0, "left_censored"] and whole.loc[0, "right_censored"]


def test_episodes_of_hand_run(hand_run):
    series, _ = hand_run
    assert list(series.columns) == series_columns(["a", "b"])
    assert sectors_of(series) == ["a", "b"]
    eps = episodes(series)
    a = eps.loc[eps["sector"] == "a"]
    assert a[["phase", "start", "end", "duration"]].values.tolist() == [
        ["LOOSE", 0, 5, 6], ["CRACKDOWN", 6, 9, 4], ["COMPROMISE", 10, 14, 5],
        ["LOOSE", 15, 22, 8], ["CRACKDOWN", 23, 25, 3], ["COMPROMISE", 26, 29, 4]]
    assert a["complete"].tolist() == [False, True, True, True, True, False]
    b = eps.loc[eps["sector"] == "b"]
    assert b["duration"].tolist() == [8, 4, 3, 15]
    assert b["episode"].tolist() == [0, 1, 2, 3]
    assert eps["duration"].sum() == 60


def test_episodes_accept_categorical_phases():
    series = synthetic_series({"s": ["LOOSE", "CRACKDOWN", "CRACKDOWN"]})
    series["phase.s"] = pd.Categorical(series["phase.s"],
                                       categories=["BANNED", "LOOSE", "COMPROMISE", "CRACKDOWN"])
    eps = episodes(series)
    assert eps["phase"].tolist() == ["LOOSE", "CRACKDOWN"]


def test_synthetic_series_rejects_unknown_column():
    with pytest.raises(KeyError, match="not a series column"):
        synthetic_series({"s": ["LOOSE"]}, values={"nonsense": 1.0})
