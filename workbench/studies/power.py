"""Planning the next evaluation of a support: how many releases give 80 % / 90 % power.

By formula: Schoenfeld's (1983) number of relapses for a two-sided test of the log hazard ratio,
D = (z_{1-alpha/2} + z_{power})^2 / (p (1 - p) log(HR)^2), p the share receiving the support, and
the releases needed N = D / P(relapse observed). P(relapse observed) follows from the relapse
hazards without support of the simulator's population (params/simulation.yaml), each person's
hazard multiplied by the support's hazard ratio in the supported arm, uniform accrual over
`accrual_years`, `follow_up_years` after the last release, and loss to follow-up at a constant
rate per year (everything else that ends follow-up, counted together).

By simulation: the project's simulator (`workbench.simulate`) with those assumptions (one support
given at release to a random share `uptake`, every other support off, deaths and transfers off,
no employment feedback, loss as given), replicated; each replicate is tested with the log-rank test on the exact relapse
dates the simulator knows ("exact") and on what the 6-monthly visits record, the midpoint of the
interval in which relapse is first seen ("visits"). The formula assumes exact dates: the "exact"
power checks it; the "visits" power says what interval censoring by 6-monthly visits costs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri

from workbench._base import DEFAULT_SEED
from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import ParameterError

STUDY_SUPPORT = "peer_education"  # the simulator's support slot the study's support takes
YEAR_DAYS = 365.25
START = dt.date(2017, 1, 1)  # any date: only the lengths of accrual and follow-up matter


@dataclass(frozen=True)
class StudyDesign:
    """An evaluation study of one support. `hr`: the hazard ratio of relapse with the support
    (or give `risk_difference`: the change in retention at `months`, e.g. +0.05)."""

    uptake: float = 0.3
    hr: float | None = 0.8
    risk_difference: float | None = None
    months: float = 12.0
    accrual_years: float = 2.0
    follow_up_years: float = 1.0
    loss_per_year: float = 0.05
    visit_months: int = 6
    alpha: float = 0.05

    def __post_init__(self) -> None:
        _check(0 < self.uptake < 1, "uptake", self.uptake, "a share between 0 and 1, e.g. 0.3")
        if (self.hr is None) == (self.risk_difference is None):
            raise ParameterError(
                "give either the hazard ratio (hr) or the risk difference, not both"
            )
        if self.hr is not None:
            _check(0 < self.hr < 10 and self.hr != 1, "hr", self.hr,
                   "a hazard ratio > 0 and not 1, e.g. 0.8")  # fmt: skip
        if self.risk_difference is not None:
            _check(-1 < self.risk_difference < 1 and self.risk_difference != 0,
                   "risk_difference", self.risk_difference,
                   "a change in retention between -1 and 1, not 0, e.g. 0.05")  # fmt: skip
        _check(1 <= self.months <= 60, "months", self.months, "months between 1 and 60")
        _check(0 < self.accrual_years <= 10, "accrual_years", self.accrual_years,
               "years > 0 and <= 10")  # fmt: skip
        _check(0 <= self.follow_up_years <= 10, "follow_up_years", self.follow_up_years,
               "years >= 0 and <= 10")  # fmt: skip
        _check(0 <= self.loss_per_year < 1, "loss_per_year", self.loss_per_year,
               "a yearly rate >= 0 and < 1, e.g. 0.05")  # fmt: skip
        _check(
            self.visit_months == 6,
            "visit_months",
            self.visit_months,
            "6: the programme's return visits (the simulator knows no other schedule)",
        )
        _check(0 < self.alpha < 0.5, "alpha", self.alpha, "a significance level, e.g. 0.05")


def _check(ok: bool, name: str, value: object, expected: str) -> None:
    if not ok:
        raise ParameterError(f"{name} = {value!r} is not valid; expected {expected}")


@dataclass(frozen=True)
class Baseline:
    """The simulator's people's cumulative hazards of relapse without support on a grid of
    days (`days`, `cumhaz`: days x people); arm curves are means of exp(-HR x cumhaz)."""

    days: np.ndarray
    cumhaz: np.ndarray

    def survival(self, hr: float = 1.0) -> np.ndarray:
        """The population curve with every person's hazard times `hr`, on a daily grid."""
        s = np.exp(-hr * self.cumhaz).mean(axis=1)
        return np.interp(np.arange(self.days[-1] + 1), self.days, s)

    def at(self, days: float, hr: float = 1.0) -> float:
        s = np.exp(-hr * self.cumhaz).mean(axis=1)
        return float(np.interp(days, self.days, s))


