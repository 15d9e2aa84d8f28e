"""Per-support weighted comparison: landmark (exposed by day d) or baseline exposure.

Modules: this one (the landmark table and the `WeightedEffect` estimator),
`effects.weighted_estimate` (the numbers of one weighted comparison), `effects.comparison` (its
result, `WeightedComparison`, and plain sentences), `effects.propensity` (the weights).

Among releases relapse-free and under observation at the landmark (default day 180), those whose
support started by then are compared with those whose support had not, weighted by propensity
weights (`propensity`). The propensity model adjusts for the baseline confounders and, by
default (`co_interventions=True`), for the other supports started by the landmark: supports go
to the same motivated people, so without them support j would be credited with the effect of
the others. Times run from the landmark; people enter at their first relapse-free contact on or
after it (left truncation). With interval-censored relapse the hazard ratio comes from a
weighted piecewise-exponential PH model (exposure only; robust CI beside the bootstrap) and
each arm's adjusted retention curve from the weighted, left-truncated NPMLE (`stats.npmle.fit_truncated`): people
first seen relapse-free within `entry_window` days (default 30) of the landmark enter at the
landmark. Relapse is seen only at 6-monthly visits, so nothing locates a relapse inside a visit
interval; with entry days spread inside one, the NPMLE puts such relapses just after the
earliest entries, where few are at risk (in the simulator the exposed arm's S(10 days) came out
0.80 in one replicate; truth 0.996) and the RMST difference of the null support had SD 55 days
against 18 with the window. The window costs a bias of about the relapse risk within it
(~1 %), alike in both arms. With exact or right-censored times (dataset specs) from a weighted
Cox model (lifelines, robust SE) and weighted Kaplan-Meier. From the curves: risk difference at
`risk_day`, number needed to treat, RMST difference to `horizon_day` (release clock).
Percentile bootstrap CIs refit the propensity model (Newton, warm-started) in every replicate.

Weighting rule (issue 20): overlap weights by default (`estimand="overlap"`): with the logistic
propensity model fitted by unpenalised maximum likelihood they balance the mean of every
covariate in the model exactly (|SMD| ~ 1e-9), they are bounded (0 to 1: no truncation, no
positivity blow-up from a few near-certain propensities) and among balancing weights they give
the smallest variance (Li, Morgan & Zaslavsky 2018). ATE weights left max |SMD| 0.27-0.29 in
notebook 03 and at 1,000-3,000 releases they leave some |SMD| >= 0.1 in most replicates for the
rarer supports (bench/README.md). The price is the estimand: overlap weights describe the
people who could plausibly have received the support or not (the "overlap population", ATO),
weighted towards those whose propensity is near 1/2, not the whole cohort (ATE). ATE and ATT
weights stay available on request. Whatever the weights, balance is checked after weighting:
if any covariate's |SMD| >= 0.1 (`BALANCE_THRESHOLD`) the result says "balance not achieved"
(`balance_achieved` False), and the report withholds its weighted estimates. The number needed
to treat is given only when the risk difference's CI excludes 0 (and balance is achieved).
Small-sample rule: no comparison with fewer than 10 people in an arm or fewer than
`MIN_EXPOSED_RELAPSES` (10) relapses in the exposed arm (`result_` is a `NotEstimable` with reason
`too_few_in_arm` or `too_few_exposed_relapses`; bench/README.md).

In the simulator supports are assigned independently given the measured confounders
(motivation, prior employment, family support, heroin), with no unmeasured confounder, so the
landmark ATE hazard ratio of the null support (`precise_support`) is 1; the others estimate a
marginal (population-averaged) HR among the still-abstinent at the landmark, which need not
equal the simulator's conditional HR (non-collapsibility; supports starting after the landmark).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED, NotEstimable, check_is_fitted
from workbench.data.codes import (
    DAYS_PER_MONTH,
    MIN_EXPOSED_RELAPSES,
    SUPPRESSION_THRESHOLD,
    TRACKING_DAYS,
)
from workbench.effects.comparison import (
    ESTIMAND_NOTE,
    WeightedComparison,
    number_needed_to_treat,
    unbalanced_note,
)
from workbench.effects.design import category_levels, default_confounders, encode
from workbench.effects.exposure import check_exposures
from workbench.effects.methods import commas, english, piece, verbatim
from workbench.effects.propensity import (
    BALANCE_THRESHOLD,
    NewtonLogistic,
    PropensityWeights,
    max_abs_smd,
    raw_weights,
)
from workbench.effects.weighted_estimate import estimate, exact_only
from workbench.exceptions import EstimationError, ParameterError, StatisticalWarning
from workbench.i18n import Text
from workbench.stats.bootstrap import bootstrap, percentile_ci
from workbench.stats.pwe import DEFAULT_CUTS

GRID_STEP = 1.0
# A bootstrap replicate fits its distinct rows with their multiplicities as frequency weights
# (about 63 % of the rows; the same weighted likelihoods, the same numbers to ~1e-10) instead
# of the repeated rows (False: the repeated rows, as before; tests compare the two).
COUNTED_REPLICATES = True
# Why a comparison has no estimate (`WeightedEffect.withheld_`), by NotEstimable reason.
WITHHELD = {
    "too_few_in_arm": "Not estimated: fewer than {min_group} people in an arm at the landmark.",
    "too_few_exposed_relapses": (
        "Not estimated: fewer than {min_events} relapses among the exposed after the landmark, "
        "too few for a stable comparison (small-sample rule, bench/README.md)."
    ),
}


def landmark_frame(cohort, starts, contacts, day: float) -> pd.DataFrame:
    """Releases seen relapse-free at or after `day`, on the landmark clock (day 0 = `day`).

    Each is followed from its first negative contact on or after `day` (left truncation,
    `entry_day`), so nobody counts as relapse-free at the landmark who had in fact relapsed
    before the visit that would have shown it (supports only start for the still-abstinent, so
    such people would sit in the unexposed arm). `exposed_<code>` = started on or before `day`.
    """
    c = contacts[contacts["day"] >= day]
    first = c.groupby(c["release_id"].astype(str))["day"].min()
    e = cohort["release_id"].astype(str).map(first).to_numpy(float)
    lower = cohort["lower_day"].to_numpy(float)
    upper = cohort["upper_day"].to_numpy(float)
    keep = (e <= lower) & (np.nan_to_num(upper, nan=-np.inf) > e) | (e < lower)
    if not keep.any():
        raise EstimationError(f"nobody was seen relapse-free at or after day {day:g}.")
    out = cohort.loc[keep].reset_index(drop=True).copy()
    s = starts.reindex(out["release_id"].to_numpy())
    for code in starts.columns:
        out[f"exposed_{code}"] = (s[code].to_numpy(float) <= day).astype(int)
    for col in ("lower_day", "upper_day", "last_day"):
        out[col] = out[col].to_numpy(float) - day
    out["entry_day"] = e[keep] - day
    return out


def _overlap_weights(x, a, count, init) -> np.ndarray:
    """Overlap weights (treated 1 - e, untreated e) of distinct rows `x` drawn `count` times
    each: the logistic propensity model fitted with the counts as frequency weights, the same
    maximum-likelihood fit as on the rows repeated (`PropensityWeights`, estimand "overlap";
    no truncation, as there)."""
    model = NewtonLogistic(init=init).fit(x, a, sample_weight=count)
    e = np.clip(model.predict_proba(x)[:, 1], 1e-12, 1 - 1e-12)
    return raw_weights(a, e, "overlap", stabilize=True)


class WeightedEffect:
    """Landmark (or baseline-exposure) propensity-weighted comparison of one support."""

    def __init__(
        self,
        intervention: str,
        *,
        landmark_day: float | None = 180.0,
        estimand: str = "overlap",
        model: str = "logistic",
        confounders=None,
        truncate=(1.0, 99.0),
        risk_day: float = 12 * DAYS_PER_MONTH,
        horizon_day: float = TRACKING_DAYS,
        n_bootstrap: int = 200,
        seed: int = DEFAULT_SEED,
        n_jobs: int = 1,
        scheduler=None,
        alpha: float = 0.05,
        co_interventions: bool = True,
        entry_window: float = 30.0,
        min_events: int = MIN_EXPOSED_RELAPSES,
        min_group: int = SUPPRESSION_THRESHOLD,
    ):
        self.min_events = min_events  # relapses in the exposed arm (small-sample rule)
        self.intervention = intervention
        self.min_group = min_group  # the suppression threshold: smaller arms get no estimate
        self.co_interventions = co_interventions
        self.entry_window = entry_window
        self.landmark_day = landmark_day
        self.estimand = estimand
        self.model = model
        self.confounders = confounders
        self.truncate = truncate
        self.risk_day = risk_day
        self.horizon_day = horizon_day
        self.n_bootstrap = n_bootstrap
        self.seed = seed
        self.n_jobs = n_jobs
        self.scheduler = scheduler  # where bootstrap replicates run (stats.bootstrap)
        self.alpha = alpha

    def _table(self, cohort, starts, contacts, landmark=None):
        """(frame on the landmark clock with entry_day, exposure 0/1, landmark day)."""
        code = check_exposures([self.intervention])[0]
        if self.landmark_day is None:  # baseline 0/1 exposure column in the frame (specs)
            frame = cohort.reset_index(drop=True).assign(entry_day=0.0)
            return frame, frame[code].to_numpy(int), 0.0
        if contacts is None:
            raise ParameterError(
                "a landmark comparison needs contacts=relapse_free_contacts(ds) (who was seen "
                "relapse-free at or after the landmark)."
            )
        cols = check_exposures(starts.columns) if self.co_interventions else [code]
        if landmark is None or not self.co_interventions:  # else the one every support shares
            landmark = landmark_frame(cohort, starts[cols], contacts, self.landmark_day)
        frame = landmark
        return frame, frame[f"exposed_{code}"].to_numpy(int), float(self.landmark_day)

    def _confounders(self, frame) -> list[str]:
        """Baseline confounders, plus the other supports started by the landmark (they go to
        the same people, and each has its own effect on relapse)."""
        conf = default_confounders(frame) if self.confounders is None else list(self.confounders)
        if self.landmark_day is None or not self.co_interventions:
            return conf
        own = f"exposed_{self.intervention}"
        return conf + [c for c in frame.columns if c.startswith("exposed_") and c != own]

    def _prepare(self, cohort, starts, contacts, landmark=None):
        """Landmark frame, arms and weights; `withheld_` says why there will be no estimate
        (too few in an arm: no weights either; too few exposed relapses: weights, balance)."""
        frame, a, entry = self._table(cohort, starts, contacts, landmark)
        conf = self._confounders(frame)
        X = encode(frame, conf, levels=category_levels(frame, conf))
        self.n_exposed_, self.n_unexposed_ = int(a.sum()), int((1 - a).sum())
        self.frame_, self.treated_, self.entry_, self.confounders_ = frame, a, entry, list(conf)
        relapsed = np.isfinite(frame["upper_day"].to_numpy(float))
        self.n_events_exposed_ = int(np.sum(relapsed & (a == 1)))
        self.withheld_ = None
        if min(self.n_exposed_, self.n_unexposed_) < self.min_group:
            self._withhold("too_few_in_arm", min_group=self.min_group, n_exposed=self.n_exposed_,
                           n_unexposed=self.n_unexposed_)  # fmt: skip
            return frame, a, entry
        self.X_ = X
        self.weights_model_ = self._weights(X, a, warn=True)
        self.balance_ = self.weights_model_.balance()
        self.max_abs_smd_ = max_abs_smd(self.balance_)
        if self.n_events_exposed_ < self.min_events:
            self._withhold("too_few_exposed_relapses", min_events=self.min_events,
                           n_events_exposed=self.n_events_exposed_)  # fmt: skip
        return frame, a, entry

    def _withhold(self, reason: str, **fields) -> None:
        """No estimate: `withheld_` the sentence saying why, `not_estimable_` the result."""
        self.withheld_ = WITHHELD[reason].format(**fields)
        self.not_estimable_ = NotEstimable(reason, fields)

    def statement(self) -> str:
        """Plain sentence: balance achieved, not achieved, or why there is no estimate."""
        check_is_fitted(self, "result_")
        if not self.result_.estimable:
            return self.withheld_
        return self.result_.balance_statement()

    def fit(self, cohort: pd.DataFrame, starts=None, contacts=None, landmark=None):
        """`starts`/`contacts` (release_id, day of negative visits) for a landmark comparison;
        `landmark`: `landmark_frame` of all of `starts`' supports when made already. Returns self."""
        frame, a, entry = self._prepare(cohort, starts, contacts, landmark)
        if self.withheld_ is not None:
            self.result_ = self.not_estimable_
            return self
        X = self.X_
        lower = frame["lower_day"].to_numpy(float)
        upper = frame["upper_day"].to_numpy(float)
        start = frame["entry_day"].to_numpy(float)
        cuts = [0.0] + [c - entry for c in DEFAULT_CUTS if c > entry + 1]
        grid = np.arange(0.0, self.horizon_day - entry + GRID_STEP / 2, GRID_STEP)
        grid[-1] = min(grid[-1], self.horizon_day - entry)
        args = (cuts, grid, self.risk_day - entry)
        w = self.weights_model_.weights_
        entries = (start, np.where(start <= self.entry_window, 0.0, start))
        point, ci_model, state = estimate(lower, upper, entries, a, w, *args, model_ci=True)
        self.curve_violation_ = (
            max((f["violation"] for f in state[1:3]), default=0.0) if state else 0.0
        )
        init = getattr(self.weights_model_, "model_", None)
        init = init.params_ if hasattr(init, "params_") else None

        # interval-censored relapses: every fit of a replicate (propensity, PWE, curves) is a
        # weighted likelihood, so counts as weights are the resampled rows (exact times: the
        # Cox model's Efron ties count rows, so those replicates keep the rows)
        counted = COUNTED_REPLICATES and self.estimand == "overlap" and self.model == "logistic"
        counted = counted and not exact_only(lower, upper)
        x = X.to_numpy(float)

        def replicate(rng):
            idx = rng.integers(0, a.size, a.size)
            if a[idx].min() == a[idx].max():
                raise EstimationError("one arm is empty in this bootstrap sample.")
            if counted:  # the same sample as its distinct rows with their multiplicities
                count = np.bincount(idx, minlength=a.size)
                idx = np.flatnonzero(count)
                wb = _overlap_weights(x[idx], a[idx], count[idx], init) * count[idx]
            else:
                wb = self._weights(X.iloc[idx], a[idx], warn=False, init=init).weights_
            ent = (entries[0][idx], entries[1][idx])
            rows = (idx, a.size) if counted else None
            out = estimate(lower[idx], upper[idx], ent, a[idx], wb, *args, warm=state, rows=rows)
            return out[0]

        draws = (
            bootstrap(replicate, self.n_bootstrap, self.seed, self.n_jobs, scheduler=self.scheduler)
            if self.n_bootstrap
            else None
        )
        self.boot_ = draws
        self.result_ = self._result(point, ci_model, draws, grid + entry)
        return self

    def _weights(self, X, a, warn, init=None):
        pw = PropensityWeights(self.estimand, self.model, truncate=self.truncate)
        with warnings.catch_warnings():
            if not warn:
                warnings.simplefilter("ignore", StatisticalWarning)
            return pw.fit(X, a, warn=warn, init=init)

    def _result(self, point, ci_model, draws, days):
        m = days.size
        if draws is not None:
            lo, hi = percentile_ci(draws, self.alpha)
        else:
            lo = hi = np.full(point.size, np.nan)
        curves = pd.DataFrame(
            {"day": days, "exposed": point[3 : 3 + m], "unexposed": point[3 + m :]}
        )
        if draws is not None:
            curves["exposed_lower"], curves["exposed_upper"] = lo[3 : 3 + m], hi[3 : 3 + m]
            curves["unexposed_lower"], curves["unexposed_upper"] = lo[3 + m :], hi[3 + m :]
        rd, rd_ci = float(point[1]), (float(lo[1]), float(hi[1]))
        balanced = self.max_abs_smd_ < BALANCE_THRESHOLD
        method_text = self._method(draws)
        return WeightedComparison(
            intervention=self.intervention,
            n_exposed=self.n_exposed_,
            n_unexposed=self.n_unexposed_,
            hazard_ratio=float(np.exp(point[0])),
            hr_ci=(float(np.exp(lo[0])), float(np.exp(hi[0]))),
            hr_ci_model=tuple(float(v) for v in ci_model),
            risk_difference=rd,
            risk_difference_ci=rd_ci,
            nnt=number_needed_to_treat(rd, rd_ci, balanced),
            rmst_difference=float(point[2]),
            rmst_difference_ci=(float(lo[2]), float(hi[2])),
            risk_day=float(self.risk_day),
            horizon_day=float(self.horizon_day),
            landmark_day=float(self.entry_),
            method=english(method_text),
            method_text=method_text,
            curves=curves,
            notes=tuple(self._notes(balanced)),
            estimand=self.estimand,
            max_abs_smd=self.max_abs_smd_,
            balance_achieved=balanced,
        )

    def _method(self, draws) -> tuple[Text, ...]:
        """ "landmark day 180, overlap weights (logistic), ..., bootstrap 200" as catalog parts."""
        lu = (self.frame_[c].to_numpy(float) for c in ("lower_day", "upper_day"))
        exact = exact_only(*lu)
        kind = [piece("cox_km")] if exact else [piece("pwe"), piece("truncated_npmle_curves")]
        if self.landmark_day is None:
            where = piece("baseline_exposure")
        else:
            where = piece("landmark_day", day=self.entry_)
        model = piece("model_logistic") if self.model == "logistic" else verbatim(self.model)
        weights = piece(f"weights_{self.estimand}", model=model)
        n_ok = 0 if draws is None else int((~np.isnan(draws).any(axis=1)).sum())
        return (commas(where, weights, *kind, piece("bootstrap", n=n_ok)),)

    def _notes(self, balanced: bool) -> list[str]:
        notes = [f"Weights from a propensity model on {', '.join(self.confounders_)}."]
        notes.append(ESTIMAND_NOTE.get(self.estimand, ""))
        if not balanced:
            notes.append(unbalanced_note(self.max_abs_smd_))
        if self.landmark_day is not None:
            notes.append(
                f"Among people seen relapse-free at or after day {self.entry_:g}, followed from "
                "that contact."
            )
            if self.curve_violation_ > 1e-6:
                notes.append(
                    f"The curves' NPMLE did not converge (Kuhn-Tucker violation "
                    f"{self.curve_violation_:.1e}): late entrants carry little information."
                )
            if self.entry_window > 0:
                notes.append(
                    f"For the curves, people first seen relapse-free within {self.entry_window:g}"
                    " days of the landmark count as relapse-free at it."
                )
        return [n for n in notes if n]

    def summary(self) -> pd.DataFrame:
        """The comparison's one-row table, or the support's code, n_exposed and why not."""
        check_is_fitted(self, "result_")
        if not self.result_.estimable:
            return pd.DataFrame(
                [{"code": self.intervention, "n_exposed": self.n_exposed_, "notes": self.withheld_}]
            )
        return self.result_.summary()

    def plot(self, ax=None, lang: str = "en"):
        """The arms' adjusted retention curves (labels in `lang`), or why there are none."""
        check_is_fitted(self, "result_")
        if not self.result_.estimable:  # say why on the axes instead of drawing curves
            import matplotlib.pyplot as plt

            ax = ax or plt.gca()
            ax.text(0.5, 0.5, self.withheld_, ha="center", va="center", wrap=True)
            ax.set_axis_off()
            return ax
        return self.result_.plot(ax, lang)
