"""The leadership at the apex (MODEL.md §2, 'The leadership').

Per sector it keeps a signal L_s ∈ [0,1] (0 growth first, 1 control first), a phase and a
regulatory floor F_s. It perceives alarm and pain through first-order delays and runs the phase
machine (campaign mode) or a smooth proportional rule (rules mode).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa import Agent

from .firms import relax
from .params import LeadershipParams
from .states import Mode, Phase

if TYPE_CHECKING:
    from .model import RegulatoryModel


class Leadership(Agent):
    """The top leadership: one agent, with per-sector arrays.

    Attributes (MODEL.md symbols): ``signal`` L_s, ``phase``, ``floor`` F_s, ``months_in_phase``
    (months already recorded in the current phase, counting the month of the switch),
    ``perceived_alarm`` Â_s, ``perceived_pain`` P̂ (economy) and ``perceived_sector_pain`` P̂_s,
    ``threshold`` θ_s (effective alarm threshold this month).
    """

    def __init__(self, model: RegulatoryModel, n_sectors: int, lp: LeadershipParams):
        super().__init__(model)
        self.signal = np.full(n_sectors, lp.signal_min)
        self.floor = np.zeros(n_sectors)
        self.phase = np.full(n_sectors, int(Phase.LOOSE), dtype=np.int64)
        self.months_in_phase = np.zeros(n_sectors, dtype=np.int64)
        self.perceived_alarm = np.zeros(n_sectors)
        self.perceived_pain = 0.0
        self.perceived_sector_pain = np.zeros(n_sectors)
        self.threshold = np.zeros(n_sectors)

    def perceive(self, alarm: np.ndarray, pain: float, sector_pain: np.ndarray,
                 lp: LeadershipParams) -> None:
        """First-order delays: Â ← Â + (A − Â)(1 − e^{−1/τ_G}); likewise pain with τ_P."""
        self.perceived_alarm = relax(self.perceived_alarm, alarm, lp.tau_alarm)
        self.perceived_pain = float(relax(self.perceived_pain, pain, lp.tau_pain))
        self.perceived_sector_pain = relax(self.perceived_sector_pain, sector_pain, lp.tau_pain)

    def thresholds(self, alignment: np.ndarray, climate: float,
                   lp: LeadershipParams) -> np.ndarray:
        """θ_s = θ_A·(1 + η·α_s)·(1 − σ·[another sector in crackdown])·(1 − κ_F·climate)."""
        cracking = self.phase == int(Phase.CRACKDOWN)
        others = cracking.sum() - cracking  # crackdowns elsewhere
        spill = np.where(others > 0, 1.0 - lp.spillover, 1.0)
        self.threshold = (lp.theta_alarm * (1.0 + lp.honeymoon * alignment) * spill
                          * (1.0 - lp.foreign_climate_effect * climate))
        return self.threshold

    def update(self, triggered: np.ndarray, ban_possible: np.ndarray, alignment: np.ndarray,
               climate: float, lp: LeadershipParams, rng: np.random.Generator
               ) -> list[tuple[int, Phase, Phase]]:
        """Advance the phase machine one month, then move signals; return phase changes.

        Args:
            triggered: True where a trigger (scandal above m_trig, defiance, listing) arrived.
            ban_possible: True where a crackdown may end in a ban.
            alignment: α_s.
            climate: foreign regulatory climate this month.
            lp: leadership parameters.
            rng: the model's generator (ban draws).

        Returns:
            (sector, old phase, new phase) for every change this month.
        """
        theta = self.thresholds(alignment, climate, lp)
        if lp.mode == Mode.RULES.value:
            self._rules(theta, lp)
            return []
        changes: list[tuple[int, Phase, Phase]] = []
        alarm = self.perceived_alarm
        hard = alarm > lp.hard_alarm_multiple * theta
        ban_draws = rng.random(len(theta))
        for s in range(len(theta)):
            phase = Phase(self.phase[s])
            new = phase
            months = self.months_in_phase[s]
            if phase == Phase.LOOSE:
                if hard[s] or (triggered[s] and alarm[s] > theta[s]):
                    new = Phase.CRACKDOWN
            elif phase == Phase.CRACKDOWN:
                if (ban_possible[s] and months >= lp.ban_min_months
                        and alarm[s] > lp.ban_alarm_multiple * theta[s]
                        and ban_draws[s] < lp.ban_probability):
                    new = Phase.BANNED
                elif (months >= lp.min_crackdown_months
                      and self.perceived_sector_pain[s] > self.pain_threshold(months, lp)):
                    new = Phase.COMPROMISE
                    # institutionalisation: part of the campaign stays as law
                    self.floor[s] += lp.floor_ratchet * max(self.signal[s] - self.floor[s], 0.0)
            elif phase == Phase.COMPROMISE:
                if hard[s]:
                    new = Phase.CRACKDOWN
                elif (months >= lp.min_compromise_months
                      and self.perceived_sector_pain[s] < lp.pain_release * lp.theta_pain):
                    new = Phase.LOOSE
            if new != phase:
                changes.append((s, phase, new))
                self.phase[s] = int(new)
                self.months_in_phase[s] = 1  # this month is recorded in the new phase
            else:
                self.months_in_phase[s] += 1
        self._move_signal(lp)
        return changes

    @staticmethod
    def pain_threshold(months: int, lp: LeadershipParams) -> float:
        """Pain that ends a crackdown: θ_P, decaying as e^(−(m − T_crack)/T_fat) past T_crack.

        Campaign fatigue: without it a crackdown in a small sector, whose own collapse barely
        moves the economy's pain, could last forever.
        """
        extra = max(months - lp.min_crackdown_months, 0)
        return lp.theta_pain * float(np.exp(-extra / lp.fatigue_months))

    def _move_signal(self, lp: LeadershipParams) -> None:
        phase = self.phase
        loose = phase == int(Phase.LOOSE)
        crack = (phase == int(Phase.CRACKDOWN)) | (phase == int(Phase.BANNED))
        target = np.where(loose, lp.signal_min + self.floor,
                          np.where(crack, 1.0, self.floor + lp.compromise_margin))
        tau = np.where(loose, lp.tau_signal_loose,
                       np.where(crack, lp.tau_signal_crackdown, lp.tau_signal_compromise))
        self.signal = np.clip(relax(self.signal, np.minimum(target, 1.0), tau), 0.0, 1.0)
        # laws nobody enforces fade
        self.floor = np.where(loose, np.maximum(self.floor - lp.floor_erosion, 0.0), self.floor)

    def _rules(self, theta: np.ndarray, lp: LeadershipParams) -> None:
        """Rules mode: L → clip(L_min + F + k_A·(Â − θ)⁺ − k_P·P̂_s), no phases, no campaigns."""
        excess = np.maximum(self.perceived_alarm - theta, 0.0)
        target = np.clip(lp.signal_min + self.floor + lp.rules_gain_alarm * excess
                         - lp.rules_gain_pain * self.perceived_sector_pain, lp.signal_min, 1.0)
        self.signal = relax(self.signal, target, lp.tau_signal_rules)
        self.months_in_phase += 1
