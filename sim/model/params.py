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
from collections.abc import Iterator, Mapping, Sequence
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
    """The leadership at the apex: signal, phase machine, floor, campaign climate (MODEL.md §2).

    No timer ends a phase: a crackdown ends when perceived pain exceeds the pain the leadership
    will bear for the alarm that remains; the only clocks are the stated minimum stays
    (``min_crackdown_months``, ``min_compromise_months``, ``ban_min_months``, all ≤ 6).
    """

    GROUP = "leadership"

    mode: str = spec(Mode.CAMPAIGN.value, symbol="mode", choices=tuple(m.value for m in Mode),
                     doc="campaign (phase machine) or rules (proportional response)",
                     sweepable=False)
    signal_min: float = spec(0.05, range=(0.0, 0.5), symbol="L_min",
                             doc="lowest signal: growth first (LOOSE drifts to L_min + F)")
    tau_signal_loose: float = spec(12.0, range=(0.5, 60.0), symbol="τ_L,loose", unit="months",
                                   doc="time constant of the signal's drift down in LOOSE")
    tau_signal_crackdown: float = spec(1.5, range=(0.5, 24.0), symbol="τ_up", unit="months",
                                       doc="time constant of the rise to campaign severity")
    tau_signal_compromise: float = spec(6.0, range=(0.5, 36.0), symbol="τ_L,comp",
                                        unit="months", doc="time constant of the fall toward F")
    compromise_margin: float = spec(0.05, range=(0.0, 0.5), symbol="ΔL_comp",
                                    doc="COMPROMISE signal target above the floor F")
    theta_alarm: float = spec(1.0, range=(0.05, 5.0), symbol="θ",
                              doc="perceived-alarm threshold for a crackdown, given a trigger")
    honeymoon: float = spec(2.0, range=(0.0, 5.0), symbol="η",
                            doc="threshold raised by η·alignment (the aligned sector's honeymoon)")
    spillover: float = spec(0.2, range=(0.0, 0.9), symbol="σ_spill",
                            doc="threshold cut while another sector is in crackdown")
    hard_alarm_multiple: float = spec(1.8, range=(1.0, 5.0), symbol="h",
                                      doc="perceived alarm above h·θ_s starts a crackdown "
                                          "without a trigger")
    trigger_magnitude: float = spec(5.0, range=(1.0, 50.0), symbol="m_trig",
                                    doc="scandal magnitude that counts as a trigger")
    severity_base: float = spec(0.35, range=(0.0, 1.0), symbol="c_L0",
                                doc="campaign severity (signal target) of a crackdown at θ_s")
    severity_alarm: float = spec(0.5, range=(0.0, 5.0), symbol="k_A",
                                 doc="severity per unit of perceived alarm above θ_s")
    severity_surprise: float = spec(1.0, range=(0.0, 5.0), symbol="k_S",
                                    doc="severity per unit of hidden harm revealed (in θ_s)")
    theta_pain: float = spec(0.6, range=(0.01, 5.0), symbol="θ_P",
                             doc="perceived pain borne at alarm θ_s (before the harm-kind factor)")
    pain_exponent: float = spec(0.5, range=(0.0, 3.0), symbol="γ",
                                doc="pain borne ∝ (Â/θ_s)^γ: more alarm, more pain accepted")
    tolerance_competition: float = spec(1.5, range=(0.0, 10.0), symbol="κ_comp",
                                        doc="extra pain borne per share of competition harm")
    tolerance_privacy: float = spec(0.0, range=(0.0, 10.0), symbol="κ_priv",
                                    doc="extra pain borne per share of privacy harm")
    tolerance_content: float = spec(1.0, range=(0.0, 10.0), symbol="κ_cont",
                                    doc="extra pain borne per share of content harm")
    tolerance_labour: float = spec(0.0, range=(0.0, 10.0), symbol="κ_lab",
                                   doc="extra pain borne per share of labour harm")
    tolerance_finance: float = spec(3.5, range=(0.0, 10.0), symbol="κ_fin",
                                    doc="extra pain borne per share of financial-stability harm")
    tau_pain: float = spec(4.0, range=(0.5, 36.0), symbol="τ_P", unit="months",
                           doc="perception delay of pain")
    sector_pain_weight: float = spec(0.5, range=(0.0, 1.0), symbol="w_P",
                                     doc="weight of the sector's own pain (vs the economy's)")
    pain_release: float = spec(0.5, range=(0.0, 1.0), symbol="r_P",
                               doc="COMPROMISE returns to LOOSE when pain < r_P·θ_P")
    min_crackdown_months: int = spec(6, range=(0, 6), symbol="D_crack", unit="months",
                                     doc="minimum stay in CRACKDOWN (a stated minimum, ≤ 6)")
    min_compromise_months: int = spec(6, range=(0, 6), symbol="D_comp", unit="months",
                                      doc="minimum stay in COMPROMISE (a stated minimum, ≤ 6)")
    floor_start: float = spec(0.05, range=(0.0, 1.0), symbol="F_0",
                              doc="regulatory floor at the start")
    floor_erosion: float = spec(0.002, range=(0.0, 0.05), symbol="ε_F", unit="per month",
                                doc="floor lost each month in LOOSE (unenforced laws fade)")
    floor_ratchet: float = spec(0.5, range=(0.0, 1.0), symbol="ι",
                                doc="share of L − F kept as floor on entering COMPROMISE, "
                                    "× the hidden harm the crackdown revealed")
    ban_alarm_base: float = spec(0.3, range=(0.0, 5.0), symbol="b_0",
                                 doc="ban pressure accumulates Â/θ_s − b_0 each crackdown month")
    ban_pressure: float = spec(2.5, range=(0.0, 100.0), symbol="C_ban",
                               doc="accumulated pressure at which a ban-possible sector is banned")
    ban_min_months: int = spec(3, range=(0, 6), symbol="D_ban", unit="months",
                               doc="crackdown months before a ban may fall (a stated minimum)")
    ban_max_alignment: float = spec(0.3, range=(0.0, 1.0), symbol="α_ban",
                                    doc="sectors aligned at or above this are never banned")
    climate_decay: float = spec(15.0, range=(1.0, 120.0), symbol="τ_K", unit="months",
                                doc="decay time of the campaign climate K")
    climate_jump: float = spec(1.0, range=(0.0, 5.0), symbol="k_K",
                               doc="K jumps by k_K·severity·(1 − alignment) at each onset "
                                   "(0 turns the climate off)")
    climate_threshold: float = spec(0.4, range=(0.0, 1.0), symbol="K_th",
                                    doc="onset threshold × (1 − K_th·reach)")
    climate_transparency: float = spec(0.8, range=(0.0, 1.0), symbol="K_X",
                                       doc="transparency ≥ K_X·reach: agencies dig up hidden harm")
    climate_trigger: float = spec(0.3, range=(0.0, 1.0), symbol="K_h", unit="per month",
                                  doc="chance per unit reach that a campaign elsewhere triggers")
    climate_severity: float = spec(0.3, range=(0.0, 2.0), symbol="K_sev",
                                   doc="severity added per unit of reach")
    rules_gain_alarm: float = spec(1.0, range=(0.0, 5.0), symbol="k_A,rules",
                                   doc="rules mode: signal per unit of Â/θ_s above its onset")
    rules_gain_pain: float = spec(1.0, range=(0.0, 5.0), symbol="k_P,rules",
                                  doc="rules mode: signal cut per unit of perceived pain")
    rules_onset: float = spec(0.6, range=(0.0, 2.0), symbol="a_rules",
                              doc="rules mode: Â/θ_s from which the response starts")
    tau_signal_rules: float = spec(3.0, range=(0.5, 36.0), symbol="τ_L,rules", unit="months",
                                   doc="rules mode: time constant of the signal")

    @property
    def harm_tolerance(self) -> tuple[float, float, float, float, float]:
        """κ_k in the order of :data:`sim.model.states.HARM_DIMENSIONS`."""
        return (self.tolerance_competition, self.tolerance_privacy, self.tolerance_content,
                self.tolerance_labour, self.tolerance_finance)


