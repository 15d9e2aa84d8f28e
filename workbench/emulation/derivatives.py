"""Exact derivatives dU/dtheta of a strategy's weighted estimating equations with respect to
the coefficients of the start model its weights come from (nuisance.py; the sandwich variance,
variance.py). U = sum_i w_i(theta) * resid_i, resid (n, 2K) the clones' expected events minus
h times their expected months at risk per unit weight, w the weights capped at `cap` (held
fixed): where a weight is below the cap its derivative counts, where it is at the cap only a
decrease does (what forward differences give), above it nothing.

"never start": w_im = K0(m) / K_i(info_im), log K_i = sum_{c<f} log(1 - pe_ic)
+ log(1 - frac_im pe_if) with pe the start probability (times the share of the month before a
relapse became known) and f, frac the months completed by the info day (weights.never_pieces).
With dpe = pe (1 - p) = dpe/deta: dw_im/deta_ic = w_im g_ic for c < f_im (g = dpe / (1 - pe))
and w_im h_im for c = f_im (h = frac dpe / (1 - frac pe)); eta_ic = alpha_c + X_i beta +
gamma E_ic. The month terms' sums over (release, month, month term) go through a sparse
(month x f, release) matrix: O(n K^2) flops, one pass.

"start within g": after month g a clone at risk of deviating that started in month g weighs
1 / p_i, so dw/deta_i = -(1 - p_i) / p_i there (eta_i = intercept + X_i beta + gamma E_ig).

Before, dU/dtheta came by forward differences (one full pass of the weights per coefficient:
55 passes for "never", 80 % of the sandwich's time); the exact derivative differs from them by
their truncation error (relative ~1e-6), see bench/README.md.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.special import expit

from workbench.emulation.grid import Grid, K
from workbench.emulation.weights import (
    BLOCK,
    StartModel,
    follow_stop,
    grace_end,
    never_pieces,
    within_weights_early,
)


def _blocks(n: int):
    return (slice(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK))


def never(grid: Grid, model: StartModel, info_day, cap, data, resid) -> np.ndarray:
    """dU/dtheta (2K, P) of the "never start" strategy, theta = [month terms, X, employment];
    `data`, `resid` (n, K) and (n, 2K): arrays or influence.Rows, read a block at a time."""
    cols = model.months - 1
    q, p = cols.size, grid.X.shape[1]
    with_e = grid.employed is not None
    out = np.zeros((2 * K, q + p + int(with_e)))
    stop = follow_stop(grid)
    k0 = np.cumprod(1.0 - model.hazard0)
    for rows in _blocks(grid.n):
        pc = never_pieces(grid, model, info_day[rows], rows, stop[rows])
        w = k0[None, :] / np.maximum(pc["k"], 1e-300)
        f, frac, pe = pc["f"], pc["frac"], pc["pe"]
        dpe = pe * (1.0 - pc["p"])
        g = dpe / np.maximum(1.0 - pe, 1e-300)
        ii = np.arange(f.shape[0])[:, None]
        fc = np.minimum(f, K - 1)
        h = np.where(f < K, frac * dpe[ii, fc] / np.maximum(1.0 - frac * pe[ii, fc], 1e-300), 0.0)
        lin = np.take_along_axis(np.concatenate([np.zeros((f.shape[0], 1)), np.cumsum(g, axis=1)],
                                                axis=1), f, axis=1) + h  # fmt: skip
        E = None if not with_e else grid.employed[rows]
        lin_e = None
        if with_e:
            ge = np.concatenate([np.zeros((f.shape[0], 1)), np.cumsum(g * E, axis=1)], axis=1)
            lin_e = np.take_along_axis(ge, f, axis=1) + h * E[ii, fc]
        d, rb = data[rows], resid[rows]
        below, at_cap = d & (w < cap), d & (w == cap)
        X = grid.X[rows]
        for half in (0, 1):
            R = rb[:, half * K : (half + 1) * K]
            v = np.where(below, w * R, 0.0)
            part = slice(half * K, (half + 1) * K)
            out[part, :q] += _month_terms(v, g, h, f)[:, cols]
            out[part, q : q + p] += (v * lin).T @ X
            if with_e:
                out[part, q + p] += (v * lin_e).sum(axis=0)
        for i, m in zip(*np.nonzero(at_cap), strict=True):
            grad = np.zeros(out.shape[1])
            gi = np.where(np.arange(K) < f[i, m], g[i], 0.0)
            if f[i, m] < K:
                gi[f[i, m]] += h[i, m]
            grad[:q] = w[i, m] * gi[cols]
            grad[q : q + p] = w[i, m] * lin[i, m] * X[i]
            if with_e:
                grad[q + p] = w[i, m] * lin_e[i, m]
            grad = np.minimum(grad, 0.0)
            out[m] += grad * rb[i, m]
            out[K + m] += grad * rb[i, K + m]
    return out


def _month_terms(v: np.ndarray, g: np.ndarray, h: np.ndarray, f: np.ndarray) -> np.ndarray:
    """(K, K): [m, c] = sum_i v_im (g_ic [c < f_im] + h_im [c = f_im])."""
    b = v.shape[0]
    m = np.broadcast_to(np.arange(K)[None, :], v.shape)
    key = (m * (K + 1) + f).ravel()
    i = np.broadcast_to(np.arange(b)[:, None], v.shape).ravel()
    s = sparse.csr_matrix((v.ravel(), (key, i)), shape=(K * (K + 1), b))
    t = np.asarray(s @ g).reshape(K, K + 1, K)  # [m, F, c] = sum_{i: f_im = F} v_im g_ic
    above = np.cumsum(t[:, ::-1, :], axis=1)[:, ::-1, :]  # sum over F' >= F
    c = np.arange(K)
    out = above[:, c + 1, c]  # F > c
    at = f < K
    out += np.bincount((m[at] * K + f[at]), weights=(v * h)[at], minlength=K * K).reshape(K, K)
    return out


def within(grid: Grid, grace: int, at_risk, theta, info_day, cap, data, resid) -> np.ndarray:
    """dU/dtheta (2K, P) of the "start within `grace` months" strategy, theta = [month g's
    intercept, X, employment in month g]. Only the clones at risk of deviating that started
    in month g have weights depending on theta: of each block of releases only their rows are
    read (`data`, `resid`: arrays or influence.Rows taking an index array). Their weights are
    computed as on the whole block (X @ theta of the block: the same rounding, so the same
    clone-months are found at the cap)."""
    p = grid.X.shape[1]
    E = None if grid.employed is None else grid.employed[:, grace - 1]
    out = np.zeros((2 * K, theta.size))
    day = grace_end(grace)
    came = info_day.by(day) if hasattr(info_day, "by") else None  # grid.InfoDays
    chosen = at_risk & (grid.start_month == grace)
    for block in _blocks(grid.n):
        sel = np.flatnonzero(chosen[block])
        if not sel.size:
            continue
        rows = block.start + sel
        X = grid.X[block]
        e = None if E is None else E[block]
        eta = theta[0] + X @ theta[1 : 1 + p] + (theta[-1] * e if e is not None else 0.0)
        p_i = expit(eta[sel])
        coef = -(1.0 - p_i) / np.maximum(p_i, 1e-300)
        Z = np.column_stack([np.ones(sel.size), X[sel]] + ([e[sel]] if e is not None else []))
        cz = coef[:, None] * Z
        early = came[rows] if came is not None else np.asarray(info_day[rows]) <= day
        w = within_weights_early(p_i, grid.start_month[rows], grace, early, at_risk[rows])
        d, rb = data[rows] & ~early, resid[rows]
        below, at_cap = d & (w < cap), d & (w == cap)
        for half in (0, 1):
            R = rb[:, half * K : (half + 1) * K]
            out[half * K : (half + 1) * K] += np.where(below, R, 0.0).T @ cz
        for i, m in zip(*np.nonzero(at_cap), strict=True):
            grad = np.minimum(cz[i], 0.0)
            out[m] += grad * rb[i, m]
            out[K + m] += grad * rb[i, K + m]
    return out
