"""Subgroup hazard ratios from one interaction model, the interaction test, forest plot."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from workbench.effects.subgroups import (
    REGION_OF_PREFECTURE,
    SubgroupEffects,
    subgroup_effects,
    subgroup_labels,
)
from workbench.exceptions import ParameterError


def _prepared(config, seed, n, tag):
    from workbench.cohort import build_cohort, exposure_starts
    from workbench.effects.exposure import relapse_free_contacts
    from workbench.simulate import NO_FEEDBACK, simulate

    ds = simulate({**(config or {}), **NO_FEEDBACK}, seed=seed, n=n).dataset
    cohort = build_cohort(ds)
    starts = exposure_starts(ds)
    contacts = relapse_free_contacts(ds)
    cohort["release_id"] = tag + cohort["release_id"].astype(str)
    cohort["person_id"] = tag + cohort["person_id"].astype(str)
    starts.index = tag + starts.index.astype(str)
    contacts["release_id"] = tag + contacts["release_id"].astype(str)
    return cohort.assign(batch=tag), starts, contacts


@pytest.fixture(scope="module")
def planted():
    """Two cohorts: "311" halves relapse in one (HR 0.5) and does nothing in the other."""
    a = _prepared({"interventions": {"employment_311": {"hazard_ratio": 0.5}}}, 41, 4000, "a")
    b = _prepared({"interventions": {"employment_311": {"hazard_ratio": 1.0}}}, 42, 4000, "b")
    return tuple(pd.concat([x, y]) for x, y in zip(a, b, strict=True))


def test_planted_interaction_is_found_and_the_subgroup_hrs_recover_it(planted):
    cohort, starts, contacts = planted
    model = SubgroupEffects("batch").fit(cohort, starts, contacts)
    tests = model.interaction_tests().set_index("code")
    assert tests.loc["employment_311", "p"] < 0.01
    assert tests.loc["employment_311", "df"] == 1
    # the other supports act the same in both cohorts
    assert (tests.drop(index="employment_311")["p"] > 0.01).all()
    t = model.summary().set_index(["code", "group"])
    # log HR SE ~0.1 per cohort; 0.25 = 2.5 SE
    np.testing.assert_allclose(np.log(t.loc[("employment_311", "a"), "hr"]), np.log(0.5), atol=0.25)
    np.testing.assert_allclose(np.log(t.loc[("employment_311", "b"), "hr"]), 0.0, atol=0.25)
    # the interaction coefficient is the difference of the two subgroup log HRs
    diff = t.loc[("employment_311", "b"), "log_hr"] - t.loc[("employment_311", "a"), "log_hr"]
    # the robust (sandwich) variance: each release's relapse risk is shared by its subgroup rows
    assert model.model_.robust
    # (signed: b's interaction term when a is the reference, a's term = -diff otherwise)
    ref = t.loc[("employment_311", "a"), "reference"]
    name = "employment_311:b" if ref else "employment_311:a"
    signed = diff if ref else -diff
    np.testing.assert_allclose(model.model_.params_[name], signed, rtol=1e-12)
    # HR lower in cohort a (planted 0.5): the interaction of the non-reference cohort has the
    # sign that says so
    assert (model.model_.params_[name] > 0) == bool(ref)
    # the 1-df interaction test by hand: Wald z = coefficient / robust SE, p = 2 (1 - Phi(|z|))
    z = model.model_.params_[name] / np.sqrt(model.model_.variance_matrix_.loc[name, name])
    np.testing.assert_allclose(tests.loc["employment_311", "chi2"], z**2, rtol=1e-10)
    np.testing.assert_allclose(
        tests.loc["employment_311", "p"], 2 * stats.norm.sf(abs(z)), rtol=1e-8
    )
    # each subgroup's CI is exp(log HR -/+ 1.96 SE) with SE from the summed variance block
    for lv in ("a", "b"):
        row = t.loc[("employment_311", lv)]
        names = ["employment_311"] + ([] if row["reference"] else [f"employment_311:{lv}"])
        V = model.model_.variance_matrix_.loc[names, names].to_numpy()
        np.testing.assert_allclose(row["log_hr"], model.model_.params_[names].sum(), rtol=1e-12)
        np.testing.assert_allclose(row["se_log_hr"], np.sqrt(V.sum()), rtol=1e-12)
        half = stats.norm.ppf(0.975) * np.sqrt(V.sum())
        np.testing.assert_allclose(
            [row["hr_lower"], row["hr_upper"]], np.exp(row["log_hr"] + np.array([-half, half]))
        )


def test_multi_level_interaction_p_value_by_hand(planted):
    # a 4-level subgroup: the Wald chi-square of the 3 interaction terms, d^T V^{-1} d solved
    # directly (not the package's pseudo-inverse), chi-square tail with 3 df
    cohort, starts, contacts = planted
    model = SubgroupEffects("region", exposures=["employment_311"]).fit(cohort, starts, contacts)
    names = [f"employment_311:{lv}" for lv in model.levels_[1:]]
    assert len(names) == 3
    d = model.model_.params_[names].to_numpy()
    chi2 = d @ np.linalg.solve(model.model_.variance_matrix_.loc[names, names].to_numpy(), d)
    row = model.interaction_tests().set_index("code").loc["employment_311"]
    assert row["df"] == 3
    np.testing.assert_allclose(row["chi2"], chi2, rtol=1e-9)
    np.testing.assert_allclose(row["p"], stats.chi2.sf(chi2, 3), rtol=1e-9)


@pytest.mark.slow
def test_without_interaction_the_p_values_look_uniform():
    ps = []
    for seed in range(6):
        cohort, starts, contacts = _prepared(None, 100 + seed, 3000, "x")
        for by in ("sex", "primary_drug", "age_group", "region"):
            p = SubgroupEffects(by).fit(cohort, starts, contacts).interaction_tests()["p"]
            ps.extend(p.dropna())
    ps = np.array(ps)
    assert ps.size >= 100  # subgroups with < 10 exposed relapses get no term of their own
    # uniform under no interaction: a Kolmogorov-Smirnov test does not reject (measured KS
    # p 0.65), few are small (measured 9 % below 0.05: the robust Wald test in small subgroups
    # is a little liberal), none runs off (a subgroup HR diverging to 0 gave p ~ 1e-300)
    assert stats.kstest(ps, "uniform").pvalue > 0.01
    assert np.mean(ps < 0.05) < 0.15
    assert ps.min() > 1e-3


def test_region_labels_and_unknown_subgroup():
    cohort = pd.DataFrame({"prefecture": ["changsha", "huaihua", "yueyang", "chenzhou"]})
    assert list(subgroup_labels(cohort, "region")) == ["cztz", "west", "dongting", "south"]
    assert set(REGION_OF_PREFECTURE.values()) == {"cztz", "dongting", "south", "west"}
    assert len(REGION_OF_PREFECTURE) == 14
    with pytest.raises(ParameterError, match="subgroup column 'district' is not in the cohort"):
        subgroup_labels(cohort, "district")


def test_subgroup_effects_needs_contacts_for_the_contact_lag(planted):
    cohort, starts, _ = planted
    with pytest.raises(ParameterError, match="lag='contact' needs contacts="):
        subgroup_effects(cohort, starts, "sex")


def test_forest_plot_one_row_per_subgroup(planted):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cohort, starts, contacts = planted
    model = SubgroupEffects("batch", exposures=["employment_311"]).fit(cohort, starts, contacts)
    fig, ax = plt.subplots()
    assert model.plot("employment_311", ax=ax) is ax
    hr = ax.lines[0].get_xdata()
    np.testing.assert_allclose(sorted(hr), sorted(model.summary()["hr"]), rtol=1e-12)
    assert "interaction p = 0.00" in ax.get_title()
    plt.close(fig)


def test_too_few_exposed_in_every_subgroup_gives_empty_estimates_not_a_crash():
    # 1,000 releases with the employment feedback (notebook 03's default cohort): job placement
    # has fewer than 10 exposed relapses in the reference group, so no exposure column is fitted
    from workbench.cohort import build_cohort, exposure_starts
    from workbench.effects.exposure import relapse_free_contacts
    from workbench.effects.subgroups import subgroup_effects
    from workbench.simulate import simulate

    ds = simulate(seed=20170101, n=1000).dataset
    cohort = build_cohort(ds)
    out = subgroup_effects(
        cohort,
        exposure_starts(ds),
        "sex",
        exposures=["job_placement"],
        contacts=relapse_free_contacts(ds),
    )
    assert set(out["group"]) == {"male", "female"}
    assert out["hr"].isna().all() and (out["n_exposed"] < 60).all()


def test_subgroup_effects_maps_values_to_the_groups_given(planted):
    cohort, starts, contacts = planted
    out = subgroup_effects(cohort, starts, "batch", groups={"a": "first", "b": "second"},
                           exposures=["employment_311"], contacts=contacts)  # fmt: skip
    assert set(out["group"]) == {"first", "second"}
    assert (
        out.set_index("group")["n"].to_dict()
        == cohort["batch"].map({"a": "first", "b": "second"}).value_counts().to_dict()
    )
