"""The regulatory pendulum as a Mesa model: this module only wires the month (MODEL.md §3).

local governments → agencies set E → agencies select and sanction → firms learn, choose, pledge,
grow, merge, exit and enter, harm, raise rare events → public grievance and scandals →
information channels and revelation → markets and pain → leadership updates signal, phase and
floor → recording.

Each mechanism lives in its own module with explicit inputs; nothing schedules a phase by date.
Every random draw comes from the model's seeded generator ``self.rng``.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from . import agencies as agency_rules
from . import firms as firm_rules
from .agencies import Agency, Regulators
from .dynamics import sector_sums
from .firms import FirmPopulation, TechFirm
from .information import Channels, channel_values
from .leadership import Leadership, Triggers
from .local import LocalGovernment, Provinces
from .markets import Markets
from .params import Params, parse_month
from .public import Public
from .recorder import EventLog, FirmPanel, SeriesRecorder
from .states import CONTENT, HARM_DIMENSIONS, Cause, EventKind, Phase, ScheduledKind

MACRO_PULSE_MONTHS = 6.0
"""Time constant over which a scheduled macro shock fades from economy pain."""

STEADY_STATE_ITERATIONS = 60
"""Fixed-point iterations of firms' best response and records for the lax steady state."""

JOBS_EXPONENT = 0.8
"""Jobs ∝ revenue^0.8 (larger firms employ less per unit of revenue)."""


def step_series(breakpoints: tuple[tuple[int, float], ...], months: int) -> np.ndarray:
    """Expand ``((month, value), ...)`` into a monthly step function (0 before the first)."""
    out = np.zeros(months)
    for m, v in breakpoints:
        if m < months:
            out[m:] = v
    return out


