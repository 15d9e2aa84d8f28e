"""metrics.json's ``trend`` and ``projection_check`` blocks (schema 4, issue 19; the rest of the
schema is described in `workbench.reporting.metrics`). Only protected numbers (`ReportResults`
after `evaluation.protect`): a count below the threshold or a withheld rate is null.

Schema 4 adds two top-level blocks after ``regions`` (null when not estimated): ``trend`` ({unit
"year"/"half", rule (the stated rule for the words), crude and adjusted: {hr_per_year, lower, upper, p, verdict ("improving" |
"no_clear_change" | "worsening"), adjusted, first_release, last_release}, cohorts: [{cohort, n,
months, estimate, lower, upper, followed}]}: retention at 6/12/24 months by release cohort,
estimated only where everyone in the cohort was followed to the milestone) and
``projection_check`` ({cutoff_then, cutoff_now, n_releases, tiers: [{years, observed_then,
projected, lower, upper, actual, complete, within}], retention: [{months, then, then_lower,
then_upper, now, now_lower, now_upper}], current: [{years, projected, lower, upper}] (today's
tier projections with the same 95 % interval), model: {folds, c_index, auc: [{months, auc}],
calibration: [{months, group, predicted, observed, lower, upper}]}}: what the data cut two
years earlier projected against what happened, and the risk model's cross-validated
discrimination and calibration).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.evaluation.results import ReportResults, as_float
from workbench.i18n import join
from workbench.programme.trend import VERDICT_RULE

RATE, RATIO, P = 4, 3, 4  # decimals: proportions, hazard ratios and AUC, p-values


def _r(x: Any, decimals: int) -> float | None:
    v = as_float(x)
    return None if v is None else float(round(v, decimals)) + 0.0


def _count(x: Any, k: int) -> int | None:
    v = as_float(x)
    return None if v is None or v < k else int(round(v))


def _test(trend: Any) -> dict[str, Any] | None:
    if trend is None:
        return None
    return {
        "hr_per_year": _r(trend.hr, RATIO),
        "lower": _r(trend.lower, RATIO),
        "upper": _r(trend.upper, RATIO),
        "p": _r(trend.p, P),
        "verdict": trend.verdict,
        "adjusted": bool(trend.adjusted),
        "first_release": trend.first,
        "last_release": trend.last,
    }


def trend_block(results: ReportResults, k: int) -> dict[str, Any] | None:
    """{unit, rule, crude, adjusted, cohorts: [{cohort, n, months, estimate, lower, upper,
    followed}]}; null when the trend was not estimated."""
    trend = getattr(results, "trend", None)
    if trend is None:
        return None
    cohorts = [
        {
            "cohort": str(r.cohort),
            "n": _count(r.n, k),
            "months": float(r.months),
            "estimate": _r(r.estimate, RATE),
            "lower": _r(r.lower, RATE),
            "upper": _r(r.upper, RATE),
            "followed": bool(r.followed),
        }
        for r in trend.cohorts.itertuples(index=False)
    ]
    return {
        "unit": trend.unit,
        "rule": join(VERDICT_RULE, "en"),
        "crude": _test(trend.crude),
        "adjusted": _test(trend.adjusted),
        "cohorts": cohorts,
    }


def _model(model: Any) -> dict[str, Any] | None:
    if model is None:
        return None
    return {
        "folds": int(model.folds),
        "c_index": _r(model.c_index, RATIO),
        "auc": [
            {"months": float(m), "auc": _r(a, RATIO)}
            for m, a in zip(model.auc["months"], model.auc["auc"], strict=True)
        ],  # fmt: skip
        "calibration": [
            {
                "months": float(r.months),
                "group": int(r.group),
                "predicted": _r(r.predicted, RATE),
                "observed": _r(r.observed, RATE),
                "lower": _r(r.lower, RATE),
                "upper": _r(r.upper, RATE),
            }
            for r in model.calibration.itertuples(index=False)
        ],
    }


def projection_check_block(results: ReportResults, k: int) -> dict[str, Any] | None:
    """{cutoff_then, cutoff_now, n_releases, tiers: [{years, observed_then, projected, lower,
    upper, actual, complete, within}], retention: [{months, then, then_lower, then_upper, now,
    now_lower, now_upper}], current: [{years, projected, lower, upper}] (today's projections
    with the same interval), model: {folds, c_index, auc, calibration}}; null when neither the
    backtest nor the model check was made."""
    check = getattr(results, "projection_check", None)
    model = _model(getattr(results, "model_check", None))
    if check is None:
        return None if model is None else {"model": model}
    tiers = []
    for r in check.tiers.itertuples(index=False):
        actual, lo, hi = (as_float(x) for x in (r.actual, r.lower, r.upper))
        within = None if None in (actual, lo, hi) else bool(lo <= actual <= hi)
        tiers.append(
            {
                "years": int(r.years),
                "observed_then": _count(r.observed_then, k),
                "projected": _count(r.projected, k),
                "lower": _count(r.lower, k) if np.isfinite(float(r.projected)) else None,
                "upper": _count(r.upper, k),
                "actual": _count(r.actual, k),
                "complete": bool(r.complete),
                "within": within,
            }
        )
    retention = [
        {key: (float(r[key]) if key == "months" else _r(r[key], RATE)) for key in r.index}
        for _, r in check.retention.iterrows()
    ]
    current = [
        {"years": int(r.years), "projected": _count(r.projected, k),
         "lower": _count(r.lower, k) if np.isfinite(float(r.projected)) else None,
         "upper": _count(r.upper, k)}
        for r in (check.current.itertuples(index=False) if check.current is not None else [])
    ]  # fmt: skip
    return {
        "cutoff_then": check.cutoff_then,
        "cutoff_now": check.cutoff_now,
        "n_releases": _count(check.n_releases, k),
        "tiers": tiers,
        "retention": retention,
        "current": current,
        "model": model,
    }


__all__ = ["projection_check_block", "trend_block"]
