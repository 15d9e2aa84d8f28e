"""The report's verdicts on which support works come from the emulated target trials
(workbench/reporting/trial_verdicts.py, docs/report_wording.md), checked on hand-made trials:
the rule (lower / higher / no clear difference / not judged / not estimable), the summary's
lines and table, the effects section's marks and cautions, metrics.json's verdict block, the
command's verdict column, the sensitivity cross-check, and the Chinese glossary terms."""

from __future__ import annotations

import html as html_lib
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from test_target_trial_report import CAUSAL_EN, CAUSAL_ZH, K, fake_trial, params

from workbench.evaluation.results import Note
from workbench.evaluation.target_trial import TOO_FEW, TrialSummary
from workbench.i18n import t
from workbench.reporting import model_sections, summary
from workbench.reporting import target_trial as tr
from workbench.reporting import trial_verdicts as tv


def weights(share=None):
    fields = {"strategy": "start", "max_weight": 798.0, "month": 2, "ess": 426.0}
    return Note("largest weight 798", "tt_extreme_weights",
                fields if share is None else {**fields, "share": share})  # fmt: skip


POSITIVITY = Note("nobody with sex = female started it", "tt_positivity",
                  {"covariate": "sex", "level": "female", "n": 40})  # fmt: skip
FEW = Note("only 31 started", "tt_few_starts", {"n_starts": 31})


@pytest.mark.parametrize(
    ("rd", "half", "caveats", "expected"),
    [
        (-0.05, 0.02, (), ("lower", ())),
        (0.05, 0.02, (), ("higher", ())),
        (0.004, 0.02, (), ("no_clear_difference", ())),
        # the printed CI (0.1 point) decides: -5.0 ± 4.96 prints as -9.96..-0.04 → "-0.0" = 0
        (-0.05, 0.0496, (), ("no_clear_difference", ())),
        (-0.05, 0.02, (weights(0.036),), ("not_judged", ("tt_extreme_weights",))),
        (-0.05, 0.02, (weights(),), ("not_judged", ("tt_extreme_weights",))),  # no share: fails
        (-0.05, 0.02, (weights(0.19),), ("lower", ())),  # big raw weight, ESS share ≥ 0.1
        (-0.05, 0.02, (weights(0.1),), ("lower", ())),  # the bound itself passes
        (0.004, 0.02, (POSITIVITY,), ("not_judged", ("tt_positivity",))),
        (-0.05, 0.02, (FEW, POSITIVITY, FEW), ("not_judged", ("tt_few_starts", "tt_positivity"))),
    ],
)
def test_the_verdict_rule(rd, half, caveats, expected):
    assert tv.trial_verdict(fake_trial(rd=rd, half=half, caveats=caveats)) == expected


def test_a_withheld_trial_cannot_be_judged():
    assert tv.trial_verdict(TrialSummary("job_placement", withheld=TOO_FEW)) == (
        "not_estimable",
        (TOO_FEW,),
    )
    gone = TrialSummary("precise_support", withheld="tt_no_start_in_grace_month")
    assert tv.why_words("precise_support", ("tt_no_start_in_grace_month",), "en", 6) == (
        "nobody started it in month 6 after release, so it cannot be emulated with a 6-month "
        "grace period"
    )
    assert tv.trial_verdict(gone)[0] == "not_estimable"


def _results(**hr):
    """Four supports: two lower, one unclear, one whose trial failed its weights check, one
    withheld; the sensitivity analyses' hazard ratios (default: all helpful, clear)."""
    trials = {
        "peer_education": fake_trial("peer_education", rd=-0.05),
        "vocational_training": fake_trial("vocational_training", rd=-0.03),
        "financial_aid": fake_trial("financial_aid", rd=0.004),
        "job_placement": fake_trial("job_placement", rd=-0.06, caveats=[weights(0.036)]),
        "precise_support": TrialSummary("precise_support", withheld=TOO_FEW),
    }
    codes = list(trials)
    h = {c: hr.get(c, (0.8, 0.7, 0.9)) for c in codes}
    eff = pd.DataFrame({"code": codes, "n_exposed": [500] * 5,
                        "hr": [h[c][0] for c in codes], "hr_lower": [h[c][1] for c in codes],
                        "hr_upper": [h[c][2] for c in codes], "rmst_diff_days": [np.nan] * 5,
                        "rmst_diff_lower": [np.nan] * 5, "rmst_diff_upper": [np.nan] * 5,
                        "horizon_days": [1095.75] * 5, "method": ["m"] * 5})  # fmt: skip
    return SimpleNamespace(target_trials=trials, effects=eff, notes=(), design="observational",
                           kind="contract", arm_curves=None)  # fmt: skip


def test_the_order_is_lower_by_size_then_unclear_then_not_judged_then_not_estimable():
    v = tv.trial_verdicts(_results().target_trials, _results(), K)
    assert list(v["code"]) == ["peer_education", "vocational_training", "financial_aid",
                               "job_placement", "precise_support"]  # fmt: skip
    assert v.loc[3, ["risk_start", "rd", "rd_lower"]].isna().all()  # not judged: no figures


