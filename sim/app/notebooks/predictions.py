"""Notebook 02's hypotheses, the statistics the theory predicts on, predictions and verdicts.

:data:`HYPOTHESES` are the scenario files of MODEL.md §6; :func:`theory_summary`,
:func:`sector_means` and :func:`onset_revelations` measure runs of them; :data:`PREDICTIONS`,
fixed before the runs, say what each hypothesis should do, and :func:`verdict` and
:func:`prediction_table` set them beside the measured paired changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .running import scenario_file
from .tables import ensemble_runs

if TYPE_CHECKING:
    import pandas as pd

HYPOTHESES: tuple[str, ...] = (
    "rules_based",
    "faster_feedback",
    "fiscal_decoupling",
    "unified_regulator",
    "no_zeal",
    "ai_honeymoon_ends",
    "loud_public_sphere",
    "no_retroactive",
    "open_information",
    "counterfactual_2020",
)
"""The policy hypotheses of MODEL.md §6, as scenario files of ``scenarios/`` (baseline aside)."""



THEORY_METRICS: dict[str, str] = {
    "enforcement_sd_na": "amplitude: sd over months of enforcement, mean over the non-aligned "
                         "sectors (banned months left out)",
    "aggressiveness_na": "deterrence: mean revenue-weighted aggressiveness of the non-aligned "
                         "sectors (live months)",
    "crackdowns_na": "frequency: crackdown onsets in the non-aligned sectors",
    "crackdown_length_na": "length: median of the run's pain-ended non-aligned crackdowns "
                           "(months)",
    "first_onset": "timing: month of the first non-aligned crackdown (the horizon if none)",
    "crackdowns_ai": "the aligned sector: AI crackdown onsets",
    "ai_listing_onsets": "the aligned sector: AI crackdowns started by a foreign listing",
    "revealed_gap_na": "hidden harm: median gap revealed in the run's non-aligned crackdowns "
                       "(true minus reported alarm, in θ_s)",
    "peak_signal_na": "severity: median peak signal of the run's non-aligned crackdowns",
}
"""Per-run statistics of :func:`theory_summary`: those MODEL.md and the ablation tests state
predictions on (:func:`sim.analysis.ablations.seed_statistics`). "Non-aligned" and "aligned"
are the reference scenario's sectors (alignment below / at least ½: platform, fintech, edtech,
gaming / AI) in every scenario, so that a scenario that changes alignment is still compared on
the same sectors."""


def theory_summary(folders: Mapping[str, str | Path], reference: str = "baseline"
                   ) -> pd.DataFrame:
    """:data:`THEORY_METRICS` of every run of several results folders.

    Args:
        folders: ``{scenario: results folder}`` (:func:`run_all`).
        reference: the scenario whose parameters say which sectors are aligned.

    Returns:
        One row per run: ``scenario``, ``run_id``, ``seed``, then the metrics.
    """
    import numpy as np
    import pandas as pd

    from ...analysis.ablations import non_aligned, seed_statistics
    from ...analysis.stylized import COMPROMISE
    from ...experiment.scenario import load_scenario
    from ...experiment.store import load_results

    params = load_scenario(scenario_file(reference)).params
    others = non_aligned(params)
    aligned = [s for s in params.sector_names if s not in others]
    rows = []
    for name, folder in folders.items():
        results = load_results(folder)
        seeds = dict(zip(results.runs["run_id"].astype(int), results.runs["seed"].astype(int),
                         strict=True))
        for run_id, run in zip(sorted(seeds), ensemble_runs(results), strict=True):
            st = seed_statistics(run, params)
            table = st["crackdown_table"]
            lengths = table.loc[table.sector.isin(others) & (table.ended == COMPROMISE),
                                "duration"].to_numpy(float)
            ai = table.loc[table.sector.isin(aligned)]
            na = table.loc[table.sector.isin(others)]
            rows.append({
                "scenario": name, "run_id": run_id, "seed": seeds[run_id],
                "enforcement_sd_na": st["enforcement_sd"],
                "aggressiveness_na": st["aggressiveness"],
                "crackdowns_na": float(st["crackdowns"]),
                "crackdown_length_na": float(np.median(lengths)) if lengths.size else np.nan,
                "first_onset": st["first_onset"],
                "crackdowns_ai": float(len(ai)),
                "ai_listing_onsets": float((ai.cause == "listing").sum()),
                "revealed_gap_na": float(na.revealed_gap.median()) if len(na) else np.nan,
                "peak_signal_na": float(na.peak_signal.median()) if len(na) else np.nan,
            })
    return pd.DataFrame(rows, columns=["scenario", "run_id", "seed", *THEORY_METRICS])


def sector_means(folders: Mapping[str, str | Path], quantities: Sequence[str],
                 sectors: Sequence[str]) -> pd.DataFrame:
    """Mean of per-sector quantities over every run, month and given sector, per scenario.

    Args:
        folders: ``{scenario: results folder}``.
        quantities: series quantities stored per sector (``enforcement``, ``floor``...).
        sectors: the sectors pooled (their months before any ban).

    Returns:
        One row per scenario (in the order given), one column per quantity.
    """
    import numpy as np
    import pandas as pd

    from ...experiment.store import load_results

    rows = {}
    for name, folder in folders.items():
        series = load_results(folder, params=False).series
        live = {s: series[f"phase.{s}"].astype(str).to_numpy() != "BANNED" for s in sectors}
        rows[name] = {q: float(np.mean(np.concatenate(
            [series[f"{q}.{s}"].to_numpy(dtype=float)[live[s]] for s in sectors])))
            for q in quantities}
    return pd.DataFrame.from_dict(rows, orient="index")[list(quantities)]


def onset_revelations(folders: Mapping[str, str | Path], sectors: Sequence[str]
                      ) -> pd.DataFrame:
    """How many crackdown onsets came with a revelation of hidden harm in the same sector-month.

    Args:
        folders: ``{scenario: results folder}``.
        sectors: the sectors counted.

    Returns:
        One row per scenario: ``onsets`` and ``with_revelation`` over every run, and the same
        for each run's first onset among the sectors (``first_onsets``,
        ``first_with_revelation``).
    """
    import pandas as pd

    from ...experiment.store import load_results

    rows = {}
    for name, folder in folders.items():
        ev = load_results(folder, params=False).events
        on = ev[(ev.kind == "phase_change") & (ev.detail.astype(str) == "CRACKDOWN")
                & ev.sector.isin(sectors)]
        keys = set(zip(ev.loc[ev.kind == "revelation", "run_id"],
                       ev.loc[ev.kind == "revelation", "month"],
                       ev.loc[ev.kind == "revelation", "sector"], strict=True))
        revealed = [(r, m, s) in keys for r, m, s in zip(on.run_id, on.month, on.sector,
                                                         strict=True)]
        on = on.assign(revealed=revealed).sort_values(["run_id", "month"], kind="stable")
        first = on.groupby("run_id").head(1)
        rows[name] = {"onsets": len(on), "with_revelation": int(on.revealed.sum()),
                      "first_onsets": len(first),
                      "first_with_revelation": int(first.revealed.sum())}
    return pd.DataFrame.from_dict(rows, orient="index")


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the theory predicts a hypothesis does to one statistic, stated before the runs.

    Attributes:
        scenario: the hypothesis.
        metric: a column of :func:`sim.analysis.hypotheses.paired_compare`'s table.
        expect: ``lower``, ``higher``, ``changes`` (either way) or ``little`` (little change).
        size: the relative change the theory names: at least this much (``lower``,
            ``higher``, ``changes``; 0: the direction only), or at most this much
            (``little``).
        why: where the prediction comes from.
    """

    scenario: str
    metric: str
    expect: str
    size: float
    why: str

    def text(self) -> str:
        """The prediction in words (``lower by ≥ 20 %``)."""
        if self.expect == "little":
            return f"little change (|change| ≤ {self.size:.0%})"
        word = {"lower": "lower", "higher": "higher", "changes": "changes"}[self.expect]
        return word + (f" by ≥ {self.size:.0%}" if self.size else "")


