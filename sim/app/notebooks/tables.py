"""Tables of scenarios and runs for the notebooks: scenario changes, runs, exits, channels.

What a scenario changes from the baseline (:func:`describe_scenarios`), one run's frames
(:func:`run_tables`, :func:`ensemble_runs`), and for notebook 01 the pain at the end of
crackdowns (:func:`exit_pain`) and what the information channels carry
(:func:`channel_table`). Each function reads scenario files or loaded results folders
(:func:`sim.experiment.store.load_results`) and returns a pandas frame; none runs the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .running import scenario_file

if TYPE_CHECKING:
    import pandas as pd

    from ...analysis.stylized import Run
    from ...experiment.store import Results

def _show_change(key: str, value: Any, base: Any) -> str:
    if key == "exogenous.events":
        return "; ".join(f"{e['kind']} {e['sector'] or 'economy'} ×{e['magnitude']:g} at month "
                         f"{e['month']}" for e in value)
    if isinstance(value, list):
        return f"{key} = " + ", ".join(f"{v:g} from month {m}" for m, v in value)
    return f"{key} = {value} (baseline {base})"


def describe_scenarios(names: Sequence[str | Path], reference: str = "baseline"
                       ) -> pd.DataFrame:
    """What each scenario is and what it changes from the reference.

    Args:
        names: scenario names or paths.
        reference: the scenario the changes are read against.

    Returns:
        One row per scenario: ``scenario``, ``description`` and ``changes`` (every resolved
        parameter that differs from the reference's, with the reference's value; scheduled
        events and exogenous series spelled out).
    """
    import pandas as pd

    from ...experiment.scenario import load_scenario

    base = load_scenario(scenario_file(reference)).params.to_flat_dict()
    rows = []
    for name in names:
        scenario = load_scenario(scenario_file(name))
        flat = scenario.params.to_flat_dict()
        changes = [_show_change(k, v, base.get(k)) for k, v in flat.items() if base.get(k) != v]
        rows.append({"scenario": scenario.name, "description": scenario.description,
                     "changes": "; ".join(changes) or "—"})
    return pd.DataFrame(rows)


def run_tables(results: Results, run_id: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One run of a loaded results folder, as the plot and analysis functions take it.

    Args:
        results: :func:`sim.experiment.store.load_results` of a folder.
        run_id: the run.

    Returns:
        ``(series, events)``: the run's series with only the schema columns, and its event log
        without the run identifiers and joined parameters.
    """
    series = results.run(run_id)
    events = results.events.loc[results.events["run_id"] == run_id]
    keep = [c for c in events.columns if c not in results.runs.columns]
    return series, events[keep].reset_index(drop=True)


def ensemble_runs(results: Results) -> list[Run]:
    """Every run of a loaded results folder as :class:`sim.analysis.stylized.Run` (run order).

    Args:
        results: :func:`sim.experiment.store.load_results` of a folder.

    Returns:
        One ``Run(series, events)`` per run id, for
        :func:`sim.analysis.stylized.stylized_facts`.
    """
    from ...analysis.stylized import Run

    ids = sorted(int(i) for i in results.runs["run_id"])
    return [Run(*run_tables(results, i)) for i in ids]


# --------------------------------------------------------------------------------------------
# Notebook 01: how a crackdown ends, and what the leadership sees
# --------------------------------------------------------------------------------------------

EXIT_COLUMNS: tuple[str, ...] = (
    "sector", "onset", "exit", "duration", "onset_cause", "drawdown", "shortfall", "jobs",
    "sector_pain", "economy_pain", "perceived_pain", "pain_bound", "pain_over_bound",
)
"""Columns of :func:`exit_pain`."""


