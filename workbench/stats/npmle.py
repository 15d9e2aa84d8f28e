"""The NPMLE of a distribution from interval-censored times, with case weights and, optionally,
left truncation: one engine with two entry points that share the EM step, its SQUAREM
acceleration, the trimming of vanishing masses, the Kuhn-Tucker gradient and the step curve.

Masses p_j live on cells (innermost intervals, `workbench.stats.intervals`); every observation's
set is a contiguous run [lo, hi] of cells, so its mass P_i and the gradient
d_j = sum_i w_i [lo_i <= j <= hi_i] / P_i are cumulative sums.

1. `npmle` (and `npmle_warm`, `fit_pairs`): weights, no truncation. SQUAREM-accelerated EM
   (Varadhan & Roland 2008) to get close, then a support-reduction constrained Newton method
   (Groeneboom, Jongbloed & Wellner 2008) on the cells with positive mass, adding any cell whose
   Kuhn-Tucker gradient exceeds one; converged when d_j <= W for every j and d_j = W where
   p_j > 0 (`kt_violation`, relative; W = sum_i w_i). Used by `retention.turnbull` and, with
   cells ordered so that every set is one run, by `retention.competing_ic`.
2. `fit_truncated`: weights and left truncation (entry e_i <= L_i: the likelihood is
   sum_i w_i log{P_i / Q_i}, Q_i the mass of (e_i, inf); Turnbull 1976). Turnbull's EM with ghost
   observations, SQUAREM-accelerated, then an active-set projected Newton method with the exact
   Hessian, its eigenvalues lifted where the likelihood (not concave under truncation) is not
   locally concave; EM steps when Newton cannot ascend. Used by `effects.landmark` (the curves
   of people relapse-free at a landmark). Without truncation it is the NPMLE of entry point 1.

Size: one engine's shared EM/SQUAREM step, trimming, gradient and step curve serve both entry
points; splitting it would put the shared half in a third module that neither reads alone.

Why two optimisers behind one module: run without truncation, entry point 2 agrees with entry
point 1 to about 1e-11 (survival and log-likelihood on `simulate(seed=11, n=1500)` and
`simulate(seed=3, n=4000)`, same speed), but not bit for bit, and #17 pins every number bit for
bit (the R-reference tests, the report's metrics, the bootstrap CIs). Entry point 1 also works
on runs of cells in any order (the competing-risks NPMLE puts death cells in reverse time so
every set is one run), which entry point 2, whose cells come from the times, cannot express;
and the untruncated likelihood is concave, so support reduction with a Cholesky factorisation
suffices there, while truncation needs the lifted Hessian and the EM fallback. So both stay and
share the pieces above. The module is about 490 lines for that reason: one concept (the NPMLE)
whose helpers both optimisers use; the data and cells are in `workbench.stats.intervals`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import linalg

from workbench.stats.intervals import check_intervals, innermost, patterns, regions
from workbench.stats.threads import single_thread_blas

KT_TOLERANCE = 1e-8  # acceptance threshold for the Kuhn-Tucker conditions (relative)
WARM_EM_STEPS = 60  # accelerated EM steps from a warm start before the Newton stage
TRIM_LEVELS = (1e-6, 1e-9, 1e-12)


# --------------------------------------------------------------------------- shared pieces
def coverage(p: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mass P_i of each run [lo_i, hi_i] of cells."""
    c = np.concatenate(([0.0], np.cumsum(p)))
    return c[hi + 1] - c[lo]


def gradient(P: np.ndarray, w: np.ndarray, lo, hi, m: int) -> np.ndarray:
    """d_j = sum_i w_i [lo_i <= j <= hi_i] / P_i over the m cells."""
    r = w / P
    diff = np.bincount(lo, r, minlength=m + 1) - np.bincount(hi + 1, r, minlength=m + 1)
    return np.cumsum(diff)[:m]


