"""The model-based analyses of a report: risk factors (Cox), support effects, competing risks.

Each returns plain tables (both languages where labels are words) for `ReportResults`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from workbench import codes
from workbench.cohort import PERSON_COVARIATES
from workbench.params import ReportParams
from workbench.reporting.text import TEXT

RISK_COVARIATES = PERSON_COVARIATES
LANGS = ("zh", "en")


def risk_factors(cohort: pd.DataFrame) -> dict[str, Any]:
    """Cox model of relapse on baseline characteristics (best available times, clustered SEs)."""
    from workbench.risk import CoxModel

    covariates = [c for c in RISK_COVARIATES if c in cohort.columns and cohort[c].nunique() > 1]
    model = CoxModel(covariates=covariates).fit(cohort)
    return {
        "table": {lang: model.summary(lang) for lang in LANGS},
        "advice": {lang: list(model.advice(lang)) for lang in LANGS},
        "n": int(model.n_),
        "n_events": int(model.n_events_),
        "clustered": bool(model.clustered_),
    }


def scoped_dataset(ds: Any, release_ids: pd.Series) -> Any:
    """The dataset restricted to the releases of the report's scope (itself when that is all of
    them: a copy of every table held 3.5 GB more at 2.3 M releases)."""
    keep = pd.Index(pd.unique(release_ids.to_numpy()))
    if len(keep) == len(ds.releases):  # the cohort has one row per release of ds.releases
        return ds
    tables = {
        name: getattr(ds, name)[getattr(ds, name)["release_id"].isin(keep)].reset_index(drop=True)
        for name in ("releases", "visits", "interventions", "events")
    }
    return dataclasses.replace(ds, **tables)


def support_effects(data: Any, params: ReportParams) -> dict[str, Any]:
    """effects_table (primary time-varying model + landmark weighted RMST) and plain findings."""
    from workbench.effects.findings import findings
    from workbench.effects.table import ESTIMATE_COLUMNS, effects_table

    table = effects_table(
        data,
        n_boot=params.n_bootstrap,
        seed=params.seed,
        n_jobs=params.n_jobs,
        landmark_day=float(params.landmark_day),
        min_exposed=params.suppression_threshold,
    )
    if params.interventions is not None:
        table = table[table["code"].isin(params.interventions)]
    table = table.reset_index(drop=True)
    unstable = _unstable(table)
    table.loc[unstable, ESTIMATE_COLUMNS] = np.nan
    # One threshold everywhere: no estimate for a support given to fewer people than the
    # report's threshold, whatever model produced it (docs/disclosure.md).
    few = table["n_exposed"].to_numpy(float) < params.suppression_threshold
    table.loc[few, [*ESTIMATE_COLUMNS, *(c for c in ("evalue", "evalue_ci") if c in table)]] = (
        np.nan
    )
    found = findings(table, threshold=params.suppression_threshold) if len(table) else None
    if found is not None:
        started = received(data)
        nobody = table["code"].map(lambda c: started is not None and c not in started).to_numpy()
        for lang in LANGS:
            for rows, text in ((unstable, UNSTABLE), (nobody, NOBODY)):
                found.loc[rows, lang] = [
                    text[lang].format(codes.label("intervention", c, lang))
                    for c in table.loc[rows, "code"]
                ]
    return {"table": table, "findings": found}


def received(data: Any) -> set[str] | None:
    """Support codes someone in a visit-record dataset started by the data cut-off (None for an
    analysis-ready table, whose support columns say nothing about who received what)."""
    table = getattr(data, "interventions", None)
    if not isinstance(table, pd.DataFrame):
        return None
    cutoff = getattr(data, "cutoff", None)
    if cutoff is not None and "start_date" in table.columns:
        table = table[pd.to_datetime(table["start_date"]) <= pd.Timestamp(cutoff)]
    return set(table["intervention"].astype(str))


UNSTABLE = {
    "zh": "{}：本范围内人数或复吸事件太少，无法得到稳定的估计。",
    "en": "{}: not estimable — too few people or relapses in this scope for a stable estimate.",
}


NOBODY = {lang: TEXT["eff_nobody"][lang] for lang in LANGS}


def _unstable(table: pd.DataFrame) -> np.ndarray:
    """Rows whose hazard ratio or CI is degenerate (a diverged fit on a small scope)."""
    hr, lo, hi = (table[c].to_numpy(float) for c in ("hr", "hr_lower", "hr_upper"))
    finite = np.isfinite(hr) & np.isfinite(lo) & np.isfinite(hi)
    ok = (lo > 0.01) & (hi < 100) & (lo < hi) & (hr > 0.01) & (hr < 100)
    return finite & ~ok


def competing_risks(cohort: pd.DataFrame, months: tuple[int, ...]) -> pd.DataFrame:
    """Cumulative incidence of relapse and of death (Aalen–Johansen, best available times)."""
    from workbench.retention.competing import AalenJohansen, best_available_times

    bt = best_available_times(cohort)
    fit = AalenJohansen().fit(bt["time"].to_numpy(float), bt["status"].to_numpy(int))
    parts = [fit.milestones(np.asarray(months, dtype=float), cause=c) for c in ("relapse", "death")]
    out = pd.concat(parts, ignore_index=True)
    return out[["cause", "months", "estimate", "lower", "upper", "method"]]