PREDICTIONS: tuple[Prediction, ...] = (
    Prediction("rules_based", "enforcement_sd_na", "lower", 0.30,
               "MODEL.md §5 fact 13: rules damp the swing (sd ratio ≤ 0.7; prototype −39 %)"),
    Prediction("rules_based", "mean_harm", "higher", 0.0,
               "MODEL.md §2: rules let mean harm rise (prototype +36 %)"),
    Prediction("faster_feedback", "enforcement_sd_na", "little", 0.10,
               "MODEL.md §2: the channels' bias, not their lag, is the deficit (prototype −3 %)"),
    Prediction("open_information", "crackdowns_na", "higher", 0.05,
               "less censorship: the public channel carries more of the true alarm, so the "
               "leadership acts on harm sooner (ablation test: ≥ 5 % more crackdowns)"),
    Prediction("open_information", "first_onset", "lower", 0.0,
               "the same: the first crackdown comes earlier"),
    Prediction("unified_regulator", "enforcement_sd_na", "lower", 0.20,
               "MODEL.md §5 ablations: no information islands, growth faction or local "
               "under-reporting (prototype v5 −21 % to −26 %)"),
    Prediction("fiscal_decoupling", "aggressiveness_na", "lower", 0.0,
               "MODEL.md §5 fact 9: without the fiscal link local protection no longer "
               "shields firms from enforcement, so deterrence reaches them"),
    Prediction("fiscal_decoupling", "enforcement_sd_na", "lower", 0.0,
               "provinces stop hiding harm: part of the channels' bias goes (a unified "
               "regulator removes it all)"),
    Prediction("no_zeal", "enforcement_sd_na", "lower", 0.0,
               "agencies no longer overshoot the signal in a campaign, so peaks are lower"),
    Prediction("no_retroactive", "aggressiveness_na", "higher", 0.02,
               "MODEL.md §5 ablations: the forgiven record no longer deters (ablation test: "
               "≥ 2 %)"),
    Prediction("no_retroactive", "crackdowns_na", "changes", 0.10,
               "'a different cycle, not only smaller fines': the count or the length of "
               "crackdowns changes by ≥ 10 %"),
    Prediction("no_retroactive", "crackdown_length_na", "changes", 0.10,
               "the same, for the length"),
    Prediction("ai_honeymoon_ends", "crackdowns_ai", "higher", 0.0,
               "alignment 0.9 → 0.3: AI loses the raised threshold, sponsorship and local "
               "backing, and is cracked down on like the others"),
    Prediction("loud_public_sphere", "crackdowns_na", "higher", 0.0,
               "amplified scandals: more of them pass the trigger size and reveal hidden harm"),
    Prediction("loud_public_sphere", "first_onset", "lower", 0.0,
               "the same: the first crackdown comes earlier"),
)
"""The predictions notebook 02 checks, fixed before its runs (MODEL.md §2, §5 and §7; the
model-v2 issue; the ablation tests of ``tests/model/test_ablations.py``)."""

