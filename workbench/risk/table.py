"""The risk-factor model of a dataset (`workbench risk DATA [--strata COL ...] [--json]`, whose
handler is `workbench.cli.risk`).

The Cox model (`workbench.risk.cox.CoxModel`, Efron ties, equal to R's `coxph`) of the event on the
dataset's baseline variables: a spec's arms/interventions and covariates (text columns as
categories against the most frequent level), or a contract dataset's person covariates. Strata
(`--strata`, or the spec's `strata`) give separate baseline hazards (R's `+ strata(...)`); a
spec's `entry` gives delayed entry, `cluster` clustered robust SEs, `weights` case weights.
Rows with an empty value in a column the model uses are left out (complete cases) and the
output says how many and which columns. Every term has the model-based `se` and the sandwich
`robust_se`; the hazard-ratio interval and p use `robust_se`, as R's `coxph(..., robust=TRUE)`.
The proportional-hazards test is R's `cox.zph(fit, transform="km")`. When the event times are
interval-censored the Cox model uses the first evidence of the event (best available times) and
the interval-censored parametric AFT models (Weibull, log-logistic, log-normal, chosen by AIC)
are fitted to the intervals themselves beside it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench import jsonout
from workbench.cohort.contract import AnalysisCohort, as_cohort
from workbench.exceptions import EstimationError, ParameterError
from workbench.retention.table import ENTRY_COLUMN, entry_days, is_exact
from workbench.risk.aft import ICParametric
from workbench.risk.cox import CoxModel
from workbench.risk.labels import advice_in, ph_test_in, summary_in

TERM_KEYS = ("term", "label", "coef", "se", "robust_se", "hr", "lower", "upper", "p")


def model_columns(cohort: AnalysisCohort, frame: pd.DataFrame) -> list[str]:
    """Baseline variables of the model: a table's arms and covariates; for visit records
    (support starts after day 0, so not a baseline term) the person covariates that vary."""
    if cohort.exposure == "time_varying":
        return [c for c in cohort.covariates if c in frame.columns and frame[c].nunique() > 1]
    return list(dict.fromkeys([*cohort.interventions, *cohort.covariates]))


def complete_cases(frame: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Rows with a value in every used column, and a note on the rows left out."""
    used = [c for c in columns if c in frame.columns]
    empty = frame[used].isna()
    drop = empty.any(axis=1)
    if not drop.any():
        return frame, []
    which = [c for c in used if empty[c].any()]
    note = (
        f"{int(drop.sum())} of {len(frame)} rows left out of the model (empty "
        f"{', '.join(which)}; complete cases)."
    )
    return frame[~drop], [note]


def risk_model(data, strata: list[str] | None = None, lang: str = "en") -> dict[str, Any]:
    """The Cox model (and AFT choice for interval-censored data) as plain tables and notes;
    `strata` None: the dataset's own strata, [] none."""
    cohort = as_cohort(data)
    frame = cohort.table
    covariates = model_columns(cohort, frame)
    if not covariates:
        raise ParameterError(
            "the dataset names no covariates or arms; list them under `covariates:` in the spec"
        )
    strata = list(cohort.strata if strata is None else strata)
    weights = cohort.weights
    extra = [c for c in (*strata, cohort.cluster, weights) if c]
    frame, notes = complete_cases(frame, covariates + extra)
    contract = cohort.has_visits  # visit records: best available times
    model = CoxModel(
        covariates,
        reference=cohort.reference,
        cluster=cohort.cluster,
        strata=strata,
    )
    exact = not contract and is_exact(frame)
    if contract:  # a contract cohort: best available times, clustered on the person
        model.fit(frame)
        notes.append(
            "Relapse time taken as the first evidence of relapse (best available times); "
            "robust SEs clustered on the person. The AFT models below use the intervals."
        )
    else:
        relapse = frame["event"].eq("relapse").to_numpy()
        upper, lower = frame["upper_day"].to_numpy(float), frame["lower_day"].to_numpy(float)
        cox = frame.assign(_time=np.where(relapse, upper, lower), _event=relapse.astype(int))
        entry = ENTRY_COLUMN if entry_days(frame) is not None else None
        model.fit(cox, "_time", "_event", weights_col=weights, entry_col=entry)
        if not exact:
            notes.append(
                "Event times are interval-censored: the Cox model uses the first evidence of "
                "the event; the AFT models below use the intervals themselves."
            )
    out = _cox_result(model, strata, notes, lang)
    if not exact:
        out["aft"] = _aft(frame, covariates, cohort, lang)
    return out


