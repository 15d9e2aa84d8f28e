"""`effects_table`: one row per support in the metrics.json shape, and `run_effects` (CLI).

Dataset (folder): hazard ratio from the primary time-varying model (bootstrap CI), RMST
difference to 36 months from the landmark (day 180) overlap-weighted comparison, and the E-values
of the hazard ratio and of its CI limit nearer 1 (`evalue`, `evalue_ci`; relapse is common, so
the hazard ratio goes through the square-root conversion to a risk ratio first). Dataset spec
(one row per person, baseline 0/1 `interventions`): covariate-adjusted Cox (exact/right-censored
times; lifelines, Efron ties) or the piecewise-exponential model (interval-censored), and the
RMST difference from the overlap-weighted baseline comparison; its hazard ratio is beside it.
Weighted results are withheld (NaN, `balance` "not achieved", the method says so) when some
covariate's |SMD| after weighting is 0.1 or more (`effects.landmark`).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from workbench.codes import SUPPRESSION_THRESHOLD, TRACKING_DAYS
from workbench.effects.evalue import evalue_table
from workbench.effects.exposure import (
    check_exposures,
    exposure_starts_for,
    relapse_free_contacts,
)
from workbench.effects.landmark import WeightedEffect, _exact_only, _wald_ci
from workbench.effects.primary import TimeVaryingEffects
from workbench.effects.pwe import PiecewiseExponentialPH
from workbench.exceptions import EstimationError

WITHHELD = "balance not achieved, RMST withheld"
WEIGHTED_HR = {"overlap": "overlap-weighted HR", "ATE": "IPTW HR", "ATT": "ATT-weighted HR"}
# The estimates of a row (withheld together when a support's estimate is not shown).
ESTIMATE_COLUMNS = [
    "hr",
    "hr_lower",
    "hr_upper",
    "rmst_diff_days",
    "rmst_diff_lower",
    "rmst_diff_upper",
]
COLUMNS = [
    "code",
    "n_exposed",
    *ESTIMATE_COLUMNS,
    "horizon_days",
    "method",
    "evalue",
    "evalue_ci",
    "balance",
    "max_abs_smd",
]


def _weighted(
    code, frame, starts, contacts, landmark_day, horizon, n_boot, seed, n_jobs, conf=None, k=None
):
    we = WeightedEffect(
        code,
        min_group=SUPPRESSION_THRESHOLD if k is None else k,
        landmark_day=landmark_day,
        horizon_day=horizon,
        confounders=conf,
        n_boot=n_boot,
        seed=seed,
        n_jobs=n_jobs,
    ).fit(frame, starts, contacts)
    return we.result_


def _dataset_table(ds, n_boot, seed, n_jobs, landmark_day, k=SUPPRESSION_THRESHOLD):
    from workbench.cohort import build_cohort

    cohort = build_cohort(ds)
    _check_estimable(cohort)
    starts = exposure_starts_for(ds)
    contacts = relapse_free_contacts(ds)
    primary = TimeVaryingEffects(n_boot=n_boot, seed=seed, n_jobs=n_jobs, min_exposed=k)
    primary.fit(cohort, starts, contacts)
    rows = []
    for est in primary.estimates():
        row = {"code": est.intervention, "n_exposed": est.n_exposed, "hr": est.hazard_ratio}
        row["hr_lower"], row["hr_upper"] = est.ci
        res = None
        if np.isfinite(est.hazard_ratio):
            res = _weighted(
                est.intervention,
                cohort,
                starts,
                contacts,
                landmark_day,
                TRACKING_DAYS,
                n_boot,
                seed,
                n_jobs,
                k=k,
            )
        rows.append(_with_rmst(row, res, TRACKING_DAYS, est.method))
    return _with_evalues(pd.DataFrame(rows), outcome_risk(cohort))


def _check_estimable(cohort: pd.DataFrame) -> None:
    """Refuse data in which no relapse time can be compared (before any model is fitted)."""
    relapse = cohort["event"].eq("relapse")
    if not (relapse | cohort["lower_day"].gt(0) | cohort["last_day"].gt(0)).any():
        raise EstimationError(
            "nobody was seen after release, so no support can be compared; check the visits table."
        )
    if not relapse.any():
        raise EstimationError("no relapse was observed, so support effects cannot be estimated.")
    if not cohort.loc[relapse, "lower_day"].gt(0).any() and relapse.all():
        raise EstimationError(
            "everyone had relapsed when first seen after release, so supports (which start "
            "after release) cannot be compared."
        )


def _with_rmst(row, res, horizon, method):
    """The weighted comparison's RMST difference, withheld (NaN, `balance` "not achieved")
    when weighting left some covariate with |SMD| >= 0.1."""
    row.update(balance="", max_abs_smd=np.nan)
    if res is None or not res.balance_achieved:
        row.update(rmst_diff_days=np.nan, rmst_diff_lower=np.nan, rmst_diff_upper=np.nan)
        row.update(horizon_days=horizon, method=method)
        if res is not None:
            row.update(balance="not achieved", max_abs_smd=res.max_abs_smd)
            row["method"] = f"HR: {method}; RMST: {res.method}; {WITHHELD}"
        return row
    row.update(balance="achieved", max_abs_smd=res.max_abs_smd)
    row["rmst_diff_days"] = res.rmst_difference
    row["rmst_diff_lower"], row["rmst_diff_upper"] = res.rmst_difference_ci
    row["horizon_days"] = res.horizon_day
    row["method"] = f"HR: {method}; RMST: {res.method}"
    return row


def outcome_risk(frame: pd.DataFrame) -> float:
    """Share of people with a relapse seen: decides rare (< 15 %) or common for E-values."""
    return float(np.mean(np.isfinite(frame["upper_day"].to_numpy(float))))


def _with_evalues(table: pd.DataFrame, risk: float) -> pd.DataFrame:
    """E-values (VanderWeele & Ding 2017) of each hazard ratio and of its CI limit nearer 1."""
    ev = evalue_table(table, risk)
    table["evalue"], table["evalue_ci"] = ev["evalue"], ev["evalue_ci"]
    table.attrs["evalue_approximation"] = str(ev["approximation"].iloc[0]) if len(ev) else ""
    return table[COLUMNS]


def adjusted_spec_model(frame: pd.DataFrame, interventions, covariates):
    """Covariate-adjusted model with all interventions: Cox (exact times) or PWE (intervals)."""
    lower = frame["lower_day"].to_numpy(float)
    upper = frame["upper_day"].to_numpy(float)
    cols = [*interventions, *covariates]
    if _exact_only(lower, upper):
        from lifelines import CoxPHFitter

        df = frame[cols].astype(float).assign(t=lower, e=np.isfinite(upper).astype(int))
        cph = CoxPHFitter().fit(df, "t", "e")
        ci = np.exp(cph.confidence_intervals_.loc[list(interventions)].to_numpy())
        hr = np.exp(cph.params_[list(interventions)].to_numpy())
        return hr, ci, "Cox PH (Efron ties), covariate-adjusted", cph
    X = frame[cols].astype(float)
    fit = PiecewiseExponentialPH().fit(lower, upper, X)
    names = list(interventions)
    b = fit.params_[names].to_numpy(float)
    var = np.diag(fit.variance_matrix_.loc[names, names].to_numpy(float))
    ci = np.array([_wald_ci(bj, vj) for bj, vj in zip(b, var, strict=True)])  # never warns
    return np.exp(b), ci, "piecewise-exponential PH, covariate-adjusted", fit


def _spec_table(spec, n_boot, seed, n_jobs, k=SUPPRESSION_THRESHOLD):
    frame = spec.frame.reset_index(drop=True)
    interventions = check_exposures(spec.interventions)
    covariates = list(spec.covariates)
    hr, ci, method, _ = adjusted_spec_model(frame, interventions, covariates)
    end = np.where(frame["upper_day"].notna(), frame["upper_day"], frame["lower_day"])
    horizon = float(min(TRACKING_DAYS, np.nanmax(end)))
    rows = []
    for j, code in enumerate(interventions):
        row = {"code": code, "n_exposed": int(frame[code].sum()), "hr": float(hr[j])}
        row["hr_lower"], row["hr_upper"] = float(ci[j, 0]), float(ci[j, 1])
        res = _weighted(
            code, frame, None, None, None, horizon, n_boot, seed, n_jobs, covariates, k=k
        )
        row = _with_rmst(row, res, horizon, method)
        if res is not None and res.balance_achieved:
            lo, hi = res.hr_ci
            row["method"] += (
                f"; {WEIGHTED_HR[res.estimand]} {res.hazard_ratio:.3f} ({lo:.3f}-{hi:.3f})"
            )
        rows.append(row)
    return _with_evalues(pd.DataFrame(rows), outcome_risk(frame))


def effects_table(
    data,
    *,
    n_boot=200,
    seed=20170101,
    n_jobs=1,
    landmark_day=180.0,
    min_exposed=SUPPRESSION_THRESHOLD,
):
    """One row per support in the metrics.json `interventions` shape (see module doc).
    `min_exposed` is the report's suppression threshold: a support with fewer exposed (or a
    landmark arm with fewer people) gets no estimate."""
    from workbench.spec import SpecDataset

    if isinstance(data, SpecDataset):
        return _spec_table(data, n_boot, seed, n_jobs, k=min_exposed)
    return _dataset_table(data, n_boot, seed, n_jobs, landmark_day, k=min_exposed)


def _records(table: pd.DataFrame) -> list[dict]:
    out = []
    for rec in table.to_dict("records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, float | np.floating):
                clean[k] = None if not np.isfinite(v) else float(v)
            elif isinstance(v, np.integer):
                clean[k] = int(v)
            else:
                clean[k] = v
        out.append(clean)
    return out


def _arg(args, names, default):
    for name in names:
        value = getattr(args, name, None)
        if value is not None:
            return value
    return default


def run_effects(args) -> int:
    """`workbench effects DATA [--json] [--landmark D] [--bootstrap N] [--seed S] [--jobs J]
    [--cutoff YYYY-MM-DD]`: print one row per support (metrics.json shape)."""
    from workbench.io import load_any

    data = load_any(args.data, cutoff=getattr(args, "cutoff", None))
    table = effects_table(
        data,
        n_boot=int(_arg(args, ("bootstrap", "n_boot"), 200)),
        seed=int(_arg(args, ("seed",), 20170101)),
        n_jobs=int(_arg(args, ("jobs", "n_jobs"), 1)),
        landmark_day=float(_arg(args, ("landmark", "landmark_day"), 180.0)),
    )
    if getattr(args, "json", False):
        print(json.dumps(_records(table), ensure_ascii=False, indent=2))
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(table.to_string(index=False))
    return 0
