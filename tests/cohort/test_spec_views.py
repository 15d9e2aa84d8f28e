"""cohort.spec_views (notebook 05 on any spec): a spec without arms, an interval-censored spec,
arms in the spec's own values, words for an outcome that is not relapse; real public tables
from data/corpus (R survival and lifelines data)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from workbench import display
from workbench.cohort import followup, followup_figures, spec_views
from workbench.cohort.contract import load_cohort
from workbench.i18n import t
from workbench.risk.cox import CoxModel
from workbench.risk.interval import IntervalCoxModel

CORPUS = "data/corpus/{}/spec.yaml"


@pytest.fixture(scope="module")
def diabetes():  # interval-censored, no arms, group_by gender
    return load_cohort(CORPUS.format("diabetes"))


@pytest.fixture(scope="module")
def cgd():  # randomised, arm mapped {treat: rIFN-g / placebo}, strata center, exact days
    return load_cohort(CORPUS.format("cgd"))


def test_plan_says_what_is_skipped_without_arms(diabetes, cgd):
    for lang in ("zh", "en"):
        lines = spec_views.plan(diabetes, lang)
        assert t("nbs_no_arms", lang) in lines and t("nbs_interval", lang) in lines
        assert lines[0] == t("nbs_start_event", lang, start=diabetes.start_label[lang],
                             event="nephropathy")  # fmt: skip
        lines = spec_views.plan(cgd, lang)
        assert t("nbs_no_arms", lang) not in lines and t("nbs_exact", lang) in lines
        assert "`treat`" in lines[-1]


def test_plan_says_a_competing_event_censors():
    pbc = load_cohort(CORPUS.format("pbc"))  # liver transplant competes with death
    assert t("nbs_competing", "en", competing="transplant") in spec_views.plan(pbc, "en")


def test_arm_groups_in_the_specs_own_values(cgd):
    assert cgd.arm_labels == {"treat": ("rIFN-g", "placebo")}
    words = spec_views.arm_words(cgd, "treat", "zh")
    assert words[1] == "treat：rIFN-g" and words[0] == "treat：placebo" and words["1"] == words[1]
    assert spec_views.arm_words(cgd, "treat", "en")[0] == "treat: placebo"
    # a plain 0/1 column keeps yes/no; Rossi's fin its words
    assert followup_figures.arm_words("x", "en")[1] == "x: yes"
    assert followup_figures.arm_words("fin", "en")[1] == t("nb_aid_yes", "en")
    table = spec_views.milestones(cgd, [3, 6], "zh")
    assert list(dict.fromkeys(table["group"])) == ["全部人员", "treat：placebo", "treat：rIFN-g"]
    assert not table["group"].str.contains("：是|：否").any()


def test_milestones_of_a_spec_without_arms_are_everyone_and_its_group_by(diabetes):
    table = spec_views.milestones(diabetes, [60, 120], "en")
    assert list(dict.fromkeys(table["group"])) == ["everyone", "gender: female", "gender: male"]
    everyone = table[table["group"] == "everyone"]
    assert (everyone["n"] == len(diabetes.table)).all()
    assert everyone["method"].str.contains("Turnbull").all()  # intervals: the NPMLE


def test_risk_model_is_interval_censored_for_intervals_and_cox_for_exact_times(diabetes, cgd):
    ic = spec_views.risk_model(diabetes)
    assert isinstance(ic, IntervalCoxModel) and list(ic.params_.index) == ["gender[female]"]
    # baseline pieces on the table's own scale (years of diabetes), not monthly to 36 months
    assert ic.model_.cuts[-1] > 36 * 30.4375
    # the naive analysis (Cox on the interval's upper end) differs: the model is not that one
    naive = CoxModel(["gender"], cluster=None).fit(
        diabetes.table.assign(day=diabetes.table["upper_day"], e=1), "day", "e"
    )
    assert abs(ic.params_.iloc[0] - naive.params_.iloc[0]) > 1e-3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cox = spec_views.risk_model(cgd)  # 44 events, 6 terms: the few-events caveat
    assert isinstance(cox, CoxModel) and cox.strata == ("center",)
    said = spec_views.caveats(caught, "zh")
    assert said == [t("nbs_few_events", "zh", events=44, terms=6)] and "复吸" not in said[0]


def test_no_terms_no_model():
    from dataclasses import replace

    heart = load_cohort(CORPUS.format("heart"))
    assert spec_views.risk_model(replace(heart, covariates=())) is None


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ph_table_in_words_without_global(cgd, lang):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        shown = spec_views.ph_shown(spec_views.risk_model(cgd), lang)
    headers = [display.header(c, lang) for c in ("label", "p", "chisq", "df")]
    assert list(shown.frame.columns) == headers
    assert shown.frame.iloc[-1, 0] == t("risk_all_factors", lang)
    assert "GLOBAL" not in shown._repr_html_()


def test_ph_test_with_delayed_entry_is_a_sentence():
    heart = load_cohort(CORPUS.format("heart"))  # entry at transplant
    shown = spec_views.ph_shown(spec_views.risk_model(heart), "zh")
    assert shown.data == f"- {t('nbs_ph_entry', 'zh')}"


def test_effect_of_a_spec_arm_said_as_event_free_days(cgd):
    from workbench.display import table_frame

    shown = spec_views.effects_shown(cgd, "zh", n_bootstrap=0, seed=1)
    text = shown._repr_html_()
    assert "平均无事件天数之差" in text and "保持操守" not in text and "treat" in text
    pbc = load_cohort(CORPUS.format("pbc"))  # transplant competes with death
    text = spec_views.effects_shown(pbc, "zh", n_bootstrap=0, seed=1)._repr_html_()
    assert "transplant视为删失（特定原因风险）" in text and "cause-specific" not in text
    assert spec_views.effects_shown(load_cohort(CORPUS.format("diabetes")), "zh", 0, 1) is None
    ends = spec_views.arm_ends(cgd, "en")
    assert set(ends["group"]) == {"treat: rIFN-g", "treat: placebo"}
    headers = list(table_frame(ends, "zh").columns)
    assert not any(re.search(r"[A-Za-z]{2,}", h) for h in headers)


def test_milestones_within_spread_over_long_follow_up():
    def table(last_day):
        return pd.DataFrame({"lower_day": [10.0, last_day], "upper_day": [10.0, np.nan]})

    assert followup.milestones_within(table(364))["months"] == [3, 6, 9]  # Rossi, as before
    assert followup.milestones_within(table(4556))["months"] == [36, 72, 108]  # PBC: 12 years
    assert followup.milestones_within(table(4556), step=3)["months"] == [141, 144, 147]
    assert followup.milestones_within(table(20))["months"] == [1]  # under a quarter-year


def _cells(shown) -> list[str]:
    return re.findall(r"<td[^>]*>(.*?)</td>", shown._repr_html_())


def test_the_canonical_table_says_its_codes_in_words():
    """Notebook 05's canonical table (it showed relapse / censored / end_of_follow_up in zh):
    the spec's event, censored and the censoring reason in the catalog's words (Rossi's first
    rows: 3 re-arrests, then 2 censored at the end of follow-up); pbc's competing event
    (transplant) as "competing event"."""
    rossi = load_cohort("params/examples/rossi.yaml")
    for lang, words in (("zh", ["事件", "删失", "随访结束"]),
                        ("en", ["event", "censored", "end of follow-up"])):  # fmt: skip
        shown = spec_views.canonical_shown(rossi, lang)
        frame = shown.frame
        outcome = frame[t("nbcol_event", lang)].tolist()
        assert outcome == [words[0]] * 3 + [words[1]] * 2
        assert frame[t("nbcol_censor_reason", lang)].tolist() == [""] * 3 + [words[2]] * 2
        cells = set(_cells(shown))
        assert not cells & {"relapse", "censored" if lang == "zh" else "-", "end_of_follow_up"}
    pbc = load_cohort(CORPUS.format("pbc"))
    for lang, word in (("zh", "竞争事件"), ("en", "competing event")):
        shown = spec_views.canonical_shown(pbc, lang, rows=len(pbc.table))
        assert word in set(shown.frame[t("nbcol_event", lang)]) and "death" not in _cells(shown)


def test_published_coefficients_are_shown_by_their_words():
    """Notebook 05 §3's comparison with the published Rossi coefficients: each term in words
    (the code column, e.g. `age`, is not shown); ours equal the published ones (lifelines /
    R coxph, 6 decimals published: 1e-6)."""
    from workbench.risk.labels import term_labels

    rossi = load_cohort("params/examples/rossi.yaml")
    model = spec_views.risk_model(rossi)
    for lang, age in (("zh", "年龄（岁）"), ("en", "age (years)")):
        table = followup.with_published(
            model.params_, "rossi", term_labels(model.design_.terms, lang)
        )
        assert table.index.tolist() == ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
        assert np.allclose(table["ours"], table["published"], atol=1e-6, rtol=0)
        assert table.loc["fin", "published"] == pytest.approx(-0.379422, abs=1e-6)
        shown = display.table(table, lang, index=True, digits=7)
        headers = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", shown._repr_html_())
        assert headers[0] == display.header("label", lang) and "term" not in headers
        assert age in _cells(shown) and "age" not in _cells(shown)
