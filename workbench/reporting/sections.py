"""One function per report section: ``name(results, params) -> Section`` (HTML for the notebook).

Every count goes through `suppression`; every word through the catalog (`workbench.i18n.t`,
glossary terms); the HTML blocks are `markup`'s. The model-based sections are `model_sections`,
the summary `summary`, methods and provenance `closing`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from workbench import __version__
from workbench.data import codes
from workbench.evaluation.results import ReportResults
from workbench.exceptions import WorkbenchError
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.programme.regions import flag_categories
from workbench.reporting import figure_cache as figures
from workbench.reporting.benchmark import ProvinceBenchmark, province_benchmark
from workbench.reporting.markup import (
    Section,
    esc,
    figure_html,
    heading,
    paragraph,
    pct,
    suppress_note,
    table_html,
)
from workbench.reporting.suppression import complementary, suppress
from workbench.reporting.text import start_words


def _scope(params: ReportParams, results: ReportResults | None = None) -> str:
    lang = params.lang
    if results is not None and results.kind == "spec":
        return t("scope_spec", lang)
    if params.facility:
        return t("scope_facility", lang, codes.label("facility", params.facility, lang))
    if params.prefecture:
        return t("scope_prefecture", lang, codes.label("prefecture", params.prefecture, lang))
    return t("scope_all", lang)


def data_status(params: ReportParams) -> str | None:
    """What the report's data are (dataset.yaml `status`: real, simulated, test), or None."""
    from workbench.data.io import data_status as status_of

    try:
        return status_of(params.data)
    except WorkbenchError:  # a bad dataset.yaml is reported by the loader, not here
        return None


def status_banner(params: ReportParams) -> str:
    """The data-status banner: on the cover, and (CSS string-set) in every page's header."""
    status = data_status(params)
    if status not in ("simulated", "test"):
        return ""
    return (
        f'<p class="wb-status" data-status="{status}">{esc(t(f"status_{status}", params.lang))}</p>'
    )


