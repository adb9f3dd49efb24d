"""The leadership at the apex (MODEL.md §2, 'The leadership'): signal, phases, floor, climate.

Per sector a signal L_s ∈ [0, 1], a phase and a floor F_s (laws that stay). The leadership weighs
the alarm it perceives against the pain it perceives; **no timer ends a phase** — the only clocks
are stated minimum stays of at most six months.

* LOOSE: L drifts to L_min + F; F erodes. → CRACKDOWN when Â > θ_on and a trigger arrives
  (scandal above m_trig, defiance, foreign listing, or — with the climate's reach — a campaign
  elsewhere), or when Â > h·θ_s with no trigger.
* CRACKDOWN: L rises (τ_up) to a severity set by the alarm's excess over θ_s, the hidden harm
  revealed and the climate's reach. → COMPROMISE when P̂ > θ_P·(Â/θ_s)^γ·(1 + Σ_k κ_k·share_k):
  the pain borne depends on the kind of harm. → BANNED (ban-possible, non-aligned sectors)
  when the ban pressure Σ max(Â/θ_s − b_0, 0) reaches C_ban. On entering COMPROMISE the floor
  rises by ι·min(1, revealed gap)·(L − F).
* COMPROMISE: L falls toward F + ΔL. → LOOSE when P̂ < r_P·θ_P; back to CRACKDOWN above h·θ_s.
* BANNED (absorbing): the for-profit sector is gone; L returns to L_min + F.

The **campaign climate** K ∈ [0, 1] decays (τ_K) and jumps at each onset by k_K·severity·(1 − α);
its reach c_s = K·(1 − α_s) lowers onset thresholds, keeps agencies digging (transparency),
makes a campaign elsewhere a trigger and adds to severity: a crackdown spreads across sectors.

Rules mode (a hypothesis) has no phases: L follows a proportional response to perceived alarm
minus perceived pain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from .dynamics import relax
from .params import LeadershipParams
from .states import Cause, Mode, Phase

if TYPE_CHECKING:
    from .model import RegulatoryModel


@dataclass(slots=True)
class Triggers:
    """This month's triggers per sector (MODEL.md: scandal, defiance, listing; campaign)."""

    scandal: np.ndarray
    defiance: np.ndarray
    listing: np.ndarray
    campaign: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def any(self) -> np.ndarray:
        """A trigger of the sector's own (not the climate's)."""
        return self.scandal | self.defiance | self.listing

    def cause(self, s: int) -> Cause:
        """The named cause of an onset in sector s, in order of precedence."""
        if self.defiance[s]:
            return Cause.DEFIANCE
        if self.listing[s]:
            return Cause.LISTING
        if self.scandal[s]:
            return Cause.SCANDAL
        return Cause.CAMPAIGN


@dataclass(frozen=True, slots=True)
class PhaseChange:
    """A sector's phase change and why."""

    sector: int
    old: Phase
    new: Phase
    cause: Cause