@dataclass(frozen=True, slots=True)
class InformationParams(_Group):
    """What the leadership sees: channels, their biases and delays, revelation (MODEL.md §2)."""

    GROUP = "information"

    censorship: float = spec(0.35, range=(0.0, 1.0), symbol="c_cens",
                             doc="share of public alarm the public channel loses to censorship")
    weight_public: float = spec(0.35, range=(0.0, 1.0), symbol="w_pub",
                                doc="weight of the public channel in the leadership's view")
    weight_agency: float = spec(0.35, range=(0.0, 1.0), symbol="w_ag",
                                doc="weight of the agencies' reports")
    weight_local: float = spec(0.30, range=(0.0, 1.0), symbol="w_loc",
                               doc="weight of the provinces' reports")
    delay_public: float = spec(2.0, range=(0.25, 60.0), symbol="τ_pub", unit="months",
                               doc="delay of the public channel")
    delay_agency: float = spec(6.0, range=(0.25, 60.0), symbol="τ_ag", unit="months",
                               doc="delay of agency reports")
    delay_local: float = spec(9.0, range=(0.25, 60.0), symbol="τ_loc", unit="months",
                              doc="delay of local reports")
    feedback_speed: float = spec(1.0, range=(0.1, 10.0), symbol="f_fast",
                                 doc="every channel's delay is divided by this (faster feedback)")
    growth_faction: float = spec(0.5, range=(0.0, 1.0), symbol="u_ind",
                                 doc="the industry agency discounts reports by u_ind·alignment")
    local_underreporting: float = spec(1.5, range=(0.0, 10.0), symbol="u_loc",
                                       doc="a province hides min(0.9, u_loc·dependence) of harm")
    revelation: bool = spec(True, symbol="reveal", sweepable=False,
                            doc="large scandals and defiance expose hidden harm")
    revelation_magnitude: float = spec(10.0, range=(1.0, 50.0), symbol="m_rev",
                                       doc="scandal magnitude that reveals hidden harm")
    revelation_months: float = spec(12.0, range=(0.5, 120.0), symbol="τ_X", unit="months",
                                    doc="decay time of transparency after a revelation")


