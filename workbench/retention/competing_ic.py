"""Cumulative incidence of relapse (interval-censored) with death (exactly dated) competing:
the nonparametric maximum-likelihood estimator of Hudgens, Satten & Longini (2001) and Jewell,
van der Laan & Henneman (2003).

Data per release: relapse seen in (L, R] (R = L: an exact day); or a death on day d with no
relapse before it; or neither, relapse-free up to L and alive up to A >= L (A = L unless a later
day is known, e.g. a transfer). The estimator puts cause-specific masses on innermost intervals:
relapse masses on the innermost intervals of the relapse intervals (L, R] and the censoring sets
(L, inf); death masses on the death days and the censoring sets (A, inf). A release's likelihood
is the total mass of its set: relapse cells inside (L, R]; the death cell {d}; or, when censored,
every relapse cell after L plus every death cell after A (still event-free at L).

Ordering the cells as relapse cells by time, then death cells in reverse time order, makes every
set one contiguous run, so the engine is the Turnbull NPMLE's (`workbench.retention.npmle`:
SQUAREM-accelerated EM, support-reduction Newton), converged when the Kuhn-Tucker conditions
hold (`kt_violation_` <= 1e-8, relative). With every relapse dated exactly the estimator is the
Aalen-Johansen estimator (tests/test_competing_ic.py against R's survfit).

Convention inside an innermost interval (l, r], where the incidence is not identified: its mass
counts from just after l (as `TurnbullFitter`: 1 - NPMLE retention when nobody dies).
Confidence intervals: percentile bootstrap over releases, each replicate seeded by a child of
SeedSequence(seed) and warm-started from the full-data masses on the full data's cells
(`workbench.effects.estimate.run_replicates`: joblib processes or Dask).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.codes import DAYS_PER_MONTH, MILESTONE_MONTHS
from workbench.exceptions import DataError, EstimationError, ParameterError, StatisticalWarning
from workbench.retention.npmle import (
    Innermost,
    _loglik,
    _npmle,
    _single_thread,
    innermost,
    npmle,
)
from workbench.retention.turnbull import KT_TOLERANCE, _resample_weights

CAUSES = ("relapse", "death")
METHOD = "competing-risks NPMLE (interval-censored relapse, exact death)"


@dataclass(frozen=True)
class Cells:
    """Relapse cells (innermost intervals, by time) then death cells (reverse time order)."""

    relapse: Innermost
    death: Innermost

    @property
    def m1(self) -> int:
        return int(self.relapse.left.size)

    @property
    def size(self) -> int:
        return self.m1 + int(self.death.left.size)


def competing_intervals(cohort: pd.DataFrame) -> pd.DataFrame:
    """lower, upper (NaN: no relapse seen), death (NaN: none) and alive (last day known alive)
    per cohort row (`workbench.cohort.build_cohort`)."""
    need = ("lower_day", "upper_day", "event", "death_day")
    missing = [c for c in need if c not in cohort.columns]
    if missing:
        raise ParameterError(
            f"the cohort table lacks column(s) {', '.join(missing)}; build it with "
            "workbench.cohort.build_cohort"
        )
    event = cohort["event"].astype(str).to_numpy()
    lower = cohort["lower_day"].to_numpy(float)
    relapse, died = event == "relapse", event == "death"
    alive = lower.copy()
    if "last_day" in cohort.columns:
        last = cohort["last_day"].to_numpy(float)
        alive = np.where(~relapse & ~died & np.isfinite(last), np.maximum(last, lower), lower)
    return pd.DataFrame(
        {
            "lower": lower,
            "upper": np.where(relapse, cohort["upper_day"].to_numpy(float), np.nan),
            "death": np.where(died, cohort["death_day"].to_numpy(float), np.nan),
            "alive": alive,
        },
        index=cohort.index,
    )


def _check(lower, upper, death, alive):
    lo = np.asarray(lower, float).ravel()
    n = lo.size
    if n == 0:
        raise EstimationError("no releases to estimate from; pass at least one row.")
    up, de, al = (
        np.full(n, np.nan) if x is None else np.asarray(x, float).ravel()
        for x in (upper, death, alive)
    )
    if up.size != n or de.size != n or al.size != n:
        raise DataError("lower, upper, death and alive need one value per release.")
    al = np.where(np.isnan(al), lo, al)
    up = np.where(np.isinf(up), np.nan, up)
    rel = ~np.isnan(up)
    for bad, what in (
        (~np.isfinite(lo) | (lo < 0), "lower must be a day >= 0 (the last relapse-free day)"),
        (rel & (up < lo), "upper is before lower; a relapse interval is (lower, upper]"),
        (~rel & np.isfinite(de) & (de < lo), "the death day is before lower"),
        (~np.isfinite(al) | (al < lo), "alive must be a day >= lower"),
    ):
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(f"row {i:,}: {what}; fix the row or drop it.", row=i)
    return lo, up, np.where(rel, np.nan, de), al


def cell_runs(lower, upper, death, alive) -> tuple[Cells, np.ndarray, np.ndarray]:
    """The cells and each release's run [lo, hi] of them (see the module docstring)."""
    lo, up, de, al = _check(lower, upper, death, alive)
    rel, dead = ~np.isnan(up), np.isfinite(de)
    cens = ~rel & ~dead
    r_rows = np.flatnonzero(rel | cens)
    inn1 = innermost(lo[r_rows], np.where(rel, up, np.inf)[r_rows])
    d_rows = np.flatnonzero(dead | cens)
    d_lo, d_hi = np.where(dead, de, al)[d_rows], np.where(dead, de, np.inf)[d_rows]
    if d_rows.size:
        inn2 = innermost(d_lo, d_hi)
    else:
        empty = np.zeros(0)
        inn2 = Innermost(empty, empty, empty.astype(bool), empty.astype(int), empty.astype(int))
    cells = Cells(inn1, inn2)
    m1, m = cells.m1, cells.size
    first, last = np.zeros(lo.size, int), np.zeros(lo.size, int)
    first[r_rows], last[r_rows] = inn1.lo, inn1.hi
    rev_lo, rev_hi = m - 1 - inn2.hi, m - 1 - inn2.lo  # death cells in reverse time order
    d_first, d_last = np.zeros(lo.size, int), np.zeros(lo.size, int)
    d_first[d_rows], d_last[d_rows] = rev_lo, rev_hi
    if np.any(cens & ((last != m1 - 1) | (d_first != m1))):
        raise EstimationError("internal: a censoring set is not one run of cells")
    first = np.where(dead, d_first, first)
    last = np.where(dead | cens, d_last, last)
    return cells, first, last


