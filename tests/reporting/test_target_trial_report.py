"""The report's target-trial presentation (#18) on hand-built tables with exactly the estimator's
columns: findings wording, small-cell suppression, disclosure shifts, JSON schema, the figure's
layout and the Chinese section's words. The same code on a real fitted TargetTrial is checked in
tests/emulation/test_presentation_target_trial.py."""

from __future__ import annotations

import dataclasses
import html as html_lib
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from workbench.evaluation.target_trial import (
    STRATEGIES,
    TOO_FEW,
    TrialSummary,
    protect_trials,
    too_few,
)
from workbench.exceptions import ReportError
from workbench.i18n import Text
from workbench.reporting import target_trial as tr
from workbench.reporting import target_trial_figures as tf
from workbench.reporting.figures import layout_problems

K = 10
# Words that claim an effect; none may appear when the CI of the difference includes 0.
CAUSAL_EN = re.compile(r"\b(would|lower|higher|reduc\w*|prevent\w*|help\w*|because|caus\w*)\b")
CAUSAL_ZH = ("如果", "将", "降低", "减少", "有助", "会", "导致", "更高", "更低")


def fake_trial(code="job_placement", rd=-0.05, half=0.02, n=2000, relapses=200, grace=True,
               ess=300.0, caveats=()) -> TrialSummary:  # fmt: skip
    """A trial with the estimator's columns: straight-line risks, `rd` apart by month 24."""
    months = np.arange(0, 37, dtype=float)
    rows = []
    for st, slope in (("start", 0.01 + rd / 24), ("never", 0.01)):
        risk = np.clip(slope * months, 0, 1)
        rows += [
            (st, m, x, max(x - half, 0), x + half, 0.001 * m)
            for m, x in zip(months, risk, strict=True)
        ]
    curves = pd.DataFrame(
        rows, columns=["strategy", "month", "relapse_risk", "lower", "upper", "death_risk"]
    )
    hz = []
    for m in (12, 24, 36):
        a, b = (curves.loc[(curves.strategy == st) & (curves.month == m), "relapse_risk"].iloc[0]
                for st in STRATEGIES)  # fmt: skip
        hz.append((m, a, b, a - b, a - b - half, a - b + half, a / b, a / b * 0.9, a / b * 1.1))
    horizons = pd.DataFrame(hz, columns=["month", "risk_start", "risk_never", "rd", "rd_lower",
                                         "rd_upper", "rr", "rr_lower", "rr_upper"])  # fmt: skip
    flow = pd.DataFrame({"strategy": list(STRATEGIES), "eligible": [n, n], "cloned": [n, n],
                         "censored_deviation": [int(n * 0.7), int(n * 0.2)],
                         "censored_other": [120, 130], "relapses": [relapses, 500],
                         "deaths": [4, 12]})  # fmt: skip
    weights = pd.DataFrame(
        [(st, float(m), 1.0, 2.0, 3.0, ess, 1) for st in STRATEGIES for m in range(0, 37, 6)],
        columns=["strategy", "month", "mean", "p99", "max", "ess", "n_truncated"],
    )
    g = None
    if grace:
        g = pd.DataFrame([(x, m, rd, rd - half, rd + half) for x in (3, 6, 12) for m in (12, 24, 36)],
                         columns=["grace_months", "month", "rd", "rd_lower", "rd_upper"])  # fmt: skip
    return TrialSummary(code=code, grace_months=6, n_bootstrap=200, flow=flow, curves=curves,
                        horizons=horizons, rmst={"diff": 20.0, "lower": 5.0, "upper": 35.0},
                        weights=weights, grace=g, caveats=tuple(caveats))  # fmt: skip


def params(lang="en"):
    return SimpleNamespace(lang=lang, suppression_threshold=K, landmark_day=180)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_ci_including_zero_is_worded_without_causal_words(lang):
    s = fake_trial("financial_aid", rd=0.004, half=0.02)  # CI -1.6 to +2.4 points
    text = tr.finding(s, lang, K)
    assert "24.4%" in text and "24.0%" in text  # both strategies' 24-month risks are quoted
    if lang == "en":
        assert not CAUSAL_EN.search(text), text
        assert "cannot tell" in text
    else:
        assert not [w for w in CAUSAL_ZH if w in text], text
        assert "包含零" in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_ci_excluding_zero_says_what_would_happen(lang):
    text = tr.finding(fake_trial(rd=-0.05, half=0.02), lang, K)
    assert ("would be 19.0% instead of 24.0%" in text) if lang == "en" else ("如果" in text)
    assert "-5.0" in text and "-7.0" in text and "-3.0" in text  # rd and its CI, in points


