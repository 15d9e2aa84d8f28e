"""A fair comparison of regions: risk-adjusted relapse hazard ratios shrunk with a hierarchical
normal model, with 95 % intervals, rank intervals and the probability of doing worse than the
province.

Each region's log hazard ratio comes from the interval-censored proportional-hazards model
(`workbench.risk.interval.IntervalCoxModel`: the (L, R] intervals themselves) with the people's
baseline characteristics and the region as covariates, robust SEs clustered by person. The
log ratios are centred on the province: theta_j - log(sum_k w_k exp(theta_k)) with w_k the
region's relapses that its people's characteristics alone would give (O_k exp(-theta_k)), so 0
is the province level as an observed/expected ratio would define it. Small regions bounce
around, so the ratios are shrunk towards the regions' mean: theta_j ~ N(mu, tau^2), estimates ~
N(theta, V) (V the model's covariance), a flat prior on mu (only the contrasts between regions
carry information) and a uniform prior on tau integrated on a grid (Gelman et al., Bayesian Data
Analysis, 3rd ed., section 5.4). Posterior draws give each region's interval, its rank interval
(rank 1: the lowest ratio, i.e. the best retention) and P(ratio > 1), the probability that its
risk-adjusted retention is below the province level.

Why not observed/expected counts from a Cox model without region on visit-dated times (the
first version): on 6-monthly visit data that ratio is attenuated towards 1 (about 6 % of each
region's log hazard ratio on the default simulation; bench/README.md "Fair ranking"), because
relapses are dated to interval midpoints and the pooled baseline hazard carries the regions'
own differences. At 23,000 releases that bias is larger than the estimates' noise, and pulling
the estimates further towards the mean made the shrunk estimates worse than the raw ones. The
interval-censored model with region recovers the simulator's prefecture effects (slope 0.99).
`shrink` keeps the observed/expected form (log(O/E), variance 1/O) for counts given directly.

For readers, a ratio r is shown as the province's people's predicted 12-month retention had their
relapse rate been multiplied by r (mean of exp(-H_i(12 months) r), direct standardisation under
proportional hazards, H_i from the same model at the province level): a monotone transform, so
ranks and probabilities are the same on both scales. Where a characteristic is the same for
everyone in each region (sex for facilities: the women's centre takes only women) it cannot be
told apart from the region and is left out of that model.
"""

from __future__ import annotations

import warnings
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
class RegionEffects:
    """Each region's relapse log hazard ratio against the first region (`log_hr`, first 0) with
    its covariance (`cov`, first row and column 0), people `n` and relapses `observed`; `cumhaz`:
    each release's predicted cumulative hazard at `months` at the province level."""

    @property
    def weights(self) -> np.ndarray:
        """Each region's share of the relapses its people would have at the province level."""
        return _weights(self.log_hr, self.observed)

    codes: list[str]
    n: np.ndarray
    observed: np.ndarray
    log_hr: np.ndarray
    cov: np.ndarray
    cumhaz: np.ndarray
    months: float


def adjustable(cohort: pd.DataFrame, by: str, covariates: Sequence[str]) -> list[str]:
    """The covariates present that vary within at least one region (a characteristic the same
    for everyone in each region cannot be told apart from the region)."""
    groups = cohort[by].astype(str)
    return [
        c
        for c in covariates
        if c in cohort.columns
        and cohort[c].nunique() > 1
        and cohort[c].groupby(groups).nunique().max() > 1
    ]


def region_effects(
    cohort: pd.DataFrame,
    by: str,
    covariates: Sequence[str] = PERSON_COVARIATES,
    months: float = 12,
    population: pd.DataFrame | None = None,
) -> RegionEffects:
    """The interval-censored PH model of relapse on `covariates` and `by` (module doc);
    `cumhaz` for the people of `population` (default: `cohort`)."""
    from workbench.risk.design import design_matrix
    from workbench.risk.interval import IntervalCoxModel, model_frame

    data = model_frame(cohort, [*covariates, by], {by: cohort[by].astype(str)})
    codes = sorted(data[by].unique())
    present = adjustable(data, by, covariates)
    relapse = data["event"].eq("relapse")
    if not relapse.any():
        raise EstimationError("no relapse: nothing to compare between regions")
    with warnings.catch_warnings():  # few relapses per term: what the shrinkage is for
        warnings.filterwarnings("ignore", message=r"only \d+ relapses for")
        model = IntervalCoxModel([*present, by], reference={by: codes[0]}).fit(data)
    terms = [f"{by}[{c}]" for c in codes[1:]]
    log_hr = np.r_[0.0, model.params_[terms].to_numpy(float)]
    cov = np.zeros((len(codes), len(codes)))
    cov[1:, 1:] = model.variance_.loc[terms, terms].to_numpy(float)
    observed = relapse.groupby(data[by]).sum().reindex(codes).to_numpy(float)
    n = data[by].value_counts().reindex(codes).to_numpy(float)
    people = data if population is None else population
    refs = model.design_.terms.dropna(subset=["reference"])
    refs = dict(zip(refs["variable"], refs["reference"], strict=True)) | {}
    refs.pop(by, None)
    x = design_matrix(people, present, refs).X
    beta = model.params_.drop(terms)
    lp = x.reindex(columns=beta.index, fill_value=0.0).to_numpy(float) @ beta.to_numpy(float)
    level = lp + _centre(log_hr, observed)
    base = model.model_.cumulative_hazard(np.array([months * DAYS_PER_MONTH]))[0]
    return RegionEffects(codes, n, observed, log_hr, cov, base * np.exp(level), float(months))


