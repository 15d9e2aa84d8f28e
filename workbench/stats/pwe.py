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

The segment design is in `workbench.stats.pwe_design`, the Newton maximiser in
`workbench.stats.newton`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

from workbench._base import check_is_fitted
from workbench.exceptions import DataError, EstimationError, NotFittedError
from workbench.stats.newton import Objective, fit_objective, maximise
from workbench.stats.pwe_design import CENSORED, Design, split_time
from workbench.stats.threads import single_thread_blas

DEFAULT_CUTS = (0, 30, 60, 90, 120, 180, 270, 365, 450, 545, 730, 910, 1096)
_SUBSAMPLE = 50_000  # people in the start-value fit of a large model
PIECE_TOL = 1e-4  # Newton step tolerance of the pieces' pass after the subsample's start


def _as_array(x, n, name):
    a = np.full(n, np.nan) if x is None else np.asarray(x, dtype=float)
    if a.shape != (n,):
        raise DataError(f"{name} has {a.shape[0]} values for {n} people; give one per person.")
    return a


def penalty(width: int, K: int, smooth: float) -> np.ndarray:
    """Second-order roughness penalty on neighbouring baseline log-hazards (first K entries)."""
    diff = np.diff(np.eye(K), axis=0)
    P = np.zeros((width, width))
    P[:K, :K] = smooth * diff.T @ diff
    return P


def _subsample_start(design: Design, w, P, theta, max_iter: int) -> np.ndarray:
    """Start values for a large fit: the fit to every k-th person (weights times k), so the
    full data need only the last few Newton steps. Falls back to `theta` if that fails."""
    k = design.n // _SUBSAMPLE
    keep = np.zeros(design.n, bool)
    keep[::k] = True
    obj = Objective(design.subset(keep), w[keep] * k, P, theta, np.arange(theta.size))
    out = maximise(obj, theta, 1e-4, max_iter)
    return theta if out is None or not np.all(np.isfinite(out[0])) else out[0]


class _PieceObjective(Objective):
    """The penalised log-likelihood over the pieces and exposures alone (`free` =
    `Design.u_index`), the covariates' coefficients held."""

    def derivatives(self, theta, vals, hess=True):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            g, H = self.design.derivatives_u(vals, self.w, hess)
        return g - self.P @ theta, (H - self.P if hess else None)


def _piece_pass(design: Design, w, P, theta, max_iter: int) -> np.ndarray:
    """The pieces and exposures fitted to the full data, the covariates' coefficients held at
    the subsample's: the subsample has few people in the last pieces, whose log-hazards the
    full Newton would otherwise walk to in several whole-Hessian steps (a piece-only step costs
    a fraction of one). Falls back to `theta` if that fails."""
    obj = _PieceObjective(design, w, P, theta, design.u_index)
    out = maximise(obj, theta[design.u_index], PIECE_TOL, max_iter)
    return theta if out is None or not np.all(np.isfinite(out[0])) else obj.full(out[0]).copy()


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
        obj = Objective(d, w, P, theta, free)
        H0 = self.hessian[np.ix_(free, free)] - obj.P
        with single_thread_blas():
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
        Sf = pd.DataFrame(starts) if starts is not None else pd.DataFrame()
        if Sf.shape[1] == 0:  # no exposure (e.g. every subgroup had too few exposed)
            Sf = pd.DataFrame(index=range(n))
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
        design = Design(seg, x_all[sel], K)
        names = [f"piece_{k}" for k in range(K)] + list(map(str, Xf.columns))
        names += list(map(str, Sf.columns))
        theta = self._start(seg, w, K, design.width) if init is None else np.array(init, float)
        self.n_events_ = int(np.sum(seg.kind != CENSORED))
        del seg  # the design holds what the fit needs (memory at national scale)
        P = penalty(design.width, K, self.smooth)
        obj = Objective(design, w, P, theta, np.arange(theta.size))
        with single_thread_blas():
            if init is None and design.n > 2 * _SUBSAMPLE:
                theta = _subsample_start(design, w, P, theta, self.max_iter)
                theta = _piece_pass(design, w, P, theta, self.max_iter)
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
        scores = r.design.scores(self.params_.to_numpy())
        if r.active.all():
            return scores
        out = np.zeros((r.active.size, r.design.width))
        out[r.active] = scores
        return out

    def score_sums(self, groups=None, weights=None) -> np.ndarray:
        """sum_i w_i s_i within each group (codes 0..G-1, one per row given to `fit`; default:
        each row alone) of the per-row score vectors `score_residuals` (weights `weights`,
        default 1): the clustered sandwich's scores, without holding the rows x params matrix."""
        r = self.refitter()
        n = r.active.size
        codes_ = np.arange(n) if groups is None else np.asarray(groups)
        w = np.ones(n) if weights is None else np.asarray(weights, float)
        keep = np.flatnonzero(r.active)  # the others' scores are 0
        member = sparse.csr_matrix(
            (w[keep], (codes_[keep], np.arange(keep.size))),
            shape=(int(codes_.max()) + 1 if n else 0, keep.size),
        )
        return r.design.scores(self.params_.to_numpy(), member)

    def refitter(self) -> Refitter:
        """A picklable callable: case weights (one per row given to `fit`) -> parameters."""
        if not hasattr(self, "_refitter"):
            raise NotFittedError(
                "this PiecewiseExponentialPH is not fitted yet (or was unpickled: the design stays "
                "with the process that fitted it); call fit() first"
            )
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
        check_is_fitted(self, "params_")
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
        check_is_fitted(self, "params_")
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
