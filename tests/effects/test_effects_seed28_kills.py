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