def squarem_step(p, em: Callable, loglik: Callable, covered: Callable):
    """One SQUAREM (SqS3) step with a monotonicity safeguard: (masses, their log-likelihood)."""
    p1 = em(p)
    p2 = em(p1)
    r, v = p1 - p, p2 - 2 * p1 + p
    vv = float(np.dot(v, v))
    alpha = min(-np.sqrt(float(np.dot(r, r)) / vv), -1.0) if vv > 0 else -1.0
    q = np.clip(p - 2 * alpha * r + alpha * alpha * v, 0.0, None)
    if q.sum() > 0 and covered(q):
        q = em(q / q.sum())
    else:  # the extrapolation left a set uncovered: take the plain EM steps
        q = p2
    ll_q, ll_2 = loglik(q), loglik(p2)
    return (q, ll_q) if ll_q >= ll_2 else (p2, ll_2)


def trim(p, lo, hi, levels=TRIM_LEVELS) -> np.ndarray:
    """Drop EM's vanishing masses (keeping every run covered)."""
    for rel in levels:
        q = np.where(p > rel * p.max(), p, 0.0)
        if np.all(coverage(q, lo, hi) > 0):
            return q / q.sum()
    return p


def cumulative_mass(drop_at: np.ndarray, masses: np.ndarray, t) -> np.ndarray:
    """Mass of the cells whose (sorted) drop position is before t."""
    cum = np.concatenate(([0.0], np.cumsum(masses)))
    return cum[np.searchsorted(drop_at, np.asarray(t, float), side="left")]


def step_survival(drop_at: np.ndarray, masses: np.ndarray, t) -> np.ndarray:
    """S(t) = 1 - mass dropped before t (the lower envelope: each cell drops at its position).

    >>> step_survival(np.array([1.0, 3.0]), np.array([0.25, 0.75]), [0, 1, 2, 4])
    array([1.  , 1.  , 0.75, 0.  ])
    """
    return np.clip(1.0 - cumulative_mass(drop_at, masses, t), 0, 1)


def restricted_mean(drop_at: np.ndarray, masses: np.ndarray, tau: float) -> float:
    """Area under the step curve `step_survival` from 0 to tau.

    >>> restricted_mean(np.array([1.0, 3.0]), np.array([0.25, 0.75]), 4.0)
    2.5
    """
    x = np.unique(np.r_[0.0, drop_at[(drop_at > 0) & (drop_at < tau)], tau])
    mid = (x[:-1] + x[1:]) / 2
    return float(np.dot(np.diff(x), step_survival(drop_at, masses, mid)))


# ------------------------------------------------------- entry point 1: no truncation
def loglik(p, w, lo, hi) -> float:
    """sum_i w_i log P_i (-inf when a run has no mass)."""
    P = coverage(p, lo, hi)
    if np.any(P <= 0):
        return -np.inf
    return float(np.dot(w, np.log(P)))


def kt_violation(p, w, lo, hi) -> float:
    """Largest relative breach of the Kuhn-Tucker conditions d_j <= W, = W where p_j > 0."""
    P = coverage(p, lo, hi)
    if np.any(P <= 0):
        return np.inf
    d = gradient(P, w, lo, hi, p.size) / w.sum() - 1.0
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


def em_step(p, w, W, lo, hi):
    """One EM (self-consistency) step: p_j d_j / W."""
    return p * gradient(coverage(p, lo, hi), w, lo, hi, p.size) / W


def _squarem(p, w, lo, hi, max_iter: int, rtol: float = 1e-12) -> tuple[np.ndarray, int]:
    """SQUAREM until the log-likelihood changes by at most rtol (relative)."""
    W = w.sum()
    ll = loglik(p, w, lo, hi)
    it = 0
    while it < max_iter:
        p_new, ll_new = squarem_step(
            p,
            lambda q: em_step(q, w, W, lo, hi),
            lambda q: loglik(q, w, lo, hi),
            lambda q: np.all(coverage(q, lo, hi) > 0),
        )
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
        P = coverage(p, lo, hi)
        grad = gradient(P, w, lo, hi, m)
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
        p = _support_step(p, delta, S, w, lo, hi, grad)
        if p is None:
            return None, it
        S = S[p[S] > 0]
    return p, max_iter


