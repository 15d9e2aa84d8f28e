"""Piecewise-exponential proportional hazards for interval-censored times, time-varying 0/1
exposures, left truncation and case weights — the exact likelihood, fitted by Newton.

Hazard: lambda_k * exp(x'beta + sum_j gamma_j 1{t > s_j}) on baseline piece k. A person known
relapse-free up to L and relapsed by R contributes P(T > L) - P(T > R) (divided by P(T > entry)
when followed from a landmark); R = L is an exact time (density); no R is right-censored at L.
Each person's time axis is cut at the baseline pieces, the exposure start days, L and R, so an
exposure that starts inside (L, R] enters the likelihood exactly. An exposure applies on
(s_j, infinity), the counting-process convention (an event on day s_j itself is unexposed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats
from threadpoolctl import threadpool_limits

from workbench.exceptions import DataError, EstimationError

DEFAULT_CUTS = (0, 30, 60, 90, 120, 180, 270, 365, 450, 545, 730, 910, 1096)
CENSORED, INTERVAL, EXACT = 0, 1, 2


@dataclass(frozen=True)
class _Segments:
    person: np.ndarray  # person index of each segment
    piece: np.ndarray  # baseline piece of each segment
    dt: np.ndarray  # length
    z: np.ndarray  # exposure status (segments x J)
    part1: np.ndarray  # True: segment lies in (L, R] (interval-censored persons)
    last: np.ndarray  # index of each person's last segment
    kind: np.ndarray  # CENSORED / INTERVAL / EXACT per person


def _as_array(x, n, name):
    a = np.full(n, np.nan) if x is None else np.asarray(x, dtype=float)
    if a.shape != (n,):
        raise DataError(f"{name} has {a.shape[0]} values for {n} people; give one per person.")
    return a


def split_time(lower, upper, starts, entry, cuts) -> _Segments:
    """Cut each person's follow-up at pieces, exposure starts, entry, L and R (vectorised)."""
    n = lower.shape[0]
    upper = np.where(np.isfinite(upper), upper, np.nan)
    kind = np.where(np.isnan(upper), CENSORED, np.where(upper > lower, INTERVAL, EXACT))
    end = np.where(kind == CENSORED, lower, upper)
    inner = np.asarray(cuts[1:-1], float)
    pts = [np.broadcast_to(inner, (n, inner.size)), starts, lower[:, None], end[:, None]]
    b = np.concatenate([np.asarray(p, float).reshape(n, -1) for p in pts], axis=1)
    b = np.where(np.isnan(b), end[:, None], b)
    b = np.clip(b, entry[:, None], end[:, None])
    b = np.sort(np.concatenate([entry[:, None], b], axis=1), axis=1)
    a0, a1 = b[:, :-1], b[:, 1:]
    keep = a1 > a0
    person = np.broadcast_to(np.arange(n)[:, None], a0.shape)[keep]
    a, stop = a0[keep], a1[keep]
    piece = np.clip(np.searchsorted(np.asarray(cuts, float), a, side="right") - 1, 0, len(cuts) - 2)
    z = (a[:, None] >= starts[person]) if starts.shape[1] else np.zeros((a.size, 0), bool)
    part1 = (kind[person] == INTERVAL) & (a >= lower[person])
    counts = np.bincount(person, minlength=n)
    if np.any(counts == 0):
        raise DataError("a person has no time at risk after entry; check lower/upper/entry days.")
    last = np.cumsum(counts) - 1
    return _Segments(person, piece, stop - a, z.astype(float), part1, last, kind)


class _Design:
    """The segment design [piece one-hot | person covariates | exposures], never built densely."""

    def __init__(self, seg: _Segments, x: np.ndarray, K: int):
        self.seg, self.x, self.K = seg, x, K
        self.n, self.p, self.J = x.shape[0], x.shape[1], seg.z.shape[1]
        self.width = K + self.p + self.J

    def eta(self, theta):
        K, p = self.K, self.p
        s = self.seg
        return theta[:K][s.piece] + (self.x @ theta[K : K + p])[s.person] + s.z @ theta[K + p :]

    def per_person(self, v):
        """n x width matrix: sum over each person's segments of v * design row."""
        s, n, K = self.seg, self.n, self.K
        M = np.bincount(s.person * K + s.piece, v, n * K).reshape(n, K)
        tot = np.bincount(s.person, v, n)
        Z = np.zeros((n, self.J))
        for j in range(self.J):
            Z[:, j] = np.bincount(s.person, v * s.z[:, j], n)
        return np.hstack([M, tot[:, None] * self.x, Z])

    def rows(self, idx):
        s = self.seg
        return np.hstack([np.eye(self.K)[s.piece[idx]], self.x[s.person[idx]], s.z[idx]])

    def gram(self, c):
        """sum over segments of c * d d' (c: one value per segment)."""
        s, K, p, J = self.seg, self.K, self.p, self.J
        x = self.x
        M = self.per_person(c)
        tot = np.bincount(s.person, c, self.n)
        cz = c[:, None] * s.z
        G = np.zeros((self.width, self.width))
        G[:K, :K] = np.diag(np.bincount(s.piece, c, K))
        G[:K, K : K + p] = M[:, :K].T @ x
        for j in range(J):
            G[:K, K + p + j] = np.bincount(s.piece, cz[:, j], K)
        G[K : K + p, K : K + p] = (x * tot[:, None]).T @ x
        G[K : K + p, K + p :] = x.T @ M[:, K + p :]
        G[K + p :, K + p :] = cz.T @ s.z
        # mirror the off-diagonal blocks (the diagonal blocks are already full and symmetric)
        G[K:, :K] = G[:K, K:].T
        G[K + p :, K : K + p] = G[K : K + p, K + p :].T
        return G