class RegulatoryModel(mesa.Model):
    """Zhang's regulatory pendulum: firms, provinces, agencies, the public and the leadership.

    Args:
        params: all parameters (:class:`sim.model.params.Params`); defaults when None.
        rng: seed for the model's generator (int, ``numpy.random.SeedSequence`` or
            ``numpy.random.Generator``), passed to ``mesa.Model``.

    Attributes:
        p: the parameters (never mutated).
        firms, provinces, regulators, public, channels, markets: the mechanisms' state.
        leadership: the ``Leadership`` agent.
    """

    def __init__(self, params: Params | None = None, *, rng: Any = None):
        super().__init__(rng=rng)
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
        self.scheduled: dict[int, list] = {}
        for ev in p.exogenous.events:
            self.scheduled.setdefault(ev.month, []).append(ev)

        self.provinces = Provinces(p.local, self.rng)
        for k in range(p.local.n_provinces):
            LocalGovernment(self, k)
        self.regulators = Regulators(p)
        for name, mandate, leads in self.regulators.agency_specs():
            Agency(self, name, mandate, leads)
        self.leadership = Leadership(self, n_sectors, p.leadership)
        self.regulators.start(self.leadership.signal, self.leadership.floor, p.agencies)
        self.firms = FirmPopulation(capacity=2 * p.firms.n_firms + 64)
        self._found_firms()
        self.events_log = EventLog()
        self.panel = FirmPanel()
        self.recorder = SeriesRecorder(self._horizon, self.sector_names)
        self.running = True

    # ------------------------------------------------------------------ the lax steady state
    def _found_firms(self) -> None:
        """Firms, records, grievance and channels at a lax steady state (MODEL.md §2).

        Firms are split evenly across sectors with log-normal sizes scaled to the sectors'
        revenue shares; aggressiveness and the violation record are iterated to their fixed
        point at the enforcement firms face; the public's tolerance is set so that the true
        alarm starts at A_0; every channel starts at its steady value. The first crackdowns
        then come from harm outgrowing tolerance over years, not from the initial conditions.
        """
        p, rng, pop = self.p, self.rng, self.firms
        fp, n, S = p.firms, p.firms.n_firms, self.n_sectors
        sector = np.arange(n) % S
        province = rng.integers(0, p.local.n_provinces, n)
        revenue = rng.lognormal(0.0, fp.revenue_sigma, n)
        share = np.array([s.revenue_share for s in p.sectors])
        for s in range(S):
            mask = sector == s
            if mask.any():
                revenue[mask] *= share[s] / revenue[mask].sum()
        growth_type = rng.normal(0.0, fp.growth_type_sd, n)
        slots = pop.add(self, sector, province, revenue, np.full(n, 0.5), np.zeros(n),
                        growth_type)
        positive = revenue[revenue > 0]
        self.exit_floor = fp.exit_revenue * float(np.quantile(positive, 0.05)) \
            if len(positive) else 0.0
        self.provinces.update(self._province_tax(), p.local)
        lead = self.leadership
        pop.protection[slots] = self.provinces.protection_faced(province, sector, lead.signal)
        pop.enforcement_faced[slots] = (self.regulators.enforcement[sector]
                                        * (1.0 - pop.protection[slots]))
        pop.belief[slots] = pop.enforcement_faced[slots]
        self.hhi0 = self.hhi = self._sector_hhi()
        crackdown = np.zeros(S, dtype=bool)
        profile = self._effective_profile(crackdown)
        for _ in range(STEADY_STATE_ITERATIONS):
            by_dim = firm_rules.harm(pop, profile, fp, p.agencies.recent_harm_months, S)
            pop.violation[slots] = pop.harm[slots] / max(fp.violation_decay, 1e-9)
            pop.recent_violation[slots] = pop.harm[slots] * p.agencies.recent_harm_months
            years = firm_rules.record_years(
                firm_rules.punishable_record(pop, p.agencies.retroactive)[slots], revenue)
            pop.aggressiveness[slots] = firm_rules.best_response(pop.belief[slots], years, fp,
                                                                 p.agencies)
        by_dim = firm_rules.harm(pop, profile, fp, p.agencies.recent_harm_months, S)
        pop.violation[slots] = pop.harm[slots] / max(fp.violation_decay, 1e-9)
        pop.recent_violation[slots] = pop.harm[slots] * p.agencies.recent_harm_months
        self.harm_by_dim = by_dim
        initial_alarm = np.array([s.initial_alarm for s in p.sectors])
        self.public = Public(by_dim.sum(axis=1), initial_alarm)
        self.public.perceive_harm(by_dim.sum(axis=1), 0, p.public)
        self.channels = Channels(self._channel_values(by_dim), p.information)
        revenue_s = self._sector_sum(pop.revenue)
        mean_a = self._weighted(pop.aggressiveness, revenue_s)
        mean_e = self._weighted(pop.enforcement_faced, revenue_s)
        trend = (self._sector_growth(crackdown) + fp.growth_aggressiveness * mean_a
                 - fp.enforcement_drag * mean_e)
        self.markets = Markets(revenue_s, self._sector_sum(pop.revenue ** JOBS_EXPONENT),
                               self.regulators.enforcement, trend, p.markets,
                               p.public.tolerance_growth)

    # ------------------------------------------------------------------ helpers
    def _sector_sum(self, values: np.ndarray) -> np.ndarray:
        n = self.firms.n
        return sector_sums(self.firms.sector[:n], values[:n] * self.firms.alive[:n],
                           self.n_sectors)

    def _weighted(self, values: np.ndarray, revenue_s: np.ndarray) -> np.ndarray:
        total = self._sector_sum(values * self.firms.revenue)
        return np.divide(total, revenue_s, out=np.zeros_like(total), where=revenue_s > 0)

    def _sector_hhi(self) -> np.ndarray:
        rev = self._sector_sum(self.firms.revenue)
        sq = self._sector_sum(self.firms.revenue ** 2)
        previous = getattr(self, "hhi", np.ones(self.n_sectors))
        return np.where(rev > 0, sq / np.maximum(rev, 1e-150) ** 2, previous)

    def _province_tax(self) -> np.ndarray:
        pop, n = self.firms, self.firms.n
        return np.bincount(pop.province[:n], weights=pop.revenue[:n] * pop.alive[:n],
                           minlength=self.p.local.n_provinces)

    def _members(self, s: int) -> np.ndarray:
        pop, n = self.firms, self.firms.n
        return np.flatnonzero(pop.alive[:n] & (pop.sector[:n] == s))

    def _effective_profile(self, crackdown: np.ndarray) -> np.ndarray:
        """Harm profiles this month.

        Harm profiles this month: competition × HHI/HHI_0 (M&A and growth concentrate it);
        content × (1 − k_c·E_c − z_fr·[licence freeze]).
        """
        ap = self.p.agencies
        profile = self.profile.copy()
        profile[:, 0] *= np.divide(self.hhi, self.hhi0, out=np.ones_like(self.hhi),
                                   where=self.hhi0 > 0)
        freeze = ap.licence_freeze * (self.gated & crackdown)
        profile[:, CONTENT] *= np.clip(1.0 - ap.content_filter * self.regulators.content
                                       - freeze, 0.0, 1.0)
        return profile

    def _sector_growth(self, crackdown: np.ndarray) -> np.ndarray:
        """g_s + local backing s_sub·α_s·(1 − L_s) − freeze drag in a gated sector's crackdown."""
        p = self.p
        return (self.base_growth
                + p.local.subsidy * self.alignment * (1.0 - self.leadership.signal)
                - p.agencies.freeze_drag * (self.gated & crackdown))

    def _channel_values(self, by_dim: np.ndarray) -> np.ndarray:
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
        """Append to the event log; firm id and revenue are read from the slot if given."""
        firm_id = int(self.firms.uid[slot]) if slot is not None else -1
        revenue = float(self.firms.revenue[slot]) if slot is not None else np.nan
        name = self.sector_names[sector] if sector is not None else ""
        self.events_log.add(self.month, kind.value, name, firm_id, revenue, agency,
                            float(magnitude), float(fine), detail, cause)

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month, in the order of MODEL.md §3."""
        self.month = self.steps - 1
        if self.month >= self._horizon:
            self._extend_horizon(self.month + 1)
        S = self.n_sectors
        self.stats = {"cases": np.zeros(S, dtype=np.int64), "fines": np.zeros(S),
                      "scandals": np.zeros(S, dtype=np.int64), "entries": 0, "exits": 0,
                      "acquisitions": 0, "blocked": 0, "defiance": 0, "listings": 0,
                      "pledges": 0, "max_scandal": 0.0}
        scheduled = self.scheduled.get(self.month, [])
        for ev in scheduled:
            self.log_event(EventKind.SCHEDULED, sector=self._index(ev.sector) if ev.sector
                           else None, magnitude=ev.magnitude, detail=ev.kind)
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
        self._collect()

    def _index(self, name: str) -> int:
        return self.sector_names.index(name)

    def _extend_horizon(self, months: int) -> None:
        months = max(months, 2 * self._horizon)
        pad = months - self._horizon
        self.foreign_climate = np.concatenate([self.foreign_climate,
                                               np.full(pad, self.foreign_climate[-1])])
        self.macro = np.concatenate([self.macro, np.full(pad, self.macro[-1])])
        self.recorder.grow(months)
        self._horizon = months

    # ---- 1. local governments
    def _local_governments(self) -> None:
        pop, n = self.firms, self.firms.n
        self.provinces.update(self._province_tax(), self.p.local)
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
            members = self._members(int(s))
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
    def _firms_act(self, scheduled: list) -> None:
        p, pop, rng = self.p, self.firms, self.rng
        fp = p.firms
        firm_rules.learn(pop, fp)
        firm_rules.choose(pop, fp, p.agencies)
        self._pledges()
        firm_rules.grow(pop, self._sector_growth(self.crackdown), fp, rng)
        self._acquisitions()
        self._exits()
        self._entries()
        self.hhi = self._sector_hhi()
        self.harm_by_dim = firm_rules.harm(pop, self._effective_profile(self.crackdown), fp,
                                           p.agencies.recent_harm_months, self.n_sectors)
        n = pop.n
        np.maximum(pop.blacklist[:n] - 1, 0, out=pop.blacklist[:n])
        self.triggers = Triggers(scandal=np.zeros(self.n_sectors, dtype=bool),
                                 defiance=np.zeros(self.n_sectors, dtype=bool),
                                 listing=np.zeros(self.n_sectors, dtype=bool))
        self.revealed = np.zeros(self.n_sectors, dtype=bool)
        self.revelation_cause: dict[int, str] = {}
        self._rare_events(scheduled)

    def _pledges(self) -> None:
        """Pledges of top firms in sectors in crackdown.

        Top firms of sectors in crackdown pledge when their expected penalty exceeds the
        cost; pledges lapse once the sector is LOOSE again.
        """
        p, pop, n = self.p, self.firms, self.firms.n
        loose = self.leadership.phase == int(Phase.LOOSE)
        pop.pledged[:n] &= ~loose[pop.sector[:n]]
        for s in np.flatnonzero(self.crackdown):
            go = firm_rules.pledge_candidates(pop, self._members(int(s)),
                                              float(self.leadership.signal[s]), p.firms,
                                              p.agencies)
            if len(go):
                firm_rules.make_pledges(pop, go, p.firms)
                self.stats["pledges"] += len(go)
                for slot in go.tolist():
                    self.log_event(EventKind.PLEDGE, sector=int(s), slot=slot,
                                   magnitude=p.firms.pledge_cost)

    def _acquisitions(self) -> None:
        """Acquisitions by the largest firms, subject to merger review.

        Top-5 firms buy a random smaller rival with chance p_acq·a unless merger review
        (chance μ·E_s) blocks the deal.
        """
        fp, pop, rng = self.p.firms, self.firms, self.rng
        if fp.acquisition_rate <= 0:
            return
        for s in np.flatnonzero(~self.banned):
            members = self._members(int(s))
            top = firm_rules.largest(pop, members, 5)
            rivals = np.setdiff1d(members, top)
            tries = top[rng.random(len(top)) < fp.acquisition_rate * pop.aggressiveness[top]]
            for buyer in tries.tolist():
                rivals = rivals[pop.alive[rivals]]
                if len(rivals) == 0:
                    break
                target = int(rng.choice(rivals))
                if rng.random() < self.p.agencies.merger_review * self.regulators.enforcement[s]:
                    self.stats["blocked"] += 1
                    continue
                self.log_event(EventKind.ACQUISITION, sector=int(s), slot=buyer,
                               magnitude=float(pop.revenue[target]))
                pop.revenue[buyer] += pop.revenue[target]
                pop.violation[buyer] += pop.violation[target]
                pop.recent_violation[buyer] += pop.recent_violation[target]
                self._remove(np.array([target]), "acquired", vacate=True)
                self.stats["acquisitions"] += 1

    def _remove(self, slots: np.ndarray, reason: str, *, vacate: bool) -> None:
        for slot in slots.tolist():
            self.log_event(EventKind.EXIT, sector=int(self.firms.sector[slot]), slot=slot,
                           detail=reason)
        self.firms.remove(slots, vacate=vacate)
        self.stats["exits"] += len(slots)

    def _exits(self) -> None:
        """Firms below the exit floor (which grows with the economy) leave."""
        pop, n = self.firms, self.firms.n
        floor = self.exit_floor * np.exp(self.p.public.tolerance_growth * self.month)
        gone = np.flatnonzero(pop.alive[:n] & (pop.revenue[:n] < floor))
        if len(gone):
            self._remove(gone, "revenue", vacate=True)

    def _entries(self) -> None:
        """Entry into vacant places.

        Each vacant place is taken by an entrant with chance p_ent × investor confidence
        (none in a banned sector); entrants start small, at their best response.
        """
        p, pop, rng = self.p, self.firms, self.rng
        fp, n = p.firms, pop.n
        vacant = np.flatnonzero(pop.vacant[:n])
        if len(vacant) == 0:
            return
        sec = pop.sector[vacant]
        chance = fp.entry_rate * self.markets.confidence()[sec] * ~self.banned[sec]
        fill = vacant[rng.random(len(vacant)) < chance]
        if len(fill) == 0:
            return
        pop.vacant[fill] = False
        sector, province = pop.sector[fill], pop.province[fill]
        floor = self.exit_floor * np.exp(self.p.public.tolerance_growth * self.month)
        protection = self.provinces.protection_faced(province, sector, self.leadership.signal)
        belief = self.regulators.enforcement[sector] * (1.0 - protection)
        aggr = firm_rules.best_response(belief, np.zeros(len(fill)), fp, p.agencies)
        slots = pop.add(self, sector, province, np.full(len(fill), fp.entrant_size * floor),
                        aggr, belief, rng.normal(0.0, fp.growth_type_sd, len(fill)))
        pop.protection[slots] = protection
        pop.enforcement_faced[slots] = belief
        for slot in slots.tolist():
            self.log_event(EventKind.ENTRY, sector=int(pop.sector[slot]), slot=slot)
        self.stats["entries"] += len(slots)

    def _rare_events(self, scheduled: list) -> None:
        """Defiance by the economy's largest firm; foreign listings; scheduled ones."""
        p, pop, rng = self.p, self.firms, self.rng
        n = pop.n
        live_rev = pop.revenue[:n] * pop.alive[:n]
        total = live_rev.sum()
        if total > 0:
            biggest = int(np.argmax(live_rev))
            s = int(pop.sector[biggest])
            chance = firm_rules.defiance_probability(live_rev[biggest] / total,
                                                     float(self.regulators.enforcement[s]),
                                                     float(self.alignment[s]), p.firms)
            if rng.random() < chance:
                self._defy(biggest)
        hazard = firm_rules.listing_hazard(self.alignment, self.regulators.enforcement,
                                           self.data_rich, float(self.foreign_climate[self.month]),
                                           p.firms)
        draws = rng.random(n)
        lists = np.flatnonzero(pop.alive[:n] & ~pop.listed_abroad[:n]
                               & (draws < hazard[pop.sector[:n]]))
        for slot in lists.tolist():
            self._list_abroad(slot)
        for ev in scheduled:
            if ev.kind in (ScheduledKind.DEFIANCE.value, ScheduledKind.FOREIGN_LISTING.value):
                members = self._members(self._index(ev.sector))
                if ev.kind == ScheduledKind.FOREIGN_LISTING.value:
                    members = members[~pop.listed_abroad[members]]
                top = firm_rules.largest(pop, members, 1)
                if len(top) == 0:
                    continue
                if ev.kind == ScheduledKind.DEFIANCE.value:
                    self._defy(int(top[0]))
                else:
                    self._list_abroad(int(top[0]))

    def _defy(self, slot: int) -> None:
        s = int(self.firms.sector[slot])
        self.triggers.defiance[s] = True
        self.stats["defiance"] += 1
        self.log_event(EventKind.DEFIANCE, sector=s, slot=slot)
        if self.p.information.revelation and not self.revealed[s]:
            self.revealed[s] = True
            self.revelation_cause[s] = Cause.DEFIANCE.value

    def _list_abroad(self, slot: int) -> None:
        s = int(self.firms.sector[slot])
        self.firms.listed_abroad[slot] = True
        self.triggers.listing[s] = True
        self.stats["listings"] += 1
        self.log_event(EventKind.FOREIGN_LISTING, sector=s, slot=slot)

    # ---- 5. public grievance and scandals
    def _public(self, scheduled: list) -> None:
        p = self.p
        pub = self.public
        pub.perceive_harm(self.harm_by_dim.sum(axis=1), self.month, p.public)
        scandals = pub.draw_scandals(~self.banned, p.public, self.rng)
        for ev in scheduled:
            if ev.kind == ScheduledKind.SCANDAL.value:
                s = self._index(ev.sector)
                scandals[s] = np.append(scandals[s], ev.magnitude)
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
        p, ch = self.p, self.channels
        revenue = self._sector_sum(self.firms.revenue)
        self.pledged_share = np.divide(self._sector_sum(self.firms.revenue * self.firms.pledged),
                                       revenue, out=np.zeros(self.n_sectors),
                                       where=revenue > 0)
        ch.update(self._channel_values(self.harm_by_dim), self.public.alarm, self.revealed,
                  self.reach, self.pledged_share, p.information,
                  p.leadership.climate_transparency, p.firms.pledge_alarm)
        for s in np.flatnonzero(self.revealed).tolist():
            gap = (self.public.alarm[s] - ch.mix[s]) / self.leadership.threshold[s]
            self.log_event(EventKind.REVELATION, sector=s, magnitude=float(gap),
                           cause=self.revelation_cause.get(s, ""))

    # ---- 7. markets and pain
    def _markets(self, scheduled: list) -> None:
        p = self.p
        self.macro_pulse *= np.exp(-1.0 / MACRO_PULSE_MONTHS)
        for ev in scheduled:
            if ev.kind == ScheduledKind.MACRO_SHOCK.value:
                self.macro_pulse += ev.magnitude
        self.macro_now = float(self.macro[self.month]) + self.macro_pulse
        self.markets.update(self._sector_sum(self.firms.revenue),
                            self._sector_sum(self.firms.revenue ** JOBS_EXPONENT),
                            self.regulators.enforcement, self.crackdown, self.banned,
                            self.macro_now, p.markets)

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
                members = self._members(change.sector)
                self.log_event(EventKind.SECTOR_BAN, sector=change.sector,
                               magnitude=float(len(members)))
                self._remove(members, "ban", vacate=False)

    # ---- 9. recording
    def _collect(self) -> None:
        pop, lead, mk, ch = self.firms, self.leadership, self.markets, self.channels
        n = pop.n
        alive = pop.alive[:n]
        revenue = self._sector_sum(pop.revenue)
        total_rev = float(revenue.sum())
        stats = self.stats
        per_sector = {
            "phase": lead.phase,
            "signal": lead.signal,
            "floor": lead.floor,
            "threshold": lead.onset_threshold,
            "enforcement": self.regulators.enforcement,
            "content_enforcement": self.regulators.content,
            "enforcement_faced": self._weighted(pop.enforcement_faced, revenue),
            "expected_enforcement": self._weighted(pop.belief, revenue),
            "alarm": self.public.alarm,
            "perceived_alarm": ch.perceived,
            "grievance": self.public.grievance,
            "scandal_heat": self.public.heat,
            "report_public": ch.reports[0],
            "report_agency": ch.reports[1],
            "report_local": ch.reports[2],
            "transparency": ch.transparency,
            "revealed_gap": lead.revealed_gap,
            "harm": self.harm_by_dim.sum(axis=1),
            **{f"harm_{d}": self.harm_by_dim[:, k]
               for k, d in enumerate(HARM_DIMENSIONS)},
            "hhi": self.hhi,
            "revenue": revenue,
            "valuation": 100.0 * mk.valuation / mk.base,
            "drawdown": mk.drawdown,
            "pain_shortfall": mk.shortfall,
            "pain_jobs": mk.jobs,
            "pain": mk.pain,
            "pain_bound": lead.pain_borne,
            "perceived_pain": lead.perceived_pain,
            "n_firms": self._sector_sum(np.ones(len(pop.revenue))),
            "aggressiveness": self._weighted(pop.aggressiveness, revenue),
            "violation_record": self._sector_sum(pop.violation),
            "protection": self._weighted(pop.protection, revenue),
            "pledged_share": self.pledged_share,
            "cases": stats["cases"],
            "fines": stats["fines"],
            "scandals": stats["scandals"],
        }
        live_phases = lead.phase[lead.phase != int(Phase.BANNED)]
        global_phase = int(live_phases.max()) if len(live_phases) else int(Phase.BANNED)
        index = mk.index
        aggregates = {
            "month": self.month,
            "valuation_index": index,
            "pain": mk.economy_pain,
            "perceived_pain": float((lead.perceived_pain * revenue).sum() / total_rev)
            if total_rev > 0 else 0.0,
            "drawdown": 1.0 - index / mk.index_peak if mk.index_peak > 0 else 0.0,
            "tech_revenue": total_rev,
            "revenue_growth": mk.growth,
            "n_firms": int(alive.sum()),
            "entries": stats["entries"],
            "exits": stats["exits"],
            "acquisitions": stats["acquisitions"],
            "acquisitions_blocked": stats["blocked"],
            "cases_opened": int(stats["cases"].sum()),
            "fines_total": float(stats["fines"].sum()),
            "scandals": int(stats["scandals"].sum()),
            "max_scandal": stats["max_scandal"],
            "defiance_events": stats["defiance"],
            "listing_events": stats["listings"],
            "pledges": stats["pledges"],
            "mean_protection": float((pop.protection[:n] * pop.revenue[:n] * alive).sum()
                                     / total_rev) if total_rev > 0 else 0.0,
            "mean_fiscal_dependence": float(self.provinces.dependence.mean()),
            "foreign_climate": float(self.foreign_climate[self.month]),
            "macro_shock": self.macro_now,
            "campaign_climate": lead.climate,
        }
        self.recorder.record(self.month, aggregates, global_phase, per_sector)
        every = self.p.run.firm_panel_every
        if every and self.month % every == 0:
            self._snapshot()

    def _snapshot(self) -> None:
        pop = self.firms
        live = pop.live
        names = np.array(self.sector_names, dtype=object)
        self.panel.add({
            "month": np.full(len(live), self.month),
            "firm_id": pop.uid[live],
            "sector": names[pop.sector[live]],
            "province": pop.province[live],
            "revenue": pop.revenue[live],
            "aggressiveness": pop.aggressiveness[live],
            "expected_enforcement": pop.belief[live],
            "violation_record": pop.violation[live],
            "protection": pop.protection[live],
            "enforcement_faced": pop.enforcement_faced[live],
            "blacklisted": pop.blacklist[live] > 0,
            "pledged": pop.pledged[live],
            "listed_abroad": pop.listed_abroad[live],
        })

    # ------------------------------------------------------------------ API
    def run(self, months: int | None = None) -> RegulatoryModel:
        """Advance ``months`` months (default: ``params.run.months``); return self."""
        months = self.p.run.months if months is None else months
        for _ in range(months):
            self.step()
        return self

    def dates(self, n: int) -> pd.DatetimeIndex:
        """Calendar months of the first ``n`` rows."""
        return pd.date_range(pd.Timestamp(self.start), periods=n, freq="MS").astype(
            "datetime64[s]")

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