def _support_step(p, delta, S, w, lo, hi, grad):
    neg = delta < 0
    t_max = float(np.min(p[S][neg] / -delta[neg])) if neg.any() else np.inf
    t = min(1.0, t_max)
    ll0, slope = loglik(p, w, lo, hi), float(np.dot(grad[S], delta))
    s = 1.0
    while t_max < s and s > 1e-3:  # projected arc: drops every mass sent below zero at once
        q = p.copy()
        q[S] = np.maximum(p[S] + s * delta, 0.0)
        q /= q.sum()
        if loglik(q, w, lo, hi) >= ll0 + 1e-4 * min(s, t_max) * slope:
            return q
        s /= 2
    while t > 1e-14:
        q = p.copy()
        q[S] = np.maximum(p[S] + t * delta, 0.0)
        if t == t_max:
            q[S[np.argmin(np.where(neg, p[S] / np.where(neg, -delta, 1.0), np.inf))]] = 0.0
        q /= q.sum()
        if loglik(q, w, lo, hi) >= ll0 + 1e-4 * t * slope - 1e-13 * (1 + abs(ll0)):
            return q  # (the last term forgives rounding once the optimum is reached)
        t /= 2
    return None


def npmle(w, lo, hi, m: int, tol=1e-10, max_iter=100_000, p0=None):
    """Masses on the m cells; returns (p, n_iter, kt_violation)."""
    with single_thread_blas():
        return _npmle(w, lo, hi, m, tol, max_iter, p0)


def _npmle(w, lo, hi, m, tol, max_iter, p0):
    p = np.full(m, 1.0 / m) if p0 is None else p0.copy()
    n_iter, budget, rtol = 0, 30, 1e-6
    while True:  # EM to get close, Newton to finish; more EM each round if Newton stalls
        p, k = _squarem(p, w, lo, hi, min(budget, max_iter - n_iter), rtol=rtol)
        q, k_nt = _support_reduction(trim(p, lo, hi), w, lo, hi, tol, max_iter=500)
        n_iter += k + k_nt
        if q is not None and loglik(q, w, lo, hi) >= loglik(p, w, lo, hi) - 1e-9:
            p = q
        kt = kt_violation(p, w, lo, hi)
        if kt <= tol or n_iter >= max_iter:
            return p, n_iter, kt
        budget, rtol = budget * 4, rtol * 1e-3


def npmle_warm(w, lo, hi, m: int, p0, tol=1e-10, max_iter=100_000):
    """`npmle` from starting masses `p0` (e.g. a full-data fit summed over a resample's cells):
    runs left uncovered get 1e-6 on their first cell; `WARM_EM_STEPS` accelerated EM steps, then
    support reduction to `tol`; the cold fit if that does not get there. (p, n_iter, kt)."""
    uncovered = coverage(p0, lo, hi) <= 0
    if uncovered.any():
        p0[np.unique(lo[uncovered])] += 1e-6
    p0 = p0 / p0.sum()
    with single_thread_blas():
        p, k = _squarem(p0, w, lo, hi, WARM_EM_STEPS)  # lifts the tiny masses first
        p, n_iter = _support_reduction(trim(p, lo, hi), w, lo, hi, tol, 500)
        n_iter += k
        kt = np.inf if p is None else kt_violation(p, w, lo, hi)
        if kt > tol:
            p, n_iter, kt = _npmle(w, lo, hi, m, tol, max_iter, None)
    return p, n_iter, kt


def fit_pairs(pl, pr, w, tol, max_iter):
    """NPMLE of aggregated (L, R] pairs: (innermost intervals, masses, n_iter, kt, loglik)."""
    keep = w > 0
    pl, pr, w = pl[keep], pr[keep], w[keep]
    inn = innermost(pl, pr)
    p, n_iter, kt = npmle(w, inn.lo, inn.hi, inn.left.size, tol=tol, max_iter=max_iter)
    return inn, p, n_iter, kt, loglik(p, w, inn.lo, inn.hi)


