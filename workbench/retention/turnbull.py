"""Turnbull's NPMLE of the retention curve from interval-censored (L, R] relapse data.

Semantics: the relapse lies in (L, R]; R = NaN or inf means right-censored at L; L == R is an
exact relapse at R, treated as (R - eps, R]. Identical (L, R] pairs are aggregated (weights
summed), the innermost intervals (Peto/Turnbull) are found by sorting the interval ends, and each
pair covers a contiguous run of innermost intervals, so one EM step is two cumulative sums.

Algorithm: SQUAREM-accelerated EM (Varadhan & Roland 2008) to get close, then a support-reduction
constrained Newton method (Groeneboom, Jongbloed & Wellner 2008) on the innermost intervals with
positive mass, adding any interval whose Kuhn-Tucker gradient exceeds one. Convergence is declared
only when the Kuhn-Tucker conditions hold: with d_j = sum_i w_i a_ij / P_i and W = sum_i w_i,
d_j <= W for every j and d_j = W where p_j > 0 (`kt_violation_` is the largest relative breach).

Convention inside innermost intervals, where S(t) is not identified: we report the value at the
interval's right end (the curve drops just after the left end: the lower envelope of all NPMLEs).
Outside innermost intervals S(t) is identified and equals R's `survfit(type = "interval2")`,
which draws each drop at the interval's midpoint instead.

Confidence intervals and bands: nonparametric bootstrap over releases (multinomial counts on the
aggregated pairs, which is exactly a resample of releases since a pair aggregates identical
releases; with unequal weights within a pair, counts on releases), each replicate seeded by a
child of `numpy.random.SeedSequence(seed)`, so results do not depend on `n_jobs` or on running
on Dask (`scheduler=`, see `workbench.effects.estimate.run_replicates`); percentile intervals.
A replicate starts from the full-data masses summed over its own (coarser) innermost
intervals, takes a few accelerated EM steps and finishes with support reduction to the same
Kuhn-Tucker tolerance (a cold fit if that does not get there): the same NPMLE as a cold fit,
about 20x faster (`warm_start=False` fits each replicate from scratch).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg
from threadpoolctl import ThreadpoolController

from workbench.codes import DAYS_PER_MONTH, MILESTONE_MONTHS, TRACKING_DAYS
from workbench.exceptions import DataError, EstimationError, ParameterError, StatisticalWarning

KT_TOLERANCE = 1e-8  # acceptance threshold for the Kuhn-Tucker conditions (relative)
WARM_EM_STEPS = 60  # accelerated EM steps from the warm start before the Newton stage


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


def _step_values(drop_at: np.ndarray, p: np.ndarray, t) -> np.ndarray:
    cum = np.concatenate(([0.0], np.cumsum(p)))
    return np.clip(1.0 - cum[np.searchsorted(drop_at, np.asarray(t, float), side="left")], 0, 1)


def _restricted_mean(drop_at: np.ndarray, p: np.ndarray, tau: float) -> float:
    x = np.unique(np.r_[0.0, drop_at[(drop_at > 0) & (drop_at < tau)], tau])
    mid = (x[:-1] + x[1:]) / 2
    return float(np.dot(np.diff(x), _step_values(drop_at, p, mid)))


def _positions(inn: Innermost) -> np.ndarray:
    """Sorted position of each innermost interval: its left end, or just below a point."""
    return np.where(inn.point, np.nextafter(inn.right, -np.inf), inn.left)


def _warm_masses(inn: Innermost, warm, lo, hi) -> np.ndarray:
    """Full-data masses summed over each (coarser) innermost interval of a resample.

    Every full-data innermost interval lies inside at most one of the resample's (the
    resample's ends are a subset of the full data's), and its position is in [start, end) of
    that one. Pairs left uncovered get a small mass on their first interval."""
    pos, cum = warm
    start = _positions(inn)
    p = (
        cum[np.searchsorted(pos, inn.right, side="left")]
        - cum[np.searchsorted(pos, start, side="left")]
    )
    p = np.clip(p, 0.0, None)
    uncovered = _coverage(p, lo, hi) <= 0
    if uncovered.any():
        p[np.unique(lo[uncovered])] += 1e-6
    return p / p.sum()


def _fit_warm(pl, pr, w, warm, tol, max_iter):
    """NPMLE of a resample from the full-data masses: support reduction to the same KT
    tolerance (the plain fit from scratch if that does not get there)."""
    keep = w > 0
    pl, pr, w = pl[keep], pr[keep], w[keep]
    inn = innermost(pl, pr)
    p0 = _warm_masses(inn, warm, inn.lo, inn.hi)
    with _single_thread():
        p, k = _squarem(p0, w, inn.lo, inn.hi, WARM_EM_STEPS)  # lifts the tiny masses first
        p, n_iter = _support_reduction(_trim(p, inn.lo, inn.hi), w, inn.lo, inn.hi, tol, 500)
        n_iter += k
        kt = np.inf if p is None else kt_violation(p, w, inn.lo, inn.hi)
        if kt > tol:
            p, n_iter, kt = _npmle(w, inn.lo, inn.hi, inn.left.size, tol, max_iter, None)
    return inn, p, n_iter, kt


def _resample_weights(rng, n_pair, w_pair, release_pair, release_w):
    """Pair weights of one bootstrap sample of releases (multinomial counts)."""
    if release_pair is None:  # weights constant within each pair: resample pairs' releases
        n = int(n_pair.sum())
        counts = rng.multinomial(n, n_pair / n)
        return counts * (w_pair / n_pair)
    counts = rng.multinomial(release_pair.size, np.full(release_pair.size, 1 / release_pair.size))
    return np.bincount(release_pair, counts * release_w, minlength=n_pair.size)


class _Replicate:
    """One bootstrap replicate of the curve: (drop positions, masses) from a seeded rng."""

    def __init__(self, pairs, release, warm, tol, max_iter):
        self.pairs, self.release, self.warm = pairs, release, warm
        self.tol, self.max_iter = tol, max_iter

    def weights(self, rng) -> np.ndarray:
        _, _, n_pair, w_pair = self.pairs
        return _resample_weights(rng, n_pair, w_pair, *self.release)

    def __call__(self, rng):
        pl, pr, _, _ = self.pairs
        wb = self.weights(rng)
        if self.warm is None:
            inn, p, *_ = _fit_pairs(pl, pr, wb, self.tol, self.max_iter)
        else:
            inn, p, *_ = _fit_warm(pl, pr, wb, self.warm, self.tol, self.max_iter)
        return inn.drop_at, p


@dataclass(frozen=True)
class RMSTEstimate:
    """Restricted mean relapse-free time to `tau` days, with its bootstrap CI."""

    tau: float
    estimate: float
    ci: tuple[float, float]
    method: str
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "tau_days": [self.tau],
                "rmst_days": [self.estimate],
                "lower": [self.ci[0]],
                "upper": [self.ci[1]],
                "method": [self.method],
            }
        )


class TurnbullFitter:
    """Turnbull NPMLE of S(t) = P(no relapse by day t) for (L, R] data, with bootstrap CIs.

    `n_jobs` / `scheduler`: where the bootstrap replicates run (joblib processes; Dask Client,
    cluster or address); `warm_start`: replicates start from the full-data masses.
    """

    def __init__(
        self,
        alpha: float = 0.05,
        n_bootstrap: int = 200,
        seed: int = 0,
        tol: float = 1e-10,
        max_iter: int = 100_000,
        n_jobs: int = 1,
        *,
        scheduler=None,
        warm_start: bool = True,
    ) -> None:
        self.alpha = alpha
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.tol = tol
        self.max_iter = max_iter
        self.n_jobs = n_jobs
        self.scheduler = scheduler
        self.warm_start = warm_start

    # ---------------------------------------------------------------------------- fitting
    def fit(self, lower, upper, weights=None, label=None) -> TurnbullFitter:
        """Fit the NPMLE to relapse intervals (lower, upper] in days; returns self."""
        if not 0 < self.alpha < 1:
            raise ParameterError(f"alpha must be in (0, 1); got {self.alpha}.")
        if int(self.n_bootstrap) < 0:
            raise ParameterError(f"n_bootstrap must be >= 0; got {self.n_bootstrap}.")
        lo, up, w = check_intervals(lower, upper, weights)
        pl, pr, pair = aggregate(lo, up)
        w_pair = np.bincount(pair, w, minlength=pl.size)
        n_pair = np.bincount(pair, minlength=pl.size).astype(float)
        inn, p, n_iter, kt, ll = _fit_pairs(pl, pr, w_pair, self.tol, self.max_iter)
        if kt > KT_TOLERANCE:
            warnings.warn(
                f"Turnbull NPMLE stopped after {n_iter:,} iterations with a Kuhn-Tucker "
                f"violation of {kt:.1e} (> {KT_TOLERANCE:.0e}); raise max_iter.",
                StatisticalWarning,
                stacklevel=2,
            )
        self.label_ = "NPMLE" if label is None else str(label)
        self.n_ = int(lo.size)
        self.weighted_ = weights is not None
        self.n_relapses_ = int(np.isfinite(up).sum())
        self.n_pairs_ = int(pl.size)
        self.innermost_ = inn
        self.masses_ = p
        self.intervals_ = pd.DataFrame({"left": inn.left, "right": inn.right, "mass": p})
        self.loglik_ = ll
        self.kt_violation_ = kt
        self.n_iter_ = int(n_iter)
        self.survival_function_ = self._survival_table()
        self._pairs = (pl, pr, n_pair, w_pair)
        uniform = np.allclose(w, (w_pair / np.maximum(n_pair, 1))[pair], rtol=1e-12, atol=0)
        self._release = None if uniform else (pair, w)
        self._boot = None
        return self

    def _survival_table(self) -> pd.DataFrame:
        inn = self.innermost_
        t = np.unique(np.r_[0.0, inn.left, inn.right[np.isfinite(inn.right)]])
        return pd.DataFrame({self.label_: self.survival_at(t)}, index=pd.Index(t, name="day"))

    def _check_fitted(self) -> None:
        if not hasattr(self, "masses_"):
            raise EstimationError("this TurnbullFitter is not fitted yet; call fit() first.")

    # --------------------------------------------------------------------------- estimates
    def survival_at(self, t) -> np.ndarray:
        """S(t); inside an innermost interval, the value at its right end (see module doc)."""
        self._check_fitted()
        return _step_values(self.innermost_.drop_at, self.masses_, t)

    @property
    def median_(self) -> float:
        """inf{t: S(t) <= 0.5}: the left end of the innermost interval where S crosses 0.5."""
        self._check_fitted()
        k = np.searchsorted(np.cumsum(self.masses_), 0.5 - 1e-12, side="left")
        if k >= self.masses_.size or np.isinf(self.innermost_.right[k]):
            return np.inf
        return float(self.innermost_.left[k])  # for an exact point, left == right

    @property
    def median_interval_(self) -> tuple[float, float]:
        """The innermost interval (left, right] that contains the median."""
        self._check_fitted()
        k = np.searchsorted(np.cumsum(self.masses_), 0.5 - 1e-12, side="left")
        if k >= self.masses_.size:
            return (np.inf, np.inf)
        return (float(self.innermost_.left[k]), float(self.innermost_.right[k]))

    def confidence_band(self, times) -> pd.DataFrame:
        """Pointwise percentile bootstrap band for S at `times` (days)."""
        self._check_fitted()
        t = np.atleast_1d(np.asarray(times, dtype=float))
        est = self.survival_at(t)
        reps = np.array([_step_values(d, p, t) for d, p in self._replicates()])
        lower, upper = self._percentiles(reps, len(t))
        return pd.DataFrame({"day": t, "estimate": est, "lower": lower, "upper": upper})

    def milestones(self, months=MILESTONE_MONTHS) -> pd.DataFrame:
        """Retention at milestone months (months -> days via DAYS_PER_MONTH) with CIs."""
        months = np.atleast_1d(np.asarray(months, dtype=float))
        band = self.confidence_band(months * DAYS_PER_MONTH)
        band.insert(0, "months", months)
        band["n"] = self.n_
        return band

    def rmst(self, tau: float = TRACKING_DAYS) -> RMSTEstimate:
        """Restricted mean relapse-free days to tau (lower-envelope curve), bootstrap CI."""
        self._check_fitted()
        if not np.isfinite(tau) or tau <= 0:
            raise ParameterError(f"tau must be a positive number of days; got {tau}.")
        est = _restricted_mean(self.innermost_.drop_at, self.masses_, tau)
        reps = np.array([[_restricted_mean(d, p, tau)] for d, p in self._replicates()])
        lower, upper = self._percentiles(reps, 1)
        return RMSTEstimate(
            tau=float(tau),
            estimate=est,
            ci=(float(lower[0]), float(upper[0])),
            method=f"Turnbull NPMLE, percentile bootstrap ({self.n_bootstrap} replicates)",
            notes=("Curve drops at the left end of each innermost interval (lower envelope).",),
        )

    # --------------------------------------------------------------------------- bootstrap
    def _percentiles(self, reps: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        if reps.size == 0:
            nan = np.full(k, np.nan)
            return nan, nan
        q = np.quantile(reps, [self.alpha / 2, 1 - self.alpha / 2], axis=0)
        return q[0], q[1]

    def _replicates(self) -> list[tuple[np.ndarray, np.ndarray]]:
        self._check_fitted()
        if self._boot is None:
            from workbench.effects.estimate import run_replicates

            seeds = np.random.SeedSequence(self.seed).spawn(int(self.n_bootstrap))
            rows = run_replicates(self._replicate(), seeds, self.n_jobs, self.scheduler)
            self._boot = [r for r in rows if r is not None]
        return self._boot

    def _replicate(self) -> _Replicate:
        release = (None, None) if self._release is None else self._release
        warm = (
            (_positions(self.innermost_), np.r_[0.0, np.cumsum(self.masses_)])
            if self.warm_start
            else None
        )
        return _Replicate(self._pairs, release, warm, self.tol, self.max_iter)

    # ----------------------------------------------------------------------------- output
    def summary(self) -> pd.DataFrame:
        """Milestone retention, median and RMST to 36 months, with CIs."""
        rows = self.milestones()
        out = [
            {
                "quantity": f"retention {m:g} months",
                "estimate": e,
                "lower": lo,
                "upper": hi,
            }
            for m, e, lo, hi in rows[["months", "estimate", "lower", "upper"]].to_numpy()
        ]
        r = self.rmst(TRACKING_DAYS)
        out.append(
            {
                "quantity": "RMST 36 months (days)",
                "estimate": r.estimate,
                "lower": r.ci[0],
                "upper": r.ci[1],
            }
        )
        out.append(
            {
                "quantity": "median (days)",
                "estimate": self.median_,
                "lower": np.nan,
                "upper": np.nan,
            }
        )
        df = pd.DataFrame(out)
        df.insert(0, "group", self.label_)
        df["n"] = self.n_
        return df

    def plot(self, ax=None, ci: bool = True, xlabel="days since release", ylabel="retention"):
        """Step curve of S(t) (and its pointwise bootstrap band); returns the axes."""
        import matplotlib.pyplot as plt

        self._check_fitted()
        ax = plt.gca() if ax is None else ax
        d = self.innermost_.drop_at
        end = float(np.max(np.r_[self.innermost_.right[np.isfinite(self.innermost_.right)], d]))
        t = np.unique(np.r_[0.0, np.clip(d, 0, None), end])
        (line,) = ax.step(
            t, self.survival_at(np.nextafter(t, np.inf)), where="post", label=self.label_
        )
        if ci and self.n_bootstrap > 0:
            band = self.confidence_band(np.nextafter(t, np.inf))
            ax.fill_between(
                t, band["lower"], band["upper"], step="post", alpha=0.25, color=line.get_color()
            )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_ylim(0, 1.02)
        return ax
