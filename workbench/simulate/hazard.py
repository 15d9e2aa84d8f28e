"""Exact, vectorised relapse times under a piecewise-constant hazard with switching exposures.

Person i has hazard  lambda0(t) * exp(lp_i + sum_j gamma_j * 1{t >= s_ij})  where lambda0 is
piecewise constant on common breaks and s_ij are the person's exposure start days (NaN = never);
gamma_j is common to all rows, or one per cell (gammas of the shape of starts: a change of a
time-varying covariate at a contact, e.g. employment, with a person-specific step).
Between consecutive change points (common breaks and the person's starts, sorted) the hazard is
constant, so the cumulative hazard is piecewise linear and T = Lambda_i^{-1}(E), E ~ Exp(1), is
found exactly by locating E among the cumulative hazards at the change points.
"""

from __future__ import annotations

import numpy as np

_FAR = 1e15  # stands in for "never" among the change points: beyond any follow-up
_CHUNK = 200_000  # rows per block, to bound memory at millions of releases


def _segments(lp, breaks, rates, starts, gammas):
    """Per-row change points, hazard on each segment and cumulative hazard at segment starts."""
    n = lp.shape[0]
    k = breaks.shape[0]
    s = np.where(np.isnan(starts), _FAR, starts)
    inc = np.where(np.isnan(starts), 0.0, gammas if gammas.ndim == 2 else gammas[None, :])
    pts = np.concatenate([np.broadcast_to(breaks, (n, k)), s], axis=1)
    incs = np.concatenate([np.zeros((n, k)), inc], axis=1)
    order = np.argsort(pts, axis=1, kind="stable")
    pts = np.take_along_axis(pts, order, axis=1)
    log_gain = np.cumsum(np.take_along_axis(incs, order, axis=1), axis=1)
    base = rates[np.searchsorted(breaks, pts, side="right") - 1]
    rate = base * np.exp(lp[:, None] + log_gain)
    width = np.diff(pts, axis=1, append=np.inf)
    with np.errstate(invalid="ignore"):
        area = rate * width
    area[:, -1] = np.inf
    h_start = np.concatenate([np.zeros((n, 1)), np.cumsum(area[:, :-1], axis=1)], axis=1)
    return pts, rate, h_start


def _check(lp, breaks, rates, starts, gammas):
    lp = np.asarray(lp, dtype=float)
    breaks = np.asarray(breaks, dtype=float)
    rates = np.asarray(rates, dtype=float)
    starts = np.asarray(starts, dtype=float).reshape(lp.shape[0], -1)
    gammas = np.asarray(gammas, dtype=float)
    gammas = gammas if gammas.ndim == 2 else gammas.reshape(-1)
    if breaks[0] != 0 or np.any(np.diff(breaks) <= 0) or np.any(rates <= 0):
        raise ValueError("breaks must start at 0 and increase; rates must be > 0")
    if gammas.shape[-1] != starts.shape[1] or (gammas.ndim == 2 and gammas.shape != starts.shape):
        raise ValueError("one gamma per column of starts (or one per cell) is needed")
    return lp, breaks, rates, starts, gammas


def _rows(gammas: np.ndarray, a: int, b: int) -> np.ndarray:
    return gammas[a:b] if gammas.ndim == 2 else gammas


def invert_cumulative_hazard(e, lp, breaks, rates, starts, gammas) -> np.ndarray:
    """Times T_i with Lambda_i(T_i) = e_i (all arrays row-aligned; starts has one column per gamma)."""
    lp, breaks, rates, starts, gammas = _check(lp, breaks, rates, starts, gammas)
    e = np.asarray(e, dtype=float)
    out = np.empty(lp.shape[0])
    for a in range(0, lp.shape[0], _CHUNK):
        b = min(a + _CHUNK, lp.shape[0])
        pts, rate, h_start = _segments(lp[a:b], breaks, rates, starts[a:b], _rows(gammas, a, b))
        seg = np.sum(h_start <= e[a:b, None], axis=1) - 1
        rows = np.arange(b - a)
        out[a:b] = pts[rows, seg] + (e[a:b] - h_start[rows, seg]) / rate[rows, seg]
    return out


def cumulative_hazard(times, lp, breaks, rates, starts, gammas) -> np.ndarray:
    """Lambda_i(t) for every row i and every t in `times`: array of shape (n, len(times))."""
    lp, breaks, rates, starts, gammas = _check(lp, breaks, rates, starts, gammas)
    times = np.asarray(times, dtype=float).reshape(-1)
    out = np.empty((lp.shape[0], times.shape[0]))
    for a in range(0, lp.shape[0], _CHUNK):
        b = min(a + _CHUNK, lp.shape[0])
        pts, rate, h_start = _segments(lp[a:b], breaks, rates, starts[a:b], _rows(gammas, a, b))
        rows = np.arange(b - a)
        for c, t in enumerate(times):
            seg = np.sum(pts <= t, axis=1) - 1
            out[a:b, c] = h_start[rows, seg] + rate[rows, seg] * (t - pts[rows, seg])
    return out
