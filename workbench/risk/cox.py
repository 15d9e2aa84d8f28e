"""Cox proportional hazards for relapse: lifelines' CoxPHFitter (Efron ties) on event times, with
the robust (sandwich) variance computed here from Efron score residuals, clustered on
`person_id` by default.

lifelines ignores the Efron correction in its sandwich (statistics.md trap 4) and ignores
`robust` when `cluster_col` is given (trap 10). The result equals R's
`coxph(..., ties="efron", cluster=person_id)`; the proportional-hazards test equals R's
`cox.zph(fit, transform="km")` (lifelines' `proportional_hazard_test` is the older approximate
test and gave chi-square 11.0 where R gives 6.0 for age in the Rossi data).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench._base import check_is_fitted
from workbench.exceptions import EstimationError, ParameterError
from workbench.retention.competing import best_available_times
from workbench.risk.design import Design
from workbench.risk.efron import cox_zph, sandwich_variance, stratified_residuals
from workbench.risk.labels import ph_labels
from workbench.risk.ph import ProportionalHazardsModel, outcome_columns


@dataclass(frozen=True)
class LikelihoodRatioTest:
    """The likelihood-ratio test of all terms against the null model."""

    statistic: float
    df: int
    p: float


def _lifelines_cox(design: Design, time, event, w, strata=None, entry=None):
    """lifelines' CoxPHFitter (Efron ties) on the design, converged tightly; `strata`: one code
    per row (separate baseline hazards), `entry`: delayed entry days."""
    from lifelines import CoxPHFitter

    df = design.X.copy()
    df.columns = [f"x{i}" for i in range(df.shape[1])]
    df["_time"], df["_event"] = time, event
    if w is not None:
        df["_w"] = w
    if strata is not None:
        df["_stratum"] = strata
    if entry is not None:
        df["_entry"] = entry
    with warnings.catch_warnings():
        # our robust variance replaces the naive one lifelines warns about
        warnings.filterwarnings("ignore", message=".*weights are not integers.*")
        cph = CoxPHFitter(strata=None if strata is None else ["_stratum"]).fit(
            df,
            "_time",
            "_event",
            weights_col="_w" if w is not None else None,
            entry_col="_entry" if entry is not None else None,
            fit_options={"precision": 1e-12},
        )
    return df, cph


def _strata_codes(data: pd.DataFrame, strata: Sequence[str]) -> np.ndarray | None:
    """One integer code per row for the combination of the strata columns (None: no strata)."""
    if not strata:
        return None
    missing = [c for c in strata if c not in data.columns]
    if missing:
        raise ParameterError(
            f"strata column(s) {', '.join(missing)} not in the table; available: "
            f"{', '.join(map(str, data.columns))}"
        )
    empty = data[list(strata)].isna().any(axis=1)
    if empty.any():
        raise ParameterError(
            f"strata {', '.join(strata)}: {int(empty.sum())} row(s) without a stratum; drop them "
            "(complete cases) or give them a stratum"
        )
    key = data[list(strata)].astype(str).agg("\x1f".join, axis=1)
    return pd.factorize(key, sort=True)[0]


class CoxModel(ProportionalHazardsModel):
    """Cox proportional hazards for relapse (Efron ties) with clustered robust SEs and PH advice."""

    _noun = "a Cox model"

    def __init__(
        self,
        covariates: Sequence[str],
        reference: Mapping[str, object] | None = None,
        cluster: str | None = "person_id",
        robust: bool = True,
        alpha: float = 0.05,
        strata: Sequence[str] = (),
    ) -> None:
        super().__init__(covariates, reference, cluster, robust, alpha)
        self.strata = tuple(strata)

    def fit(
        self,
        data: pd.DataFrame,
        duration_col: str | None = None,
        event_col: str | None = None,
        weights_col: str | None = None,
        entry_col: str | None = None,
    ) -> CoxModel:
        """Fit on a cohort table (best available times) or on an analysis-ready table with
        `duration_col` and `event_col` (1 = relapse); `entry_col`: delayed entry (days, at risk
        only after it, R's `Surv(entry, time, event)`). Stratified by the `strata` columns
        (R's `+ strata(...)`) when given."""
        given = outcome_columns(data, duration_col, event_col, "duration_col and event_col")
        if given is None:
            bt = best_available_times(data)
            time, event = bt["time"].to_numpy(float), (bt["status"] == 1).to_numpy(int)
        else:
            time, event = given[0].to_numpy(float), given[1].to_numpy(int)
        design, w, entry, cluster = self._inputs(data, int(event.sum()), weights_col, entry_col)
        strata = _strata_codes(data, self.strata)
        if entry is not None and np.any(~(entry < time) | (entry < 0)):
            raise ParameterError(f"{entry_col} must satisfy 0 <= entry < time on every row")
        if entry is not None and not entry.any():
            entry = None
        _, cph = _lifelines_cox(design, time, event, w, strata, entry)
        beta = cph.params_.to_numpy()
        v_model = cph.variance_matrix_.to_numpy()
        if self.robust:
            resid = stratified_residuals(design.X, time, event, beta, w, strata, entry)
            v = sandwich_variance(resid, v_model, w, cluster)
        else:
            v = v_model
        self.lifelines_ = cph
        self.log_likelihood_ = float(cph.log_likelihood_)
        lr = cph.log_likelihood_ratio_test()
        self.lr_test_ = LikelihoodRatioTest(
            statistic=float(lr.test_statistic), df=int(lr.degrees_freedom), p=float(lr.p_value)
        )
        self._learn(
            design,
            beta,
            v_model,
            v,
            cluster is not None and self.robust,
            len(time),
            int(event.sum()),
        )
        self._fit_data = (time, event, w)
        self.strata_, self.entry_ = strata, entry
        self.n_strata_ = 1 if strata is None else int(strata.max()) + 1
        return self

    def ph_test(self) -> pd.DataFrame:
        """Proportional-hazards test per covariate and GLOBAL, equal to R's
        `cox.zph(fit, transform="km")` (score test on Schoenfeld residuals, Efron ties):
        variable, label (English), chisq, df, p."""
        check_is_fitted(self, "params_")
        terms = self.design_.terms
        groups = {
            v: list(np.flatnonzero(terms["variable"] == v))
            for v in dict.fromkeys(terms["variable"])
        }
        time, event, w = self._fit_data
        if self.entry_ is not None:
            raise EstimationError(
                "the proportional-hazards test is not available with delayed entry (R's cox.zph "
                "km transform is for data followed from day 0)"
            )
        out = cox_zph(self.design_.X, time, event, self.params_.to_numpy(), w, groups, self.strata_)
        out = out.rename(columns={"term": "variable"})
        out["label"] = ph_labels(out["variable"], "en")
        return out[["variable", "label", "chisq", "df", "p"]]
