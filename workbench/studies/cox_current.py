"""The analysis a target trial replaces, for the study of workbench/studies/target_trial.py: a
Cox model of relapse with support started and CURRENT employment as time-varying covariates.

The model is the grouped-time (discrete-time) proportional-hazards model of Prentice &
Gloeckler (1978) — Cox's model on the monthly grid: complementary log-log link, a free hazard per
month, baseline covariates, and two time-varying covariates per person-month: the support
started before the month (exposure from the month after the start month) and employment at the
month's start as staff know it (`grid.employed`). As in the usual analysis of visit data, a
relapse counts in the month of the visit that saw it and a death or loss ends follow-up at the
last relapse-free month. Fitted by Fisher scoring on the person-months at risk (flat arrays), in block form.

Adjusting for current employment blocks the part of a job-related support's effect that goes
through employment (support -> employment -> relapse), and employment is also a confounder of
later starts: the hazard ratio is neither the total effect nor a contrast of strategies. To put
it beside the strategies' 24-month risk difference, `implied_rd` applies it from the grace month
on to a reference relapse-free curve (the emulation's "never" arm).
"""

from __future__ import annotations

import numpy as np

from workbench.emulation.grid import CENSORED, RELAPSE, Grid, K


def person_months(grid: Grid):
    """(A, Y, Z): at-risk indicator (n, K), relapse (n, K) and time-varying covariates
    [started before the month, employed] each (n, K)."""
    m = np.arange(1, K + 1)[None, :]
    last = np.where(grid.kind == RELAPSE, grid.b, grid.l)
    A = ((m <= last[:, None]) & (m < K)).astype(float)  # months 1..36 (37: after the horizon)
    Y = ((grid.kind == RELAPSE)[:, None] & (m == grid.b[:, None])).astype(float)
    started = (m > grid.start_month[:, None]).astype(float)
    employed = grid.employed if grid.employed is not None else np.zeros(A.shape)
    return A, Y, [started, employed]


def _score_info(theta, rows, col, y, X, Z, q):
    """Log-likelihood, score and Fisher information on the flat person-month arrays (row: the
    release, col: the month term, y: relapse, Z: time-varying covariates)."""
    p = X.shape[1]
    eta = theta[col] + (X @ theta[q : q + p])[rows]
    for k, z in enumerate(Z):
        eta = eta + theta[q + p + k] * z
    ee = np.exp(np.minimum(eta, 3.0))
    mu = np.clip(-np.expm1(-ee), 1e-300, 1.0 - 1e-16)
    loglik = float(np.sum(np.where(y > 0, np.log(mu), -ee)))
    r = (y - mu) * ee / mu
    w = ee * ee * (1.0 - mu) / mu
    n = X.shape[0]
    r_row, w_row = np.bincount(rows, r, n), np.bincount(rows, w, n)
    score = [np.bincount(col, r, q), X.T @ r_row] + [np.array([np.sum(r * z)]) for z in Z]
    wm = np.bincount(rows * q + col, w, n * q).reshape(n, q)
    blocks = [[np.diag(np.bincount(col, w, q)), wm.T @ X], [X.T @ wm, (X * w_row[:, None]).T @ X]]
    wz = [w * z for z in Z]
    for a in wz:
        blocks[0].append(np.bincount(col, a, q)[:, None])
        blocks[1].append((X.T @ np.bincount(rows, a, n))[:, None])
    for a in wz:
        blocks.append([np.bincount(col, a, q)[None, :], (X.T @ np.bincount(rows, a, n))[None, :]]
                      + [np.array([[np.sum(a * z)]]) for z in Z])  # fmt: skip
    return loglik, np.concatenate(score), np.block(blocks)


def fit(grid: Grid, tol: float = 1e-7, max_iter: int = 50) -> np.ndarray:
    """Coefficients [month terms (months with a relapse), X, started, employed]."""
    A, Y, Z = person_months(grid)
    cols = np.flatnonzero((A * Y).sum(axis=0) > 0)
    rows, c = np.nonzero(A[:, cols] > 0)
    col = c
    y = Y[:, cols][rows, col]
    Zf = [z[:, cols][rows, col] for z in Z]
    q = cols.size
    h = np.clip(np.bincount(col, y, q) / np.bincount(col, minlength=q), 1e-6, 0.5)
    theta = np.concatenate([np.log(-np.log1p(-h)), np.zeros(grid.X.shape[1] + len(Z))])
    args = (rows, col, y, grid.X, Zf, q)
    loglik, score, info = _score_info(theta, *args)
    for _ in range(max_iter):
        step = np.linalg.lstsq(info, score, rcond=None)[0]
        for _ in range(30):
            new = theta + step
            out = _score_info(new, *args)
            if out[0] >= loglik - 1e-10 * abs(loglik):
                break
            step = step / 2
        theta, (loglik, score, info) = new, out
        if np.max(np.abs(step)) < tol:
            break
    return theta


def log_hr(grid: Grid) -> float:
    """The log hazard ratio of the support (started) adjusted for current employment."""
    return float(fit(grid)[-2])


def implied_rd(hr: float, relapse_never: np.ndarray, grace: int, month: int) -> float:
    """The relapse risk difference at `month` that a hazard ratio `hr` acting from month
    `grace` on implies for a reference cumulative incidence `relapse_never` (months 0..36;
    death ignored)."""
    s = 1.0 - np.asarray(relapse_never, float)
    s_g, s_m = s[grace], s[month]
    start = 1.0 - s_g * (s_m / s_g) ** hr
    return float(start - (1.0 - s_m))


__all__ = ["CENSORED", "fit", "implied_rd", "log_hr", "person_months"]