def _cox_result(model: CoxModel, strata: list[str], notes: list[str], lang: str) -> dict[str, Any]:
    terms = summary_in(model, lang)[list(TERM_KEYS)]
    out: dict[str, Any] = {
        "model": "Cox proportional hazards (Efron ties)" + (", stratified" if strata else ""),
        "n": model.n_,
        "events": model.n_events_,
        "strata": strata,
        "n_strata": model.n_strata_,
        "terms": jsonout.records(terms, reason="not estimable (e.g. no events in a level)"),
        "log_likelihood": model.log_likelihood_,
    }
    try:
        ph = ph_test_in(model, lang)
        out["ph_test"] = jsonout.records(
            ph[["variable", "label", "chisq", "df", "p"]], reason="not estimable"
        )
        out["advice"] = advice_in(model, lang)
    except EstimationError as err:
        out["ph_test"] = None
        out["ph_test_reason"] = str(err)
        out["advice"] = []
    out["notes"] = notes
    return out


def _aft(frame: pd.DataFrame, covariates: list[str], data, lang: str) -> dict[str, Any]:
    """The interval-censored AFT choice (ICParametric) as plain tables."""
    aft = ICParametric(covariates, reference=getattr(data, "reference", None))
    aft.fit(frame)
    terms = summary_in(aft, lang)[
        ["term", "label", "coef", "se", "time_ratio", "lower", "upper", "p"]
    ]
    return {
        "chosen": aft.best_,
        "compare": jsonout.records(aft.compare(), reason="not estimable"),
        "terms": jsonout.records(terms, reason="not estimable"),
        "notes": list(aft.notes_),
    }


def render_text(result: dict[str, Any]) -> str:
    """The plain-text output of `workbench risk`."""
    terms = pd.DataFrame(result["terms"])
    shown = terms[["label", "coef", "se", "robust_se", "hr", "lower", "upper", "p"]].copy()
    for c in shown.columns[1:]:
        shown[c] = shown[c].map(lambda v: "-" if v is None or pd.isna(v) else f"{v:.4g}")
    head = f"{result['model']}: n = {result['n']}, events = {result['events']}"
    if result["strata"]:
        head += f", strata {', '.join(result['strata'])} ({result['n_strata']} strata)"
    parts = [head, "(se: model-based; robust_se: sandwich; CI and p use robust_se)"]
    parts.append(shown.to_string(index=False))
    if result["ph_test"] is not None:
        ph = pd.DataFrame(result["ph_test"])[["label", "chisq", "df", "p"]]
        parts += [
            "",
            "Proportional-hazards test (R cox.zph, km transform)",
            ph.to_string(index=False),
        ]
    else:
        parts += ["", f"Proportional-hazards test: {result['ph_test_reason']}"]
    parts += [f"- {a}" for a in result["advice"]]
    if "aft" in result:
        aft = pd.DataFrame(result["aft"]["terms"])
        parts += ["", f"Interval-censored AFT model chosen by AIC: {result['aft']['chosen']}"]
        parts.append(aft[["label", "time_ratio", "lower", "upper", "p"]].to_string(index=False))
    parts += [f"Note: {n}" for n in result["notes"]]
    return "\n".join(parts)
