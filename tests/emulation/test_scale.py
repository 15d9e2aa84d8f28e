"""The target trial's memory paths (issues 18 "memory at 230 k", 23 "2.3 M report") give the
numbers of the plain computations: blocks of releases, the exact dU/dtheta instead of forward
differences, the grid shared by all supports, the vectorised employment matrix."""

import numpy as np
import pandas as pd
import pytest

from workbench.cohort.contract import as_cohort
from workbench.emulation import nuisance, start_model, weights
from workbench.emulation.arms import never_design
from workbench.emulation.estimate import estimate
from workbench.emulation.grid import K, build_grid, employment_matrix, full_months, shared_grid
from workbench.emulation.variance import residuals
from workbench.emulation.weights import carries_data


@pytest.fixture(scope="module")
def cohort(small_sim_feedback):
    return as_cohort(small_sim_feedback.dataset)


@pytest.fixture(scope="module")
def grid(cohort):
    return build_grid(cohort, "job_placement")


@pytest.fixture(scope="module")
def point(grid):
    return estimate(grid, 6)


def test_the_exact_derivative_is_what_forward_differences_approximate(point):
    # forward differences (step 1e-6 x |theta|) carry a truncation error of that relative order
    # times the curvature: observed up to 5e-5 of a column's largest entry at 23,000 releases;
    # a wrong term (a sign, a month shifted by one) would be off by O(1)
    for arm in (point.start, point.never):
        c = arm.clones
        w = arm.weights.weights * carries_data(c.kind, c.l, c.b)
        resid = residuals(c.kind, c.l, c.b, arm.hazards)
        nu = arm.nuisance()
        approx = nuisance.forward_difference(nu, arm.weights.cap, w > 0, resid)
        exact = nu.derivative(arm.weights.cap, w > 0, resid)
        scale = np.maximum(np.abs(approx).max(axis=0), 1e-12)
        assert np.max(np.abs(exact - approx) / scale) < 1e-3
        assert np.abs(approx).max() > 1.0  # not vacuous: the weights do move U


def test_blocks_of_releases_give_the_same_numbers(grid, point, monkeypatch):
    whole = start_model.fit_start_model(grid)
    info = never_design(grid).info
    plain = weights.never_weights(grid, whole, info)
    psi = point.never.nuisance().psi
    for module in (start_model, weights, nuisance):
        monkeypatch.setattr(module, "BLOCK", 97)  # many blocks of uneven widths
    blocked = start_model.fit_start_model(grid)
    # the start model's sums are added in another order: coefficients agree to rounding
    np.testing.assert_allclose(blocked.coefficients, whole.coefficients, rtol=0, atol=1e-10)
    # elementwise, but X @ beta of a block may round differently in its last bit (BLAS kernels)
    np.testing.assert_allclose(weights.never_weights(grid, whole, info), plain, rtol=1e-14, atol=0)
    fresh = nuisance.pooled(grid, point.model, info).psi
    np.testing.assert_allclose(fresh, psi, rtol=0, atol=1e-12 * np.abs(psi).max())


def test_the_never_arms_nuisance_is_made_once(point):
    assert point.never.nuisance() is point.never.nuisance()


def test_a_shared_grid_is_the_same_grid(cohort):
    with shared_grid(cohort):
        first = build_grid(cohort, "job_placement")
        second = build_grid(cohort, "peer_education")
    alone = build_grid(cohort, "peer_education")
    assert second.X is first.X  # built once
    for name in ("kind", "l", "b", "start", "start_month", "X", "employed", "next_contact"):
        assert np.array_equal(getattr(second, name), getattr(alone, name), equal_nan=True), name


def test_the_employment_matrix_is_the_last_contact_before_each_month(cohort):
    # the reference: each contact, in day order, sets the months after the one it falls in
    base = cohort.table["employed_before"].to_numpy(float)
    got = employment_matrix(cohort, base)
    v = cohort.records.visits.dropna(subset=["employed"])
    release = cohort.records.releases.set_index("release_id")["release_date"]
    day = (v["visit_date"] - v["release_id"].map(release)).dt.days.to_numpy(float)
    pos = np.searchsorted(cohort.table["release_id"].astype(str).to_numpy(),
                          v["release_id"].astype(str).to_numpy())  # fmt: skip
    want = np.repeat(base[:, None], K, axis=1)
    order = np.lexsort((day, pos))
    for p, d, val in zip(pos[order], day[order], v["employed"].to_numpy(float)[order], strict=True):
        m = min(max(int(full_months(np.array([d]))[0]) + 2, 1), K + 1)
        if m <= K:
            want[p, m - 1 :] = val
    assert np.isfinite(got).all() and (got != base[:, None]).any()  # contacts do change it
    assert np.array_equal(got, want)


def test_the_blocked_influence_functions_give_the_sandwich_of_the_whole_arrays(point, monkeypatch):
    from workbench.emulation import influence, variance

    # the whole-array computation, as variance.sandwich_se made it before the blocks
    inf = {}
    for name, arm in (("start", point.start), ("never", point.never)):
        c = arm.clones
        w = arm.weights.weights * carries_data(c.kind, c.l, c.b)
        inf[name] = variance.arm_influence(c.kind, c.l, c.b, w, arm.hazards, arm.nuisance(),
                                           arm.weights.cap)  # fmt: skip
    rd = inf["start"][:, [12, 24, 36]] - inf["never"][:, [12, 24, 36]]

    def many(n):  # blocks of 97 releases
        return [slice(lo, min(lo + 97, n)) for lo in range(0, n, 97)]

    monkeypatch.setattr(influence, "blocks", many)
    blocked = variance.sandwich_se(point, (12, 24, 36))
    # the same sums associated differently: rounding only
    np.testing.assert_allclose(blocked["rd"], np.sqrt((rd**2).sum(axis=0)), rtol=1e-10, atol=0)
    np.testing.assert_allclose(blocked["df"]["rd"], variance.degrees_of_freedom(rd), rtol=1e-8)
    assert np.all(blocked["rd"] > 1e-4) and np.all(blocked["df"]["rd"] < 1e4)  # not vacuous