# --------------------------------------------------- entry point 2: left truncation
class _Truncated:
    """Pattern-level data of one truncated fit: weights, each pattern's run [lo, hi] of regions
    and the first region b of its entry set (e, inf)."""

    def __init__(self, w, lo, hi, b, m):
        self.w, self.lo, self.hi, self.b, self.m = w, lo, hi, b, m
        self.W = float(w.sum())
        self.hi1 = hi + 1  # (made once: masses and parts run thousands of times per fit)
        self._c = np.zeros(m + 1)  # cumulative masses, c[0] = 0 (masses fills the rest)

    def masses(self, p):
        c = self._c  # one buffer per fit; the returned arrays are new (fancy indexing)
        np.cumsum(p, out=c[1:])
        return c[self.hi1] - c[self.lo], c[self.m] - c[self.b]

    def loglik(self, p) -> float:
        return self.loglik_of(*self.masses(p))

    def loglik_of(self, P, Q) -> float:
        """`loglik` from the masses P, Q of `masses`."""
        if np.any(P <= 0):
            return -np.inf
        return float(np.dot(self.w, np.log(P) - np.log(Q)))

    def parts(self, p, PQ=None):
        """(a, b, D) of the EM step and gradient g = a - b: a_j = sum_i w_i [j in run_i] / P_i,
        b_j = sum_i w_i [j in (e_i, inf)] / Q_i, D = sum_i w_i / Q_i. `PQ`: `masses(p)` if made."""
        P, Q = self.masses(p) if PQ is None else PQ
        s = self.w / Q
        r = self.w / P  # `gradient`, with hi + 1 made once
        m1 = self.m + 1
        a = np.cumsum(np.bincount(self.lo, r, m1) - np.bincount(self.hi1, r, m1))[: self.m]
        bsum = np.cumsum(np.bincount(self.b, s, m1))[: self.m]
        return a, bsum, float(s.sum())

    def em(self, p):
        """Turnbull's EM with ghost observations: p_j (a_j + D - b_j) / D."""
        a, bsum, D = self.parts(p)
        q = p * (a + D - bsum) / D
        return q / q.sum()

    def violation(self, p) -> float:
        """max_j g_j / W and sum_j p_j |g_j| / W, the larger."""
        a, bsum, _ = self.parts(p)
        g = a - bsum
        return max(float(g.max()), float(np.dot(p, np.abs(g)))) / self.W


def _truncated_squarem(prob: _Truncated, p, tol: float, max_iter: int):
    """SQUAREM until the Kuhn-Tucker violation is below tol: (p, iterations)."""
    ll = prob.loglik(p)
    it = 0
    while it < max_iter:
        if it % 30 == 0 and prob.violation(p) <= tol:
            return p, it
        covered = lambda q: np.all(prob.masses(q)[0] > 0)  # noqa: E731
        p, ll_new = squarem_step(p, prob.em, prob.loglik, covered)
        it += 3
        if ll_new - ll <= 1e-15 * (abs(ll) + 1.0) and prob.violation(p) <= tol:
            return p, it
        ll = ll_new
    return p, it


def _neg_hessian(prob: _Truncated, P, Q, S):
    """Minus the Hessian of the log-likelihood over the regions S (sorted indices)."""
    ms = S.size
    before = np.searchsorted(S, np.arange(prob.m + 1))  # before[j]: how many of S are below j
    slo, shi = before[prob.lo], before[prob.hi1] - 1  # (S: integers, so "right" of j = j + 1)
    ok = slo <= shi
    M = np.bincount(slo[ok] * ms + shi[ok], (prob.w / P**2)[ok], ms * ms).reshape(ms, ms)
    G = np.cumsum(M, axis=0)
    G = np.cumsum(G[:, ::-1], axis=1)[:, ::-1]  # G[j, k] = sum over runs [s, t], s <= j, t >= k
    cb = np.cumsum(np.bincount(before[prob.b], prob.w / Q**2, ms + 1))[:ms]
    G -= cb[:, None]  # on and above the diagonal: the entry [j, k], k >= j; mirror it below
    idx = np.arange(ms)
    return np.where(idx[:, None] <= idx, G, G.T)


def _direction(N, g):
    """Newton direction on the simplex: N d = g - nu 1, sum d = 0."""
    # numpy's LU solve, not scipy's: scipy warns (LinAlgWarning) on an ill-conditioned N, and
    # silencing that with warnings.catch_warnings is not thread-safe (bootstrap replicates run
    # in Dask worker threads, where the warning escaped); an ill-conditioned N is handled below
    # (non-finite or non-ascent directions fall back to the eigenvalue-lifted system)
    try:
        x = np.linalg.solve(N, np.column_stack([g, np.ones(g.size)]))
    except (np.linalg.LinAlgError, ValueError):
        return None
    if not np.all(np.isfinite(x)) or x[:, 1].sum() == 0:
        return None
    return x[:, 0] - x[:, 0].sum() / x[:, 1].sum() * x[:, 1]


