"""Notebook 03's words and figures (effects.presentation) on small hand-made inputs: which
catalog sentence is said, with which names, in the reader's language."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from workbench.effects import presentation as pr
from workbench.i18n import t


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_covariate_words(lang):
    assert pr.covariate_word("exposed_peer_education", lang) == t(
        "nb_already_receiving", lang, name=pr.support_name("peer_education", lang)
    )
    assert pr.covariate_word("exposed_peer_education", "en") == "already receiving: peer education"
    assert pr.covariate_word("sex[male]", "en") == f"{pr.variable_label('sex', 'en')}: male"
    assert pr.covariate_word("sex[male]", "zh").endswith("男")


def test_balance_frame_names_the_covariates():
    bal = pd.DataFrame({"smd_before": [0.4, 0.1], "smd_after": [0.0, 0.01]},
                       index=pd.Index(["sex[male]", "exposed_peer_education"], name="covariate"))  # fmt: skip
    landmark = SimpleNamespace(weights_model_=SimpleNamespace(balance=lambda: bal))
    out = pr.balance_frame(landmark, "zh")
    assert list(out["covariate"]) == [pr.covariate_word(c, "zh") for c in bal.index]
    np.testing.assert_allclose(out["smd_before"], [0.4, 0.1])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_subgroup_view_explains_the_subgroups_without_an_estimate(lang):
    table = pd.DataFrame({"code": ["job_placement"] * 3 + ["peer_education"],
                          "group": ["male", "female", "male", "x"], "hr": [0.8, np.nan, 0.7, 1.0]})  # fmt: skip
    shown, sentence = pr.subgroup_view(table[table.index != 2], "job_placement", "sex", lang)
    assert len(shown) == 1 and shown["hr"].tolist() == [0.8]
    female = pr.codes.label("sex", "female", lang)
    assert sentence == t("nb_subgroup_dropped", lang, groups=female, min=pr.MIN_SUBGROUP)
    _, none = pr.subgroup_view(table.assign(hr=np.nan), "job_placement", "sex", lang)
    assert none == t("nb_subgroup_none", lang, min=pr.MIN_SUBGROUP)
    _, nothing = pr.subgroup_view(table.assign(hr=1.0), "job_placement", "sex", lang)
    assert nothing is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_naive_notes_from_the_table(lang):
    side = pd.DataFrame({"code": ["job_placement", "precise_support", "peer_education"],
                         "hr": [0.8, 1.0, 0.9], "naive_hr": [0.6, 0.7, 1.1]})  # fmt: skip
    notes = pr.naive_notes(side, lang, truth={"precise_support": 1.0, "job_placement": 0.7})
    names = pr.listing(
        [pr.support_name(c, lang) for c in ("job_placement", "precise_support")], lang
    )
    assert notes[0] == t("nb_naive_lower_some", lang, k=3, m=2, names=names)
    assert notes[1] == t("nb_truth_null", lang, names=pr.support_name("precise_support", lang),
                         naive="0.70", adjusted="1.00")  # fmt: skip
    assert len(notes) == 2
    all_lower = pr.naive_notes(side.assign(naive_hr=0.1), lang)
    assert all_lower == [t("nb_naive_lower_all", lang, k=3)]


def test_overlap_plot_mirrors_the_two_groups_each_scaled_to_itself():
    p = np.r_[np.linspace(0.05, 0.5, 10), np.linspace(0.1, 0.9, 90)]
    a = np.r_[np.ones(10), np.zeros(90)]
    ax = pr.plot_overlap(SimpleNamespace(propensity_=p, treated_=a), "en", "title", bins=10)
    assert ax.get_ylabel() == t("nb_density", "en") and ax.get_title() == "title"
    heights = np.array([b.get_height() for b in ax.patches])
    up, down = heights[heights > 0], heights[heights < 0]
    # densities: each group's bars integrate to 1 (bin width 0.1), however small the group
    assert up.sum() * 0.1 == pytest.approx(1.0) and -down.sum() * 0.1 == pytest.approx(1.0)
    plt.close("all")


def test_landmark_statement_says_why_there_is_no_estimate():
    result = SimpleNamespace(estimable=False, reason="too_few_in_arm", fields={"n": 4})
    lm = SimpleNamespace(result_=result, min_group=20, min_events=10, statement=lambda: "x")
    assert pr.landmark_statement(lm, "zh") == t("nb_withheld_too_few_in_arm", "zh", n=4,
                                                min_group=20, min_events=10)  # fmt: skip
    unknown = SimpleNamespace(estimable=False, reason="nope", fields={})
    assert (
        pr.landmark_statement(SimpleNamespace(result_=unknown, statement=lambda: "x"), "en") == "x"
    )
