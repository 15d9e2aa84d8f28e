"""Risk factors for interval-censored relapse: semiparametric proportional hazards on (L, R].

`IntervalCoxModel` is the proportional-hazards model h(t | x) = h0(t) exp(x'beta) fitted to
the intervals themselves (no relapse dated at a visit): the exact interval-censored likelihood
P(T > L) - P(T > R) of `workbench.stats.pwe.PiecewiseExponentialPH`, with a baseline hazard
that is constant on monthly pieces to 36 months (37 pieces: at 6-monthly visits the data cannot
resolve a finer shape) and a light roughness penalty on neighbouring baseline log-hazards, so the
baseline is effectively nonparametric. Deaths, transfers, loss and the end of tracking censor
relapse at L, the last day known relapse-free (a cause-specific hazard).

Standard errors: `se` is model-based (inverse information); `robust_se` is the sandwich over
releases with score vectors summed within `person_id` (a person released twice contributes two
correlated episodes) and gives the interval and p, as in `risk.cox.CoxModel`. Limits: with every relapse dated
exactly and a piece between every two distinct times (`cuts="times"`, `smooth=0`) the estimate
is Cox's with Breslow ties (tests/reference/risk_ic.R); with one piece it is the exponential
model (R's `survreg(dist="exponential")` on the intervals).

Proportional-hazards check (`ph_test`): for each variable, the model refitted with its terms
also switched on after `ph_split_day` (a continuous variable as 1{above its median}); the Wald
test of those extra terms says whether the hazard ratio differs before and after the split.
Beyond `PH_MAX_N` releases the check runs on a seeded random subsample of that size (ample power;
one refit per variable would otherwise cost minutes at national scale).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from workbench._base import check_is_fitted
from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import EstimationError, ParameterError
from workbench.i18n import Text, join
from workbench.risk.labels import variable_label
from workbench.risk.ph import ProportionalHazardsModel, outcome_columns
from workbench.stats.pwe import PiecewiseExponentialPH

MONTHLY_CUTS = tuple(float(m * DAYS_PER_MONTH) for m in range(37))
SMOOTH = 0.1
PH_MAX_N = 50_000  # releases the PH check uses at most (seeded subsample beyond)
# Method labels as catalog parts (workbench.i18n.methods) and their English strings.
METHOD_TEXT = (Text("method_ic_ph"),)
METHOD = join(METHOD_TEXT, "en")  # interval-censored proportional hazards (monthly piecewise ...)
COX_SENSITIVITY_TEXT = (Text("method_cox_sensitivity"),)
COX_SENSITIVITY = join(COX_SENSITIVITY_TEXT, "en")  # Cox model on visit-dated times (sensitivity)


def interval_outcome(cohort: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(L, R) per cohort row: R the first day relapse was seen (NaN unless event is relapse;
    R = L for an exactly dated relapse), L the last day known relapse-free."""
    missing = [c for c in ("lower_day", "upper_day", "event") if c not in cohort.columns]
    if missing:
        raise ParameterError(
            f"the cohort table lacks column(s) {', '.join(missing)}; build it with "
            "workbench.cohort.build_cohort"
        )
    relapse = cohort["event"].astype(str).to_numpy() == "relapse"
    lower = cohort["lower_day"].to_numpy(float)
    upper = np.where(relapse, cohort["upper_day"].to_numpy(float), np.nan)
    if np.any(relapse & ~np.isfinite(upper)):
        row = int(np.flatnonzero(relapse & ~np.isfinite(upper))[0])
        raise ParameterError(f"cohort row {row}: a relapse row without upper_day")
    return lower, upper


OUTCOME_COLUMNS = ("lower_day", "upper_day", "event", "person_id")


def model_frame(
    table: pd.DataFrame, covariates: Sequence[str], new: Mapping[str, object] | None = None
) -> pd.DataFrame:
    """The columns a model of `covariates` reads (those present of the covariates and the
    cohort's outcome and cluster columns), with the `new` columns added or replaced: a narrow
    frame to fit on, not a copy of the whole cohort table (at 2.3 M releases each copy is
    about a gigabyte)."""
    new = dict(new or {})
    wanted = dict.fromkeys([*covariates, *OUTCOME_COLUMNS])
    data = {c: table[c] for c in wanted if c in table.columns and c not in new}
    return pd.DataFrame({**data, **new}, index=table.index)


def _cuts(cuts, lower, upper) -> np.ndarray:
    if isinstance(cuts, str):
        if cuts != "times":
            raise ParameterError(f"cuts {cuts!r}: give days or 'times'")
        t = np.unique(np.r_[lower, upper[np.isfinite(upper)]])
        return np.r_[0.0, t[t > 0]]
    return np.asarray(cuts, float)