def homogeneous() -> dict:
    """Simulator overrides giving everyone the same relapse hazard (every covariate, prefecture
    and facility log HR 0): the population in which the formula's hazard ratio is also the
    marginal one, for checking the formula itself."""
    from workbench.simulate.config import default_config

    cfg = default_config()
    zero = {k: (dict.fromkeys(v, 0.0) if isinstance(v, dict) else 0.0)
            for k, v in cfg["relapse"]["log_hr"].items()}  # fmt: skip
    return {
        "relapse": {"log_hr": zero},
        "prefectures": {c: {"log_hr": 0.0} for c in cfg["prefectures"]},
        "facilities": {"log_hr": dict.fromkeys(cfg["facilities"]["log_hr"], 0.0)},
    }


def baseline_curve(
    horizon_days: int, n: int = 20_000, seed: int = 1, population: dict | None = None
) -> Baseline:
    """A fresh sample of `n` people from the simulator's population (params/simulation.yaml),
    their cumulative hazards without support on a weekly grid (no death, no censoring)."""
    from workbench.simulate.config import NO_FEEDBACK, resolve_config
    from workbench.simulate.core import baseline, draw_releases, linear_predictor
    from workbench.simulate.hazard import cumulative_hazard

    # the study's simulation has no employment feedback; `population`: e.g. `homogeneous()`
    cfg = resolve_config({**NO_FEEDBACK, **(population or {})}, n)
    rng = np.random.default_rng(seed)
    rel = draw_releases(rng, cfg)
    lp = linear_predictor(rel, cfg)
    breaks, rates = baseline(cfg)
    days = np.unique(np.concatenate([np.arange(0, horizon_days, 7.0), [float(horizon_days)]]))
    cum = cumulative_hazard(days, lp, breaks, rates, np.empty((n, 0)), np.empty(0))
    return Baseline(days, np.asarray(cum).reshape(n, len(days)).T)


def hazard_ratio(design: StudyDesign, base: Baseline) -> float:
    """The design's hazard ratio, from the risk difference at `months` when given that way:
    the HR whose population retention at that time is the one without support plus RD."""
    if design.hr is not None:
        return float(design.hr)
    day = design.months * DAYS_PER_MONTH
    s0 = base.at(day)
    s1 = s0 + float(design.risk_difference)
    if not 0 < s1 < 1:
        raise ParameterError(
            f"retention at {design.months:g} months would be {s1:.2f} with the support "
            f"(without: {s0:.2f}); choose a risk difference between {-s0:.2f} and {1 - s0:.2f}"
        )
    lo, hi = -6.0, 6.0  # bisection on log HR: retention falls as the HR grows
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if base.at(day, np.exp(mid)) > s1 else (lo, mid)
    return float(np.exp((lo + hi) / 2))


def schoenfeld_events(hr: float, share: float, power: float, alpha: float = 0.05) -> float:
    """Relapses needed (Schoenfeld 1983), unrounded.

    >>> round(schoenfeld_events(0.75, 0.5, 0.8), 1)
    379.4
    """
    z = ndtri(1 - alpha / 2) + ndtri(power)
    return float(z**2 / (share * (1 - share) * np.log(hr) ** 2))


def event_probability(design: StudyDesign, base: Baseline, hr: float) -> float:
    """P(relapse observed) per release: uniform entry over the accrual years, follow-up to the
    end of the study, loss at a constant yearly rate, both arms weighted by the uptake."""
    loss = -np.log1p(-design.loss_per_year) / YEAR_DAYS  # per day
    total = 0.0
    for share, s in ((design.uptake, base.survival(hr)), (1 - design.uptake, base.survival())):
        kept = np.exp(-loss * (np.arange(len(s) - 1) + 0.5))
        cumulative = np.concatenate([[0.0], np.cumsum(-np.diff(s) * kept)])  # P(event by day)
        lo, hi = (
            design.follow_up_years * YEAR_DAYS,
            (design.follow_up_years + design.accrual_years) * YEAR_DAYS,
        )
        grid = np.linspace(lo, hi, 201)  # each release's own follow-up, uniform in [lo, hi]
        total += share * float(np.interp(grid, np.arange(len(cumulative)), cumulative).mean())
    return total


