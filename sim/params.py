"""Model parameters: frozen, validated dataclasses grouped by actor.

Every field declares, once, its default, its allowed range (or choices), its MODEL.md symbol and a
one-line doc (see :func:`spec`). Everything else reads this metadata: validation messages, the
scenario loader, sweep ranges, the dashboard's sliders and the ODD document's parameter table.

A bad value raises :class:`ParameterError`, whose message names the parameter (``group.name``),
the value found and what is allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from .states import AGENCIES, Mode, ScheduledKind, Structure

# --------------------------------------------------------------------------------------------
# Field metadata
# --------------------------------------------------------------------------------------------


def spec(
    default: Any,
    *,
    symbol: str,
    doc: str,
    range: tuple[float, float] | None = None,
    choices: tuple[str, ...] | None = None,
    unit: str = "",
    sweepable: bool = True,
) -> Any:
    """Declare a parameter field with its metadata.

    Args:
        default: the default value.
        symbol: the MODEL.md symbol (e.g. ``"θ_A"``).
        doc: a one-line description.
        range: inclusive bounds for numbers.
        choices: allowed values for strings.
        unit: unit of measure, for labels.
        sweepable: whether sweeps and sliders may vary it (False for structural choices).
    """
    meta = {
        "symbol": symbol,
        "doc": doc,
        "range": range,
        "choices": choices,
        "unit": unit,
        "sweepable": sweepable,
    }
    if isinstance(default, (list, dict, set)):
        raise TypeError("parameter defaults must be immutable; use a tuple")
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a parameter value."""

    key: str
    value: Any
    allowed: str
    message: str = ""

    def __str__(self) -> str:
        what = self.message or "not allowed"
        return f"{self.key} = {self.value!r}: {what}; allowed: {self.allowed}"


