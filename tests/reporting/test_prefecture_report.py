"""A prefecture report that stands alone: the province beside each headline number, its own
standing in the province's regional comparison, province targets labelled as such, no Methods
text for analyses it lacks, no one-row table with a duplicate total (sections, no PDF)."""

from __future__ import annotations

import dataclasses
import html
import re

import numpy as np
import pandas as pd
import pytest
from support import make_dataset

from workbench.data import codes
from workbench.evaluation.analysis import analyse
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.reporting import benchmark, closing, sections, summary, trial_verdicts
from workbench.reporting.markup import pct


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    root = tmp_path_factory.mktemp("prefecture")
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBENCH_CACHE_DIR", str(root / "cache"))
    data = make_dataset(root / "data", n=1500, seed=3)
    province = ReportParams(data=str(data), name="province", n_bootstrap=3, seed=5)
    pref = dataclasses.replace(province, name="changsha", prefecture="changsha", lang="en")
    benchmark._benchmark.cache_clear()
    yield {"province": analyse(province), "pref": analyse(pref), "params": pref, "mp": mp}
    mp.undo()
    benchmark._benchmark.cache_clear()


def _text(section) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", section.html))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_summary_puts_the_province_beside_each_headline_number(env, lang):
    params = dataclasses.replace(env["params"], lang=lang)
    prov = env["province"].milestones.set_index("months")
    text = _text(summary.executive_summary(env["pref"], params))
    for m in (12, 24, 36):
        est, lo, hi = (pct(prov.loc[m, c]) for c in ("estimate", "lower", "upper"))
        assert t("bench_retention", lang, est=est, lo=lo, hi=hi) in text
    cov = env["province"].coverage.iloc[-1]["coverage"]
    assert t("bench_coverage", lang, cov=pct(cov)) in text
    # its own standing in the province's comparison, with the limits for its size
    reg = env["province"].regions.set_index("code").loc["changsha"]
    assert t("q_where", lang) in text  # "where?" is answered by its standing
    assert (
        pct(reg["adjusted"]) in text
        and pct(reg["lower95"]) in text
        and pct(reg["upper998"]) in text
    )
    assert t("one_region", lang) not in text  # no "there is no regional comparison" beside it


def test_retention_table_has_the_province_column_and_tiers_say_province_targets(env):
    params = env["params"]
    page = sections.retention(env["pref"], params).html
    prov12 = env["province"].milestones.set_index("months").loc[12, "estimate"]
    assert t("col_province", "en") in page and pct(prov12) in page
    tiers = _text(sections.tiers(env["pref"], params))
    assert "province-wide targets, not this prefecture" in tiers and "10,000 / 1,000 / 100" in tiers
    # the chart draws no target, so its caption does not say "against targets"
    assert t("cap_tiers_scoped", "en") in tiers and tiers.count(t("cap_tiers", "en")) == 1
    table, _ = sections.tiers_table(env["pref"].tiers, params)
    assert (
        t("col_target_province", "en") in table.columns and t("col_met", "en") not in table.columns
    )


def test_one_prefecture_coverage_table_has_no_duplicate_total(env):
    table, _ = sections.coverage_table(env["pref"], env["params"])
    assert len(table) == 1 and table.iloc[0, 0] == "Changsha"
    total = env["pref"].coverage.iloc[-1]  # the row the summary quotes
    assert table.iloc[0][t("col_coverage", "en")] == pct(total["coverage"])
    whole, _ = sections.coverage_table(
        env["province"], dataclasses.replace(env["params"], prefecture=None)
    )
    assert len(whole) == len(env["province"].coverage) > 2  # the province keeps its total row


def test_methods_describe_only_what_the_report_contains(env):
    params = env["params"]
    regions_text = t("methods_regions", "en")[:40]
    assert regions_text in _text(closing.methods(env["pref"], params))  # its standing is shown
    env["mp"].setenv(benchmark.BENCHMARK_ENV, "off")
    benchmark._benchmark.cache_clear()
    try:
        text = _text(closing.methods(env["pref"], params))
        assert regions_text not in text
        no_tiers = dataclasses.replace(env["pref"], tiers=None)
        assert t("methods_tiers", "en")[:40] not in _text(closing.methods(no_tiers, params))
        # no benchmark: said once, and the one-region sentence is back
        s = _text(summary.executive_summary(env["pref"], params))
        assert s.count(t("bench_unavailable", "en")) == 1 and t("one_region", "en") in s
        assert t("q_where", "en") not in s
    finally:
        env["mp"].delenv(benchmark.BENCHMARK_ENV)
        benchmark._benchmark.cache_clear()


