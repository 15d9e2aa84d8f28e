"""The report's answers to "are we improving?" and "can we trust the projection?" (issue 19):
the direction of travel by release cohort, the projection check (backtest) and the risk model's
check, as plain results for `ReportResults` (fields `trend`, `projection_check`,
`model_check`), and their disclosure control (`protect_*`, called by `evaluation.protect`).

Disclosure: a cohort's size is a count (perturbed; below k shown as "<k"); its retention is a
proportion of that size (shifted by the size's noise, withheld by the rate rule); the backtest's
counts are counts of people (perturbed, rounded) and its interval ends move with the projection;
the calibration groups' risks are proportions of the group's size. The trend's hazard ratio,
the AUC and the C-index are model summaries of the whole scope (no one person moves them by more
than the printed precision at the report's sizes; a scope below 2k people has none).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench.exceptions import EstimationError
from workbench.params.report import ReportParams
from workbench.privacy import disclosure as dc

BACKTEST_BOOTSTRAP = 100  # replicates of the backtest's curves (its interval; at most the report's)
TREND_BOOTSTRAP = 100  # replicates of each cohort's CI (at most the report's): ten cohorts to fit


@dataclass(frozen=True)
class TrendResults:
    """Retention by release cohort (`workbench.programme.trend.COLUMNS`, unit "year"/"half"),
    the crude trend test and the risk-adjusted one (`Trend`, or None when it failed)."""

    cohorts: pd.DataFrame
    unit: str
    crude: Any
    adjusted: Any = None


def trend_results(cohort: Any, params: ReportParams, scheduler: Any = None) -> TrendResults:
    """Cohort retention at 6/12/24 months (full follow-up only) and the trend tests."""
    from workbench.programme.trend import TrendTest, retention_by_cohort

    table = cohort.table
    crude = TrendTest(cluster=cohort.cluster).fit(table).trend_
    covariates = [c for c in cohort.covariates if c in table.columns]
    adjusted = None
    if covariates:
        try:
            adjusted = TrendTest(covariates, cohort.reference, cohort.cluster).fit(table).trend_
        except EstimationError:
            adjusted = None
    cohorts = retention_by_cohort(
        table, cohort.cutoff, n_bootstrap=min(params.n_bootstrap, TREND_BOOTSTRAP), seed=params.seed,
        n_jobs=params.n_jobs, scheduler=scheduler, min_n=params.suppression_threshold,
    )  # fmt: skip
    return TrendResults(cohorts, cohorts.attrs["unit"], crude, adjusted)


def projection_check(cohort: Any, params: ReportParams, scheduler: Any = None) -> Any:
    """The backtest on the scope's visit records (`workbench.programme.backtest`)."""
    from workbench.programme.backtest import backtest, current_projection

    if cohort.records is None:
        raise EstimationError("spec_table")
    opts = dict(n_bootstrap=min(params.n_bootstrap, BACKTEST_BOOTSTRAP), seed=params.seed,
                n_jobs=params.n_jobs, scheduler=scheduler)  # fmt: skip
    check = backtest(cohort.records, **opts)
    return dataclasses.replace(check, current=current_projection(cohort.table, **opts))


def model_check(cohort: Any, params: ReportParams) -> Any:
    """Cross-validated discrimination and calibration of the report's risk model."""
    from workbench.risk.validation import RiskModelCheck

    if cohort.entry or cohort.weights or cohort.strata:  # the check fits none of these
        raise EstimationError("other")
    table = cohort.table
    covariates = [c for c in cohort.covariates if c in table.columns and table[c].nunique() > 1]
    if not covariates:
        raise EstimationError("no_covariates")
    check = RiskModelCheck(covariates, cohort.reference, seed=params.seed, cutoff=cohort.cutoff)
    result = check.fit(table).result()
    auc = np.asarray(result.auc["auc"], float) if len(result.auc) else np.array([np.nan])
    if not np.isfinite(result.c_index) or not np.isfinite(auc).any():
        # e.g. everyone relapsed by the first visit: no pair of people to tell apart
        raise EstimationError("no_discrimination")
    return result


