"""A randomised spec's report (issue 14 items 2 and 7): the trial's comparison, both arms'
curves, the horizon actually used, and no propensity, immortal-time or "after release" wording
when day 0 is something else."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.evaluation.analysis import analyse
from workbench.params.report import ReportParams
from workbench.privacy import disclosure
from workbench.reporting import closing, model_sections, sections
from workbench.reporting.text import horizon_words, start_words

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = re.compile(
    r"propensity|immortal|landmark|E-value|after release(?! from prison)|出所|倾向|永生|界标|E值"
)


@pytest.fixture(scope="module")
def rossi():
    params = {
        "data": str(ROOT / "params" / "examples" / "rossi.yaml"),
        "name": "rossi",
        "milestones": [3, 6, 9],
        "n_bootstrap": 0,
    }
    langs = {lang: ReportParams.from_mapping({**params, "lang": lang}) for lang in ("en", "zh")}
    results = analyse(langs["en"], use_cache=False)  # the analyses do not depend on the language
    return {lang: (results, p) for lang, p in langs.items()}


def test_results_carry_the_design_and_both_arms_curves(rossi):
    results, _ = rossi["en"]
    assert results.design == "randomised"
    assert results.start_label == {"zh": "出狱", "en": "release from prison"}
    curves = results.arm_curves
    assert sorted(curves.groupby(["arm", "group"]).groups) == [("fin", 0), ("fin", 1)]
    ref = pd.read_csv(ROOT / "tests" / "reference" / "rossi_trial.csv").set_index("quantity")
    # The report publishes the protected HR (docs/disclosure.md): R's log-HR moved by at most
    # max|d| x SE / sqrt(n exposed), then rounded to 3 decimals. The unprotected fit equals R to
    # 1e-6 in tests/effects/test_effects_real_tables.py::test_rossi_randomised_arms_equal_r.
    se = (ref.loc["ci_upper", "value"] - ref.loc["ci_lower", "value"]) / (2 * 1.959964)
    bound = disclosure.NOISE.max() * se / np.sqrt(216) + 1e-3  # 216 people got financial aid
    shift = abs(np.log(results.effects["hr"].iloc[0]) - ref.loc["coef", "value"])
    assert shift <= bound, (shift, bound)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_effects_and_methods_speak_of_arms_not_support(rossi, lang):
    results, params = rossi[lang]
    html = model_sections.effects(results, params).html + closing.methods(results, params).html
    html = start_words(html + sections.retention(results, params).html, lang, results.start_label)
    assert not FORBIDDEN.search(html), FORBIDDEN.search(html)
    assert ("Comparison of the arms" if lang == "en" else "各组比较") in html
    assert html.count('<img class="wb-plot"') == 2  # the retention curve and the arms' curves
    assert ("day 364" if lang == "en" else "第364天") in html  # the horizon actually used


def test_horizon_words_and_start_words():
    assert horizon_words(1095.75, "en") == "day 1,096 (36 months)"
    assert horizon_words(364.0, "en") == "day 364"
    assert horizon_words(182.625, "zh") == "第183天（6个月）"
    label = {"en": "randomisation", "zh": "随机分组"}
    assert start_words("Months after release; at release", "en", label) == (
        "Months after randomisation; at randomisation"
    )
    assert start_words("出所后月数", "zh", label) == "随机分组后月数"
    own = {"en": "release from prison", "zh": "出狱"}
    assert (
        start_words("aid after release from prison", "en", own) == "aid after release from prison"
    )
    assert start_words("after release", "en", {"en": "release", "zh": "出所"}) == "after release"


@pytest.fixture(scope="module")
def rossi_year():
    params = {
        "data": str(ROOT / "params" / "examples" / "rossi.yaml"),
        "name": "rossi",
        "milestones": [12, 24],
        "n_bootstrap": 0,
    }
    return analyse(ReportParams.from_mapping({**params, "lang": "en"}), use_cache=False), params


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_twelve_months_on_weekly_data_is_read_at_day_364_with_a_footnote(rossi_year, lang):
    results, params = rossi_year
    ms = results.milestones.set_index("months")
    # The CLI's rule (workbench.retention.summary): day 365.25 lies within one week of the last
    # follow-up time (week 52 = day 364), so the milestone is the KM value there; 24 months is
    # beyond follow-up and null. The report's estimate is the protected one (docs/disclosure.md).
    assert ms.loc[12, "day"] == 364.0
    assert np.isfinite(ms.loc[12, "estimate"])
    assert np.isnan(ms.loc[24, "day"]) and np.isnan(ms.loc[24, "estimate"])
    ref = pd.read_csv(ROOT / "data" / "corpus" / "rossi" / "rossi.csv")
    free = 1 - ref["arrest"].sum() / len(ref)  # nobody is censored before week 52
    assert ms.loc[12, "estimate"] == pytest.approx(free, abs=0.02)
    p = ReportParams.from_mapping({**params, "lang": lang})
    html = sections.retention(results, p).html
    if lang == "en":
        assert "12 months: read at day 364, the last follow-up time" in html
        assert "24 months: beyond follow-up (follow-up ends at day 364)" in html
    else:
        assert "12个月：随访在第364天结束" in html and "24个月：超出观察期" in html
        notes = sections.milestone_footnotes(results.milestones, lang)
        assert len(notes) == 2 and not re.search(r"[A-Za-z]", "".join(notes)), notes
