"""Group comparison valid for interval-censored (L, R] data: the generalized log-rank test.

As R's `interval::ictest` (Fay & Shaw 2010, J Stat Softw 36(2)) with its default method "pclt":

1. fit the pooled Turnbull NPMLE S (all groups together, `TurnbullFitter`);
2. give each release the score c_i = [S(L) g(S(L)) - S(R) g(S(R))] / [S(L) - S(R)], the
   average over its innermost intervals of the grouped-PH efficient score; with
   "logrank1" (Sun 1996, the default, as in interval) g(S) = log S~ where S~ is the survival
   from the cumulative discrete hazards, with "logrank2" (Finkelstein 1986) g(S) = log S;
   for exact times these are the log-rank scores;
3. compare the group sums U_g = sum c_i with their permutation distribution through the
   permutational central limit theorem: U^T V^- U with V = s^2 (diag(n) - n n^T / N) and
   s^2 the sample variance of the scores, chi-square with k - 1 df.

The permutation variance needs only exchangeability of the releases under the null (equal
retention curves and censoring that does not depend on group); it is not the observed-information
score variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from workbench.exceptions import EstimationError, ParameterError
from workbench.i18n import Text
from workbench.retention.turnbull import TurnbullFitter
from workbench.stats.intervals import aggregate, check_intervals

SCORES = ("logrank1", "logrank2")
SCORE_WORDS = {"logrank1": "scores_sun", "logrank2": "scores_finkelstein"}  # catalog keys


@dataclass(frozen=True)
class ICTestResult:
    """A k-sample test on interval-censored data."""

    statistic: float
    df: int
    p_value: float
    method: str
    groups: tuple[str, ...]
    n: tuple[int, ...]
    score_sums: tuple[float, ...]
    expected: tuple[float, ...]
    notes: tuple[str, ...] = ()
    method_text: tuple[Text, ...] = ()

    def summary(self) -> pd.DataFrame:
        """One row per group (n, observed and expected score sums) plus the test."""
        return pd.DataFrame(
            {
                "group": list(self.groups),
                "n": list(self.n),
                "score_sum": list(self.score_sums),
                "expected": list(self.expected),
                "statistic": self.statistic,
                "df": self.df,
                "p_value": self.p_value,
                "method": self.method,
            }
        )


def interval_scores(lower, upper, scores: str = "logrank1", fitter=None) -> np.ndarray:
    """Each release's generalized log-rank score from the pooled NPMLE."""
    if scores not in SCORES:
        raise ParameterError(f"scores must be one of {', '.join(SCORES)}; got {scores!r}.")
    lo, up, _ = check_intervals(lower, upper)
    fit = fitter if fitter is not None else TurnbullFitter(n_bootstrap=0).fit(lo, up)
    inn, p = fit.innermost_, fit.masses_
    pl, pr, pair = aggregate(lo, up)
    # the pooled fit's runs are over the same pairs in the same (sorted) order
    if fit.n_pairs_ != pl.size or inn.lo.size != pl.size:
        raise EstimationError("fitter was not fitted on these (lower, upper] pairs.")
    S = np.concatenate(([1.0], 1.0 - np.cumsum(p)))  # S after the first j intervals
    S = np.clip(S, 0.0, 1.0)
    S[np.abs(S) < 1e-14] = 0.0
    if scores == "logrank1":
        with np.errstate(divide="ignore", invalid="ignore"):
            haz = np.where(S[:-1] > 0, p / S[:-1], 0.0)
        g = -np.concatenate(([0.0], np.cumsum(haz)))
    else:
        with np.errstate(divide="ignore"):
            g = np.log(S)
    term = np.where(S > 0, S * np.where(np.isfinite(g), g, 0.0), 0.0)
    s_left, s_right = S[inn.lo], S[inn.hi + 1]
    c = (term[inn.lo] - term[inn.hi + 1]) / (s_left - s_right)
    return c[pair]


def ictest(lower, upper, group, scores: str = "logrank1") -> ICTestResult:
    """Generalized log-rank k-sample test (permutational CLT), as interval::ictest."""
    lo, up, _ = check_intervals(lower, upper)
    g = np.asarray(group).ravel()
    if g.shape != lo.shape:
        raise ParameterError(f"group has {g.size} values but there are {lo.size} releases.")
    if pd.isna(g).any():
        raise ParameterError("group has missing values; drop those releases or fill the group.")
    labels, idx = np.unique(g.astype(str), return_inverse=True)
    if labels.size < 2:
        raise EstimationError(f"only one group ({str(labels[0])!r}); a test needs at least two.")
    c = interval_scores(lo, up, scores)
    N = c.size
    n = np.bincount(idx, minlength=labels.size).astype(float)
    U = np.bincount(idx, c, minlength=labels.size)
    expected = n * c.mean()
    s2 = float(np.var(c, ddof=1))
    if s2 <= 0:
        return _result(0.0, labels, n, U, expected, scores, ("all scores are equal: p = 1.",))
    stat = float(np.sum((U - expected) ** 2 / n) / s2)
    return _result(stat, labels, n, U, expected, scores, (f"N = {N:,} releases.",))


def _result(stat, labels, n, U, expected, scores, notes) -> ICTestResult:
    df = int(labels.size - 1)
    who = "Sun's" if scores == "logrank1" else "Finkelstein's"
    return ICTestResult(
        statistic=stat,
        df=df,
        p_value=float(stats.chi2.sf(stat, df)) if stat > 0 else 1.0,
        method=(
            f"generalized log-rank test ({who} scores) from the pooled Turnbull NPMLE, "
            "permutational central-limit variance (as interval::ictest, method 'pclt')"
        ),
        groups=tuple(str(x) for x in labels),
        n=tuple(int(x) for x in n),
        score_sums=tuple(float(x) for x in U),
        expected=tuple(float(x) for x in expected),
        notes=tuple(notes),
        method_text=(Text("method_ictest", {"scores": Text(SCORE_WORDS[scores])}),),
    )