@pytest.mark.parametrize(
    ("hr", "flagged"),
    [
        ({}, ["financial_aid"]),  # trial +0.4 (unclear) vs a clear HR 0.80: opposite, one clear
        ({"peer_education": (1.3, 1.1, 1.6)}, ["peer_education", "financial_aid"]),
        ({"peer_education": (1.05, 0.9, 1.2)}, ["peer_education", "financial_aid"]),  # trial clear
        ({"financial_aid": (0.95, 0.85, 1.05)}, []),  # both unclear: no direction to contradict
        ({"job_placement": (1.5, 1.2, 1.9), "financial_aid": (1.1, 0.9, 1.3)}, []),  # not judged
    ],
)
def test_the_cross_check_names_supports_whose_sensitivity_points_the_other_way(hr, flagged):
    res = _results(**hr)
    v = tv.trial_verdicts(res.target_trials, res, K)
    assert list(v.loc[v["disagrees"], "code"]) == flagged


def test_a_sensitivity_comparison_that_failed_its_check_is_no_cross_check():
    res = _results(peer_education=(1.3, 1.1, 1.6))
    note = Note("positivity", "support_positivity", {"intervention": "peer_education", "n": 212,
                                                     "lo": 0.01, "hi": 0.99})  # fmt: skip
    res.notes = (note,)
    v = tv.trial_verdicts(res.target_trials, res, K).set_index("code")
    assert not v.loc["peer_education", "disagrees"] and v.loc["financial_aid", "disagrees"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_summary_speaks_from_the_trials(lang):
    res = _results()
    text = html_lib.unescape(summary.support_block(res, params(lang)))
    lines = re.findall(r"<li>(.*?)</li>", text)
    name = {c: tr.name_of(c, lang) for c in res.target_trials}
    lower, unclear, judged, gone, cross = lines
    assert name["peer_education"] in lower and name["vocational_training"] in lower
    assert name["financial_aid"] not in lower and name["financial_aid"] in unclear
    # no causal words where the CI includes 0, and no figure for a support not judged
    if lang == "en":
        assert not CAUSAL_EN.search(unclear.split(":")[0]) and "cannot tell" in unclear
        assert judged.startswith("Not judged (") and name["job_placement"] in judged
        assert "heavily weighted" in judged and "Support effects" in judged
    else:
        assert not [w for w in CAUSAL_ZH if w in unclear] and "包含零" in unclear
        assert "不作判断" in judged and "结果不作为结论" in judged and "少数高权重个体" in judged
    assert not re.search(r"\d", judged) and "%" not in judged and name["job_placement"] in judged
    assert name["precise_support"] in gone.lower() and t("tv_why_too_few", lang) in gone
    assert name["financial_aid"] in cross and name["peer_education"] not in cross
    # the old basis line (verdicts from the sensitivity analyses) is gone
    assert t("cap_support_verdicts", lang) not in text and t("verdict_rule", lang) not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_summary_table_quotes_the_effects_sections_numbers(lang):
    res = _results()
    table, cap, rule = tv.summary_table(res, params(lang))
    rows = table.set_index(table.columns[0])
    for code in ("peer_education", "financial_aid"):
        row = rows.loc[tr.name_of(code, lang)]
        finding = tr.finding(res.target_trials[code], lang, K)
        h = tr.headline(res.target_trials[code])
        for x in (tr.pct(h["risk_start"]), tr.pct(h["risk_never"]), tr.points(h["rd_lower"])):
            assert x in finding and x in " ".join(row.astype(str))  # one number, both places
    judged = rows.loc[tr.name_of("job_placement", lang)]
    assert list(judged.iloc[:3]) == ["–", "–", "–"]
    assert judged.iloc[3] == t("tv_verdict_not_judged", lang)
    assert rows.loc[tr.name_of("peer_education", lang)].iloc[3] == t("tv_verdict_lower", lang)
    assert rows.loc[tr.name_of("financial_aid", lang)].iloc[4] == t("sure_not_sure", lang)


def test_the_chinese_summary_uses_the_glossary_terms_verbatim():
    res = _results()
    table, cap, rule = tv.summary_table(res, params("zh"))
    text = " ".join([cap, rule, *table.columns, *tv.summary_lines(res, params("zh"))])
    for term in ("目标试验模拟", "出所后6个月内开始帮扶", "不开始帮扶", "24个月内复吸风险",
                 "风险差（百分点", "95%置信区间", "把握程度", "较有把握", "尚不确定",
                 "结果不作为结论"):  # fmt: skip
        assert term in text + " ".join(table.to_numpy().ravel()), term
    assert re.findall(r"[A-Za-z]{2,}", text) == []
    assert "模拟目标试验" not in text  # the glossary's word order


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_effects_section_keeps_the_row_marks_it_and_words_no_finding(lang):
    res = _results()
    res.notes = (Note("positivity", "support_positivity", {"intervention": "financial_aid",
                                                           "n": 212, "lo": 0.01, "hi": 0.99}),)  # fmt: skip
    body = html_lib.unescape(model_sections.effects(res, params(lang)).html)
    name = tr.name_of("job_placement", lang)
    (line,) = [
        x for x in re.findall(r"<li>(.*?)</li>", body) if x.lower().startswith(name[:6].lower())
    ]
    assert "[1]" in line and "%" not in line  # not judged: no figure, no "would"
    assert not (CAUSAL_EN.search(line) if lang == "en" else [w for w in CAUSAL_ZH if w in line])
    assert f"<td>{tr.first_upper(name, lang)} [1]</td>" in body  # its rows stay, marked
    note = re.search(r'<p class="wb-note">\[1\] (.*?)</p>', body).group(1)
    assert "426" in note and "3.6%" in note  # the ESS and its share, from the caveat's fields
    # the sensitivity table's own failed check continues the numbering: [2], not a second [1]
    fin = tr.first_upper(tr.name_of("financial_aid", lang), lang)
    assert f"{fin} [2]" in body and body.count("[1]") == 4  # line ×2, row, note
    # the hazard-ratio analyses follow as sensitivity analyses, not as "the main analysis"
    assert t("tv_eff_intro_sensitivity", lang, landmark=180) in body
    assert t("eff_intro", lang, landmark=180) not in body
    # a judged support keeps its finding, without the estimator's weights caution
    assert "would be 19.0% instead of 24.0%" in body if lang == "en" else "19.0%" in body


def test_a_weights_caution_that_passes_the_check_is_not_shown():
    s = fake_trial(caveats=[weights(0.19)])
    html = tr.section_html({"job_placement": s}, params("en"))
    assert "Caution" not in html and "[1]" not in html and "would be" in html


def test_the_command_prints_the_same_verdict():
    res = _results()
    text = tr.trial_text(res.target_trials)
    lines = {ln.split()[0]: ln for ln in text.splitlines()[1:]}
    assert lines["peer_education"].endswith("lower relapse")
    assert lines["financial_aid"].endswith("no clear difference")
    assert lines["job_placement"].endswith("not judged (tt_extreme_weights)")
    assert lines["precise_support"].endswith(f"cannot say ({TOO_FEW})")


def test_metrics_verdicts_follow_the_summary():
    from workbench.reporting import metrics

    res = _results()
    rows = {r["code"]: r["verdict"] for r in metrics._interventions(res, K, [])}
    v = tv.trial_verdicts(res.target_trials, res, K).set_index("code")
    for code, block in rows.items():
        assert block["basis"] == "target_trial" and block["value"] == v.loc[code, "verdict"]
    assert rows["job_placement"]["reasons"] == ["tt_extreme_weights"]
    assert rows["financial_aid"]["sensitivity_disagrees"] is True
    # without trials (randomised arms, baseline groups): the reconciled sensitivity verdicts
    res.target_trials = {}
    block = {r["code"]: r["verdict"] for r in metrics._interventions(res, K, [])}
    assert block["peer_education"] == {"basis": "hazard_ratio_rmst", "value": "unclear_one",
                                       "month": None, "reasons": [],
                                       "sensitivity_disagrees": None}  # fmt: skip


def test_supports_not_judged_for_the_same_reason_share_one_line_and_none_judged_has_no_table():
    res = _results()
    res.target_trials = {
        "peer_education": fake_trial("peer_education", caveats=[weights(0.05)]),
        "financial_aid": fake_trial("financial_aid", caveats=[weights()]),
        "job_placement": fake_trial("job_placement", caveats=[POSITIVITY]),
    }
    lines = tv.summary_lines(res, params("en"))
    assert lines == [
        t("tv_sum_not_judged", "en", why=t("tv_why_weights", "en"),
          names="peer education, financial aid"),
        t("tv_sum_not_judged", "en", why=t("tv_why_positivity", "en"),
          names="job placement at an employment base"),
    ]  # fmt: skip
    table, cap, rule = tv.summary_table(res, params("en"))
    assert table is None  # a table of dashes says nothing the lines do not
    text = html_lib.unescape(summary.support_block(res, params("en")))
    assert rule in text and cap not in text and "<table" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_methods_say_how_the_summary_judges_a_support(lang):
    from workbench.params.report import ReportParams
    from workbench.reporting import closing

    res = _results()
    res.kind, res.tiers, res.regions, res.ranking, res.milestones, res.cif = ("contract", None,
                                                                              None, None, None, None)  # fmt: skip
    res.method_text = {"effects:peer_education": ()}
    body = html_lib.unescape(closing.methods(res, ReportParams(data="x", lang=lang)).html)
    items = re.findall(r"<li>(.*?)</li>", body)
    rule = t("tv_methods", lang, g="6", m=24)
    assert items.count(rule) == 1  # right after "support is not handed out at random"
    assert items[items.index(rule) - 1] == t("methods_selection", lang).format(k=K)
    res.target_trials = {}  # randomised arms, baseline groups: no such sentence
    body = html_lib.unescape(closing.methods(res, ReportParams(data="x", lang=lang)).html)
    assert rule not in body
