"""Report sections for the model-based results: risk factors, support effects, competing events."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.evaluation.results import ReportResults
from workbench.i18n import join, t
from workbench.params.report import ReportParams
from workbench.reporting import figure_cache as figures
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
from workbench.reporting.sections import coverage_table, endings_table, regions_table, tiers_table
from workbench.reporting.support_checks import check_notes
from workbench.reporting.suppression import suppress
from workbench.reporting.text import horizon_words, start_words
from workbench.reporting.trial_verdicts import caution_marks


def _num(x: object, fmt: str = "{:.2f}") -> str:
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return fmt.format(v) if np.isfinite(v) else "–"


def _ci(lo: object, hi: object, fmt: str = "{:.2f}") -> str:
    a, b = _num(lo, fmt), _num(hi, fmt)
    return "–" if "–" in (a, b) else f"{a}–{b}"


def days_ci(lo: object, hi: object, lang: str) -> str:
    """An interval of days with signs, "-1 to +40" (`range_to`; never "-1–+40")."""
    a, b = _num(lo, "{:+.0f}"), _num(hi, "{:+.0f}")
    if "–" in (a, b):
        return "–"
    return t("range_to", lang, a=a, b=b)


def _p_value(p: object) -> str:
    """p < 0.001 style: never scientific notation."""
    v = float(p)  # type: ignore[arg-type]
    return "< 0.001" if v < 0.001 else f"{v:.3f}"


_P_IN_TEXT = re.compile(r"p\s*=\s*(\d+(?:\.\d+)?(?:e-?\d+)?)")


def plain_p(text: str) -> str:
    """p-values inside a sentence written as p = 0.046 or p < 0.001 (no 8.29e-05)."""

    def fmt(m: re.Match) -> str:
        v = float(m.group(1))
        return "p < 0.001" if v < 0.001 else f"p = {v:.3f}"

    return _P_IN_TEXT.sub(fmt, text)


def hr_cells(hr: object, lower: object, upper: object) -> tuple[str, str]:
    """A hazard ratio and its interval to 2 decimals; 3 decimals when 2 would hide the result
    (the interval excludes 1 but a value prints as 1.00, or the bounds print alike: age per
    year, 0.990 (0.985–0.995), not 0.99 (0.99–0.99))."""
    values = [float(x) for x in (hr, lower, upper)]  # type: ignore[arg-type]
    two = [_num(v) for v in values]
    excludes_one = np.isfinite(values).all() and (values[2] < 1 or values[1] > 1)
    if (excludes_one and "1.00" in two) or (two[1] == two[2] != "–"):
        return _num(values[0], "{:.3f}"), _ci(values[1], values[2], "{:.3f}")
    return two[0], _ci(values[1], values[2])


def _hr_table(tab: pd.DataFrame, lang: str) -> pd.DataFrame:
    cells = [hr_cells(*x) for x in zip(tab["hr"], tab["lower"], tab["upper"], strict=True)]
    return pd.DataFrame(
        {
            t("col_factor", lang): tab["label"],
            t("col_hr", lang): [c[0] for c in cells],
            t("ci", lang): [c[1] for c in cells],
            t("col_p", lang): [_p_value(x) for x in tab["p"]],
        }
    )


def risk(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    ic = results.risk.method is not None  # the interval-censored PH model (issue 20); else Cox
    note = ("risk_note_ic" if ic else "risk_note") + (
        "_clustered" if results.risk.clustered else ""
    )
    advice = [plain_p(a) for a in results.risk.advice[lang]]
    body = paragraph(t("risk_intro_ic" if ic else "risk_intro", lang)) + table_html(
        _hr_table(results.risk.table[lang], lang), t("cap_risk", lang), lang, t(note, lang)
    )
    if advice:
        body += "<ul>" + "".join(f"<li>{html.escape(a)}</li>" for a in advice) + "</ul>"
    sens = results.risk.sensitivity
    if sens:
        body += table_html(
            _hr_table(sens.table[lang], lang),
            t("cap_risk_sens", lang),
            lang,
            join(results.method_text["risk_sensitivity"], lang),
        )
    return Section("risk", heading("sec_risk", lang) + body)


def _rmst_header(results: ReportResults, lang: str) -> str:
    """The RMST column's header with the horizon actually used (days; months when exact)."""
    eff = results.effects
    days = eff["horizon_days"].dropna() if "horizon_days" in eff else eff.iloc[:0, 0]
    spec = getattr(results, "kind", "contract") == "spec"
    key = "col_rmst_diff_h_spec" if spec else "col_rmst_diff_h"
    if len(days) == 0:
        return t("col_rmst_diff", lang)
    return t(key, lang, h=horizon_words(float(days.iloc[0]), lang))