@dataclass(frozen=True, slots=True)
class AgencyParams(_Group):
    """Regulatory agencies: enforcement, content floor, campaign enforcement (MODEL.md §2)."""

    GROUP = "agencies"

    structure: str = spec(Structure.FRAGMENTED.value, symbol="structure",
                          choices=tuple(s.value for s in Structure), sweepable=False,
                          doc="fragmented (mandates, growth faction, local under-reporting) or "
                              "unified (every dimension shared, no under-reporting)")
    tau_enforcement: float = spec(2.0, range=(0.25, 24.0), symbol="τ_E", unit="months",
                                  doc="bureaucratic time constant of enforcement")
    zeal: float = spec(0.3, range=(0.0, 2.0), symbol="ζ",
                       doc="campaign overshoot of the enforcement target")
    harm_response: float = spec(0.6, range=(0.0, 5.0), symbol="k_r",
                                doc="routine enforcement per unit of reported alarm above the knee")
    harm_knee: float = spec(0.5, range=(0.0, 5.0), symbol="r_knee",
                            doc="reported alarm above which an agency responds on its own")
    content_floor: float = spec(0.5, range=(0.0, 1.0), symbol="E_c,min",
                                doc="CAC's content enforcement in every phase")
    content_filter: float = spec(0.6, range=(0.0, 1.0), symbol="k_c",
                                 doc="content harm removed per unit of content enforcement")
    case_rate: float = spec(1.0, range=(0.0, 20.0), symbol="c_0", unit="cases/month",
                            doc="cases per sector a month ~ Poisson(c_0·(1 + E)): near-fixed")
    visibility_base: float = spec(0.3, range=(0.0, 5.0), symbol="v_0",
                                  doc="targeting weight ∝ V·revenue^(v_0 + v_1·L²)")
    visibility_signal: float = spec(10.0, range=(0.0, 30.0), symbol="v_1",
                                    doc="how steeply visibility of size rises with the signal")
    fine_base: float = spec(0.0002, range=(0.0, 0.1), symbol="f_0",
                            doc="fine rate per year of record at signal 0")
    fine_signal: float = spec(0.015, range=(0.0, 0.5), symbol="f_1",
                              doc="fine rate per year of record rises by f_1·L²")
    fine_cap: float = spec(0.10, range=(0.0, 1.0), symbol="f_cap",
                           doc="legal cap on a fine, share of annual revenue (assumed: a law)")
    headline_severity: float = spec(0.5, range=(0.0, 3.0), symbol="s_head",
                                    doc="fine × (revenue / sector's largest)^s_head")
    violation_kept: float = spec(0.2, range=(0.0, 1.0), symbol="v_keep",
                                 doc="share of the record left after a fine at L = 1 (a fine "
                                     "at signal L settles (1 − v_keep)·L² of it)")
    campaign_cut: float = spec(0.4, range=(0.0, 1.0), symbol="r_a,camp",
                               doc="share of aggressiveness a campaign sanction removes (L > ½)")
    routine_cut: float = spec(0.1, range=(0.0, 1.0), symbol="r_a",
                              doc="share of aggressiveness a routine sanction removes")
    blacklist_months: int = spec(12, range=(0, 120), symbol="T_BL", unit="months",
                                 doc="months a firm fined in a campaign stays blacklisted")
    blacklist_bonus: float = spec(1.0, range=(0.0, 20.0), symbol="b_BL",
                                  doc="extra targeting weight of a blacklisted firm")
    licence_freeze: float = spec(0.8, range=(0.0, 1.0), symbol="z_fr",
                                 doc="content harm cut by a licence freeze (gated sectors)")
    freeze_drag: float = spec(0.05, range=(0.0, 0.5), symbol="d_fr", unit="per month",
                              doc="growth lost in a gated sector while its licences are frozen")
    merger_review: float = spec(1.0, range=(0.0, 1.0), symbol="μ",
                                doc="chance an acquisition is blocked per unit of antitrust E")
    retroactive: bool = spec(True, symbol="retro", sweepable=False,
                             doc="punish the whole record V (else only the last months' harm)")
    recent_harm_months: float = spec(12.0, range=(1.0, 60.0), symbol="τ_V,recent",
                                     unit="months", doc="memory of harm without retroaction")


