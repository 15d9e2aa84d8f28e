"""Newton-Raphson for a penalised log-likelihood: step halving (Armijo), Levenberg damping where
the Hessian is not negative definite, chord steps (a Hessian reused while the steps shrink fast)
and scipy's trust-region Newton as the fallback.

`Objective` wraps any model object with `values(theta)` (per-row log-likelihood first) and
`derivatives(values, w, hess)` (score and Hessian); `fit_objective` maximises it.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize

from workbench.exceptions import EstimationError


class Objective:
    """Penalised log-likelihood over the free parameters `free` (the others held fixed)."""

    def __init__(self, design, w, P, theta_full, free):
        self.design, self.w, self.free = design, w, free
        self.P = P[np.ix_(free, free)]
        self.theta_full = theta_full.copy()

    def full(self, theta):
        self.theta_full[self.free] = theta
        return self.theta_full

    def value(self, theta):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            vals = self.design.values(self.full(theta))
            ll = float(self.w @ vals[0]) - 0.5 * theta @ self.P @ theta
        return (ll if np.isfinite(ll) else -np.inf), vals

    def derivatives(self, theta, vals, hess=True):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            g, H = self.design.derivatives(vals, self.w, hess)
        g = g[self.free] - self.P @ theta
        return g, (H[np.ix_(self.free, self.free)] - self.P if hess else None)


def _ascent(H, g) -> np.ndarray:
    """Solve (-H) step = g; Levenberg damping until -H + mu I is positive definite."""
    info = -H
    scale = max(float(np.max(np.abs(np.diag(info)))), 1e-300)
    for mu in (0.0, *(scale * 10.0**k for k in range(-10, 3))):
        try:
            factor = linalg.cho_factor(info + mu * np.eye(g.size), check_finite=False)
        except linalg.LinAlgError:
            continue
        step = linalg.cho_solve(factor, g, check_finite=False)
        if np.all(np.isfinite(step)):
            return step
    return linalg.lstsq(info, g, check_finite=False)[0]


def _line_search(obj, theta, ll, step, slope):
    noise = 1e-12 * (1.0 + abs(ll))  # forgive rounding once the optimum is reached
    t = 1.0
    while t >= 1e-12:
        cand = theta + t * step
        ll_c, vals_c = obj.value(cand)
        if ll_c >= ll + 1e-4 * t * slope - noise:
            return cand, ll_c, vals_c
        t /= 2
    return None


def maximise(obj: Objective, theta, tol: float, max_iter: int, H=None, contraction=0.03):
    """Newton-Raphson with step halving; returns (theta, ll, H, n_iter) or None.

    Converged when the Newton step -H^-1 score (the score in units of the information) is at
    most `tol` in every component; that last step is taken. A Hessian is reused (chord steps)
    while each step is at most `contraction` times the previous one; otherwise, and when a step
    fails, it is recomputed at the current point. `H`: a starting Hessian (e.g. the full-data
    one for a bootstrap replicate). The returned H is the last one used, not necessarily the
    one at the returned theta.
    """
    ll, vals = obj.value(theta)
    if not np.isfinite(ll):
        return None
    g, H_new = obj.derivatives(theta, vals, hess=H is None)
    H, fresh, previous = (H_new, True, np.inf) if H is None else (H, False, np.inf)
    for it in range(max_iter + 1):
        step = _ascent(H, g)
        size = float(np.max(np.abs(step), initial=0.0))
        if not fresh and size > contraction * previous:
            H, fresh = obj.derivatives(theta, vals)[1], True
            step = _ascent(H, g)
            size = float(np.max(np.abs(step), initial=0.0))
        if size <= tol:
            ll_c = obj.value(theta + step)[0]
            return (theta + step, ll_c, H, it) if ll_c >= ll - 1e-9 * (1 + abs(ll)) else None
        found = _line_search(obj, theta, ll, step, float(g @ step))
        if found is None and not fresh:
            H, fresh = obj.derivatives(theta, vals)[1], True
            step = _ascent(H, g)
            found = _line_search(obj, theta, ll, step, float(g @ step))
        if found is None:
            return None
        theta, ll, vals = found
        previous, fresh = size, False
        g = obj.derivatives(theta, vals, hess=False)[0]
    return None


def _trust_region(obj: Objective, theta, tol_abs: float, max_iter: int):
    """scipy's trust-region Newton (the fallback when plain Newton stalls)."""
    cache: dict = {}

    def terms(th):
        key = th.tobytes()
        if key not in cache:
            cache.clear()
            ll, vals = obj.value(th)
            cache[key] = (ll, *obj.derivatives(th, vals))
        return cache[key]

    res = optimize.minimize(
        lambda th: -terms(th)[0],
        theta,
        jac=lambda th: -terms(th)[1],
        hess=lambda th: -terms(th)[2],
        method="trust-exact",
        options={"gtol": tol_abs, "maxiter": max_iter},
    )
    ll, g, H = terms(res.x)
    return res.x, ll, g, H, int(res.nit), res.message


def fit_objective(obj: Objective, theta, tol: float, max_iter: int, H=None, exact=True):
    """Maximise; raise EstimationError when neither Newton nor the trust region converges.
    `exact`: return the Hessian at the optimum (else the last one the steps used)."""
    out = maximise(obj, theta, tol, max_iter, H)
    if out is not None:
        theta, ll, H, n_iter = out
        if exact:
            H = obj.derivatives(theta, obj.value(theta)[1])[1]
        return theta, ll, H, n_iter
    tol_abs = 1e-8 * max(1.0, float(np.sum(obj.w)))
    th, ll, g, H, n_iter, message = _trust_region(obj, theta, tol_abs, max_iter)
    if not np.isfinite(ll) or np.max(np.abs(g)) > 1e-4 * max(1.0, float(np.sum(obj.w))):
        raise EstimationError(
            f"the likelihood maximisation did not converge ({message}); "
            "try fewer baseline pieces or drop a sparse term."
        )
    return th, ll, H, n_iter
