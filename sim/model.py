"""The regulatory pendulum as a Mesa model (MODEL.md §2–§4).

:class:`RegulatoryModel` wires the actors and orders their moves each month (MODEL.md §3):

local governments → agencies set E → agencies select and sanction → firms learn, choose, grow,
merge, harm, pledge, raise events, exit and enter → public grievance and scandals → markets and
pain → leadership perceives and updates signal, phase and floor → data collection.

Nothing schedules a phase by date: phases follow from alarm, triggers and pain. Every random draw
comes from the model's seeded generator ``self.rng``.
"""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np
import pandas as pd

from . import firms as firm_rules
from .agencies import Agency, Regulators, open_cases
from .firms import FirmPopulation, SectorRanking, TechFirm, best_response
from .leadership import Leadership
from .local_government import LocalGovernment, Provinces
from .markets import Markets
from .params import Params, parse_month
from .public import Public
from .recorder import EventLog, FirmPanel, SeriesRecorder
from .states import EventKind, Phase, ScheduledKind

MACRO_PULSE_MONTHS = 6.0
"""Time constant over which a scheduled macro shock fades from pain."""


def step_series(breakpoints: tuple[tuple[int, float], ...], months: int) -> np.ndarray:
    """Expand ``((month, value), ...)`` into a monthly step function (0 before the first)."""
    out = np.zeros(months)
    for m, v in breakpoints:
        if m < months:
            out[m:] = v
    return out