def _trial(results: ReportResults) -> bool:
    return getattr(results, "design", "observational") == "randomised"


def effects_table(results: ReportResults, params: ReportParams) -> tuple[pd.DataFrame, int]:
    lang, k = params.lang, params.suppression_threshold
    eff = results.effects
    hrs = [hr_cells(*x) for x in zip(eff["hr"], eff["hr_lower"], eff["hr_upper"], strict=True)]
    trial = _trial(results)
    col_rmst = _rmst_header(results, lang)
    n_col = t("col_n_arm" if trial else "col_n_exposed", lang)
    table = pd.DataFrame(
        {
            t("col_arm" if trial else "col_support", lang): [
                codes.label("intervention", c, lang) for c in eff["code"]
            ],
            n_col: eff["n_exposed"],
            t("col_hr", lang): [c[0] for c in hrs],
            t("ci", lang): [c[1] for c in hrs],
            col_rmst: [_num(x, "{:+.0f}") for x in eff["rmst_diff_days"]],
            t("ci_days", lang): [
                days_ci(a, b, lang)
                for a, b in zip(eff["rmst_diff_lower"], eff["rmst_diff_upper"], strict=True)
            ],
        }
    )
    hidden = [t("col_hr", lang), t("ci", lang), col_rmst, t("ci_days", lang)]
    if "evalue" in eff and not trial:  # randomised arms: nothing for a confounder to explain
        no_hr = ~np.isfinite(eff["hr"].to_numpy(float))
        table[t("evalue_column", lang)] = [
            "–" if gone else f"{_num(e, '{:.1f}')} / {_num(c, '{:.1f}')}"
            for e, c, gone in zip(eff["evalue"], eff["evalue_ci"], no_hr, strict=True)
        ]
        hidden.append(t("evalue_column", lang))
    small = eff["n_exposed"].map(lambda n: float(n) < k)
    shown, n = suppress(table, k, counts=[n_col], lang=lang)
    shown.loc[small.to_numpy(), hidden] = "–"
    return shown, n


def _check_notes(
    results: ReportResults, params: ReportParams, shown: pd.DataFrame, start: int = 1
) -> str:
    """Each failed check of a support's weighted comparison (positivity, effective sample size,
    balance: `support_checks`), marked [start], [start + 1] … on the support's row and below
    the table (`start` follows the target trials' marks, so one mark means one thing)."""
    lang = params.lang
    notes = check_notes(results, params)
    col = shown.columns[0]
    body = ""
    for i, (code, lines) in enumerate(notes.items(), start=start):
        mark = t("check_mark", lang, n=i)
        rows = results.effects["code"].astype(str).eq(code).to_numpy()
        shown.loc[rows, col] = shown.loc[rows, col].astype(str) + " " + mark
        body += "".join(f'<p class="wb-note">{esc(mark)} {esc(x)}</p>' for x in lines)
    return body


