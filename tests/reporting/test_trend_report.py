"""The report's direction of travel and projection check (issue 19): the sections and the
summary's opening answers in both languages, the metrics.json blocks, and disclosure control
(nothing below the threshold in a small prefecture's cohorts)."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

from workbench.cohort.contract import as_cohort
from workbench.evaluation import trends
from workbench.evaluation.results import Counts, ReportResults
from workbench.exceptions import StatisticalWarning
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.privacy import disclosure as dc
from workbench.reporting import summary, trend_metrics, trend_sections

K = 10


def _results(cohort, params, key, k=K) -> ReportResults:
    table = cohort.table
    raw = ReportResults(
        kind="contract", source="sim", event_label="relapse", sha256={}, cutoff="2022-12-31",
        period=("2017-01-01", "2021-12-31"),
        counts=Counts(len(table), None, int(table["event"].eq("relapse").sum()), 0),
        trend=trends.trend_results(cohort, params),
        projection_check=trends.projection_check(cohort, params),
        model_check=trends.model_check(cohort, params),
    )  # fmt: skip
    return ReportResults(
        **{f: getattr(raw, f) for f in ("kind", "source", "event_label", "sha256", "cutoff",
                                         "period", "counts")},
        trend=trends.protect_trend(raw.trend, key, k),
        projection_check=trends.protect_check(raw.projection_check, key, k),
        model_check=trends.protect_model_check(raw.model_check, key, k),
    )  # fmt: skip


@pytest.fixture(scope="module")
def province(small_sim):
    cohort = as_cohort(small_sim.dataset)
    params = ReportParams(data="unused", name="t", n_bootstrap=20, seed=5, suppression_threshold=K)
    return _results(cohort, params, dc.scope_key(cohort.table["release_id"])), params


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_summary_opens_with_the_three_answers(province, lang):
    results, params = province
    params = _with(params, lang)
    page = summary.executive_summary(results, params).html
    text = _text(page)
    q = [text.find(t(key, lang)) for key in ("q_improving", "q_reach")]
    assert 0 < q[0] < q[1]  # "are we improving?" comes first, the targets after it
    verdict = results.trend.crude.verdict
    assert t(f"trend_verdict_{verdict}", lang) in text
    # every uncertain number of the answer comes with how sure we are
    assert text.count("95") >= 2
    assert (
        t("backtest_inside", lang) in text
        or t("backtest_outside_low", lang) in text
        or (t("backtest_outside_high", lang) in text)
    )


def _with(params, lang):
    import dataclasses

    return dataclasses.replace(params, lang=lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trend_and_check_sections_state_the_rule_and_show_only_followed_cohorts(province, lang):
    results, params = province
    params = _with(params, lang)
    trend = trend_sections.trend(results, params)
    text = _text(trend.html)
    assert t("trend_rule", lang, alpha=0.05)[:20] in text
    assert (
        t("trend_not_followed", lang).lower() in text.lower()
    )  # 2021's 24 months are not yet followed
    assert '<img class="wb-plot"' in trend.html
    check = trend_sections.check(results, params)
    assert t("cap_backtest_tiers", lang) in check.html and '<img class="wb-plot"' in check.html
    table, hidden = trend_sections.trend_table(results.trend.cohorts, params)
    assert hidden == 0 and len(table) == 5  # five release years of 600: all shown


def test_metrics_blocks_carry_the_trend_and_the_projection_check(province):
    results, _ = province
    block = trend_metrics.trend_block(results, K)
    assert block["crude"]["verdict"] in ("improving", "no_clear_change", "worsening")
    assert block["crude"]["lower"] <= block["crude"]["hr_per_year"] <= block["crude"]["upper"]
    shown = [c for c in block["cohorts"] if c["estimate"] is not None]
    assert shown and all(c["followed"] for c in shown)
    check = trend_metrics.projection_check_block(results, K)
    one = check["tiers"][0]
    assert one["years"] == 1 and one["lower"] <= one["projected"] <= one["upper"]
    assert check["cutoff_then"] == "2020-12-31" and len(check["model"]["auc"]) == 3
    for row in check["current"]:  # today's projections carry their interval
        assert row["lower"] <= row["projected"] <= row["upper"]
    assert 0.5 < check["model"]["c_index"] < 1


def test_a_small_prefectures_cohorts_show_nothing_below_the_threshold(small_sim):
    cohort = as_cohort(small_sim.dataset)
    small = cohort.restrict(cohort.table["prefecture"].eq("zhangjiajie").to_numpy())  # ~3 %
    k = 20  # cohorts of about 18 a year: below it
    params = ReportParams(data="unused", name="t", n_bootstrap=10, seed=5, suppression_threshold=k,
                          prefecture="zhangjiajie")  # fmt: skip
    key = dc.scope_key(small.table["release_id"])
    with pytest.warns(StatisticalWarning, match="relapses for"):  # the report records it
        results = _results(small, params, key, k)
    cohorts = results.trend.cohorts
    sizes = small.table.groupby(small.table["release_date"].dt.year.astype(str)).size()
    for r in cohorts.itertuples():
        if sizes[r.cohort] < k:
            assert not np.isfinite(float(r.estimate)) and r.n == sizes[r.cohort]
    table, hidden = trend_sections.trend_table(cohorts, params)
    # withheld: every cohort below k, and those whose relapsed or abstinent count would be
    # (the rate rule); each is one "<k" cell
    small_rows = int((cohorts["followed"] & (cohorts["n"].astype(float) < k)).sum())
    withheld = int((cohorts["followed"] & ~np.isfinite(cohorts["estimate"].astype(float))).sum())
    assert hidden == withheld >= small_rows > 0
    text = _text(trend_sections.trend(results, params).html)
    for n in sizes[sizes < k]:
        assert not re.search(rf"(?<![\d.,]){n}(?![\d.,%])", table.to_string()), n
    assert f"<{k}" in text
    block = trend_metrics.trend_block(results, k)
    assert all(c["n"] is None or c["n"] >= k for c in block["cohorts"])
    assert all(c["estimate"] is None for c in block["cohorts"] if c["n"] is None)
