"""Fixtures shared by the test files.

`small_sim_feedback`: the same size and seed with the employment feedback on (the default).
`small_sim`: ONE seeded small simulated cohort (3,000 releases, seed 7) for the whole session,
simulated WITHOUT the employment feedback (`NO_FEEDBACK`: support from baseline covariates
only, as before issue 18, so estimators of the support HRs are unbiased on it),
for tests whose assertions hold on any simulated cohort of this size (records agree with the
truth, files follow the contract). Tests whose numbers were tuned on another seed or size keep
their own simulation: test_retention_table (seed 11: CI coverage of the truth), test_turnbull
(seed 11), test_effects_landmark (seed 7, 2,500 releases: effect sizes), test_effects_small_sample
(1,500 releases: the small-sample rules), test_competing (seed 20170101), test_competing_ic.
A `Simulation` is immutable in use: never modify it in a test (copy a table first).
"""

from __future__ import annotations

import pytest

SMALL_SIM_SEED = 7
SMALL_SIM_N = 3000


@pytest.fixture(scope="session")
def small_sim():
    """The simulator's output for 3,000 releases with seed 7 (dataset, truth, truth_table)."""
    from workbench.simulate import NO_FEEDBACK, simulate

    return simulate(NO_FEEDBACK, seed=SMALL_SIM_SEED, n=SMALL_SIM_N)


@pytest.fixture(scope="session")
def small_sim_feedback():
    """3,000 releases, seed 7, with the default employment feedback (issue 18): employment at
    visits (visits `employed`), support started month by month, truth of the natural course."""
    from workbench.simulate import simulate

    return simulate(seed=SMALL_SIM_SEED, n=SMALL_SIM_N)
