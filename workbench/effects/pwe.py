"""Piecewise-exponential proportional hazards for interval-censored times, time-varying 0/1
exposures, left truncation and case weights — the exact likelihood, fitted by Newton.

Hazard: lambda_k * exp(x'beta + sum_j gamma_j 1{t > s_j}) on baseline piece k. A person known
relapse-free up to L and relapsed by R contributes P(T > L) - P(T > R) (divided by P(T > entry)
when followed from a landmark); R = L is an exact time (density); no R is right-censored at L.
Each person's time axis is cut at the baseline pieces, the exposure start days, L and R, so an
exposure that starts inside (L, R] enters the likelihood exactly. An exposure applies on
(s_j, infinity), the counting-process convention (an event on day s_j itself is unexposed).

Fitting: Newton-Raphson with the analytic score and Hessian. For censored and exact times the
model is a Poisson GLM on the segments (Hessian X'WX, accumulated per cell of baseline piece x
exposure pattern and per person, never as a dense segment design); each interval-censored
person adds one rank-one term. Steps are halved until the penalised log-likelihood rises
(Armijo), with Levenberg damping where the Hessian is not negative definite (the
interval-censored log-likelihood need not be concave far from the optimum); scipy's trust-region
Newton is the fallback. Converged when the Newton step -H^-1 U (U the penalised score: the score
in units of the information) is at most `tol` (default 1e-10) in every component; close to the
optimum a Hessian is reused while the steps shrink tenfold or faster (chord steps).

Weights are case (frequency) weights: integer weights give exactly the fit on replicated rows.
A bootstrap over releases therefore refits the one design with multinomial counts
(`PiecewiseExponentialPH.refitter`), warm-started from the full-data estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, optimize, sparse, stats
from threadpoolctl import ThreadpoolController

from workbench.exceptions import DataError, EstimationError, ParameterError

DEFAULT_CUTS = (0, 30, 60, 90, 120, 180, 270, 365, 450, 545, 730, 910, 1096)
CENSORED, INTERVAL, EXACT = 0, 1, 2
_BLOCK = 200_000  # people per block when cutting time (bounds the temporary memory)
_SUBSAMPLE = 50_000  # people in the start-value fit of a large model
_CONTROLLER: list = []


def _single_thread():
    """Small dense matrices: threaded BLAS only adds overhead (and stalls on a busy machine)."""
    if not _CONTROLLER:  # scanning the loaded libraries is slow: once per process
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


@dataclass(frozen=True)
class _Segments:
    person: np.ndarray  # person index of each segment (sorted)
    piece: np.ndarray  # baseline piece of each segment
    dt: np.ndarray  # length
    zcode: np.ndarray  # row of `patterns`: the segment's exposure status
    patterns: np.ndarray  # distinct exposure statuses (n_patterns x J, 0/1)
    part1: np.ndarray  # True: segment lies in (L, R] (interval-censored persons)
    last: np.ndarray  # index of each person's last segment
    kind: np.ndarray  # CENSORED / INTERVAL / EXACT per person

    @property
    def z(self) -> np.ndarray:
        """Exposure status per segment (segments x J); dense, for checks only."""
        return self.patterns[self.zcode]


def _as_array(x, n, name):
    a = np.full(n, np.nan) if x is None else np.asarray(x, dtype=float)
    if a.shape != (n,):
        raise DataError(f"{name} has {a.shape[0]} values for {n} people; give one per person.")
    return a


def _compact(codes: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes in [0, bound) -> (sorted distinct codes, index of each into them)."""
    if bound <= 4 * codes.size + 4096:
        present = np.flatnonzero(np.bincount(codes, minlength=bound))
        lookup = np.zeros(bound, np.intp)
        lookup[present] = np.arange(present.size)
        return present, lookup[codes]
    present, index = np.unique(codes, return_inverse=True)
    return present, index.ravel()


def _cut_block(lower, end, starts, entry, inner):
    n = lower.shape[0]
    pts = [np.broadcast_to(inner, (n, inner.size)), starts, lower[:, None], end[:, None]]
    b = np.concatenate(pts, axis=1)
    b = np.where(np.isnan(b), end[:, None], b)
    b = np.clip(b, entry[:, None], end[:, None])
    b = np.sort(np.concatenate([entry[:, None], b], axis=1), axis=1)
    a0, a1 = b[:, :-1], b[:, 1:]
    keep = a1 > a0
    person = np.broadcast_to(np.arange(n)[:, None], a0.shape)[keep]
    return person, a0[keep], a1[keep]


