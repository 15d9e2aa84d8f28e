"""The fast confidence interval: an influence-function (sandwich) variance of the weighted EM's
estimating equations, the weights taken as known.

Each strategy's hazards h solve U(h) = sum_i u_i(h) = 0 with, per clone i and month m,
u_i(h)_m = w_i(m) (E[events_i(m) | data_i; h] - h_m E[at risk_i(m) | data_i; h]) (relapse and
death). A smooth summary theta(h) (a risk at a month, the RMST) has influence
IF_i = grad(theta)' (-dU/dh)^{-1} u_i, the Jacobian by forward differences over the positive
hazards (a hazard at 0 contributes no score). A release's two clones (one per strategy) give
its influence on a contrast: IF_start - IF_never. Var = sum_i IF_i^2 (releases independent).

Weights taken as known: with a correctly specified start model, estimating the weights lowers
the variance of an inverse-probability-weighted estimator (Robins, Rotnitzky & Zhao 1994), so
the interval is meant to be conservative; its coverage is measured by the simulation study
(workbench/studies/target_trial.py).

Small samples (`small_sample=True`, what `sandwich_se` uses). A strategy whose deviators are
many and whose compliers are few rests on a few heavy weights: "start financial aid within 6
months" has ~57 month-6 starters at 4,000 releases, weights up to ~300, a Kish effective sample
size of ~20 at month 24, and one release may carry 10-45 % of the variance. The variance
estimate V = sum_i c_i^2 (c_i the releases' influences on a quantity) is then itself noisy, and
a normal interval built on it covers too rarely even when V is nearly unbiased. V is taken as
V * chi2_df / df with df = 2 V^2 / Var(V), Var(V) = n / (n - 1) sum_i (c_i^2 - V / n)^2
(Satterthwaite's two-moment match, Var(V) estimated from the releases as Pan & Wall 2002 do for
the GEE sandwich; = n / (n - 1) (sum_i c_i^4 - V^2 / n)), and the interval uses Student's t with
df (`quantile`) instead of the normal: the same rule for every quantity, strategy and support;
the SEs themselves are unchanged. With n equal normal contributions df = n; for financial aid's
24-month RD it is ~30 (median over the study's cohorts), for the other supports' medians 13
(job placement) to 210.

Not used: a leverage (HC2-type) correction of each clone's monthly score, dividing by
sqrt(1 - its share of the month's weighted months at risk). It is exact for the monthly
hazards on right-censored data, but with interval censoring the Jacobian is ill-conditioned
(condition numbers 1e7-1e8: months inside the 6-month visit gaps are weakly identified), the
corrected scores no longer cancel along its weak directions, and the SE moved by up to 80 %
with the EM's tolerance (1e-6 vs 1e-10) while the plain SE agreed to 6 digits.

In the study (200 cohorts of 4,000, seed 18) the plain normal interval covered financial aid's
true 24-month RD in 91.0 % (its SE 8 % short of the SD between cohorts); bench/README.md
("Small-sample correction of the sandwich") has the t interval's coverage for every support.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from workbench.emulation import influence
from workbench.emulation.grid import K
from workbench.emulation.influence import posteriors
from workbench.emulation.outcome import group, score_jacobian

Z = 1.959963984540054


def _groups(kind, l, b):  # noqa: E741
    key = (kind.astype(np.int64) * (K + 2) + l) * (K + 2) + b
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq // (K + 2) ** 2, (uniq // (K + 2)) % (K + 2), uniq % (K + 2), inv


def residuals(kind, l, b, h):  # noqa: E741
    """(n, 2K) E[events] - h E[at risk] per unit weight of each clone (relapse, death)."""
    gk, gl, gb, inv = _groups(kind, l, b)
    er, ed, risk = posteriors(gk, gl, gb, h)
    return np.concatenate([er[inv] - h[:K] * risk[inv], ed[inv] - h[K:] * risk[inv]], axis=1)


def scores(kind, l, b, w, h):  # noqa: E741
    """(n, 2K) estimating-equation contributions u_i(h) of one strategy's clones."""
    return np.concatenate([w, w], axis=1) * residuals(kind, l, b, h)


def arm_influence(kind, l, b, w, h, nuisance=None, cap=np.inf) -> np.ndarray:  # noqa: E741
    """(n, 39) influence of each clone on [relapse risk at months 0..36, death risk at 36,
    RMST] of one strategy; with `nuisance` (nuisance.Nuisance) the start model's estimation
    is accounted for, else the weights are taken as known."""
    free = np.flatnonzero(h > 0)
    coef = influence.influence_coefficients(score_jacobian(group(kind, l, b, w), h, free), h, free)
    resid = residuals(kind, l, b, h)
    u = (np.concatenate([w, w], axis=1) * resid)[:, free]
    if nuisance is not None:
        from workbench.emulation.nuisance import score_derivative

        d = score_derivative(nuisance, cap, w > 0, resid)[free]  # (free, P)
        u = u + nuisance.psi @ d.T
    return u @ coef.T


def sandwich_se(point, horizons, estimated_weights: bool = True,
                small_sample: bool = True) -> dict:  # fmt: skip
    """Standard errors from the influence functions of both strategies: of each strategy's
    relapse risk at months 0..36, of the RD, log RR at `horizons` and the RMST difference;
    "df": the same keys' degrees of freedom for a t interval (`degrees_of_freedom`; inf, the
    normal's, without `small_sample`), for `quantile`; the SEs do not depend on it. The influence functions (`arm_influence` per release)
    are made a block of releases at a time (influence.py: the same numbers to rounding, no
    (releases x 2K) array)."""
    return influence.sandwich_se(point, horizons, estimated_weights, small_sample)


def degrees_of_freedom(c: np.ndarray) -> np.ndarray:
    """Satterthwaite degrees of freedom of V = sum_i c_i^2 (per column of the releases'
    influences `c`): 2 V^2 / Var(V), Var(V) = n / (n - 1) sum_i (c_i^2 - V / n)^2 (module
    doc); inf where V does not vary."""
    c2 = np.asarray(c, float) ** 2
    n = c2.shape[0]
    v = c2.sum(axis=0)
    var = n / max(n - 1, 1) * np.sum((c2 - v / n) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(var > 0, 2.0 * v**2 / np.where(var > 0, var, 1.0), np.inf)


def quantile(df, level: float = 0.95):
    """Student's t quantile for a two-sided `level` interval with `df` degrees of freedom
    (df = inf: the normal's, Z)."""
    return stats.t.ppf(0.5 + level / 2.0, np.asarray(df, float))


def _data(c):
    from workbench.emulation.weights import carries_data

    return carries_data(c.kind, c.l, c.b)
