"""Primary analysis: all supports as time-varying exposures in one proportional-hazards model
for interval-censored relapse, adjusted for baseline confounders (design.md, "why it is hard").

The model is the penalised piecewise-exponential PH model of `pwe`: each exposure switches on at
its start day, so nobody is credited with the time they had to stay abstinent to receive support
(no immortal time), and an exposure starting between two visits enters the (L, R] likelihood
exactly. By default (`lag="contact"`) a support counts from the first relapse-free contact
(negative visit) on or after its start: then it never switches on inside a visit interval, where
its effect could not be told apart from the shape of the baseline hazard within the interval,
and where support given only to the still-abstinent would look protective (the time from the
start to that contact counts as unexposed, a small dilution). Deaths, transfers, loss and the
end of tracking censor relapse at the last day known relapse-free (a cause-specific hazard).
With `lag="none"` a support start before R can count as a relapse-free contact
(`starts_imply_relapse_free`).

Confidence intervals: a percentile bootstrap over releases (`n_bootstrap` replicates, the default),
or with `n_bootstrap=0` the model-based interval (sandwich over releases by default, `robust=True`;
else inverse information), validated for coverage by the simulation study. Each bootstrap
replicate refits the one design with the releases' multinomial counts as case weights,
warm-started from the full-data fit (the same estimate as a fit on the copied rows, to 1e-6);
replicates run on `n_jobs` joblib processes or on a Dask cluster (`scheduler=`: a distributed
Client, a cluster or its address; or under `joblib.parallel_config(backend="dask")`), each
seeded by its own SeedSequence child, so the draws do not depend on where they ran. Unit
costs (bench/effects.py --scale): one replicate is about 0.05 s of CPU at 23,000 releases,
0.5 s at 230,000 and 5 s at 2.3 million; at national scale use `n_bootstrap=0`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED, check_is_fitted
from workbench.data.codes import MIN_EXPOSED_RELAPSES, SUPPRESSION_THRESHOLD
from workbench.effects.design import category_levels, default_confounders, encode
from workbench.effects.estimate import EffectEstimate, not_estimable
from workbench.effects.exposure import check_exposures, lag_to_contacts
from workbench.effects.methods import commas, english, piece
from workbench.exceptions import DataError, ParameterError
from workbench.stats.bootstrap import bootstrap, percentile_ci
from workbench.stats.pwe import DEFAULT_CUTS, PiecewiseExponentialPH

METHOD_TEXT = (commas(piece("tv_pwe"), piece("interval_censored")),)
METHOD = english(METHOD_TEXT)  # "time-varying piecewise-exponential PH, interval-censored"
LAGS = ("contact", "none")


class _ExposureRefit:
    """One bootstrap replicate: resample releases (rng.integers, as a fit on copied rows
    would), refit with their counts as case weights, return the exposures' coefficients."""

    def __init__(self, refitter, n: int, columns: list[int]):
        self.refitter, self.n, self.columns = refitter, n, columns

    def __call__(self, rng: np.random.Generator) -> np.ndarray:
        counts = np.bincount(rng.integers(0, self.n, self.n), minlength=self.n)
        return self.refitter(counts)[self.columns]


def relapse_free_at_starts(lower, upper, starts) -> np.ndarray:
    """L moved up to the last support start before R: support is given in person to people
    not (yet) relapsed, so a start is also a relapse-free contact (the simulator's rule)."""
    limit = np.where(np.isfinite(upper), upper, np.inf)
    before = np.where(starts < limit[:, None], starts, -np.inf)
    last = before.max(axis=1) if before.shape[1] else np.full(lower.shape, -np.inf)
    return np.maximum(lower, last)


def lagged_starts(lag: str, starts: pd.DataFrame, contacts=None) -> pd.DataFrame:
    """Start days as the model counts them: at the next relapse-free contact (lag='contact',
    needs `contacts`) or on the start day itself (lag='none')."""
    if lag not in LAGS:
        raise ParameterError(f"lag {lag!r} is not one of: {', '.join(LAGS)}.")
    if lag == "none":
        return starts
    if contacts is None:
        raise ParameterError(
            "lag='contact' needs contacts=relapse_free_contacts(ds); or use lag='none'."
        )
    return lag_to_contacts(starts, contacts)


