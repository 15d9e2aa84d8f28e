"""The simulator's true log hazard ratio of each term of a risk model's design.

`true_log_hr(truth, terms)` reads truth/truth.json's covariate, prefecture and facility log-HRs
and returns, per row of `workbench.risk.Design.terms` (term, variable, level, reference), the
log-HR that term estimates when the model holds: per unit of a numeric covariate (age and
years_using per year), level minus reference level for a categorical one. Everyone at the
women's centre is a woman and every woman is there, so when `sex` is not in the model the
`facility[women]` term carries the female effect too. The truth is conditional on support
(true support HRs of 1 make a model without the supports correctly specified).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PER_UNIT = {
    "age": ("age_per_10y", 0.1),
    "years_using": ("years_using_per_10y", 0.1),
    "prior_treatments": ("prior_treatments", 1.0),
    "motivation_score": ("motivation_score", 1.0),
    "employed_before": ("employed_before", 1.0),
    "married": ("married", 1.0),
    "family_support": ("family_support", 1.0),
}


def _levels(truth: dict, variable: str) -> dict[str, float]:
    cov = truth["covariate_log_hr"]
    if variable == "sex":
        return {"male": 0.0, "female": float(cov["female"])}
    if variable in ("primary_drug", "education"):
        return {k: float(v) for k, v in cov[variable].items()}
    if variable == "prefecture":
        return {k: float(v) for k, v in truth["prefecture_log_hr"].items()}
    if variable == "facility":
        return {k: float(v) for k, v in truth["facility_log_hr"].items()}
    raise KeyError(f"the simulator has no log-HR for {variable!r}")


def true_log_hr(truth: dict, terms: pd.DataFrame) -> np.ndarray:
    """One true log-HR per row of `terms` (columns term, variable, level, reference)."""
    cov = truth["covariate_log_hr"]
    variables = set(terms["variable"])
    out = []
    for t in terms.itertuples(index=False):
        if t.level is None or (isinstance(t.level, float) and np.isnan(t.level)):
            key, scale = PER_UNIT[t.variable]
            out.append(float(cov[key]) * scale)
            continue
        levels = _levels(truth, t.variable)
        value = levels[str(t.level)] - levels[str(t.reference)]
        if t.variable == "facility" and "sex" not in variables:
            value += float(cov["female"]) * ((t.level == "women") - (t.reference == "women"))
        out.append(value)
    return np.asarray(out, float)