def horizon_days(design: StudyDesign) -> int:
    return int(np.ceil((design.accrual_years + design.follow_up_years) * YEAR_DAYS)) + 2


@dataclass(frozen=True)
class FormulaResult:
    hr: float
    event_probability: float
    events: dict[float, int]  # power -> relapses needed
    releases: dict[float, int]  # power -> releases needed


def formula(design: StudyDesign, powers=(0.8, 0.9), base: Baseline | None = None) -> FormulaResult:
    """Relapses and releases needed for each power (rounded up)."""
    base = base or baseline_curve(horizon_days(design))
    hr = hazard_ratio(design, base)
    p = event_probability(design, base, hr)
    events = {pw: schoenfeld_events(hr, design.uptake, pw, design.alpha) for pw in powers}
    return FormulaResult(
        hr=hr,
        event_probability=p,
        events={pw: int(np.ceil(d)) for pw, d in events.items()},
        releases={pw: int(np.ceil(d / p)) for pw, d in events.items()},
    )


def simulation_config(design: StudyDesign, hr: float) -> dict:
    """The simulator's overrides for the study: releases over the accrual years, cut-off at the
    end of follow-up, the study support at release to a random share, every other support off,
    loss as given, deaths and transfers (practically) off, no employment feedback."""
    from workbench.simulate.config import NO_FEEDBACK, default_config

    cfg = default_config()
    end = START + dt.timedelta(days=round(design.accrual_years * YEAR_DAYS) - 1)
    cutoff = end + dt.timedelta(days=round(design.follow_up_years * YEAR_DAYS))
    logit = float(np.log(design.uptake / (1 - design.uptake)))
    interventions = {code: {"assign": {k: 0.0 for k in spec["assign"]} | {"intercept": -20.0}}
                     for code, spec in cfg["interventions"].items()}  # fmt: skip
    interventions[STUDY_SUPPORT] = {
        "hazard_ratio": float(hr),
        "start_months": [0, 0],
        "assign": {k: 0.0 for k in cfg["interventions"][STUDY_SUPPORT]["assign"]}
        | {"intercept": logit},
    }
    return {
        **NO_FEEDBACK,  # support given at random at release: no employment path to follow
        "release_start": START.isoformat(),
        "release_end": end.isoformat(),
        "cutoff": cutoff.isoformat(),
        "repeat_release_share": 0.0,
        "interventions": interventions,
        "deaths": {"rate_per_100py": dict.fromkeys(cfg["deaths"]["rate_per_100py"], 1e-9)},
        "censoring": {
            "transfer_per_year": 0.0,
            "lost_per_year": float(-np.log1p(-design.loss_per_year)),
        },  # fmt: skip
    }


