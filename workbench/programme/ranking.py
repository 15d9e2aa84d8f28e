"""A fair comparison of regions: risk-adjusted observed/expected relapse ratios shrunk with a
hierarchical normal model, with 95 % intervals, rank intervals and the probability of doing worse
than the province.

Each region's relapses O are compared with the number E its people's baseline characteristics
predict (a Cox model without region, fitted on the whole province: indirect standardisation, so
sum O = sum E). The log ratio y = log(O / E) has standard error about 1 / sqrt(O). Small regions
bounce around, so the ratios are shrunk towards the regions' mean: theta_j ~ N(mu, tau^2),
y_j ~ N(theta_j, s_j^2), with a flat prior on mu and a uniform prior on tau integrated on a grid
(Gelman et al., Bayesian Data Analysis, 3rd ed., section 5.4). Posterior draws give each region's
interval, its rank interval (rank 1: the lowest ratio, i.e. the best retention) and
P(theta_j > 0), the probability that its risk-adjusted retention is below the province level.

For readers, a ratio r is shown as the province's people's predicted 12-month retention had their
relapse rate been multiplied by r (mean of exp(-H_i(12 months) r), direct standardisation under
proportional hazards): a monotone transform, so ranks and probabilities are the same on both
scales.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED
from workbench.cohort import PERSON_COVARIATES
from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import EstimationError

LEVEL = 0.95
N_DRAWS = 4000
GRID = 400  # points of the tau grid (the posterior of tau is smooth; 400 is ample)


@dataclass(frozen=True)
class PersonExpected:
    """Each release's relapse indicator, expected number of relapses over its own follow-up
    (rescaled so that the totals agree) and predicted cumulative hazard at `months`."""

    relapse: np.ndarray
    expected: np.ndarray
    cumhaz: np.ndarray
    months: float

    def by(self, groups: Sequence[object]) -> pd.DataFrame:
        """Observed and expected relapses per group: code, n, observed, expected."""
        frame = pd.DataFrame(
            {"code": np.asarray(groups).astype(str), "o": self.relapse, "e": self.expected}
        )
        return (
            frame.groupby("code", sort=True)
            .agg(n=("o", "size"), observed=("o", "sum"), expected=("e", "sum"))
            .reset_index()
        )


def person_expected(
    cohort: pd.DataFrame, covariates: Sequence[str] = PERSON_COVARIATES, months: float = 12
) -> PersonExpected:
    """Relapses expected per release from a Cox model on baseline characteristics (no region),
    fitted on best available times: relapse at the midpoint of (L, R], censoring at L (as
    `regions.predicted_retention`). E_i is the model's cumulative hazard at the person's own
    time, rescaled so that the cohort's E equals its O."""
    from lifelines import CoxPHFitter

    present = [c for c in covariates if c in cohort.columns]
    design = pd.get_dummies(cohort[present], drop_first=True, dtype=float)
    design = design.loc[:, design.std() > 0]
    relapse = cohort["event"].eq("relapse").to_numpy()
    if not relapse.any():
        raise EstimationError("no relapse: nothing to compare between regions")
    lower = cohort["lower_day"].to_numpy(float)
    upper = np.nan_to_num(cohort["upper_day"].to_numpy(float), nan=0.0)
    time = np.maximum(np.where(relapse, (lower + upper) / 2, lower), 0.5)
    frame = design.assign(_time=time, _event=relapse.astype(int))
    fitter = CoxPHFitter(penalizer=1e-4).fit(frame, "_time", "_event")
    base = fitter.baseline_cumulative_hazard_
    steps, values = base.index.to_numpy(float), base.iloc[:, 0].to_numpy(float)
    risk = fitter.predict_partial_hazard(design).to_numpy(float)

    def cumulative(t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(steps, t, side="right") - 1
        return np.where(i >= 0, values[np.clip(i, 0, None)], 0.0)

    expected = cumulative(time) * risk
    expected *= relapse.sum() / expected.sum()
    cumhaz = cumulative(np.array([months * DAYS_PER_MONTH]))[0] * risk
    return PersonExpected(relapse.astype(float), expected, cumhaz, float(months))


@dataclass(frozen=True)
class Shrinkage:
    """Posterior draws of each region's log ratio (`draws`: n_draws x regions) and their
    summaries (`table`: raw, se, estimate, lower, upper, rank, rank_lower, rank_upper, p_above,
    data_weight)."""

    table: pd.DataFrame
    draws: np.ndarray
    tau: float  # posterior median of the between-region standard deviation


def shrink(
    observed: Sequence[float],
    expected: Sequence[float],
    *,
    level: float = LEVEL,
    n_draws: int = N_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Shrinkage:
    """Hierarchical normal shrinkage of log(O / E) (flat prior on mu, uniform on tau).

    `observed` are relapse counts (> 0), `expected` their expected numbers. The estimate is the
    posterior median of each log ratio, the interval its central `level` interval; ranks go from
    1 (lowest ratio) and the rank interval holds the central `level` of the ranks' draws
    (rounded outwards); p_above is P(log ratio > 0).
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    if o.size < 2 or (o <= 0).any() or (e <= 0).any():
        raise EstimationError("shrinkage needs at least two regions with relapses and expected > 0")
    y = np.log(o / e)
    s2 = 1.0 / o
    rng = np.random.default_rng(seed)
    tau = _draw_tau(y, s2, n_draws, rng)
    w = 1.0 / (s2[None, :] + tau[:, None] ** 2)
    v_mu = 1.0 / w.sum(axis=1)
    mu = (w * y).sum(axis=1) * v_mu + np.sqrt(v_mu) * rng.standard_normal(n_draws)
    prec = 1.0 / s2[None, :] + 1.0 / tau[:, None] ** 2
    mean = (y / s2 + mu[:, None] / tau[:, None] ** 2) / prec
    draws = mean + rng.standard_normal(mean.shape) / np.sqrt(prec)
    ranks = draws.argsort(axis=1).argsort(axis=1) + 1
    alpha = (1 - level) / 2
    estimate = np.median(draws, axis=0)
    table = pd.DataFrame(
        {
            "raw": y,
            "se": np.sqrt(s2),
            "estimate": estimate,
            "lower": np.quantile(draws, alpha, axis=0),
            "upper": np.quantile(draws, 1 - alpha, axis=0),
            "rank": estimate.argsort().argsort() + 1,
            "rank_lower": np.floor(np.quantile(ranks, alpha, axis=0)).astype(int),
            "rank_upper": np.ceil(np.quantile(ranks, 1 - alpha, axis=0)).astype(int),
            "p_above": (draws > 0).mean(axis=0),
            # how far the estimate follows the region's own data (1 - shrinkage), at median tau
            "data_weight": np.median(tau) ** 2 / (s2 + np.median(tau) ** 2),
        }
    )
    return Shrinkage(table=table, draws=draws, tau=float(np.median(tau)))


def _draw_tau(y: np.ndarray, s2: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draws of tau from p(tau | y) on a grid (BDA3 eq. 5.21), jittered within grid cells."""
    top = max(3.0 * float(np.std(y)), 4.0 * float(np.sqrt(s2.max())), 1e-3)
    step = top / GRID
    grid = (np.arange(GRID) + 0.5) * step
    var = s2[None, :] + grid[:, None] ** 2
    w = 1.0 / var
    v_mu = 1.0 / w.sum(axis=1)
    mu = (w * y).sum(axis=1) * v_mu
    logp = 0.5 * np.log(v_mu) - 0.5 * np.log(var).sum(axis=1)
    logp -= 0.5 * ((y[None, :] - mu[:, None]) ** 2 * w).sum(axis=1)
    p = np.exp(logp - logp.max())
    pick = rng.choice(GRID, size=n, p=p / p.sum())
    return grid[pick] + (rng.random(n) - 0.5) * step


def standardised(cumhaz: np.ndarray, log_ratio: np.ndarray) -> np.ndarray:
    """The mean of exp(-H_i r) over the province's people for each log ratio log(r): their
    predicted retention had their relapse rate been multiplied by r."""
    r = np.exp(np.asarray(log_ratio, dtype=float))
    return np.exp(-np.multiply.outer(r, cumhaz)).mean(axis=-1)


def rank_regions(
    cohort: pd.DataFrame,
    by: str = "prefecture",
    *,
    threshold: int,
    expected: PersonExpected | None = None,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """The ranking table of `by` (prefecture or facility): one row per region with at least
    `threshold` people, relapses and people without a relapse (smaller regions are left out of
    the model and the table: nothing about them is shown).

    `expected`: the cohort's `person_expected` (computed here when not given).
    Columns: code, n, observed, expected (raw counts, for disclosure control only), ratio,
    ratio_lower, ratio_upper (shrunken O/E), estimate, lower, upper (risk-adjusted 12-month
    retention on the province's mix, shrunken), raw_estimate (the same, unshrunken), province
    (the province's level on that scale), rank, rank_lower, rank_upper (1 = best retention),
    p_below (probability that the region's risk-adjusted retention is below the province's),
    data_weight (1 - shrinkage, for disclosure control), n_ranked.
    """
    oe = expected if expected is not None else person_expected(cohort)
    t = oe.by(cohort[by])
    keep = (t["n"] >= threshold) & (t["observed"] >= threshold)
    keep &= (t["n"] - t["observed"]) >= threshold
    t = t[keep].reset_index(drop=True)
    if len(t) < 2:
        raise EstimationError("fewer than two regions are large enough to compare")
    fit = shrink(t["observed"], t["expected"], seed=seed).table
    level = standardised(oe.cumhaz, np.array([0.0]))[0]
    out = t.assign(
        ratio=np.exp(fit["estimate"]),
        ratio_lower=np.exp(fit["lower"]),
        ratio_upper=np.exp(fit["upper"]),
        estimate=standardised(oe.cumhaz, fit["estimate"].to_numpy()),
        lower=standardised(oe.cumhaz, fit["upper"].to_numpy()),
        upper=standardised(oe.cumhaz, fit["lower"].to_numpy()),
        raw_estimate=standardised(oe.cumhaz, fit["raw"].to_numpy()),
        province=level,
        rank=fit["rank"],
        rank_lower=fit["rank_lower"],
        rank_upper=fit["rank_upper"],
        p_below=fit["p_above"],
        data_weight=fit["data_weight"],
        n_ranked=len(t),
    )
    return out.sort_values(["rank", "code"]).reset_index(drop=True)