@dataclass(frozen=True, slots=True)
class LocalParams(_Group):
    """Local governments: fiscal dependence, protection, local backing (MODEL.md §2)."""

    GROUP = "local"

    n_provinces: int = spec(31, range=(1, 200), symbol="N_P", doc="number of provinces",
                            sweepable=False)
    dependence_min: float = spec(0.05, range=(0.0, 1.0), symbol="d_lo",
                                 doc="lowest fiscal dependence on tech (uniform draw)")
    dependence_max: float = spec(0.4, range=(0.0, 1.0), symbol="d_hi",
                                 doc="highest fiscal dependence on tech (uniform draw)")
    protection_min: float = spec(0.2, range=(0.0, 1.0), symbol="π_0",
                                 doc="protection at zero fiscal dependence")
    protection_slope: float = spec(0.8, range=(0.0, 5.0), symbol="π_d",
                                   doc="protection per unit of fiscal dependence (fiscal link)")
    protection_cap: float = spec(0.9, range=(0.0, 1.0), symbol="π_max", doc="protection cap")
    subsidy: float = spec(0.005, range=(0.0, 0.05), symbol="s_sub", unit="per month",
                          doc="local backing: growth subsidy × alignment × (1 − L)")


@dataclass(frozen=True, slots=True)
class FirmParams(_Group):
    """Tech firms: learning, deterrence, growth, pledges, rare events (MODEL.md §2)."""

    GROUP = "firms"

    n_firms: int = spec(300, range=(5, 1_000_000), symbol="N_F", doc="firms at the start",
                        sweepable=False)
    tau_belief: float = spec(18.0, range=(0.5, 120.0), symbol="τ_ê", unit="months",
                             doc="time constant of learning the enforcement faced")
    demonstration: float = spec(0.5, range=(0.0, 1.0), symbol="δ_demo",
                                doc="peers' ê jumps to δ·E when a top-5 firm is fined in a "
                                    "campaign")
    beta: float = spec(5.0, range=(0.1, 50.0), symbol="β", doc="steepness of the best response")
    reward: float = spec(0.25, range=(0.0, 2.0), symbol="r", doc="return to aggressiveness")
    cost: float = spec(1.2, range=(0.0, 10.0), symbol="c",
                       doc="cost per unit of expected enforcement")
    penalty_weight: float = spec(10.0, range=(0.0, 100.0), symbol="k_π",
                                 doc="weight of the expected annual penalty per unit revenue")
    aggressiveness_min: float = spec(0.1, range=(0.0, 1.0), symbol="a_lo",
                                     doc="aggressiveness of a fully deterred firm")
    tau_aggressiveness: float = spec(6.0, range=(0.5, 60.0), symbol="τ_a", unit="months",
                                     doc="time constant of approaching the best response")
    growth_aggressiveness: float = spec(0.012, range=(0.0, 0.1), symbol="g_a", unit="per month",
                                        doc="growth per unit of aggressiveness")
    enforcement_drag: float = spec(0.02, range=(0.0, 0.2), symbol="d_e", unit="per month",
                                   doc="growth lost per unit of enforcement faced")
    growth_noise: float = spec(0.02, range=(0.0, 0.2), symbol="σ_g", unit="per month",
                               doc="standard deviation of monthly growth shocks")
    growth_type_sd: float = spec(0.002, range=(0.0, 0.05), symbol="σ_type", unit="per month",
                                 doc="sd of firms' persistent growth types")
    revenue_sigma: float = spec(1.3, range=(0.0, 4.0), symbol="σ_R",
                                doc="log-sd of initial revenues (heavy-tailed firm sizes)")
    violation_decay: float = spec(0.01, range=(0.0, 1.0), symbol="δ_V", unit="per month",
                                  doc="decay of the violation record V (old conduct stays)")
    acquisition_rate: float = spec(0.0, range=(0.0, 1.0), symbol="p_acq", unit="per month",
                                   doc="monthly chance a top-5 firm tries an acquisition, × a")
    exit_revenue: float = spec(0.3, range=(0.0, 10.0), symbol="R_exit",
                               doc="exit below R_exit × the 5 % quantile of initial revenue, "
                                   "× economy growth")
    entry_rate: float = spec(0.05, range=(0.0, 1.0), symbol="p_ent", unit="per month",
                             doc="chance an exited firm's place is refilled, × confidence")
    entrant_size: float = spec(3.0, range=(0.01, 100.0), symbol="R_entry",
                               doc="entrant revenue in multiples of the exit floor")
    pledge_top: int = spec(5, range=(0, 50), symbol="n_pl",
                           doc="how many of a sector's largest firms may pledge (0: no pledges)")
    pledge_cost: float = spec(0.003, range=(0.0, 0.5), symbol="c_pl",
                              doc="one-off revenue cost of a pledge; pledge when the expected "
                                  "annual penalty per unit revenue exceeds it")
    pledge_targeting: float = spec(0.3, range=(0.0, 1.0), symbol="e_pl,w",
                                   doc="cut in a pledger's targeting weight")
    pledge_alarm: float = spec(0.6, range=(0.0, 1.0), symbol="e_pl,A",
                               doc="perceived alarm × (1 − e·pledged revenue share)")
    pledge_restraint: float = spec(0.2, range=(0.0, 1.0), symbol="e_pl,a",
                                   doc="share of aggressiveness a pledge removes")
    defiance_rate: float = spec(0.01, range=(0.0, 1.0), symbol="d_0", unit="per month",
                                doc="defiance hazard × (share/0.1)² × (1 − E) × (1 − alignment)")
    listing_rate: float = spec(0.002, range=(0.0, 1.0), symbol="l_0", unit="per month",
                               doc="listing hazard × (1 − alignment)² × (1 − E) × climate factor")
    listing_privacy_min: float = spec(0.2, range=(0.0, 1.0), symbol="d_list",
                                      doc="privacy-harm profile that makes a sector data-rich")