class ParameterError(ValueError):
    """Raised for invalid parameter values; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def fmt_number(x: float) -> str:
    """Write a bound readably: integers in full (1000000, not 1e+06), others with %g."""
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _describe_allowed(f: dataclasses.Field) -> str:
    meta = f.metadata
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    if meta.get("range"):
        lo, hi = meta["range"]
        kind = "an integer" if f.type in ("int", int) else "a number"
        return f"{kind} in [{fmt_number(lo)}, {fmt_number(hi)}]"
    if f.type in ("bool", bool):
        return "true or false"
    return str(f.type)


def check_value(f: dataclasses.Field, value: Any, key: str) -> list[Problem]:
    """Check one scalar value against a field's type and metadata; return the problems."""
    allowed = _describe_allowed(f)
    meta = f.metadata
    ftype = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    if ftype == "bool":
        if not isinstance(value, bool):
            return [Problem(key, value, allowed, "wrong type")]
        return []
    if ftype == "str":
        if not isinstance(value, str):
            return [Problem(key, value, allowed, "wrong type")]
        if meta.get("choices") and value not in meta["choices"]:
            return [Problem(key, value, allowed, "unknown choice")]
        return []
    if ftype in ("int", "float"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return [Problem(key, value, allowed, "wrong type")]
        if ftype == "int" and not isinstance(value, int):
            return [Problem(key, value, allowed, "not an integer")]
        if not math.isfinite(value):
            return [Problem(key, value, allowed, "not a finite number")]
        rng = meta.get("range")
        if rng and not (rng[0] <= value <= rng[1]):
            return [Problem(key, value, allowed, "out of range")]
        return []
    return []


def _check_scalars(obj: Any, group: str) -> list[Problem]:
    problems: list[Problem] = []
    for f in fields(obj):
        if f.metadata.get("symbol") is None:
            continue
        problems += check_value(f, getattr(obj, f.name), f"{group}.{f.name}")
    return problems


class _Group:
    """Mixin: validate every declared field at construction."""

    __slots__ = ()
    GROUP = ""

    def __post_init__(self) -> None:
        problems = _check_scalars(self, self.GROUP) + self._extra_checks()
        if problems:
            raise ParameterError(problems)

    def _extra_checks(self) -> list[Problem]:
        return []


# --------------------------------------------------------------------------------------------
# Groups by actor
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LeadershipParams(_Group):
    """The leadership at the apex: signal, phase machine, floor (MODEL.md §2, 'The leadership')."""

    GROUP = "leadership"

    mode: str = spec(Mode.CAMPAIGN.value, symbol="mode", choices=tuple(m.value for m in Mode),
                     doc="campaign (phase machine) or rules (proportional response)",
                     sweepable=False)
    signal_min: float = spec(0.05, range=(0.0, 0.5), symbol="L_min",
                             doc="lowest signal: growth first")
    tau_signal_loose: float = spec(12.0, range=(0.5, 60.0), symbol="τ_L,loose", unit="months",
                                   doc="time constant of the signal's drift down in LOOSE")
    tau_signal_crackdown: float = spec(1.5, range=(0.5, 24.0), symbol="τ_L,crack",
                                       unit="months", doc="time constant of the rise in CRACKDOWN")
    tau_signal_compromise: float = spec(6.0, range=(0.5, 36.0), symbol="τ_L,comp", unit="months",
                                        doc="time constant of the fall toward the floor")
    compromise_margin: float = spec(0.05, range=(0.0, 0.5), symbol="ΔL_comp",
                                    doc="COMPROMISE signal target above the floor F")
    theta_alarm: float = spec(0.55, range=(0.05, 3.0), symbol="θ_A",
                              doc="alarm threshold for a crackdown, given a trigger")
    hard_alarm_multiple: float = spec(1.5, range=(1.0, 5.0), symbol="h_A",
                                      doc="alarm above h_A·θ_A starts a crackdown without trigger")
    trigger_magnitude: float = spec(4.0, range=(1.0, 50.0), symbol="m_trig",
                                    doc="scandal magnitude that counts as a trigger")
    theta_pain: float = spec(0.45, range=(0.01, 1.0), symbol="θ_P",
                             doc="perceived pain that ends a crackdown")
    pain_release: float = spec(0.5, range=(0.0, 1.0), symbol="r_P",
                               doc="COMPROMISE returns to LOOSE when pain < r_P·θ_P")
    min_crackdown_months: int = spec(9, range=(0, 120), symbol="T_crack", unit="months",
                                     doc="minimum duration of a crackdown")
    fatigue_months: float = spec(36.0, range=(1.0, 1000.0), symbol="T_fat", unit="months",
                                 doc="past T_crack the pain that ends a crackdown decays as "
                                     "e^(−Δt/T_fat)")
    min_compromise_months: int = spec(12, range=(0, 120), symbol="T_comp", unit="months",
                                      doc="minimum stay in COMPROMISE")
    floor_ratchet: float = spec(0.2, range=(0.0, 1.0), symbol="φ_F",
                                doc="share of the gap L−F kept as floor on entering COMPROMISE")
    floor_erosion: float = spec(0.003, range=(0.0, 0.05), symbol="ε_F", unit="per month",
                                doc="floor lost each month in LOOSE (unenforced laws fade)")
    tau_alarm: float = spec(3.0, range=(0.5, 36.0), symbol="τ_G", unit="months",
                            doc="perception delay of alarm")
    tau_pain: float = spec(6.0, range=(0.5, 36.0), symbol="τ_P", unit="months",
                           doc="perception delay of economic pain")
    sector_pain_weight: float = spec(0.5, range=(0.0, 1.0), symbol="w_P",
                                     doc="weight of the sector's own pain (vs the economy's)")
    honeymoon: float = spec(1.5, range=(0.0, 3.0), symbol="η_align",
                            doc="threshold raised by η·alignment (AI's honeymoon)")
    spillover: float = spec(0.25, range=(0.0, 0.9), symbol="σ_spill",
                            doc="threshold cut while another sector is in crackdown")
    foreign_climate_effect: float = spec(0.3, range=(0.0, 0.9), symbol="κ_F",
                                         doc="threshold cut per unit of foreign regulatory climate")
    ban_alarm_multiple: float = spec(1.4, range=(1.0, 5.0), symbol="h_ban",
                                     doc="alarm above h_ban·θ_A in a crackdown risks a ban")
    ban_min_months: int = spec(6, range=(0, 120), symbol="T_ban", unit="months",
                               doc="crackdown months before a ban may fall")
    ban_probability: float = spec(0.08, range=(0.0, 1.0), symbol="p_ban", unit="per month",
                                  doc="monthly chance of a ban once its conditions hold")
    rules_gain_alarm: float = spec(2.0, range=(0.0, 5.0), symbol="k_A",
                                   doc="rules mode: signal per unit of alarm above θ_A")
    rules_gain_pain: float = spec(0.8, range=(0.0, 5.0), symbol="k_P",
                                  doc="rules mode: signal cut per unit of perceived pain")
    tau_signal_rules: float = spec(6.0, range=(0.5, 36.0), symbol="τ_L,rules", unit="months",
                                   doc="rules mode: time constant of the signal")


@dataclass(frozen=True, slots=True)
class AgencyParams(_Group):
    """Regulatory agencies: targets, zeal, cases, sanctions (MODEL.md §2, 'State regulators')."""

    GROUP = "agencies"

    structure: str = spec(Structure.FRAGMENTED.value, symbol="structure",
                          choices=tuple(s.value for s in Structure), sweepable=False,
                          doc="fragmented (five agencies) or unified (one regulator)")
    tau_enforcement: float = spec(2.0, range=(0.25, 24.0), symbol="τ_E", unit="months",
                                  doc="bureaucratic time constant of enforcement")
    zeal: float = spec(0.3, range=(0.0, 2.0), symbol="ζ",
                       doc="campaign overshoot of the enforcement target and of case counts")
    harm_weight: float = spec(0.1, range=(0.0, 2.0), symbol="κ_H",
                              doc="target added per unit of harm the agency perceives")
    tau_information: float = spec(6.0, range=(0.5, 36.0), symbol="τ_I", unit="months",
                                  doc="delay of an agency's own harm data (isolated islands)")
    growth_faction: float = spec(0.5, range=(0.0, 1.0), symbol="γ_ind",
                                 doc="industry agency's pull against enforcement × alignment")
    capacity: float = spec(4.0, range=(0.0, 50.0), symbol="K", unit="cases/month",
                           doc="cases opened per sector per month at full enforcement")
    secondary_weight: float = spec(0.5, range=(0.0, 1.0), symbol="w_2",
                                   doc="weight of a non-lead agency in a sector's enforcement")
    visibility: float = spec(0.5, range=(0.0, 2.0), symbol="ν",
                             doc="case-selection weight ∝ revenue^ν")
    fine_rate: float = spec(0.02, range=(0.0, 1.0), symbol="φ",
                            doc="fine as a share of annual revenue per unit of V/annual revenue")
    fine_cap: float = spec(0.10, range=(0.0, 1.0), symbol="f_cap",
                           doc="legal cap on a fine, share of annual revenue")
    violation_kept: float = spec(0.3, range=(0.0, 1.0), symbol="v_keep",
                                 doc="share of the violation record left after a fine")
    remedy_cut: float = spec(0.4, range=(0.0, 1.0), symbol="r_a",
                             doc="share of aggressiveness removed by a remedy")
    remedy_revenue_cut: float = spec(0.05, range=(0.0, 1.0), symbol="r_R",
                                     doc="share of revenue a remedy removes (exclusivity ended)")
    blacklist_months: int = spec(12, range=(0, 120), symbol="T_BL", unit="months",
                                 doc="months a sanctioned firm stays blacklisted")
    blacklist_bonus: float = spec(2.0, range=(0.0, 20.0), symbol="b_BL",
                                  doc="extra case-selection weight of a blacklisted firm")
    suspension_months: int = spec(18, range=(0, 120), symbol="T_sus", unit="months",
                                  doc="months a listing stays suspended after a campaign sanction")
    suspension_top_k: int = spec(5, range=(0, 50), symbol="k_sus",
                                 doc="sanctioned top-k firms of a sector in crackdown lose listing")
    merger_review: float = spec(1.0, range=(0.0, 1.0), symbol="μ",
                                doc="chance an acquisition is blocked per unit of antitrust E")
    retroactive: bool = spec(True, symbol="retro", sweepable=False,
                             doc="punish the whole violation record (else only recent harm)")
    recent_harm_months: float = spec(6.0, range=(1.0, 60.0), symbol="τ_V,recent",
                                     unit="months", doc="memory of recent harm without retroaction")


@dataclass(frozen=True, slots=True)
class LocalParams(_Group):
    """Local governments: fiscal dependence, protection, loyalty (MODEL.md §2)."""

    GROUP = "local"

    n_provinces: int = spec(31, range=(1, 200), symbol="N_P", doc="number of provinces",
                            sweepable=False)
    tax_rate: float = spec(0.1, range=(0.0, 1.0), symbol="t", doc="tax on firm revenue")
    nontech_tax_ratio: float = spec(3.0, range=(0.0, 100.0), symbol="X_0",
                                    doc="non-tech tax relative to tech tax at the start")
    nontech_growth: float = spec(0.004, range=(-0.05, 0.05), symbol="g_X", unit="per month",
                                 doc="growth of the non-tech tax base")
    hub_concentration: float = spec(1.2, range=(0.0, 3.0), symbol="s_hub",
                                    doc="Zipf exponent of firm location across provinces")
    protection_min: float = spec(0.2, range=(0.0, 1.0), symbol="π_0",
                                 doc="protection at zero fiscal dependence")
    protection_slope: float = spec(0.8, range=(0.0, 5.0), symbol="π_d",
                                   doc="protection per unit of fiscal dependence")
    protection_cap: float = spec(0.9, range=(0.0, 1.0), symbol="π_max", doc="protection cap")
    protection_targeting: float = spec(1.0, range=(0.0, 1.0), symbol="π_sel",
                                       doc="how much protection lowers the odds of being targeted")
    loyalty_enforcement: float = spec(0.1, range=(0.0, 1.0), symbol="λ_loc",
                                      doc="enforcement a zealous locality adds in a campaign")
    subsidy: float = spec(0.004, range=(0.0, 0.05), symbol="s_sub", unit="per month",
                          doc="growth subsidy × alignment for aligned sectors")


@dataclass(frozen=True, slots=True)
class FirmParams(_Group):
    """Tech firms: learning, choice, growth, harm and rare events (MODEL.md §2, 'Tech firms')."""

    GROUP = "firms"

    n_firms: int = spec(300, range=(5, 1_000_000), symbol="N_F", doc="firms at the start",
                        sweepable=False)
    tau_belief: float = spec(18.0, range=(0.5, 120.0), symbol="τ_ê", unit="months",
                             doc="time constant of learning the enforcement faced")
    demonstration: float = spec(0.5, range=(0.0, 1.0), symbol="δ_demo",
                                doc="share of the gap to E closed by peers when a top-5 is hit")
    beta: float = spec(8.0, range=(0.1, 50.0), symbol="β", doc="steepness of the best response")
    reward: float = spec(0.35, range=(0.0, 2.0), symbol="r",
                         doc="return to aggressiveness (scaled by the sector's factor)")
    cost: float = spec(1.5, range=(0.0, 10.0), symbol="c",
                       doc="cost per unit of expected enforcement")
    tau_aggressiveness: float = spec(6.0, range=(0.5, 60.0), symbol="τ_a", unit="months",
                                     doc="time constant of approaching the best response")
    growth_base: float = spec(0.006, range=(-0.05, 0.1), symbol="g_0", unit="per month",
                              doc="base revenue growth")
    growth_aggressiveness: float = spec(0.012, range=(0.0, 0.1), symbol="g_a", unit="per month",
                                        doc="growth per unit of aggressiveness")
    enforcement_drag: float = spec(0.02, range=(0.0, 0.2), symbol="d_e", unit="per month",
                                   doc="growth lost per unit of enforcement faced")
    growth_noise: float = spec(0.01, range=(0.0, 0.2), symbol="σ_g", unit="per month",
                               doc="standard deviation of monthly growth shocks")
    revenue_sigma: float = spec(1.2, range=(0.0, 4.0), symbol="σ_R",
                                doc="log-sd of initial revenues (heavy-tailed firm sizes)")
    acquisition_rate: float = spec(0.1, range=(0.0, 1.0), symbol="p_acq", unit="per month",
                                   doc="monthly chance a top firm tries an acquisition, × a")
    acquirer_top_k: int = spec(5, range=(1, 100), symbol="k_acq",
                               doc="how many of a sector's largest firms may acquire")
    violation_decay: float = spec(0.02, range=(0.0, 1.0), symbol="δ_V", unit="per month",
                                  doc="decay of the violation record V")
    hhi_harm: float = spec(2.0, range=(0.0, 20.0), symbol="κ_HHI",
                           doc="competition harm multiplied by (1 + κ·HHI)")
    pledge_probability: float = spec(0.15, range=(0.0, 1.0), symbol="p_pl", unit="per month",
                                     doc="monthly chance a firm pledges during a crackdown")
    pledge_cost: float = spec(0.03, range=(0.0, 0.5), symbol="c_pl",
                              doc="one-off revenue cost of a pledge")
    pledge_effect: float = spec(0.5, range=(0.0, 1.0), symbol="e_pl",
                                doc="cut in targeting odds and in the alarm a pledger adds")
    defiance_rate: float = spec(0.02, range=(0.0, 1.0), symbol="p_def", unit="per month",
                                doc="defiance chance per unit of economy share × (1 − ê)")
    defiance_top_k: int = spec(10, range=(1, 100), symbol="k_def",
                               doc="how many of the economy's largest firms may defy")
    listing_rate: float = spec(0.004, range=(0.0, 1.0), symbol="p_list", unit="per month",
                               doc="monthly chance a data-rich large firm lists abroad, × (1 − E)")
    listing_data_min: float = spec(0.3, range=(0.0, 1.0), symbol="d_list",
                                   doc="data-harm profile that makes a sector data-rich")
    exit_revenue: float = spec(0.03, range=(0.0, 1.0), symbol="R_exit",
                               doc="exit below this share of the initial median revenue")
    entry_rate: float = spec(1.0, range=(0.0, 50.0), symbol="λ_entry",
                             unit="per 100 firms per month",
                             doc="entries per 100 initial firms of a sector a month, × confidence")
    entrant_size: float = spec(0.3, range=(0.01, 10.0), symbol="R_entry",
                               doc="entrant revenue as a share of the initial median revenue")
    initial_belief: float = spec(0.15, range=(0.0, 1.0), symbol="ê_0",
                                 doc="upper bound of initial expected enforcement (uniform)")


@dataclass(frozen=True, slots=True)
class PublicParams(_Group):
    """The public and the markets: grievance, scandals, valuation, pain (MODEL.md §2)."""

    GROUP = "public"

    tau_grievance: float = spec(12.0, range=(0.5, 120.0), symbol="τ_G,mem", unit="months",
                                doc="memory of harm intensity in grievance")
    scandal_rate: float = spec(0.25, range=(0.0, 10.0), symbol="λ_S", unit="per month",
                               doc="scandal rate per unit of harm intensity H")
    scandal_alpha: float = spec(1.5, range=(1.01, 10.0), symbol="α",
                                doc="Pareto tail index of scandal magnitudes")
    amplification: float = spec(1.0, range=(0.0, 10.0), symbol="m_SM",
                                doc="social-media amplification of scandal magnitudes")
    scandal_grievance: float = spec(0.02, range=(0.0, 1.0), symbol="κ_S",
                                    doc="grievance added per unit of scandal magnitude")
    defiance_alarm: float = spec(0.5, range=(0.0, 5.0), symbol="A_def",
                                 doc="alarm added by a public act of defiance")
    listing_alarm: float = spec(0.4, range=(0.0, 5.0), symbol="A_list",
                                doc="alarm added by a foreign listing (sovereignty)")
    tau_event_alarm: float = spec(6.0, range=(0.5, 60.0), symbol="τ_ev", unit="months",
                                  doc="decay of alarm from defiance and listings")
    valuation_rho: float = spec(1.0, range=(0.0, 10.0), symbol="ρ",
                                doc="valuation multiple × exp(−ρ·Ê_market)")
    volatility_penalty: float = spec(2.0, range=(0.0, 20.0), symbol="ρ_vol",
                                     doc="valuation multiple × exp(−ρ_vol·policy volatility)")
    tau_market: float = spec(3.0, range=(0.5, 36.0), symbol="τ_m", unit="months",
                             doc="investors' perception delay of enforcement")
    peak_decay: float = spec(0.02, range=(0.0, 0.5), symbol="δ_peak", unit="per month",
                             doc="decay of the valuation peak against which pain is measured")
    growth_pain: float = spec(8.0, range=(0.0, 100.0), symbol="w_g",
                              doc="pain per unit of monthly growth below trend")
    jobs_pain: float = spec(0.5, range=(0.0, 10.0), symbol="w_J",
                            doc="pain per unit share of firms exited in the last year")


@dataclass(frozen=True, slots=True)
class SectorSpec(_Group):
    """One row of the sector table (MODEL.md §2, 'Sectors')."""

    GROUP = "sectors"

    name: str = spec("sector", symbol="s", doc="sector name", sweepable=False)
    harm_competition: float = spec(0.2, range=(0.0, 1.0), symbol="h_comp",
                                   doc="harm profile: competition")
    harm_data: float = spec(0.2, range=(0.0, 1.0), symbol="h_data",
                            doc="harm profile: data and privacy (content, minors)")
    harm_labour: float = spec(0.2, range=(0.0, 1.0), symbol="h_lab", doc="harm profile: labour")
    harm_finance: float = spec(0.2, range=(0.0, 1.0), symbol="h_fin",
                               doc="harm profile: financial risk")
    alignment: float = spec(0.2, range=(0.0, 1.0), symbol="α_s",
                            doc="strategic alignment with the state")
    lead_agency: str = spec("antitrust", symbol="k_lead", choices=AGENCIES[:-1],
                            doc="lead agency", sweepable=False)
    ban_possible: bool = spec(False, symbol="ban_s", doc="a crackdown may end in a sector ban",
                              sweepable=False)
    reward_factor: float = spec(1.0, range=(0.0, 3.0), symbol="r_s/r",
                                doc="sector's return to aggressiveness relative to r")
    revenue_share: float = spec(0.2, range=(0.0, 1.0), symbol="w_s",
                                doc="share of firms founded in this sector at the start")

    @property
    def harms(self) -> tuple[float, float, float, float]:
        """Harm profile in the order of :data:`sim.states.HARM_DIMENSIONS`."""
        return (self.harm_competition, self.harm_data, self.harm_labour, self.harm_finance)

    def _extra_checks(self) -> list[Problem]:
        key = f"sectors.{self.name}"
        if not self.name.isidentifier():
            return [Problem(f"{key}.name", self.name, "a name of letters, digits and _")]
        return []


def _sector(name: str, harms: tuple[float, float, float, float], alignment: float,
            lead: str, ban: bool = False, share: float = 0.2) -> SectorSpec:
    comp, data, labour, fin = harms
    return SectorSpec(name=name, harm_competition=comp, harm_data=data, harm_labour=labour,
                      harm_finance=fin, alignment=alignment, lead_agency=lead, ban_possible=ban,
                      revenue_share=share)


DEFAULT_SECTORS: tuple[SectorSpec, ...] = (
    _sector("platform", (0.5, 0.3, 0.2, 0.0), 0.3, "antitrust"),
    _sector("fintech", (0.2, 0.2, 0.0, 0.6), 0.2, "finance"),
    _sector("edtech", (0.1, 0.2, 0.3, 0.4), 0.1, "education", ban=True),
    _sector("gaming", (0.1, 0.5, 0.1, 0.0), 0.1, "cyberspace"),
    _sector("ai", (0.1, 0.6, 0.1, 0.0), 0.9, "cyberspace"),
)
"""MODEL.md §2's sector table."""


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    """An event a scenario injects at a chosen month (counterfactual history).

    Attributes:
        month: month index from the start (0-based).
        kind: one of :class:`sim.states.ScheduledKind`.
        sector: sector name (ignored for ``macro_shock``).
        magnitude: scandal magnitude, alarm multiple for defiance and listings, or pain added
            by a macro shock.
    """

    month: int
    kind: str
    sector: str = ""
    magnitude: float = 1.0


@dataclass(frozen=True, slots=True)
class ExogenousParams(_Group):
    """Scheduled events and exogenous series (MODEL.md §2, 'optional exogenous series').

    Series are step functions given as ``((month, value), ...)``: the value holds from its month
    until the next breakpoint; before the first breakpoint the series is 0.
    """

    GROUP = "exogenous"

    events: tuple[ScheduledEvent, ...] = ()
    foreign_climate: tuple[tuple[int, float], ...] = ()
    macro_shock: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class RunParams(_Group):
    """Run settings: horizon, calendar, firm panel."""

    GROUP = "run"

    months: int = spec(240, range=(1, 6000), symbol="T", unit="months", doc="horizon",
                       sweepable=False)
    start_date: str = spec("2010-01", symbol="t_0", doc="calendar month of step 0 (YYYY-MM)",
                           sweepable=False)
    firm_panel_every: int = spec(0, range=(0, 6000), symbol="Δ_panel", unit="months",
                                 doc="firm panel interval in months; 0 turns it off",
                                 sweepable=False)

    def _extra_checks(self) -> list[Problem]:
        try:
            parse_month(self.start_date)
        except ValueError:
            return [Problem("run.start_date", self.start_date, "a month written YYYY-MM",
                            "not a date")]
        return []


def parse_month(text: str) -> _dt.date:
    """Parse ``YYYY-MM`` into the first day of that month."""
    if not isinstance(text, str):
        raise ValueError(f"not a YYYY-MM string: {text!r}")
    try:
        return _dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError as exc:
        raise ValueError(f"not a YYYY-MM month: {text!r}") from exc


# --------------------------------------------------------------------------------------------
# The whole parameter set
# --------------------------------------------------------------------------------------------

GROUPS: dict[str, type] = {
    "leadership": LeadershipParams,
    "agencies": AgencyParams,
    "local": LocalParams,
    "firms": FirmParams,
    "public": PublicParams,
    "run": RunParams,
}
"""Scalar parameter groups by name, in documentation order (sectors and exogenous are tables)."""


@dataclass(frozen=True, slots=True)
class Params:
    """All parameters of one run. Immutable; derive variants with :meth:`override`."""

    leadership: LeadershipParams = field(default_factory=LeadershipParams)
    agencies: AgencyParams = field(default_factory=AgencyParams)
    local: LocalParams = field(default_factory=LocalParams)
    firms: FirmParams = field(default_factory=FirmParams)
    public: PublicParams = field(default_factory=PublicParams)
    sectors: tuple[SectorSpec, ...] = DEFAULT_SECTORS
    exogenous: ExogenousParams = field(default_factory=ExogenousParams)
    run: RunParams = field(default_factory=RunParams)

    def __post_init__(self) -> None:
        problems = self._cross_checks()
        if problems:
            raise ParameterError(problems)

    # ---- validation across groups ----
    def _cross_checks(self) -> list[Problem]:
        problems: list[Problem] = []
        names = [s.name for s in self.sectors]
        if not names:
            problems.append(Problem("sectors", (), "at least one sector", "empty"))
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            problems.append(Problem("sectors", dupes, "unique sector names", "duplicate"))
        for i, ev in enumerate(self.exogenous.events):
            key = f"exogenous.events[{i}]"
            kinds = tuple(k.value for k in ScheduledKind)
            if ev.kind not in kinds:
                problems.append(Problem(f"{key}.kind", ev.kind, "one of " + ", ".join(kinds),
                                        "unknown kind"))
            if ev.kind != ScheduledKind.MACRO_SHOCK.value and ev.sector not in names:
                problems.append(Problem(f"{key}.sector", ev.sector,
                                        "one of " + ", ".join(names), "unknown sector"))
            if not isinstance(ev.month, int) or not 0 <= ev.month < self.run.months:
                problems.append(Problem(f"{key}.month", ev.month,
                                        f"an integer in [0, {self.run.months - 1}]",
                                        "outside the run"))
            if not (isinstance(ev.magnitude, (int, float)) and 0 <= ev.magnitude <= 1000
                    and math.isfinite(ev.magnitude)):
                problems.append(Problem(f"{key}.magnitude", ev.magnitude, "a number in [0, 1000]",
                                        "out of range"))
        for series_name in ("foreign_climate", "macro_shock"):
            series = getattr(self.exogenous, series_name)
            months = [m for m, _ in series]
            if months != sorted(set(months)):
                problems.append(Problem(f"exogenous.{series_name}", series,
                                        "breakpoints with strictly increasing months",
                                        "unordered"))
            for m, v in series:
                if not (isinstance(m, int) and 0 <= m < self.run.months):
                    problems.append(Problem(f"exogenous.{series_name}", (m, v),
                                            f"months in [0, {self.run.months - 1}]",
                                            "outside the run"))
                if not (0 <= v <= 1 and math.isfinite(v)):
                    problems.append(Problem(f"exogenous.{series_name}", (m, v),
                                            "values in [0, 1]", "out of range"))
        return problems

    # ---- access by dotted names ----
    @property
    def sector_names(self) -> tuple[str, ...]:
        """Sector names in table order."""
        return tuple(s.name for s in self.sectors)

    def get(self, key: str) -> Any:
        """Read a parameter by dotted key: ``group.name`` or ``sectors.<sector>.<name>``."""
        parts = key.split(".")
        if parts[0] == "sectors" and len(parts) == 3:
            return getattr(self._sector(parts[1]), parts[2])
        if len(parts) == 2 and parts[0] in GROUPS:
            return getattr(getattr(self, parts[0]), parts[1])
        raise KeyError(key)

    def _sector(self, name: str) -> SectorSpec:
        for s in self.sectors:
            if s.name == name:
                return s
        raise KeyError(f"sectors.{name}")

    def override(self, values: Mapping[str, Any]) -> Params:
        """Return a validated copy with dotted keys replaced; ParameterError lists all problems.

        Keys are ``group.name`` for scalar groups and ``sectors.<sector>.<name>`` for the sector
        table. Unknown keys are problems too.
        """
        per_group: dict[str, dict[str, Any]] = {}
        per_sector: dict[str, dict[str, Any]] = {}
        problems: list[Problem] = []
        for key, value in values.items():
            value = _plain(value)
            parts = key.split(".")
            if parts[0] == "sectors" and len(parts) == 3:
                if parts[1] not in self.sector_names:
                    problems.append(Problem(key, value, "a sector among "
                                            + ", ".join(self.sector_names), "unknown sector"))
                elif parts[2] not in _field_names(SectorSpec):
                    problems.append(Problem(key, value, "a field among "
                                            + ", ".join(_field_names(SectorSpec)),
                                            "unknown parameter"))
                else:
                    per_sector.setdefault(parts[1], {})[parts[2]] = value
            elif len(parts) == 2 and parts[0] in GROUPS:
                if parts[1] not in _field_names(GROUPS[parts[0]]):
                    problems.append(Problem(key, value, "a parameter among "
                                            + ", ".join(_field_names(GROUPS[parts[0]])),
                                            "unknown parameter"))
                else:
                    per_group.setdefault(parts[0], {})[parts[1]] = value
            else:
                problems.append(Problem(key, value, "group.name or sectors.<sector>.<name>",
                                        "unknown key"))
        changes: dict[str, Any] = {}
        for group, kv in per_group.items():
            current = getattr(self, group)
            for name, value in kv.items():
                problems += check_value(_field(type(current), name), value, f"{group}.{name}")
        for sname, kv in per_sector.items():
            for name, value in kv.items():
                problems += check_value(_field(SectorSpec, name), value, f"sectors.{sname}.{name}")
        if problems:
            raise ParameterError(problems)
        for group, kv in per_group.items():
            cls = type(getattr(self, group))
            kv = {name: _coerce(_field(cls, name), v) for name, v in kv.items()}
            changes[group] = dataclasses.replace(getattr(self, group), **kv)
        if per_sector:
            changes["sectors"] = tuple(
                dataclasses.replace(s, **{name: _coerce(_field(SectorSpec, name), v)
                                          for name, v in per_sector.get(s.name, {}).items()})
                for s in self.sectors
            )
        return dataclasses.replace(self, **changes)

    def to_flat_dict(self) -> dict[str, Any]:
        """Every scalar parameter by dotted key (for runs tables and manifests)."""
        out: dict[str, Any] = {}
        for group in GROUPS:
            obj = getattr(self, group)
            for f in fields(obj):
                out[f"{group}.{f.name}"] = getattr(obj, f.name)
        for s in self.sectors:
            for f in fields(s):
                if f.name != "name":
                    out[f"sectors.{s.name}.{f.name}"] = getattr(s, f.name)
        out["exogenous.events"] = [dataclasses.asdict(e) for e in self.exogenous.events]
        out["exogenous.foreign_climate"] = [list(p) for p in self.exogenous.foreign_climate]
        out["exogenous.macro_shock"] = [list(p) for p in self.exogenous.macro_shock]
        return out


def _plain(value: Any) -> Any:
    """Numpy scalars (from samplers) become the Python numbers they stand for."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _coerce(f: dataclasses.Field, value: Any) -> Any:
    """An integer given for a float parameter is stored as a float (stable column types)."""
    if f.type in ("float", float) and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _field_names(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]


def _field(cls: type, name: str) -> dataclasses.Field:
    for f in fields(cls):
        if f.name == name:
            return f
    raise KeyError(name)


def iter_specs(params: Params | None = None) -> Iterator[tuple[str, dataclasses.Field, Any]]:
    """Yield ``(dotted_key, field, current_value)`` for every scalar parameter with metadata.

    Sector fields are yielded per sector (``sectors.<sector>.<name>``). This is what sweeps,
    sliders and the ODD parameter table read.
    """
    params = params or Params()
    for group in GROUPS:
        obj = getattr(params, group)
        for f in fields(obj):
            yield f"{group}.{f.name}", f, getattr(obj, f.name)
    for s in params.sectors:
        for f in fields(s):
            if f.name != "name":
                yield f"sectors.{s.name}.{f.name}", f, getattr(s, f.name)


def field_for(key: str, params: Params | None = None) -> dataclasses.Field:
    """The field declaring a dotted key (raises KeyError for unknown keys)."""
    parts = key.split(".")
    if parts[0] == "sectors" and len(parts) == 3:
        (params or Params())._sector(parts[1])
        return _field(SectorSpec, parts[2])
    if len(parts) == 2 and parts[0] in GROUPS:
        return _field(GROUPS[parts[0]], parts[1])
    raise KeyError(key)
