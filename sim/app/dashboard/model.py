"""The model as SolaraViz needs it: re-instantiable from flat keyword arguments.

SolaraViz resets a model by calling its class again with the controls' values as keyword
arguments. :class:`DashboardModel` accepts exactly that — ``rng`` plus one flat name per
control (see :mod:`sim.app.dashboard.controls`) and the scenario's resolved parameters as the fixed
``base`` — and keeps the short history the page plots, read from the model's own state after
each month.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from ...model import RegulatoryModel
from ...model.params import Params
from ...model.states import Phase
from .controls import overrides_from_flat, parse_seed


class History:
    """What the page plots: the state at the start, then one row per simulated month.

    Row ``k`` is the state after ``k`` months (row 0: as built, before the first month), so a
    quantity is drawn as a line from the first month on.

    Attributes:
        months: months simulated at each row (0, 1, 2, ...).
        phase: sector phase codes (:class:`sim.model.states.Phase` values), rows × sectors.
        signal: leadership signal L_s, rows × sectors.
        enforcement: sector enforcement E_s, rows × sectors.
        alarm_ratio: perceived alarm ÷ effective threshold, rows × sectors (NaN where the
            threshold is 0).
        valuation: valuation index (100 at the start).
        pain: economy-wide pain; ``perceived_pain`` the leadership's delayed view of the
            sectors' pain, revenue-weighted (the series' aggregate columns).
    """

    QUANTITIES: tuple[str, ...] = ("months", "phase", "signal", "enforcement", "alarm_ratio",
                                   "valuation", "pain", "perceived_pain")

    def __init__(self) -> None:
        self._rows: dict[str, list[Any]] = {q: [] for q in self.QUANTITIES}

    def __len__(self) -> int:
        return len(self._rows["months"])

    def add(self, model: RegulatoryModel) -> None:
        """Append the model's state now (after ``model.steps`` months).

        The quantities are those of the series columns of the same meaning (``signal``,
        ``enforcement``, ``perceived_alarm`` ÷ ``threshold``, ``valuation_index``, ``pain``,
        ``perceived_pain``); this method is the one place that reads the model's state.
        """
        lead, mk = model.leadership, model.markets
        threshold = np.asarray(lead.onset_threshold, dtype=float)
        perceived = np.asarray(model.channels.perceived, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(threshold > 0, perceived / threshold, np.nan)
        # the aggregate perceived pain as recorded (revenue-weighted over sectors); 0 as built
        months = model.steps
        perceived_pain = (float(model.recorder.aggregates["perceived_pain"][months - 1])
                          if months else float(np.mean(lead.perceived_pain)))
        row = {
            "months": months,
            "phase": np.array(lead.phase, dtype=np.int64),
            "signal": np.array(lead.signal, dtype=float),
            "enforcement": np.array(model.regulators.enforcement, dtype=float),
            "alarm_ratio": ratio,
            "valuation": float(mk.index),
            "pain": float(mk.economy_pain),
            "perceived_pain": perceived_pain,
        }
        for q in self.QUANTITIES:
            self._rows[q].append(row[q])

    def get(self, quantity: str, n_sectors: int = 0) -> np.ndarray:
        """One quantity as an array: rows, or rows × sectors for per-sector quantities."""
        rows = self._rows[quantity]
        if rows:
            return np.asarray(rows)
        return np.zeros((0, n_sectors)) if n_sectors else np.zeros(0)


class DashboardModel(RegulatoryModel):
    """:class:`~sim.model.RegulatoryModel` built from SolaraViz's flat keyword arguments.

    Args:
        rng: the seed: an integer, its text as typed in the seed input, or None/empty for a
            fresh one.
        base: the scenario's resolved parameters, which the controls override (default:
            the defaults of :mod:`sim.model.params`).
        scenario: ignored. Mesa's reset passes a ``mesa.experimental.scenarios.Scenario``
            under this name to every model class that takes ``**kwargs``; regcycle's
            scenarios arrive resolved as ``base``.
        **flat: control values by flat name (``leadership__theta_alarm=0.7``).

    Raises:
        sim.model.params.ParameterError: for a value a field does not allow.
        ValueError: for a seed that is not a non-negative integer.

    Attributes:
        base: the parameters before the controls.
        changed: dotted keys whose value differs from ``base``, with the new value.
        seed: the seed used (None: fresh entropy).
        history: the :class:`History` the page plots.
        render_times: seconds the page last took to draw each figure of this model, by
            figure name (filled in by the page).
        lock: held while a month is simulated; the page holds it while it reads the model to
            draw, since SolaraViz plays the model in another thread.
    """

    def __init__(self, rng: Any = None, base: Params | None = None, scenario: Any = None,
                 **flat: Any):
        base = base if base is not None else Params()
        overrides = overrides_from_flat(flat, base)
        params = base.override(overrides) if overrides else base
        seed = parse_seed(rng)
        super().__init__(params, rng=seed)
        self.base = base
        self.seed = seed
        self.changed = {k: v for k, v in overrides.items() if base.get(k) != v}
        self.history = History()
        self.history.add(self)
        self.render_times: dict[str, float] = {}
        self.lock = threading.RLock()

    def step(self) -> None:
        """One month of the model, then one row of history (under :attr:`lock`)."""
        with self.lock:
            super().step()
            self.history.add(self)

    @property
    def render_seconds(self) -> float:
        """Seconds the page last took to draw all of this model's figures (0: not drawn)."""
        return float(sum(self.render_times.values()))

    def current_phases(self) -> list[Phase]:
        """Each sector's phase now (LOOSE for every sector before the first month)."""
        return [Phase(int(p)) for p in self.leadership.phase]


__all__ = ["DashboardModel", "History"]
