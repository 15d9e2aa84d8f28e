"""Counterfactual truth of the target-trial strategies (issue 18): truth/strategies.csv.

For each support and strategy the same people are re-run with the same random draws (common
random numbers, `workbench.simulate.employment.World`) in a world without loss to follow-up or
transfer; death stays, independent of relapse, as the competing event; the other supports and
employment follow their natural course. Strategies (months 1-based: month k = days
[(k - 1), k) * 365.25 / 12 since release):

- `never`: the support never starts.
- `within_<g>m`: the natural start process in months 1..g-1; whoever has not started by the
  start of month g starts in month g, on that month's drawn day (if no relapse is known by then;
  a start after the relapse cannot change it). Written only where the support's start window
  [lo, hi] has lo < g <= hi: otherwise nobody is offered it in month g and no estimator can
  identify the strategy from data.

Per month 1..36: relapse_risk = P(relapse by month k, before death), death_risk = P(death by
month k, before relapse), and rmst_days = E[min(relapse, death, 36 months)] in days (time alive
and relapse-free, death ending it as in the report's retention). Averages over `n` fresh
releases from the configured population (not the dataset's own people), so the truth is the
population's; Monte Carlo SE of each risk <= 0.5 / sqrt(n) (0.0011 at 200,000).

With the employment feedback off (`NO_FEEDBACK`) support is chosen once from baseline
covariates, as in the simulator: natural = the planned start day; `within_<g>m` keeps planned
starts before month g and starts everyone else in month g (an extra uniform draw for the day).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.simulate import employment
from workbench.simulate.config import resolve_config
from workbench.simulate.core import baseline
from workbench.simulate.hazard import invert_cumulative_hazard
from workbench.simulate.population import (
    assignment_probability,
    death_rate_per_day,
    draw_releases,
    linear_predictor,
)

DPM = codes.DAYS_PER_MONTH
COLUMNS = ("intervention", "strategy", "month", "relapse_risk", "death_risk", "rmst_days")
HORIZON_MONTHS = 36


def strategies_for(spec: dict, graces) -> list[tuple[str, str | int]]:
    """(strategy name, mode) pairs for one support: never, and within_<g>m where lo < g <= hi.

    mode is "never" or the 0-based month index g - 1 in which the start is forced."""
    lo, hi = spec["start_months"]
    out: list[tuple[str, str | int]] = [("never", "never")]
    out += [(f"within_{g}m", int(g) - 1) for g in graces if lo < g <= hi]
    return out


def _outcomes(relapse: np.ndarray, death: np.ndarray) -> np.ndarray:
    """Per person: month-end relapse and death indicators (2, n, 36) and restricted time."""
    t = np.arange(1, HORIZON_MONTHS + 1) * DPM
    rel_first = relapse < death
    r = (relapse[:, None] <= t) & rel_first[:, None]
    d = (death[:, None] <= t) & ~rel_first[:, None]
    return r, d, np.minimum.reduce([relapse, death, np.full(relapse.shape, HORIZON_MONTHS * DPM)])


class _Sums:
    """Running sums over chunks of people, per (support, strategy)."""

    def __init__(self):
        self.n = 0
        self.r: dict = {}
        self.d: dict = {}
        self.rmst: dict = {}
        self.sq: dict = {}  # sum of squared (risk at 24 months - never's): MC SE of the RD

    def add(self, key, relapse, death, never_r24=None):
        r, d, tau = _outcomes(relapse, death)
        self.r[key] = self.r.get(key, 0) + r.sum(axis=0)
        self.d[key] = self.d.get(key, 0) + d.sum(axis=0)
        self.rmst[key] = self.rmst.get(key, 0.0) + tau.sum()
        if never_r24 is not None:
            diff = r[:, 23].astype(float) - never_r24
            self.sq[key] = self.sq.get(key, np.zeros(2)) + [diff.sum(), (diff**2).sum()]
        return r[:, 23].astype(float)


def _feedback_chunk(rel, lp, cfg, rng, breaks_rates, graces, sums: _Sums) -> None:
    world = employment.draw_world(rng, rel, cfg, death_rate_per_day(rel, cfg))
    for code, spec in cfg["interventions"].items():
        never = None
        for name, mode in strategies_for(spec, graces):
            path = employment.run_path(rel, lp, cfg, world, breaks_rates, strategy={code: mode})
            r24 = sums.add((code, name), path.relapse, world.death, never)
            never = r24 if never is None else never


def _planned(rng, rel, cfg):
    """Per support: selected (bool), the planned day, and a forced-start uniform (n, J)."""
    specs = list(cfg["interventions"].values())
    n = len(rel)
    u, w, w_force = (rng.random((n, len(specs))) for _ in range(3))
    days = np.full((n, len(specs)), np.nan)
    for c, spec in enumerate(specs):
        lo, hi = (max(np.ceil(m * DPM), 1.0) for m in spec["start_months"])
        day = np.floor(lo + w[:, c] * (hi - lo + 1))
        chosen = u[:, c] < assignment_probability(rel, spec)
        days[chosen, c] = day[chosen]
    return days, w_force


def _plain_chunk(rel, lp, cfg, rng, breaks_rates, graces, sums: _Sums) -> None:
    """Without the feedback: support chosen once (as simulate(NO_FEEDBACK) does)."""
    planned, w_force = _planned(rng, rel, cfg)
    e = rng.standard_exponential(len(rel))
    death = rng.standard_exponential(len(rel)) / death_rate_per_day(rel, cfg)
    gammas = np.log([s["hazard_ratio"] for s in cfg["interventions"].values()])
    breaks, rates = breaks_rates
    for c, (code, spec) in enumerate(cfg["interventions"].items()):
        never = None
        for name, mode in strategies_for(spec, graces):
            starts = planned.copy()
            if mode == "never":
                starts[:, c] = np.nan
            else:
                first = max(np.ceil(mode * DPM), 1.0)
                last = np.ceil((mode + 1) * DPM) - 1.0
                forced = first + np.floor(w_force[:, c] * (last - first + 1.0))
                late = ~(starts[:, c] < first)
                starts[late, c] = forced[late]
            relapse = invert_cumulative_hazard(e, lp, breaks, rates, starts, gammas)
            r24 = sums.add((code, name), relapse, death, never)
            never = r24 if never is None else never


def strategy_truth(
    config: str | Path | Mapping | None = None,
    *,
    n: int | None = None,
    seed: int | None = None,
    chunk: int = 50_000,
) -> tuple[pd.DataFrame, dict]:
    """truth/strategies.csv (columns COLUMNS) and its Monte Carlo SEs, from n fresh releases.

    n and seed default to `counterfactual.n` / `counterfactual.seed` of the config."""
    base = resolve_config(config)
    cf = base["counterfactual"]
    n = int(cf["n"] if n is None else n)
    seed = int(cf["seed"] if seed is None else seed)
    graces = tuple(int(g) for g in cf["grace_months"])
    sums = _Sums()
    seqs = np.random.SeedSequence(seed).spawn(-(-n // chunk))
    for i, ss in enumerate(seqs):
        size = min(chunk, n - i * chunk)
        cfg = resolve_config(config, size)
        rng = np.random.default_rng(ss)
        rel = draw_releases(rng, cfg)
        lp = linear_predictor(rel, cfg)
        step = _feedback_chunk if employment.enabled(cfg) else _plain_chunk
        step(rel, lp, cfg, rng, baseline(cfg), graces, sums)
        sums.n += size
    return _table(sums, n), _mc_se(sums, n)


def _table(sums: _Sums, n: int) -> pd.DataFrame:
    parts = []
    for (code, name), r in sums.r.items():
        parts.append(
            pd.DataFrame(
                {
                    "intervention": code,
                    "strategy": name,
                    "month": np.arange(1, HORIZON_MONTHS + 1),
                    "relapse_risk": r / n,
                    "death_risk": sums.d[(code, name)] / n,
                    "rmst_days": sums.rmst[(code, name)] / n,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[list(COLUMNS)]


def _mc_se(sums: _Sums, n: int) -> dict:
    """Largest Monte Carlo SE of a risk, and of each 24-month risk difference vs never."""
    risks = np.concatenate([r / n for r in sums.r.values()])
    rd = {}
    for (code, name), (s1, s2) in sums.sq.items():
        var = s2 / n - (s1 / n) ** 2
        rd[f"{code}:{name}"] = float(np.sqrt(max(var, 0.0) / n))
    return {
        "n": int(n),
        "risk_se_max": float(np.sqrt(np.max(risks * (1 - risks)) / n)),
        "rd24_vs_never_se": rd,
    }