def cover(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    title = params.title or t("default_title", lang)
    lines = [t("cover_scope", lang, _scope(params, results))]
    if results.period[0]:
        lines.append(t("cover_period", lang, *results.period, results.cutoff or "–"))
    if results.kind == "spec":
        lines.append(t("dataset", lang, results.source.rsplit("/", 1)[-1]))
    lines.append(t("cover_date", lang, report_date()))
    lines.append(t("cover_issuer", lang, params.issuer) if params.issuer
                 else t("cover_issuer_none", lang))  # fmt: skip
    lines.append(t("cover_version", lang, __version__))
    body = "".join(f"<p>{esc(x)}</p>" for x in lines)
    marking = "internal_use" if params.internal_use else "not_official"
    privacy = t(marking, lang, params.suppression_threshold)
    programme = t("programme", lang) if results.kind == "contract" else ""
    status = data_status(params)
    warning = (
        f'<p class="wb-status-line">{esc(t(f"status_warning_{status}", lang))}</p>'
        if status in ("simulated", "test")
        else ""
    )
    return Section(
        "cover",
        f'<section class="wb-cover">{status_banner(params)}'
        f'<p class="wb-programme">{esc(programme)}</p>'
        f'<h1 class="wb-title">{esc(title)}</h1><div class="wb-meta">{body}</div>{warning}'
        f'<p class="wb-privacy">{esc(privacy)}</p></section><!-- wb-toc -->',
    )


BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")


def report_date(now: dt.datetime | None = None) -> str:
    """Today's date in Beijing (UTC+8, the officials' local time) as YYYY-MM-DD."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(BEIJING).strftime("%Y-%m-%d")


def coverage(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    shown, n = coverage_table(results, params)
    body = paragraph(t("cov_intro", lang)) + table_html(
        shown, t("cap_coverage", lang), lang, suppress_note(n, params)
    )
    return Section("coverage", heading("sec_coverage", lang) + body, n)


def coverage_table(results: ReportResults, params: ReportParams) -> tuple[pd.DataFrame, int]:
    lang, k = params.lang, params.suppression_threshold
    cov = results.coverage
    if len(cov) == 2 and (cov["prefecture"] == "all").sum() == 1:
        # one prefecture: one row, the total's (the figures the summary quotes), under its name
        code = cov.loc[cov["prefecture"] != "all", "prefecture"].iloc[0]
        cov = cov[cov["prefecture"] == "all"].assign(prefecture=code)
    table = pd.DataFrame(
        {
            t("col_group", lang): [
                t("all", lang) if g == "all" else codes.label("prefecture", g, lang)
                for g in cov["prefecture"]
            ],
            t("col_n", lang): cov["n_releases"],
            t("col_due", lang): cov["visits_due"],
            t("col_attended", lang): cov["visits_attended"],
            t("col_coverage", lang): [pct(x) for x in cov["coverage"]],
            t("col_lost", lang): cov["lost"],
            t("col_transferred", lang): cov["transferred"],
            t("col_died", lang): cov["died"],
        }
    )
    counts = [
        t(c, lang)
        for c in ("col_n", "col_due", "col_attended", "col_lost", "col_transferred", "col_died")
    ]
    shown, n = suppress(
        table, k, counts=counts, rates=[t("col_coverage", lang)], base=t("col_n", lang), lang=lang
    )
    # The visits of a group below the threshold would describe its few members: hide them too.
    small = cov["n_releases"].map(lambda v: float(v) < k).to_numpy()
    for col in (t("col_due", lang), t("col_attended", lang)):
        hide = small & shown[col].ne(t("suppressed_cell", lang, k)).to_numpy()
        shown.loc[hide, col] = t("suppressed_cell", lang, k)
        n += int(hide.sum())
    # ... and no hidden cell may be recovered as the "all" row minus the prefectures' rows.
    shown, n2 = complementary(
        shown, table, counts, (cov["prefecture"] == "all").to_numpy(), k, lang
    )
    return shown, n + n2


def milestone_footnotes(ms: pd.DataFrame, lang: str) -> list[str]:
    """One line per milestone read at another day, beyond follow-up, or not identified (the
    rules of workbench.retention.summary); none for frames without those columns."""
    if "day" not in ms.columns:
        return []
    lines = []
    for r in ms.itertuples(index=False):
        m = f"{r.months:g}"
        if np.isnan(r.day):
            lines.append(t("ms_beyond", lang, m=m, d=f"{r.followup_end_day:,.0f}"))
            continue
        if abs(r.day - r.months * codes.DAYS_PER_MONTH) > 1e-9:
            lines.append(t("ms_other_day", lang, m=m, d=f"{r.day:,.0f}"))
        if not r.identified:
            lines.append(t("ms_not_identified", lang, m=m))
    return lines


def retention(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    exact = str(results.milestones["method"].iloc[0]).startswith("Kaplan")
    parts = [
        heading("sec_retention", lang),
        paragraph(t("ret_intro_km" if exact else "ret_intro", lang)),
    ]
    if results.curve is not None:
        ylabel = t("ax_no_event" if results.kind == "spec" else "ax_retention", lang)
        xlabel = start_words(t("ax_months", lang), lang, getattr(results, "start_label", None))
        svg = figures.retention_curve(results.curve, results.milestones, lang, ylabel, xlabel)
        parts.append(figure_html(svg, t("cap_curve", lang)))
    ms = results.milestones
    table = pd.DataFrame(
        {
            t("col_months", lang): [f"{m:g}" for m in ms["months"]],
            t("col_estimate", lang): [pct(x) for x in ms["estimate"]],
            t("col_lower", lang): [pct(x) for x in ms["lower"]],
            t("col_upper", lang): [pct(x) for x in ms["upper"]],
        }
    )
    bench = province_benchmark(params)
    if bench is not None and bench.available:
        table[t("col_province", lang)] = [_bench_cell(bench, m, lang) for m in ms["months"]]
    parts.append(table_html(table, t("cap_milestones", lang), lang, t("see_methods", lang)))
    parts.extend(paragraph(line) for line in milestone_footnotes(ms, lang))
    spec = "_spec" if results.kind == "spec" else ""
    if results.median_day == 0 and results.kind == "contract":  # drop before the first contact
        parts.append(paragraph(t("median_first", lang)))
    elif results.median_day is not None:
        parts.append(
            paragraph(t("median" + spec, lang, f"{results.median_day:,.0f}", results.event_label))
        )
    else:
        parts.append(paragraph(t("median_na" + spec, lang, results.event_label)))
    return Section("retention", "".join(parts))


def _bench_cell(bench: ProvinceBenchmark, months: float, lang: str) -> str:
    b = bench.at(months)
    if b is None or not np.isfinite(b["estimate"]):
        return "–"
    return t("bench_cell", lang, est=pct(b["estimate"]), lo=pct(b["lower"]), hi=pct(b["upper"]))


def tiers(results: ReportResults, params: ReportParams) -> Section:
    """The programme targets: definitions, the chart (one panel per tier) and the table."""
    lang = params.lang
    table, n = tiers_table(results.tiers, params)
    whole = not (params.prefecture or params.facility)  # the targets are province-wide
    svg = figures.tiers_bars(_tiers_for_plot(results.tiers, params), lang, target=whole)
    intro = paragraph(t("tiers_intro", lang))
    if not whole:  # the targets drawn are the province's: say so before the chart
        targets = " / ".join(f"{int(x):,}" for x in results.tiers["target"])
        intro += paragraph(t("tiers_province_targets", lang, targets=targets))
    body = (
        f'<div class="wb-keep">{intro}'
        f"{figure_html(svg, t('cap_tiers' if whole else 'cap_tiers_scoped', lang))}</div>"
        + table_html(table, t("cap_tiers", lang), lang, suppress_note(n, params))
    )
    return Section("tiers", heading("sec_tiers", lang) + body, n)


def _tiers_for_plot(tiers: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    """Bars below the threshold are drawn at zero (their height would disclose the count)."""
    k = params.suppression_threshold
    out = tiers.copy()
    for col in ("observed", "projected"):
        out[col] = out[col].where(~(out[col] < k), 0.0)
    return out


def tiers_table(tiers: pd.DataFrame, params: ReportParams) -> tuple[pd.DataFrame, int]:
    lang = params.lang
    whole = not (params.prefecture or params.facility)  # the targets are province-wide
    table = pd.DataFrame(
        {
            t("col_tier", lang): [codes.label("tier", str(int(y)), lang) for y in tiers["years"]],
            t("col_observed", lang): tiers["observed"],
            t("col_projected", lang): tiers["projected"].round(),
            t("col_target" if whole else "col_target_province", lang): [
                f"{int(x):,}" for x in tiers["target"]
            ],
        }
    )
    if whole:
        table[t("col_met", lang)] = [
            _met(o, g, params.suppression_threshold, lang)
            for o, g in zip(tiers["observed"], tiers["target"], strict=True)
        ]
    return suppress(
        table,
        params.suppression_threshold,
        counts=[t("col_observed", lang), t("col_projected", lang)],
        lang=lang,
    )


def _met(observed: float, target: float, k: int, lang: str) -> str:
    if observed < k or observed < target:
        share = "" if observed < k else t("met_share", lang, f"{observed / target:.0%}")
        return t("met_no", lang) + share
    multiple = observed / target
    return t("met_yes", lang, f"{multiple:.1f}" if multiple < 10 else f"{multiple:,.0f}")


def regions(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    reg = results.regions.sort_values("adjusted", ascending=False)
    overall = (
        float(results.milestones.loc[results.milestones["months"].eq(12), "estimate"].iloc[0])
        if 12 in set(results.milestones["months"])
        else float(reg["observed"].mean())
    )
    svg = figures.funnel(reg, results.funnel, overall, lang)
    shown, n = regions_table(results, params)
    body = (
        paragraph(t("reg_intro", lang))
        + figure_html(svg, t("cap_funnel", lang))
        + table_html(shown, t("cap_regions", lang), lang, suppress_note(n, params))
    )
    return Section("regions", heading("sec_regions", lang) + body, n)


def regions_table(results: ReportResults, params: ReportParams) -> tuple[pd.DataFrame, int]:
    lang, k = params.lang, params.suppression_threshold
    reg = results.regions.sort_values("adjusted", ascending=False)
    cats = flag_categories(reg)
    sure = [
        "–" if c == "as_expected" else t("sure_fairly_sure" if y else "sure_not_sure", lang)
        for c, y in zip(cats["category"], cats["sure"], strict=True)
    ]
    table = pd.DataFrame(
        {
            t("col_group", lang): [codes.label("prefecture", c, lang) for c in reg["code"]],
            t("col_n", lang): reg["n"],
            t("col_obs_ret", lang): [pct(x) for x in reg["observed"]],
            t("col_expected", lang): [pct(x) for x in reg["expected"]],
            t("col_adjusted", lang): [pct(x) for x in reg["adjusted"]],
            t("col_flag", lang): [t(f"flag_{c}", lang) for c in cats["category"]],
            t("col_sure", lang): sure,
        }
    )
    return suppress(table, k, counts=[t("col_n", lang)], lang=lang)


def endings_table(results: ReportResults, params: ReportParams) -> tuple[pd.DataFrame, int]:
    lang, k = params.lang, params.suppression_threshold
    end = results.endings
    words = {
        "relapse": t("relapse", lang),
        "death": t("death", lang),
        "end_of_follow_up": t("censored", lang),
    }
    label = [words.get(e) or codes.label("censor_reason", e, lang) for e in end["ending"]]
    table = pd.DataFrame(
        {
            t("col_reason", lang): label,
            t("col_count", lang): end["n"],
            t("col_share", lang): [pct(x) for x in end["share"]],
        }
    )
    return suppress(
        table,
        k,
        counts=[t("col_count", lang)],
        rates=[t("col_share", lang)],
        base=t("col_count", lang),
        lang=lang,
    )
