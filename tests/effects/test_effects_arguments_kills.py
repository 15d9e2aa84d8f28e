"""Arguments passed down in effects/ (issue #24, session 7, helper mut4; written blind to seed
29): `smooth` reaches the piecewise-exponential fits of the primary and subgroup analyses, a
bootstrap seed reproduces its CI and another seed changes it, the GBM propensity model gets its
`random_state`, and a not-estimable baseline arm's method says why."""

import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import effects_inputs

from workbench.exceptions import StatisticalWarning

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def prepared(small_sim):
    return effects_inputs(small_sim.dataset)


def _baseline_steps(model):
    """Total absolute change of the piecewise baseline log-hazard between neighbouring pieces."""
    return float(np.abs(np.diff(np.log(model.baseline_hazard_.to_numpy()))).sum())


def test_primary_smooth_reaches_the_fit(prepared):
    from workbench.effects.primary import TimeVaryingEffects

    fits = [
        TimeVaryingEffects(["employment_311"], smooth=s, n_bootstrap=0).fit(*prepared)
        for s in (0.0, 200.0)
    ]
    assert [f.model_.smooth for f in fits] == [0.0, 200.0]
    # the roughness penalty flattens the baseline (a strong penalty: at least halves its steps)
    assert _baseline_steps(fits[1].model_) < 0.5 * _baseline_steps(fits[0].model_)


def test_subgroup_smooth_reaches_the_fit(prepared):
    from workbench.effects.subgroups import SubgroupEffects

    cohort, starts, contacts = prepared
    fits = [
        SubgroupEffects("sex", exposures=["employment_311"], smooth=s).fit(cohort, starts, contacts)
        for s in (0.0, 200.0)
    ]
    assert [f.model_.smooth for f in fits] == [0.0, 200.0]
    assert _baseline_steps(fits[1].model_) < 0.5 * _baseline_steps(fits[0].model_)


def test_primary_bootstrap_seed_reproduces_and_another_differs(prepared):
    from workbench.effects.primary import TimeVaryingEffects

    def ci(seed):
        fit = TimeVaryingEffects(["employment_311"], n_bootstrap=6, seed=seed).fit(*prepared)
        (est,) = fit.estimates()
        return np.array(est.ci)

    np.testing.assert_array_equal(ci(3), ci(3))
    assert np.max(np.abs(ci(3) - ci(4))) > 1e-4  # 6 other resamples move a percentile


def test_gbm_propensity_gets_its_random_state():
    from workbench.effects.propensity import PropensityWeights

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.integers(0, 2, 300)})
    treated = (rng.random(300) < 1 / (1 + np.exp(-X["a"]))).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fits = [PropensityWeights(model="gbm", random_state=s).fit(X, treated) for s in (5, 5, 6)]
    assert [f.model_.random_state for f in fits] == [5, 5, 6]
    np.testing.assert_array_equal(fits[0].weights_, fits[1].weights_)


@pytest.mark.filterwarnings("ignore::workbench.exceptions.StatisticalWarning")
def test_a_not_estimable_baseline_arm_says_why():
    """Rossi as an observational spec with a second arm given only to people never arrested:
    no hazard ratio for it, and its method is "not estimable: <arm_problem's sentence>"."""
    from workbench.data.spec import load_spec
    from workbench.effects.fitting import arm_problem
    from workbench.effects.table import effects_table

    spec = load_spec(ROOT / "params" / "examples" / "rossi.yaml")
    frame = spec.frame
    few = np.zeros(len(frame), int)
    few[np.flatnonzero(frame["event"].ne("relapse").to_numpy())[:40]] = 1
    frame = frame.assign(few=few)
    spec = dataclasses.replace(
        spec, design="observational", frame=frame, interventions=("fin", "few")
    )
    table = effects_table(spec, n_bootstrap=0, seed=1).set_index("code")
    problem = arm_problem(frame, "few", "arrest")
    assert problem.startswith("no arrest in the group few = 1")
    assert np.isnan(table.loc["few", ["hr", "hr_lower", "hr_upper"]].to_numpy(float)).all()
    assert table.loc["few", "method"] == f"not estimable: {problem}"
    assert np.isfinite(table.loc["fin", "hr"])
    (text,) = table.attrs["method_text"]["few"]
    assert text.render("en") == f"not estimable: {problem}"
    assert problem.split(",")[0] in text.render("zh")


@pytest.mark.filterwarnings("ignore::workbench.exceptions.StatisticalWarning")
def test_a_trials_rmst_difference_uses_the_spec_weights_as_repeated_rows():
    """Rossi (randomised, weekly days) with a weights column: each arm's Kaplan-Meier RMST with
    whole weights equals the one of the table with each row repeated."""
    from workbench.cohort.contract import as_cohort
    from workbench.data.spec import load_spec
    from workbench.effects.trial import rmst_difference

    spec = load_spec(ROOT / "params" / "examples" / "rossi.yaml")
    w = 1 + np.arange(len(spec.frame)) % 3
    weighted = as_cohort(dataclasses.replace(spec, frame=spec.frame.assign(w=w), weights="w"))
    repeated = as_cohort(
        dataclasses.replace(spec, frame=spec.frame.loc[spec.frame.index.repeat(w)])
    )
    plain = as_cohort(spec)
    a, b, c = (rmst_difference(x, "fin", 300.0, 0, 1)[0] for x in (weighted, repeated, plain))
    assert a == pytest.approx(b, rel=1e-12)  # the same product-limit arithmetic
    assert abs(a - c) > 0.1  # days: the weights move the difference