def test_the_verdict_reads_the_ci_as_printed():
    # an upper bound of -0.04 points prints as 0.0: the printed CI includes 0
    assert tr.verdict(-0.03, -0.0004) == "unclear"
    assert tr.verdict(-0.03, -0.0006) == "lower"
    assert tr.verdict(0.0006, 0.03) == "higher"
    assert tr.verdict(np.nan, 0.03) == "no_ci"


def test_small_flow_counts_are_suppressed_and_the_support_withheld():
    raw = {
        "job_placement": fake_trial(),
        "peer_education": fake_trial("peer_education", relapses=3),
    }
    assert too_few(raw["peer_education"].flow, K) and not too_few(raw["job_placement"].flow, K)
    trials = protect_trials(raw, b"scope", K)
    assert trials["peer_education"].withheld == TOO_FEW
    assert trials["peer_education"].horizons is None and trials["peer_education"].curves is None
    for lang in ("en", "zh"):
        shown, n = tr.flow_table(trials, lang, K)
        relapses = shown.iloc[:, 6].tolist()
        assert relapses[2] == "<10" and n >= 2  # 3 relapses and 4 deaths are hidden
        assert "3" not in shown.to_numpy().ravel().tolist()
        assert "<10" in tr.finding(trials["peer_education"], lang, K) or "10" in tr.finding(
            trials["peer_education"], lang, K
        )
        html = tr.section_html(trials, params(lang))
        assert ">3<" not in html and ">4<" not in html  # no raw small count anywhere


def test_protection_moves_each_number_by_at_most_three_people():
    raw = fake_trial()
    s = protect_trials({"job_placement": raw}, b"scope", K)["job_placement"]
    n = 2000.0
    # one cell for eligible (and cloned): both strategies publish the same number
    assert s.flow["eligible"].nunique() == 1 and (s.flow["cloned"] == s.flow["eligible"]).all()
    assert (np.abs(s.flow["relapses"].astype(float) - raw.flow["relapses"]) <= 3).all()
    for col in ("risk_start", "risk_never", "rd", "rd_lower", "rd_upper"):
        # |d| <= 3 people of n per strategy (6 for a difference), plus rounding to 1e-4
        bound = (6 if col.startswith("rd") else 3) / n + 5e-5
        assert np.abs(s.horizons[col] - raw.horizons[col]).max() <= bound, col
    at24 = s.curves[(s.curves.month == 24)].set_index("strategy")["relapse_risk"]
    row = s.horizons[s.horizons.month == 24].iloc[0]
    # the table and the figure quote one published number
    assert at24["start"] == row["risk_start"] and at24["never"] == row["risk_never"]
    assert abs(s.rmst["diff"] - raw.rmst["diff"]) <= 3 * 36 * 30.4375 / n + 0.05


def test_the_grace_tables_main_column_publishes_the_risk_tables_numbers():
    # The report's grace table repeats the main fit's 24-month difference: after protection both
    # tables must print the same number (one draw; two draws of one value could be averaged).
    raw = fake_trial()
    h = raw.horizons[["month", "rd", "rd_lower", "rd_upper"]]
    others = raw.grace[raw.grace.grace_months != 6]
    raw = dataclasses.replace(raw, grace=pd.concat([others, h.assign(grace_months=6)]))
    s = protect_trials({"job_placement": raw}, b"scope", K)["job_placement"]
    main = s.grace[s.grace.grace_months == 6].set_index("month")
    for col in ("rd", "rd_lower", "rd_upper"):
        assert (main[col] == s.horizons.set_index("month")[col]).all(), col
    other = s.grace[s.grace.grace_months == 3]["rd"].to_numpy()
    assert np.all(
        np.abs(other - raw.grace[raw.grace.grace_months == 3]["rd"].to_numpy()) <= 3 / 2000 + 5e-5
    )


def test_the_json_block_follows_the_schema():
    block = tr.trial_json(fake_trial())
    assert tuple(block) == tr.TRIAL_KEYS and block["grace_months"] == 6.0
    assert [h["month"] for h in block["horizons"]] == [12.0, 24.0, 36.0]
    assert all(tuple(h) == tr.HORIZON_KEYS for h in block["horizons"])
    assert tr.check_trial_json(block, "x") == []
    assert tr.check_trial_json({"grace_months": 6}, "x")  # a wrong block is caught
    withheld = protect_trials({"peer_education": fake_trial(relapses=3)}, b"k", K)
    assert tr.trial_json(withheld["peer_education"]) is None


