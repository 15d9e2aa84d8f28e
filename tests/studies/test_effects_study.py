"""Acceptance: simulation study of the primary estimator against the simulator's truth.

100 seeded replicates of a 6,000-release cohort (about 100 s of CPU on one core); coverage is
for the model-based (sandwich) CIs (the bootstrap would need n_bootstrap fits per replicate).
"""

import numpy as np
import pytest

from workbench.studies.primary_effects import simulation_study, study_summary


@pytest.fixture(scope="module")
def study():
    table = simulation_study(n_reps=100, n=6000, seed=2024, n_jobs=1)
    return table, study_summary(table).set_index("code")


@pytest.mark.slow
def test_primary_log_hr_bias_is_small(study):
    _, summary = study
    assert len(summary) == 6 and (summary["n_reps"] == 100).all()
    np.testing.assert_array_less(np.abs(summary["bias"]), 0.03)


@pytest.mark.slow
def test_primary_ci_coverage_is_near_nominal(study):
    _, summary = study
    assert summary["coverage"].between(0.90, 0.99).all(), summary["coverage"]


@pytest.mark.slow
def test_null_support_ci_covers_one_at_nominal_rate(study):
    table, summary = study
    null = table[table["code"] == "precise_support"]
    np.testing.assert_allclose(np.exp(null["true_log_hr"]), 1.0)
    covers_one = ((null["lower"] <= 0) & (0 <= null["upper"])).mean()
    assert 0.90 <= covers_one <= 0.99


@pytest.mark.slow
def test_naive_analysis_is_biased_towards_benefit(study):
    _, summary = study
    # support goes to motivated people and needs time abstinent to start: naive HRs too low
    assert (summary["naive_bias"] < -0.1).all(), summary["naive_bias"]
    assert (summary["naive_bias"] < summary["bias"]).all()
