"""One function per report section: ``name(results, params) -> Section`` (HTML for the notebook).

Every count goes through `suppression`; every word through `text.t` (glossary terms).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench import __version__
from workbench.data import codes
from workbench.evaluation.analysis import ReportResults
from workbench.exceptions import WorkbenchError
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.programme.regions import flag_categories
from workbench.reporting import figures
from workbench.reporting.suppression import complementary, count_text, suppress
from workbench.reporting.text import reason, start_words


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


NUMERIC = re.compile(r"^[<>+\-−–]?\s?[\d.,]+|^[–-]$")


def first_upper(text: str, lang: str) -> str:
    """English labels start with a capital in cells and bullets ("Financial aid", "Relapse")."""
    return text[:1].upper() + text[1:] if lang == "en" and text[:1].islower() else text


def _cell(i: int, value: object, lang: str) -> str:
    text = str(value)
    if i == 0:
        return f"<td>{_h(text)}</td>"
    kind = "wb-num" if NUMERIC.match(text) else "wb-word"
    return f'<td class="{kind}">{_h(text)}</td>'


def table_html(
    frame: pd.DataFrame, caption: str, lang: str, note: str | None = None, labels: bool = True
) -> str:
    """A numbered table with its caption and note kept together on one page (CSS
    `.wb-block`); numeric cells never wrap and align right (`td.wb-num`), words align left.
    `labels`: the cells are labels (English ones start with a capital), not file names."""
    head = "".join(f"<th>{_h(str(c))}</th>" for c in frame.columns)
    cap = (lambda v: first_upper(str(v), lang)) if labels else str
    rows = "".join(
        "<tr>" + "".join(_cell(i, cap(v), lang) for i, v in enumerate(row)) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    foot = f'<p class="wb-note">{_h(note)}</p>' if note else ""
    return (
        f'<div class="wb-block"><table class="wb-table" lang="{lang}"><caption>{_h(caption)}'
        f"</caption><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{foot}</div>"
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
        f'<p class="wb-status" data-status="{status}">{_h(t(f"status_{status}", params.lang))}</p>'
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
    body = "".join(f"<p>{_h(x)}</p>" for x in lines)
    marking = "internal_use" if params.internal_use else "not_official"
    privacy = t(marking, lang, params.suppression_threshold)
    programme = t("programme", lang) if results.kind == "contract" else ""
    status = data_status(params)
    warning = (
        f'<p class="wb-status-line">{_h(t(f"status_warning_{status}", lang))}</p>'
        if status in ("simulated", "test")
        else ""
    )
    return Section(
        "cover",
        f'<section class="wb-cover">{status_banner(params)}'
        f'<p class="wb-programme">{_h(programme)}</p>'
        f'<h1 class="wb-title">{_h(title)}</h1><div class="wb-meta">{body}</div>{warning}'
        f'<p class="wb-privacy">{_h(privacy)}</p></section><!-- wb-toc -->',
    )


BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")


def report_date(now: dt.datetime | None = None) -> str:
    """Today's date in Beijing (UTC+8, the officials' local time) as YYYY-MM-DD."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(BEIJING).strftime("%Y-%m-%d")


def summary(results: ReportResults, params: ReportParams) -> Section:
    """The executive summary, verdict first (`workbench.reporting.summary`)."""
    from workbench.reporting.summary import executive_summary

    return executive_summary(results, params)


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
    "tiers": "sec_tiers",
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
        elif getattr(row, "withheld", False):  # disclosure control (docs/disclosure.md)
            why = t("suppressed_long", lang, params.suppression_threshold)
            out.append(t("sum_retention_na", lang, m=m, why=why))
        else:
            out.append(t("sum_retention_na", lang, m=m, why=t("beyond_follow_up", lang)))
    return out


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
    parts.append(table_html(table, t("cap_milestones", lang), lang, t("see_methods", lang)))
    parts.extend(_p(line) for line in milestone_footnotes(ms, lang))
    spec = "_spec" if results.kind == "spec" else ""
    if results.median_day == 0 and results.kind == "contract":  # drop before the first contact
        parts.append(_p(t("median_first", lang)))
    elif results.median_day is not None:
        parts.append(
            _p(t("median" + spec, lang, f"{results.median_day:,.0f}", results.event_label))
        )
    else:
        parts.append(_p(t("median_na" + spec, lang, results.event_label)))
    return Section("retention", "".join(parts))


def tiers(results: ReportResults, params: ReportParams) -> Section:
    """The programme targets: definitions, the chart (one panel per tier) and the table."""
    lang = params.lang
    table, n = _tiers_table(results.tiers, params)
    whole = not (params.prefecture or params.facility)  # the targets are province-wide
    svg = figures.tiers_bars(_tiers_for_plot(results.tiers, params), lang, target=whole)
    body = (
        f'<div class="wb-keep">{_p(t("tiers_intro", lang))}'
        f"{figure_html(svg, t('cap_tiers', lang))}</div>"
        + table_html(table, t("cap_tiers", lang), lang, _suppress_note(n, params))
    )
    return Section("tiers", heading("sec_tiers", lang) + body, n)


def _tiers_for_plot(tiers: pd.DataFrame, params: ReportParams) -> pd.DataFrame:
    """Bars below the threshold are drawn at zero (their height would disclose the count)."""
    k = params.suppression_threshold
    out = tiers.copy()
    for col in ("observed", "projected"):
        out[col] = out[col].where(~(out[col] < k), 0.0)
    return out


def _tiers_table(tiers: pd.DataFrame, params: ReportParams) -> tuple[pd.DataFrame, int]:
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
        _p(t("reg_intro", lang))
        + figure_html(svg, t("cap_funnel", lang))
        + table_html(shown, t("cap_regions", lang), lang, _suppress_note(n, params))
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