def split_time(lower, upper, starts, entry, cuts) -> _Segments:
    """Cut each person's follow-up at pieces, exposure starts, entry, L and R (vectorised)."""
    n = lower.shape[0]
    upper = np.where(np.isfinite(upper), upper, np.nan)
    kind = np.where(np.isnan(upper), CENSORED, np.where(upper > lower, INTERVAL, EXACT))
    end = np.where(kind == CENSORED, lower, upper)
    starts = np.asarray(starts, float).reshape(n, -1)
    J = starts.shape[1]
    if J > 62:
        raise ParameterError(f"{J} exposures in one model; at most 62 are supported.")
    inner = np.asarray(cuts[1:-1], float)
    blocks = [
        _cut_block(lower[i : i + _BLOCK], end[i : i + _BLOCK], starts[i : i + _BLOCK],
                   entry[i : i + _BLOCK], inner)
        for i in range(0, n, _BLOCK)
    ]  # fmt: skip
    person = np.concatenate([p + i * _BLOCK for i, (p, _, _) in enumerate(blocks)])
    a = np.concatenate([b[1] for b in blocks])
    stop = np.concatenate([b[2] for b in blocks])
    del blocks
    piece = np.clip(np.searchsorted(np.asarray(cuts, float), a, side="right") - 1, 0, len(cuts) - 2)
    bits = np.zeros(a.size, np.int64)
    for j in range(J):
        bits |= (a >= starts[person, j]).astype(np.int64) << j
    codes, zcode = _compact(bits, 2**J) if J <= 20 else _compact(bits, 2**62)
    patterns = ((codes[:, None] >> np.arange(J)) & 1).astype(float)
    part1 = (kind[person] == INTERVAL) & (a >= lower[person])
    counts = np.bincount(person, minlength=n)
    if np.any(counts == 0):
        raise DataError("a person has no time at risk after entry; check lower/upper/entry days.")
    last = np.cumsum(counts) - 1
    return _Segments(person, piece, stop - a, zcode, patterns, part1, last, kind)