@dataclass(frozen=True, slots=True)
class PublicParams(_Group):
    """The public: grievance from harm against tolerance, bounded scandals (MODEL.md §2)."""

    GROUP = "public"

    tau_grievance: float = spec(12.0, range=(0.5, 120.0), symbol="τ_G", unit="months",
                                doc="memory of harm (relative to tolerance) in grievance")
    tolerance_growth: float = spec(0.005, range=(0.0, 0.05), symbol="g_Y", unit="per month",
                                   doc="growth of the economy and of tolerance of harm")
    scandal_rate: float = spec(0.25, range=(0.0, 10.0), symbol="λ_0", unit="per month",
                               doc="scandal rate × alarm²")
    scandal_alpha: float = spec(1.5, range=(1.01, 10.0), symbol="α",
                                doc="Pareto tail index of scandal magnitudes")
    scandal_cap: float = spec(50.0, range=(1.0, 1000.0), symbol="m_cap",
                              doc="largest scandal magnitude (truncated Pareto)")
    amplification: float = spec(1.0, range=(0.0, 10.0), symbol="m_SM",
                                doc="social-media amplification of scandal magnitudes")
    scandal_heat: float = spec(0.02, range=(0.0, 1.0), symbol="k_sc",
                               doc="scandal heat added per unit of magnitude")
    heat_decay: float = spec(0.8, range=(0.0, 1.0), symbol="h_dec",
                             doc="share of scandal heat left after a month")