# ------------------------------------------------------------------------ disclosure control
def protect_trend(trend: TrendResults | None, key: bytes, k: int) -> TrendResults | None:
    if trend is None:
        return None
    out = trend.cohorts.copy().astype({"n": object})
    for i, r in trend.cohorts.iterrows():
        n = float(r["n"])
        shown = dc.protect_count(r["n"], key, f"trend.{r['cohort']}.n", k)
        out.at[i, "n"] = shown
        cols = ["estimate", "lower", "upper"]
        cell = f"trend.{r['cohort']}.{r['months']:g}"
        if r["followed"]:
            out.loc[i, cols] = dc.shifted(r[cols], r["estimate"], n, key, cell, k, shown)
    out["withheld"] = trend.cohorts["followed"] & ~np.isfinite(out["estimate"].astype(float))
    return dataclasses.replace(trend, cohorts=out)


def protect_check(check: Any, key: bytes, k: int) -> Any:
    """The backtest's counts as published counts: perturbed, whole, none below k."""
    if check is None:
        return None
    tiers = check.tiers.copy().astype({"observed_then": object})
    for i, r in check.tiers.iterrows():
        y = int(r["years"])
        tiers.at[i, "observed_then"] = dc.protect_count(
            r["observed_then"], key, f"check.{y}.observed", k
        )
        for col, cell in (("projected", "projected"), ("actual", "actual")):
            v = float(r[col])
            tiers.at[i, col] = (
                float(round(max(v + dc.noise(key, f"check.{y}.{cell}"), k))) if v >= k else np.nan
            )
        if np.isfinite(tiers.at[i, "projected"]):
            shift = float(tiers.at[i, "projected"]) - float(r["projected"])
            tiers.at[i, "lower"] = float(round(max(r["lower"] + shift, 0.0)))
            tiers.at[i, "upper"] = float(round(r["upper"] + shift))
        else:
            tiers.loc[i, ["lower", "upper"]] = np.nan
    n = float(check.n_releases)
    retention = check.retention.copy()
    for i, r in check.retention.iterrows():
        for part in ("then", "now"):
            cols = [part, f"{part}_lower", f"{part}_upper"]
            cell = f"check.retention.{part}.{r['months']:g}"
            if np.isfinite(r[part]):
                retention.loc[i, cols] = dc.shifted(r[cols], r[part], n, key, cell, k)
    return dataclasses.replace(
        check,
        current=_current(check.current, key, k),
        n_releases=dc.protect_count(check.n_releases, key, "check.n_releases", k),
        tiers=tiers,
        retention=retention,
    )


def _current(current: pd.DataFrame | None, key: bytes, k: int) -> pd.DataFrame | None:
    """Today's projections: the same published number as the tiers table (its cell
    "tiers.<y>.projected", the same noise), the interval moved with it; none below k."""
    if current is None:
        return None
    out = current.copy()
    for i, r in current.iterrows():
        proj = float(r["projected"])
        if not proj >= k:
            out.loc[i, ["projected", "lower", "upper"]] = np.nan
            continue
        shown = float(round(max(proj + dc.noise(key, f"tiers.{int(r['years'])}.projected"), k)))
        out.loc[i, ["projected", "lower", "upper"]] = [
            shown, float(round(max(r["lower"] + shown - proj, 0.0))),
            float(round(r["upper"] + shown - proj)),
        ]  # fmt: skip
    out["observed"] = np.nan  # the tiers table publishes it (one cell, one value)
    return out


def protect_model_check(check: Any, key: bytes, k: int) -> Any:
    """Calibration groups: sizes perturbed, risks shifted as proportions (withheld below k)."""
    if check is None:
        return None
    cal = check.calibration.copy().astype({"n": object})
    for i, r in check.calibration.iterrows():
        n, cell = float(r["n"]), f"model.{r['months']:g}.{int(r['group'])}"
        cal.at[i, "n"] = dc.protect_count(r["n"], key, f"{cell}.n", k)
        cols = ["observed", "lower", "upper"]
        cal.loc[i, cols] = dc.shifted(r[cols], r["observed"], n, key, cell, k, cal.at[i, "n"])
        if not n >= k:
            cal.at[i, "predicted"] = np.nan
    return dataclasses.replace(check, calibration=cal)


__all__ = [
    "TrendResults",
    "model_check",
    "projection_check",
    "protect_check",
    "protect_model_check",
    "protect_trend",
    "trend_results",
]