class _Design:
    """The segment design [piece one-hot | person covariates | exposures], never built densely.

    A segment's hazard is exp(u'theta_u) exp(x'beta) dt: its piece and exposure columns (u)
    depend only on its cell (piece x exposure pattern), its covariates (x) only on its person.
    So A_i and D_i (cumulative hazard outside and inside (L, R]) are exp(x_i'beta) times a
    sparse (people x cells) matrix of summed lengths, M0 or M1, applied to exp(u'theta_u): no
    pass over segments after the design is built. `values` / `derivatives` give the
    log-likelihood, the score and the Hessian for case weights w.
    """

    def __init__(self, seg: _Segments, x: np.ndarray, K: int):
        self.x, self.K = x, K
        self.n, self.p, self.J = x.shape[0], x.shape[1], seg.patterns.shape[1]
        self.width = K + self.p + self.J
        P = seg.patterns.shape[0]
        cells, cell = _compact(seg.piece * P + seg.zcode, K * P)
        self.ucell = np.hstack([np.eye(K)[cells // P], seg.patterns[cells % P]])
        self.iv, self.ex = seg.kind == INTERVAL, seg.kind == EXACT
        shape = (self.n, cells.size)
        out = ~seg.part1
        self.M0 = sparse.csr_matrix((seg.dt[out], (seg.person[out], cell[out])), shape=shape)
        ivpos = np.cumsum(self.iv) - 1
        part1 = seg.part1
        rows = ivpos[seg.person[part1]]
        self.M1 = sparse.csr_matrix(
            (seg.dt[part1], (rows, cell[part1])), shape=(int(self.iv.sum()), cells.size)
        )
        self.x_iv, self.x_ex = x[self.iv], x[self.ex]
        self.cell_ex = cell[seg.last[self.ex]]
        self.u_index = np.r_[0:K, K + self.p : self.width]

    def subset(self, keep: np.ndarray) -> _Design:
        """The design of the people where `keep` is True."""
        sub = object.__new__(_Design)
        sub.__dict__.update(self.__dict__)
        sub.n = int(keep.sum())
        sub.x, sub.iv, sub.ex = self.x[keep], self.iv[keep], self.ex[keep]
        sub.M0, sub.M1 = self.M0[keep], self.M1[keep[self.iv]]
        sub.x_iv, sub.x_ex = sub.x[sub.iv], sub.x[sub.ex]
        sub.cell_ex = self.cell_ex[keep[self.ex]]
        return sub

    def values(self, theta):
        """(per-person log-likelihood, exp(cell eta), exp(x'beta), A, D): the cheap part."""
        K, p = self.K, self.p
        eta_cell = self.ucell @ theta[self.u_index]
        xb = self.x @ theta[K : K + p]
        e_cell, e_x = np.exp(eta_cell), np.exp(xb)
        A = e_x * (self.M0 @ e_cell)
        D = np.zeros(self.n)
        D[self.iv] = np.maximum(e_x[self.iv] * (self.M1 @ e_cell), 1e-300)
        ll_i = -A
        ll_i[self.iv] += np.log(-np.expm1(-D[self.iv]))
        ll_i[self.ex] += eta_cell[self.cell_ex] + self.x_ex @ theta[K : K + p]
        return ll_i, e_cell, e_x, A, D

    def _coefficients(self, vals, w):
        """g1 = dlog(1 - exp(-D))/dD, and the per-person factors k0, k1 with c_s = k h_s."""
        _, _, e_x, A, D = vals
        g1 = np.zeros(self.n)
        g1[self.iv] = 1.0 / np.expm1(D[self.iv])
        return g1, -w * e_x, (w * g1 * e_x)[self.iv]

    def _cell_sums(self, e_cell, k0, k1):
        """Sum over each cell's segments of c_s = k_person * exp(eta_s) dt_s."""
        return e_cell * (self.M0.T @ k0 + self.M1.T @ k1)

    def derivatives(self, vals, w, hess=True):
        """Score and Hessian of sum_i w_i ll_i at the point `vals` came from."""
        _, e_cell, e_x, A, D = vals
        g1, k0, k1 = self._coefficients(vals, w)
        cell_c = self._cell_sums(e_cell, k0, k1)
        cell_g = cell_c + np.bincount(self.cell_ex, w[self.ex], self.ucell.shape[0])
        r = w * (g1 * D - A)  # sum of c_s over each person's segments
        grad = np.empty(self.width)
        grad[self.u_index] = self.ucell.T @ cell_g
        grad[self.K : self.K + self.p] = self.x.T @ np.where(self.ex, r + w, r)
        if not hess:
            return grad, None
        B = e_cell[:, None] * self.ucell
        P1 = self.M1 @ B  # per interval person: sum over (L, R] of exp(u'theta_u) dt u
        c_u = k0[:, None] * (self.M0 @ B)
        c_u[self.iv] += k1[:, None] * P1
        v1 = e_x[self.iv, None] * P1  # dD/dtheta_u
        a = (w * -(g1 + g1**2))[self.iv]
        uu = self.ucell.T @ (cell_c[:, None] * self.ucell) + v1.T @ (a[:, None] * v1)
        ux = c_u.T @ self.x + (v1 * (a * D[self.iv])[:, None]).T @ self.x_iv
        q = r.copy()
        q[self.iv] += a * D[self.iv] ** 2
        return grad, self._assemble(uu, ux, self.x.T @ (q[:, None] * self.x))

    def _assemble(self, uu, ux, xx):
        H = np.empty((self.width, self.width))
        ui, xi = self.u_index, slice(self.K, self.K + self.p)
        H[np.ix_(ui, ui)] = uu
        H[np.ix_(ui, np.arange(self.K, self.K + self.p))] = ux
        H[xi, ui] = ux.T
        H[xi, xi] = xx
        return H

    def scores(self, theta) -> np.ndarray:
        """Per-person score vectors (people x parameters, unweighted)."""
        vals = self.values(theta)
        e_cell, A, D = vals[1], vals[3], vals[4]
        g1, k0, k1 = self._coefficients(vals, np.ones(self.n))
        B = e_cell[:, None] * self.ucell
        S = np.empty((self.n, self.width))
        su = k0[:, None] * (self.M0 @ B)
        su[self.iv] += k1[:, None] * (self.M1 @ B)
        su[self.ex] += self.ucell[self.cell_ex]
        S[:, self.u_index] = su
        S[:, self.K : self.K + self.p] = (g1 * D - A + self.ex)[:, None] * self.x
        return S

    def score_outer(self, theta, w):
        """sum_i w_i^2 s_i s_i' of the per-person scores s_i (the sandwich's meat)."""
        S = self.scores(theta)
        return S.T @ ((w**2)[:, None] * S)


def penalty(width: int, K: int, smooth: float) -> np.ndarray:
    """Second-order roughness penalty on neighbouring baseline log-hazards (first K entries)."""
    diff = np.diff(np.eye(K), axis=0)
    P = np.zeros((width, width))
    P[:K, :K] = smooth * diff.T @ diff
    return P


class _Objective:
    """Penalised log-likelihood over the free parameters `free` (the others held fixed)."""

    def __init__(self, design: _Design, w, P, theta_full, free):
        self.design, self.w, self.free = design, w, free
        self.P = P[np.ix_(free, free)]
        self.theta_full = theta_full.copy()

    def full(self, theta):
        self.theta_full[self.free] = theta
        return self.theta_full

    def value(self, theta):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            vals = self.design.values(self.full(theta))
            ll = float(self.w @ vals[0]) - 0.5 * theta @ self.P @ theta
        return (ll if np.isfinite(ll) else -np.inf), vals

    def derivatives(self, theta, vals, hess=True):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            g, H = self.design.derivatives(vals, self.w, hess)
        g = g[self.free] - self.P @ theta
        return g, (H[np.ix_(self.free, self.free)] - self.P if hess else None)


def _ascent(H, g) -> np.ndarray:
    """Solve (-H) step = g; Levenberg damping until -H + mu I is positive definite."""
    info = -H
    scale = max(float(np.max(np.abs(np.diag(info)))), 1e-300)
    for mu in (0.0, *(scale * 10.0**k for k in range(-10, 3))):
        try:
            factor = linalg.cho_factor(info + mu * np.eye(g.size), check_finite=False)
        except linalg.LinAlgError:
            continue
        step = linalg.cho_solve(factor, g, check_finite=False)
        if np.all(np.isfinite(step)):
            return step
    return linalg.lstsq(info, g, check_finite=False)[0]


def _line_search(obj, theta, ll, step, slope):
    noise = 1e-12 * (1.0 + abs(ll))  # forgive rounding once the optimum is reached
    t = 1.0
    while t >= 1e-12:
        cand = theta + t * step
        ll_c, vals_c = obj.value(cand)
        if ll_c >= ll + 1e-4 * t * slope - noise:
            return cand, ll_c, vals_c
        t /= 2
    return None


def maximise(obj: _Objective, theta, tol: float, max_iter: int, H=None, contraction=0.03):
    """Newton-Raphson with step halving; returns (theta, ll, H, n_iter) or None.

    Converged when the Newton step -H^-1 score (the score in units of the information) is at
    most `tol` in every component; that last step is taken. A Hessian is reused (chord steps)
    while each step is at most `contraction` times the previous one; otherwise, and when a step
    fails, it is recomputed at the current point. `H`: a starting Hessian (e.g. the full-data
    one for a bootstrap replicate). The returned H is the last one used, not necessarily the
    one at the returned theta.
    """
    ll, vals = obj.value(theta)
    if not np.isfinite(ll):
        return None
    g, H_new = obj.derivatives(theta, vals, hess=H is None)
    H, fresh, previous = (H_new, True, np.inf) if H is None else (H, False, np.inf)
    for it in range(max_iter + 1):
        step = _ascent(H, g)
        size = float(np.max(np.abs(step), initial=0.0))
        if not fresh and size > contraction * previous:
            H, fresh = obj.derivatives(theta, vals)[1], True
            step = _ascent(H, g)
            size = float(np.max(np.abs(step), initial=0.0))
        if size <= tol:
            ll_c = obj.value(theta + step)[0]
            return (theta + step, ll_c, H, it) if ll_c >= ll - 1e-9 * (1 + abs(ll)) else None
        found = _line_search(obj, theta, ll, step, float(g @ step))
        if found is None and not fresh:
            H, fresh = obj.derivatives(theta, vals)[1], True
            step = _ascent(H, g)
            found = _line_search(obj, theta, ll, step, float(g @ step))
        if found is None:
            return None
        theta, ll, vals = found
        previous, fresh = size, False
        g = obj.derivatives(theta, vals, hess=False)[0]
    return None


def _trust_region(obj: _Objective, theta, tol_abs: float, max_iter: int):
    """scipy's trust-region Newton (the fallback when plain Newton stalls)."""
    cache: dict = {}

    def terms(th):
        key = th.tobytes()
        if key not in cache:
            cache.clear()
            ll, vals = obj.value(th)
            cache[key] = (ll, *obj.derivatives(th, vals))
        return cache[key]

    res = optimize.minimize(
        lambda th: -terms(th)[0],
        theta,
        jac=lambda th: -terms(th)[1],
        hess=lambda th: -terms(th)[2],
        method="trust-exact",
        options={"gtol": tol_abs, "maxiter": max_iter},
    )
    ll, g, H = terms(res.x)
    return res.x, ll, g, H, int(res.nit), res.message


def fit_objective(obj: _Objective, theta, tol: float, max_iter: int, H=None, exact=True):
    """Maximise; raise EstimationError when neither Newton nor the trust region converges.
    `exact`: return the Hessian at the optimum (else the last one the steps used)."""
    out = maximise(obj, theta, tol, max_iter, H)
    if out is not None:
        theta, ll, H, n_iter = out
        if exact:
            H = obj.derivatives(theta, obj.value(theta)[1])[1]
        return theta, ll, H, n_iter
    tol_abs = 1e-8 * max(1.0, float(np.sum(obj.w)))
    th, ll, g, H, n_iter, message = _trust_region(obj, theta, tol_abs, max_iter)
    if not np.isfinite(ll) or np.max(np.abs(g)) > 1e-4 * max(1.0, float(np.sum(obj.w))):
        raise EstimationError(
            f"the likelihood maximisation did not converge ({message}); "
            "try fewer baseline pieces or drop a sparse term."
        )
    return th, ll, H, n_iter


def _subsample_start(design: _Design, w, P, theta, max_iter: int) -> np.ndarray:
    """Start values for a large fit: the fit to every k-th person (weights times k), so the
    full data need only the last few Newton steps. Falls back to `theta` if that fails."""
    k = design.n // _SUBSAMPLE
    keep = np.zeros(design.n, bool)
    keep[::k] = True
    obj = _Objective(design.subset(keep), w[keep] * k, P, theta, np.arange(theta.size))
    out = maximise(obj, theta, 1e-4, max_iter)
    return theta if out is None or not np.all(np.isfinite(out[0])) else out[0]


class Refitter:
    """Refit one fitted model's design under new case weights (one per row given to `fit`),
    warm-started from the fitted parameters and Hessian: the bootstrap over releases as
    multinomial counts.

    Mirrors a fit on the physically resampled rows: covariate columns that are constant among
    the rows with positive weight are dropped, and so are baseline pieces that start after the
    last follow-up day among them; an exposure nobody with positive weight has is an
    EstimationError (its information is zero). Calling it returns the parameter vector (NaN
    where dropped). Not checked: covariates that become collinear in a resample.
    """

    def __init__(self, design, x_all, active, end, cuts, fitted, smooth, tol, max_iter):
        self.design, self.active, self.end = design, active, end
        self.x_inactive = x_all[~active]  # rows the fit skips still count for constant columns
        self.cuts, self.smooth, self.tol, self.max_iter = cuts, smooth, tol, max_iter
        self.theta, self.hessian = fitted  # unpenalised Hessian at the full-data estimate

    def free(self, weights) -> np.ndarray:
        """Which parameters the resampled fit estimates."""
        d = self.design
        on_all = np.asarray(weights, float) > 0
        on = on_all[self.active]
        K_b = int(np.sum(self.cuts[:-1] < self.end[on].max()))
        x = np.vstack([d.x[on], self.x_inactive[on_all[~self.active]]])
        varies = np.ptp(x, axis=0) > 0 if d.p else np.zeros(0, bool)
        return np.flatnonzero(np.r_[np.arange(d.K) < K_b, varies, np.ones(d.J, bool)])

    def __call__(self, weights) -> np.ndarray:
        d = self.design
        w = np.asarray(weights, float)[self.active]
        free = self.free(weights)
        exposed = (w @ d.M0 + w[d.iv] @ d.M1) @ d.ucell[:, d.K :]
        if np.any(exposed <= 0):
            j = int(np.flatnonzero(exposed <= 0)[0])
            raise EstimationError(f"exposure {j} has no exposed time in this sample.")
        K_b = int(np.sum(free < d.K))
        theta = self.theta.copy()
        theta[K_b : d.K] = theta[K_b - 1]  # pieces without follow-up: any finite value
        theta[d.K : d.K + d.p][~np.isin(np.arange(d.K, d.K + d.p), free)] = 0.0
        P = np.zeros((d.width, d.width))
        P[:K_b, :K_b] = penalty(K_b, K_b, self.smooth)
        obj = _Objective(d, w, P, theta, free)
        H0 = self.hessian[np.ix_(free, free)] - obj.P
        with _single_thread():
            th = fit_objective(obj, theta[free], self.tol, self.max_iter, H0, exact=False)[0]
        out = np.full(d.width, np.nan)
        out[free] = th
        return out


class PiecewiseExponentialPH:
    """Proportional hazards with a piecewise-constant baseline for (L, R] data (see module doc).

    `cuts`: baseline piece boundaries in days (the last piece extends to infinity).
    `smooth`: roughness penalty on neighbouring baseline log-hazards.
    `robust`: sandwich covariance (use with weights); otherwise inverse observed information.
    `tol`: convergence tolerance on the Newton step (score x inverse information), per component.
    """

    def __init__(self, cuts=DEFAULT_CUTS, *, smooth=1.0, robust=False, tol=1e-10, max_iter=200):
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
        x_all = Xf.to_numpy(float)
        # censored at or before entry: likelihood factor 1, nothing to contribute
        active = np.isfinite(upper) | (lower > entry)
        sel = slice(None) if active.all() else active
        lower, upper, entry, w = lower[sel], upper[sel], entry[sel], w[sel]
        cuts = np.asarray(self.cuts, float)
        end = np.where(np.isfinite(upper), upper, lower)
        cuts = np.append(cuts[cuts < end.max()], np.inf)  # no piece without time at risk
        seg = split_time(lower, upper, Sf.to_numpy(float)[sel], entry, cuts)
        K = cuts.size - 1
        design = _Design(seg, x_all[sel], K)
        names = [f"piece_{k}" for k in range(K)] + list(map(str, Xf.columns))
        names += list(map(str, Sf.columns))
        theta = self._start(seg, w, K, design.width) if init is None else np.array(init, float)
        self.n_events_ = int(np.sum(seg.kind != CENSORED))
        del seg  # the design holds what the fit needs (memory at national scale)
        P = penalty(design.width, K, self.smooth)
        obj = _Objective(design, w, P, theta, np.arange(theta.size))
        with _single_thread():
            if init is None and design.n > 2 * _SUBSAMPLE:
                theta = _subsample_start(design, w, P, theta, self.max_iter)
            theta, ll, H, n_iter = fit_objective(obj, theta, self.tol, self.max_iter)
            self._finish(theta, ll, H, n_iter, design, w, names, K, cuts)
        self._refitter = Refitter(
            design, x_all, active, end, cuts, (theta, H + P), self.smooth, self.tol, self.max_iter
        )
        self.n_exposures_ = Sf.shape[1]
        self.exposure_names_ = list(map(str, Sf.columns))
        self.n_ = n
        return self

    def score_residuals(self) -> np.ndarray:
        """Per-row score vectors at the estimate (rows given to `fit` x params_; zero for rows
        that contribute nothing), unweighted: sum them within clusters for a clustered sandwich."""
        r = self.refitter()
        out = np.zeros((r.active.size, r.design.width))
        out[r.active] = r.design.scores(self.params_.to_numpy())
        return out

    def refitter(self) -> Refitter:
        """A picklable callable: case weights (one per row given to `fit`) -> parameters."""
        if not hasattr(self, "_refitter"):
            raise EstimationError("this model is not fitted yet (or was unpickled); call fit().")
        return self._refitter

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_refitter", None)  # the design stays with the process that fitted it
        return state

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

    @staticmethod
    def _start(seg, w, K, p):
        time = np.bincount(seg.piece, seg.dt * w[seg.person], K)
        events = float(np.sum(w[seg.kind != CENSORED]))
        rate = max(events, 1.0) / max(time.sum(), 1e-9)
        theta = np.zeros(p)
        theta[:K] = np.log(rate)
        return theta

    def _finish(self, theta, ll, H, n_iter, design, w, names, K, cuts):
        info = -H
        try:
            inv = np.linalg.inv(info)
        except np.linalg.LinAlgError as exc:
            raise EstimationError("the information matrix is singular; drop a term.") from exc
        if self.robust:
            inv = inv @ design.score_outer(theta, w) @ inv
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
