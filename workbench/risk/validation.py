"""How good is the risk model? Discrimination and calibration at 12, 24 and 36 months for
interval-censored relapse (the report's model: `workbench.risk.interval.IntervalCoxModel`).

Predictions are out-of-sample: two-fold cross-validation by person (a seeded half of the people
fits the model, the other half is predicted, and back), so the check does not flatter the model.
The predicted risk of relapse by day t is 1 - exp(-Lambda0(t) exp(x'beta)).

At each horizon t only releases that could have been followed to t are used (cut-off minus
release date >= t, the trend's full-follow-up rule); whether someone relapsed by t is then known
(R <= t: yes; L >= t: no) except for an interval that straddles t or follow-up that ended early
(death, transfer, loss). Those get the probability w = P(T <= t | L < T <= R) from the Turnbull
NPMLE of the same releases, which uses no covariate, so it cannot favour the model (Li & Ma
2011; the "nonparametric" weights of Wu & Cook 2020, Biostatistics 21:e18):

- time-dependent AUC (cumulative cases / dynamic controls): the chance that a person who
  relapsed by t had a higher predicted risk than one who had not, with pair weights
  w_i (1 - w_j) (ties count 1/2). With every status known it is the Mann–Whitney AUC of the
  binary outcome, R's `survival::concordance(y ~ x)` (tests/reference/validation.R).
- C-index (Harrell's, truncated at tau = 36 months): among pairs whose order is known
  (R_i < L_j, or R_i = L_j when j's relapse is not exactly dated; R_i <= tau), the share in
  which the one who relapsed first had the higher risk. With exact times it is R's
  `survival::concordance(Surv(time, status) ~ x, reverse = TRUE, ymax = tau)`.
- calibration by decile of predicted risk: the mean predicted risk beside the NPMLE of the
  decile's relapse risk by t (with a percentile-bootstrap CI).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED, check_is_fitted
from workbench.data.codes import DAYS_PER_MONTH, TRACKING_DAYS
from workbench.exceptions import EstimationError

CHECK_MONTHS = (12, 24, 36)
N_GROUPS = 10
FOLDS = 2


def status_weights(lower, upper, t: float, survival) -> np.ndarray:
    """P(relapse by day t | the person's interval): 1 when R <= t, 0 when L >= t, else
    (S(L) - S(t)) / (S(L) - S(R)) from `survival` (S(inf) = 0; 0 when the curve has no mass in
    the interval)."""
    lo = np.asarray(lower, float)
    up = np.asarray(upper, float)
    up = np.where(np.isfinite(up), up, np.inf)
    w = np.where(up <= t, 1.0, 0.0)
    open_ = (lo < t) & (up > t)
    if open_.any():
        s_lo = survival(lo[open_])
        s_up = np.where(
            np.isfinite(up[open_]), survival(np.where(np.isfinite(up[open_]), up[open_], 0.0)), 0.0
        )
        s_t = float(survival(np.array([t]))[0])
        den = s_lo - s_up
        with np.errstate(divide="ignore", invalid="ignore"):
            w[open_] = np.where(den > 0, np.clip((s_lo - s_t) / den, 0.0, 1.0), 0.0)
    return w


def weighted_auc(marker, w) -> float:
    """AUC with case weights w and control weights 1 - w (module doc); ties count 1/2; a
    person is never paired with themself."""
    m = np.asarray(marker, float)
    w = np.asarray(w, float)
    order = np.argsort(m, kind="mergesort")
    m, w = m[order], w[order]
    _, start, counts = np.unique(m, return_index=True, return_counts=True)
    ctrl = 1.0 - w
    ctrl_group = np.add.reduceat(ctrl, start)
    below = np.r_[0.0, np.cumsum(ctrl_group)[:-1]]  # controls with a lower marker
    group = np.repeat(np.arange(start.size), counts)
    tied = ctrl_group[group] - ctrl  # controls with the same marker, not oneself
    num = float(np.sum(w * (below[group] + 0.5 * tied)))
    den = float(w.sum() * ctrl.sum() - np.sum(w * ctrl))
    return num / den if den > 0 else np.nan


def c_index(lower, upper, marker, tau: float = TRACKING_DAYS) -> tuple[float, float]:
    """(Harrell's C for (L, R] data truncated at tau, number of comparable pairs): module doc."""
    lo = np.asarray(lower, float)
    up = np.asarray(upper, float)
    m = np.asarray(marker, float)
    exact = np.isfinite(up) & (up == lo)
    key = np.where(exact, lo, np.nextafter(lo, np.inf))  # comparable with i iff key_j > R_i
    events = np.flatnonzero(np.isfinite(up) & (up <= tau))
    if events.size == 0:
        return np.nan, 0.0
    _, rank = np.unique(m, return_inverse=True)
    rank = rank.ravel()
    tree = np.zeros(rank.max() + 2)  # Fenwick tree of the counts of ranks seen, at rank + 1
    seen = np.zeros(rank.max() + 1)  # the same counts, plain (for ties)
    by_key = np.argsort(-key, kind="mergesort")
    keys_sorted = key[by_key]
    r_vals, inverse = np.unique(up[events], return_inverse=True)
    by_group = events[np.argsort(inverse.ravel(), kind="stable")]
    bounds = np.r_[0, np.cumsum(np.bincount(inverse.ravel(), minlength=r_vals.size))]
    conc = ties = pairs = 0.0  # sums of whole numbers: exact in any order
    pos = 0
    for g in range(r_vals.size - 1, -1, -1):
        end = int(np.searchsorted(-keys_sorted, -r_vals[g], side="left"))  # keys > r
        if end > pos:
            _fenwick_add(tree, rank[by_key[pos:end]] + 1)
            np.add.at(seen, rank[by_key[pos:end]], 1.0)
            pos = end
        mine = by_group[bounds[g] : bounds[g + 1]]
        conc += float(np.sum(_fenwick_prefix(tree, rank[mine])))  # lower ranks seen
        ties += float(np.sum(seen[rank[mine]]))
        pairs += float(pos) * mine.size
    if pairs == 0:
        return np.nan, 0.0
    return (conc + 0.5 * ties) / pairs, pairs


def _fenwick_add(tree: np.ndarray, at: np.ndarray) -> None:
    """Add 1 at each position `at` (1-based) of a Fenwick tree."""
    at = np.asarray(at, np.int64)
    while at.size:
        np.add.at(tree, at, 1.0)
        at = at + (at & -at)
        at = at[at < tree.size]


def _fenwick_prefix(tree: np.ndarray, upto: np.ndarray) -> np.ndarray:
    """Sum of positions 1..upto (each of `upto`) of a Fenwick tree."""
    at = np.asarray(upto, np.int64).copy()
    out = np.zeros(at.size)
    while np.any(at > 0):
        out += tree[at]  # tree[0] stays 0
        at -= at & -at
    return out


@dataclass(frozen=True)
class ModelCheck:
    """Discrimination (auc: months, auc, n, cases; c_index, n_pairs) and calibration (months,
    group, n, predicted, observed, lower, upper) of the risk model, out of sample."""

    auc: pd.DataFrame
    c_index: float
    n_pairs: float
    calibration: pd.DataFrame
    folds: int


def _folds(table: pd.DataFrame, folds: int, seed: int) -> np.ndarray:
    people = table["person_id"] if "person_id" in table else table.index.to_series()
    codes_, uniques = pd.factorize(people.astype(str))
    draw = np.random.default_rng(seed).permutation(len(uniques)) % folds
    return draw[codes_]


def predicted_risk(model, table: pd.DataFrame, days: Sequence[float]) -> np.ndarray:
    """Risk of relapse by each of `days` for each row (rows x days) from a fitted
    IntervalCoxModel (levels unseen in its fit contribute nothing)."""
    from workbench.risk.design import design_matrix

    design = design_matrix(table, list(model.covariates), model.reference)
    X = design.X.reindex(columns=model.params_.index, fill_value=0.0)
    lp = X.to_numpy(float) @ model.params_.to_numpy(float)
    base = model.model_.cumulative_hazard(np.asarray(days, float))
    return 1.0 - np.exp(-np.exp(lp)[:, None] * base[None, :])


class RiskModelCheck:
    """Discrimination and calibration of the interval-censored PH model (module doc)."""

    def __init__(
        self,
        covariates: Sequence[str],
        reference: dict | None = None,
        months: Sequence[float] = CHECK_MONTHS,
        n_groups: int = N_GROUPS,
        folds: int = FOLDS,
        n_bootstrap: int = 0,
        seed: int = DEFAULT_SEED,
        cutoff: object = None,
    ) -> None:
        self.covariates = covariates
        self.reference = reference
        self.months = months
        self.n_groups = n_groups
        self.folds = folds
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.cutoff = cutoff

    def fit(self, table: pd.DataFrame) -> RiskModelCheck:
        """Cross-validated predictions and their check on a cohort table; returns self."""
        from workbench.programme.trend import data_cutoff
        from workbench.risk.interval import IntervalCoxModel, model_frame

        # the columns read below: the folds' copies are of these, not the whole cohort table
        table = model_frame(table, [*self.covariates, "release_date", "last_day"])
        days = [float(m) * DAYS_PER_MONTH for m in self.months]
        fold = _folds(table, self.folds, self.seed)
        risk = np.full((len(table), len(days)), np.nan)
        for f in range(self.folds):
            train = table.loc[fold != f]
            model = IntervalCoxModel(list(self.covariates), self.reference, robust=False)
            model.fit(train)
            risk[fold == f] = predicted_risk(model, table.loc[fold == f], days)
        self.risk_ = risk
        cut = data_cutoff(table, self.cutoff) if "release_date" in table else None
        rows, cal = [], []
        for k, (m, day) in enumerate(zip(self.months, days, strict=True)):
            part = table
            if cut is not None:
                part_mask = (cut - pd.to_datetime(table["release_date"])).dt.days >= day
                part = table.loc[part_mask.to_numpy()]
            if len(part) < 2 * self.n_groups:
                continue
            idx = table.index.get_indexer(part.index)
            auc, cases, n_cal = self._horizon(part, risk[idx, k], day, float(m))
            rows.append({"months": float(m), "auc": auc, "n": int(len(part)), "cases": cases})
            cal.append(n_cal)
        if not rows:
            raise EstimationError("no_follow_up")
        self.auc_ = pd.DataFrame(rows)
        self.calibration_ = pd.concat(cal, ignore_index=True)
        lower, upper = _interval(table)
        tau = float(max(days))
        self.c_index_, self.n_pairs_ = c_index(lower, upper, risk[:, -1], tau)
        return self

    def _horizon(self, part: pd.DataFrame, risk: np.ndarray, day: float, months: float):
        from workbench.retention.turnbull import TurnbullFitter

        lower, upper = _interval(part)
        fit = TurnbullFitter(n_bootstrap=0).fit(lower, upper)
        w = status_weights(lower, upper, day, fit.survival_at)
        auc = weighted_auc(risk, w)
        group = _groups(risk, self.n_groups)
        rows = []
        for g in range(self.n_groups):
            sel = group == g
            f = TurnbullFitter(n_bootstrap=self.n_bootstrap, seed=self.seed)
            f.fit(lower[sel], upper[sel])
            band = f.confidence_band([day]).iloc[0]
            rows.append(
                {
                    "months": months,
                    "group": g + 1,
                    "n": int(sel.sum()),
                    "predicted": float(risk[sel].mean()),
                    "observed": 1.0 - float(band["estimate"]),
                    "lower": 1.0 - float(band["upper"]),
                    "upper": 1.0 - float(band["lower"]),
                }
            )
        return auc, float(w.sum()), pd.DataFrame(rows)

    def result(self) -> ModelCheck:
        check_is_fitted(self, "auc_")
        return ModelCheck(
            auc=self.auc_,
            c_index=float(self.c_index_),
            n_pairs=float(self.n_pairs_),
            calibration=self.calibration_,
            folds=int(self.folds),
        )


def _groups(risk: np.ndarray, n_groups: int) -> np.ndarray:
    """Groups of (nearly) equal size by rank of predicted risk, lowest first."""
    order = np.argsort(risk, kind="mergesort")
    group = np.empty(risk.size, int)
    group[order] = np.arange(risk.size) * n_groups // risk.size
    return group


def _interval(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    from workbench.risk.interval import interval_outcome

    lower, upper = interval_outcome(table)
    return lower, upper


__all__ = [
    "CHECK_MONTHS",
    "ModelCheck",
    "RiskModelCheck",
    "c_index",
    "predicted_risk",
    "status_weights",
    "weighted_auc",
]
