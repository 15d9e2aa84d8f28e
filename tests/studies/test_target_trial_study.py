"""Issue 18's Done-when study, in the suite: 200 cohorts of 4,000 releases (seeded), the
employment feedback on, every support at its grace period (`SUPPORTS`), the 24-month risk
difference "start within g months" minus "never" against the simulator's population truth
(`strategy_truth`, 100,000 releases; MC SE of a true RD <= 0.0008), with the
influence-function (sandwich) CI with its small-sample correction (emulation/variance.py:
Student's t with the SE's Satterthwaite degrees of freedom); beside it the
naive ever/never comparison, the day-180 landmark comparison and the Cox model adjusting for
current employment. ~1.2 s CPU per cohort (six supports) plus ~7 s for the truth: 230-260 s
CPU on one core (measured at load averages 3 to 20). The numbers are in bench/README.md ("Target-trial emulation";
bench/target_trial_study.csv holds these rows).

Tolerances: the Done-when's |bias| <= 0.01 and, beside it, the Monte-Carlo error of 200
cohorts: the mean bias must lie within 3 MC SEs of 0 (MC SE = SD / sqrt(200): 0.0018-0.0053
here). Coverage: the Done-when's 92-98 % for every support (the null support's CI covering 0);
the seed is fixed, so this is deterministic (a coverage's MC SE is 0.015: the band is the
issue's requirement, not a statistical tolerance).
The biased comparisons are asserted by direction and by a size at least 5 MC SEs (0.0005-0.003)
from what was measured."""

import pytest

from workbench.studies.target_trial import NULL_SUPPORT, SUPPORTS, run, summarise

N_REP = 200


@pytest.fixture(scope="module")
def study():
    rows = run(n_rep=N_REP, n=4000, seed=18)
    return summarise(rows).set_index(["code", "estimator"])


@pytest.mark.parametrize("code", list(SUPPORTS))
def test_emulation_is_unbiased_for_every_support(study, code):
    row = study.loc[(code, "emulation")]
    assert row["n_rep"] == N_REP
    assert abs(row["bias"]) <= 0.01  # the Done-when
    assert abs(row["bias"]) <= 3 * row["mc_se"]  # no bias the 200 cohorts can detect


@pytest.mark.parametrize("code", list(SUPPORTS))
def test_sandwich_ci_covers_the_truth(study, code):
    """Coverage of the true RD (for the null support: of 0) inside the Done-when's 92-98 %.
    Measured (bench/README.md, "Small-sample correction of the sandwich"): 92.5-96.5 %
    (financial aid 92.5 %: 91.0 % with the normal instead of the t quantile)."""
    row = study.loc[(code, "emulation")]
    assert 0.92 <= row["coverage"] <= 0.98  # the Done-when
    assert 0.8 < row["mean_se"] / row["sd"] < 1.25  # the SE tracks the spread between cohorts


def test_the_null_support_has_truth_zero(study):
    """Its CI's coverage above is then the share of cohorts whose CI covers 0."""
    assert study.loc[(NULL_SUPPORT, "emulation"), "truth"] == 0.0


def test_naive_and_landmark_comparisons_are_biased_towards_benefit(study):
    """Ever/never (immortal time and confounding) and the day-180 landmark (confounding, early
    relapses dropped) credit every support, the null one too, with a benefit it does not have.
    Measured: naive -0.11 to -0.24, landmark -0.04 to -0.13 (MC SEs <= 0.0031); asserted below
    -0.10 and -0.03, at least 5 MC SEs from the measured values."""
    for code in SUPPORTS:
        assert study.loc[(code, "naive"), "bias"] < -0.10
        assert study.loc[(code, "landmark"), "bias"] < -0.03
        assert study.loc[(code, "naive"), "bias"] < study.loc[(code, "emulation"), "bias"] - 0.09


def test_cox_with_current_employment_misses_the_effect_through_employment(study):
    """Adjusting for current employment removes what job placement and the "311" service do
    through employment (params/simulation.yaml: find_log_odds 2.3 and 1.4): their implied RDs
    are pulled towards no effect by +0.035 and +0.022 (MC SE <= 0.001), against +0.009 for
    the supports that do not act on employment (peer education, financial aid: the model's
    other approximations — relapse counted at the visit that saw it, a hazard ratio turned into
    a risk difference). Asserted: above +0.015 for the two, and job placement's bias above the
    non-employment supports' by 0.015 (measured 0.026; MC SE of the difference ~0.001)."""
    bias = {code: study.loc[(code, "cox_employment"), "bias"] for code in SUPPORTS}
    assert bias["job_placement"] > 0.015 and bias["employment_311"] > 0.015
    assert bias["job_placement"] > max(bias["peer_education"], bias["financial_aid"]) + 0.015
    for code in SUPPORTS:
        if code != NULL_SUPPORT:  # towards no effect for every support that has one
            assert bias[code] > 0