def _weights(log_hr: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Each region's relapses at the province level (O exp(-theta)), as shares."""
    w = observed * np.exp(-(log_hr - log_hr.max()))
    return w / w.sum()


def _centre(log_hr: np.ndarray, observed: np.ndarray) -> float:
    """log(sum_k w_k exp(theta_k)): the province level on the log ratio scale of `log_hr`."""
    return float(np.log(np.sum(_weights(log_hr, observed) * np.exp(log_hr))))


@dataclass(frozen=True)
class Shrinkage:
    """Posterior draws of each region's centred log ratio (`draws`: n_draws x regions) and their
    summaries (`table`: raw, se, estimate, lower, upper, rank, rank_lower, rank_upper, p_above,
    data_weight)."""

    table: pd.DataFrame
    draws: np.ndarray
    tau: float  # posterior median of the between-region standard deviation


def centred(log_hr: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """log ratios minus log(sum_k weights_k exp(log ratio_k)) (rows of draws or one vector)."""
    b = np.asarray(log_hr, dtype=float)
    return b - np.log(np.sum(weights * np.exp(b), axis=-1, keepdims=True))


def shrink(
    observed: Sequence[float],
    expected: Sequence[float],
    *,
    level: float = LEVEL,
    n_draws: int = N_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Shrinkage:
    """Hierarchical normal shrinkage of log(O / E), variance 1 / O (`shrink_effects`).

    `observed` are relapse counts (> 0), `expected` their expected numbers (E rescaled so that
    sum E = sum O leaves the raw log ratios as they are; otherwise they are centred).
    """
    o = np.asarray(observed, dtype=float)
    e = np.asarray(expected, dtype=float)
    if o.size < 2 or (o <= 0).any() or (e <= 0).any():
        raise EstimationError("shrinkage needs at least two regions with relapses and expected > 0")
    return shrink_effects(
        np.log(o / e), np.diag(1.0 / o), o, level=level, n_draws=n_draws, seed=seed
    )


def shrink_effects(
    log_hr: Sequence[float],
    cov: np.ndarray,
    observed: Sequence[float],
    *,
    level: float = LEVEL,
    n_draws: int = N_DRAWS,
    seed: int = DEFAULT_SEED,
) -> Shrinkage:
    """Hierarchical normal shrinkage of log ratios with covariance `cov` (module doc).

    Only the contrasts between regions enter (the flat prior on mu): d = D b, D = [-1 | I].
    The estimate is the posterior median of each centred log ratio, the interval its central
    `level` interval; ranks go from 1 (lowest ratio) and the rank interval holds the central
    `level` of the ranks' draws (rounded outwards); p_above is P(centred log ratio > 0).
    """
    b = np.asarray(log_hr, dtype=float)
    o = np.asarray(observed, dtype=float)
    k = b.size
    if k < 2 or (o <= 0).any() or not np.isfinite(b).all():
        raise EstimationError("shrinkage needs at least two regions with relapses")
    w = _weights(b, o)
    D = np.hstack([-np.ones((k - 1, 1)), np.eye(k - 1)])
    d, vd = D @ b, D @ np.asarray(cov, dtype=float) @ D.T
    share = w * np.exp(b) / np.sum(w * np.exp(b))
    jac = np.eye(k) - share[None, :]
    raw = centred(b, w)
    se = np.sqrt(np.clip(np.diag(jac @ cov @ jac.T), 1e-12, None))
    rng = np.random.default_rng(seed)
    tau = _draw_tau(
        d, vd, D @ D.T, max(3.0 * float(np.std(raw)), 4.0 * float(se.max())), n_draws, rng
    )
    draws = centred(_draw_effects(d, vd, D, tau, rng), w)
    ranks = draws.argsort(axis=1).argsort(axis=1) + 1
    alpha = (1 - level) / 2
    estimate = np.median(draws, axis=0)
    mid = float(np.median(tau))
    table = pd.DataFrame(
        {
            "raw": raw,
            "se": se,
            "estimate": estimate,
            "lower": np.quantile(draws, alpha, axis=0),
            "upper": np.quantile(draws, 1 - alpha, axis=0),
            "rank": estimate.argsort().argsort() + 1,
            "rank_lower": np.floor(np.quantile(ranks, alpha, axis=0)).astype(int),
            "rank_upper": np.ceil(np.quantile(ranks, 1 - alpha, axis=0)).astype(int),
            "p_above": (draws > 0).mean(axis=0),
            # how far the estimate follows the region's own data (1 - shrinkage), at median tau
            "data_weight": mid**2 / (se**2 + mid**2),
        }
    )
    return Shrinkage(table=table, draws=draws, tau=mid)


def _draw_tau(
    d: np.ndarray, vd: np.ndarray, dd: np.ndarray, top: float, n: int, rng: np.random.Generator
) -> np.ndarray:
    """Draws of tau from p(tau | contrasts) on a grid (BDA3 eq. 5.21 with mu integrated out),
    jittered within grid cells."""
    step = max(top, 1e-3) / GRID
    grid = (np.arange(GRID) + 0.5) * step
    var = grid[:, None, None] ** 2 * dd[None] + vd[None]
    logdet = np.linalg.slogdet(var)[1]
    quad = np.linalg.solve(var, np.broadcast_to(d[:, None], (GRID, d.size, 1)))[..., 0] @ d
    logp = -0.5 * (logdet + quad)
    p = np.exp(logp - logp.max())
    pick = rng.choice(GRID, size=n, p=p / p.sum())
    return grid[pick] + (rng.random(n) - 0.5) * step


def _draw_effects(
    d: np.ndarray, vd: np.ndarray, D: np.ndarray, tau: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One draw of the regions' deviations delta = theta - mu per tau: delta ~ N(0, tau^2 I),
    d ~ N(D delta, vd). Posterior precision M + I / tau^2 with M = D' vd^-1 D = U diag(lam) U'."""
    m = D.T @ np.linalg.solve(vd, D)
    r = D.T @ np.linalg.solve(vd, d)
    lam, u = np.linalg.eigh((m + m.T) / 2)
    prec = np.clip(lam, 0.0, None)[None, :] + 1.0 / tau[:, None] ** 2
    z = (u.T @ r)[None, :] / prec + rng.standard_normal(prec.shape) / np.sqrt(prec)
    return z @ u.T


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
    covariates: Sequence[str] = PERSON_COVARIATES,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """The ranking table of `by` (prefecture or facility): one row per region with at least
    `threshold` people, relapses and people without a relapse (smaller regions are left out of
    the model and the table: nothing about them is shown).

    Columns: code, n, observed, expected (relapses, and those the region's people would have at
    the province level: for disclosure control only), ratio, ratio_lower, ratio_upper (shrunken
    hazard ratio against the province), estimate, lower, upper (risk-adjusted 12-month retention
    on the province's mix, shrunken), raw_estimate (the same, unshrunken), province (the
    province's level on that scale), rank, rank_lower, rank_upper (1 = best retention), p_below
    (probability that the region's risk-adjusted retention is below the province's),
    data_weight (1 - shrinkage, for disclosure control), n_ranked.
    """
    groups = cohort[by].astype(str)
    relapse = cohort["event"].eq("relapse")
    n = groups.value_counts()
    o = relapse.groupby(groups).sum().reindex(n.index)
    keep = n.index[(n >= threshold) & (o >= threshold) & ((n - o) >= threshold)]
    if len(keep) < 2:
        raise EstimationError("fewer than two regions are large enough to compare")
    ranked = cohort if len(keep) == len(n) else cohort[groups.isin(keep)]  # no copy of all
    fx = region_effects(ranked, by, covariates, population=cohort)
    fit = shrink_effects(fx.log_hr, fx.cov, fx.observed, seed=seed).table
    level = standardised(fx.cumhaz, np.array([0.0]))[0]
    out = pd.DataFrame(
        {
            "code": fx.codes,
            "n": fx.n.astype(int),
            "observed": fx.observed,
            "expected": fx.observed * np.exp(-fit["raw"].to_numpy()),
            "ratio": np.exp(fit["estimate"]),
            "ratio_lower": np.exp(fit["lower"]),
            "ratio_upper": np.exp(fit["upper"]),
            "estimate": standardised(fx.cumhaz, fit["estimate"].to_numpy()),
            "lower": standardised(fx.cumhaz, fit["upper"].to_numpy()),
            "upper": standardised(fx.cumhaz, fit["lower"].to_numpy()),
            "raw_estimate": standardised(fx.cumhaz, fit["raw"].to_numpy()),
            "province": level,
            "rank": fit["rank"],
            "rank_lower": fit["rank_lower"],
            "rank_upper": fit["rank_upper"],
            "p_below": fit["p_above"],
            "data_weight": fit["data_weight"],
            "n_ranked": len(fx.codes),
        }
    )
    return out.sort_values(["rank", "code"]).reset_index(drop=True)
