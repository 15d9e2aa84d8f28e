"""The executive summary, verdict first: the three answers an official needs on one page.

1. how many kept abstinent and whether each target is met (the multiple; targets are cumulative);
2. which supports help: from the emulated target trials (24-month relapse risk if everyone
   eligible started the support within g months vs never; `trial_verdicts`, rules in
   docs/report_wording.md), the hazard-ratio and landmark analyses only as a cross-check line;
   without trials (randomised arms, baseline groups) ranked by extra abstinent days in 36
   months, reconciled across the two measures by one stated rule
   (`workbench.effects.findings.reconcile`, ``verdict_rule``), with a "how sure" phrase;
3. which prefectures stand out (better / worse than expected, fairly sure or not sure);
then the data: coverage, quality, what is missing, and whether the data are simulated.
Method names and E-values are in the methods section, not here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.evaluation.results import ReportResults
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.programme.regions import flag_categories
from workbench.reporting import trial_verdicts
from workbench.reporting.benchmark import ProvinceBenchmark, province_benchmark
from workbench.reporting.markup import Section, esc, first_upper, heading, pct, table_html
from workbench.reporting.sections import data_status
from workbench.reporting.support_checks import sensitivity_verdicts
from workbench.reporting.suppression import count_text, is_small, scrub_counts
from workbench.reporting.text import reason
from workbench.reporting.trend_sections import check_lines, projection_lines, trend_lines


def _ul(items: list[str], lang: str) -> str:
    if not items:
        return ""
    return "<ul>" + "".join(f"<li>{esc(first_upper(x, lang))}</li>" for x in items) + "</ul>"


def repairs_line(repairs: list[str], k: int, lang: str) -> str:
    """The repairs made while reading the data, in `lang` (`data.repairs.Repair` knows its
    catalog words; other notes as they are), small counts scrubbed."""
    from workbench.data.repairs import said

    stop, stops = t("sentence_stop", lang), (t("sentence_stop", "zh"), ".", "!", "?")
    lines = [scrub_counts(said(r, lang), k, lang).strip() for r in repairs]
    whole = [x if x.endswith(stops) else x + stop for x in lines if x]
    return t("sum_quality", lang, ("" if lang == "zh" else " ").join(whole))


def _h3(key: str, lang: str) -> str:
    return f'<h3 class="wb-question">{esc(t(key, lang))}</h3>'


def executive_summary(results: ReportResults, params: ReportParams) -> Section:
    lang, k = params.lang, params.suppression_threshold
    parts = [heading("sec_summary", lang)]
    status = data_status(params)
    if status in ("simulated", "test"):
        parts.append(f'<p class="wb-status-line">{esc(t(f"status_warning_{status}", lang))}</p>')
    cohort = _cohort_line(results, params)
    if results.counts.n_releases < k:  # too few people: no estimate, no rate
        parts.append(_ul([cohort, t("too_few", lang, k)], lang))
        return Section("summary", "".join(parts))
    bench = province_benchmark(params)
    standing = bench is not None and bench.available and bool(params.prefecture)
    # the three questions first (issue 19): improving? where? will we reach the targets?
    parts.append(f'<p class="wb-lead">{esc(first_upper(cohort, lang))}</p>')
    parts += [_h3("q_improving", lang), _ul(trend_lines(results, params), lang)]
    where = where_answer(results, params, bench if standing else None)
    if where:
        parts += [_h3("q_where", lang), where]
    reach = [*summary_retention(results, params, bench), *tier_verdicts(results, params)]
    reach += projection_lines(results, params) + check_lines(results, params)
    if bench is not None and not bench.available:
        reach.append(t("bench_unavailable", lang))
    parts += [_h3("q_reach", lang), _ul(reach, lang)]
    if results.effects is not None and len(results.effects):
        parts += [_h3("q_support_4", lang), support_block(results, params)]
    if bench is not None and bench.available and params.facility:  # among the centres
        parts += [_h3("q_standing_facility", lang), _ul(standing_lines(bench, params), lang)]
        parts.append(f'<p class="wb-note">{esc(t("standing_basis_facility", lang))}</p>')
    data = summary_coverage(results, params, bench)
    if results.repairs:
        data.append(repairs_line(results.repairs, k, lang))
    data += summary_missing(results, lang, k, standing)
    if results.kind == "spec":
        source = results.source.rsplit("/", 1)[-1]
        data.append(t("spec_note", lang, source, results.event_label))
    if data:
        parts += [_h3("q_data_5", lang), _ul(data, lang)]
    return Section("summary", "".join(parts))


def where_answer(
    results: ReportResults, params: ReportParams, bench: ProvinceBenchmark | None
) -> str:
    """The answer to "where?": the shrunken ranking's plain lines when the report has them
    (`workbench.reporting.ranking_section.where_lines`), else the funnel's flags, else (a
    prefecture's report) its standing in the province's comparison; "" when none applies."""
    lang = params.lang
    try:
        from workbench.reporting.ranking_section import where_lines
    except ImportError:  # the ranking is not part of this build
        lines = []
    else:
        lines = where_lines(results, lang)
    if lines:
        return _ul(lines, lang)
    if results.regions is not None:
        note = f'<p class="wb-note">{esc(t("regions_basis", lang))}</p>'
        return _ul(region_lines(results, lang), lang) + note
    if bench is not None:
        note = f'<p class="wb-note">{esc(t("standing_basis", lang))}</p>'
        return _ul(standing_lines(bench, params), lang) + note
    return ""


def _cohort_line(results: ReportResults, params: ReportParams) -> str:
    lang, k, c = params.lang, params.suppression_threshold, results.counts
    common = {
        "n": count_text(c.n_releases, k, lang),
        "relapse": count_text(c.n_relapses, k, lang),
    }
    if results.kind == "spec":
        source = results.source.rsplit("/", 1)[-1]
        return t("sum_cohort_spec", lang, source=source, event=results.event_label, **common)
    period = " – ".join(p for p in results.period if p) or "–"
    death = count_text(c.n_deaths, k, lang)
    return t("sum_cohort", lang, period=period, cutoff=results.cutoff or "–", death=death, **common)


def _multiple(observed: float, target: float) -> str:
    m = observed / target
    return f"{m:.1f}" if m < 10 else f"{m:,.0f}"


def tier_verdicts(results: ReportResults, params: ReportParams) -> list[str]:
    """One line per tier: met (with the multiple) or not yet met (with the share and outlook);
    a report on part of the province gives the numbers without a verdict."""
    if results.tiers is None:
        return []
    lang, k = params.lang, params.suppression_threshold
    out = []
    for r in results.tiers.itertuples(index=False):
        tier = t(f"tier_short_{int(r.years)}", lang)
        target = f"{int(r.target):,}"
        proj = count_text(r.projected, k, lang) if np.isfinite(r.projected) else "–"
        if params.prefecture or params.facility:
            obs = count_text(r.observed, k, lang)
            out.append(t("tier_scoped", lang, tier=tier, obs=obs, proj=proj, target=target))
        elif is_small(r.observed, k):
            out.append(t("tier_small", lang, tier=tier, k=k, target=target))
        elif r.observed >= r.target:
            mult = _multiple(float(r.observed), float(r.target))
            obs = count_text(r.observed, k, lang)
            out.append(t("tier_met", lang, tier=tier, obs=obs, target=target, mult=mult))
        else:
            reach = np.isfinite(r.projected) and r.projected >= r.target
            outlook = t("tier_outlook_met" if reach else "tier_outlook_short", lang)
            share = f"{r.observed / r.target:.0%}"
            obs = count_text(r.observed, k, lang)
            out.append(
                t(
                    "tier_not_met",
                    lang,
                    tier=tier,
                    obs=obs,
                    target=target,
                    share=share,
                    proj=proj,
                    outlook=outlook,
                )  # fmt: skip
            )
    return out


def _signed(x: float, fmt: str) -> str:
    return fmt.format(x).replace("+0", "0") if np.isfinite(x) else "–"


def days_cell(row, lang: str) -> str:
    if not np.isfinite(row.days):
        return "–"
    d, lo, hi = (_signed(v, "{:+.0f}") for v in (row.days, row.days_lower, row.days_upper))
    return t("days_value", lang, d=d, lo=lo, hi=hi)


def risk_cell(row, lang: str) -> str:
    if not np.isfinite(row.risk):
        return "–"
    r, lo, hi = (_signed(v, "{:+.0%}") for v in (row.risk, row.risk_lower, row.risk_upper))
    return t("risk_value", lang, r=r, lo=lo, hi=hi)


def verdicts(results: ReportResults, params: ReportParams) -> pd.DataFrame:
    """The sensitivity analyses' verdicts (`support_checks.sensitivity_verdicts`): a support
    whose weighted comparison failed a check is "not judged", without figures."""
    return sensitivity_verdicts(results, params.suppression_threshold)


def support_table(results: ReportResults, params: ReportParams) -> pd.DataFrame:
    lang = params.lang
    v = verdicts(results, params)
    return pd.DataFrame(
        {
            t("col_support", lang): [codes.label("intervention", c, lang) for c in v["code"]],
            t("col_days", lang): [days_cell(r, lang) for r in v.itertuples()],
            t("col_risk_change", lang): [risk_cell(r, lang) for r in v.itertuples()],
            t("col_verdict", lang): [t(f"verdict_{x}", lang) for x in v["verdict"]],
            t("col_sure", lang): [t(f"sure_{x}", lang) for x in v["sure"]],
        }
    )


def support_block(results: ReportResults, params: ReportParams) -> str:
    """The answer to "which supports help?": from the emulated target trials when the report
    has them (`trial_verdicts`: 24-month relapse risk, start within g months vs never, the
    sensitivity analyses only as a cross-check line), else from the hazard-ratio and landmark
    analyses (randomised arms, baseline groups: their comparison is the report's only one)."""
    lang = params.lang
    if trial_verdicts.has_trials(results):
        table, cap, rule = trial_verdicts.summary_table(results, params)
        lines = _ul(trial_verdicts.summary_lines(results, params), lang)
        if table is None:  # no support judged: the lines and the rule
            return lines + f'<p class="wb-note">{esc(rule)}</p>'
        return lines + table_html(table, cap, lang, rule)
    v = verdicts(results, params)
    sep = t("list_sep", lang)

    def names(verdict: str) -> str:
        codes_ = v.loc[v["verdict"].eq(verdict), "code"]
        return sep.join(codes.label("intervention", c, lang) for c in codes_)

    lines = [t("support_helps_list", lang, names("helps")) if names("helps")
             else t("support_none_helps", lang)]  # fmt: skip
    if names("may_harm"):
        lines.append(t("support_harm_list", lang, names("may_harm")))
    if names("not_judged"):  # their caveats are beside their row in Support effects
        lines.append(t("support_not_judged_list", lang, names("not_judged")))
    if results.findings is not None:  # why a support cannot be judged (nobody got it, unstable)
        gone = set(v.loc[v["verdict"].eq("not_estimable"), "code"])
        lines += [row[lang] for _, row in results.findings.iterrows() if row["code"] in gone]
    table = table_html(
        support_table(results, params), t("cap_support_verdicts", lang), lang,
        t("verdict_rule", lang),
    )  # fmt: skip
    return _ul(lines, lang) + table


def region_lines(results: ReportResults, lang: str) -> list[str]:
    reg = results.regions.sort_values("adjusted", ascending=False)
    cats = flag_categories(reg)
    sep = t("list_sep", lang)
    out = []
    for cat in ("better", "worse"):
        for sure, key in ((True, "sure"), (False, "unsure")):
            pick = cats["category"].eq(cat) & cats["sure"].eq(sure)
            names = sep.join(codes.label("prefecture", c, lang) for c in reg.loc[pick, "code"])
            if names:
                out.append(t(f"regions_{cat}_{key}", lang, names))
    rest = int(cats["category"].eq("as_expected").sum())
    if not out:
        out.append(t("sum_regions_none", lang))
    elif rest:
        out.append(t("regions_rest", lang, n=rest))
    return out


def summary_missing(results: ReportResults, lang: str, k: int, standing: bool = False) -> list[str]:
    """What is not in this report, and why, in plain words (never a technical message);
    sections missing for the same reason share one sentence."""
    out, by_reason = [], {}
    order = {name: i for i, name in enumerate(SECTION_TITLES)}
    for section in sorted(results.missing, key=lambda s: (order.get(s, len(order)), s)):
        why = results.missing[section]
        if results.kind == "spec" and section in ("coverage", "tiers", "regions"):
            continue  # explained by the spec note
        if section in ANSWERED:
            continue  # the opening answers say it (or the check is simply not shown)
        if section == "retention" and results.milestones is None:
            continue  # said in the retention sentence
        if section == "regions" and why == ONE_REGION:
            if not standing:  # else its standing in the province's comparison is shown
                out.append(t("one_region", lang))
            continue
        title = t(SECTION_TITLES[section], lang) if section in SECTION_TITLES else section
        by_reason.setdefault(reason(section, why, lang, k), []).append(title)
    sep = t("list_sep", lang)
    for why, names in by_reason.items():
        out.append(t("sum_missing_one", lang, section=sep.join(names), why=why))
    return out


ONE_REGION = "one_region"
ANSWERED = ("trend", "projection_check", "model_check")


SECTION_TITLES = {
    "coverage": "sec_coverage",
    "retention": "sec_retention",
    "tiers": "sec_tiers",
    "regions": "sec_regions",
    "ranking": "sec_ranking",
    "risk": "sec_risk",
    "effects": "sec_effects",
    "target_trial": "sec_tt",
    "competing": "cap_cif",  # the endings table is always shown; the incidence may be missing
}


def standing_lines(bench: ProvinceBenchmark, params: ReportParams) -> list[str]:
    """The prefecture's own row of the province's regional comparison (a centre's: of the
    province's comparison of centres), with its limits."""
    lang = params.lang
    kind, sfx = ("facility", "_facility") if params.facility else ("prefecture", "")
    name = codes.label(kind, params.facility or params.prefecture, lang)
    s = bench.standing
    if s is None:
        return [t("standing_none" + sfx, lang, name=name)]
    b12 = bench.at(12)
    overall = pct(b12["estimate"]) if b12 is not None else "–"
    flag = t(f"flag_{s['category']}", lang)
    sure = ""
    if s["category"] != "as_expected":
        sure = t(
            "standing_sure", lang, t("sure_fairly_sure" if s["sure"] else "sure_not_sure", lang)
        )
    out = [
        t("standing_verdict", lang, flag=flag, sure=sure),
        t(
            "standing_line" + sfx,
            lang,
            name=name,
            adj=pct(s["adjusted"]),
            obs=pct(s["observed"]),
            exp=pct(s["expected"]),
            overall=overall,
        ),  # fmt: skip
    ]
    if "lower95" in s:
        out.append(t("standing_limits" + sfx, lang, name=name, lo95=pct(s["lower95"]),
                     hi95=pct(s["upper95"]), lo998=pct(s["lower998"]), hi998=pct(s["upper998"])))  # fmt: skip
    return out


def summary_retention(
    results: ReportResults, params: ReportParams, bench: ProvinceBenchmark | None = None
) -> list[str]:
    lang = params.lang
    if results.milestones is None:
        why = results.missing.get("retention", "other")
        why = reason("retention", why, lang, params.suppression_threshold)
        return [t("sum_retention_na", lang, m="/".join(map(str, params.milestones)), why=why)]
    out = []
    key = "sum_retention_spec" if results.kind == "spec" else "sum_retention"
    for row in results.milestones.itertuples(index=False):
        m = f"{row.months:g}"
        if np.isfinite(row.estimate):
            est = {"est": pct(row.estimate), "lo": pct(row.lower), "hi": pct(row.upper)}
            line = t(key, lang, m=m, event=results.event_label, **est)
            b = bench.at(row.months) if bench is not None else None
            if b is not None and np.isfinite(b["estimate"]):
                sep = "" if lang == "zh" else " "
                line += sep + t("bench_retention", lang, est=pct(b["estimate"]),
                                lo=pct(b["lower"]), hi=pct(b["upper"]))  # fmt: skip
            out.append(line)
        elif getattr(row, "withheld", False):  # disclosure control (docs/disclosure.md)
            why = t("suppressed_long", lang, params.suppression_threshold)
            out.append(t("sum_retention_na", lang, m=m, why=why))
        else:
            out.append(t("sum_retention_na", lang, m=m, why=t("beyond_follow_up", lang)))
    return out


def summary_coverage(
    results: ReportResults, params: ReportParams, bench: ProvinceBenchmark | None = None
) -> list[str]:
    if results.coverage is None:
        return []
    k, lang = params.suppression_threshold, params.lang
    total = results.coverage.iloc[-1]
    if not total["visits_due"] > 0:
        return [t("sum_coverage_none", lang)]
    line = t(
        "sum_coverage",
        lang,
        due=count_text(total["visits_due"], k, lang),
        att=count_text(total["visits_attended"], k, lang),
        cov=pct(total["coverage"]),
    )
    if bench is not None and bench.coverage is not None:
        line += ("" if lang == "zh" else " ") + t("bench_coverage", lang, cov=pct(bench.coverage))
    return [line]