class IntervalCoxModel(ProportionalHazardsModel):
    """Proportional hazards for (L, R] relapse data with clustered robust SEs and a PH check."""

    def __init__(
        self,
        covariates: Sequence[str],
        reference: Mapping[str, object] | None = None,
        cluster: str | None = "person_id",
        robust: bool = True,
        alpha: float = 0.05,
        cuts=MONTHLY_CUTS,
        smooth: float = SMOOTH,
        ph_split_day: float = 6 * DAYS_PER_MONTH,
    ) -> None:
        super().__init__(covariates, reference, cluster, robust, alpha)
        self.cuts, self.smooth, self.ph_split_day = cuts, smooth, ph_split_day

    def fit(
        self,
        data: pd.DataFrame,
        lower_col: str | None = None,
        upper_col: str | None = None,
        weights_col: str | None = None,
        entry_col: str | None = None,
    ) -> IntervalCoxModel:
        """Fit on a cohort table, or on any table with `lower_col` and `upper_col` (days; upper
        NaN = relapse-free at lower, upper = lower = exact day). Returns self."""
        given = outcome_columns(data, lower_col, upper_col, "lower_col and upper_col")
        if given is None:
            lower, upper = interval_outcome(data)
        else:
            lower, upper = given[0].to_numpy(float), given[1].to_numpy(float)
        n_events = int(np.isfinite(upper).sum())
        design, w, entry, cluster = self._inputs(data, n_events, weights_col, entry_col)
        cuts = _cuts(self.cuts, lower, upper)
        model = PiecewiseExponentialPH(cuts, smooth=self.smooth).fit(
            lower, upper, design.X, entry=entry, weights=w
        )
        names = list(design.X.columns)
        v_all = model.variance_matrix_.to_numpy()
        if not np.all(np.diag(v_all) > 0):
            raise EstimationError(
                "the terms are collinear (e.g. sex and a women-only facility); drop one"
            )
        idx = [model.params_.index.get_loc(c) for c in names]
        v_model = v_all[np.ix_(idx, idx)]
        v = self._sandwich(model, v_all, w, cluster)[np.ix_(idx, idx)] if self.robust else v_model
        self.model_ = model
        self.log_likelihood_ = float(model.log_likelihood_)
        self.n_exact_ = int(np.sum(np.isfinite(upper) & (upper == lower)))
        self.method_ = METHOD
        beta = model.params_[names].to_numpy()
        self._learn(
            design, beta, v_model, v, cluster is not None and self.robust, len(lower), n_events
        )
        self._fit_data = (lower, upper, w, entry, cuts)
        return self

    @staticmethod
    def _sandwich(model, v_all, w, cluster) -> np.ndarray:
        """Robust variance: inverse information x (cluster-summed scores)^2 x inverse."""
        codes_ = None
        if cluster is not None:
            codes_, _ = pd.factorize(pd.Series(cluster).astype(str))
        S = model.score_sums(codes_, w)  # (weighted) scores summed within clusters
        return v_all @ (S.T @ S) @ v_all

    def ph_test(self) -> pd.DataFrame:
        """Per variable: Wald chi-square (df = its terms) that its hazard ratios change after
        `ph_split_day` (see module doc): variable, label (English), chisq, df, p."""
        check_is_fitted(self, "params_")
        rows = []
        for var in dict.fromkeys(self.design_.terms["variable"]):
            chisq, df = self._ph_variable(var)
            rows.append((var, variable_label(var, "en"), chisq, df, stats.chi2.sf(chisq, df)))
        return pd.DataFrame(rows, columns=["variable", "label", "chisq", "df", "p"])

    def _ph_variable(self, var: str) -> tuple[float, int]:
        lower, upper, w, entry, cuts = self._fit_data
        X = self.design_.X
        if len(X) > PH_MAX_N:  # a national table: the check on a seeded random subsample
            keep = np.sort(np.random.default_rng(0).choice(len(X), PH_MAX_N, replace=False))
            X, lower, upper = X.iloc[keep], lower[keep], upper[keep]
            w = None if w is None else w[keep]
            entry = None if entry is None else entry[keep]
        cols = list(self.design_.terms.loc[self.design_.terms["variable"] == var, "term"])
        starts = {}
        for c in cols:
            x = X[c].to_numpy(float)
            on = x > 0.5 if set(np.unique(x)) <= {0.0, 1.0} else x > np.median(x)
            starts[f"late:{c}"] = np.where(on, float(self.ph_split_day), np.nan)
        init = None  # warm start from the fit when the rows (a subsample too) keep its pieces
        if _same_pieces(self.model_.cuts_, cuts, lower, upper, entry):
            init = np.r_[self.model_.params_.to_numpy(), np.zeros(len(starts))]
        model = PiecewiseExponentialPH(cuts, smooth=self.smooth).fit(
            lower, upper, X, pd.DataFrame(starts), entry=entry, weights=w, init=init
        )
        names = list(starts)
        b = model.params_[names].to_numpy()
        V = model.variance_matrix_.loc[names, names].to_numpy()
        return float(b @ np.linalg.solve(V, b)), len(names)


def _same_pieces(fitted_cuts, cuts, lower, upper, entry) -> bool:
    """Whether a fit to these rows has the fitted model's baseline pieces (the pieces that
    start before the last day anyone who contributes is followed: `PiecewiseExponentialPH`)."""
    active = np.isfinite(upper) | (lower > (0.0 if entry is None else entry))
    if not active.any():
        return False
    end = np.where(np.isfinite(upper), upper, lower)[active].max()
    return int(np.sum(np.asarray(cuts, float) < end)) == len(fitted_cuts) - 1


__all__ = [
    "COX_SENSITIVITY",
    "COX_SENSITIVITY_TEXT",
    "METHOD",
    "METHOD_TEXT",
    "IntervalCoxModel",
    "interval_outcome",
    "model_frame",
]