@dataclass(frozen=True, slots=True)
class MarketParams(_Group):
    """Markets and pain: valuation, drawdown, growth shortfall, jobs (MODEL.md §2)."""

    GROUP = "markets"

    valuation_rho: float = spec(1.0, range=(0.0, 10.0), symbol="ρ",
                                doc="valuation multiple × exp(−ρ·Ê_market)")
    growth_valuation: float = spec(1.0, range=(0.0, 10.0), symbol="k_g",
                                   doc="valuation multiple × exp(k_g·(expected growth − trend))")
    tau_market: float = spec(3.0, range=(0.5, 36.0), symbol="τ_m", unit="months",
                             doc="investors' perception delay of enforcement")
    peak_decay: float = spec(0.01, range=(0.0, 0.5), symbol="δ_peak", unit="per month",
                             doc="decay of the peaks against which drawdown and jobs are measured")
    trend_months: float = spec(60.0, range=(1.0, 600.0), symbol="τ_tr", unit="months",
                               doc="planners' growth trend adapts over τ_tr (frozen in crackdown)")
    level_months: float = spec(24.0, range=(1.0, 600.0), symbol="τ_lvl", unit="months",
                               doc="planners' revenue path re-bases over τ_lvl (frozen in "
                                   "crackdown)")
    weight_drawdown: float = spec(0.3, range=(0.0, 10.0), symbol="w_v",
                                  doc="pain per unit of valuation drawdown")
    weight_shortfall: float = spec(1.0, range=(0.0, 10.0), symbol="w_g",
                                   doc="pain per unit of log revenue below the planners' path")
    weight_jobs: float = spec(0.5, range=(0.0, 10.0), symbol="w_j",
                              doc="pain per unit of job loss (Σ revenue^0.8 below its peak)")


@dataclass(frozen=True, slots=True)
class SectorSpec(_Group):
    """One row of the sector table (MODEL.md §2, 'Sectors')."""

    GROUP = "sectors"

    name: str = spec("sector", symbol="s", doc="sector name", sweepable=False)
    harm_competition: float = spec(0.2, range=(0.0, 1.0), symbol="h_comp",
                                   doc="harm profile: competition (scaled by HHI / HHI_0)")
    harm_privacy: float = spec(0.2, range=(0.0, 1.0), symbol="h_priv",
                               doc="harm profile: privacy (data)")
    harm_content: float = spec(0.0, range=(0.0, 1.0), symbol="h_cont",
                               doc="harm profile: content (political and social stability)")
    harm_labour: float = spec(0.2, range=(0.0, 1.0), symbol="h_lab",
                              doc="harm profile: labour")
    harm_finance: float = spec(0.2, range=(0.0, 1.0), symbol="h_fin",
                               doc="harm profile: financial risk")
    alignment: float = spec(0.2, range=(0.0, 1.0), symbol="α_s",
                            doc="strategic alignment with the state")
    lead_agency: str = spec("antitrust", symbol="k_lead", choices=AGENCIES[:-1],
                            doc="lead agency", sweepable=False)
    ban_possible: bool = spec(False, symbol="ban_s", doc="a crackdown may end in a sector ban",
                              sweepable=False)
    licence_gate: bool = spec(False, symbol="gate_s", sweepable=False,
                              doc="licences gate new products: a crackdown freezes them")
    revenue_share: float = spec(0.2, range=(0.0, 1.0), symbol="w_s",
                                doc="share of revenue at the start (firms split evenly)")
    growth: float = spec(0.005, range=(-0.05, 0.1), symbol="g_s", unit="per month",
                         doc="base monthly revenue growth")
    initial_alarm: float = spec(0.45, range=(0.0, 5.0), symbol="A_0",
                                doc="true alarm at the start: sets the public's tolerance of "
                                    "the sector's harm (harm / tolerance at t = 0)")

    @property
    def harms(self) -> tuple[float, float, float, float, float]:
        """Harm profile in the order of :data:`sim.model.states.HARM_DIMENSIONS`."""
        return (self.harm_competition, self.harm_privacy, self.harm_content, self.harm_labour,
                self.harm_finance)

    def _extra_checks(self) -> list[Problem]:
        key = f"sectors.{self.name}"
        if not self.name.isidentifier():
            return [Problem(f"{key}.name", self.name, "a name of letters, digits and _")]
        return []


