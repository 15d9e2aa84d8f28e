"""Generalized log-rank test for interval-censored data (interval::ictest, method pclt)."""

from __future__ import annotations

import numpy as np
import pytest

from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import EstimationError, ParameterError
from workbench.retention.ictest import ictest, interval_scores

GRID = np.arange(1, 7) * 6 * DAYS_PER_MONTH


def grid_data(rng, n, scale=400.0, attend=0.85):
    """Exponential-ish relapse days seen at 6-monthly visits exactly on the schedule."""
    T = rng.weibull(0.8, n) * scale
    seen = rng.random((n, 6)) < attend
    cutoff = rng.uniform(300, 1400, n)
    L, R, done = np.zeros(n), np.full(n, np.inf), np.zeros(n, bool)
    for k, v in enumerate(GRID):
        ok = seen[:, k] & (v <= cutoff) & ~done
        pos, neg = ok & (T <= v), ok & (T > v)
        R[pos], L[neg] = v, v
        done |= pos
    return L, R


def test_scores_sum_to_zero_at_the_npmle():
    # sum_i c_i = W (S_0 g(S_0) - S_k g(S_k)) = 0 exactly when the Kuhn-Tucker conditions hold
    L, R = grid_data(np.random.default_rng(1), 500)
    for scores in ("logrank1", "logrank2"):
        c = interval_scores(L, R, scores)
        assert c.sum() == pytest.approx(0.0, abs=1e-7)


def test_scores_by_hand_on_right_censored_data():
    # exact relapses on days 1, 2, 3 and one censored at 2: KM S = 3/4, 1/2, 0 (at 1, 2, 3);
    # Finkelstein's score (S(L) log S(L) - S(R) log S(R)) / (S(L) - S(R)), 0 log 0 = 0
    L = np.array([1.0, 2.0, 3.0, 2.0])
    R = np.array([1.0, 2.0, 3.0, np.inf])
    c = interval_scores(L, R, "logrank2")
    s1, s2 = 0.75, 0.5
    expected = [
        (0.0 - s1 * np.log(s1)) / (1 - s1),
        (s1 * np.log(s1) - s2 * np.log(s2)) / (s1 - s2),
        np.log(s2),
        np.log(s2),  # censored at 2: (2, inf), so its score is S(2) log S(2) / S(2)
    ]
    np.testing.assert_allclose(c, expected, rtol=1e-9)


def test_close_to_log_rank_on_exact_times():
    from lifelines.statistics import logrank_test

    rng = np.random.default_rng(11)
    t = rng.exponential(10, 400) * np.where(np.arange(400) < 200, 1.0, 1.6)
    e = rng.random(400) < 0.8
    g = (np.arange(400) >= 200).astype(int)
    res = ictest(t, np.where(e, t, np.inf), g)
    lr = logrank_test(t[g == 0], t[g == 1], e[g == 0], e[g == 1])
    # permutation vs hypergeometric variance, Sun's vs Nelson-Aalen scores: close, not equal
    assert res.statistic == pytest.approx(lr.test_statistic, rel=0.1)  # loose: see above
    assert res.df == 1 and res.p_value < 0.05


def test_detects_a_real_difference_and_reports():
    rng = np.random.default_rng(2)
    L0, R0 = grid_data(rng, 300, scale=300)
    L1, R1 = grid_data(rng, 300, scale=900)
    g = np.r_[["a"] * 300, ["b"] * 300]
    res = ictest(np.r_[L0, L1], np.r_[R0, R1], g)
    assert res.p_value < 1e-4
    tab = res.summary()
    assert list(tab["group"]) == ["a", "b"]
    # group a relapses sooner: more score than expected
    assert res.score_sums[0] > res.expected[0]
    np.testing.assert_allclose(sum(res.score_sums), 0.0, atol=1e-6)
    assert "pclt" in res.method


def test_three_groups_have_two_df():
    rng = np.random.default_rng(4)
    L, R = grid_data(rng, 450)
    res = ictest(L, R, np.repeat(["x", "y", "z"], 150))
    assert res.df == 2
    assert 0.0 <= res.p_value <= 1.0


def test_bad_arguments():
    with pytest.raises(EstimationError, match="only one group"):
        ictest([0, 1], [1, 2], ["a", "a"])
    with pytest.raises(ParameterError, match="scores must be one of logrank1, logrank2"):
        interval_scores([0], [1], "wilcoxon")
    with pytest.raises(ParameterError, match="group has 1 values but there are 2"):
        ictest([0, 1], [1, 2], ["a"])


@pytest.mark.slow
def test_type_one_error_on_null_grid_data():
    rejections = 0
    reps = 240
    for s in range(reps):
        rng = np.random.default_rng(1000 + s)
        L, R = grid_data(rng, 300)
        g = np.repeat([0, 1], 150)
        rejections += ictest(L, R, g).p_value < 0.05
    assert 0.02 <= rejections / reps <= 0.08
