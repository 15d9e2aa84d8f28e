"""What the two proportional-hazards risk models share: configuration, the fit's inputs (outcome
columns, design, weights, delayed entry, cluster), the learned coefficients and variances, the
few-events caveat, `summary`, `advice` and `plot`.

`CoxModel` (``workbench.risk.cox``: event times, Efron ties) and `IntervalCoxModel`
(``workbench.risk.interval``: (L, R] intervals) differ only in how they estimate beta and its
variance from these inputs.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd

from workbench._base import check_is_fitted
from workbench.exceptions import EstimationError, ParameterError, StatisticalWarning
from workbench.risk.design import Design, coef_table, design_matrix
from workbench.risk.labels import advice_in, summary_in


def outcome_columns(data: pd.DataFrame, first: str | None, second: str | None, names: str):
    """The two outcome columns, or None when neither is given (a cohort table)."""
    if (first is None) != (second is None):
        raise ParameterError(f"give both {names}, or neither (cohort table)")
    if first is None:
        return None
    for c in (first, second):
        if c not in data.columns:
            raise ParameterError(
                f"column {c!r} is not in the table; available: {', '.join(map(str, data.columns))}"
            )
    return data[first], data[second]


class ProportionalHazardsModel:
    """Base of the proportional-hazards risk models: h(t | x) = h0(t) exp(x'beta), clustered
    robust SEs (sandwich, score vectors summed within `cluster`), PH advice."""

    _noun: ClassVar[str] = "a risk model"  # "no relapses in these data; {_noun} cannot be fitted"

    def __init__(
        self,
        covariates: Sequence[str],
        reference: Mapping[str, object] | None = None,
        cluster: str | None = "person_id",
        robust: bool = True,
        alpha: float = 0.05,
    ) -> None:
        self.covariates = covariates
        self.reference = reference
        self.cluster = cluster
        self.robust = robust
        self.alpha = alpha

    def _inputs(self, data: pd.DataFrame, n_events: int, weights_col, entry_col):
        """Design, weights, delayed entry and cluster of a fit (outcome already read)."""
        design = design_matrix(data, list(self.covariates), self.reference)
        if n_events == 0:
            raise EstimationError(f"no relapses in these data; {self._noun} cannot be fitted")
        w = None if weights_col is None else data[weights_col].to_numpy(float)
        entry = None if entry_col is None else data[entry_col].to_numpy(float)
        cluster = None
        if self.cluster is not None and self.cluster in data.columns:
            cluster = data[self.cluster].to_numpy()
        return design, w, entry, cluster

    def _learn(self, design: Design, beta, v_model, v, clustered: bool, n: int, n_events: int):
        """Store the coefficients, model-based and robust variance; warn on few events."""
        self.design_ = design
        self.params_ = pd.Series(np.asarray(beta, float), index=design.terms["term"])
        terms = self.params_.index
        self.variance_ = pd.DataFrame(v, index=terms, columns=terms)
        self.model_se_ = pd.Series(np.sqrt(np.diag(v_model)), index=terms)
        self.se_ = pd.Series(np.sqrt(np.diag(v)), index=terms)
        self.clustered_ = clustered
        self.n_, self.n_events_ = n, n_events
        n_terms = len(terms)
        if n_events < 10 * n_terms:
            warnings.warn(
                StatisticalWarning(
                    f"only {n_events} relapses for {n_terms} terms (fewer than 10 per term); "
                    "the hazard ratios may be unstable",
                    code="few_events",
                    events=n_events,
                    terms=n_terms,
                ),
                stacklevel=3,
            )

    def summary(self) -> pd.DataFrame:
        """term, label, coef, se (model-based, R's `se(coef)`), robust_se (sandwich, R's
        `robust se`; equal to se when robust=False), hr, lower, upper, z, p. The interval, z and
        p use robust_se when robust=True (as R's coxph(..., robust=TRUE) does). Labels are
        English (`workbench.risk.labels.summary_in` renders them in another language)."""
        check_is_fitted(self, "params_")
        out = coef_table(self.design_, self.params_, self.se_, self.alpha, "hr")
        out["se"] = self.model_se_.to_numpy()
        out.insert(out.columns.get_loc("se") + 1, "robust_se", self.se_.to_numpy())
        return out

    def ph_test(self) -> pd.DataFrame:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    def advice(self) -> list[str]:
        """Plain sentences on the proportional-hazards assumption (one per variable flagged)."""
        return advice_in(self, "en")

    def plot(self, ax=None, lang: str = "en"):
        """Forest plot of the hazard ratios (labels in `lang`: drawing is presentation)."""
        from workbench.plots import forest_plot

        return forest_plot(summary_in(self, lang), ax=ax, lang=lang)
