"""TargetTrial's speed paths give the numbers of the plain path (issue 18, "Speed"): the grace
sensitivity reusing the main fit's grid, start model and "never" arm, and bootstrap replicates
whatever the number of workers."""

import numpy as np
import pandas as pd
import pytest

from workbench.cohort.contract import as_cohort
from workbench.emulation import TargetTrial, grace_sensitivity
from workbench.exceptions import ParameterError


@pytest.fixture(scope="module")
def cohort(small_sim):
    return as_cohort(small_sim.dataset)


@pytest.fixture(scope="module")
def main_fit(cohort):
    return TargetTrial("employment_311", grace_months=6, ci="sandwich").fit(cohort)


def test_grace_sensitivity_reusing_the_main_fit_gives_the_same_numbers(cohort, main_fit):
    # the reused start model and "never" arm are what estimate() refits from the same data, so
    # the numbers agree to rounding (1e-12: summation order is the only possible difference)
    kw = dict(graces=(3, 4), ci="sandwich")
    plain = grace_sensitivity(cohort, "employment_311", **kw)
    reused = grace_sensitivity(cohort, "employment_311", base=main_fit, **kw)
    assert len(plain) == 6  # both grace periods estimable: the comparison is not vacuous
    pd.testing.assert_frame_equal(plain, reused, check_exact=False, rtol=0, atol=1e-12)


def test_shared_fit_reuses_the_grid_and_never_arm(cohort, main_fit):
    tt = TargetTrial("employment_311", grace_months=3, ci="sandwich").fit(cohort, shared=main_fit)
    assert tt.grid_ is main_fit.grid_
    assert tt.emulation_.never is main_fit.emulation_.never
    assert tt.emulation_.model is main_fit.emulation_.model


def test_shared_fit_of_another_support_is_refused(cohort, main_fit):
    with pytest.raises(ParameterError, match="employment_311"):
        TargetTrial("peer_education", grace_months=3).fit(cohort, shared=main_fit)


def test_bootstrap_replicates_do_not_depend_on_the_number_of_workers(cohort):
    # replicate b draws from child b of the seed, wherever it runs: identical rows; the work
    # given as `meanwhile` (run while the replicates are out) sees the point estimate and
    # changes nothing
    seen = []

    def meanwhile(trial):
        seen.append(trial.emulation_.vector())

    fits = [
        TargetTrial("employment_311", n_bootstrap=4, seed=11, n_jobs=jobs).fit(
            cohort, meanwhile=meanwhile if jobs == 2 else None
        )
        for jobs in (1, 2)
    ]
    np.testing.assert_array_equal(fits[0].replicates_, fits[1].replicates_)
    pd.testing.assert_frame_equal(fits[0].horizons_, fits[1].horizons_)
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], fits[1].emulation_.vector())


def test_replicate_with_prebuilt_designs_equals_building_them(main_fit):
    # the designs hold the clones, info days and data masks that estimate() would build from
    # the same grid: exactly the same replicate
    from workbench.emulation.arms import never_design, within_design
    from workbench.emulation.estimate import REPLICATE_TOL, estimate
    from workbench.emulation.trial import _WarmStart

    grid, point = main_fit.grid_, main_fit.emulation_
    freq = np.random.default_rng(4).multinomial(grid.n, np.full(grid.n, 1.0 / grid.n)) * 1.0
    init = _WarmStart.of(point)
    designs = (within_design(grid, 6), never_design(grid))
    a = estimate(grid, 6, freq, init=init, tol=REPLICATE_TOL).vector()
    b = estimate(grid, 6, freq, init=init, tol=REPLICATE_TOL, designs=designs).vector()
    np.testing.assert_array_equal(a, b)


def test_month_model_warm_start_reaches_the_same_fit(main_fit):
    # Newton from the full-data coefficients and from the marginal start: the same maximum
    # (1e-8: both stop when no coefficient moves by more than 1e-10)
    from workbench.emulation.weights import month_start_probability

    grid, point = main_fit.grid_, main_fit.emulation_
    at_risk = (grid.start_month >= 6) & np.isfinite(grid.end)
    freq = np.random.default_rng(5).multinomial(grid.n, np.full(grid.n, 1.0 / grid.n)) * 1.0
    p_cold, t_cold = month_start_probability(grid, 6, at_risk, point.model, freq)
    p_warm, t_warm = month_start_probability(grid, 6, at_risk, point.model, freq,
                                             init=point.start.theta)  # fmt: skip
    np.testing.assert_allclose(t_warm, t_cold, rtol=0, atol=1e-8)
    np.testing.assert_allclose(p_warm, p_cold, rtol=0, atol=1e-10)


