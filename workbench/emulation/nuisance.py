"""The start models as nuisance parameters of the sandwich variance (variance.py): their
coefficients, each release's influence on them, and the clones' weights as a function of them.

A strategy's hazards solve U(h, theta) = 0, theta the coefficients of the logistic model its
weights come from (the pooled start model for "never"; for "within g" its slopes with month
g's own intercept). With
psi_i = I(theta)^{-1} s_i(theta) each release's influence on theta (s_i its score), the
hazards' influence is A^{-1} (u_i + dU/dtheta psi_i), A = -dU/dh; dU/dtheta by forward
differences of the (truncated, cap held fixed) weights.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from workbench.emulation.grid import Grid, K
from workbench.emulation.weights import (
    StartModel,
    at_risk_of_starting,
    never_weights,
    score_info,
    within_weights_from,
)


@dataclass(frozen=True)
class Nuisance:
    """theta, each release's influence psi (n, P), and raw clone weights as theta's function."""

    theta: np.ndarray
    psi: np.ndarray
    raw_of: Callable[[np.ndarray], np.ndarray]


def _psi(theta, A, Y, X, E, keep, n) -> np.ndarray:
    q, p = A.shape[1], X.shape[1]
    eta = theta[None, :q] + (X @ theta[q : q + p])[:, None]
    if E is not None:
        eta = eta + theta[q + p] * E
    mu = expit(eta)
    r = A * (Y - mu)
    parts = [r, X * r.sum(axis=1)[:, None]]
    if E is not None:
        parts.append((r * E).sum(axis=1)[:, None])
    scores = np.concatenate(parts, axis=1)
    info = score_info(theta, A, Y, X, E)[2]
    out = np.zeros((n, theta.size))
    out[keep] = scores @ np.linalg.pinv(info)
    return out


def _pooled_psi(grid: Grid, model: StartModel):
    """The pooled start model's coefficients (month terms, X, employment) and each release's
    influence on them."""
    risk, started = at_risk_of_starting(grid)
    cols = model.months - 1
    A, Y = risk[:, cols].astype(float), started[:, cols].astype(float)
    keep = A.sum(axis=1) > 0
    E = None if grid.employed is None else grid.employed[keep][:, cols]
    q, p = cols.size, grid.X.shape[1]
    theta = model.coefficients[: q + p + (E is not None)]
    return theta, _psi(theta, A[keep], Y[keep], grid.X[keep], E, keep, grid.n)


def pooled(grid: Grid, model: StartModel, info_day: np.ndarray) -> Nuisance:
    """The pooled start model behind the "never start" weights."""
    theta, psi = _pooled_psi(grid, model)
    q, p = model.months.size, grid.X.shape[1]
    with_e = grid.employed is not None

    def raw_of(t):
        m = dataclasses.replace(model, alpha=t[:q], beta=t[q : q + p],
                                gamma=float(t[q + p]) if with_e else 0.0)  # fmt: skip
        return never_weights(grid, m, info_day)

    return Nuisance(theta, psi, raw_of)


def month(grid: Grid, grace: int, at_risk: np.ndarray, theta: np.ndarray, info_day,
          model: StartModel) -> Nuisance:  # fmt: skip
    """The month-g model behind the "start within g months" weights: theta = [the month's
    intercept, the pooled model's slopes]; the slopes' influence comes from the pooled model,
    the intercept's from its own score, which depends on the slopes too."""
    pooled_psi = _pooled_psi(grid, model)[1]
    q, p = model.months.size, grid.X.shape[1]
    E = None if grid.employed is None else grid.employed[:, grace - 1]
    Z = grid.X if E is None else np.column_stack([grid.X, E])
    psi_slopes = pooled_psi[:, q:]
    a = at_risk.astype(float)
    y = (grid.start_month == grace).astype(float)
    mu = expit(theta[0] + Z @ theta[1:])
    v = a * mu * (1.0 - mu)
    d_slopes = -(Z * v[:, None]).sum(axis=0)  # d(intercept score)/d(slopes)
    psi_alpha = (a * (y - mu) + psi_slopes @ d_slopes) / max(v.sum(), 1e-300)
    psi = np.column_stack([psi_alpha, psi_slopes])

    def raw_of(t):
        eta = t[0] + grid.X @ t[1 : 1 + p] + (t[-1] * E if E is not None else 0.0)
        return within_weights_from(expit(eta), grid, grace, info_day, at_risk)

    return Nuisance(theta, psi, raw_of)


def score_derivative(nu: Nuisance, cap: float, data: np.ndarray, resid: np.ndarray) -> np.ndarray:
    """dU/dtheta (2K, P): U = sum_i w_i * resid_i, resid (n, 2K) = E[events] - h E[at risk]
    per unit weight, w the truncated weights (cap held fixed)."""
    base = np.minimum(nu.raw_of(nu.theta), cap) * data
    out = np.empty((2 * K, nu.theta.size))
    for k in range(nu.theta.size):
        eps = 1e-6 * max(abs(nu.theta[k]), 1.0)
        t = nu.theta.copy()
        t[k] += eps
        dw = (np.minimum(nu.raw_of(t), cap) * data - base) / eps
        out[:, k] = np.concatenate([dw, dw], axis=1).__mul__(resid).sum(axis=0)
    return out
