"""Session 9 (issue 23) rewrites of two risk-model steps against what they replaced: the design
matrix's dummies (from one text conversion, not one per level) and the clustered sandwich's
cluster sums (one sparse product, not one bincount per column) — bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.risk.design import design_matrix
from workbench.risk.interval import IntervalCoxModel


def test_dummies_equal_each_level_compared_with_the_text():
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "drug": rng.choice(["heroin", "meth", "ketamine"], 500),
            "code": rng.integers(0, 4, 500).astype(str).astype(object),
            "age": rng.normal(30, 5, 500),
        }
    )
    design = design_matrix(frame, ["drug", "code", "age"], {"drug": "heroin", "code": "2"})
    for row in design.terms.dropna(subset=["level"]).itertuples():
        expected = (frame[row.variable].astype(str) == row.level).to_numpy(float)
        np.testing.assert_array_equal(design.X[row.term].to_numpy(), expected)
    assert list(design.terms["term"]) == [
        "drug[ketamine]", "drug[meth]", "code[0]", "code[1]", "code[3]", "age",
    ]  # fmt: skip


def test_cluster_sums_equal_the_bincount_per_column(small_sim):
    from workbench.cohort import build_cohort

    cohort = build_cohort(small_sim.dataset)
    people = cohort["person_id"].astype(str)
    assert people.nunique() < len(cohort)  # some people released twice: real clusters
    model = IntervalCoxModel(["age", "primary_drug"]).fit(cohort)
    inner = model.model_
    S = inner.score_residuals()
    codes_, _ = pd.factorize(people)
    sums = np.vstack([np.bincount(codes_, S[:, k]) for k in range(S.shape[1])]).T
    v_all = inner.variance_matrix_.to_numpy()
    expected = v_all @ (sums.T @ sums) @ v_all
    got = IntervalCoxModel._sandwich(inner, v_all, None, cohort["person_id"].to_numpy())
    np.testing.assert_array_equal(got, expected)
    one_each = np.arange(len(cohort)).astype(str)  # every row its own cluster: the rows
    np.testing.assert_array_equal(
        IntervalCoxModel._sandwich(inner, v_all, None, one_each), v_all @ (S.T @ S) @ v_all
    )
