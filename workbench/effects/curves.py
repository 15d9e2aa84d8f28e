"""Weighted NPMLE of a retention curve from interval-censored, left-truncated relapse data.

Each person i (case weight w_i) is known relapse-free at entry e_i and relapsed in (L_i, R_i]
(e_i <= L_i; R_i = inf: right-censored at L_i; L_i = R_i: exact, read as (R_i - eps, R_i]).
The NPMLE maximises sum_i w_i log{[S(L_i) - S(R_i)] / S(e_i)} (Turnbull 1976, with truncation).

Support: cut the time axis at every L, R and e into regions (t_k, t_k+1]; all points of a region
lie in the same (L_i, R_i] and (e_i, inf) sets. Moving mass one region to the left loses no
(L, R] set unless t_k is some L, and leaves (e, inf) sets only; moving it right loses nothing
unless t_k+1 is some R or e. So every distribution is matched or beaten by one that puts mass
only on regions with t_k in {L} and t_k+1 in {R} and {e} (without truncation: Turnbull's
innermost intervals), located just after t_k (the lower envelope, as `TurnbullFitter`).

Fit: Turnbull's EM with ghost observations for truncation, p_j <- p_j (a_j + D - b_j) / D with
a_j = sum_i w_i [j in (L_i, R_i]] / P_i, b_j = sum_i w_i [j in (e_i, inf)] / Q_i, D = sum_i w_i/Q_i
(P_i, Q_i the masses of the two sets), SQUAREM-accelerated (Varadhan & Roland 2008) with a
monotone safeguard, to get close; then an active-set projected Newton method on the simplex with
the exact Hessian (eigenvalues lifted where the likelihood, not concave under truncation, is
not locally concave; EM steps when Newton cannot ascend). The gradient is g_j = a_j - b_j and
sum_j p_j g_j = 0 (the likelihood is scale-free), so the Kuhn-Tucker conditions are g_j <= 0
for all j with equality where p_j > 0; we stop when max_j g_j / W and sum_j p_j |g_j| / W are
below `tol` (default 1e-9; `violation` in the result). Identical (e, L, R) patterns are fitted
once with summed weights. Without truncation this is the NPMLE of `TurnbullFitter`.

When some late entrants' information is cut off from the rest (Hudgens 2005) the maximum is not
attained; the fit then stops at `max_iter` with a `violation` above `tol`.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import linalg

from workbench.exceptions import DataError, EstimationError


def _clean(entry, lower, upper, weights):
    lo = np.asarray(lower, float).ravel()
    n = lo.size
    up = np.asarray(upper, float).ravel()
    e = np.zeros(n) if entry is None else np.asarray(entry, float).ravel()
    w = np.ones(n) if weights is None else np.asarray(weights, float).ravel()
    if not (up.size == e.size == w.size == n):
        raise DataError("entry, lower, upper and weights need one value per person each.")
    up = np.where(np.isnan(up), np.inf, up)
    if np.any(~np.isfinite(lo) | (up < lo)):
        i = int(np.flatnonzero(~np.isfinite(lo) | (up < lo))[0])
        raise DataError(f"row {i:,}: ({lo[i]:g}, {up[i]:g}] is not an interval with L <= R.")
    if np.any(~np.isfinite(e) | (e > lo)):
        i = int(np.flatnonzero(~np.isfinite(e) | (e > lo))[0])
        raise DataError(
            f"row {i:,}: entry day {e[i]:g} is after the last relapse-free day {lo[i]:g}; "
            "people enter when seen relapse-free."
        )
    if np.any((e == lo) & (lo == up)):
        i = int(np.flatnonzero((e == lo) & (lo == up))[0])
        raise DataError(f"row {i:,}: exact relapse on the entry day {e[i]:g}; enter before it.")
    if np.any(~np.isfinite(w) | (w < 0)):
        raise DataError("weights must be finite and >= 0.")
    lo = np.where(lo == up, np.nextafter(up, -np.inf), lo)  # exact: (R - eps, R]
    keep = w > 0
    if not keep.any():
        raise EstimationError("all weights are 0; nothing to estimate.")
    return e[keep], lo[keep], up[keep], w[keep]


def patterns(entry, lower, upper, weights=None):
    """Unique (e, L, R) patterns with summed weights: (e, L, R, w, index of each person)."""
    e, lo, up, w = _clean(entry, lower, upper, weights)
    ue, ie = np.unique(e, return_inverse=True)
    ul, il = np.unique(lo, return_inverse=True)
    uu, iu = np.unique(up, return_inverse=True)
    key = (ie.astype(np.int64) * ul.size + il) * uu.size + iu
    ukey, inverse = np.unique(key, return_inverse=True)
    inverse = inverse.ravel()
    pe = ue[ukey // (ul.size * uu.size)]
    pl = ul[(ukey // uu.size) % ul.size]
    pr = uu[ukey % uu.size]
    return pe, pl, pr, np.bincount(inverse, w, ukey.size), inverse


def regions(pe, pl, pr):
    """Support regions (left, right] and each pattern's runs: A = [lo, hi], B = [b, m)."""
    bounds = np.unique(np.concatenate([pl, pr, pe]))
    keep = np.isin(bounds[:-1], pl) & np.isin(bounds[1:], np.concatenate([pr, pe]))
    left, right = bounds[:-1][keep], bounds[1:][keep]
    lo = np.searchsorted(left, pl, side="left")
    hi = np.searchsorted(right, pr, side="right") - 1
    b = np.searchsorted(left, pe, side="left")
    return left, right, lo, hi, b


