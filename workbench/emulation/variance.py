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
"""

from __future__ import annotations

import numpy as np

from workbench.emulation.grid import CENSORED, DEATH, K
from workbench.emulation.outcome import curves, group, score_jacobian

Z = 1.959963984540054


def _groups(kind, l, b):  # noqa: E741
    key = (kind.astype(np.int64) * (K + 2) + l) * (K + 2) + b
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq // (K + 2) ** 2, (uniq // (K + 2)) % (K + 2), uniq % (K + 2), inv


def posteriors(gk, gl, gb, h):
    """Per group (G, K): expected relapses, deaths and months at risk per unit weight."""
    hr, hd = h[:K], h[K:]
    s_prev = np.concatenate([[1.0], np.cumprod(1.0 - hr - hd)[:-1]])
    sd_prev = np.concatenate([[1.0], np.cumprod(1.0 - hd)[:-1]])
    m = np.arange(1, K + 1)[None, :]
    interval = (gk != CENSORED) & (gb > gl)
    mask = interval[:, None] & (m > gl[:, None]) & (m <= gb[:, None])
    fr = mask * (s_prev * hr)[None, :]
    dead = gk == DEATH
    di = dead & interval
    fr[di] *= sd_prev[gb[di] - 1][:, None] / np.maximum(sd_prev[None, :], 1e-300)
    at_b = m == gb[:, None]
    fd = (di[:, None] & at_b) * s_prev[None, :]
    total = fr.sum(axis=1) + fd.sum(axis=1)
    scale = np.where(interval & (total > 0), 1.0 / np.where(total > 0, total, 1.0), 0.0)
    er, ed = fr * scale[:, None], fd * scale[:, None]
    ed = ed + ((dead & ~interval)[:, None] & at_b)  # a death surely before any relapse
    inside = np.cumsum((er + ed)[:, ::-1], axis=1)[:, ::-1] * mask
    risk = (m <= gl[:, None]) + inside
    return er, ed, risk


def residuals(kind, l, b, h):  # noqa: E741
    """(n, 2K) E[events] - h E[at risk] per unit weight of each clone (relapse, death)."""
    gk, gl, gb, inv = _groups(kind, l, b)
    er, ed, risk = posteriors(gk, gl, gb, h)
    return np.concatenate([er[inv] - h[:K] * risk[inv], ed[inv] - h[K:] * risk[inv]], axis=1)


def scores(kind, l, b, w, h):  # noqa: E741
    """(n, 2K) estimating-equation contributions u_i(h) of one strategy's clones."""
    return np.concatenate([w, w], axis=1) * residuals(kind, l, b, h)


def _summaries(h) -> np.ndarray:
    c = curves(h)
    return np.concatenate([c["relapse"], [c["death"][-1], c["rmst_days"]]])


def arm_influence(kind, l, b, w, h, nuisance=None, cap=np.inf) -> np.ndarray:  # noqa: E741
    """(n, 39) influence of each clone on [relapse risk at months 0..36, death risk at 36,
    RMST] of one strategy; with `nuisance` (nuisance.Nuisance) the start model's estimation
    is accounted for, else the weights are taken as known."""
    free = np.flatnonzero(h > 0)
    jac = score_jacobian(group(kind, l, b, w), h, free)
    theta = _summaries(h)
    grad = np.empty((theta.size, free.size))
    for j, k in enumerate(free):
        eps = 1e-7 * max(h[k], 1e-4)
        hp = h.copy()
        hp[k] += eps
        grad[:, j] = (_summaries(hp) - theta) / eps
    a = -jac[free]  # (free, free)
    try:
        coef = np.linalg.solve(a.T, grad.T).T  # grad @ inv(a)
    except np.linalg.LinAlgError:
        coef = grad @ np.linalg.pinv(a)
    resid = residuals(kind, l, b, h)
    u = (np.concatenate([w, w], axis=1) * resid)[:, free]
    if nuisance is not None:
        from workbench.emulation.nuisance import score_derivative

        d = score_derivative(nuisance, cap, w > 0, resid)[free]  # (free, P)
        u = u + nuisance.psi @ d.T
    return u @ coef.T


def sandwich_se(point, horizons, estimated_weights: bool = True) -> dict:
    """Standard errors from the influence functions of both strategies: of each strategy's
    relapse risk at months 0..36, of the RD, log RR at `horizons` and the RMST difference."""
    inf = {}
    for name, arm in (("start", point.start), ("never", point.never)):
        c = arm.clones
        nu = arm.nuisance() if (estimated_weights and arm.nuisance is not None) else None
        w = arm.weights.weights * _data(c)
        inf[name] = arm_influence(c.kind, c.l, c.b, w, arm.hazards, nu, arm.weights.cap)
    s, nv = inf["start"], inf["never"]
    h = list(horizons)
    rs = curves(point.start.hazards)["relapse"][h]
    rn = curves(point.never.hazards)["relapse"][h]
    se = lambda x: np.sqrt(np.sum(x**2, axis=0))  # noqa: E731
    return {
        "relapse_start": se(s[:, :37]),
        "relapse_never": se(nv[:, :37]),
        "rd": se(s[:, h] - nv[:, h]),
        "log_rr": se(s[:, h] / rs - nv[:, h] / rn),
        "rmst": float(se(s[:, -1] - nv[:, -1])),
    }


def _data(c):
    from workbench.emulation.weights import carries_data

    return carries_data(c.kind, c.l, c.b)