def effects(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    shown, n = effects_table(results, params)
    trial = _trial(results)
    trials = getattr(results, "target_trials", None) if not trial else None
    first = len(caution_marks(trials)) + 1  # the target trials' marks come first
    checks = _check_notes(results, params, shown, first)  # marks the rows of `shown`
    intro = "eff_intro_trial" if trial else "eff_intro"
    if getattr(results, "kind", "contract") == "spec" and not trial:
        intro = "eff_intro_baseline"
    elif trials:  # the target trials lead: this is a sensitivity analysis (docs/report_wording.md)
        intro = "tv_eff_intro_sensitivity"
    body = paragraph(t(intro, lang, landmark=params.landmark_day))
    note = " ".join(x for x in (suppress_note(n, params), t("see_methods", lang)) if x)
    body += table_html(shown, t("cap_effects_trial" if trial else "cap_effects", lang), lang, note)
    body += checks
    body += _arm_figure(results, params)
    if trials:  # the target trials lead; the hazard-ratio analyses follow (#18)
        from workbench.reporting import target_trial

        sens = t("tt_sensitivity_heading", lang, landmark=params.landmark_day)
        body = (
            target_trial.section_html(trials, params)
            + f'<h3 class="wb-question">{html.escape(sens)}</h3>'
            + paragraph(t("tt_sensitivity_intro", lang))
            + body
        )
        n += target_trial.suppressed_cells(trials, lang, params.suppression_threshold)
    return Section(
        "effects", heading("sec_effects_trial" if trial else "sec_effects", lang) + body, n
    )


def _arm_figure(results: ReportResults, params: ReportParams) -> str:
    """Each arm's curve (randomised designs), unless an arm has fewer people than the threshold."""
    curves = getattr(results, "arm_curves", None)
    if curves is None or len(curves) == 0:
        return ""
    k, total = params.suppression_threshold, float(results.counts.n_releases)
    arms = results.effects["n_exposed"].astype(float)
    if ((arms < k) | (total - arms < k)).any():
        return ""
    lang = params.lang
    xlabel = start_words(t("ax_months", lang), lang, getattr(results, "start_label", None))
    svg = figures.arm_curves(curves, lang, t("ax_no_event", lang), xlabel)
    return figure_html(svg, t("cap_arm_curves", lang))


def competing(results: ReportResults, params: ReportParams) -> Section:
    lang = params.lang
    shown, n = endings_table(results, params)
    body = paragraph(t("comp_intro", lang)) + table_html(
        shown, t("cap_endings", lang), lang, suppress_note(n, params)
    )
    if results.cif is not None:
        cif, comparison = results.cif, None
        if "role" in cif.columns:  # the NPMLE, with the visit-dated AJ as a labelled comparison
            comparison = cif[cif["role"] == "comparison"]
            cif = cif[cif["role"] != "comparison"].reset_index(drop=True)
        words = {"relapse": t("relapse", lang), "death": t("death", lang)}
        table = pd.DataFrame(
            {
                t("col_event", lang): [words[c] for c in cif["cause"]],
                t("col_months", lang): [f"{m:g}" for m in cif["months"]],
                t("col_cif", lang): [pct(x) for x in cif["estimate"]],
                t("ci", lang): [
                    "–" if "–" in (pct(a), pct(b)) else f"{pct(a)}–{pct(b)}"
                    for a, b in zip(cif["lower"], cif["upper"], strict=True)
                ],
            }
        )
        intro = "cif_intro" if comparison is None else "cif_intro_ic"
        body += paragraph(t(intro, lang)) + table_html(table, t("cap_cif", lang), lang)
        if comparison is not None and len(comparison):
            body += paragraph(_cif_comparison(cif, comparison, lang))
    return Section("competing", heading("sec_competing", lang) + body, n)


def _cif_comparison(cif: pd.DataFrame, comparison: pd.DataFrame, lang: str) -> str:
    """One sentence: the visit-dated AJ's relapse incidence at the first milestone."""
    rel = cif[cif["cause"] == "relapse"]
    aj = comparison[comparison["cause"] == "relapse"]
    m = float(rel["months"].iloc[0])
    x = aj.loc[aj["months"] == m, "estimate"]
    return t("cif_comparison", lang).format(
        m=f"{m:g}", x=pct(x.iloc[0] if len(x) else np.nan), y=pct(rel["estimate"].iloc[0])
    )


def suppressed_cells(results: ReportResults, params: ReportParams) -> int:
    """How many table cells the report hides (the same tables the sections show; metrics.json)."""
    builders = {
        "coverage": coverage_table,
        "tiers": lambda r, p: tiers_table(r.tiers, p),
        "regions": regions_table,
        "endings": endings_table,
        "effects": effects_table,
    }
    return sum(
        f(results, params)[1] for name, f in builders.items() if getattr(results, name) is not None
    )