class _Problem:
    """Pattern-level data of one fit: weights and the runs of regions each pattern covers."""

    def __init__(self, w, lo, hi, b, m):
        self.w, self.lo, self.hi, self.b, self.m = w, lo, hi, b, m
        self.W = float(w.sum())

    def masses(self, p):
        c = np.concatenate(([0.0], np.cumsum(p)))
        return c[self.hi + 1] - c[self.lo], c[self.m] - c[self.b]

    def loglik(self, p) -> float:
        P, Q = self.masses(p)
        if np.any(P <= 0):
            return -np.inf
        return float(np.dot(self.w, np.log(P) - np.log(Q)))

    def parts(self, p):
        """(a, b, D) of the EM step and gradient (module doc)."""
        P, Q = self.masses(p)
        r, s = self.w / P, self.w / Q
        m = self.m
        a = np.cumsum(np.bincount(self.lo, r, m + 1) - np.bincount(self.hi + 1, r, m + 1))[:m]
        bsum = np.cumsum(np.bincount(self.b, s, m + 1))[:m]
        return a, bsum, float(s.sum())

    def em(self, p):
        a, bsum, D = self.parts(p)
        q = p * (a + D - bsum) / D
        return q / q.sum()

    def violation(self, p) -> float:
        a, bsum, _ = self.parts(p)
        g = a - bsum
        return max(float(g.max()), float(np.dot(p, np.abs(g)))) / self.W


def squarem(prob: _Problem, p, tol: float, max_iter: int):
    """SQUAREM-accelerated EM until the Kuhn-Tucker violation is below tol: (p, iterations)."""
    ll = prob.loglik(p)
    it = 0
    while it < max_iter:
        if it % 30 == 0 and prob.violation(p) <= tol:
            return p, it
        p1 = prob.em(p)
        p2 = prob.em(p1)
        r, v = p1 - p, p2 - 2 * p1 + p
        vv = float(np.dot(v, v))
        alpha = min(-np.sqrt(float(np.dot(r, r)) / vv), -1.0) if vv > 0 else -1.0
        q = np.clip(p - 2 * alpha * r + alpha * alpha * v, 0.0, None)
        if q.sum() > 0 and np.all(prob.masses(q)[0] > 0):
            q = prob.em(q / q.sum())
        else:  # the extrapolation left a pattern uncovered: take the plain EM steps
            q = p2
        ll_q, ll_2 = prob.loglik(q), prob.loglik(p2)
        p, ll_new = (q, ll_q) if ll_q >= ll_2 else (p2, ll_2)
        it += 3
        if ll_new - ll <= 1e-15 * (abs(ll) + 1.0) and prob.violation(p) <= tol:
            return p, it
        ll = ll_new
    return p, it


def _neg_hessian(prob: _Problem, P, Q, S):
    """Minus the Hessian of the log-likelihood over the regions S (sorted indices)."""
    ms = S.size
    slo = np.searchsorted(S, prob.lo, side="left")
    shi = np.searchsorted(S, prob.hi, side="right") - 1
    ok = slo <= shi
    M = np.bincount(slo[ok] * ms + shi[ok], (prob.w / P**2)[ok], ms * ms).reshape(ms, ms)
    G = np.cumsum(M, axis=0)
    G = np.cumsum(G[:, ::-1], axis=1)[:, ::-1]  # G[j, k] = sum over runs [s, t], s <= j, t >= k
    A = np.triu(G)
    A = A + A.T - np.diag(np.diag(G))
    sb = np.searchsorted(S, prob.b, side="left")
    cb = np.cumsum(np.bincount(sb, prob.w / Q**2, ms + 1))[:ms]
    idx = np.arange(ms)
    return A - cb[np.minimum.outer(idx, idx)]