def test_the_never_arms_influence_pieces_serve_every_grace_period(point):
    from workbench.emulation import influence

    first = influence.arm_influence(point.never)
    assert influence.arm_influence(point.never) is first  # kept on the arm's Nuisance
    assert influence.arm_influence(point.never, estimated_weights=False) is not first


def test_the_positivity_strata_are_counted_on_the_distinct_values():
    from workbench.emulation.diagnostics import _strata

    # the levels as np.unique(column.astype(str)) gives them, NaN included, same text merged
    column = pd.Series([1.0, np.nan, 2.0, 1.0, 2.0], dtype=object).where(lambda s: s != 2.0, "2.0")
    started = np.array([True, False, False, False, True])
    assert _strata(column, started) == [("1.0", 2, 1), ("2.0", 2, 1), ("nan", 1, 0)]


def test_came_by_is_the_comparison_of_the_info_days(grid):
    # CameBy (three (n,) arrays) must give exactly the (n, K) comparison info <= day it
    # replaces, for each grace period's clones and the "never" clones, whole and by rows
    from workbench.emulation.arms import within_design
    from workbench.emulation.weights import grace_end

    rows = np.random.default_rng(3).choice(grid.n, 500, replace=False)
    for design, grace in [(within_design(grid, g), g) for g in (3, 6, 12)] + [
        (never_design(grid), 6)
    ]:
        day = grace_end(grace)
        want = np.asarray(design.info) <= day
        came = design.info.by(day)
        assert came is design.info.by(day)  # made once per day
        assert np.array_equal(came[slice(None)], want)
        assert np.array_equal(came[rows], want[rows])
        l_ = design.clones.l[:, None]
        m = np.arange(1, K + 1)[None, :]
        # not vacuous: both answers occur before and after each clone's last relapse-free month
        for part in (m <= l_, m > l_):
            assert want[part].any() and not want[part].all()


def test_the_start_arms_weights_remade_from_came_by_are_the_formulas(grid, point):
    from workbench.emulation.arms import within_design

    d = within_design(grid, 6)
    p_i = weights.month_start_probability(grid, 6, d.at_risk, point.model)[0]
    want = np.where(d.data, weights.within_weights_from(p_i, grid, 6, np.asarray(d.info),
                                                        d.at_risk), 0.0)  # fmt: skip
    assert np.array_equal(point.start.weights.raw, want)
    assert (want > 1).any()  # someone started in month 6 and weighs 1 / p


def test_the_int8_employment_matrix_gives_the_float64_numbers(grid, point):
    # every use multiplies employment by float64 (cast exactly from int8): the same numbers
    # to the last bit as with a float64 matrix — point estimate and sandwich SEs
    import dataclasses

    from workbench.emulation.variance import sandwich_se

    assert grid.employed.dtype == np.int8
    wide = dataclasses.replace(grid, employed=grid.employed.astype(np.float64))
    other = estimate(wide, 6)
    np.testing.assert_array_equal(other.vector(), point.vector())
    a, b = sandwich_se(point, (12, 24, 36)), sandwich_se(other, (12, 24, 36))
    for key in ("rd", "rmst", "relapse_start", "relapse_never"):
        np.testing.assert_array_equal(a[key], b[key])


def test_grouped_block_by_block_is_group_to_the_last_bit(point, monkeypatch):
    # the sandwich's Jacobian groups the weights a block at a time (no (n, K) array): the sums
    # are added in the order the sparse product adds them, so exactly equal (its forward
    # differences would magnify any rounding difference)
    from dataclasses import fields

    from workbench.emulation import influence
    from workbench.emulation.outcome import group

    monkeypatch.setattr(influence, "blocks",
                        lambda n: [slice(lo, min(lo + 97, n)) for lo in range(0, n, 97)])  # fmt: skip
    for arm in (point.start, point.never):
        c = arm.clones
        w = arm.weights.weights * carries_data(c.kind, c.l, c.b)
        want = group(c.kind, c.l, c.b, w)
        got = influence.grouped(c.kind, c.l, c.b, influence.Rows(lambda rows, w=w: w[rows]))
        for f in fields(want):
            np.testing.assert_array_equal(getattr(got, f.name), getattr(want, f.name))
        assert want.pair_weight.max() > 1.0  # weighted, not only counts


def test_the_never_arms_weights_remade_on_demand_are_the_held_ones(grid, point, monkeypatch):
    from workbench.emulation import arms, variance

    monkeypatch.setattr(arms, "NEVER_ON_DEMAND_FROM", 0)  # as from 1 M releases
    remade = estimate(grid, 6)
    held, made = point.never.weights, remade.never.weights
    assert held._raw is not None and made._raw is None  # no (n, K) array kept
    np.testing.assert_array_equal(made.weights, held.weights)
    np.testing.assert_array_equal(made.truncated, held.truncated)
    rows = slice(100, 1000)  # a block the sandwich reads
    np.testing.assert_array_equal(made.rows(rows), held.rows(rows))
    assert made.cap == held.cap
    np.testing.assert_array_equal(remade.never.hazards, point.never.hazards)
    a, b = variance.sandwich_se(point, (12, 24, 36)), variance.sandwich_se(remade, (12, 24, 36))
    np.testing.assert_array_equal(a["rd"], b["rd"])  # the same standard errors, bit for bit
    assert np.all(a["rd"] > 1e-4)
