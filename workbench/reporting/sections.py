"""One function per report section: ``name(results, params) -> Section`` (HTML for the notebook).

Every count goes through `suppression`; every word through `text.t` (glossary terms).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench import __version__, codes
from workbench.evaluation.analysis import ReportResults
from workbench.params import ReportParams
from workbench.reporting import figures
from workbench.reporting.notes import method_text
from workbench.reporting.suppression import complementary, count_text, scrub_counts, suppress
from workbench.reporting.text import reason, start_words, t


@dataclass(frozen=True)
class Section:
    """A block of report HTML; ``suppressed`` counts the table cells hidden by disclosure control."""

    name: str
    html: str
    suppressed: int = 0

    def _repr_html_(self) -> str:
        return f'<div class="wb-section" data-section="{self.name}">{self.html}</div>'


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def heading(key: str, lang: str) -> str:
    return f'<h2 id="sec-{key.removeprefix("sec_")}">{_h(t(key, lang))}</h2>'


def pct(x: object) -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return f"{v:.1%}" if np.isfinite(v) else "–"


def table_html(frame: pd.DataFrame, caption: str, lang: str, note: str | None = None) -> str:
    head = "".join(f"<th>{_h(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{_h(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    foot = f'<p class="wb-note">{_h(note)}</p>' if note else ""
    return (
        f'<table class="wb-table" lang="{lang}"><caption>{_h(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{foot}"
    )


def figure_html(svg: str, caption: str) -> str:
    return f'<figure class="wb-figure">{svg}<figcaption>{_h(caption)}</figcaption></figure>'


def _p(text: str) -> str:
    return f"<p>{_h(text)}</p>"


def _suppress_note(n: int, params: ReportParams) -> str | None:
    return t("suppressed_note", params.lang, params.suppression_threshold) if n else None


def _scope(params: ReportParams, results: ReportResults | None = None) -> str:
    lang = params.lang
    if results is not None and results.kind == "spec":
        return t("scope_spec", lang)
    if params.facility:
        return t("scope_facility", lang, codes.label("facility", params.facility, lang))
    if params.prefecture:
        return t("scope_prefecture", lang, codes.label("prefecture", params.prefecture, lang))
    return t("scope_all", lang)


def cover(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    title = params.title or t("default_title", lang)
    lines = [_scope(params, results)]
    if results.period[0]:
        lines.append(t("period", lang, *results.period))
    if results.cutoff:
        lines.append(t("cutoff", lang, results.cutoff))
    if results.kind == "spec":
        lines.append(t("dataset", lang, results.source.rsplit("/", 1)[-1]))
    lines.append(t("generated", lang, __version__))
    body = "".join(f"<p>{_h(x)}</p>" for x in lines)
    privacy = t("not_official", lang, params.suppression_threshold)
    programme = t("programme", lang) if results.kind == "contract" else ""
    return Section(
        "cover",
        f'<section class="wb-cover"><p class="wb-programme">{_h(programme)}</p>'
        f'<h1 class="wb-title">{_h(title)}</h1><div class="wb-meta">{body}</div>'
        f'<p class="wb-privacy">{_h(privacy)}</p></section><!-- wb-toc -->',
    )


def summary(results: ReportResults, params: ReportParams) -> Section:
    lang, k = params.lang, params.suppression_threshold
    c = results.counts
    common = {
        "n": count_text(c["n_releases"], k, lang),
        "relapse": count_text(c["n_relapses"], k, lang),
    }
    if results.kind == "spec":
        source = results.source.rsplit("/", 1)[-1]
        items = [t("sum_cohort_spec", lang, source=source, event=results.event_label, **common)]
    else:
        period = " – ".join(p for p in results.period if p) or "–"
        items = [
            t(
                "sum_cohort",
                lang,
                period=period,
                cutoff=results.cutoff or "–",
                death=count_text(c["n_deaths"], k, lang),
                **common,
            )
        ]
    if c["n_releases"] < k:  # too few people: no estimate, no rate
        items.append(t("too_few", lang, k))
        body = "<ul>" + "".join(f"<li>{_h(x)}</li>" for x in items) + "</ul>"
        return Section("summary", heading("sec_summary", lang) + body)
    items += _summary_retention(results, params)
    if results.findings is not None:
        items += list(results.findings[lang])
    items += _summary_tiers(results, params)
    items += _summary_coverage(results, params)
    items += _summary_regions(results, lang)
    if results.repairs:
        repairs = "; ".join(scrub_counts(r, k, lang) for r in results.repairs)
        items.append(t("sum_quality", lang, repairs))
    items += _summary_missing(results, lang, k)
    body = "<ul>" + "".join(f"<li>{_h(x)}</li>" for x in items) + "</ul>"
    if results.kind == "spec":
        body += _p(t("spec_note", lang, results.source.rsplit("/", 1)[-1], results.event_label))
    return Section("summary", heading("sec_summary", lang) + body)


def _summary_missing(results: ReportResults, lang: str, k: int) -> list[str]:
    """What is not in this report, and why, in plain words (never a technical message);
    sections missing for the same reason share one sentence."""
    out, by_reason = [], {}
    order = {name: i for i, name in enumerate(SECTION_TITLES)}
    for section in sorted(results.missing, key=lambda s: (order.get(s, len(order)), s)):
        why = results.missing[section]
        if results.kind == "spec" and section in ("coverage", "tiers", "regions"):
            continue  # explained by the spec note
        if section == "retention" and results.milestones is None:
            continue  # said in the retention sentence
        if section == "regions" and why == ONE_REGION:
            out.append(t("one_region", lang))
            continue
        title = t(SECTION_TITLES[section], lang) if section in SECTION_TITLES else section
        by_reason.setdefault(reason(section, why, lang, k), []).append(title)
    sep = "、" if lang == "zh" else ", "
    for why, names in by_reason.items():
        out.append(t("sum_missing_one", lang, section=sep.join(names), why=why))
    return out


ONE_REGION = "one_region"


def short(text: str, limit: int = 140) -> str:
    """The first sentence of a technical message, at most `limit` characters."""
    first = text.split(". ")[0].split("\n")[0].strip()
    return first if len(first) <= limit else first[: limit - 1] + "…"


SECTION_TITLES = {
    "coverage": "sec_coverage",
    "retention": "sec_retention",
    "tiers": "cap_tiers",
    "regions": "sec_regions",
    "risk": "sec_risk",
    "effects": "sec_effects",
    "competing": "cap_cif",  # the endings table is always shown; the incidence may be missing
}


def _summary_retention(results: ReportResults, params: ReportParams) -> list[str]:
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
            out.append(t(key, lang, m=m, event=results.event_label, **est))
        else:
            out.append(t("sum_retention_na", lang, m=m, why=t("beyond_follow_up", lang)))
    return out


def _summary_tiers(results: ReportResults, params: ReportParams) -> list[str]:
    if results.tiers is None:
        return []
    k, lang = params.suppression_threshold, params.lang
    key = "sum_tiers_scoped" if (params.prefecture or params.facility) else "sum_tiers"
    return [
        t(
            key,
            lang,
            y=int(r.years),
            obs=count_text(r.observed, k, lang),
            proj=count_text(r.projected, k, lang) if np.isfinite(r.projected) else "–",
            target=f"{int(r.target):,}",
        )
        for r in results.tiers.itertuples(index=False)
    ]


def _summary_coverage(results: ReportResults, params: ReportParams) -> list[str]:
    if results.coverage is None:
        return []
    k, lang = params.suppression_threshold, params.lang
    total = results.coverage.iloc[-1]
    if not total["visits_due"] > 0:
        return [t("sum_coverage_none", lang)]
    return [
        t(
            "sum_coverage",
            lang,
            due=count_text(total["visits_due"], k, lang),
            att=count_text(total["visits_attended"], k, lang),
            cov=pct(total["coverage"]),
        )
    ]


def _summary_regions(results: ReportResults, lang: str) -> list[str]:
    if results.regions is None:
        return []
    names = {
        flag: ("、" if lang == "zh" else ", ").join(
            codes.label("prefecture", c, lang)
            for c in results.regions.loc[results.regions["flag"].eq(flag), "code"]
        )
        for flag in ("better", "worse")
    }
    if not names["better"] and not names["worse"]:
        return [t("sum_regions_none", lang)]
    return [
        t(f"sum_regions_{flag}", lang, names[flag]) for flag in ("better", "worse") if names[flag]
    ]


def coverage(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    shown, n = coverage_table(results, params)
    body = _p(t("cov_intro", lang)) + table_html(
        shown, t("cap_coverage", lang), lang, _suppress_note(n, params)
    )
    return Section("coverage", heading("sec_coverage", lang) + body, n)


def coverage_table(results: ReportResults, params: ReportParams) -> tuple[pd.DataFrame, int]:
    lang, k = params.lang, params.suppression_threshold
    cov = results.coverage
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


def retention(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    exact = str(results.milestones["method"].iloc[0]).startswith("Kaplan")
    parts = [heading("sec_retention", lang), _p(t("ret_intro_km" if exact else "ret_intro", lang))]
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
    method = method_text(str(ms["method"].iloc[0]), lang)
    parts.append(table_html(table, t("cap_milestones", lang), lang, method))
    spec = "_spec" if results.kind == "spec" else ""
    if results.median_day == 0 and results.kind == "contract":  # drop before the first contact
        parts.append(_p(t("median_first", lang)))
    elif results.median_day is not None:
        parts.append(
            _p(t("median" + spec, lang, f"{results.median_day:,.0f}", results.event_label))
        )
    else:
        parts.append(_p(t("median_na" + spec, lang, results.event_label)))
    n = 0
    if results.tiers is not None:
        tiers, n = _tiers_table(results.tiers, params)
        parts += [
            _p(t("tiers_intro", lang)),
            figure_html(
                figures.tiers_bars(_tiers_for_plot(results.tiers, params), lang),
                t("cap_tiers", lang),
            ),
            table_html(tiers, t("cap_tiers", lang), lang, _suppress_note(n, params)),
        ]
    return Section("retention", "".join(parts), n)


def _tiers_for_plot(tiers: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    """Bars below the threshold are drawn at zero (their height would disclose the count)."""
    k = params.suppression_threshold
    out = tiers.copy()
    for col in ("observed", "projected"):
        out[col] = out[col].where(~(out[col] < k), 0.0)
    return out


def _tiers_table(tiers: pd.DataFrame, params: ReportParams) -> tuple[pd.DataFrame, int]:
    lang = params.lang
    table = pd.DataFrame(
        {
            t("col_tier", lang): [codes.label("tier", str(int(y)), lang) for y in tiers["years"]],
            t("col_observed", lang): tiers["observed"],
            t("col_projected", lang): tiers["projected"],
            t("col_target", lang): [f"{int(x):,}" for x in tiers["target"]],
        }
    )
    return suppress(
        table,
        params.suppression_threshold,
        counts=[t("col_observed", lang), t("col_projected", lang)],
        lang=lang,
    )


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
        _p(t("reg_intro", lang))
        + figure_html(svg, t("cap_funnel", lang))
        + table_html(shown, t("cap_regions", lang), lang, _suppress_note(n, params))
    )
    return Section("regions", heading("sec_regions", lang) + body, n)


def regions_table(results: ReportResults, params: ReportParams) -> tuple[pd.DataFrame, int]:
    lang, k = params.lang, params.suppression_threshold
    reg = results.regions.sort_values("adjusted", ascending=False)
    flags = {
        "better": t("flag_better", lang),
        "worse": t("flag_worse", lang),
        "watch": t("flag_watch", lang),
    }
    table = pd.DataFrame(
        {
            t("col_group", lang): [codes.label("prefecture", c, lang) for c in reg["code"]],
            t("col_n", lang): reg["n"],
            t("col_obs_ret", lang): [pct(x) for x in reg["observed"]],
            t("col_expected", lang): [pct(x) for x in reg["expected"]],
            t("col_adjusted", lang): [pct(x) for x in reg["adjusted"]],
            t("col_flag", lang): [flags.get(f, "") for f in reg["flag"]],
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


def _effects_table(results: ReportResults, params: ReportParams) -> tuple[pd.DataFrame, int]:
    from workbench.reporting.model_sections import effects_table

    return effects_table(results, params)


def suppressed_cells(results: ReportResults, params: ReportParams) -> int:
    """How many table cells the report hides (the same tables the sections show)."""
    builders = {
        "coverage": coverage_table,
        "tiers": lambda r, p: _tiers_table(r.tiers, p),
        "regions": regions_table,
        "endings": endings_table,
        "effects": _effects_table,
    }
    return sum(
        f(results, params)[1] for name, f in builders.items() if getattr(results, name) is not None
    )
