"""The comparison of a randomised study: arms as allocated, no propensity model, no landmark.

Allocation at random makes the arms comparable at day 0, so the trial's own analysis applies:
the unadjusted Cox hazard ratio of each arm (Efron ties; stratified by the spec's `strata`,
weighted by `weights`, delayed entry from `entry`), the covariate-adjusted one beside it when
covariates are listed, and the difference of the arms' restricted mean event-free time to the
horizon from their Kaplan–Meier curves (SE: the two arms' Greenwood-type SEs, as R's
summary(survfit, rmean=)). Interval-censored arms use the piecewise-exponential PH model and
the arms' Turnbull curves (RMST SE from each arm's percentile bootstrap interval).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED
from workbench.effects.fitting import arm_problem, cox_fit, pwe_fit
from workbench.effects.methods import adjusted, commas, english, piece, verbatim
from workbench.exceptions import EstimationError

Z = 1.959963984540054


def trial_rows(cohort, arms, covariates, horizon, n_bootstrap, seed, scheduler=None) -> list[dict]:
    """One row per arm (metrics.json `interventions` shape; `method_text` beside `method`) for a
    randomised cohort."""
    table = cohort.table
    rows = []
    for code in arms:
        row = {"code": code, "n_exposed": int(table[code].sum())}
        problem = arm_problem(table, code, cohort.event_label)
        hr, ci = np.nan, (np.nan, np.nan)
        method = [piece("not_estimable", problem=verbatim(problem or ""))]
        if problem is None:
            hr, ci, fit = _arm_hr(cohort, code, [])
            method = [fit]
            if covariates:
                adj, adj_ci, _ = _arm_hr(cohort, code, covariates)
                value = f"{adj:.3f} ({adj_ci[0]:.3f}-{adj_ci[1]:.3f})"
                method.append(piece("adjusted_hr", value=value))
        row.update(hr=hr, hr_lower=ci[0], hr_upper=ci[1])
        diff, lo, hi, rmst_method = rmst_difference(
            cohort, code, horizon, n_bootstrap, seed, scheduler
        )
        row.update(rmst_diff_days=diff, rmst_diff_lower=lo, rmst_diff_upper=hi)
        parts = [
            piece("hr_part", method=method[0]),
            *method[1:],
            piece("rmst_part_event", method=rmst_method),
        ]
        if table["event"].eq("death").any():
            parts.append(piece("competing_censored", label=verbatim(cohort.competing_label)))
        row.update(horizon_days=float(horizon), method=english(parts), method_text=tuple(parts))
        rows.append(row)
    return rows


def _arm_hr(cohort, code, covariates):
    """(HR, CI, method label) of arm `code` vs the rest, unadjusted or adjusted for
    `covariates`."""
    if cohort.exact:
        hr, ci, method, _ = cox_fit(cohort, [code], covariates)
    else:
        hr, ci, method, _ = pwe_fit(cohort, [code], covariates)
    label = adjusted(method) if covariates else commas(method, piece("unadjusted_randomised"))
    return float(hr[0]), (float(ci[0, 0]), float(ci[0, 1])), label


def _arm_fits(cohort, code, n_bootstrap, seed, scheduler=None):
    from workbench.retention.km import KaplanMeier
    from workbench.retention.turnbull import TurnbullFitter

    table = cohort.table
    relapse = table["event"].eq("relapse").to_numpy()
    lower, upper = table["lower_day"].to_numpy(float), table["upper_day"].to_numpy(float)
    weights = None if cohort.weights is None else table[cohort.weights].to_numpy(float)
    entry = None if cohort.entry is None else table[cohort.entry].to_numpy(float)
    fits = {}
    for arm in (1, 0):
        rows = table[code].to_numpy(int) == arm
        w = None if weights is None else weights[rows]
        if cohort.exact:
            time = np.where(relapse, upper, lower)[rows]
            late = None if entry is None else entry[rows]
            fits[arm] = KaplanMeier().fit(time, relapse[rows].astype(int), weights=w, entry=late)
        elif entry is not None:
            raise EstimationError(
                "delayed entry with interval-censored times is not supported by the NPMLE yet"
            )
        else:
            up = np.where(relapse, upper, np.inf)[rows]
            fitter = TurnbullFitter(n_bootstrap=n_bootstrap, seed=seed, scheduler=scheduler)
            fits[arm] = fitter.fit(lower[rows], up, weights=w)
    return fits


def rmst_difference(cohort, code, horizon, n_bootstrap, seed, scheduler=None):
    """(difference treated − untreated, lower, upper, method label) of restricted mean event-free
    days."""
    fits = _arm_fits(cohort, code, n_bootstrap, seed, scheduler)
    est, se = {}, {}
    for arm, fit in fits.items():
        r = fit.rmst(horizon)
        est[arm] = float(r.estimate)
        if np.isfinite(r.se):  # Kaplan-Meier: Greenwood-type SE (NaN for Turnbull)
            se[arm] = float(r.se)
        else:  # Turnbull: bootstrap percentile interval -> normal-approximation SE
            se[arm] = (float(r.ci[1]) - float(r.ci[0])) / (2 * Z)
    diff = est[1] - est[0]
    half = Z * float(np.hypot(se[1], se[0]))
    method = piece("km_rmst_difference" if cohort.exact else "turnbull_rmst_difference")
    if not np.isfinite(half):
        return diff, np.nan, np.nan, method
    return diff, diff - half, diff + half, method


def arm_curves(cohort, n_bootstrap: int = 0, seed: int = DEFAULT_SEED) -> pd.DataFrame | None:
    """Each arm's event-free curve (arm, group, time, estimate, lower, upper) for the report."""
    parts = []
    for code in cohort.interventions:
        try:
            fits = _arm_fits(cohort, code, n_bootstrap, seed)
        except EstimationError:
            continue
        for arm, fit in fits.items():
            curve = fit.curve() if hasattr(fit, "curve") else _turnbull_curve(fit, cohort)
            curve = curve[["time", "estimate", "lower", "upper"]].copy()
            curve.insert(0, "group", arm)
            curve.insert(0, "arm", code)
            parts.append(curve)
    return pd.concat(parts, ignore_index=True) if parts else None


def _turnbull_curve(fit, cohort) -> pd.DataFrame:
    end = float(np.nanmax(cohort.table["lower_day"].to_numpy(float)))
    grid = np.linspace(0.0, end, 200)
    band = fit.survival_at(grid)
    est = band["estimate"].to_numpy(float) if isinstance(band, pd.DataFrame) else np.asarray(band)
    return pd.DataFrame({"time": grid, "estimate": est, "lower": np.nan, "upper": np.nan})


def check_design(cohort) -> None:
    """A randomised design needs baseline arms (time-varying supports are never randomised)."""
    if cohort.exposure != "baseline":
        raise EstimationError(
            "a randomised design needs baseline arm columns; supports that start after day 0 "
            "are not allocated at random"
        )
