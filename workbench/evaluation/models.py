"""The model-based analyses of a report: risk factors (interval-censored PH), support effects,
competing risks (interval-censored NPMLE).

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
    """Risk factors for relapse on baseline characteristics: the interval-censored PH model on
    the (L, R] intervals (leads; its PH check gives the advice), and the Cox model on
    visit-dated times as a labelled sensitivity analysis (both with person-clustered SEs)."""
    from workbench.exceptions import EstimationError
    from workbench.risk import CoxModel
    from workbench.risk_ic import COX_SENSITIVITY, METHOD, IntervalCoxModel

    covariates = [c for c in RISK_COVARIATES if c in cohort.columns and cohort[c].nunique() > 1]
    model = IntervalCoxModel(covariates=covariates).fit(cohort)
    try:
        cox = CoxModel(covariates=covariates).fit(cohort)
        sensitivity = {
            "method": COX_SENSITIVITY,
            "table": {lang: cox.summary(lang) for lang in LANGS},
        }
    except EstimationError:
        sensitivity = None
    return {
        "table": {lang: model.summary(lang) for lang in LANGS},
        "advice": {lang: list(model.advice(lang)) for lang in LANGS},
        "n": int(model.n_),
        "n_events": int(model.n_events_),
        "clustered": bool(model.clustered_),
        "method": METHOD,
        "sensitivity": sensitivity,
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
    )
    if params.interventions is not None:
        table = table[table["code"].isin(params.interventions)]
    table = table.reset_index(drop=True)
    unstable = _unstable(table)
    table.loc[unstable, ESTIMATE_COLUMNS] = np.nan
    found = findings(table) if len(table) else None
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


AJ_COMPARISON = "Aalen-Johansen on visit-dated times (comparison)"


def competing_risks(
    cohort: pd.DataFrame,
    months: tuple[int, ...],
    n_bootstrap: int = 200,
    seed: int = 0,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Cumulative incidence of relapse and of death: the competing-risks NPMLE for
    interval-censored relapse with exact death (role "estimate", bootstrap CIs), and the
    Aalen-Johansen estimator on visit-dated times (role "comparison", labelled as such)."""
    from workbench.retention.competing import AalenJohansen, best_available_times
    from workbench.retention.competing_ic import fit_cohort

    m = np.asarray(months, dtype=float)
    fit = fit_cohort(cohort, n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs)
    bt = best_available_times(cohort)
    aj = AalenJohansen().fit(bt["time"].to_numpy(float), bt["status"].to_numpy(int))
    parts = []
    for est, role in ((fit, "estimate"), (aj, "comparison")):
        for cause in ("relapse", "death"):
            part = est.milestones(m, cause=cause).assign(role=role)
            if role == "comparison":
                part["method"] = AJ_COMPARISON
            parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    return out[["cause", "months", "estimate", "lower", "upper", "method", "role"]]