class TimeVaryingEffects:
    """Hazard ratios of supports as time-varying exposures (the primary analysis).

    fit(cohort, starts): `cohort` as from `workbench.cohort.build_cohort` (lower_day, upper_day,
    confounders); `starts` indexed by release_id, one column of start days per exposure.
    `n_bootstrap=0`: model-based CIs only; `scheduler`: run the bootstrap on Dask (module doc).
    """

    def __init__(
        self,
        exposures=None,
        confounders=None,
        *,
        cuts=DEFAULT_CUTS,
        smooth: float = 1.0,
        n_bootstrap: int = 200,
        seed: int = DEFAULT_SEED,
        n_jobs: int = 1,
        alpha: float = 0.05,
        min_exposed: int = SUPPRESSION_THRESHOLD,
        min_events: int = MIN_EXPOSED_RELAPSES,
        starts_imply_relapse_free: bool = True,
        lag: str = "contact",
        robust: bool = True,
        scheduler=None,
    ):
        self.exposures = exposures
        self.confounders = confounders
        self.cuts = cuts
        self.smooth = smooth
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.n_jobs = n_jobs
        self.alpha = alpha
        self.min_exposed = min_exposed
        self.min_events = min_events
        self.starts_imply_relapse_free = starts_imply_relapse_free
        self.lag = lag
        self.robust = robust
        self.scheduler = scheduler

    def _inputs(self, cohort: pd.DataFrame, starts: pd.DataFrame):
        exposures = check_exposures(self.exposures or list(starts.columns))
        missing = [e for e in exposures if e not in starts.columns]
        if missing:
            raise DataError(f"no start days for exposure(s) {', '.join(missing)}.")
        conf = default_confounders(cohort) if self.confounders is None else self.confounders
        X = encode(cohort, conf, levels=category_levels(cohort, conf)).reset_index(drop=True)
        S = starts.reindex(cohort["release_id"].to_numpy())[exposures].reset_index(drop=True)
        return exposures, conf, X, S

    def fit(self, cohort: pd.DataFrame, starts: pd.DataFrame, contacts=None) -> TimeVaryingEffects:
        """`contacts`: release_id, day of relapse-free contacts (needed when lag='contact')."""
        starts = lagged_starts(self.lag, starts, contacts)
        exposures, conf, X, S = self._inputs(cohort, starts)
        lower = cohort["lower_day"].to_numpy(float)
        upper = cohort["upper_day"].to_numpy(float)
        if self.starts_imply_relapse_free and self.lag == "none":
            lower = relapse_free_at_starts(lower, upper, S.to_numpy(float))
        end = np.where(np.isfinite(upper), upper, lower)
        self.n_exposed_ = {e: int(np.sum(S[e].to_numpy(float) < end)) for e in exposures}
        relapse = np.isfinite(upper)  # relapses seen after the exposure counts:
        self.n_events_exposed_ = {
            e: int(np.sum(relapse & (S[e].to_numpy(float) < upper))) for e in exposures
        }
        self.too_few_ = [
            e
            for e in exposures
            if self.n_exposed_[e] < self.min_exposed or self.n_events_exposed_[e] < self.min_events
        ]
        S = S[[e for e in exposures if e not in self.too_few_]]
        model = PiecewiseExponentialPH(self.cuts, smooth=self.smooth, robust=self.robust)
        model.fit(lower, upper, X, S)
        self.model_ = model
        self.confounders_ = list(conf)
        self.exposures_ = exposures
        self.boot_ = (
            self._bootstrap(model, lower.size, list(S.columns)) if self.n_bootstrap else None
        )
        return self

    def _bootstrap(self, model, n, exposures):
        """Percentile-bootstrap draws of the exposures' log HRs: releases resampled with
        replacement, as multinomial counts on the one design (see `pwe.Refitter`)."""
        refit = _ExposureRefit(
            model.refitter(), n, [model.params_.index.get_loc(e) for e in exposures]
        )
        draws = bootstrap(refit, self.n_bootstrap, self.seed, self.n_jobs, scheduler=self.scheduler)
        return pd.DataFrame(draws, columns=exposures)

    def estimates(self) -> list[EffectEstimate]:
        """One EffectEstimate per exposure (bootstrap CI if run, else model-based)."""
        check_is_fitted(self, "model_")
        sm = self.model_.summary(self.alpha)
        out = []
        if self.boot_ is not None:
            lo, hi = percentile_ci(self.boot_.to_numpy(), self.alpha)
            n_ok = int((~self.boot_.isna().any(axis=1)).sum())
        fitted = [e for e in self.exposures_ if e not in self.too_few_]
        for e in self.exposures_:
            if e in self.too_few_:
                out.append(self._not_estimable(e))
                continue
            j = fitted.index(e)
            row = sm.loc[e]
            model_ci = (float(row["hr_lower"]), float(row["hr_upper"]))
            notes = ["Adjusted for " + ", ".join(self.confounders_) + "."]
            if self.boot_ is not None:
                ci = (float(np.exp(lo[j])), float(np.exp(hi[j])))
                method_text = (commas(*METHOD_TEXT, piece("bootstrap", n=n_ok)),)
                if n_ok < self.n_bootstrap:
                    notes.append(
                        f"{self.n_bootstrap - n_ok} bootstrap fits failed and were dropped."
                    )
            else:
                ci = model_ci
                method_text = (commas(*METHOD_TEXT, piece("model_based_ci")),)
            out.append(
                EffectEstimate(
                    intervention=e,
                    hazard_ratio=float(row["hr"]),
                    ci=ci,
                    method=english(method_text),
                    method_text=method_text,
                    n_exposed=self.n_exposed_[e],
                    ci_model=model_ci,
                    se_log_hr=float(row["se"]),
                    notes=tuple(notes),
                )
            )
        return out

    def _not_estimable(self, e: str) -> EffectEstimate:
        est = not_estimable(e, self.n_exposed_[e], METHOD_TEXT, self.min_exposed)
        if self.n_exposed_[e] < self.min_exposed:
            return est
        note = (
            f"not estimable: fewer than {self.min_events} relapses seen among the exposed "
            "(small-sample rule, bench/README.md)."
        )
        return dataclasses.replace(est, notes=(note,))

    @classmethod
    def for_dataset(cls, ds, **options) -> TimeVaryingEffects:
        """Build cohort, start days and contacts from a Dataset and fit."""
        from workbench.cohort import build_cohort
        from workbench.effects.exposure import exposure_starts_for, relapse_free_contacts

        est = cls(**options)
        est.cohort_ = build_cohort(ds)
        est.starts_ = exposure_starts_for(ds, est.exposures)
        return est.fit(est.cohort_, est.starts_, relapse_free_contacts(ds))

    def summary(self) -> pd.DataFrame:
        """One row per exposure: n_exposed, hr with bootstrap and model-based CIs, p-value."""
        rows = pd.concat([e.summary() for e in self.estimates()], ignore_index=True)
        sm = self.model_.summary(self.alpha).reindex(self.exposures_)
        rows["se_log_hr"] = sm["se"].to_numpy()
        rows["p"] = sm["p"].to_numpy()
        return rows
