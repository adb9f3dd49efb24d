"""The regulatory pendulum as a Mesa model: this module only wires the month (MODEL.md §3).

local governments → agencies set E → agencies select and sanction → firms learn, choose, pledge,
grow, merge, exit and enter, harm, raise rare events → public grievance and scandals →
information channels and revelation → markets and pain → leadership updates signal, phase and
floor → recording.

Each mechanism lives in its own module with explicit inputs; nothing schedules a phase by date.
Every random draw comes from the model's seeded generator ``self.rng``. Beside the mechanisms,
the month calls on:

- :mod:`~sim.model.founding`: the lax steady state the model starts from (MODEL.md §2);
- :mod:`~sim.model.sectors`: sector totals, the month's harm profile and sector growth;
- :mod:`~sim.model.exogenous`: the exogenous series and the scheduled events;
- :mod:`~sim.model.turnover`: pledges, acquisitions, exits and entries;
- :mod:`~sim.model.rare_events`: public defiance and foreign listings;
- :mod:`~sim.model.collection`: the month's tallies and what is recorded (MODEL.md §4).
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from . import agencies as agency_rules
from . import firms as firm_rules
from . import turnover
from .agencies import Agency, Regulators
from .collection import collect, month_tallies, snapshot
from .compiled import CompiledMonths
from .dynamics import sector_sums
from .exogenous import (
    add_scheduled_scandals,
    events_by_month,
    extend_series,
    macro_pulse,
    step_series,
)
from .firms import FirmPopulation, TechFirm
from .founding import found_firms
from .information import channel_values
from .leadership import Leadership, Triggers
from .local import LocalGovernment, Provinces
from .params import Params, ScheduledEvent, parse_month
from .rare_events import rare_events
from .recorder import EventLog, FirmPanel, SeriesRecorder
from .sectors import (
    effective_profile,
    herfindahl,
    province_revenue,
    sector_growth,
    sector_jobs,
    sector_members,
    sector_total,
)
from .states import Cause, EventKind, Phase

ENGINES: tuple[str, ...] = ("compiled", "numpy")
"""How the month runs: numba kernels, or the mechanism modules (the reference)."""


class RegulatoryModel(mesa.Model):
    """Zhang's regulatory pendulum: firms, provinces, agencies, the public and the leadership.

    Args:
        params: all parameters (:class:`sim.model.params.Params`); defaults when None.
        rng: seed for the model's generator (int, ``numpy.random.SeedSequence`` or
            ``numpy.random.Generator``), passed to ``mesa.Model``.
        engine: ``"compiled"`` (the default) runs the month in numba kernels
            (:mod:`sim.model.kernel`); ``"numpy"`` runs the mechanism modules' reference
            implementation. Same draws in the same order: the two agree to the last bits in
            which numpy's and the C library's ``exp``, ``log`` and ``pow`` round differently.

    Attributes:
        p: the parameters (never mutated).
        firms, provinces, regulators, public, channels, markets: the mechanisms' state.
        leadership: the ``Leadership`` agent.
    """

    def __init__(self, params: Params | None = None, *, rng: Any = None,
                 engine: str = "compiled"):
        super().__init__(rng=rng)
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.engine = engine
        self.p = p = params if params is not None else Params()
        self.sector_names = p.sector_names
        self.n_sectors = n_sectors = len(p.sectors)
        self.alignment = np.array([s.alignment for s in p.sectors])
        self.profile = np.array([s.harms for s in p.sectors])
        self.ban_possible = np.array([s.ban_possible for s in p.sectors])
        self.gated = np.array([s.licence_gate for s in p.sectors])
        self.base_growth = np.array([s.growth for s in p.sectors])
        self.data_rich = self.profile[:, 1] >= p.firms.listing_privacy_min
        self.can_ban = self.ban_possible & (self.alignment < p.leadership.ban_max_alignment)
        unified = p.agencies.structure == "unified"
        # a unified regulator shares every dimension and removes both kinds of under-reporting
        self.growth_faction = 0.0 if unified else p.information.growth_faction
        self.local_underreporting = 0.0 if unified else p.information.local_underreporting
        self.month = 0
        self.start = parse_month(p.run.start_date)

        self._horizon = p.run.months
        self.foreign_climate = step_series(p.exogenous.foreign_climate, self._horizon)
        self.macro = step_series(p.exogenous.macro_shock, self._horizon)
        self.macro_pulse = 0.0
        self.scheduled = events_by_month(p.exogenous.events)

        self.provinces = Provinces(p.local, self.rng)
        for k in range(p.local.n_provinces):
            LocalGovernment(self, k)
        self.regulators = Regulators(p)
        for name, mandate, leads in self.regulators.agency_specs():
            Agency(self, name, mandate, leads)
        self.leadership = Leadership(self, n_sectors, p.leadership)
        self.regulators.start(self.leadership.signal, self.leadership.floor, p.agencies)
        self.firms = FirmPopulation(capacity=2 * p.firms.n_firms + 64)
        found_firms(self)
        self.events_log = EventLog(self.sector_names, self.firms)
        self.panel = FirmPanel()
        self.recorder = SeriesRecorder(self._horizon, self.sector_names)
        self.macro_now = 0.0
        self._compiled = CompiledMonths(self) if engine == "compiled" else None
        self._ahead = 0  # months the kernel has already run for run()'s coming steps
        self.running = True

    # ------------------------------------------------------------------ the state's views
    def harm_profile(self, crackdown: np.ndarray) -> np.ndarray:
        """This month's harm profiles (:func:`sim.model.sectors.effective_profile`).

        A licence freeze applies in the gated sectors that ``crackdown`` marks.
        """
        return effective_profile(self.profile, self.hhi, self.hhi0, self.gated & crackdown,
                                 self.regulators.content, self.p.agencies)

    def channel_reports(self, by_dim: np.ndarray) -> np.ndarray:
        """This month's undelayed channel reports (:func:`sim.model.information.channel_values`).

        The local channel carries harm less what the provinces hide of their firms' harm; the
        tolerance is Tol_s·e^{g_Y·t}.
        """
        pop, n = self.firms, self.firms.n
        hidden = self.provinces.hidden_share(pop.province[:n], pop.sector[:n],
                                             self.leadership.signal, self.local_underreporting)
        local_harm = sector_sums(pop.sector[:n], pop.harm[:n] * (1.0 - hidden), self.n_sectors)
        tolerance = self.public.tolerance * np.exp(self.p.public.tolerance_growth * self.month)
        return channel_values(self.public.alarm, by_dim, tolerance, self.regulators.mandate,
                              self.alignment, local_harm, self.p.information.censorship,
                              self.growth_faction)

    def log_event(self, kind: EventKind, *, sector: int | None = None, slot: int | None = None,
                  agency: str = "", magnitude: float = np.nan, fine: float = 0.0,
                  detail: str = "", cause: str = "") -> None:
        """Append to the event log; the firm's revenue is read from the slot if given."""
        revenue = float(self.firms.revenue[slot]) if slot is not None else np.nan
        self.events_log.add(self.month, kind.value, -1 if sector is None else sector,
                            -1 if slot is None else slot, revenue, agency, float(magnitude),
                            float(fine), detail, cause)

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month, in the order of MODEL.md §3."""
        self.month = self.steps - 1
        if self._ahead:  # run() had the kernel compute this month already
            self._ahead -= 1
            return
        if self.month >= self._horizon:
            self._extend_horizon(self.month + 1)
        if self._compiled is not None:
            self._compiled.run(self.month, 1)
            self._snapshot_if_due(self.month)
            return
        self.stats = month_tallies(self.n_sectors)
        scheduled = self.scheduled.get(self.month, [])
        for ev in scheduled:
            self.log_event(EventKind.SCHEDULED, sector=self.sector_names.index(ev.sector)
                           if ev.sector else None, magnitude=ev.magnitude, detail=ev.kind)
        lead = self.leadership
        self.crackdown = lead.phase == int(Phase.CRACKDOWN)
        self.banned = lead.phase == int(Phase.BANNED)
        self.reach = lead.update_climate(self.alignment, self.p.leadership)
        self._local_governments()
        self._agencies_set_enforcement()
        self._campaign_enforcement()
        self._firms_act(scheduled)
        self._public(scheduled)
        self._information()
        self._markets(scheduled)
        self._leadership()
        collect(self)

    def _extend_horizon(self, months: int) -> None:
        """Make room for a run past ``run.months``: series held at their last value."""
        months = max(months, 2 * self._horizon)
        self.foreign_climate = extend_series(self.foreign_climate, months)
        self.macro = extend_series(self.macro, months)
        self.recorder.grow(months)
        self._horizon = months

    # ---- 1. local governments
    def _local_governments(self) -> None:
        pop, n = self.firms, self.firms.n
        self.provinces.update(province_revenue(pop, self.p.local.n_provinces), self.p.local)
        pop.protection[:n] = self.provinces.protection_faced(
            pop.province[:n], pop.sector[:n], self.leadership.signal) * pop.alive[:n]

    # ---- 2. agencies set enforcement
    def _agencies_set_enforcement(self) -> None:
        lead, pop, n = self.leadership, self.firms, self.firms.n
        self.regulators.update(lead.signal, lead.floor, self.crackdown.astype(float),
                               self.channels.reports[1], self.p.agencies)
        e = self.regulators.enforcement[pop.sector[:n]] * (1.0 - pop.protection[:n])
        pop.enforcement_faced[:n] = e * pop.alive[:n]

    # ---- 3. agencies select and sanction
    def _campaign_enforcement(self) -> None:
        p, pop, rng = self.p, self.firms, self.rng
        ap = p.agencies
        E, L = self.regulators.enforcement, self.leadership.signal
        cases = agency_rules.case_counts(E, ap, rng)
        for s in np.flatnonzero(cases):
            members = sector_members(pop, int(s))
            if len(members) == 0:
                continue
            weights = agency_rules.targeting_weights(pop, members, float(L[s]), pop.protection,
                                                     ap, p.firms.pledge_targeting)
            targets = agency_rules.draw_targets(members, weights, int(cases[s]), rng)
            rates = agency_rules.fine_rates(pop, targets, members, float(L[s]), ap)
            done = agency_rules.sanction(pop, int(s), targets, rates, float(L[s]), float(E[s]),
                                         ap)
            self.stats["cases"][s] += len(targets)
            self.stats["fines"][s] += done.amounts.sum()
            agency = self.regulators.lead[s]
            for slot, rate, amount in zip(targets.tolist(), rates.tolist(),
                                          done.amounts.tolist(), strict=True):
                self.log_event(EventKind.SANCTION, sector=int(s), slot=slot, agency=agency,
                               magnitude=rate, fine=amount)
            agency_rules.demonstration(pop, members, targets, float(L[s]), float(E[s]),
                                       p.firms.demonstration)
            # in a campaign, a sanctioned firm listed abroad is made to delist (Didi, 2021)
            if L[s] > 0.5:
                for slot in targets[pop.listed_abroad[targets]].tolist():
                    pop.listed_abroad[slot] = False
                    self.log_event(EventKind.LISTING_SUSPENSION, sector=int(s), slot=slot,
                                   agency=agency)

    # ---- 4. firms
    def _firms_act(self, scheduled: list[ScheduledEvent]) -> None:
        p, pop, rng = self.p, self.firms, self.rng
        fp = p.firms
        firm_rules.learn(pop, fp)
        firm_rules.choose(pop, fp, p.agencies)
        turnover.pledges(self)
        growth = sector_growth(self.base_growth, self.alignment, self.leadership.signal,
                               self.gated & self.crackdown, p)
        firm_rules.grow(pop, growth, fp, rng)
        turnover.acquisitions(self)
        turnover.exits(self)
        turnover.entries(self)
        self.hhi = herfindahl(pop, self.n_sectors, self.hhi)
        self.harm_by_dim = firm_rules.harm(pop, self.harm_profile(self.crackdown), fp,
                                           p.agencies.recent_harm_months, self.n_sectors)
        n = pop.n
        np.maximum(pop.blacklist[:n] - 1, 0, out=pop.blacklist[:n])
        self.triggers = Triggers(scandal=np.zeros(self.n_sectors, dtype=bool),
                                 defiance=np.zeros(self.n_sectors, dtype=bool),
                                 listing=np.zeros(self.n_sectors, dtype=bool))
        self.revealed = np.zeros(self.n_sectors, dtype=bool)
        self.revelation_cause: dict[int, str] = {}
        rare_events(self, scheduled)

    # ---- 5. public grievance and scandals
    def _public(self, scheduled: list[ScheduledEvent]) -> None:
        p = self.p
        pub = self.public
        pub.perceive_harm(self.harm_by_dim.sum(axis=1), self.month, p.public)
        scandals = pub.draw_scandals(~self.banned, p.public, self.rng)
        add_scheduled_scandals(scandals, scheduled, self.sector_names)
        sums = np.zeros(self.n_sectors)
        for s, mags in enumerate(scandals):
            if len(mags) == 0:
                continue
            sums[s] = mags.sum()
            self.stats["scandals"][s] = len(mags)
            self.stats["max_scandal"] = max(self.stats["max_scandal"], float(mags.max()))
            self.triggers.scandal[s] = bool(mags.max() > p.leadership.trigger_magnitude)
            if (p.information.revelation and mags.max() > p.information.revelation_magnitude
                    and not self.revealed[s]):
                self.revealed[s] = True
                self.revelation_cause[s] = Cause.SCANDAL.value
            for m in mags.tolist():
                self.log_event(EventKind.SCANDAL, sector=s, magnitude=m)
        pub.update(sums, p.public)

    # ---- 6. information channels and revelation
    def _information(self) -> None:
        p, ch, pop = self.p, self.channels, self.firms
        revenue = sector_total(pop, pop.revenue, self.n_sectors)
        self.pledged_share = np.divide(sector_total(pop, pop.revenue * pop.pledged,
                                                    self.n_sectors),
                                       revenue, out=np.zeros(self.n_sectors),
                                       where=revenue > 0)
        ch.update(self.channel_reports(self.harm_by_dim), self.public.alarm, self.revealed,
                  self.reach, self.pledged_share, p.information,
                  p.leadership.climate_transparency, p.firms.pledge_alarm)
        for s in np.flatnonzero(self.revealed).tolist():
            gap = (self.public.alarm[s] - ch.mix[s]) / self.leadership.threshold[s]
            self.log_event(EventKind.REVELATION, sector=s, magnitude=float(gap),
                           cause=self.revelation_cause.get(s, ""))

    # ---- 7. markets and pain
    def _markets(self, scheduled: list[ScheduledEvent]) -> None:
        pop = self.firms
        self.macro_pulse = macro_pulse(self.macro_pulse, scheduled)
        self.macro_now = float(self.macro[self.month]) + self.macro_pulse
        self.markets.update(sector_total(pop, pop.revenue, self.n_sectors),
                            sector_jobs(pop, self.n_sectors),
                            self.regulators.enforcement, self.crackdown, self.banned,
                            self.macro_now, self.p.markets)

    # ---- 8. leadership
    def _leadership(self) -> None:
        p, lead, lp = self.p, self.leadership, self.p.leadership
        lead.perceive_pain(self.markets.pain, self.markets.economy_pain, lp.sector_pain_weight,
                           lp.tau_pain / p.information.feedback_speed)
        elsewhere = (self.crackdown.sum() - self.crackdown) > 0
        lead.thresholds(self.alignment, elsewhere, lp)
        self.triggers.campaign = self.rng.random(self.n_sectors) < lp.climate_trigger * self.reach
        hidden_gap = self.channels.revealed_gap(self.public.alarm, lead.threshold)
        harm = self.harm_by_dim
        total = harm.sum(axis=1, keepdims=True)
        share = np.divide(harm, total, out=np.zeros_like(harm), where=total > 0)
        changes = lead.step_phases(self.channels.perceived, hidden_gap, self.triggers, share,
                                   self.can_ban, lp, self.alignment)
        for change in changes:
            self.log_event(EventKind.PHASE_CHANGE, sector=change.sector,
                           magnitude=float(int(change.new)), detail=change.new.name,
                           cause=change.cause.value)
            if change.new == Phase.BANNED:
                members = sector_members(self.firms, change.sector)
                self.log_event(EventKind.SECTOR_BAN, sector=change.sector,
                               magnitude=float(len(members)))
                turnover.remove(self, members, "ban", vacate=False)

    # ---- 9. recording: :func:`sim.model.collection.collect`

    # ------------------------------------------------------------------ API
    def run(self, months: int | None = None) -> RegulatoryModel:
        """Advance ``months`` months (default: ``params.run.months``); return self.

        On the compiled engine one kernel call runs all the months (stopping where the firm
        panel takes a snapshot); Mesa's steps are then taken without work, so that
        ``steps`` and ``time`` advance as if each month had been stepped.
        """
        months = self.p.run.months if months is None else months
        if self._compiled is not None and months > 1:
            first = self.steps
            if first + months > self._horizon:
                self._extend_horizon(first + months)
            every = self.p.run.firm_panel_every
            month = first
            while month < first + months:
                chunk = first + months - month
                if every:
                    chunk = min(chunk, every - month % every if month % every else 1)
                self._compiled.run(month, chunk)
                month += chunk
                self._snapshot_if_due(month - 1)
            self._ahead = months
        for _ in range(months):
            self.step()
        return self

    def _snapshot_if_due(self, month: int) -> None:
        every = self.p.run.firm_panel_every
        if every and month % every == 0:
            self.month = month
            snapshot(self)

    def dates(self, n: int) -> pd.DatetimeIndex:
        """Calendar months of the first ``n`` rows (first days, ``datetime64[s]``)."""
        # month arithmetic in numpy: pandas' month-start range builds each date in Python
        first = np.datetime64(f"{self.start.year:04d}-{self.start.month:02d}", "M")
        return pd.DatetimeIndex((first + np.arange(n)).astype("datetime64[s]"))

    def series(self) -> pd.DataFrame:
        """One row per month: the columns of :func:`sim.model.schema.series_columns`."""
        return self.recorder.frame(self.dates(self.recorder.rows))

    def events(self) -> pd.DataFrame:
        """The event log (:data:`sim.model.schema.EVENT_COLUMNS`)."""
        return self.events_log.frame()

    def firm_panel(self) -> pd.DataFrame:
        """Firm snapshots every ``run.firm_panel_every`` months (see ``schema.PANEL_COLUMNS``)."""
        return self.panel.frame()

    @property
    def tech_firms(self) -> mesa.agent.AgentSet:
        """The live tech firms as a Mesa AgentSet."""
        return self.agents_by_type.get(TechFirm, mesa.agent.AgentSet([], random=self.random))
