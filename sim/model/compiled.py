"""Glue between the Mesa model and the compiled month (:mod:`sim.model.kernel`, issue #12).

:class:`CompiledMonths` packs the model's arrays into the kernel's argument tuples, runs months,
and afterwards puts back what lives outside arrays: the scalars of the state (the campaign
climate, economy pain, …), the firm count, the event buffer, and Mesa's agents (a
:class:`~sim.model.firms.TechFirm` for each entrant, in slot order as the reference creates them;
retired firms' agents removed). The kernel changes the mechanisms' arrays in place, so
``model.leadership.signal``, ``model.markets.valuation`` and the rest stay the model's view of
its state between months, as the dashboard reads them.

The first call in a fresh environment compiles the kernels (about 30 s) and caches them on
disk (numba's ``cache=True``), saying so on stderr (:func:`announce_compilation`);
:func:`sim.model.warmup.warm_up` does it on purpose.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import numpy as np

from . import kernel
from .firms import FirmPopulation, TechFirm
from .recorder import agency_code
from .states import HARM_DIMENSIONS, ScheduledKind

if TYPE_CHECKING:
    from .model import RegulatoryModel

_SCHEDULED_CODE = {k.value: i for i, k in enumerate(ScheduledKind)}

_STATE_OWNERS: dict[str, tuple[str, str]] = {
    **{name: ("leadership", name) for name in (
        "signal", "floor", "threshold", "onset_threshold", "severity", "revealed_gap",
        "ban_pressure", "pain_borne", "perceived_pain", "reach")},
    "enforcement": ("regulators", "enforcement"),
    "content": ("regulators", "content"),
    **{name: ("public", name) for name in ("grievance", "heat", "harm_alarm")},
    **{name: ("channels", name) for name in ("mix", "transparency", "perceived")},
    **{name: ("markets", name) for name in (
        "market_enforcement", "expected_growth", "trend", "log_path", "log_revenue",
        "valuation", "peak", "jobs_peak", "drawdown", "shortfall", "jobs", "pain")},
}
"""Which mechanism object holds each row of the sectors' state (reports, hhi and the pledged
share are placed apart)."""


def parameter_vector(model: RegulatoryModel) -> np.ndarray:
    """The parameters as the kernel reads them (:data:`sim.model.kernel.PARAMETERS`)."""
    p = model.p
    lp, ip = p.leadership, p.information
    derived = {
        "rules_mode": lp.mode == "rules",
        "tau_pain": lp.tau_pain / ip.feedback_speed,
        "growth_faction": model.growth_faction,
        "local_underreporting": model.local_underreporting,
        "exit_floor": model.exit_floor,
        "valuation_base": model.markets.base,
    }
    groups = (lp, ip, p.agencies, p.local, p.firms, p.public, p.markets)
    values = []
    for name in kernel.PARAMETERS:
        if name in derived:
            value = derived[name]
        else:
            value = next(getattr(g, name) for g in groups if hasattr(g, name))
        values.append(float(kernel.PARAMETER_TYPES.get(name, float)(value)))
    return np.array(values, dtype=np.float64)


def _f(values) -> np.ndarray:
    return np.ascontiguousarray(values, dtype=np.float64)


class CompiledMonths:
    """Runs a model's months in the kernel; built once the model has been founded.

    On construction the mechanisms' per-sector arrays are moved into the kernel's flat
    arrays (:data:`sim.model.kernel.SECTOR_STATE` rows): ``model.leadership.signal`` and the
    others become views of their rows, so that they show the state between months.
    """

    def __init__(self, model: RegulatoryModel):
        if (FirmPopulation.FLOATS, FirmPopulation.INTS, FirmPopulation.BOOLS) != (
                kernel.FIRM_FLOATS, kernel.FIRM_INTS, kernel.FIRM_BOOLS):
            raise RuntimeError("sim.model.kernel's firm rows differ from FirmPopulation's")
        self.model = m = model
        S = m.n_sectors
        self.params = parameter_vector(m)
        # the sectors' state: one row per quantity; the mechanisms keep views of the rows
        self.state = np.zeros((len(kernel.SECTOR_STATE), S))
        for row, name in enumerate(kernel.SECTOR_STATE):
            if name in _STATE_OWNERS:
                owner, attr = _STATE_OWNERS[name]
                obj = getattr(m, owner)
                self.state[row] = getattr(obj, attr)
                setattr(obj, attr, self.state[row])
        reports = slice(kernel.X_REPORT_PUBLIC, kernel.X_REPORT_LOCAL + 1)
        self.state[reports] = m.channels.reports
        m.channels.reports = self.state[reports]
        self.state[kernel.X_HHI] = m.hhi  # founding shares HHI with HHI_0: copied here
        m.hhi = self.state[kernel.X_HHI]
        m.pledged_share = self.state[kernel.X_PLEDGED_SHARE]
        self.phases = np.array([m.leadership.phase, m.leadership.months_in_phase],
                               dtype=np.int64)
        m.leadership.phase, m.leadership.months_in_phase = self.phases[0], self.phases[1]
        prov = m.provinces
        self.provinces = np.array([prov.base_dependence, prov.dependence, prov.protection],
                                  dtype=np.float64)
        prov.base_dependence, prov.dependence, prov.protection = self.provinces
        self.harm = np.array(m.harm_by_dim, dtype=np.float64)
        m.harm_by_dim = self.harm
        # constants
        self.sector_constants = np.array([
            m.alignment, m.base_growth, m.gated, m.data_rich, m.can_ban, m.hhi0,
            m.public.tolerance, [agency_code(a) for a in m.regulators.lead]], dtype=np.float64)
        self.profile = _f(m.profile)
        self.mandate = _f(m.regulators.mandate)
        self.harm_tolerance = _f([getattr(m.p.leadership, f"tolerance_{d}")
                                  for d in HARM_DIMENSIONS])
        self.channel_constants = np.array([m.channels.weights, m.channels.delays],
                                          dtype=np.float64)
        events = m.p.exogenous.events
        names = m.sector_names
        self.scheduled = np.array(
            [[e.month for e in events], [_SCHEDULED_CODE[e.kind] for e in events],
             [names.index(e.sector) if e.sector else -1 for e in events],
             [e.magnitude for e in events]], dtype=np.float64).reshape(4, len(events))
        self.exogenous = np.array([m.foreign_climate, m.macro], dtype=np.float64)
        self.scalars = np.zeros(len(kernel.SCALARS))
        self.has_agent = np.zeros(m.firms.capacity, dtype=np.bool_)
        self.has_agent[: m.firms.n] = True
        self.retired_seen = 0.0  # SC_RETIRED when the agents were last brought up to date

    def _scalars_in(self) -> None:
        m, sc, k = self.model, self.scalars, kernel
        sc[k.SC_N] = m.firms.n
        sc[k.SC_CLIMATE] = m.leadership.climate
        sc[k.SC_CLIMATE_JUMP] = m.leadership._climate_jump
        sc[k.SC_MACRO_PULSE] = m.macro_pulse
        sc[k.SC_MACRO_NOW] = m.macro_now
        sc[k.SC_ECONOMY_PAIN] = m.markets.economy_pain
        sc[k.SC_GROWTH] = m.markets.growth
        sc[k.SC_INDEX_PEAK] = m.markets.index_peak
        sc[k.SC_N_EVENTS] = m.events_log.count

    def _scalars_out(self) -> None:
        m, sc, k = self.model, self.scalars, kernel
        m.leadership.climate = float(sc[k.SC_CLIMATE])
        m.leadership._climate_jump = float(sc[k.SC_CLIMATE_JUMP])
        m.macro_pulse = float(sc[k.SC_MACRO_PULSE])
        m.macro_now = float(sc[k.SC_MACRO_NOW])
        m.markets.economy_pain = float(sc[k.SC_ECONOMY_PAIN])
        m.markets.growth = float(sc[k.SC_GROWTH])
        m.markets.index_peak = float(sc[k.SC_INDEX_PEAK])
        m.events_log.count = int(sc[k.SC_N_EVENTS])
        if sc[k.SC_OVERFLOW]:
            raise RuntimeError("the compiled month ran out of room in the event buffer")

    # ------------------------------------------------------------------ running
    def run(self, first: int, months: int) -> None:
        """Run months ``first`` … ``first + months − 1`` (the caller made room to record them)."""
        if not _loaded:  # the first run in this process compiles or loads the kernel
            announce_compilation()
        m = self.model
        if self.exogenous.shape[1] < first + months:  # the horizon was extended
            self.exogenous = np.array([m.foreign_climate, m.macro], dtype=np.float64)
        self._scalars_in()
        done = 0
        while done < months:
            pop = m.firms
            status, ran, m.events_log.buffer = kernel.run_months(
                pop.floats, pop.ints, pop.bools, self.state, self.phases, self.provinces,
                self.harm, self.sector_constants, self.profile, self.mandate,
                self.harm_tolerance, self.channel_constants, self.exogenous, self.scheduled,
                self.params, first + done, first + months, m.recorder.agg, m.recorder.quant,
                m.events_log.buffer, self.scalars, m.rng)
            _mark_loaded()
            done += ran
            self._sync_agents()
            if status == kernel.NEED_CAPACITY:
                pop.grow(2 * pop.capacity)
        self._scalars_out()
        m.recorder.rows = max(m.recorder.rows, first + months)

    def _sync_agents(self) -> None:
        """Mesa agents for the entrants, then none for the firms that died.

        Agents are made in slot order, as the reference makes them (so their unique ids
        match); an entrant of a multi-month call may have died within it.
        """
        m, pop = self.model, self.model.firms
        n_old, n = pop.n, int(self.scalars[kernel.SC_N])
        retired_so_far = self.scalars[kernel.SC_RETIRED]
        if n == n_old and retired_so_far == self.retired_seen:
            return
        self.retired_seen = retired_so_far
        if n > n_old:
            agents = [TechFirm(m, slot) for slot in range(n_old, n)]
            pop.uid[n_old:n] = [a.unique_id for a in agents]
            pop.agents.extend(agents)
            if len(self.has_agent) < n:
                grown = np.zeros(pop.capacity, dtype=np.bool_)
                grown[: len(self.has_agent)] = self.has_agent
                self.has_agent = grown
            self.has_agent[n_old:n] = True
            pop.n = n
        retired = np.flatnonzero(self.has_agent[:n] & ~pop.alive[:n])
        for slot in retired.tolist():
            pop.agents[slot].remove()
            pop.agents[slot] = None
        self.has_agent[retired] = False


COMPILING_MESSAGE = ("regcycle: compiling the model's month (numba, once per installation; "
                     "about 30 s)...")


def announce_compilation() -> bool:
    """Say on stderr that the kernels are about to compile, when no cache holds them.

    Returns whether it said so; says it once per process. Loading a cache takes about a
    second and is not announced.
    """
    global _announced
    if _announced or _cache_present():
        return False
    _announced = True
    print(COMPILING_MESSAGE, file=sys.stderr, flush=True)
    return True


_announced = False
_loaded = False  # (reading run_months.signatures instead costs ~40 µs a call)


def _mark_loaded() -> None:
    global _loaded
    _loaded = True


def _cache_present() -> bool:
    """Whether numba's cache holds the compiled month for the current source.

    Asks the kernel's own cache (beside ``kernel.py``, under ``$NUMBA_CACHE_DIR``, or numba's
    user-wide folder when the package is read-only) for its index, which numba keys to the
    source file's time stamp and size: an index left by an edited kernel counts as absent.
    """
    cache = getattr(kernel.run_months, "_cache", None)
    cache_file = getattr(cache, "_cache_file", None)
    index = getattr(cache_file, "_index_path", None)
    if not index or not os.path.exists(index):
        return False
    try:  # numba's reading of the index returns nothing when its stamp is not the source's
        return bool(cache_file._load_index())
    except Exception:  # an index numba cannot read is one it will rewrite: absent
        return False
