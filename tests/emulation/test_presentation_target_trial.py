"""The report's target-trial presentation on a real fitted `TargetTrial` (#18): the conftest's
3,000-release simulation, one support, few bootstrap replicates (under test: the wording, the
suppression, the JSON block and the Chinese words, not the width of the CIs)."""

from __future__ import annotations

import html as html_lib
import re
from types import SimpleNamespace

import numpy as np
import pytest

from workbench.cohort.contract import as_cohort
from workbench.emulation import TargetTrial
from workbench.evaluation.target_trial import fit_one, protect_trials, summarise
from workbench.reporting import target_trial as tr

K = 10
CODE = "employment_311"
CAUSAL_EN = re.compile(r"\b(would|lower|higher|reduc\w*|prevent\w*|help\w*|because|caus\w*)\b")


@pytest.fixture(scope="module")
def fitted(small_sim):
    """The report's path (fit_one: bootstrap CIs, grace periods 3 and 12 model-based) and the
    estimator called directly with model-based CIs (same point estimates, cheaper)."""
    cohort = as_cohort(small_sim.dataset)
    params = SimpleNamespace(n_bootstrap=4, seed=3, n_jobs=1, interventions=None)
    tt = TargetTrial(CODE, ci="sandwich").fit(cohort)
    return tt, fit_one(cohort, CODE, params)


def test_the_summary_holds_the_estimators_numbers(fitted):
    tt, s = fitted
    assert s.estimable and list(s.flow["strategy"]) == ["start", "never"]
    assert s.flow.set_index("strategy")["relapses"].to_dict() == tt.flow_["relapses"].to_dict()
    # point estimates do not depend on the CI method (1e-12: the same arithmetic)
    np.testing.assert_allclose(s.horizons["rd"], tt.horizons_["rd"], atol=1e-12)
    # g = 12 is not estimable here (nobody started "311" in month 12): no rows, a "–" cell
    assert {3, 6} <= set(s.grace["grace_months"].unique())
    at6 = s.grace[s.grace["grace_months"] == 6].reset_index(drop=True)
    np.testing.assert_allclose(at6["rd_lower"], s.horizons["rd_lower"], atol=0)  # the main fit's


def test_the_json_block_equals_the_estimators_to_json(fitted):
    tt, s = fitted
    mine, theirs = tr.trial_json(s), tt.to_json()
    assert tr.check_trial_json(mine, "x") == [] and tr.check_trial_json(theirs, "y") == []
    for a, b in zip(mine["horizons"], theirs["horizons"], strict=True):
        for key in ("month", "risk_start", "risk_never", "rd"):
            # ours is rounded to the published precision (4 decimals)
            assert a[key] == pytest.approx(b[key], abs=5e-5), key
    assert mine["rmst_diff_days"] == pytest.approx(theirs["rmst_diff_days"], abs=0.05)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_finding_follows_the_printed_interval(fitted, lang):
    _, raw = fitted
    s = protect_trials({CODE: raw}, b"scope", K)[CODE]
    row = tr.headline(s)
    text = tr.finding(s, lang, K)
    assert tr.pct(row["risk_start"]) in text and tr.pct(row["risk_never"]) in text
    kind = tr.verdict(row["rd_lower"], row["rd_upper"])
    if kind == "unclear" and lang == "en":
        assert not CAUSAL_EN.search(text.split(". Difference")[0]), text
    elif kind == "unclear":
        assert "包含零" in text and "如果" not in text
    else:
        assert ("would be" in text) if lang == "en" else ("如果" in text)


def test_the_chinese_section_has_no_english_words(fitted):
    _, raw = fitted
    trials = protect_trials({CODE: raw}, b"scope", K)
    page = tr.section_html(trials, SimpleNamespace(lang="zh", suppression_threshold=K))
    text = html_lib.unescape(
        re.sub(r"<[^>]+>", " ", re.sub(r"<svg.*?</svg>", "", page, flags=re.S))
    )
    assert re.findall(r"[A-Za-z]{2,}", text) == []


def test_a_scope_too_small_for_k_is_withheld(fitted):
    _, raw = fitted
    # the same trial under a threshold above its smallest strategy's relapses
    k = int(raw.flow["relapses"].min()) + 1
    s = protect_trials({CODE: raw}, b"scope", k)[CODE]
    assert s.withheld == "too_few" and tr.trial_json(s) is None
    assert tr.finding(s, "en", k) == tr.t(
        "tt_find_withheld", "en", name=tr.name_of(CODE, "en"), k=k
    )


def test_summarise_keeps_a_not_estimable_trial_as_withheld(small_sim):
    # 30 releases: fewer starts within the grace period than the estimator's minimum
    cohort = as_cohort(small_sim.dataset)
    tt = TargetTrial(CODE, ci="sandwich").fit(cohort.restrict(np.arange(len(cohort.table)) < 30))
    s = summarise(tt, CODE, 2)
    assert not s.estimable and s.withheld == tt.not_estimable_.reason


def test_no_bootstrap_means_model_based_intervals(small_sim):
    # n_bootstrap 0 (the report's and the command's "model-based") is not an error
    cohort = as_cohort(small_sim.dataset)
    s = fit_one(cohort, CODE, SimpleNamespace(n_bootstrap=0, seed=3, n_jobs=1), grace=False)
    assert s.estimable and np.isfinite(s.horizons[["rd_lower", "rd_upper"]].to_numpy()).all()