def _sector(name: str, harms: tuple[float, float, float, float, float], alignment: float,
            lead: str, share: float, growth: float, alarm: float, *, ban: bool = False,
            gate: bool = False) -> SectorSpec:
    comp, privacy, content, labour, fin = harms
    return SectorSpec(name=name, harm_competition=comp, harm_privacy=privacy,
                      harm_content=content, harm_labour=labour, harm_finance=fin,
                      alignment=alignment, lead_agency=lead, ban_possible=ban, licence_gate=gate,
                      revenue_share=share, growth=growth, initial_alarm=alarm)


DEFAULT_SECTORS: tuple[SectorSpec, ...] = (
    _sector("platform", (0.45, 0.2, 0.05, 0.25, 0.0), 0.3, "antitrust", 0.40, 0.004, 0.44),
    _sector("fintech", (0.15, 0.15, 0.0, 0.0, 0.7), 0.2, "finance", 0.20, 0.005, 0.44),
    _sector("edtech", (0.05, 0.1, 0.35, 0.1, 0.2), 0.1, "education", 0.12, 0.005, 0.47,
            ban=True),
    _sector("gaming", (0.1, 0.2, 0.6, 0.05, 0.0), 0.1, "cyberspace", 0.23, 0.004, 0.47,
            gate=True),
    _sector("ai", (0.1, 0.3, 0.5, 0.1, 0.0), 0.9, "cyberspace", 0.05, 0.0045, 0.06),
)
"""MODEL.md §2's sector table. AI's growth is 0.0045 + local backing s_sub·α = 0.009."""


@dataclass(frozen=True, slots=True)
class ScheduledEvent:
    """An event a scenario injects at a chosen month (counterfactual history).

    Attributes:
        month: month index from the start (0-based).
        kind: one of :class:`sim.model.states.ScheduledKind`.
        sector: sector name (ignored for ``macro_shock``).
        magnitude: scandal magnitude, or pain added by a macro shock; ignored for defiance
            and listings (each is one event: a trigger, and defiance also a revelation).
    """

    month: int
    kind: str
    sector: str = ""
    magnitude: float = 1.0


SCHEDULED_KINDS: tuple[str, ...] = tuple(k.value for k in ScheduledKind)
"""The kinds a scheduled event may have (:class:`sim.model.states.ScheduledKind` values)."""

MAX_EVENT_MAGNITUDE = 1000.0
"""Largest magnitude of a scheduled event (a scandal's size, or the pain of a macro shock)."""


