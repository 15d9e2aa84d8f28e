"""Propensity scores, inverse-probability-of-treatment and overlap weights, balance checks.

Estimands: "ATE" (w = 1/e treated, 1/(1-e) untreated; stabilised by P(A=a)), "ATT" (treated 1,
untreated e/(1-e), stabilised by P(A=1)/P(A=0)), "overlap" (treated 1-e, untreated e). Extreme
IPT weights are truncated at percentiles (`truncate`, default 1st/99th) and/or `max_weight`.

Balance: a covariate is balanced when its weighted |SMD| is below `BALANCE_THRESHOLD` (0.1).
Overlap weights from a logistic model fitted by unpenalised maximum likelihood balance every
model covariate's mean exactly (the score equations sum_i (a_i - e_i) x_i = 0 say that the
(1-e)-weighted treated mean equals the e-weighted untreated mean; Li, Morgan & Zaslavsky 2018),
so their |SMD| is 0 up to the fit's convergence; IPT weights carry no such guarantee (notebook
03 once showed max |SMD| 0.27 after ATE weighting). `converged_` says whether Newton converged.
Overlap weights estimate the effect in the overlap population (ATO: people who could plausibly
have received the support or not, weighted by e(1-e)), not in the whole cohort (ATE).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from workbench._base import DEFAULT_SEED, check_is_fitted
from workbench.exceptions import EstimationError, ParameterError, StatisticalWarning
from workbench.i18n import Text
from workbench.stats.threads import single_thread_blas

ESTIMANDS = ("ATE", "ATT", "overlap")
BALANCE_THRESHOLD = 0.1  # |SMD| at or above this after weighting: balance not achieved
MODELS = ("logistic", "gbm", "sklearn-logistic")


class NewtonLogistic:
    """Unpenalised logistic regression by Newton-Raphson (IRLS) on standardised columns; the
    same maximum-likelihood fit as scikit-learn's LogisticRegression(C=inf), faster, and
    warm-startable (`init`: coefficients of an earlier fit, intercept first)."""

    def __init__(self, tol: float = 1e-10, max_iter: int = 100, init=None):
        self.tol = tol
        self.max_iter = max_iter
        self.init = init

    def fit(self, X, a, sample_weight=None):
        x = np.asarray(X, float)
        a = np.asarray(a, float)
        w = np.ones(a.size) if sample_weight is None else np.asarray(sample_weight, float)
        self.mean_, sd = x.mean(axis=0), x.std(axis=0)
        self.scale_ = np.where(sd > 0, sd, 1.0)
        z = np.column_stack([np.ones(a.size), (x - self.mean_) / self.scale_])
        beta = np.zeros(z.shape[1]) if self.init is None else self._to_std(self.init)
        with single_thread_blas():
            beta, it, converged = self._newton(z, a, w, beta)
        self.n_iter_, self.beta_std_, self.converged_ = it, beta, converged
        self.coef_ = beta[1:] / self.scale_
        self.intercept_ = beta[0] - float(np.dot(self.coef_, self.mean_))
        return self

    def _newton(self, z, a, w, beta):
        it, converged = 0, False
        while it < self.max_iter:
            it += 1
            eta = np.clip(z @ beta, -35, 35)
            mu = 1 / (1 + np.exp(-eta))
            grad = z.T @ (w * (a - mu))
            info = (z * (w * mu * (1 - mu))[:, None]).T @ z
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
            step *= min(1.0, 5.0 / max(float(np.max(np.abs(step))), 1e-300))  # damp far away
            beta = beta + step
            if np.max(np.abs(step)) < np.sqrt(self.tol):  # quadratic: the next step ~ tol
                converged = True
                break
        return beta, it, converged

    def _to_std(self, params):
        params = np.asarray(params, float)
        coef = params[1:] * self.scale_
        return np.r_[params[0] + float(np.dot(params[1:], self.mean_)), coef]

    @property
    def params_(self) -> np.ndarray:
        return np.r_[self.intercept_, self.coef_]

    def predict_proba(self, X):
        eta = np.clip(self.intercept_ + np.asarray(X, float) @ self.coef_, -35, 35)
        p = 1 / (1 + np.exp(-eta))
        return np.column_stack([1 - p, p])


def _model(name: str, random_state: int):
    if name == "logistic":
        return NewtonLogistic()
    if name == "sklearn-logistic":  # the reference fit NewtonLogistic is tested against
        return make_pipeline(
            StandardScaler(), LogisticRegression(C=np.inf, tol=1e-10, max_iter=10000)
        )
    if name == "gbm":
        return GradientBoostingClassifier(random_state=random_state)
    raise ParameterError(f"propensity model {name!r} is not one of: {', '.join(MODELS)}.")


def raw_weights(treated: np.ndarray, e: np.ndarray, estimand: str, stabilize: bool) -> np.ndarray:
    """Weights from propensity `e` for the estimand (no truncation)."""
    a = treated.astype(bool)
    p = a.mean()
    if estimand == "ATE":
        w = np.where(a, 1 / e, 1 / (1 - e))
        return w * np.where(a, p, 1 - p) if stabilize else w
    if estimand == "ATT":
        w = np.where(a, 1.0, e / (1 - e))
        return w * np.where(a, 1.0, (1 - p) / p) if stabilize else w
    if estimand == "overlap":
        return np.where(a, 1 - e, e)
    raise ParameterError(f"estimand {estimand!r} is not one of: {', '.join(ESTIMANDS)}.")


def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    w = np.asarray(w, float)
    return float(w.sum() ** 2 / np.sum(w**2)) if w.size and np.sum(w**2) > 0 else 0.0


def _wmean_var(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = np.average(x, axis=0, weights=w)
    v = np.average((x - m) ** 2, axis=0, weights=w)
    return m, v


def balance_table(
    X: pd.DataFrame, treated, weights, threshold: float = BALANCE_THRESHOLD
) -> pd.DataFrame:
    """SMD and variance ratio per covariate, unweighted and weighted, and whether the weighted
    |SMD| is below `threshold` (column named after it, e.g. "|smd_after| < 0.1").

    Group means are of the data as recorded: a design centred by `effects.design.encode` (its
    ``attrs["centre"]``) gets its centre back, so a 0/1 column's mean is a share (SMDs and
    variance ratios do not depend on the centre).
    SMD = (mean treated - mean untreated) / sqrt((var treated + var untreated) / 2), the
    denominator from the unweighted sample in both columns so the two are comparable. A
    covariate constant in the sample has SMD NaN and counts as balanced.
    """
    x = X.to_numpy(float)
    a = np.asarray(treated).astype(bool)
    w = np.asarray(weights, float)
    one = np.ones(len(a))
    m1, v1 = _wmean_var(x[a], one[a])
    m0, v0 = _wmean_var(x[~a], one[~a])
    centre = X.attrs.get("centre") or {}  # a centred design (effects.design.encode): add it back
    shift = np.array([centre.get(c, 0.0) for c in X.columns], float)
    sd = np.sqrt((v1 + v0) / 2)
    sd = np.where(sd > 0, sd, np.nan)
    wm1, wv1 = _wmean_var(x[a], w[a])
    wm0, wv0 = _wmean_var(x[~a], w[~a])
    with np.errstate(divide="ignore", invalid="ignore"):
        after = (wm1 - wm0) / sd
        return pd.DataFrame(
            {
                "mean_treated": m1 + shift,
                "mean_untreated": m0 + shift,
                "smd_before": (m1 - m0) / sd,
                "smd_after": after,
                f"|smd_after| < {threshold:g}": ~(np.abs(after) >= threshold),
                "var_ratio_before": v1 / v0,
                "var_ratio_after": wv1 / wv0,
            },
            index=pd.Index(X.columns, name="covariate"),
        )


def max_abs_smd(balance: pd.DataFrame) -> float:
    """Largest weighted |SMD| of a balance table (0 when every covariate is constant)."""
    smd = np.abs(balance["smd_after"].to_numpy(float))
    return float(np.nanmax(smd)) if np.isfinite(smd).any() else 0.0


class PropensityWeights:
    """Propensity model and weights for one binary exposure (see module doc)."""

    def __init__(
        self,
        estimand: str = "ATE",
        model: str = "logistic",
        *,
        stabilize: bool = True,
        truncate: tuple[float, float] | None = (1.0, 99.0),
        max_weight: float | None = None,
        positivity: float = 0.01,
        random_state: int = DEFAULT_SEED,
    ):
        self.estimand = estimand
        self.model = model
        self.stabilize = stabilize
        self.truncate = truncate
        self.max_weight = max_weight
        self.positivity = positivity
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, treated, propensity=None, *, warn: bool = True, init=None):
        """Fit the propensity model on `X` (or take `propensity` as given); compute weights.
        `init`: starting coefficients (intercept first) for the Newton logistic fit."""
        a = np.asarray(treated).astype(int)
        if a.min() == a.max():
            raise EstimationError("everyone has the same exposure; nothing to compare.")
        if propensity is None:
            model = _model(self.model, self.random_state)
            if init is not None and isinstance(model, NewtonLogistic):
                model.init = init
            fitted = model.fit(X.to_numpy(float), a)
            self.model_ = fitted
            e = fitted.predict_proba(X.to_numpy(float))[:, 1]
        else:
            e = np.asarray(propensity, float)
        self.propensity_ = np.clip(e, 1e-12, 1 - 1e-12)
        w = raw_weights(a, self.propensity_, self.estimand, self.stabilize)
        self.n_truncated_ = 0
        if self.estimand != "overlap":
            w = self._truncate(w)
        self.weights_ = w
        self.treated_ = a
        self.X_ = X
        self.ess_ = {
            "treated": effective_sample_size(w[a == 1]),
            "untreated": effective_sample_size(w[a == 0]),
        }
        self.n_extreme_ = int(
            np.sum((self.propensity_ < self.positivity) | (self.propensity_ > 1 - self.positivity))
        )
        if warn:
            self._warn()
        return self

    def _truncate(self, w):
        lo, hi = -np.inf, np.inf
        if self.truncate is not None:
            lo, hi = np.percentile(w, self.truncate)
        if self.max_weight is not None:
            hi = min(hi, self.max_weight)
        self.n_truncated_ = int(np.sum((w < lo) | (w > hi)))
        return np.clip(w, lo, hi)

    def _warn(self):
        if self.n_extreme_:
            warnings.warn(
                StatisticalWarning(
                    f"positivity: {self.n_extreme_:,} people have a propensity below "
                    f"{self.positivity:g} or above {1 - self.positivity:g}; some covariate "
                    "patterns (almost) never or always receive this support, so weighted "
                    "comparisons rest on few people.",
                    code="positivity",
                    n=self.n_extreme_,
                    lo=self.positivity,
                    hi=1 - self.positivity,
                ),
                stacklevel=3,
            )
        n = {"treated": (self.treated_ == 1).sum(), "untreated": (self.treated_ == 0).sum()}
        for arm, ess in self.ess_.items():
            if ess < 0.1 * n[arm]:
                warnings.warn(
                    StatisticalWarning(
                        f"positivity: effective sample size of the {arm} arm is {ess:.0f} of "
                        f"{n[arm]:,} after weighting; a few heavy weights drive the estimate.",
                        code="low_ess",
                        arm=Text(f"arm_group_{arm}"),
                        ess=ess,
                        n=int(n[arm]),
                    ),
                    stacklevel=3,
                )

    def balance(self, threshold: float = BALANCE_THRESHOLD) -> pd.DataFrame:
        """Balance table (SMD, variance ratios) before and after weighting."""
        check_is_fitted(self, "weights_")
        return balance_table(self.X_, self.treated_, self.weights_, threshold)

    def balanced(self, threshold: float = BALANCE_THRESHOLD) -> bool:
        """Every covariate's weighted |SMD| below `threshold`."""
        return max_abs_smd(self.balance(threshold)) < threshold

    def summary(self) -> pd.DataFrame:
        """Estimand, arm sizes, effective sample sizes, truncated and extreme counts."""
        check_is_fitted(self, "weights_")
        return pd.DataFrame(
            [
                {
                    "estimand": self.estimand,
                    "model": self.model,
                    "n_treated": int(self.treated_.sum()),
                    "n_untreated": int((1 - self.treated_).sum()),
                    "ess_treated": self.ess_["treated"],
                    "ess_untreated": self.ess_["untreated"],
                    "n_truncated": self.n_truncated_,
                    "n_extreme_propensity": self.n_extreme_,
                    "max_abs_smd_after": max_abs_smd(self.balance()),
                    "balance": "achieved" if self.balanced() else "not achieved",
                }
            ]
        )

    def plot_love(self, ax=None, threshold: float = BALANCE_THRESHOLD):
        """Love plot: |SMD| per covariate before and after weighting, threshold line labelled."""
        import matplotlib.pyplot as plt

        ax = ax or plt.gca()
        bal = self.balance().sort_values("smd_before", key=np.abs)
        y = np.arange(len(bal))
        ax.scatter(np.abs(bal["smd_before"]), y, marker="o", label="unweighted")
        ax.scatter(np.abs(bal["smd_after"]), y, marker="x", label="weighted")
        ax.axvline(
            threshold, linestyle="--", color="grey", label=f"balance target |SMD| < {threshold:g}"
        )
        ax.set_yticks(y, bal.index)
        ax.set_xlabel("|standardised mean difference|")
        ax.legend()
        return ax

    def plot_overlap(self, ax=None, bins: int = 30):
        """Histograms of the propensity score by exposure."""
        import matplotlib.pyplot as plt

        ax = ax or plt.gca()
        edges = np.linspace(0, 1, bins + 1)
        for value, name in ((1, "exposed"), (0, "not exposed")):
            ax.hist(self.propensity_[self.treated_ == value], edges, alpha=0.5, label=name)
        ax.set_xlabel("propensity score")
        ax.set_ylabel("people")
        ax.legend()
        return ax