def _freqs(n, seeds):
    return [np.random.default_rng(s).multinomial(n, np.full(n, 1.0 / n)) * 1.0 for s in seeds]


def test_replicates_batched_per_chunk_equal_one_at_a_time(main_fit):
    # estimate.replicate_vectors refits the models and weights per replicate as estimate()
    # does and runs the EM of a whole chunk at once, in the same order of operations per row:
    # the same vectors to the last bit, and a replicate's numbers do not depend on which other
    # replicates share its chunk
    from workbench.emulation.arms import never_design, within_design
    from workbench.emulation.estimate import (
        REPLICATE_TOL,
        ReplicateDesign,
        estimate,
        replicate_vectors,
    )
    from workbench.emulation.trial import _WarmStart

    grid, point = main_fit.grid_, main_fit.emulation_
    init = _WarmStart.of(point)
    designs = (within_design(grid, 6), never_design(grid))
    shared = ReplicateDesign.of(*designs, grid, 6)
    freqs = _freqs(grid.n, range(20, 25))
    one = [estimate(grid, 6, f, init=init, tol=REPLICATE_TOL, designs=designs) for f in freqs]
    iters = {a.iterations for e in one for a in (e.start, e.never)}
    assert len(iters) > 1  # rows stop after different numbers of iterations: not vacuous
    batched = replicate_vectors(grid, 6, freqs, init, shared)
    np.testing.assert_array_equal(np.array(batched), np.array([e.vector() for e in one]))
    alone = replicate_vectors(grid, 6, freqs[3:4], init, shared)
    np.testing.assert_array_equal(alone[0], batched[3])


def test_batched_em_rows_equal_the_single_em(main_fit):
    # fit_hazards_batch runs fit_hazards' iterations row by row: identical hazards and
    # iteration counts, also for a row given zero weight in some months
    from workbench.emulation.batch_em import fit_hazards_batch
    from workbench.emulation.outcome import fit_hazards, grouping

    grid, point = main_fit.grid_, main_fit.emulation_
    clones, w = point.never.clones, point.never.weights.weights
    g = grouping(clones.kind, clones.l, clones.b)
    ws = [w * f[:, None] for f in _freqs(grid.n, (1, 2))] + [np.where(w > 1.2, 0.0, w)]
    groups = [g.apply(x) for x in ws]
    h, it = fit_hazards_batch(groups, point.never.hazards, tol=1e-9)
    for row, x in enumerate(groups):
        h1, it1 = fit_hazards(x, init=point.never.hazards, tol=1e-9)
        np.testing.assert_array_equal(h[row], h1)
        assert it[row] == it1


def test_point_made_beforehand_gives_the_same_trial(cohort, main_fit):
    # point_estimate is the point estimate fit() makes (the report makes the next support's
    # while this one's replicates run): the same tables, exactly; None when fit makes none
    from workbench.emulation.trial import point_estimate

    point = point_estimate(cohort, "employment_311", 6)
    again = TargetTrial("employment_311", grace_months=6, ci="sandwich").fit(cohort, point=point)
    assert again.emulation_ is point
    pd.testing.assert_frame_equal(again.horizons_, main_fit.horizons_, check_exact=True)
    pd.testing.assert_frame_equal(again.curves_, main_fit.curves_, check_exact=True)
    assert point_estimate(cohort, "employment_311", 35) is None  # nobody starts in month 35


def test_report_trials_with_the_next_point_made_ahead_equal_one_by_one(cohort):
    # run_target_trials makes the next support's point estimate while this one's replicates
    # (here: its sandwich CI) run, and its grace sensitivity meanwhile: the same tables as
    # fitting each support on its own, exactly
    from types import SimpleNamespace

    from workbench.evaluation.target_trial import fit_one, run_target_trials

    params = SimpleNamespace(n_bootstrap=0, seed=1, n_jobs=1,
                             interventions=("employment_311", "peer_education"))  # fmt: skip
    together = run_target_trials(cohort, params)
    assert list(together) == ["employment_311", "peer_education"]
    for code, s in together.items():
        alone = fit_one(cohort, code, params)
        assert s.estimable and alone.estimable
        pd.testing.assert_frame_equal(s.horizons, alone.horizons, check_exact=True)
        pd.testing.assert_frame_equal(s.grace, alone.grace, check_exact=True)
        pd.testing.assert_frame_equal(s.curves, alone.curves, check_exact=True)