class RegulatoryModel(mesa.Model):
    """Zhang's regulatory pendulum: firms, local governments, agencies and the leadership.

    Args:
        params: all parameters (:class:`sim.params.Params`); defaults when None.
        rng: seed for the model's generator (int, ``numpy.random.SeedSequence`` or
            ``numpy.random.Generator``), passed to ``mesa.Model``.

    Attributes:
        p: the parameters (never mutated).
        firms: the firm population's arrays; ``TechFirm`` agents view them.
        provinces: local governments' arrays; ``LocalGovernment`` agents view them.
        regulators: agencies' enforcement arrays; ``Agency`` agents view them.
        leadership: the ``Leadership`` agent (signals, phases, floors).
        public, markets: model-level state (grievance, scandals; valuation, pain).
    """

    def __init__(self, params: Params | None = None, *, rng: Any = None):
        super().__init__(rng=rng)
        self.p = p = params if params is not None else Params()
        self.sector_names = p.sector_names
        n_sectors = len(p.sectors)
        self.alignment = np.array([s.alignment for s in p.sectors])
        self.ban_possible = np.array([s.ban_possible for s in p.sectors])
        self.harm_profile = np.array([s.harms for s in p.sectors])
        self.sector_reward = p.firms.reward * np.array([s.reward_factor for s in p.sectors])
        self.subsidy = p.local.subsidy * self.alignment
        self.data_rich = self.harm_profile[:, 1] >= p.firms.listing_data_min
        self.month = 0
        self.start = parse_month(p.run.start_date)

        # exogenous inputs, expanded once
        self._horizon = p.run.months
        self.climate = step_series(p.exogenous.foreign_climate, self._horizon)
        self.macro = step_series(p.exogenous.macro_shock, self._horizon)
        self.macro_pulse = 0.0
        self.scheduled: dict[int, list] = {}
        for ev in p.exogenous.events:
            self.scheduled.setdefault(ev.month, []).append(ev)

        # actors
        self.provinces = Provinces(p.local, self.rng)
        LocalGovernment.create_agents(self, p.local.n_provinces,
                                      index=list(range(p.local.n_provinces)))
        self.regulators = Regulators(p)
        for k, name in enumerate(self.regulators.names):
            Agency(self, k, name, self.regulators.watches[k])
        self.leadership = Leadership(self, n_sectors, p.leadership)
        self.public = Public(n_sectors)
        self.markets = Markets(n_sectors)
        self.firms = FirmPopulation(capacity=2 * p.firms.n_firms + 64)
        self._found_firms()

        # derived state shared between stages within a month
        self.crackdown = np.zeros(n_sectors, dtype=bool)
        self.regulators.enforcement[:] = np.where(self.regulators.active,
                                                  self.leadership.signal[None, :], 0.0)
        self.sector_enforcement = self.regulators.sector_enforcement()
        self.harm_intensity = np.zeros((n_sectors, 4))
        self.hhi = self._sector_hhi()
        self.markets.start(self._sector_sum(self.firms.revenue), self.sector_enforcement,
                           self.leadership.signal, p.public)
        self.events_log = EventLog()
        self.panel = FirmPanel()
        self.recorder = SeriesRecorder(self._horizon, self.sector_names)
        self.running = True

    # ------------------------------------------------------------------ set-up
    def _found_firms(self) -> None:
        p, fp, rng = self.p, self.p.firms, self.rng
        n = fp.n_firms
        share = np.array([s.revenue_share for s in p.sectors], dtype=float)
        share = share / share.sum() if share.sum() > 0 else np.full(len(share), 1 / len(share))
        sector = rng.choice(len(share), size=n, p=share)
        province = rng.choice(p.local.n_provinces, size=n, p=self.provinces.weight)
        revenue = np.exp(rng.normal(0.0, fp.revenue_sigma, n))
        belief = rng.uniform(0.0, fp.initial_belief, n)
        aggr = best_response(belief, self.sector_reward[sector], fp)
        yearly_harm = 12.0 * revenue * aggr * self.harm_profile[sector].sum(axis=1)
        self.firms.add(self, sector, province, revenue, belief, aggr, yearly_harm)
        self.median_revenue0 = float(np.median(revenue))
        self.initial_counts = np.bincount(sector, minlength=len(share)).astype(float)
        self.provinces.calibrate_tax_base(self._province_tax(), p.local)

    # ------------------------------------------------------------------ helpers
    def _sector_sum(self, values: np.ndarray) -> np.ndarray:
        n = self.firms.n
        return np.bincount(self.firms.sector[:n], weights=values[:n],
                           minlength=len(self.sector_names))

    def _sector_weighted_mean(self, values: np.ndarray, revenue_by_sector: np.ndarray):
        n = self.firms.n
        total = self._sector_sum(values[:n] * self.firms.revenue[:n])
        return np.divide(total, revenue_by_sector, out=np.zeros_like(total),
                         where=revenue_by_sector > 0)

    def _sector_hhi(self) -> np.ndarray:
        n = self.firms.n
        rev = self.firms.revenue[:n]
        total = self._sector_sum(rev)
        sq = self._sector_sum(rev * rev)
        return np.divide(sq, total * total, out=np.zeros_like(sq), where=total > 0)

    def _province_tax(self) -> np.ndarray:
        n = self.firms.n
        return self.p.local.tax_rate * np.bincount(self.firms.province[:n],
                                                   weights=self.firms.revenue[:n],
                                                   minlength=self.p.local.n_provinces)

    def log_event(self, kind: EventKind, *, sector: int | None = None, slot: int | None = None,
                  agency: str = "", magnitude: float = np.nan, fine: float = 0.0,
                  detail: str = "") -> None:
        """Append to the event log; firm id and revenue are read from the slot if given."""
        firm_id = int(self.firms.uid[slot]) if slot is not None else -1
        revenue = float(self.firms.revenue[slot]) if slot is not None else np.nan
        name = self.sector_names[sector] if sector is not None else ""
        self.events_log.add(self.month, kind.value, name, firm_id, revenue, agency,
                            float(magnitude), float(fine), detail)

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month, in the order of MODEL.md §3."""
        self.month = self.steps - 1
        if self.month >= self._horizon:
            self._extend_horizon(self.month + 1)
        n_sectors = len(self.sector_names)
        self.month_stats = {
            "cases": np.zeros(n_sectors, dtype=np.int64),
            "fines": np.zeros(n_sectors),
            "scandals": np.zeros(n_sectors, dtype=np.int64),
            "closures": np.zeros(n_sectors),  # exits that cost jobs (not acquisitions)
            "entries": 0, "exits": 0, "acquisitions": 0, "blocked": 0,
            "defiance": 0, "listings": 0, "pledges": 0, "max_scandal": 0.0,
        }
        self.triggered = np.zeros(n_sectors, dtype=bool)
        self.event_shock = np.zeros(n_sectors)
        self.scandal_sum = np.zeros(n_sectors)
        scheduled = self.scheduled.get(self.month, [])
        for ev in scheduled:
            self.log_event(EventKind.SCHEDULED,
                           sector=self._sector_index(ev.sector) if ev.sector else None,
                           magnitude=ev.magnitude, detail=ev.kind)

        self.ranking = SectorRanking(self.firms, n_sectors)
        self._local_governments()
        self._agencies_set_enforcement()
        open_cases(self)
        self._firms_act(scheduled)
        self._public(scheduled)
        self._markets(scheduled)
        self._leadership()
        self._collect()

    def _sector_index(self, name: str) -> int:
        return self.sector_names.index(name)

    def _extend_horizon(self, months: int) -> None:
        months = max(months, 2 * self._horizon)
        self.climate = np.concatenate([self.climate,
                                       np.full(months - self._horizon, self.climate[-1])])
        self.macro = np.concatenate([self.macro,
                                     np.full(months - self._horizon, self.macro[-1])])
        self.recorder.grow(months)
        self._horizon = months

    # ---- 1. local governments
    def _local_governments(self) -> None:
        lp = self.p.local
        self.provinces.grow_nontech(lp)
        self.provinces.update(self._province_tax(), lp)
        signal = self.leadership.signal
        self.crackdown = self.leadership.phase == int(Phase.CRACKDOWN)
        self.protection = self.provinces.protection_matrix(signal)
        self.loyalty = self.provinces.loyalty_matrix(signal, self.crackdown, lp)
        pop = self.firms
        n = pop.n
        pop.protection[:n] = self.protection[pop.province[:n], pop.sector[:n]]

    # ---- 2. agencies set enforcement
    def _agencies_set_enforcement(self) -> None:
        lead = self.leadership
        self.regulators.set_enforcement(lead.signal, lead.floor, self.crackdown.astype(float),
                                        self.alignment, self.harm_intensity, self.p.agencies)
        self.sector_enforcement = self.regulators.sector_enforcement()
        pop = self.firms
        n = pop.n
        sec, prov = pop.sector[:n], pop.province[:n]
        faced = (self.sector_enforcement[sec] * (1.0 - pop.protection[:n])
                 + self.loyalty[prov, sec])
        pop.enforcement_faced[:n] = np.where(pop.alive[:n], np.clip(faced, 0.0, 1.0), 0.0)

    # ---- 4. firms
    def _firms_act(self, scheduled: list) -> None:
        p, pop, rng = self.p, self.firms, self.rng
        fp = p.firms
        firm_rules.learn(pop, fp)
        firm_rules.choose(pop, self.sector_reward, fp)
        subsidy = self.subsidy * (1.0 - self.leadership.signal)
        firm_rules.grow(pop, subsidy, fp, rng)
        self._acquisitions()
        recent_tau = p.agencies.recent_harm_months
        harm_by_dim = firm_rules.harm(pop, self.harm_profile, self.hhi, fp, recent_tau)
        revenue = self._sector_sum(pop.revenue)
        self.harm_by_dim = harm_by_dim
        self.harm_intensity = np.divide(harm_by_dim, revenue[:, None],
                                        out=np.zeros_like(harm_by_dim),
                                        where=revenue[:, None] > 0)
        self._pledges()
        self._defiance_and_listings(scheduled)
        n = pop.n
        np.maximum(pop.blacklist[:n] - 1, 0, out=pop.blacklist[:n])
        np.maximum(pop.suspension[:n] - 1, 0, out=pop.suspension[:n])
        self._exits()
        self._entries()
        self.hhi = self._sector_hhi()

    def _acquisitions(self) -> None:
        """Large aggressive firms buy small rivals unless merger review blocks the deal."""
        fp, pop, rng = self.p.firms, self.firms, self.rng
        for s in range(len(self.sector_names)):
            if self.leadership.phase[s] == int(Phase.BANNED):
                continue
            members = self.ranking.members(s)
            top = members[: fp.acquirer_top_k]
            if len(top) == 0:
                continue
            tries = top[rng.random(len(top)) < fp.acquisition_rate * pop.aggressiveness[top]]
            rivals = members[fp.acquirer_top_k:]  # any firm outside the top k, at month start
            for buyer in tries:
                small = rivals[pop.alive[rivals]]
                if len(small) == 0 or not pop.alive[buyer]:
                    continue
                target = int(rng.choice(small))
                if rng.random() < self.p.agencies.merger_review * self.sector_enforcement[s]:
                    self.month_stats["blocked"] += 1
                    continue
                self.log_event(EventKind.ACQUISITION, sector=s, slot=int(buyer),
                               magnitude=float(pop.revenue[target]))
                pop.revenue[buyer] += pop.revenue[target]
                pop.violation[buyer] += pop.violation[target]
                pop.recent_violation[buyer] += pop.recent_violation[target]
                self._exit_firms(np.array([target]), "acquired")
                self.month_stats["acquisitions"] += 1

    def _pledges(self) -> None:
        """Under crackdown a firm may pledge (donations, 'common prosperity') at a cost."""
        fp, pop = self.p.firms, self.firms
        n = pop.n
        loose = self.leadership.phase == int(Phase.LOOSE)
        pop.pledged[:n] &= ~loose[pop.sector[:n]]  # pledges lapse once the sector is lax again
        eligible = pop.alive[:n] & ~pop.pledged[:n] & self.crackdown[pop.sector[:n]]
        draws = self.rng.random(n)
        new = np.flatnonzero(eligible & (draws < fp.pledge_probability))
        if len(new):
            pop.pledged[new] = True
            pop.revenue[new] *= 1.0 - fp.pledge_cost
            self.month_stats["pledges"] += len(new)

    def _defiance_and_listings(self, scheduled: list) -> None:
        """Rare events: public defiance by the largest firms, foreign listings of data-rich ones."""
        fp, pop, rng = self.p.firms, self.firms, self.rng
        n = pop.n
        live = np.flatnonzero(pop.alive[:n])
        if len(live):
            total = pop.revenue[live].sum()
            k = min(fp.defiance_top_k, len(live))
            biggest = live[np.argpartition(-pop.revenue[live], k - 1)[:k]]
            biggest = np.sort(biggest)
            p_defy = fp.defiance_rate * pop.revenue[biggest] / total * (1 - pop.belief[biggest])
            for slot in biggest[rng.random(k) < p_defy]:
                self._defy(int(slot), 1.0)
        # foreign listings: the ten largest firms of data-rich sectors, not yet listed
        confidence = self.markets.confidence()
        for s in np.flatnonzero(self.data_rich):
            top = self.ranking.members(int(s))[:10]
            top = top[pop.alive[top] & ~pop.listed_abroad[top] & (pop.suspension[top] == 0)]
            if len(top) == 0:
                continue
            p_list = fp.listing_rate * (1 - self.sector_enforcement[s]) * confidence[s]
            for slot in top[rng.random(len(top)) < p_list]:
                self._list_abroad(int(slot), 1.0)
        for ev in scheduled:
            if ev.kind == ScheduledKind.DEFIANCE.value:
                top = self.ranking.members(self._sector_index(ev.sector))
                top = top[pop.alive[top]]
                if len(top):
                    self._defy(int(top[0]), ev.magnitude)
            elif ev.kind == ScheduledKind.FOREIGN_LISTING.value:
                top = self.ranking.members(self._sector_index(ev.sector))
                top = top[pop.alive[top] & ~pop.listed_abroad[top]]
                if len(top):
                    self._list_abroad(int(top[0]), ev.magnitude)

    def _defy(self, slot: int, scale: float) -> None:
        s = int(self.firms.sector[slot])
        shock = self.p.public.defiance_alarm * scale
        self.event_shock[s] += shock
        self.triggered[s] = True
        self.month_stats["defiance"] += 1
        self.log_event(EventKind.DEFIANCE, sector=s, slot=slot, magnitude=shock)

    def _list_abroad(self, slot: int, scale: float) -> None:
        s = int(self.firms.sector[slot])
        shock = self.p.public.listing_alarm * scale
        self.firms.listed_abroad[slot] = True
        self.event_shock[s] += shock
        self.triggered[s] = True
        self.month_stats["listings"] += 1
        self.log_event(EventKind.FOREIGN_LISTING, sector=s, slot=slot, magnitude=shock)

    def _exit_firms(self, slots: np.ndarray, reason: str) -> None:
        for slot in slots:
            self.log_event(EventKind.EXIT, sector=int(self.firms.sector[slot]), slot=int(slot),
                           detail=reason)
        if reason != "acquired":
            np.add.at(self.month_stats["closures"], self.firms.sector[slots], 1.0)
        self.firms.remove(slots)
        self.month_stats["exits"] += len(slots)

    def _exits(self) -> None:
        """Firms whose revenue fell below the exit floor leave."""
        pop = self.firms
        n = pop.n
        floor = self.p.firms.exit_revenue * self.median_revenue0
        gone = np.flatnonzero(pop.alive[:n] & (pop.revenue[:n] < floor))
        if len(gone):
            self._exit_firms(gone, "revenue")

    def _entries(self) -> None:
        """New firms enter at a rate that rises with investor confidence."""
        fp, pop, rng = self.p.firms, self.firms, self.rng
        live_sector = self.leadership.phase != int(Phase.BANNED)
        rate = fp.entry_rate / 100.0 * self.initial_counts * self.markets.confidence()
        counts = rng.poisson(np.where(live_sector, rate, 0.0))
        total = int(counts.sum())
        if total == 0:
            return
        sector = np.repeat(np.arange(len(counts)), counts)
        province = rng.choice(self.p.local.n_provinces, size=total, p=self.provinces.weight)
        revenue = fp.entrant_size * self.median_revenue0 * np.exp(rng.normal(0.0, 0.3, total))
        belief = self.sector_enforcement[sector]  # entrants read the climate from the news
        aggr = best_response(belief, self.sector_reward[sector], fp)
        slots = pop.add(self, sector, province, revenue, belief, aggr, np.zeros(total))
        pop.protection[slots] = self.protection[province, sector]
        pop.enforcement_faced[slots] = np.clip(
            self.sector_enforcement[sector] * (1.0 - pop.protection[slots])
            + self.loyalty[province, sector], 0.0, 1.0)
        for slot in slots:
            self.log_event(EventKind.ENTRY, sector=int(pop.sector[slot]), slot=int(slot))
        self.month_stats["entries"] += total

    # ---- 5. public grievance and scandals
    def _public(self, scheduled: list) -> None:
        pp, pop = self.p.public, self.firms
        n = pop.n
        revenue = self._sector_sum(pop.revenue)
        discounted = pop.aggressiveness[:n] * (1.0 - self.p.firms.pledge_effect
                                               * pop.pledged[:n])
        self.intensity = self._sector_weighted_mean(discounted, revenue)
        live = self.leadership.phase != int(Phase.BANNED)
        scandals = self.public.draw_scandals(self.intensity * live, pp, self.rng)
        for ev in scheduled:
            if ev.kind == ScheduledKind.SCANDAL.value:
                s = self._sector_index(ev.sector)
                scandals[s] = np.append(scandals[s], ev.magnitude)
        trigger = self.p.leadership.trigger_magnitude
        for s, mags in enumerate(scandals):
            if len(mags) == 0:
                continue
            self.scandal_sum[s] = mags.sum()
            self.month_stats["scandals"][s] = len(mags)
            self.month_stats["max_scandal"] = max(self.month_stats["max_scandal"], mags.max())
            self.triggered[s] |= bool(mags.max() > trigger)
            for m in mags:
                self.log_event(EventKind.SCANDAL, sector=s, magnitude=float(m))
        self.public.update(self.intensity, self.scandal_sum, self.event_shock, pp)

    # ---- 6. markets and pain
    def _markets(self, scheduled: list) -> None:
        self.macro_pulse *= np.exp(-1.0 / MACRO_PULSE_MONTHS)  # last months' shocks fade
        for ev in scheduled:
            if ev.kind == ScheduledKind.MACRO_SHOCK.value:
                self.macro_pulse += ev.magnitude
        macro = float(self.macro[self.month]) + self.macro_pulse
        revenue = self._sector_sum(self.firms.revenue)
        closed = self.month_stats["closures"]
        firms_before = self._sector_sum(self.firms.alive.astype(float)) + closed
        self.markets.update(revenue, self.sector_enforcement, self.leadership.signal,
                            closed, firms_before, macro, self.p.public)
        self.macro_now = macro

    # ---- 7. leadership
    def _leadership(self) -> None:
        lp, lead = self.p.leadership, self.leadership
        w = lp.sector_pain_weight
        sector_pain = (1.0 - w) * self.markets.pain + w * self.markets.sector_pain
        lead.perceive(self.public.alarm, self.markets.pain, sector_pain, lp)
        changes = lead.update(self.triggered, self.ban_possible, self.alignment,
                              float(self.climate[self.month]), lp, self.rng)
        for s, _old, new in changes:
            self.log_event(EventKind.PHASE_CHANGE, sector=s, magnitude=float(int(new)),
                           detail=new.name)
            if new == Phase.BANNED:
                self._ban_sector(s)

    def _ban_sector(self, s: int) -> None:
        """A sector ban: every for-profit firm of the sector exits, and none enters again."""
        pop = self.firms
        n = pop.n
        members = np.flatnonzero(pop.alive[:n] & (pop.sector[:n] == s))
        self.log_event(EventKind.SECTOR_BAN, sector=s, magnitude=float(len(members)))
        self._exit_firms(members, "ban")

    # ---- 8. data collection
    def _collect(self) -> None:
        pop, lead, mk = self.firms, self.leadership, self.markets
        n = pop.n
        alive = pop.alive[:n]
        revenue = self._sector_sum(pop.revenue)
        total_rev = revenue.sum()
        stats = self.month_stats
        harm_total = self.harm_by_dim.sum(axis=1)
        per_sector = {
            "phase": lead.phase,
            "signal": lead.signal,
            "floor": lead.floor,
            "threshold": lead.threshold,
            "enforcement": self.sector_enforcement,
            "enforcement_faced": self._sector_weighted_mean(pop.enforcement_faced, revenue),
            "expected_enforcement": self._sector_weighted_mean(pop.belief, revenue),
            "alarm": self.public.alarm,
            "perceived_alarm": lead.perceived_alarm,
            "grievance": self.public.grievance,
            "harm": harm_total,
            "harm_competition": self.harm_by_dim[:, 0],
            "harm_data": self.harm_by_dim[:, 1],
            "harm_labour": self.harm_by_dim[:, 2],
            "harm_finance": self.harm_by_dim[:, 3],
            "hhi": self.hhi,
            "revenue": revenue,
            "valuation": 100.0 * mk.valuation / mk.base_value,
            "drawdown": mk.sector_drawdown,
            "perceived_pain": lead.perceived_sector_pain,
            "n_firms": self._sector_sum(alive.astype(float)),
            "aggressiveness": self._sector_weighted_mean(pop.aggressiveness, revenue),
            "violation_record": self._sector_sum(pop.violation),
            "protection": self._sector_weighted_mean(pop.protection, revenue),
            "cases": stats["cases"],
            "fines": stats["fines"],
            "scandals": stats["scandals"],
        }
        live_phases = lead.phase[lead.phase != int(Phase.BANNED)]
        global_phase = int(live_phases.max()) if len(live_phases) else int(Phase.BANNED)
        protect = (float((pop.protection[:n] * pop.revenue[:n]).sum() / total_rev)
                   if total_rev > 0 else 0.0)
        aggregates = {
            "month": self.month,
            "valuation_index": mk.index,
            "pain": mk.pain,
            "perceived_pain": lead.perceived_pain,
            "drawdown": mk.drawdown,
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
            "mean_protection": protect,
            "mean_fiscal_dependence": float(self.provinces.dependence.mean()),
            "foreign_climate": float(self.climate[self.month]),
            "macro_shock": self.macro_now,
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
        """One row per month: the columns of :func:`sim.schema.series_columns`."""
        return self.recorder.frame(self.dates(self.recorder.rows))

    def events(self) -> pd.DataFrame:
        """The event log (:data:`sim.schema.EVENT_COLUMNS`)."""
        return self.events_log.frame()

    def firm_panel(self) -> pd.DataFrame:
        """Firm snapshots every ``run.firm_panel_every`` months (see ``schema.PANEL_COLUMNS``)."""
        return self.panel.frame()

    @property
    def tech_firms(self) -> mesa.agent.AgentSet:
        """The live tech firms as a Mesa AgentSet."""
        return self.agents_by_type.get(TechFirm, mesa.agent.AgentSet([], random=self.random))
