"""The sandwich's small-sample correction (emulation/variance.py): the degrees of freedom of its
t interval."""

import numpy as np

from workbench.emulation.variance import Z, degrees_of_freedom, quantile


def test_degrees_of_freedom_of_equal_normal_contributions_is_n():
    """V = sum of n equal-variance normal contributions squared is sigma^2 chi2_n: df = n. The
    estimate's relative SD is sqrt(14 / n) = 0.012 at n = 100,000 (chi2_1's kurtosis 15):
    asserted within 5 % (4 SDs)."""
    c = np.random.default_rng(18).normal(size=(100_000, 2)) * [1.0, 7.0]
    df = degrees_of_freedom(c)
    np.testing.assert_allclose(df, 100_000, rtol=0.05)


def test_degrees_of_freedom_when_one_release_carries_the_variance():
    """One contribution of 1,000 among 999 of 1: the variance rests on one release, df = 2
    (2 V^2 / Var(V) with Var(V) ~ V^2; 2.004 here); constant contributions: V does not
    vary, df = inf, and the quantile is the normal's."""
    c = np.ones((1000, 1))
    c[0] = 1000.0
    assert 1.9 < degrees_of_freedom(c)[0] < 2.1
    assert degrees_of_freedom(np.ones((50, 1)))[0] == np.inf
    assert abs(quantile(np.inf) - Z) < 1e-12
    assert abs(quantile(30.0) - 2.0422724563) < 1e-8  # Student's t, 0.975 quantile