def logrank_z(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> float:
    """The log-rank statistic (O - E in `group` over its SD; ties handled as in the usual
    hypergeometric variance); negative when the group relapses less."""
    order = np.argsort(time, kind="stable")
    t, d, g = time[order], event[order].astype(float), group[order].astype(float)
    n = len(t)
    at_risk = n - np.arange(n)  # people at risk at each sorted position (before it)
    at_risk_g = np.cumsum(g[::-1])[::-1]
    uniq, first = np.unique(t, return_index=True)
    d_all = np.add.reduceat(d, first)
    d_g = np.add.reduceat(d * g, first)
    r, r1 = at_risk[first].astype(float), at_risk_g[first].astype(float)
    expected = d_all * r1 / r
    var = np.where(r > 1, d_all * (r1 / r) * (1 - r1 / r) * (r - d_all) / np.maximum(r - 1, 1), 0.0)
    return float((d_g.sum() - expected.sum()) / np.sqrt(var.sum()))


CHUNK = 40_000  # releases per simulator call


def replicate_z(
    config: dict, n: int, replicates: int, seed: int, visits: bool = True
) -> np.ndarray:
    """Log-rank z of `replicates` simulated studies of `n` releases each (columns: exact dates,
    visit midpoints (NaN when not `visits`), and the number of relapses on exact dates). Releases are independent draws of the simulator
    (no repeat releases), so one call simulates many studies' releases at once and they are
    dealt out to the studies at random."""
    out = np.full((replicates, 3), np.nan)
    per_call = max(1, CHUNK // n)
    for first in range(0, replicates, per_call):
        count = min(per_call, replicates - first)
        out[first : first + count] = _studies(config, n, count, seed + first, visits)
    return out


def _studies(config: dict, n: int, count: int, seed: int, visits: bool) -> np.ndarray:
    from workbench.cohort.contract import as_cohort
    from workbench.simulate import simulate

    sim = simulate(config=config, seed=seed, n=n * count)
    truth = sim.truth_table.set_index("release_id")
    study = np.random.default_rng(seed).permutation(n * count) % count
    treated = truth[f"start_{STUDY_SUPPORT}"].notna().to_numpy()
    ends = truth[["death_day", "transfer_day", "lost_day"]].min(axis=1).to_numpy(float)
    released = sim.dataset.releases.set_index("release_id").loc[truth.index, "release_date"]
    cut = (sim.dataset.cutoff - pd.to_datetime(released)).dt.days.to_numpy(float)
    end = np.fmin(ends, cut)
    relapse = truth["relapse_day"].to_numpy(float)
    exact_time, exact_event = np.minimum(relapse, end), relapse <= end
    if visits:
        cohort = as_cohort(sim.dataset).table.set_index("release_id").loc[truth.index]
        seen = cohort["event"].eq("relapse").to_numpy()
        lower = cohort["lower_day"].to_numpy(float)
        upper = np.nan_to_num(cohort["upper_day"].to_numpy(float), nan=0.0)
        seen_time = np.where(seen, (lower + upper) / 2, lower)
    z = np.full((count, 3), np.nan)
    for i in range(count):
        pick = study == i
        z[i, 0] = logrank_z(exact_time[pick], exact_event[pick], treated[pick])
        z[i, 2] = exact_event[pick].sum()
        if visits:
            z[i, 1] = logrank_z(seen_time[pick], seen[pick], treated[pick])
    return z


@dataclass(frozen=True)
class SimulatedPower:
    n: int
    replicates: int
    exact: float  # share of replicates significant on exact dates
    visits: float  # ... on the visits' midpoints
    exact_se: float
    visits_se: float
    events: float  # mean relapses per study (exact dates)


def simulate_power(
    design: StudyDesign,
    n: int,
    replicates: int,
    hr: float,
    seed: int = DEFAULT_SEED,
    visits: bool = True,
    population: dict | None = None,
) -> SimulatedPower:
    """The share of `replicates` simulated studies of `n` releases whose two-sided log-rank
    test rejects at `alpha` (exact dates and, when `visits`, visit midpoints); `population`:
    simulator overrides of who is released (e.g. `homogeneous()`)."""
    config = {**simulation_config(design, hr), **(population or {})}
    z = replicate_z(config, n, replicates, seed, visits)
    crit = ndtri(1 - design.alpha / 2)
    power = (np.abs(z[:, :2]) > crit).mean(axis=0)
    power[1] = power[1] if visits else np.nan
    se = np.sqrt(power * (1 - power) / replicates)
    return SimulatedPower(n, replicates, float(power[0]), float(power[1]), float(se[0]),
                          float(se[1]), float(z[:, 2].mean()))  # fmt: skip


def releases_for(power_at_n: float, n: int, target: float, alpha: float = 0.05) -> float | None:
    """Releases giving `target` power, from a simulated power at n, by the normal
    approximation power(N) = Phi(sqrt(N k) - z_{1-alpha/2}) (one point fixes k)."""
    if not 0 < power_at_n < 1:
        return None
    za = ndtri(1 - alpha / 2)
    return float(n * ((za + ndtri(target)) / (ndtri(power_at_n) + za)) ** 2)


def plan(
    design: StudyDesign, powers=(0.8, 0.9), replicates: int = 0, seed: int = DEFAULT_SEED
) -> dict:
    """The formula's numbers and, with `replicates` > 0, the simulated power at the formula's
    number of releases for each power, and the releases that simulation implies."""
    found = formula(design, powers)
    rows = []
    for pw in powers:
        row = {"power": pw, "events": found.events[pw], "releases": found.releases[pw]}
        if replicates:
            sim = simulate_power(design, found.releases[pw], replicates, found.hr, seed)
            row |= {
                "simulated_power_exact": sim.exact,
                "simulated_power_exact_se": sim.exact_se,
                "simulated_power_visits": sim.visits,
                "simulated_power_visits_se": sim.visits_se,
                "releases_visits": releases_for(sim.visits, sim.n, pw, design.alpha),
            }
        rows.append(row)
    return {
        "design": asdict(design),
        "hazard_ratio": found.hr,
        "event_probability": found.event_probability,
        "replicates": replicates,
        "rows": rows,
    }