class PiecewiseExponentialPH:
    """Proportional hazards with a piecewise-constant baseline for (L, R] data (see module doc).

    `cuts`: baseline piece boundaries in days (the last piece extends to infinity).
    `robust`: sandwich covariance (use with weights); otherwise inverse observed information.
    """

    def __init__(self, cuts=DEFAULT_CUTS, *, smooth=1.0, robust=False, tol=1e-6, max_iter=200):
        self.cuts = cuts
        self.smooth = smooth
        self.robust = robust
        self.tol = tol
        self.max_iter = max_iter

    def fit(self, lower, upper=None, X=None, starts=None, *, entry=None, weights=None, init=None):
        """Fit. `X`: baseline covariates (DataFrame); `starts`: exposure start days (NaN never)."""
        lower = np.asarray(lower, float)
        n = lower.shape[0]
        upper = _as_array(upper, n, "upper")
        entry = np.zeros(n) if entry is None else _as_array(entry, n, "entry")
        w = np.ones(n) if weights is None else _as_array(weights, n, "weights")
        self._check(lower, upper, entry, w)
        Xf = pd.DataFrame(index=range(n)) if X is None else pd.DataFrame(X)
        Sf = pd.DataFrame(index=range(n)) if starts is None else pd.DataFrame(starts)
        # censored at or before entry: likelihood factor 1, nothing to contribute
        active = np.isfinite(upper) | (lower > entry)
        if not active.all():
            lower, upper, entry, w = lower[active], upper[active], entry[active], w[active]
            Xf, Sf = Xf.loc[Xf.index[active]], Sf.loc[Sf.index[active]]
        cuts = np.asarray(self.cuts, float)
        end = np.where(np.isfinite(upper), upper, lower)
        cuts = np.append(cuts[cuts < end.max()], np.inf)  # no piece without time at risk
        seg = split_time(lower, upper, Sf.to_numpy(float), entry, cuts)
        K = self._K = cuts.size - 1
        x = Xf.to_numpy(float)
        names = [f"piece_{k}" for k in range(K)] + list(map(str, Xf.columns))
        names += list(map(str, Sf.columns))
        design = _Design(seg, x, K)
        theta = self._start(seg, w, K, design.width) if init is None else np.array(init, float)
        # small matrices: threaded BLAS only adds overhead (and stalls on a busy machine)
        with threadpool_limits(1, user_api="blas"):
            theta, ll, H, n_iter = self._newton(theta, seg, design, w)
        self._finish(theta, ll, H, n_iter, seg, design, w, names, K, cuts)
        self.n_exposures_ = Sf.shape[1]
        self.exposure_names_ = list(map(str, Sf.columns))
        self.n_ = n
        self.n_events_ = int(np.sum(seg.kind != CENSORED))
        return self

    @staticmethod
    def _check(lower, upper, entry, w):
        bad = ~np.isfinite(lower) | (lower < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"row {i:,}: lower_day {lower[i]} must be a day >= 0.")
        bad = np.isfinite(upper) & (upper < lower)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"row {i:,}: upper_day {upper[i]} is before lower_day {lower[i]}.")
        if np.any(~np.isfinite(w) | (w < 0)):
            raise DataError("weights must be finite and >= 0.")
        bad = np.isfinite(upper) & (upper <= entry) & ~((upper == lower) & (upper > entry))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"row {i:,}: relapse by day {upper[i]:g}, at or before entry (day {entry[i]:g}); "
                "keep only people still at risk at entry."
            )

    def _start(self, seg, w, K, p):
        time = np.bincount(seg.piece, seg.dt * w[seg.person], K)
        events = float(np.sum(w[seg.kind != CENSORED]))
        rate = max(events, 1.0) / max(time.sum(), 1e-9)
        theta = np.zeros(p)
        theta[:K] = np.log(rate)
        return theta

    def _terms(self, theta, seg, design, w, need_hess=True):
        eta = design.eta(theta)
        h = np.exp(eta) * seg.dt
        n = seg.kind.size
        A = np.bincount(seg.person, h * ~seg.part1, n)
        D = np.bincount(seg.person, h * seg.part1, n)
        iv = seg.kind == INTERVAL
        ex = seg.kind == EXACT
        Dsafe = np.where(iv, np.maximum(D, 1e-300), 1.0)
        ll_i = -A + np.where(iv, np.log(-np.expm1(-Dsafe)), 0.0)
        ll_i = ll_i + np.where(ex, eta[seg.last], 0.0)
        g1 = np.where(iv, 1.0 / np.expm1(Dsafe), 0.0)
        coef = np.where(seg.part1, g1[seg.person], -1.0) * h
        score_i = design.per_person(coef)
        score_i[ex] += design.rows(seg.last[ex])
        ll = float(np.sum(w * ll_i))
        grad = w @ score_i
        if not need_hess:
            return ll, grad, None, score_i
        dD = design.per_person(h * seg.part1)
        g2 = -(g1 + g1**2)
        H = design.gram(coef * w[seg.person])
        H += (dD * (w * g2)[:, None]).T @ dD
        return ll, grad, H, score_i

    def _penalty(self, p, K):
        diff = np.diff(np.eye(K), axis=0)
        P = np.zeros((p, p))
        P[:K, :K] = self.smooth * diff.T @ diff
        return P

    def _penalised(self, theta, seg, design, w, P):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            ll, grad, H, _ = self._terms(theta, seg, design, w)
        return ll - 0.5 * theta @ P @ theta, grad - P @ theta, H - P

    def _newton(self, theta, seg, design, w):
        """Maximise the penalised log-likelihood: trust-region Newton with the exact Hessian
        (the interval-censored log-likelihood need not be concave far from the optimum)."""
        P = self._penalty(theta.size, self._K)
        cache: dict = {}

        def terms(th):
            key = th.tobytes()
            if key not in cache:
                cache.clear()
                cache[key] = self._penalised(th, seg, design, w, P)
            return cache[key]

        def fun(th):
            ll = terms(th)[0]
            return -ll if np.isfinite(ll) else np.inf

        res = optimize.minimize(
            fun,
            theta,
            jac=lambda th: -terms(th)[1],
            hess=lambda th: -terms(th)[2],
            method="trust-exact",
            options={
                "gtol": self.tol * max(1.0, float(np.sum(w))) * 1e-2,
                "maxiter": self.max_iter,
            },
        )
        ll, grad, H = terms(res.x)
        if not np.isfinite(ll) or np.max(np.abs(grad)) > 1e-4 * max(1.0, float(np.sum(w))):
            raise EstimationError(
                f"the likelihood maximisation did not converge ({res.message}); "
                "try fewer baseline pieces or drop a sparse term."
            )
        return res.x, ll, H, int(res.nit)

    def _finish(self, theta, ll, H, n_iter, seg, design, w, names, K, cuts):
        info = -H
        try:
            inv = np.linalg.inv(info)
        except np.linalg.LinAlgError as exc:
            raise EstimationError("the information matrix is singular; drop a term.") from exc
        if self.robust:
            _, _, _, score_i = self._terms(theta, seg, design, w, need_hess=False)
            U = np.asarray(score_i) * w[:, None]
            inv = inv @ (U.T @ U) @ inv
        self.params_ = pd.Series(theta, index=names)
        self.variance_matrix_ = pd.DataFrame(inv, index=names, columns=names)
        self.log_likelihood_ = ll
        self.n_iter_ = n_iter
        self.cuts_ = cuts
        self.baseline_hazard_ = pd.Series(np.exp(theta[:K]), index=pd.Index(cuts[:-1], name="from"))

    @property
    def coef_names_(self) -> list[str]:
        return [n for n in self.params_.index if not n.startswith("piece_")]

    def summary(self, alpha: float = 0.05) -> pd.DataFrame:
        """coef, se, hr, hr_lower, hr_upper, z, p for every covariate and exposure."""
        names = self.coef_names_
        b = self.params_[names]
        se = np.sqrt(np.diag(self.variance_matrix_.loc[names, names]))
        q = stats.norm.ppf(1 - alpha / 2)
        z = b / se
        return pd.DataFrame(
            {
                "coef": b,
                "se": se,
                "hr": np.exp(b),
                "hr_lower": np.exp(b - q * se),
                "hr_upper": np.exp(b + q * se),
                "z": z,
                "p": 2 * stats.norm.sf(np.abs(z)),
            }
        )

    def cumulative_hazard(self, times, log_rr: float = 0.0) -> np.ndarray:
        """Cumulative hazard of the baseline (times exp(log_rr)) at `times` days."""
        t = np.asarray(times, float)
        lo = self.cuts_[:-1]
        hi = np.append(self.cuts_[1:-1], np.inf)
        overlap = np.clip(t[:, None], lo, hi) - lo
        return (overlap @ self.baseline_hazard_.to_numpy()) * np.exp(log_rr)

    def survival_function(self, times, log_rr: float = 0.0, entry: float = 0.0) -> np.ndarray:
        """S(t | T > entry) for a constant linear predictor `log_rr`."""
        t = np.maximum(np.asarray(times, float), entry)
        H = self.cumulative_hazard(t, log_rr) - self.cumulative_hazard([entry], log_rr)[0]
        return np.exp(-H)