def _projected_step(prob: _Truncated, p, S, g, PQ):
    """One projected Newton step on the support S (plus regions with g > 0); None if no ascent.
    `PQ`: `prob.masses(p)`."""
    P, Q = PQ
    full = _neg_hessian(prob, P, Q, S)  # its entries do not depend on S: a smaller S's
    pos = np.arange(S.size)  # Hessian is this one's rows and columns (positions `pos`)
    for _ in range(S.size):
        N = full[np.ix_(pos, pos)] if pos.size < full.shape[0] else full
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
        S, pos = S[~stuck], pos[~stuck]
    ll0, t = prob.loglik_of(P, Q), 1.0
    while t > 1e-10:
        q = p.copy()
        q[S] = np.maximum(p[S] + t * d, 0.0)
        q /= q.sum()
        if prob.loglik(q) > ll0:
            return q
        t /= 2
    return None


def _active_set_newton(prob: _Truncated, p, tol: float, max_iter: int):
    """Active-set projected Newton with EM fallback until the Kuhn-Tucker violation <= tol."""
    n_iter = 0
    with single_thread_blas():
        while n_iter < max_iter:
            PQ = prob.masses(p)
            a, bsum, _ = prob.parts(p, PQ)
            g = a - bsum
            if max(float(g.max()), float(np.dot(p, np.abs(g)))) / prob.W <= tol:
                return p, n_iter
            peak = (g > tol * prob.W) & (g >= np.r_[g[1:], -np.inf]) & (g >= np.r_[-np.inf, g[:-1]])
            S = np.flatnonzero((p > 0) | peak)  # the support and the peaks, sorted
            q = _projected_step(prob, p, S, g, PQ)
            if q is None:  # no ascent from the quadratic model: EM steps (always ascend)
                q, k = _truncated_squarem(prob, p, tol, 30)
                n_iter += k
            p = trim(q, prob.lo, prob.hi, (1e-12,))
            n_iter += 1
    return p, n_iter


def _warm(left, right, init: dict) -> np.ndarray:
    """Starting masses from an earlier fit (e.g. the full data for a bootstrap replicate): each
    earlier mass goes to the region holding its left end; 1e-6 spread evenly (so that every
    pattern is covered; Newton adds the regions that need mass)."""
    k = np.searchsorted(left, init["left"], side="right") - 1
    ok = (k >= 0) & (init["left"] < right[np.clip(k, 0, None)])
    p = np.bincount(k[ok], init["mass"][ok], left.size)
    p = (1 - 1e-6) * p / max(p.sum(), 1e-300) + 1e-6 / left.size
    return p / p.sum()


def fit_truncated(entry, lower, upper, weights=None, *, tol=1e-9, max_iter=20_000, init=None):
    """Weighted, left-truncated NPMLE (entry point 2): dict with left, right, mass, loglik,
    violation, n_iter. `entry` None: no truncation. `init`: an earlier fit's dict to start from
    (same data resampled: fewer EM steps).

    Support: cut the time axis at every L, R and e into regions (t_k, t_k+1]; every
    distribution is matched or beaten by one with mass only on regions with t_k in {L} and
    t_k+1 in {R} and {e} (without truncation: Turnbull's innermost intervals), located just
    after t_k (the lower envelope). Converged when max_j g_j / W and sum_j p_j |g_j| / W are
    below `tol` (`violation`). When some late entrants' information is cut off from the rest
    (Hudgens 2005) the maximum is not attained: the fit stops at `max_iter`, `violation` > tol.
    """
    pe, pl, pr, w, _ = patterns(entry, lower, upper, weights)
    left, right, lo, hi, b = regions(pe, pl, pr)
    prob = _Truncated(w, lo, hi, b, left.size)
    if init is None:  # EM to get close, Newton to finish
        p, k = _truncated_squarem(prob, np.full(left.size, 1.0 / left.size), 1e-4, 300)
    else:
        p, k = _warm(left, right, init), 0
    p = trim(p, lo, hi)
    p, n_iter = _active_set_newton(prob, p, tol, max_iter)
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
    """S(t) of a `fit_truncated` result: 1 - mass of regions whose left end is before t; mass on
    (left, inf) never drops (beyond the last finite end S stays put)."""
    return step_survival(np.where(np.isinf(fit["right"]), np.inf, fit["left"]), fit["mass"], t)