def test_metrics_interventions_carry_the_block_and_check_it():
    from workbench.reporting import metrics

    effects = pd.DataFrame({"code": ["job_placement"], "n_exposed": [500], "hr": [0.8],
                            "hr_lower": [0.7], "hr_upper": [0.9], "rmst_diff_days": [10.0],
                            "rmst_diff_lower": [1.0], "rmst_diff_upper": [19.0],
                            "horizon_days": [1095.75], "method": ["m"]})  # fmt: skip
    results = SimpleNamespace(effects=effects, target_trials={"job_placement": fake_trial()})
    rows = metrics._interventions(results, K, [])
    assert rows[0]["target_trial"] == tr.trial_json(fake_trial())
    assert metrics.SCHEMA == "workbench.metrics/5"  # 3 target_trial; 4 (#19) trend; 5 verdict
    assert rows[0]["verdict"] == {"basis": "target_trial", "value": "lower", "month": 24.0,
                                  "reasons": [], "sensitivity_disagrees": False}  # fmt: skip
    doc = {key: None for key in metrics.TOP_KEYS} | {"schema": metrics.SCHEMA,
           "retention": [], "competing": [], "interventions": rows}  # fmt: skip
    metrics.check_metrics(doc)
    rows[0]["target_trial"] = {"grace_months": 6}
    with pytest.raises(ReportError, match="target_trial"):
        metrics.check_metrics(doc)
    rows[0]["target_trial"] = tr.trial_json(fake_trial())
    rows[0]["verdict"] = {"value": "lower"}
    with pytest.raises(ReportError, match="verdict keys"):
        metrics.check_metrics(doc)


def test_protocol_words_come_from_the_catalog_never_bare_english():
    s = fake_trial()
    s = TrialSummary(**{**s.__dict__, "protocol": {"eligibility": "People released in 2020",
                                                    "time_zero": Text("tt_proto_time_zero")}})  # fmt: skip
    zh = tr.protocol_table(s, "zh")
    assert len(zh) == len(tr.PROTOCOL_ITEMS)
    assert not zh.iloc[:, 1].str.contains("People").any()  # bare English replaced by the catalog's
    assert zh.iloc[2, 1] == "出所之日"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_curves_figure_keeps_text_and_legend_off_the_data(lang):
    trials = {c: fake_trial(c) for c in ("employment_311", "vocational_training", "job_placement",
                                         "peer_education", "financial_aid", "precise_support")}  # fmt: skip
    fig = tf.draw_trial_curves(trials, lang)
    assert layout_problems(fig) == []
    img = tf.trial_curves(trials, lang)
    assert img.startswith('<img class="wb-plot" alt="')
    assert html_lib.unescape(re.search(r'alt="([^"]*)"', img)[1]) == tf.alt_text(trials, lang)
    assert tr.name_of("financial_aid", lang) in tf.alt_text(trials, lang)
    one = tf.draw_trial_curves({"job_placement": fake_trial()}, lang)  # one row of panels
    assert layout_problems(one) == []


def test_the_chinese_section_has_no_english_words():
    trials = {"job_placement": fake_trial(), "financial_aid": fake_trial("financial_aid", rd=0.0),
              "peer_education": fake_trial("peer_education", relapses=3)}  # fmt: skip
    html = tr.section_html(protect_trials(trials, b"k", K), params("zh"))
    text = re.sub(r'<img [^>]*alt="([^"]*)"[^>]*>', r" \1 ", html)  # the figure's alt text too
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
    assert "折线图" in text  # the figure's alt text (tt_alt) is checked too
    assert re.findall(r"[A-Za-z]{2,}", text) == []
    assert "目标试验模拟" in text and "敏感性分析" not in text  # that heading is the caller's


def test_the_protocol_quotes_the_published_number_of_releases():
    raw = fake_trial()
    raw = TrialSummary(**{**raw.__dict__, "protocol": {"eligibility": Text("tt_proto_eligibility_n", {"n": 2000})}})  # fmt: skip
    s = protect_trials({"job_placement": raw}, b"scope", K)["job_placement"]
    value = tr.published(s.protocol["eligibility"], s)
    assert value.fields["n"] == int(s.flow["eligible"].iloc[0])  # the flow table's number


def test_everyone_eligible_is_published_as_the_scopes_one_release_count():
    from workbench.privacy import disclosure as dc

    raw = {c: fake_trial(c) for c in ("job_placement", "financial_aid")}
    trials = protect_trials(raw, b"scope", K, n_releases=2000)
    published = dc.protect_count(2000, b"scope", "data.n_releases", K)
    for s in trials.values():  # the summary's number, not one noisy copy per support
        assert (s.flow["eligible"] == published).all() and (s.flow["cloned"] == published).all()