class Leadership(Agent):
    """The top leadership: one agent with per-sector arrays.

    Attributes (MODEL.md symbols): ``signal`` L_s, ``phase``, ``floor`` F_s,
    ``months_in_phase`` (months since the switch; 0 in the month of the switch),
    ``threshold`` θ_s and ``onset_threshold`` θ_on,s, ``severity`` (campaign severity of the
    current crackdown), ``revealed_gap`` (hidden harm revealed in it, in θ_s),
    ``ban_pressure``, ``pain_borne`` (the perceived pain that would end a crackdown at this
    month's alarm and harm mix: θ_P·(Â/θ_s)^γ·(1 + Σ_k κ_k·share_k)),
    ``perceived_pain`` P̂_s, ``climate`` K and ``reach`` c_s.
    """

    def __init__(self, model: RegulatoryModel, n_sectors: int, lp: LeadershipParams):
        super().__init__(model)
        self.floor = np.full(n_sectors, lp.floor_start)
        self.signal = np.full(n_sectors, lp.signal_min) + self.floor
        self.phase = np.full(n_sectors, int(Phase.LOOSE), dtype=np.int64)
        self.months_in_phase = np.zeros(n_sectors, dtype=np.int64)
        self.threshold = np.full(n_sectors, lp.theta_alarm)
        self.onset_threshold = self.threshold.copy()
        self.severity = np.zeros(n_sectors)
        self.revealed_gap = np.zeros(n_sectors)
        self.ban_pressure = np.zeros(n_sectors)
        self.pain_borne = np.zeros(n_sectors)
        self.perceived_pain = np.zeros(n_sectors)
        self.climate = 0.0
        self.reach = np.zeros(n_sectors)
        self._climate_jump = 0.0

    # ---- perception and the campaign climate ----
    def perceive_pain(self, sector_pain: np.ndarray, economy_pain: float, weight: float,
                      tau: float) -> None:
        """P̂_s relaxes (τ_P) to (1 − w_P)·economy pain + w_P·sector pain."""
        target = (1.0 - weight) * economy_pain + weight * sector_pain
        self.perceived_pain = relax(self.perceived_pain, target, tau)

    def update_climate(self, alignment: np.ndarray, lp: LeadershipParams) -> np.ndarray:
        """K decays and absorbs last month's onsets; returns the reach c_s = K·(1 − α_s)."""
        decayed = self.climate * math.exp(-1.0 / lp.climate_decay)
        self.climate = min(1.0, decayed + (1.0 - decayed) * self._climate_jump)
        self._climate_jump = 0.0
        self.reach = self.climate * (1.0 - alignment)
        return self.reach

    def thresholds(self, alignment: np.ndarray, crackdown_elsewhere: np.ndarray,
                   lp: LeadershipParams) -> None:
        """θ_s = θ·(1 + η·α_s)·(1 − σ_spill·[crackdown elsewhere]); θ_on = θ_s·(1 − K_th·c_s)."""
        spill = np.where(crackdown_elsewhere, 1.0 - lp.spillover, 1.0)
        self.threshold = lp.theta_alarm * (1.0 + lp.honeymoon * alignment) * spill
        self.onset_threshold = self.threshold * (1.0 - lp.climate_threshold * self.reach)

    # ---- the phase machine ----
    def step_phases(self, perceived: np.ndarray, hidden_gap: np.ndarray, triggers: Triggers,
                    harm_share: np.ndarray, can_ban: np.ndarray, lp: LeadershipParams,
                    alignment: np.ndarray) -> list[PhaseChange]:
        """One month of the campaign-mode phase machine; returns the phase changes.

        Args:
            perceived: Â_s.
            hidden_gap: X·(A − B)/θ_s this month.
            triggers: this month's triggers.
            harm_share: each sector's harm by dimension as shares (rows sum to 1 or 0).
            can_ban: ban possible and alignment below α_ban.
            lp: the leadership's parameters.
            alignment: α_s.
        """
        if lp.mode == Mode.RULES.value:
            self._rules(perceived, lp)
            return []
        changes: list[PhaseChange] = []
        self.months_in_phase += 1
        # the pain the leadership will bear for the alarm that remains, by kind of harm
        # Σ_k κ_k·share_k summed in dimension order (not a BLAS matrix product, whose rounding
        # depends on the machine): the compiled month sums the same way, bit for bit
        mixed = (harm_share * np.asarray(lp.harm_tolerance)).sum(axis=1)
        self.pain_borne = (lp.theta_pain
                           * np.maximum(perceived / self.threshold, 0.0) ** lp.pain_exponent
                           * (1.0 + mixed))
        own_trigger = triggers.any()
        for s in range(len(self.phase)):
            phase = Phase(int(self.phase[s]))
            theta = self.threshold[s]
            ratio = perceived[s] / theta
            if phase == Phase.LOOSE:
                self.signal[s] = relax(self.signal[s], lp.signal_min + self.floor[s],
                                       lp.tau_signal_loose)
                self.floor[s] = max(0.0, self.floor[s] - lp.floor_erosion)
                above = perceived[s] > self.onset_threshold[s]
                if above and (own_trigger[s] or triggers.campaign[s]):
                    changes.append(self._start(s, phase, triggers.cause(s), perceived,
                                               hidden_gap, lp, alignment))
                elif ratio > lp.hard_alarm_multiple:
                    changes.append(self._start(s, phase, Cause.HARD, perceived, hidden_gap, lp,
                                               alignment))
            elif phase == Phase.CRACKDOWN:
                self._escalate(s, perceived, hidden_gap, lp)
                self.ban_pressure[s] += max(ratio - lp.ban_alarm_base, 0.0)
                if (can_ban[s] and self.months_in_phase[s] >= lp.ban_min_months
                        and self.ban_pressure[s] >= lp.ban_pressure):
                    changes.append(self._switch(s, phase, Phase.BANNED, Cause.BAN))
                    continue
                if (self.months_in_phase[s] >= lp.min_crackdown_months
                        and self.perceived_pain[s] > self.pain_borne[s]):
                    gap = min(1.0, max(self.revealed_gap[s], 0.0))
                    self.floor[s] += lp.floor_ratchet * gap * (self.signal[s] - self.floor[s])
                    changes.append(self._switch(s, phase, Phase.COMPROMISE, Cause.PAIN))
            elif phase == Phase.BANNED:
                # the for-profit sector is gone: the campaign against it is over
                self.signal[s] = relax(self.signal[s], lp.signal_min + self.floor[s],
                                       lp.tau_signal_compromise)
            elif phase == Phase.COMPROMISE:
                self.signal[s] = relax(self.signal[s], self.floor[s] + lp.compromise_margin,
                                       lp.tau_signal_compromise)
                if ratio > lp.hard_alarm_multiple:
                    changes.append(self._start(s, phase, Cause.HARD, perceived, hidden_gap, lp,
                                               alignment))
                elif (self.months_in_phase[s] >= lp.min_compromise_months
                        and self.perceived_pain[s] < lp.pain_release * lp.theta_pain):
                    changes.append(self._switch(s, phase, Phase.LOOSE, Cause.RELIEF))
        return changes

    def _switch(self, s: int, old: Phase, new: Phase, cause: Cause) -> PhaseChange:
        self.phase[s] = int(new)
        self.months_in_phase[s] = 0
        return PhaseChange(s, old, new, cause)

    def _start(self, s: int, old: Phase, cause: Cause, perceived: np.ndarray,
               hidden_gap: np.ndarray, lp: LeadershipParams,
               alignment: np.ndarray) -> PhaseChange:
        """Enter CRACKDOWN: severity from scratch, the climate jumps next month."""
        self.severity[s] = 0.0
        self.revealed_gap[s] = 0.0
        self.ban_pressure[s] = 0.0
        change = self._switch(s, old, Phase.CRACKDOWN, cause)
        self._escalate(s, perceived, hidden_gap, lp)
        jump = min(1.0, lp.climate_jump * self.severity[s] * (1.0 - alignment[s]))
        self._climate_jump = 1.0 - (1.0 - self._climate_jump) * (1.0 - jump)
        return change

    def _escalate(self, s: int, perceived: np.ndarray, hidden_gap: np.ndarray,
                  lp: LeadershipParams) -> None:
        """Raise the campaign severity and move L toward it.

        Severity = clip(c_L0 + k_A·(Â/θ_s − 1) + k_S·revealed + K_sev·c_s, c_L0, 1), never
        falling within a crackdown; L rises toward it (τ_up).
        """
        self.revealed_gap[s] = max(self.revealed_gap[s], hidden_gap[s])
        target = (lp.severity_base + lp.severity_alarm * (perceived[s] / self.threshold[s] - 1.0)
                  + lp.severity_surprise * self.revealed_gap[s]
                  + lp.climate_severity * self.reach[s])
        self.severity[s] = max(self.severity[s], min(1.0, max(lp.severity_base, target)))
        self.signal[s] = relax(self.signal[s], self.severity[s], lp.tau_signal_crackdown)

    def _rules(self, perceived: np.ndarray, lp: LeadershipParams) -> None:
        """Responsive regulation: L → clip(L_min + F + k_A·max(Â/θ_s − a, 0) − k_P·P̂, L_min, 1)."""
        target = np.clip(lp.signal_min + self.floor
                         + lp.rules_gain_alarm * np.maximum(perceived / self.threshold
                                                            - lp.rules_onset, 0.0)
                         - lp.rules_gain_pain * self.perceived_pain, lp.signal_min, 1.0)
        live = self.phase != int(Phase.BANNED)
        self.signal = np.where(live, relax(self.signal, target, lp.tau_signal_rules),
                               self.signal)