def _direction(N, g):
    """Newton direction on the simplex: N d = g - nu 1, sum d = 0."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", linalg.LinAlgWarning)
            x = linalg.solve(N, np.column_stack([g, np.ones(g.size)]), assume_a="sym")
    except (linalg.LinAlgError, ValueError):
        return None
    if not np.all(np.isfinite(x)) or x[:, 1].sum() == 0:
        return None
    return x[:, 0] - x[:, 0].sum() / x[:, 1].sum() * x[:, 1]


def _newton_step(prob: _Problem, p, S, g):
    """One projected Newton step on the support S (plus regions with g > 0); None if no ascent."""
    P, Q = prob.masses(p)
    for _ in range(S.size):
        N = _neg_hessian(prob, P, Q, S)
        d = _direction(N, g[S])
        if d is None or float(np.dot(g[S], d)) <= 0:  # not concave here: lift the eigenvalues
            lam, V = np.linalg.eigh(N)
            floor = 1e-8 * max(float(np.abs(lam).max()), 1e-300)
            d = _direction((V * np.maximum(np.abs(lam), floor)) @ V.T, g[S])
            if d is None or float(np.dot(g[S], d)) <= 0:
                return None
        stuck = (p[S] <= 0) & (d < 0)  # candidates the step would push below zero: leave out
        if not stuck.any():
            break
        S = S[~stuck]
    ll0, t = prob.loglik(p), 1.0
    while t > 1e-10:
        q = p.copy()
        q[S] = np.maximum(p[S] + t * d, 0.0)
        q /= q.sum()
        if prob.loglik(q) > ll0:
            return q
        t /= 2
    return None


def newton(prob: _Problem, p, tol: float, max_iter: int):
    """Active-set projected Newton with EM fallback until the Kuhn-Tucker violation <= tol."""
    n_iter = 0
    with single_thread_blas():
        while n_iter < max_iter:
            a, bsum, _ = prob.parts(p)
            g = a - bsum
            if max(float(g.max()), float(np.dot(p, np.abs(g)))) / prob.W <= tol:
                return p, n_iter
            S = np.flatnonzero(p > 0)
            peak = (g > tol * prob.W) & (g >= np.r_[g[1:], -np.inf]) & (g >= np.r_[-np.inf, g[:-1]])
            S = np.union1d(S, np.flatnonzero(peak))
            q = _newton_step(prob, p, S, g)
            if q is None:  # no ascent from the quadratic model: EM steps (always ascend)
                q, k = squarem(prob, p, tol, 30)
                n_iter += k
            p = _trim(prob, q, (1e-12,))
            n_iter += 1
    return p, n_iter


def _trim(prob: _Problem, p, levels=(1e-6, 1e-9, 1e-12)):
    """Drop EM's vanishing masses (keeping every pattern's interval covered)."""
    for rel in levels:
        q = np.where(p > rel * p.max(), p, 0.0)
        if np.all(prob.masses(q)[0] > 0):
            return q / q.sum()
    return p


_CONTROLLER: list = []


def single_thread_blas():
    """Context limiting BLAS to one thread: small dense solves only lose to thread contention
    on a busy machine (the controller scans the loaded libraries once per process)."""
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def _warm(left, right, init: dict) -> np.ndarray:
    """Starting masses from an earlier fit (e.g. the full data for a bootstrap replicate): each
    earlier mass goes to the region holding its left end; 1e-6 spread evenly (so that every
    pattern is covered; Newton adds the regions that need mass)."""
    k = np.searchsorted(left, init["left"], side="right") - 1
    ok = (k >= 0) & (init["left"] < right[np.clip(k, 0, None)])
    p = np.bincount(k[ok], init["mass"][ok], left.size)
    p = (1 - 1e-6) * p / max(p.sum(), 1e-300) + 1e-6 / left.size
    return p / p.sum()


def fit_curve(entry, lower, upper, weights=None, *, tol=1e-9, max_iter=20_000, init=None):
    """Weighted NPMLE (module doc): dict with left, right, mass, loglik, violation, n_iter.
    `init`: an earlier fit's dict to start from (same data resampled: fewer EM steps)."""
    pe, pl, pr, w, _ = patterns(entry, lower, upper, weights)
    left, right, lo, hi, b = regions(pe, pl, pr)
    prob = _Problem(w, lo, hi, b, left.size)
    if init is None:  # EM to get close, Newton to finish
        p, k = squarem(prob, np.full(left.size, 1.0 / left.size), 1e-4, 300)
    else:
        p, k = _warm(left, right, init), 0
    p = _trim(prob, p)
    p, n_iter = newton(prob, p, tol, max_iter)
    n_iter += k
    return {
        "left": left,
        "right": right,
        "mass": p,
        "loglik": prob.loglik(p),
        "violation": prob.violation(p),
        "n_iter": n_iter,
    }


def survival_at(fit: dict, t) -> np.ndarray:
    """S(t) = 1 - mass of regions whose left end is before t (lower envelope); mass on
    (left, inf) never drops (as `TurnbullFitter`: beyond the last finite end S stays put)."""
    cum = np.concatenate(([0.0], np.cumsum(fit["mass"])))
    drop = np.where(np.isinf(fit["right"]), np.inf, fit["left"])
    idx = np.searchsorted(drop, np.asarray(t, float), side="left")
    return np.clip(1.0 - cum[idx], 0.0, 1.0)


def weighted_npmle(entry, lower, upper, weights, grid, *, tol=1e-9) -> np.ndarray:
    """S(t) at `grid` from the weighted, left-truncated NPMLE (see `fit_curve`)."""
    return survival_at(fit_curve(entry, lower, upper, weights, tol=tol), grid)
