"""The sandwich's small-sample correction (emulation/variance.py): the leverage it divides by and
the degrees of freedom of its t interval."""

from pathlib import Path

import numpy as np
import pandas as pd

from workbench.emulation.grid import CENSORED, DEATH, RELAPSE, K
from workbench.emulation.outcome import fit_hazards, group
from workbench.emulation.variance import (
    Z,
    degrees_of_freedom,
    leverage,
    quantile,
    residuals,
    scores,
)

REF = Path(__file__).parent.parent / "reference"


def _right_censored():
    a = pd.read_csv(REF / "emulation_aj_input.csv")
    t = a["time"].to_numpy(int)
    status = a["status"].to_numpy(int)
    kind = np.select([status == 1, status == 2], [RELAPSE, DEATH], CENSORED)
    lower = np.where(status == 1, t - 1, t)
    w = np.repeat(a["w"].to_numpy(float)[:, None], K, axis=1)
    return kind, lower, t, w


def test_leverage_gives_the_delete_one_jackknife_of_each_months_hazard():
    """On right-censored monthly data each month's hazard is a weighted ratio, so removing
    release i moves it by exactly u_i(m) / (R(m) (1 - lev_i(m))): the leverage is the hat
    matrix's diagonal the correction divides by. Checked for the 5 heaviest releases against
    refits without them; 1e-9 absolute (both EMs converged to 1e-13)."""
    kind, lower, t, w = _right_censored()
    h, _ = fit_hazards(group(kind, lower, t, w), tol=1e-13)
    _, risk = residuals(kind, lower, t, h, with_risk=True)
    u = scores(kind, lower, t, w, h)
    lev = leverage(w, risk)
    total = (w * risk).sum(axis=0)
    for i in np.argsort(-w[:, 0])[:5]:
        keep = np.arange(kind.size) != i
        h_i, _ = fit_hazards(group(kind[keep], lower[keep], t[keep], w[keep]), tol=1e-13)
        one = np.concatenate([1.0 - lev[i], 1.0 - lev[i]])
        r2 = np.concatenate([total, total])
        predicted = np.where(r2 > 0, u[i] / np.where(r2 > 0, r2 * one, 1.0), 0.0)
        assert lev[i].max() > 1e-3  # a release with a visible leverage
        np.testing.assert_allclose(h - h_i, predicted, atol=1e-9, rtol=0)


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
