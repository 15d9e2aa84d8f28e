"""The model-based analyses of a report: risk factors (Cox), support effects, competing risks.

Each returns plain tables (both languages where labels are words) for `ReportResults`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench import codes
from workbench.cohort import PERSON_COVARIATES
from workbench.cohort.contract import AnalysisCohort, scoped_dataset  # noqa: F401 (re-export)
from workbench.params import ReportParams
from workbench.reporting.text import TEXT

RISK_COVARIATES = PERSON_COVARIATES
LANGS = ("zh", "en")


def risk_factors(cohort: AnalysisCohort) -> dict[str, Any] | None:
    """Cox model of relapse on the baseline characteristics (and, for a table with baseline arm
    columns, the arms): best available times, clustered SEs when the cohort names a cluster."""
    from workbench.risk import CoxModel

    table = cohort.table
    terms = [*cohort.arm_frame.columns, *cohort.covariates]
    covariates = [c for c in terms if c in table.columns and table[c].nunique() > 1]
    if not covariates:
        return None
    model = CoxModel(covariates=covariates, reference=cohort.reference, cluster=cohort.cluster)
    model.fit(table, weights_col=cohort.weights)
    return {
        "table": {lang: model.summary(lang) for lang in LANGS},
        "advice": {lang: list(model.advice(lang)) for lang in LANGS},
        "n": int(model.n_),
        "n_events": int(model.n_events_),
        "clustered": bool(model.clustered_),
    }


def support_effects(cohort: AnalysisCohort, params: ReportParams) -> dict[str, Any]:
    """effects_table (observational: primary time-varying model + landmark weighted RMST, or
    the adjusted baseline comparison; randomised: the trial's comparison) and plain findings."""
    from workbench.effects.findings import findings
    from workbench.effects.table import ESTIMATE_COLUMNS, arm_curves, effects_table

    table = effects_table(
        cohort,
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
        started = cohort.received
        nobody = table["code"].map(lambda c: started is not None and c not in started).to_numpy()
        for lang in LANGS:
            for rows, text in ((unstable, UNSTABLE), (nobody, NOBODY)):
                found.loc[rows, lang] = [
                    text[lang].format(codes.label("intervention", c, lang))
                    for c in table.loc[rows, "code"]
                ]
    curves = arm_curves(cohort) if cohort.randomised else None
    return {"table": table, "findings": found, "curves": curves}


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


def competing_risks(cohort: AnalysisCohort, months: tuple[int, ...]) -> pd.DataFrame:
    """Cumulative incidence of relapse and of death (the competing event; Aalen–Johansen, best
    available times)."""
    from workbench.retention.competing import AalenJohansen, best_available_times

    bt = best_available_times(cohort.table)
    fit = AalenJohansen().fit(bt["time"].to_numpy(float), bt["status"].to_numpy(int))
    parts = [fit.milestones(np.asarray(months, dtype=float), cause=c) for c in ("relapse", "death")]
    out = pd.concat(parts, ignore_index=True)
    return out[["cause", "months", "estimate", "lower", "upper", "method"]]