def _positivity_note(code: str, n: int):
    import warnings

    from workbench.effects.table import _name_the_support
    from workbench.evaluation.results import Note
    from workbench.exceptions import StatisticalWarning

    raised = StatisticalWarning("positivity: ...", code="positivity", n=n, lo=0.01, hi=0.99)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _name_the_support([warnings.WarningMessage(raised, StatisticalWarning, "f", 1)], code)
    (w,) = caught
    assert w.message.code == "support_positivity" and w.message.fields["intervention"] == code
    return Note(str(w.message), code=w.message.code, fields=w.message.fields)


def test_a_failed_positivity_check_sits_beside_its_row_and_is_not_a_finding(env):
    from workbench.reporting import model_sections

    code = str(env["pref"].effects["code"].iloc[0])
    name = codes.label("intervention", code, "en")
    note = _positivity_note(code, 212)
    results = dataclasses.replace(env["pref"], notes=(*env["pref"].notes, note, note))
    effects = _text(model_sections.effects(results, env["params"]))
    line = f"Positivity check ({name}): 212 people"
    # the marks continue after the target trials' own (a trial not judged has [1], …)
    mark = f"[{len(trial_verdicts.caution_marks(results.target_trials)) + 1}]"
    assert effects.count(line) == 1 and f"{mark} {line}" in effects  # once, marked …
    assert f"{name} {mark}" in effects  # … like the support's row of the table
    text = _text(summary.executive_summary(results, env["params"]))
    assert line not in text and line not in _text(closing.methods(results, env["params"]))
    v = summary.verdicts(results, env["params"]).set_index("code").loc[code]
    assert v["verdict"] == "not_judged" and np.isnan(v["days"]) and np.isnan(v["risk"])
    # with target trials the summary speaks from them; this comparison is not their cross-check
    # (only supports whose own trial failed a check are named "not judged" there)
    k = env["params"].suppression_threshold
    tv = trial_verdicts.trial_verdicts(results.target_trials, results, k)
    trial_failed = {
        codes.label("intervention", c, "en") for c in tv.loc[tv["verdict"].eq("not_judged"), "code"]
    }
    lines = [x for x in text.split("  ") if x.startswith("Not judged (")]
    named = {
        n
        for n in (codes.label("intervention", c, "en") for c in tv["code"])
        if any(n in x for x in lines)
    }
    assert named == trial_failed
    assert t("cap_support_verdicts", "en") not in text
    # without target trials (randomised arms, baseline groups) the summary speaks from it
    results = dataclasses.replace(results, target_trials=None)
    text = _text(summary.executive_summary(results, env["params"]))
    (judged,) = [x for x in text.split("  ") if x.startswith("Not judged (")]
    assert name in judged  # named with the supports not judged: no verdict, no figure
    row = summary.support_table(results, env["params"]).set_index(t("col_support", "en")).loc[name]
    assert row[t("col_verdict", "en")] == t("verdict_not_judged", "en")
    assert row[t("col_days", "en")] == "–" and row[t("col_risk_change", "en")] == "–"


def test_a_handful_of_extreme_propensities_is_not_a_failed_check(env):
    from workbench.reporting import model_sections

    code = str(env["pref"].effects["code"].iloc[0])
    note = _positivity_note(code, env["params"].suppression_threshold - 1)
    results = dataclasses.replace(env["pref"], notes=(*env["pref"].notes, note))
    base = summary.verdicts(env["pref"], env["params"])
    pd.testing.assert_frame_equal(summary.verdicts(results, env["params"]), base)
    name = codes.label("intervention", code, "en")
    assert f"Positivity check ({name})" not in _text(model_sections.effects(results, env["params"]))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_centres_report_shows_its_standing_among_the_provinces_centres(env, lang):
    """A facility report gets the province figures and its own row of the province's comparison
    of centres (observed, expected, adjusted 12-month retention, limits for its size)."""
    centres = env["province"].facility_regions
    assert centres is not None and centres["code"].nunique() >= 2
    code = str(centres.sort_values("n").iloc[-1]["code"])  # the largest centre
    params = dataclasses.replace(
        env["params"], prefecture=None, facility=code, name=code, lang=lang
    )
    row = centres.set_index("code").loc[code]
    # the funnel's limits for its size around the province's 12-month retention
    assert row["lower95"] < row["upper95"] and row["lower998"] <= row["lower95"]
    text = _text(summary.executive_summary(analyse(params), params))
    assert t("q_standing_facility", lang) in text
    name = codes.label("facility", code, lang)
    for col in ("adjusted", "observed", "expected", "lower95", "upper998"):
        assert pct(row[col]) in text, col
    assert name in text and t("standing_basis_facility", lang) in text
