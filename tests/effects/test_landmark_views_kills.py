"""The landmark comparison as notebook 03 shows it (issue #24, session 7: no fast test reached
`presentation.landmark_summary` or `WeightedEffect.plot`): the summary row's method and notes in
the reader's language, the plotted curves equal to the estimate with the catalog's words, and a
withheld comparison saying why on the axes instead of drawing."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from workbench.effects import presentation as pr
from workbench.effects.exposure import relapse_free_contacts
from workbench.effects.landmark import WeightedEffect
from workbench.i18n import join, t


@pytest.fixture(scope="module")
def prepared():
    from workbench.cohort import build_cohort, exposure_starts
    from workbench.simulate import NO_FEEDBACK, simulate

    ds = simulate(NO_FEEDBACK, seed=7, n=1500).dataset
    return build_cohort(ds), exposure_starts(ds), relapse_free_contacts(ds)


@pytest.fixture(scope="module")
def fitted(prepared):
    return WeightedEffect("employment_311", n_bootstrap=0).fit(*prepared)


@pytest.fixture(scope="module")
def withheld(prepared):
    return WeightedEffect("employment_311", n_bootstrap=0, min_group=100_000).fit(*prepared)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_landmark_summary_speaks_the_readers_language(fitted, withheld, lang):
    assert fitted.result_.estimable
    row = pr.landmark_summary(fitted, lang).iloc[0]
    plain = fitted.summary().iloc[0]
    parts = fitted.result_.method_text
    assert parts and row["method"] == join(parts, lang, "; ")
    assert row["notes"] == pr.landmark_notes(fitted, lang)
    assert row["notes"].startswith(t("nb_lm_weights_from", lang, names="")[:4])
    for col in ("code", "hr", "hr_lower", "hr_upper"):
        assert row[col] == plain[col] or (np.isnan(row[col]) and np.isnan(plain[col]))
    gone = pr.landmark_summary(withheld, lang).iloc[0]
    assert gone["notes"] == pr.landmark_statement(withheld, lang)
    assert gone["notes"] == t("nb_withheld_too_few_in_arm", lang, **_fields(withheld))


def _fields(we):
    f = dict(we.result_.fields)
    f.setdefault("min_group", we.min_group)
    f.setdefault("min_events", we.min_events)
    return f


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_landmark_plot_draws_both_arms_curves(fitted, lang):
    _, ax = plt.subplots()
    fitted.plot(ax=ax, lang=lang)
    c = fitted.result_.curves
    assert len(ax.lines) == 2
    for line, arm in zip(ax.lines, ("exposed", "unexposed"), strict=True):
        np.testing.assert_allclose(line.get_xdata(), c["day"])
        np.testing.assert_allclose(line.get_ydata(), c[arm])
        assert line.get_label() == t(f"effects_arm_{arm}", lang)
    assert ax.get_xlabel() == t("effects_days_since_release", lang)
    assert ax.get_ylabel() == t("effects_retention", lang)
    plt.close("all")


def test_a_withheld_landmark_plot_says_why(withheld):
    _, ax = plt.subplots()
    withheld.plot(ax=ax)
    assert [x.get_text() for x in ax.texts] == [withheld.withheld_]
    assert withheld.withheld_ == withheld.statement()
    assert not ax.axison and not ax.lines
    plt.close("all")