def _aggregate(first, last, w):
    code = first.astype(np.int64) * (int(last.max()) + 1) + last
    ucode, pair = np.unique(code, return_inverse=True)
    pair = pair.ravel()
    width = int(last.max()) + 1
    return ucode // width, ucode % width, pair, np.bincount(pair, w, minlength=ucode.size)


def _cumulative(drop_at, masses, t) -> np.ndarray:
    cum = np.concatenate(([0.0], np.cumsum(masses)))
    return cum[np.searchsorted(drop_at, np.asarray(t, float), side="left")]


class _Replicate:
    """One bootstrap replicate: masses on the full data's cells for a resample of releases."""

    def __init__(self, lo, hi, n_pair, w_pair, release, p0, tol, max_iter):
        self.lo, self.hi, self.n_pair, self.w_pair = lo, hi, n_pair, w_pair
        self.release, self.p0, self.tol, self.max_iter = release, p0, tol, max_iter

    def __call__(self, rng) -> np.ndarray:
        wb = _resample_weights(rng, self.n_pair, self.w_pair, *self.release)
        keep = wb > 0
        with _single_thread():
            p, _, kt = _npmle(
                wb[keep], self.lo[keep], self.hi[keep], self.p0.size, self.tol,
                self.max_iter, self.p0,
            )  # fmt: skip
        if kt > KT_TOLERANCE:
            raise EstimationError("a bootstrap replicate did not converge")
        return p


