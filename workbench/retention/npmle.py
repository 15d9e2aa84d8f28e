"""The Turnbull NPMLE's engine: interval checks, aggregation, innermost intervals, likelihood,
Kuhn-Tucker conditions and the optimiser (SQUAREM-accelerated EM, then support-reduction Newton).

`workbench.retention.turnbull` builds the estimator (`TurnbullFitter`), its bootstrap and its
output on top of these; the algorithm and conventions are described there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg
from threadpoolctl import ThreadpoolController

from workbench.exceptions import DataError, EstimationError, ParameterError


# ----------------------------------------------------------------------------------- data prep
def check_intervals(lower, upper, weights=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate (L, R] arrays; return float L, R (inf for open) and weights."""
    lo = np.asarray(lower, dtype=float).ravel()
    up = np.asarray(upper, dtype=float).ravel()
    if lo.shape != up.shape:
        raise DataError(
            f"lower has {lo.size} values but upper has {up.size}; pass one (L, R] pair per release."
        )
    if lo.size == 0:
        raise EstimationError("no releases to estimate from; pass at least one (L, R] pair.")
    up = np.where(np.isnan(up), np.inf, up)
    bad = np.flatnonzero(~np.isfinite(lo))
    if bad.size:
        raise DataError(
            f"row {bad[0]:,}: lower {lo[bad[0]]} is not a finite day (expected the last "
            "relapse-free day, 0 when none); fix the row or drop it.",
            row=int(bad[0]),
            column="lower",
            value=lo[bad[0]],
        )
    bad = np.flatnonzero((up < lo) | (lo < 0))
    if bad.size:
        i = bad[0]
        raise DataError(
            f"row {i:,}: interval ({lo[i]}, {up[i]}] is not a valid (L, R] with 0 <= L <= R; "
            "fix the row or drop it.",
            row=int(i),
            column="upper",
            value=up[i],
        )
    if weights is None:
        w = np.ones_like(lo)
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != lo.shape or not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ParameterError(
                f"weights must be {lo.size} finite values >= 0 (one per release); got "
                f"{w.size} values with min {np.nanmin(w) if w.size else 'n/a'}."
            )
        if w.sum() <= 0:
            raise ParameterError("weights sum to 0; at least one release needs a positive weight.")
    return lo, up, w


