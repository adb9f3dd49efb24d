"""sim.analysis.history: the dated episodes of theory.md §3 and the duration comparison."""

import numpy as np
import pandas as pd
import pytest

from sim.analysis.history import (
    COMPARISON_COLUMNS,
    DATED_EPISODES,
    DatedEpisode,
    dated_episodes,
    duration_comparison,
    ensemble_episodes,
)
from sim.analysis.synthetic import synthetic_series
from sim.model.params import Params

L, C, K, B = "LOOSE", "CRACKDOWN", "COMPROMISE", "BANNED"


def test_dated_episodes_are_sourced_and_map_to_model_sectors():
    sectors = set(Params().sector_names)
    assert len(DATED_EPISODES) >= 6
    for e in DATED_EPISODES:
        assert e.sector in sectors
        assert e.sources and all(s.startswith("http") for s in e.sources)
        assert e.lax_months[0] <= e.lax_months[1]
        assert e.outcome in ("compromise", "ban", "ongoing")
        if e.crackdown_months is not None:
            assert 0 < e.crackdown_months[0] <= e.crackdown_months[1]
    # theory.md §3's headline figures
    by_name = {e.name.split(" (")[0]: e for e in DATED_EPISODES}
    assert by_name["Platform antitrust"].crackdown_months == (17.0, 18.0)
    assert by_name["P2P lending"].crackdown_months == (58.0, 58.0)
    assert by_name["After-school tutoring"].outcome == "ban"
    frame = dated_episodes()
    assert len(frame) == len(DATED_EPISODES)
    assert frame.sources.str.contains("http").all()


def _two_runs():
    """Two runs of 40 months, one sector 'a'."""
    run0 = [L] * 5 + [C] * 10 + [K] * 5 + [L] * 12 + [C] * 8      # complete L 12, C 10
    run1 = [L] * 3 + [C] * 20 + [K] * 5 + [L] * 6 + [C] * 4 + [B] * 2   # complete L 6, C 20, 4
    frames = []
    for i, phases in enumerate((run0, run1)):
        f = synthetic_series({"a": phases})
        f.insert(0, "run_id", i)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def test_ensemble_episodes():
    eps = ensemble_episodes(_two_runs())
    assert eps.run_id.tolist().count(0) == 5 and eps.run_id.tolist().count(1) == 6
    complete = eps[eps.complete]
    assert sorted(complete[complete.phase == C].duration) == [4, 10, 20]
    assert sorted(complete[complete.phase == L].duration) == [6, 12]


def test_duration_comparison():
    eps = ensemble_episodes(_two_runs())
    dated = (
        DatedEpisode("inside", "a", "", (8.0, 8.0), "", (15.0, 18.0), "compromise", "", ("http://x",)),
        DatedEpisode("outside", "a", "", (30.0, 40.0), "", (50.0, 50.0), "ban", "", ("http://x",)),
        DatedEpisode("ongoing", "a", "", (10.0, 10.0), "", None, "ongoing", "", ("http://x",)),
        DatedEpisode("absent", "z", "", (1.0, 1.0), "", (1.0, 1.0), "ban", "", ("http://x",)),
    )
    table = duration_comparison(eps, dated, quantiles=(0.0, 1.0))
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    inside, outside, ongoing, absent = (table.iloc[i] for i in range(4))
    assert inside.sim_lax_median == 9.0 and inside.sim_crackdown_median == 10.0
    assert inside.sim_lax_range == "6–12" and inside.sim_crackdown_range == "4–20"
    assert inside.lax_inside and inside.crackdown_inside
    assert inside.observed_crackdown == "15–18" and inside.observed_lax == "8"
    assert not outside.lax_inside and not outside.crackdown_inside
    # four crackdowns start inside the runs; the one of run 1 that ends BANNED counts
    assert inside.sim_crackdowns == 4 and inside.sim_ban_share == pytest.approx(1 / 4)
    assert ongoing.observed_lax == "≥ 10" and ongoing.crackdown_inside is None
    assert ongoing.lax_inside  # 10 months lax so far is below the longest simulated (12)
    assert np.isnan(absent.sim_lax_median) and absent.sim_lax_range == "—"
    assert not absent.lax_inside and absent.sim_crackdowns == 0