class CompetingRisksNPMLE:
    """Cumulative incidence of relapse and of death from (L, R] relapses and exact deaths.

    `n_bootstrap` percentile-bootstrap replicates (seeded by `seed`) give the CIs; `n_jobs` /
    `scheduler` say where they run (`workbench.effects.estimate.run_replicates`).
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
    ) -> None:
        self.alpha, self.n_bootstrap, self.seed = alpha, n_bootstrap, seed
        self.tol, self.max_iter = tol, max_iter
        self.n_jobs, self.scheduler = n_jobs, scheduler
        self.causes = CAUSES

    def fit(self, lower, upper=None, death=None, alive=None, weights=None, label=None):
        """Fit; `upper` NaN where no relapse was seen, `death` NaN where nobody died, `alive`
        the last day known alive of a censored release (default: lower). Returns self."""
        if not 0 < self.alpha < 1:
            raise ParameterError(f"alpha must be in (0, 1); got {self.alpha}.")
        if int(self.n_bootstrap) < 0:
            raise ParameterError(f"n_bootstrap must be >= 0; got {self.n_bootstrap}.")
        cells, first, last = cell_runs(lower, upper, death, alive)
        n = first.size
        w = np.ones(n) if weights is None else np.asarray(weights, float).ravel()
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ParameterError(f"weights must be {n} finite values >= 0, not all 0.")
        plo, phi, pair, w_pair = _aggregate(first, last, w)
        keep = w_pair > 0
        p, n_iter, kt = npmle(w_pair[keep], plo[keep], phi[keep], cells.size, self.tol,
                              self.max_iter)  # fmt: skip
        if kt > KT_TOLERANCE:
            warnings.warn(
                f"competing-risks NPMLE stopped after {n_iter:,} iterations with a Kuhn-Tucker "
                f"violation of {kt:.1e} (> {KT_TOLERANCE:.0e}); raise max_iter.",
                StatisticalWarning,
                stacklevel=2,
            )
        self.cells_, self.masses_ = cells, p
        self.kt_violation_, self.n_iter_ = float(kt), int(n_iter)
        self.loglik_ = _loglik(p, w_pair[keep], plo[keep], phi[keep])
        self.label_ = "all" if label is None else str(label)
        self.n_ = n
        self.n_relapses_ = int(np.sum(last < cells.m1))
        self.n_deaths_ = int(np.sum(first == last) - np.sum((first == last) & (last < cells.m1)))
        lo = np.asarray(lower, float).ravel()
        ends = np.r_[lo, *(np.asarray(x, float).ravel() for x in (upper, death, alive)
                           if x is not None)]  # fmt: skip
        self.max_time_ = float(np.nanmax(np.where(np.isinf(ends), np.nan, ends)))
        n_pair = np.bincount(pair, minlength=plo.size).astype(float)
        uniform = np.allclose(w, (w_pair / np.maximum(n_pair, 1))[pair], rtol=1e-12, atol=0)
        self._pairs = (plo, phi, n_pair, w_pair, (None, None) if uniform else (pair, w))
        self._boot = None
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "masses_"):
            raise EstimationError("this CompetingRisksNPMLE is not fitted yet; call fit() first")

    def _cause(self, cause: str) -> tuple[np.ndarray, slice]:
        """(sorted drop positions, slice of the cause's masses in time order)."""
        if cause not in self.causes:
            raise ParameterError(f"cause {cause!r} is not one of {', '.join(self.causes)}")
        m1, m = self.cells_.m1, self.cells_.size
        if cause == "relapse":
            return self.cells_.relapse.drop_at, slice(0, m1)
        return self.cells_.death.drop_at, slice(m - 1, m1 - 1 if m1 > 0 else None, -1)

    def _cif(self, masses: np.ndarray, cause: str, t) -> np.ndarray:
        drop, part = self._cause(cause)
        return _cumulative(drop, masses[part], t)

    def _replicates(self) -> np.ndarray:
        if self._boot is None:
            from workbench.effects.estimate import run_replicates

            plo, phi, n_pair, w_pair, release = self._pairs
            fn = _Replicate(plo, phi, n_pair, w_pair, release, self.masses_, self.tol,
                            self.max_iter)  # fmt: skip
            seeds = np.random.SeedSequence(self.seed).spawn(int(self.n_bootstrap))
            rows = [
                r for r in run_replicates(fn, seeds, self.n_jobs, self.scheduler) if r is not None
            ]
            self._boot = np.array(rows).reshape(len(rows), self.masses_.size)
        return self._boot

    def cif_at(self, times, cause: str = "relapse") -> pd.DataFrame:
        """Cumulative incidence of `cause` at `times` (days): estimate, bootstrap se and
        percentile CI; NaN after the last day anyone was observed (unless nobody is left
        event-free)."""
        self._check_fitted()
        q = np.atleast_1d(np.asarray(times, dtype=float))
        est = self._cif(self.masses_, cause, q)
        reps = self._replicates() if self.n_bootstrap > 0 else np.zeros((0, 0))
        if len(reps):
            boot = np.array([self._cif(r, cause, q) for r in reps])
            se = boot.std(axis=0, ddof=1) if len(boot) > 1 else np.full(q.size, np.nan)
            lower, upper = np.quantile(boot, [self.alpha / 2, 1 - self.alpha / 2], axis=0)
        else:
            se = lower = upper = np.full(q.size, np.nan)
        frame = pd.DataFrame({"time": q, "estimate": est, "se": se, "lower": lower, "upper": upper})
        if self.event_free_at([np.inf])[0] > 1e-12:
            frame.loc[q > self.max_time_ + 1e-8, ["estimate", "se", "lower", "upper"]] = np.nan
        return frame

    def event_free_at(self, times) -> np.ndarray:
        """P(neither relapse nor death by day t)."""
        self._check_fitted()
        t = np.atleast_1d(np.asarray(times, float))
        finite = np.isfinite(t)
        f = self._cif(self.masses_, "relapse", t) + self._cif(self.masses_, "death", t)
        return np.where(finite, 1.0 - f, 1.0 - self._open_free())

    def _open_free(self) -> float:
        """Mass of the events dated by the data (finite cells): 1 - event-free share at infinity."""
        rel, dea = self.cells_.relapse, self.cells_.death
        finite = np.r_[np.isfinite(rel.right), np.isfinite(dea.right)[::-1]]
        return float(self.masses_[finite].sum())

    def milestones(self, months=MILESTONE_MONTHS, cause: str = "relapse") -> pd.DataFrame:
        """Cumulative incidence of `cause` at milestone months (same columns as
        `AalenJohansen.milestones`)."""
        months = np.atleast_1d(np.asarray(months, dtype=float))
        res = self.cif_at(months * DAYS_PER_MONTH, cause)
        return pd.DataFrame(
            {
                "group": self.label_,
                "cause": cause,
                "months": months,
                "day": res["time"],
                "estimate": res["estimate"],
                "lower": res["lower"],
                "upper": res["upper"],
                "method": METHOD,
            }
        )

    def curve(self, cause: str = "relapse") -> pd.DataFrame:
        """Curve rows (time, estimate, lower, upper, label, cause) from day 0 to the last day
        observed, stepping just after each innermost interval's left end."""
        self._check_fitted()
        drop, _ = self._cause(cause)
        t = np.unique(np.r_[0.0, drop[np.isfinite(drop) & (drop <= self.max_time_)],
                            self.max_time_])  # fmt: skip
        at = np.nextafter(t, np.inf)
        at[0] = 0.0
        res = self.cif_at(at, cause)
        out = pd.DataFrame(
            {"time": t, "estimate": res["estimate"], "lower": res["lower"], "upper": res["upper"]}
        )
        out["label"] = f"{self.label_}: {cause}" if self.label_ != "all" else cause
        out["cause"] = cause
        return out

    def summary(self, months=MILESTONE_MONTHS) -> pd.DataFrame:
        """Milestone incidences of both causes."""
        return pd.concat([self.milestones(months, c) for c in self.causes], ignore_index=True)

    def plot(self, ax=None, lang: str = "en"):
        """Cumulative incidence curves of both causes (workbench.plots.cif_plot)."""
        from workbench.plots import cif_plot

        self._check_fitted()
        return cif_plot(
            pd.concat([self.curve(c) for c in self.causes], ignore_index=True), ax=ax, lang=lang
        )


def fit_cohort(cohort: pd.DataFrame, **kwargs) -> CompetingRisksNPMLE:
    """`CompetingRisksNPMLE(**kwargs)` fitted to a cohort table (`competing_intervals`)."""
    d = competing_intervals(cohort)
    return CompetingRisksNPMLE(**kwargs).fit(d["lower"], d["upper"], d["death"], d["alive"])
