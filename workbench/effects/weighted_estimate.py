"""The numbers of one weighted comparison of two arms: the hazard ratio of the exposure (weighted
Cox model with Efron ties for exact times, weighted piecewise-exponential PH for intervals), each
arm's retention curve (weighted Kaplan-Meier, or the weighted left-truncated NPMLE,
`stats.npmle.fit_truncated`), the risk
difference at a day and the RMST difference over the grid (`estimate`). Used by the landmark
comparison (`effects.landmark.WeightedEffect`) in its fit and in every bootstrap replicate.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.exceptions import EstimationError
from workbench.stats.npmle import fit_truncated, survival_at
from workbench.stats.pwe import PiecewiseExponentialPH

CURVE_TOL = 1e-9  # Kuhn-Tucker tolerance of the arms' NPMLE curves
# Newton iterations of a bootstrap replicate's curve (warm-started from the full-data fit). A
# converging replicate needs at most a few hundred (p99 ~170 on a 677-release prefecture); a
# resample in which the likelihood's maximum is not attained (late entrants cut off from the
# rest, Hudgens 2005) creeps on for the fit's whole 20,000-iteration limit, ~8 s each, whatever
# the scope's size. Such a replicate's curve is taken where it stands after this many
# (bench/README.md, "Prefecture reports": survival within 0.013 of the 20,000-iteration value).
REPLICATE_MAX_ITER = 500


def weighted_km(time, event, weights, grid) -> np.ndarray:
    """Weighted Kaplan-Meier S(t) at `grid` (right-continuous; events before censorings)."""
    t = np.asarray(time, float)
    e = np.asarray(event, bool)
    w = np.asarray(weights, float)
    times = np.unique(t[e])
    d = np.bincount(np.searchsorted(times, t[e]), w[e], times.size)
    at_risk = np.array([w[t >= u].sum() for u in times]) if times.size < 50 else None
    if at_risk is None:
        order = np.argsort(t)
        cum = np.cumsum(w[order][::-1])[::-1]
        at_risk = cum[np.searchsorted(t[order], times, side="left")]
    surv = np.cumprod(1 - d / at_risk)
    idx = np.searchsorted(times, np.asarray(grid, float), side="right") - 1
    return np.where(idx >= 0, surv[np.clip(idx, 0, None)], 1.0)


def exact_only(lower, upper) -> bool:
    """Every relapse dated exactly (upper missing or equal to lower)."""
    return bool(np.all(np.isnan(upper) | (upper == lower)))


def _efron_one(t, e, x, w, beta):
    """Weighted Efron partial log-likelihood of one covariate, its score and information."""
    r = w * np.exp(x * beta)
    order = np.argsort(-t, kind="stable")
    etimes = np.unique(t[e])
    last = np.searchsorted(-t[order], -etimes, side="right") - 1  # risk set {T >= t_j}
    s0, s1, s2 = (np.cumsum(v[order])[last] for v in (r, r * x, r * x * x))
    ej = np.searchsorted(etimes, t[e])
    d = np.bincount(ej, minlength=etimes.size)
    e0, e1, e2 = (np.bincount(ej, v[e], etimes.size) for v in (r, r * x, r * x * x))
    step = np.sort(ej)  # one Efron step per event: k = 0..d_j - 1
    f = (np.arange(step.size) - np.r_[0, np.cumsum(d)[:-1]][step]) / d[step]
    den = s0[step] - f * e0[step]
    xbar = (s1[step] - f * e1[step]) / den
    x2 = (s2[step] - f * e2[step]) / den
    wbar = (np.bincount(ej, w[e], etimes.size) / d)[step]
    ll = float(np.sum(w[e] * x[e]) * beta - np.sum(wbar * np.log(den)))
    score = float(np.sum(w[e] * x[e]) - np.sum(wbar * xbar))
    return ll, score, float(np.sum(wbar * (x2 - xbar**2)))


def _cox_beta(t, e, x, w, tol=1e-12, max_iter=50):
    """Newton-Raphson (step-halving) for the one-covariate weighted Efron Cox model."""
    beta = 0.0
    ll, score, info = _efron_one(t, e, x, w, beta)
    for _ in range(max_iter):
        if info <= 0:
            raise EstimationError("the weighted Cox model has no information on the exposure.")
        step = float(np.clip(score / info, -5.0, 5.0))
        while True:
            new = _efron_one(t, e, x, w, beta + step)
            if new[0] >= ll - 1e-12 or abs(step) < 1e-12:
                break
            step /= 2
        beta += step
        ll, score, info = new
        if abs(step) < tol:
            break
    return beta, info


def weighted_cox(lower, upper, a, w, model_ci=True):
    """Weighted Cox model of the exposure alone (Efron ties): (log HR, robust 95 % CI) as R's
    `coxph(Surv(t, e) ~ a, weights = w, robust = TRUE)`; the sandwich variance comes from
    Efron score residuals (`risk.efron.efron_score_residuals`: lifelines' own robust variance ignores
    the Efron tie correction, statistics.md trap 4). `model_ci=False`: (log HR, None)."""
    t, e = np.asarray(lower, float), np.isfinite(np.asarray(upper, float))
    x, w = np.asarray(a, float), np.asarray(w, float)
    beta, info = _cox_beta(t, e, x, w)
    if not model_ci:
        return beta, None
    from workbench.risk.efron import efron_score_residuals, sandwich_variance

    resid = efron_score_residuals(x[:, None], t, e.astype(int), np.array([beta]), w)
    var = sandwich_variance(resid, np.array([[1 / info]]), w)[0, 0]
    return beta, wald_ci(beta, float(var))


def wald_ci(log_hr: float, var: float) -> tuple[float, float]:
    """95 % Wald CI of a hazard ratio (NaN when the variance is not positive; never warns)."""
    if not np.isfinite(var) or var <= 0:
        return (np.nan, np.nan)
    half = 1.959963984540054 * np.sqrt(var)
    return (float(np.exp(log_hr - half)), float(np.exp(log_hr + half)))


def _n_pieces(cuts, lower, upper) -> int:
    """Baseline pieces the PWE fit will use (it drops pieces after the last end)."""
    end = np.where(np.isfinite(upper), upper, lower)
    return int(np.sum(np.asarray(cuts, float) < end.max()))


def estimate(lower, upper, entries, a, w, cuts, grid, risk_t, model_ci=False, warm=None,
             rows=None):  # fmt: skip
    """(values, model CI, state): values = log HR, risk difference at risk_t, RMST difference
    over the grid, both curves; state = fitted PWE parameters, curves to warm-start from and
    the PWE fit's `refitter()`. `entries`: (entry days for the hazard ratio, entry days for
    the curves). `warm` (a bootstrap replicate): start from the full-data fit's state, curves
    capped at REPLICATE_MAX_ITER. `rows` (with `warm`): (this sample's distinct rows of the
    full data, their number there): the hazard ratio refits the full-data fit's design under
    the case weights `w` on those rows (`stats.pwe.Refitter`, the same weighted likelihood)
    instead of building this sample's design."""
    entry, curve_entry = entries
    exposed = a == 1
    state = None
    if exact_only(lower, upper):
        log_hr, ci = weighted_cox(lower, upper, a, w, model_ci)
        event = np.isfinite(upper)
        curves = [weighted_km(lower[m], event[m], w[m], grid) for m in (exposed, ~exposed)]
    else:
        if rows is not None and warm is not None and len(warm) > 3:
            log_hr, ci, params, refitter = _refit_log_hr(warm[3], rows, w), None, warm[0], warm[3]
        else:
            fit = PiecewiseExponentialPH(cuts, robust=model_ci)
            init = None
            if warm is not None and warm[0].size == _n_pieces(cuts, lower, upper) + 1:
                init = warm[0]
            X = pd.DataFrame({"a": a.astype(float)})
            fit.fit(lower, upper, X, entry=entry, weights=w, init=init)
            log_hr = float(fit.params_["a"])
            ci = wald_ci(log_hr, fit.variance_matrix_.loc["a", "a"]) if model_ci else None
            params, refitter = fit.params_.to_numpy(), fit.refitter()
        fits = [
            fit_truncated(
                curve_entry[m],
                lower[m],
                upper[m],
                w[m],
                tol=CURVE_TOL,
                init=None if warm is None else warm[1 + k],
                **({} if warm is None else {"max_iter": REPLICATE_MAX_ITER}),
            )
            for k, m in enumerate((exposed, ~exposed))
        ]
        curves = [survival_at(f, grid) for f in fits]
        state = (params, *fits, refitter)
    s1, s0 = curves
    risk = np.interp(risk_t, grid, s0) - np.interp(risk_t, grid, s1)  # (1-S1) - (1-S0)
    rmst = np.trapezoid(s1 - s0, grid)
    return np.concatenate([[log_hr, risk, rmst], s1, s0]), ci, state


def _refit_log_hr(refitter, rows, w) -> float:
    """The exposure's log HR refitted on the full data's design with case weights `w` on
    `rows` = (distinct rows, number of rows of the full data), 0 elsewhere."""
    index, n = rows
    full = np.zeros(n)
    full[index] = w
    return float(refitter(full)[refitter.design.K])  # "a" follows the baseline pieces
