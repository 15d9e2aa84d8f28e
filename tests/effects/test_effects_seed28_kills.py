"""Written after bench/mutation.py's fresh seed-28 sample (issue #24, session 7) for its
non-equivalent survivors, so they do not count towards that sample's score: a table without any
follow-up still gets its one baseline piece from day 0, the plain Cox model's "adjusted" label,
the notebook landmark figure's month ticks every 6 months, and a withheld landmark's sentence in
the middle of the axes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from workbench.data.codes import DAYS_PER_MONTH
from workbench.effects import presentation as pr
from workbench.effects.fitting import data_cuts
from workbench.effects.methods import adjusted, piece


def test_data_cuts_without_follow_up_is_the_single_piece_from_day_0():
    np.testing.assert_array_equal(data_cuts(np.zeros(3), np.full(3, np.nan)), [0.0])
    np.testing.assert_array_equal(
        data_cuts(np.array([0.0, 365.0, 730.0]), np.array([365.0, 730.0, np.nan]), pieces=2),
        [0.0, 365.0],
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_plain_cox_model_adjusted_is_one_phrase(lang):
    assert adjusted(piece("cox")) == piece("cox_adjusted")
    other = adjusted(piece("pwe"))
    assert other != piece("cox_adjusted")
    assert other.render(lang).startswith(piece("pwe").render(lang))


@pytest.fixture(scope="module")
def fitted():
    from workbench.cohort import build_cohort, exposure_starts
    from workbench.effects.exposure import relapse_free_contacts
    from workbench.effects.landmark import WeightedEffect
    from workbench.simulate import NO_FEEDBACK, simulate

    ds = simulate(NO_FEEDBACK, seed=7, n=1500).dataset
    args = build_cohort(ds), exposure_starts(ds), relapse_free_contacts(ds)
    return (
        WeightedEffect("employment_311", n_bootstrap=0).fit(*args),
        WeightedEffect("employment_311", n_bootstrap=0, min_group=100_000).fit(*args),
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_landmark_figure_ticks_every_6_months_and_the_withheld_sentence_centred(fitted, lang):
    estimated, withheld = fitted
    ax = pr.landmark_figure(estimated, lang, 180)
    low, high = ax.get_xlim()
    months = [m for m in range(0, 121, 6) if low <= m * DAYS_PER_MONTH <= high]
    assert len(months) >= 4  # the curves run over years
    np.testing.assert_allclose(ax.get_xticks(), np.array(months) * DAYS_PER_MONTH)
    assert [x.get_text() for x in ax.get_xticklabels()] == [str(m) for m in months]
    ax = pr.landmark_figure(withheld, lang, 180)
    (text,) = ax.texts
    assert text.get_position() == (0.5, 0.5) and text.get_text() == pr.landmark_statement(
        withheld, lang
    )
    plt.close("all")


def _interval_arms(n=240, seed=11):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, n)
    t = rng.exponential(np.where(a == 1, 600.0, 400.0))
    visits = 182.625 * np.arange(1, 7)
    k = (visits[None, :] < t[:, None]).sum(axis=1)
    seen = k < visits.size
    upper = np.where(seen, visits[np.minimum(k, 5)], np.nan)
    lower = np.where(k > 0, visits[np.maximum(k - 1, 0)], 0.0)
    return lower, upper, a, rng.integers(1, 4, n)


def test_interval_censored_weighted_log_hr_equals_repeating_rows():
    """The landmark comparison's hazard ratio on visit intervals (piecewise exponential,
    weights = case weights): whole weights give the fit of the data with each row repeated."""
    from workbench.effects.weighted_estimate import estimate

    lower, upper, a, k = _interval_arms()
    cuts, grid = np.array([0.0, 180.0, 365.0, 730.0]), np.linspace(0.0, 1000.0, 41)

    def log_hr(lo, up, arm, w):
        values, _, _ = estimate(lo, up, (None, np.zeros(lo.size)), arm, w, cuts, grid, 365.0)
        return values[0]

    weighted = log_hr(lower, upper, a, k.astype(float))
    repeated = log_hr(np.repeat(lower, k), np.repeat(upper, k), np.repeat(a, k),
                      np.ones(k.sum()))  # fmt: skip
    assert weighted == pytest.approx(repeated, rel=1e-6)  # the same likelihood, optimiser tol
    assert abs(weighted - log_hr(lower, upper, a, np.ones(a.size))) > 1e-3


def test_number_needed_to_treat_at_a_risk_difference_of_1():
    from workbench.effects.comparison import number_needed_to_treat

    assert number_needed_to_treat(1.0, (0.9, 1.0)) == 1.0
    assert number_needed_to_treat(-0.25, (-0.4, -0.1)) == 4.0
    assert np.isnan(number_needed_to_treat(0.1, (-0.1, 0.3)))


def test_kaplan_meier_without_a_label_is_all():
    from workbench.retention.km import KaplanMeier

    km = KaplanMeier().fit(np.array([1.0, 2, 3]), np.array([1, 0, 1]))
    assert km.label_ == "all" and set(km.curve()["label"]) == {"all"}


@pytest.mark.filterwarnings("ignore::workbench.exceptions.StatisticalWarning")
def test_a_baseline_comparison_is_from_day_0():
    """A spec's baseline 0/1 arm (no landmark): everyone from day 0 (rossi, tests' example)."""
    from pathlib import Path

    from workbench.data.spec import load_spec
    from workbench.effects.landmark import WeightedEffect

    spec = load_spec(Path(__file__).parents[2] / "params" / "examples" / "rossi.yaml")
    we = WeightedEffect("fin", landmark_day=None, n_bootstrap=0, confounders=["age", "prio"])
    we.fit(spec.frame)
    assert we.entry_ == 0.0 and we.result_.landmark_day == 0.0


def test_the_entry_window_sentence_only_with_a_window(fitted):
    from workbench.cohort import build_cohort, exposure_starts
    from workbench.effects.exposure import relapse_free_contacts
    from workbench.effects.landmark import WeightedEffect
    from workbench.simulate import NO_FEEDBACK, simulate

    estimated, _ = fitted
    window = (
        "For the curves, people first seen relapse-free within 30 days of the landmark count "
        "as relapse-free at it."
    )
    assert window in estimated.summary()["notes"].iloc[0]  # the default window, 30 days
    ds = simulate(NO_FEEDBACK, seed=7, n=1500).dataset
    none = WeightedEffect("employment_311", n_bootstrap=0, entry_window=0).fit(
        build_cohort(ds), exposure_starts(ds), relapse_free_contacts(ds)
    )
    assert "For the curves, people first seen" not in none.summary()["notes"].iloc[0]


def test_the_method_counts_the_usable_bootstrap_fits():
    from support import toy_cohort

    from workbench.effects.methods import commas
    from workbench.effects.primary import METHOD_TEXT, TimeVaryingEffects

    cohort, starts = toy_cohort(400, 5)
    est = TimeVaryingEffects(n_bootstrap=6, seed=3, lag="none").fit(cohort, starts)
    est.boot_.iloc[2, 0] = np.nan  # one replicate's fit failed
    first = est.estimates()[0]
    assert first.method_text == (commas(*METHOD_TEXT, piece("bootstrap", n=5)),)
    assert "1 bootstrap fits failed and were dropped." in first.notes
