"""The model-based analyses of a report: risk factors (interval-censored PH), support effects,
competing risks (interval-censored NPMLE).

Each returns plain tables (both languages where labels are words) for `ReportResults`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.cohort import PERSON_COVARIATES
from workbench.cohort.contract import AnalysisCohort, scoped_dataset  # noqa: F401 (re-export)
from workbench.data import codes
from workbench.evaluation.results import RiskFactors, RiskSensitivity
from workbench.i18n import t
from workbench.params.report import ReportParams

RISK_COVARIATES = PERSON_COVARIATES
LANGS = ("zh", "en")


def risk_factors(cohort: AnalysisCohort) -> RiskFactors | None:
    """Risk factors for relapse on the baseline characteristics (and, for a table with baseline
    arm columns, the arms). Interval-censored relapse: the interval-censored PH model on the
    (L, R] intervals leads (its PH check gives the advice) and the Cox model on visit-dated times
    is a labelled sensitivity analysis. Exact event times, or strata: the (stratified) Cox
    model. Clustered SEs when the cohort names a cluster; delayed entry when it has one."""
    from workbench.exceptions import EstimationError
    from workbench.risk.cox import CoxModel
    from workbench.risk.interval import (
        COX_SENSITIVITY,
        COX_SENSITIVITY_TEXT,
        METHOD,
        IntervalCoxModel,
    )
    from workbench.risk.labels import summary_in

    table = cohort.table
    terms = [*cohort.arm_frame.columns, *cohort.covariates]
    covariates = [c for c in terms if c in table.columns and table[c].nunique() > 1]
    if not covariates:
        return None
    cox = CoxModel(
        covariates=covariates,
        reference=cohort.reference,
        cluster=cohort.cluster,
        strata=cohort.strata,
    )
    if cohort.exact or cohort.strata:  # exact times, or strata (the IC PH model has none)
        cox.fit(table, weights_col=cohort.weights, entry_col=cohort.entry)
        return _risk_factors(cox)
    model = IntervalCoxModel(covariates, reference=cohort.reference, cluster=cohort.cluster)
    model.fit(table, weights_col=cohort.weights, entry_col=cohort.entry)
    try:
        cox.fit(table, weights_col=cohort.weights, entry_col=cohort.entry)
        sensitivity = RiskSensitivity(
            method=COX_SENSITIVITY,
            method_text=COX_SENSITIVITY_TEXT,
            table={lang: summary_in(cox, lang) for lang in LANGS},
        )
    except EstimationError:
        sensitivity = None
    return _risk_factors(model, method=METHOD, sensitivity=sensitivity)


def _risk_factors(model: Any, **extra: Any) -> RiskFactors:
    from workbench.risk.labels import summary_in

    return RiskFactors(
        table={lang: summary_in(model, lang) for lang in LANGS},
        advice={lang: _advice(model, lang) for lang in LANGS},
        n=int(model.n_),
        n_events=int(model.n_events_),
        clustered=bool(model.clustered_),
        **extra,
    )


def _advice(model: Any, lang: str) -> list[str]:
    """The proportional-hazards advice, or none where the test does not apply (delayed entry)."""
    from workbench.exceptions import WorkbenchError
    from workbench.risk.labels import advice_in

    try:
        return list(advice_in(model, lang))
    except WorkbenchError:
        return []


def support_effects(
    cohort: AnalysisCohort, params: ReportParams, scheduler: Any = None
) -> dict[str, Any]:
    """effects_table (observational: primary time-varying model + landmark weighted RMST, or
    the adjusted baseline comparison; randomised: the trial's comparison) and plain findings."""
    from workbench.effects.findings import findings
    from workbench.effects.table import ESTIMATE_COLUMNS, arm_curves, effects_table

    table = effects_table(
        cohort,
        n_bootstrap=params.n_bootstrap,
        seed=params.seed,
        n_jobs=params.n_jobs,
        scheduler=scheduler,
        landmark_day=float(params.landmark_day),
        min_exposed=params.suppression_threshold,
    )
    method_text = dict(table.attrs.get("method_text", {}))  # code -> catalog parts
    if params.interventions is not None:
        table = table[table["code"].isin(params.interventions)]
    table = table.reset_index(drop=True)
    unstable = _unstable(table)
    table.loc[unstable, ESTIMATE_COLUMNS] = np.nan
    # One threshold everywhere: no estimate for a support given to fewer people than the
    # report's threshold, whatever model produced it (docs/disclosure.md).
    below = table["n_exposed"].to_numpy(float) < params.suppression_threshold
    table.loc[below, [*ESTIMATE_COLUMNS, *(c for c in ("evalue", "evalue_ci") if c in table)]] = (
        np.nan
    )
    # enough people but no estimate (too few relapses among them: the small-sample rule)
    few = (
        ~np.isfinite(table["hr"].to_numpy(float))
        & table["n_exposed"].ge(params.suppression_threshold).to_numpy()
    )
    found = findings(table, threshold=params.suppression_threshold) if len(table) else None
    if found is not None and cohort.randomised:
        found = trial_findings(table, found, cohort.event_label)
    elif found is not None:
        started = cohort.received
        nobody = table["code"].map(lambda c: started is not None and c not in started).to_numpy()
        for lang in LANGS:
            for rows, key in ((unstable | few, "eff_unstable"), (nobody, "eff_nobody")):
                found.loc[rows, lang] = [
                    t(key, lang, codes.label("intervention", c, lang))
                    for c in table.loc[rows, "code"]
                ]
    curves = arm_curves(cohort) if cohort.randomised else None
    return {"table": table, "findings": found, "curves": curves, "method_text": method_text}


def trial_findings(table: pd.DataFrame, found: pd.DataFrame, event: str) -> pd.DataFrame:
    """Plain sentences for randomised arms: a comparison of groups, no confounding clause."""
    found = found.copy()
    for i, r in enumerate(table.itertuples()):
        v = found["verdict"].iloc[i]
        hr = float(r.hr)
        values = dict(arm=r.code, event=event, hr=hr, lo=r.hr_lower, hi=r.hr_upper)
        values["pct"] = abs(1 - hr) * 100 if np.isfinite(hr) else np.nan
        for lang in LANGS:
            found.loc[found.index[i], lang] = t("trial_" + v.replace(" ", "_"), lang, **values)
    return found


def _unstable(table: pd.DataFrame) -> np.ndarray:
    """Rows whose hazard ratio or CI is degenerate (a diverged fit on a small scope)."""
    hr, lo, hi = (table[c].to_numpy(float) for c in ("hr", "hr_lower", "hr_upper"))
    finite = np.isfinite(hr) & np.isfinite(lo) & np.isfinite(hi)
    ok = (lo > 0.01) & (hi < 100) & (lo < hi) & (hr > 0.01) & (hr < 100)
    return finite & ~ok


AJ_COMPARISON = "Aalen-Johansen on visit-dated times (comparison)"


def competing_risks(
    cohort: AnalysisCohort,
    months: tuple[int, ...],
    n_bootstrap: int = 200,
    seed: int = 0,
    n_jobs: int = 1,
    scheduler: Any = None,
) -> pd.DataFrame:
    """Cumulative incidence of relapse and of the competing event (death): the competing-risks
    NPMLE for interval-censored relapse with exactly dated death (role "estimate", bootstrap
    CIs), and the Aalen-Johansen estimator on visit-dated times (role "comparison", labelled).
    With every relapse time exact the two are the same estimator."""
    from workbench.retention.competing import AalenJohansen, best_available_times
    from workbench.retention.competing_ic import fit_cohort

    m = np.asarray(months, dtype=float)
    fit = fit_cohort(
        cohort.table, n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs, scheduler=scheduler
    )
    bt = best_available_times(cohort.table)
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
