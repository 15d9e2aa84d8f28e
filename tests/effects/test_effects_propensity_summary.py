"""PropensityWeights.summary(): every column a reader sees, each computed by hand."""

import warnings

import numpy as np
import pandas as pd

from workbench.effects.propensity import PropensityWeights, effective_sample_size, max_abs_smd
from workbench.exceptions import StatisticalWarning


def test_summary_columns_are_the_fitted_numbers():
    rng = np.random.default_rng(5)
    n = 400
    X = pd.DataFrame({"age": rng.normal(35, 8, n), "employed": rng.binomial(1, 0.3, n)})
    a = (rng.random(n) < 1 / (1 + np.exp(-(0.1 * (X["age"] - 35) + X["employed"] - 1)))).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        pw = PropensityWeights("ATE").fit(X, a)
    row = pw.summary().iloc[0]
    assert list(pw.summary().columns) == [
        "estimand", "model", "n_treated", "n_untreated", "ess_treated", "ess_untreated",
        "n_truncated", "n_extreme_propensity", "max_abs_smd_after", "balance",
    ]  # fmt: skip
    w = np.asarray(pw.weights_, float)
    assert (row["estimand"], row["model"]) == ("ATE", "logistic")
    assert (row["n_treated"], row["n_untreated"]) == (a.sum(), n - a.sum())
    assert row["ess_treated"] == effective_sample_size(w[a == 1])
    assert row["ess_untreated"] == effective_sample_size(w[a == 0])
    assert row["ess_treated"] < a.sum() and row["ess_untreated"] < n - a.sum()  # unequal weights
    p = pw.propensity_
    assert row["n_extreme_propensity"] == np.sum((p < 0.01) | (p > 0.99))
    assert row["n_truncated"] == pw.n_truncated_ and 0 < pw.n_truncated_ <= 0.03 * n  # 1st/99th
    assert row["max_abs_smd_after"] == max_abs_smd(pw.balance())
    assert row["balance"] == ("achieved" if pw.balanced() else "not achieved")
