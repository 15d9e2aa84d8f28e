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
set one contiguous run, so the engine is the Turnbull NPMLE's (`workbench.stats.npmle`:
SQUAREM-accelerated EM, support-reduction Newton), converged when the Kuhn-Tucker conditions
hold (`kt_violation_` <= 1e-8, relative). With every relapse dated exactly the estimator is the
Aalen-Johansen estimator (tests/retention/test_competing_ic.py against R's survfit).

Convention inside an innermost interval (l, r], where the incidence is not identified: its mass
counts from just after l (as `TurnbullFitter`: 1 - NPMLE retention when nobody dies).
Confidence intervals: percentile bootstrap over releases, each replicate seeded by a child of
SeedSequence(seed) and warm-started from the full-data masses on the full data's cells
(`workbench.stats.bootstrap.run_replicates`: joblib processes or Dask).

Size: the estimator, its data checks, its bootstrap and its milestone rows are one concept
(about 400 lines); the engine itself is `workbench.stats.npmle`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED, check_is_fitted
from workbench.data.codes import DAYS_PER_MONTH, MILESTONE_MONTHS
from workbench.exceptions import DataError, EstimationError, ParameterError, StatisticalWarning
from workbench.i18n import Text
from workbench.retention.competing import milestone_frame
from workbench.stats.bootstrap import resample_weights, run_replicates
from workbench.stats.intervals import Innermost, innermost
from workbench.stats.npmle import KT_TOLERANCE, cumulative_mass, loglik, npmle, npmle_warm

CAUSES = ("relapse", "death")
COMPETING_WORDS = ("death", "competing")  # a cohort's / an analysis-ready spec's word
METHOD = "competing-risks NPMLE (interval-censored relapse, exact death)"
METHOD_TEXT = (Text("method_competing_npmle"),)  # METHOD in catalog words


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
    per cohort row (`workbench.cohort.build_cohort`; event "death", or "competing" in an
    analysis-ready table, is the competing event, dated by death_day)."""
    need = ("lower_day", "upper_day", "event", "death_day")
    missing = [c for c in need if c not in cohort.columns]
    if missing:
        raise ParameterError(
            f"the cohort table lacks column(s) {', '.join(missing)}; build it with "
            "workbench.cohort.build_cohort"
        )
    event = cohort["event"].astype(str).to_numpy()
    lower = cohort["lower_day"].to_numpy(float)
    relapse, died = event == "relapse", np.isin(event, COMPETING_WORDS)
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
    """Unique runs: their ends, each row's run and the runs' summed weights."""
    width = int(last.max()) + 1
    ucode, pair = np.unique(first.astype(np.int64) * width + last, return_inverse=True)
    pair = pair.ravel()
    return ucode // width, ucode % width, np.bincount(pair, w, minlength=ucode.size)


@dataclass(frozen=True)
class Fit:
    """Cells, masses (cell order) and the optimiser's record of one NPMLE."""

    cells: Cells
    masses: np.ndarray
    n_iter: int
    kt: float
    loglik: float

    def cause(self, cause: str) -> tuple[np.ndarray, np.ndarray]:
        """(sorted drop positions, masses in time order) of `cause`."""
        m1 = self.cells.m1
        if cause == "relapse":
            return self.cells.relapse.drop_at, self.masses[:m1]
        return self.cells.death.drop_at, self.masses[m1:][::-1]

    def cif(self, cause: str, t) -> np.ndarray:
        return cumulative_mass(*self.cause(cause), t)

    def warm(self, cells: Cells) -> np.ndarray:
        """These masses summed over each (coarser) cell of a resample's `cells`."""
        parts = []
        for cause, inn in (("relapse", cells.relapse), ("death", cells.death)):
            drop, p = self.cause(cause)
            cum = np.r_[0.0, np.cumsum(p)]
            start = inn.position
            end = np.where(inn.point, inn.right, np.where(np.isinf(inn.right), np.inf, inn.right))
            take = cum[np.searchsorted(drop, end, side="left")]
            if np.isinf(drop[-1:]).any():  # the open cell's mass stays in the open cell
                take = np.where(np.isinf(inn.right), cum[-1], take)
            parts.append(take - cum[np.searchsorted(drop, start, side="left")])
        return np.clip(np.r_[parts[0], parts[1][::-1]], 0.0, None)


def _tuples(lo, up, de, al):
    """Unique release records (NaN coded as -1) and each release's index into them."""
    X = np.column_stack([lo, np.nan_to_num(up, nan=-1.0), np.nan_to_num(de, nan=-1.0), al])
    u, pair = np.unique(X, axis=0, return_inverse=True)
    u[:, 1:3] = np.where(u[:, 1:3] < 0, np.nan, u[:, 1:3])
    return u, pair.ravel()


def fit_records(records, w, tol, max_iter, warm: Fit | None = None) -> Fit:
    """The NPMLE of weighted unique records (lower, upper, death, alive); `warm`: start from
    another fit's masses (a few accelerated EM steps, then support reduction; cold if that does
    not reach the Kuhn-Tucker tolerance)."""
    keep = w > 0
    cells, first, last = cell_runs(*records[keep].T)
    lo, hi, wp = _aggregate(first, last, w[keep])
    if warm is None:
        p, n_iter, kt = npmle(wp, lo, hi, cells.size, tol, max_iter)
    else:
        p, n_iter, kt = npmle_warm(wp, lo, hi, cells.size, warm.warm(cells), tol, max_iter)
    return Fit(cells, p, int(n_iter), float(kt), loglik(p, wp, lo, hi))


class _Replicate:
    """One bootstrap replicate: the NPMLE of a resample of releases (multinomial counts)."""

    def __init__(self, records, n_rec, w_rec, release, full: Fit, tol, max_iter):
        self.records, self.n_rec, self.w_rec, self.release = records, n_rec, w_rec, release
        self.full, self.tol, self.max_iter = full, tol, max_iter

    def __call__(self, rng) -> Fit:
        wb = resample_weights(rng, self.n_rec, self.w_rec, *self.release)
        fit = fit_records(self.records, wb, self.tol, self.max_iter, warm=self.full)
        if fit.kt > KT_TOLERANCE:
            raise EstimationError("a bootstrap replicate did not converge")
        return fit


class CompetingRisksNPMLE:
    """Cumulative incidence of relapse and of death from (L, R] relapses and exact deaths.

    `n_bootstrap` percentile-bootstrap replicates (seeded by `seed`) give the CIs; `n_jobs` /
    `scheduler` say where they run (`workbench.stats.bootstrap.run_replicates`).
    """

    method = METHOD  # the English label; `method_text`: the same in catalog words
    method_text = METHOD_TEXT

    def __init__(
        self,
        alpha: float = 0.05,
        n_bootstrap: int = 200,
        seed: int = DEFAULT_SEED,
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
        lo, up, de, al = _check(lower, upper, death, alive)
        n = lo.size
        w = np.ones(n) if weights is None else np.asarray(weights, float).ravel()
        if w.shape != (n,) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ParameterError(f"weights must be {n} finite values >= 0, not all 0.")
        records, pair = _tuples(lo, up, de, al)
        w_rec = np.bincount(pair, w, minlength=len(records))
        fit = fit_records(records, w_rec, self.tol, self.max_iter)
        if fit.kt > KT_TOLERANCE:
            message = (
                f"competing-risks NPMLE stopped after {fit.n_iter:,} iterations with a "
                f"Kuhn-Tucker violation of {fit.kt:.1e} (> {KT_TOLERANCE:.0e}); raise max_iter."
            )
            caveat = StatisticalWarning(
                message, code="competing_npmle_not_converged", n_iter=fit.n_iter, kt=fit.kt
            )
            warnings.warn(caveat, stacklevel=2)
        self.fit_, self.cells_, self.masses_ = fit, fit.cells, fit.masses
        self.kt_violation_, self.n_iter_, self.loglik_ = fit.kt, fit.n_iter, fit.loglik
        self.label_ = "all" if label is None else str(label)
        self.n_ = n
        self.n_relapses_ = int(np.sum(np.isfinite(up)))
        self.n_deaths_ = int(np.sum(np.isfinite(de)))
        ends = np.r_[lo, up[np.isfinite(up)], de[np.isfinite(de)], al]
        self.max_time_ = float(ends.max())
        n_rec = np.bincount(pair, minlength=len(records)).astype(float)
        uniform = np.allclose(w, (w_rec / np.maximum(n_rec, 1))[pair], rtol=1e-12, atol=0)
        self._records = (records, n_rec, w_rec, (None, None) if uniform else (pair, w))
        self._boot = None
        return self

    def _cause(self, cause: str) -> str:
        if cause not in self.causes:
            raise ParameterError(f"cause {cause!r} is not one of {', '.join(self.causes)}")
        return cause

    def _replicates(self) -> list[Fit]:
        if self._boot is None:
            records, n_rec, w_rec, release = self._records
            fn = _Replicate(records, n_rec, w_rec, release, self.fit_, self.tol, self.max_iter)
            seeds = np.random.SeedSequence(self.seed).spawn(int(self.n_bootstrap))
            rows = run_replicates(fn, seeds, self.n_jobs, self.scheduler)
            self._boot = [r for r in rows if r is not None]
        return self._boot

    def cif_at(self, times, cause: str = "relapse") -> pd.DataFrame:
        """Cumulative incidence of `cause` at `times` (days): estimate, bootstrap se and
        percentile CI; NaN after the last day anyone was observed (unless nobody is left
        event-free)."""
        check_is_fitted(self, "fit_")
        q = np.atleast_1d(np.asarray(times, dtype=float))
        est = self.fit_.cif(self._cause(cause), q)
        reps = self._replicates() if self.n_bootstrap > 0 else []
        if len(reps):
            boot = np.array([r.cif(cause, q) for r in reps])
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
        check_is_fitted(self, "fit_")
        t = np.atleast_1d(np.asarray(times, float))
        finite = np.isfinite(t)
        f = self.fit_.cif("relapse", t) + self.fit_.cif("death", t)
        return np.where(finite, 1.0 - f, 1.0 - self._open_free())

    def _open_free(self) -> float:
        """Mass of the events dated by the data (finite cells): 1 - event-free share at infinity."""
        rel, dea = self.cells_.relapse, self.cells_.death
        finite = np.r_[np.isfinite(rel.right), np.isfinite(dea.right)[::-1]]
        return float(self.masses_[finite].sum())

    def milestones(self, months=MILESTONE_MONTHS, cause: str = "relapse") -> pd.DataFrame:
        """Cumulative incidence of `cause` at milestone months (same columns as
        `AalenJohansen.milestones`)."""
        return milestone_frame(self, months, cause, self.method)

    def curve(self, cause: str = "relapse") -> pd.DataFrame:
        """Curve rows (time, estimate, lower, upper, label, cause) from day 0 to the last day
        observed, stepping just after each innermost interval's left end."""
        check_is_fitted(self, "fit_")
        drop, _ = self.fit_.cause(self._cause(cause))
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

    def plot(self, ax=None):
        """Cumulative incidence curves of both causes (`workbench.plots.cif_plot`; in another
        language: `cif_plot(pd.concat([fit.curve(c) for c in fit.causes]), lang=...)`)."""
        from workbench.plots import cif_plot

        check_is_fitted(self, "fit_")
        return cif_plot(pd.concat([self.curve(c) for c in self.causes], ignore_index=True), ax=ax)


def fit_cohort(cohort: pd.DataFrame, **kwargs) -> CompetingRisksNPMLE:
    """`CompetingRisksNPMLE(**kwargs)` fitted to a cohort table (`competing_intervals`)."""
    d = competing_intervals(cohort)
    return CompetingRisksNPMLE(**kwargs).fit(d["lower"], d["upper"], d["death"], d["alive"])


def compare_with_visit_dates(
    cohort: pd.DataFrame, months, fit: CompetingRisksNPMLE, truth_table: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Relapse incidence at `months`: this NPMLE, the Aalen-Johansen estimator on visit-dated
    times (the comparison that shows the bias) and, for a simulated cohort
    (`Simulation.truth_table`), the cohort's true incidence from its true relapse and death days."""
    from workbench.retention.competing import AalenJohansen, best_available_times

    m = np.atleast_1d(np.asarray(months, float))
    days = m * DAYS_PER_MONTH
    bt = best_available_times(cohort)
    aj = AalenJohansen().fit(bt["time"].to_numpy(float), bt["status"].to_numpy(int))
    out = pd.DataFrame(
        {
            "months": m,
            "NPMLE (intervals)": fit.cif_at(days)["estimate"].to_numpy(),
            "Aalen-Johansen, visit dates (comparison)": aj.cif_at(days)["estimate"].to_numpy(),
        }
    )
    if truth_table is not None:
        t = truth_table.set_index("release_id").loc[cohort["release_id"]]
        r, d = t["relapse_day"].to_numpy(float), t["death_day"].to_numpy(float)
        out["truth"] = [float(np.mean((r <= x) & (r < d))) for x in days]
    return out