def exit_pain(series: pd.DataFrame, events: pd.DataFrame, params: Any = None) -> pd.DataFrame:
    """The pain of every crackdown of one run that ended on pain, at the month of the exit.

    Sector pain is w_v·drawdown + w_g·growth shortfall + w_j·jobs (``markets.weight_*``); the
    three columns hold the weighted components, so they sum to ``sector_pain``. The leadership
    perceives (with a delay) a mix of sector and economy pain, and moves to COMPROMISE when
    that perceived pain exceeds the pain it will bear for the alarm that remains
    (``pain_bound``, set by the kind of harm).

    Args:
        series: the run's series (with ``drawdown``, ``pain_shortfall``, ``pain_jobs``,
            ``pain``, ``perceived_pain`` and ``pain_bound`` per sector).
        events: its event log.
        params: the run's :class:`sim.model.params.Params` (default: the defaults).

    Returns:
        One row per pain-ended crackdown with :data:`EXIT_COLUMNS`; ``exit`` is the first
        COMPROMISE month, ``onset_cause`` the cause logged at the onset.
    """
    import pandas as pd

    from ...analysis.stylized import COMPROMISE, Run, crackdown_table
    from ...model.params import Params

    params = params or Params()
    mp = params.markets
    table = crackdown_table(Run(series, events), params)
    done = table.loc[table["ended"] == COMPROMISE]
    at = series.set_index("month")
    rows = []
    for cd in done.itertuples():
        m, s = int(cd.onset + cd.duration), cd.sector
        rows.append({
            "sector": s, "onset": int(cd.onset), "exit": m, "duration": int(cd.duration),
            "onset_cause": cd.cause,
            "drawdown": mp.weight_drawdown * float(at.at[m, f"drawdown.{s}"]),
            "shortfall": mp.weight_shortfall * float(at.at[m, f"pain_shortfall.{s}"]),
            "jobs": mp.weight_jobs * float(at.at[m, f"pain_jobs.{s}"]),
            "sector_pain": float(at.at[m, f"pain.{s}"]),
            "economy_pain": float(at.at[m, "pain"]),
            "perceived_pain": float(cd.perceived_pain_exit),
            "pain_bound": float(cd.pain_bound_exit),
        })
    out = pd.DataFrame(rows, columns=list(EXIT_COLUMNS))
    out["pain_over_bound"] = out["perceived_pain"] / out["pain_bound"]
    return out


def ensemble_exit_pain(results: Results, params: Any = None) -> pd.DataFrame:
    """:func:`exit_pain` of every run of a loaded results folder, with ``run_id`` in front."""
    import pandas as pd

    parts = []
    for i in sorted(int(r) for r in results.runs["run_id"]):
        table = exit_pain(*run_tables(results, i), params)
        table.insert(0, "run_id", i)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["run_id", *EXIT_COLUMNS])
    return pd.concat(parts, ignore_index=True)


CHANNEL_COLUMNS: tuple[str, ...] = (
    "sector", "months", "alarm", "report_public", "report_agency", "report_local",
    "perceived_alarm", "public_share", "agency_share", "local_share", "perceived_share",
    "transparency",
)
"""Columns of :func:`channel_table`."""


def channel_table(series: pd.DataFrame, phase: str | None = "LOOSE") -> pd.DataFrame:
    """What each information channel carries of the true alarm, per sector.

    Args:
        series: the series of one or more runs (``alarm``, ``report_public``,
            ``report_agency``, ``report_local``, ``perceived_alarm``, ``transparency`` and
            ``phase`` per sector).
        phase: only the sector's months in this phase (None: every month before a ban).

    Returns:
        One row per sector with :data:`CHANNEL_COLUMNS`: the mean over those months of the
        true alarm, of each channel's (delayed) report, of the perceived alarm and of
        transparency; ``*_share`` is the mean report over the mean true alarm (1: the channel
        carries the whole alarm; below 1: it hides or lags part of it).
    """
    import numpy as np
    import pandas as pd

    from ...analysis.frames import sectors_of

    rows = []
    for s in sectors_of(series):
        ph = series[f"phase.{s}"].astype(str).to_numpy()
        mask = (ph == phase) if phase is not None else (ph != "BANNED")

        def mean(q: str, s: str = s, mask: np.ndarray = mask) -> float:
            v = series[f"{q}.{s}"].to_numpy(dtype=float)[mask]
            return float(v.mean()) if v.size else float("nan")

        alarm = mean("alarm")
        row = {"sector": s, "months": int(mask.sum()), "alarm": alarm}
        for q in ("report_public", "report_agency", "report_local", "perceived_alarm"):
            row[q] = mean(q)
        for q, name in (("report_public", "public_share"), ("report_agency", "agency_share"),
                        ("report_local", "local_share"), ("perceived_alarm", "perceived_share")):
            row[name] = row[q] / alarm if alarm > 0 else float("nan")
        row["transparency"] = mean("transparency")
        rows.append(row)
    return pd.DataFrame(rows, columns=list(CHANNEL_COLUMNS))


__all__ = [
    "CHANNEL_COLUMNS",
    "EXIT_COLUMNS",
    "channel_table",
    "describe_scenarios",
    "ensemble_exit_pain",
    "ensemble_runs",
    "exit_pain",
    "run_tables",
]