PREDICTION_COLUMNS: tuple[str, ...] = (
    "hypothesis", "metric", "prediction", "baseline", "value", "difference", "change",
    "verdict", "why",
)
"""Columns of :func:`prediction_table`."""


def verdict(prediction: Prediction, rel: float, diff: float, lo: float, hi: float) -> str:
    """Whether a measured paired change bears a prediction out.

    The rules, fixed in advance: ``lower``/``higher`` hold when the 90 % interval of the paired
    difference excludes 0 on the predicted side and the relative change reaches ``size``;
    ``changes`` when the interval excludes 0 and ``|change| ≥ size``; ``little`` when
    ``|change| ≤ size``.

    Args:
        prediction: the prediction.
        rel: relative change (NaN when the baseline's mean is 0).
        diff: the mean paired difference.
        lo: the lower end of its 90 % interval.
        hi: the upper end.

    Returns:
        ``holds``, ``direction only (…)``, ``not shown (…)`` or ``does not hold (…)``.
    """
    import math

    size, expect = prediction.size, prediction.expect
    down, up = hi < 0, lo > 0
    reach = abs(rel) >= size if math.isfinite(rel) else size == 0
    if expect == "little":
        if not math.isfinite(rel):
            return "not shown (no relative change)"
        return "holds" if abs(rel) <= size else f"does not hold ({rel:+.0%})"
    if expect == "changes":
        if not (down or up):
            return "not shown (interval includes 0)"
        return "holds" if reach else f"does not hold (|change| < {size:.0%})"
    right, wrong = (down, up) if expect == "lower" else (up, down)
    if right:
        return "holds" if reach else f"direction only (less than {size:.0%})"
    if wrong:
        return "does not hold (the opposite direction)"
    return "not shown (interval includes 0)"


def prediction_table(effects: pd.DataFrame, predictions: Sequence[Prediction] = PREDICTIONS, *,
                     by: str = "scenario") -> pd.DataFrame:
    """Each prediction beside the measured paired change and its verdict (:func:`verdict`).

    Args:
        effects: :func:`sim.analysis.hypotheses.paired_compare` over every predicted metric.
        predictions: the predictions.
        by: the grouping column of ``effects``.

    Returns:
        One row per prediction with :data:`PREDICTION_COLUMNS`: the baseline's and the
        hypothesis's mean over the paired seeds, the mean paired difference in the metric's
        units and the change in % of the baseline's mean (``n/a`` when that mean is 0), each
        with its 90 % bootstrap interval.
    """
    import math

    import pandas as pd

    table = effects.set_index([by, "metric"])
    rows = []
    for p in predictions:
        r = table.loc[(p.scenario, p.metric)]
        rel, diff = float(r["rel"]), float(r["diff"])
        change = (f"{100 * rel:+.1f} % [{100 * r['rel_lo']:+.1f}, {100 * r['rel_hi']:+.1f}]"
                  if math.isfinite(rel) else "n/a")
        difference = f"{diff:+.3g} [{r['diff_lo']:+.3g}, {r['diff_hi']:+.3g}]"
        rows.append({"hypothesis": p.scenario, "metric": p.metric, "prediction": p.text(),
                     "baseline": float(r["reference"]), "value": float(r["value"]),
                     "difference": difference, "change": change,
                     "verdict": verdict(p, rel, diff, float(r["diff_lo"]),
                                        float(r["diff_hi"])),
                     "why": p.why})
    return pd.DataFrame(rows, columns=list(PREDICTION_COLUMNS))


__all__ = [
    "HYPOTHESES",
    "PREDICTIONS",
    "PREDICTION_COLUMNS",
    "THEORY_METRICS",
    "Prediction",
    "onset_revelations",
    "prediction_table",
    "sector_means",
    "theory_summary",
    "verdict",
]