def aggregate(lo: np.ndarray, up: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unique (L, R] pairs: return pair L, pair R and each release's pair index."""
    ul, il = np.unique(lo, return_inverse=True)
    ur, ir = np.unique(up, return_inverse=True)
    code = il.astype(np.int64) * ur.size + ir
    ucode, pair = np.unique(code, return_inverse=True)
    return ul[ucode // ur.size], ur[ucode % ur.size], pair.ravel()


@dataclass(frozen=True)
class Innermost:
    """Innermost intervals (left, right] and each pair's run [lo, hi] of them."""

    left: np.ndarray
    right: np.ndarray
    point: np.ndarray  # True where the innermost interval is an exact point {right}
    lo: np.ndarray
    hi: np.ndarray

    @property
    def drop_at(self) -> np.ndarray:
        """Sorted positions d_j with S(t) = 1 - sum_{d_j < t} p_j (our convention).

        Mass beyond the last finite end, on (left, inf), never drops: S stays at S(left).
        """
        d = np.where(self.point, np.nextafter(self.right, -np.inf), self.left)
        return np.where(np.isinf(self.right), np.inf, d)


def innermost(pl: np.ndarray, pr: np.ndarray) -> Innermost:
    """Innermost intervals of (L, R] pairs (exact pairs L == R are the point {R})."""
    exact = pl == pr
    # Order of ends at equal value: exact left (closed) < right end (closed) < open left end.
    vals = np.concatenate([pl, pr])
    kind = np.concatenate([np.where(exact, -1, 1), np.zeros(pr.size, dtype=int)])
    order = np.lexsort((kind, vals))
    sv, sk = vals[order], kind[order]
    new = np.r_[True, (sv[1:] != sv[:-1]) | (sk[1:] != sk[:-1])]
    rank_sorted = np.cumsum(new) - 1
    rank = np.empty_like(rank_sorted)
    rank[order] = rank_sorted
    uv, uk = sv[new], sk[new]
    is_left = uk != 0
    k = np.flatnonzero(is_left[:-1] & ~is_left[1:])
    lo = np.searchsorted(k, rank[: pl.size], side="left")
    hi = np.searchsorted(k + 1, rank[pl.size :], side="right") - 1
    return Innermost(uv[k], uv[k + 1], uk[k] == -1, lo, hi)


# ------------------------------------------------------------------------------- likelihood
def _coverage(p: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    c = np.concatenate(([0.0], np.cumsum(p)))
    return c[hi + 1] - c[lo]


def _gradient(P: np.ndarray, w: np.ndarray, lo, hi, m: int) -> np.ndarray:
    r = w / P
    diff = np.bincount(lo, r, minlength=m + 1) - np.bincount(hi + 1, r, minlength=m + 1)
    return np.cumsum(diff)[:m]


def _loglik(p, w, lo, hi) -> float:
    P = _coverage(p, lo, hi)
    if np.any(P <= 0):
        return -np.inf
    return float(np.dot(w, np.log(P)))


def kt_violation(p, w, lo, hi) -> float:
    """Largest relative breach of the Kuhn-Tucker conditions d_j <= W, = W where p_j > 0."""
    P = _coverage(p, lo, hi)
    if np.any(P <= 0):
        return np.inf
    d = _gradient(P, w, lo, hi, p.size) / w.sum() - 1.0
    worst = max(float(d.max()), 0.0)
    if np.any(p > 0):
        worst = max(worst, float(np.abs(d[p > 0]).max()))
    return worst


def interval_loglik(lower, upper, points, masses, weights=None) -> float:
    """Log-likelihood of (L, R] data under point masses (exact L == R: point at R)."""
    lo, up, w = check_intervals(lower, upper, weights)
    pts = np.asarray(points, dtype=float)
    order = np.argsort(pts, kind="stable")
    pts, c = pts[order], np.concatenate(([0.0], np.cumsum(np.asarray(masses, float)[order])))
    exact = lo == up
    start = np.where(
        exact,
        np.searchsorted(pts, up, side="left"),
        np.searchsorted(pts, lo, side="right"),
    )
    stop = np.searchsorted(pts, up, side="right")
    P = c[stop] - c[start]
    with np.errstate(divide="ignore"):
        return float(np.dot(w, np.log(P)))


# --------------------------------------------------------------------------------- optimiser
def _em(p, w, W, lo, hi):
    return p * _gradient(_coverage(p, lo, hi), w, lo, hi, p.size) / W


def _squarem(p, w, lo, hi, max_iter: int, rtol: float = 1e-12) -> tuple[np.ndarray, int]:
    """SQUAREM (SqS3) accelerated EM with a monotonicity safeguard."""
    W = w.sum()
    ll = _loglik(p, w, lo, hi)
    it = 0
    while it < max_iter:
        p1 = _em(p, w, W, lo, hi)
        p2 = _em(p1, w, W, lo, hi)
        r, v = p1 - p, p2 - 2 * p1 + p
        vv = float(np.dot(v, v))
        alpha = -np.sqrt(float(np.dot(r, r)) / vv) if vv > 0 else -1.0
        alpha = min(alpha, -1.0)
        q = np.clip(p - 2 * alpha * r + alpha * alpha * v, 0.0, None)
        if q.sum() > 0 and np.all(_coverage(q, lo, hi) > 0):
            q = _em(q / q.sum(), w, W, lo, hi)
        else:  # the extrapolation left a pair uncovered: take the plain EM steps
            q = p2
        ll_q, ll_2 = _loglik(q, w, lo, hi), _loglik(p2, w, lo, hi)
        p_new, ll_new = (q, ll_q) if ll_q >= ll_2 else (p2, ll_2)
        it += 3
        done = abs(ll_new - ll) <= rtol * (abs(ll) + 1.0)
        p, ll = p_new, ll_new
        if done:
            break
    return p, it


def _hessian(p_s, w, slo, shi) -> np.ndarray:
    """Negative Hessian of the log-likelihood over the support (contiguous runs); only the
    upper triangle is filled (what the Cholesky factorisation reads)."""
    ms = p_s.size
    c = np.concatenate(([0.0], np.cumsum(p_s)))
    P = c[shi + 1] - c[slo]
    # M[s, ms - 1 - t] = sum of w / P^2 over pairs covering the support points s..t
    M = np.bincount(slo * ms + (ms - 1 - shi), w / P**2, minlength=ms * ms).reshape(ms, ms)
    np.cumsum(M, axis=0, out=M)
    np.cumsum(M, axis=1, out=M)
    return np.ascontiguousarray(M[:, ::-1])  # [a, b] = sum over s <= a, t >= b


def _newton_direction(p, grad, w, lo, hi, S) -> np.ndarray:
    slo = np.searchsorted(S, lo, side="left")
    shi = np.searchsorted(S, hi, side="right") - 1
    H = _hessian(p[S], w, slo, shi)
    H[np.diag_indices_from(H)] += 1e-13 * np.trace(H) / len(S)
    rhs = np.column_stack([grad[S], np.ones(len(S))])
    try:
        factor = linalg.cho_factor(H, lower=False, check_finite=False)
        x = linalg.cho_solve(factor, rhs, check_finite=False)
    except linalg.LinAlgError:
        H = np.triu(H) + np.triu(H, 1).T
        x = linalg.lstsq(H, rhs, check_finite=False)[0]
    nu = x[:, 0].sum() / x[:, 1].sum()
    return x[:, 0] - nu * x[:, 1]


def _support_reduction(p, w, lo, hi, tol: float, max_iter: int) -> tuple[np.ndarray, int]:
    """Constrained Newton with support reduction until the Kuhn-Tucker conditions hold."""
    W, m = w.sum(), p.size
    S = np.flatnonzero(p > 0)
    for it in range(1, max_iter + 1):
        P = _coverage(p, lo, hi)
        grad = _gradient(P, w, lo, hi, m)
        d = grad / W - 1.0
        if kt_violation(p, w, lo, hi) <= tol:
            return p, it
        out = np.zeros(m, bool)
        out[S] = True
        add = ~out & (d > tol) & (d >= np.r_[d[1:], -np.inf]) & (d >= np.r_[-np.inf, d[:-1]])
        S = np.union1d(S, np.flatnonzero(add))
        for _ in range(m):
            delta = _newton_direction(p, grad, w, lo, hi, S)
            stuck = (p[S] <= 0) & (delta < 0)
            if not stuck.any():
                break
            S = S[~stuck]
        p = _newton_step(p, delta, S, w, lo, hi, grad)
        if p is None:
            return None, it
        S = S[p[S] > 0]
    return p, max_iter


def _newton_step(p, delta, S, w, lo, hi, grad):
    neg = delta < 0
    t_max = float(np.min(p[S][neg] / -delta[neg])) if neg.any() else np.inf
    t = min(1.0, t_max)
    ll0, slope = _loglik(p, w, lo, hi), float(np.dot(grad[S], delta))
    s = 1.0
    while t_max < s and s > 1e-3:  # projected arc: drops every mass sent below zero at once
        q = p.copy()
        q[S] = np.maximum(p[S] + s * delta, 0.0)
        q /= q.sum()
        if _loglik(q, w, lo, hi) >= ll0 + 1e-4 * min(s, t_max) * slope:
            return q
        s /= 2
    while t > 1e-14:
        q = p.copy()
        q[S] = np.maximum(p[S] + t * delta, 0.0)
        if t == t_max:
            q[S[np.argmin(np.where(neg, p[S] / np.where(neg, -delta, 1.0), np.inf))]] = 0.0
        q /= q.sum()
        if _loglik(q, w, lo, hi) >= ll0 + 1e-4 * t * slope - 1e-13 * (1 + abs(ll0)):
            return q  # (the last term forgives rounding once the optimum is reached)
        t /= 2
    return None


def npmle(w, lo, hi, m: int, tol=1e-10, max_iter=100_000, p0=None):
    """Masses on the m innermost intervals; returns (p, n_iter, kt_violation)."""
    with _single_thread():  # small dense solves: BLAS threads only add contention
        return _npmle(w, lo, hi, m, tol, max_iter, p0)


_CONTROLLER: list = []


def _single_thread():
    if not _CONTROLLER:  # scanning the loaded libraries is slow: do it once per process
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def _npmle(w, lo, hi, m, tol, max_iter, p0):
    p = np.full(m, 1.0 / m) if p0 is None else p0.copy()
    n_iter, budget, rtol = 0, 30, 1e-6
    while True:  # EM to get close, Newton to finish; more EM each round if Newton stalls
        p, k = _squarem(p, w, lo, hi, min(budget, max_iter - n_iter), rtol=rtol)
        q, k_nt = _support_reduction(_trim(p, lo, hi), w, lo, hi, tol, max_iter=500)
        n_iter += k + k_nt
        if q is not None and _loglik(q, w, lo, hi) >= _loglik(p, w, lo, hi) - 1e-9:
            p = q
        kt = kt_violation(p, w, lo, hi)
        if kt <= tol or n_iter >= max_iter:
            return p, n_iter, kt
        budget, rtol = budget * 4, rtol * 1e-3


def _trim(p, lo, hi) -> np.ndarray:
    """Drop EM's vanishing masses (keeping every pair covered) before the Newton stage."""
    for rel in (1e-6, 1e-9, 1e-12):
        q = np.where(p > rel * p.max(), p, 0.0)
        if np.all(_coverage(q, lo, hi) > 0):
            return q / q.sum()
    return p


def _fit_pairs(pl, pr, w, tol, max_iter):
    """NPMLE on aggregated pairs: (innermost intervals, masses, n_iter, kt)."""
    keep = w > 0
    pl, pr, w = pl[keep], pr[keep], w[keep]
    inn = innermost(pl, pr)
    p, n_iter, kt = npmle(w, inn.lo, inn.hi, inn.left.size, tol=tol, max_iter=max_iter)
    return inn, p, n_iter, kt, _loglik(p, w, inn.lo, inn.hi)
