"""The emulation's engines against R (tests/reference/emulation.R, outputs committed)."""

from pathlib import Path

import numpy as np
import pandas as pd

from workbench.emulation.grid import CENSORED, DEATH, RELAPSE, K
from workbench.emulation.outcome import curves, fit_hazards, group
from workbench.emulation.weights import fit_pooled_logistic

REF = Path(__file__).parent.parent / "reference"


def test_start_model_equals_r_glm():
    """Pooled logistic start model (month terms, covariates, employment, frequency weights) vs
    R glm(binomial): both converged to 1e-12+, so 1e-6 allows only rounding."""
    d = pd.read_csv(REF / "emulation_glm_input.csv")
    months = np.sort(d["month"].unique())
    col = np.searchsorted(months, d["month"].to_numpy())
    rows = np.arange(len(d))
    A = np.zeros((len(d), months.size))
    A[rows, col] = d["w"].to_numpy(float)
    Y = np.zeros_like(A)
    Y[rows, col] = d["started"].to_numpy(float)
    E = np.zeros_like(A)
    E[rows, col] = d["employed"].to_numpy(float)
    X = d.filter(regex=r"^x\d+$").to_numpy(float)
    theta = fit_pooled_logistic(A, Y, X, E)
    r = pd.read_csv(REF / "emulation_glm_output.csv")["estimate"].to_numpy(float)
    assert theta.shape == r.shape
    np.testing.assert_allclose(theta, r, atol=1e-6, rtol=0)


def test_weighted_em_on_right_censored_data_is_weighted_aalen_johansen():
    """On right-censored monthly data nothing is interval-censored: the weighted EM's cumulative
    incidences equal R's weighted Aalen-Johansen (survfit with weights) at every month, 1e-6."""
    a = pd.read_csv(REF / "emulation_aj_input.csv")
    t = a["time"].to_numpy(int)
    status = a["status"].to_numpy(int)
    kind = np.select([status == 1, status == 2], [RELAPSE, DEATH], CENSORED)
    lower = np.where(status == 1, t - 1, t)  # a death: relapse-free up to it (l = b)
    w = np.repeat(a["w"].to_numpy(float)[:, None], K, axis=1)
    h, _ = fit_hazards(group(kind, lower, t, w), tol=1e-13)
    c = curves(h)
    hr, hd = h[:K], h[K:]
    surv = np.concatenate([[1.0], np.cumprod(1 - hr - hd)])
    cif_r = np.cumsum(surv[:-1] * hr)
    cif_d = np.cumsum(surv[:-1] * hd)
    r = pd.read_csv(REF / "emulation_aj_output.csv")
    np.testing.assert_allclose(cif_r, r["relapse"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(cif_d, r["death"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(c["relapse"][1:], r["relapse"][:36], atol=1e-6, rtol=0)


def test_sandwich_se_on_right_censored_data_is_r_infinitesimal_jackknife():
    """The influence-function SE of the weighted EM's relapse risk (weights known) equals
    survfit's infinitesimal-jackknife std.err of the weighted Aalen-Johansen; 1e-7 absolute
    (forward-difference Jacobian: agreement seen ~1e-9)."""
    from workbench.emulation.variance import arm_influence

    a = pd.read_csv(REF / "emulation_aj_input.csv")
    t = a["time"].to_numpy(int)
    status = a["status"].to_numpy(int)
    kind = np.select([status == 1, status == 2], [RELAPSE, DEATH], CENSORED)
    lower = np.where(status == 1, t - 1, t)
    w = np.repeat(a["w"].to_numpy(float)[:, None], K, axis=1)
    h, _ = fit_hazards(group(kind, lower, t, w), tol=1e-13)
    se = np.sqrt((arm_influence(kind, lower, t, w, h) ** 2).sum(axis=0))
    r = pd.read_csv(REF / "emulation_aj_output.csv")
    np.testing.assert_allclose(se[1:37], r["relapse_se"][:36], atol=1e-7, rtol=0)
