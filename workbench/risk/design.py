"""The design matrix of a risk model: numeric covariates as they are, categories one-hot against a
reference level, one row per term in `Design.terms` (term, variable, level, reference); and the
coefficient table (`coef_table`) every risk model's `summary` starts from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from workbench.data import codes
from workbench.exceptions import EstimationError, ParameterError
from workbench.risk.labels import term_labels


@dataclass(frozen=True)
class Design:
    """A design matrix with one row per term: name, variable, level, reference."""

    X: pd.DataFrame
    terms: pd.DataFrame


def design_matrix(
    frame: pd.DataFrame, covariates: Sequence[str], reference: Mapping[str, object] | None = None
) -> Design:
    """Numeric columns as they are; text/categorical columns one-hot against a reference level
    (default: the most common level). Outcome codes (awards, tiers) are refused."""
    reference = dict(reference or {})
    refused = [c for c in covariates if c in codes.OUTCOME_CODES or c.startswith("award")]
    if refused:
        raise ParameterError(
            f"{', '.join(refused)} is an outcome (people are selected for it because they stayed "
            "abstinent), not a risk factor; remove it from the covariates"
        )
    missing = [c for c in covariates if c not in frame.columns]
    if missing:
        raise ParameterError(
            f"covariate(s) {', '.join(missing)} not in the table; available: {', '.join(map(str, frame.columns))}"
        )
    cols, rows = {}, []
    for var in covariates:
        s = frame[var]
        if s.isna().any():
            raise ParameterError(
                f"covariate {var} has {int(s.isna().sum())} missing value(s); impute or drop those rows"
            )
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            cols[var] = s.astype(float).to_numpy()
            rows.append((var, var, None, None))
            continue
        text = s.astype(str)  # once: comparing each level with the text is the cost
        counts = text.value_counts()
        levels = sorted(counts.index)
        if len(levels) < 2:
            raise EstimationError(f"covariate {var} has a single level ({levels[0]}); drop it")
        ref = str(reference.get(var, counts.index[0]))
        if ref not in levels:
            raise ParameterError(
                f"reference level {ref!r} of {var} is not one of {', '.join(levels)}"
            )
        codes_ = pd.Categorical(text, categories=levels).codes  # every value is a level
        for i, lv in enumerate(levels):
            if lv != ref:
                name = f"{var}[{lv}]"
                cols[name] = (codes_ == i).astype(float)
                rows.append((name, var, lv, ref))
    unknown = set(reference) - set(covariates)
    if unknown:
        raise ParameterError(
            f"reference given for {', '.join(sorted(unknown))}, which is not a covariate"
        )
    X = pd.DataFrame(cols, index=frame.index)
    terms = pd.DataFrame(rows, columns=["term", "variable", "level", "reference"])
    return Design(X, terms)


def coef_table(design: Design, coef, se, alpha: float, effect: str) -> pd.DataFrame:
    """term, label (English), coef, se, `effect` (exp(coef)), lower, upper, z, p (Wald)."""
    z = stats.norm.ppf(1 - alpha / 2)
    coef, se = np.asarray(coef, float), np.asarray(se, float)
    zstat = coef / se
    return pd.DataFrame(
        {
            "term": design.terms["term"].to_numpy(),
            "label": term_labels(design.terms, "en"),
            "coef": coef,
            "se": se,
            effect: np.exp(coef),
            "lower": np.exp(coef - z * se),
            "upper": np.exp(coef + z * se),
            "z": zstat,
            "p": 2 * stats.norm.sf(np.abs(zstat)),
        }
    )