def check_event(event: ScheduledEvent, key: str, sectors: Sequence[str],
                months: int) -> list[Problem]:
    """Check one scheduled event against the run; return its problems (at most one a field).

    This is the one place the rules for scheduled events live: :class:`Params` applies them to
    every event, and the scenario loader to every ``[[events]]`` table it reads.

    Args:
        event: the event; its fields may hold any value (a scenario file's, unchecked).
        key: names the event in problems (``exogenous.events[2]``); fields are appended
            (``exogenous.events[2].kind``).
        sectors: the run's sector names.
        months: the run's length.

    Returns:
        The problems, in the order kind, sector, month, magnitude: the kind is one of
        :data:`SCHEDULED_KINDS`; the sector one of ``sectors``, unless the event is a macro
        shock (economy-wide, its sector is ignored); the month an integer index within the run;
        the magnitude a finite number in ``[0, MAX_EVENT_MAGNITUDE]``.
    """
    problems: list[Problem] = []
    kinds = "one of " + ", ".join(SCHEDULED_KINDS)
    if not isinstance(event.kind, str):
        problems.append(Problem(f"{key}.kind", event.kind, kinds, "wrong type"))
    elif event.kind not in SCHEDULED_KINDS:
        problems.append(Problem(f"{key}.kind", event.kind, kinds, "unknown kind"))
    if event.kind != ScheduledKind.MACRO_SHOCK.value:
        names = "one of " + ", ".join(sectors)
        if not isinstance(event.sector, str):
            problems.append(Problem(f"{key}.sector", event.sector, names, "wrong type"))
        elif event.sector not in sectors:
            problems.append(Problem(f"{key}.sector", event.sector, names, "unknown sector"))
    month_allowed = f"an integer in [0, {months - 1}]"
    if isinstance(event.month, bool) or not isinstance(event.month, int):
        problems.append(Problem(f"{key}.month", event.month, month_allowed, "wrong type"))
    elif not 0 <= event.month < months:
        problems.append(Problem(f"{key}.month", event.month, month_allowed, "outside the run"))
    magnitude = event.magnitude
    magnitude_allowed = f"a number in [0, {fmt_number(MAX_EVENT_MAGNITUDE)}]"
    if isinstance(magnitude, bool) or not isinstance(magnitude, (int, float)):
        problems.append(Problem(f"{key}.magnitude", magnitude, magnitude_allowed, "wrong type"))
    elif not (math.isfinite(magnitude) and 0 <= magnitude <= MAX_EVENT_MAGNITUDE):
        problems.append(Problem(f"{key}.magnitude", magnitude, magnitude_allowed,
                                "out of range"))
    return problems


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

    months: int = spec(360, range=(1, 6000), symbol="T", unit="months", doc="horizon",
                       sweepable=False)
    start_date: str = spec("2008-01", symbol="t_0", doc="calendar month of step 0 (YYYY-MM)",
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
    "information": InformationParams,
    "agencies": AgencyParams,
    "local": LocalParams,
    "firms": FirmParams,
    "public": PublicParams,
    "markets": MarketParams,
    "run": RunParams,
}
"""Scalar parameter groups by name, in documentation order (sectors and exogenous are tables)."""


@dataclass(frozen=True, slots=True)
class Params:
    """All parameters of one run. Immutable; derive variants with :meth:`override`."""

    leadership: LeadershipParams = field(default_factory=LeadershipParams)
    information: InformationParams = field(default_factory=InformationParams)
    agencies: AgencyParams = field(default_factory=AgencyParams)
    local: LocalParams = field(default_factory=LocalParams)
    firms: FirmParams = field(default_factory=FirmParams)
    public: PublicParams = field(default_factory=PublicParams)
    markets: MarketParams = field(default_factory=MarketParams)
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
        if names and not any(s.revenue_share > 0 for s in self.sectors):
            # the market index is revenue over its starting value: an economy without revenue
            # has no index (the first month would divide by zero)
            problems.append(Problem("sectors.*.revenue_share", [s.revenue_share for s in
                                                                  self.sectors],
                                    "at least one sector with a revenue share above 0",
                                    "all zero"))
        for i, ev in enumerate(self.exogenous.events):
            problems += check_event(ev, f"exogenous.events[{i}]", names, self.run.months)
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
            kv = {name: coerce_value(_field(cls, name), v) for name, v in kv.items()}
            changes[group] = dataclasses.replace(getattr(self, group), **kv)
        if per_sector:
            changes["sectors"] = tuple(
                dataclasses.replace(s, **{name: coerce_value(_field(SectorSpec, name), v)
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


def coerce_value(f: dataclasses.Field, value: Any) -> Any:
    """An integer given for a float parameter, as a float; any other value unchanged.

    Call it on values :func:`check_value` accepted: storing ``1`` as ``1.0`` keeps a float
    parameter's column float in every results table, whoever set it (code, scenario, sweep).
    """
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
