"""The report's sections for issue 19: the direction of travel (`trend`), the projection and
risk-model check (`check`), and the plain "how sure" sentences the summary's opening answers
quote (`trend_lines`, `check_lines`). Every number is a protected one from `ReportResults`
(`workbench.evaluation.trends`); cells below the suppression threshold read "<k"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.evaluation.results import ReportResults
from workbench.i18n import TEXT, join, t
from workbench.params.report import ReportParams
from workbench.programme.trend import VERDICT_RULE
from workbench.reporting import figure_cache as trend_figures
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
from workbench.reporting.suppression import count_text


def _ratio(x: float) -> str:
    return f"{x:.3f}" if np.isfinite(x) else "–"


def _p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def trend_lines(results: ReportResults, params: ReportParams) -> list[str]:
    """The answer to "are we improving?": the verdict by the stated rule, how sure (the hazard
    ratio per year with its 95 % CI in words) and the risk-adjusted verdict."""
    lang, trend = params.lang, results.trend
    if trend is None:
        why = results.missing.get("trend", "other")
        key = f"trend_why_{why}" if f"trend_why_{why}" in TEXT else "trend_why_other"
        return [t("trend_na", lang, why=t(key, lang))]
    c = trend.crude
    out = [
        t("trend_answer", lang, verdict=t(f"trend_verdict_{c.verdict}", lang),
          first=c.first, last=c.last),
        t("trend_sure", lang, hr=_ratio(c.hr), lo=_ratio(c.lower), hi=_ratio(c.upper), p=_p(c.p)),
    ]  # fmt: skip
    if c.verdict == "no_clear_change" and c.lower <= 1 <= c.upper:
        out.append(t("trend_sure_none", lang))
    a = trend.adjusted
    if a is not None:
        out.append(t("trend_adjusted", lang, verdict=t(f"trend_verdict_{a.verdict}", lang),
                     hr=_ratio(a.hr), lo=_ratio(a.lower), hi=_ratio(a.upper)))  # fmt: skip
    out += _latest_cohort(trend.cohorts, params)
    return out


def _latest_cohort(cohorts: pd.DataFrame, params: ReportParams) -> list[str]:
    """The latest cohort with a 12-month value, in the official-statistics sentence."""
    lang, k = params.lang, params.suppression_threshold
    rows = cohorts[(cohorts["months"] == 12.0) & cohorts["followed"]]
    if rows.empty:
        return []
    r = rows.iloc[-1]
    if not np.isfinite(float(r["estimate"])):
        return [f"{cohort_name(r['cohort'], lang)}: {t('too_few_to_say', lang, k=k)}"]
    return [t("trend_cohort_line", lang, cohort=cohort_name(r["cohort"], lang), m="12",
              est=pct(r["estimate"]),
              lo=pct(r["lower"]), hi=pct(r["upper"]))]  # fmt: skip


def cohort_name(label: str, lang: str) -> str:
    """A cohort label in words: "2021" -> "2021"/"2021年", "2021H1" -> "the first half of
    2021"/"2021年上半年"."""
    year, half = label[:4], label[4:].lower()
    return t(f"cohort_{half}" if half in ("h1", "h2") else "cohort_year", lang, y=year)


def _cell(row, lang: str, k: int) -> tuple[str, bool]:
    if not row.followed:
        return t("trend_not_followed", lang), False
    if not np.isfinite(float(row.estimate)):
        return t("suppressed_cell", lang, k), True
    return f"{pct(row.estimate)} ({pct(row.lower)}–{pct(row.upper)})", False


def trend_table(cohorts: pd.DataFrame, params: ReportParams) -> tuple[pd.DataFrame, int]:
    lang, k = params.lang, params.suppression_threshold
    out, hidden = {}, 0
    names = list(dict.fromkeys(cohorts["cohort"]))
    first = cohorts.drop_duplicates("cohort").set_index("cohort")
    out[t("col_cohort", lang)] = names
    out[t("col_n_released", lang)] = [count_text(first.at[c, "n"], k, lang) for c in names]
    for m, part in cohorts.groupby("months", sort=True):
        cells = [_cell(r, lang, k) for r in part.itertuples(index=False)]
        hidden += sum(h for _, h in cells)
        out[t("months_label", lang, m=f"{m:g}")] = [c for c, _ in cells]
    return pd.DataFrame(out), hidden


def trend(results: ReportResults, params: ReportParams) -> Section:
    """Direction of travel: the cohort table and chart, the test's sentences and the rule."""
    lang = params.lang
    cohorts = results.trend.cohorts
    months = "/".join(f"{m:g}" for m in sorted(cohorts["months"].unique()))
    table, n = trend_table(cohorts, params)
    lines = "".join(f"<li>{esc(x)}</li>" for x in trend_lines(results, params))
    body = (
        paragraph(t("trend_intro", lang, months=months))
        + f"<ul>{lines}</ul>"
        + figure_html(trend_figures.trend_chart(cohorts, lang), t("fig_trend", lang))
        + table_html(table, t("cap_trend", lang), lang, suppress_note(n, params))
        + f'<p class="wb-note">{esc(join(VERDICT_RULE, lang))} {esc(t("trend_method", lang))}</p>'
    )
    return Section("trend", heading("sec_trend", lang) + body, n)


def projection_lines(results: ReportResults, params: ReportParams) -> list[str]:
    """How sure each tier's projection is (its 95 % interval, the backtest's method), for the
    tiers where someone's k-year visit is still ahead."""
    lang, k = params.lang, params.suppression_threshold
    check = results.projection_check
    if check is None or check.current is None:
        return []
    out = []
    for r in check.current.itertuples(index=False):
        if not (np.isfinite(r.projected) and r.upper > r.lower):
            continue
        out.append(t("tier_projection_sure", lang, tier=t(f"tier_short_{int(r.years)}", lang),
                     proj=count_text(r.projected, k, lang), lo=count_text(r.lower, k, lang),
                     hi=count_text(r.upper, k, lang)))  # fmt: skip
    return out


def check_lines(results: ReportResults, params: ReportParams) -> list[str]:
    """ "Last time we projected X, Y happened" (12-month tier) and the model's discrimination."""
    lang, k = params.lang, params.suppression_threshold
    out = []
    check = results.projection_check
    if check is not None:
        row = check.tiers.set_index("years").loc[1]
        if np.isfinite(float(row["projected"])) and np.isfinite(float(row["actual"])):
            actual = float(row["actual"])
            inside = (
                "backtest_inside" if row["lower"] <= actual <= row["upper"]
                else "backtest_outside_high" if actual > row["upper"] else "backtest_outside_low"
            )  # fmt: skip
            out.append(t("backtest_answer", lang, then=check.cutoff_then,
                         proj=count_text(row["projected"], k, lang),
                         lo=count_text(row["lower"], k, lang), hi=count_text(row["upper"], k, lang),
                         actual=count_text(actual, k, lang), inside=t(inside, lang)))  # fmt: skip
    model = results.model_check
    if model is not None and len(model.auc):
        auc12 = model.auc.set_index("months")["auc"].get(12.0, np.nan)
        out.append(t("model_check_line", lang, c=f"{model.c_index:.2f}", auc=f"{auc12:.2f}"))
    return out


def _backtest_tables(check, params: ReportParams) -> tuple[str, int]:
    lang, k = params.lang, params.suppression_threshold
    tiers = check.tiers
    actual = [
        count_text(a, k, lang) + ("" if done else t("backtest_partly", lang))
        for a, done in zip(tiers["actual"], tiers["complete"], strict=True)
    ]
    table = pd.DataFrame(
        {
            t("col_tier", lang): [codes.label("tier", str(int(y)), lang) for y in tiers["years"]],
            t("col_observed_then", lang): [count_text(x, k, lang) for x in tiers["observed_then"]],
            t("col_projected_then", lang): [count_text(x, k, lang) for x in tiers["projected"]],
            t("col_interval", lang): [
                f"{count_text(lo, k, lang)}–{count_text(hi, k, lang)}"
                for lo, hi in zip(tiers["lower"], tiers["upper"], strict=True)
            ],
            t("col_actual", lang): actual,
        }
    )
    hidden = int(sum(not (float(x) >= k) for x in tiers["observed_then"]))
    ret = check.retention

    def band(part: str) -> list[str]:
        return [
            f"{pct(r[part])} ({pct(r[part + '_lower'])}–{pct(r[part + '_upper'])})"
            if np.isfinite(float(r[part])) else "–"
            for _, r in ret.iterrows()
        ]  # fmt: skip

    retention = pd.DataFrame(
        {
            t("col_months", lang): [f"{m:g}" for m in ret["months"]],
            t("col_then", lang): band("then"),
            t("col_now", lang): band("now"),
        }
    )
    html = table_html(table, t("cap_backtest_tiers", lang), lang, suppress_note(hidden, params))
    html += table_html(retention, t("cap_backtest_retention", lang), lang)
    return html, hidden


def _model_block(model, params: ReportParams) -> str:
    lang = params.lang
    auc = pd.DataFrame(
        {
            t("col_months", lang): [f"{m:g}" for m in model.auc["months"]],
            t("col_auc", lang): [f"{a:.3f}" for a in model.auc["auc"]],
        }
    )
    c_line = t("c_index_line", lang, c=f"{model.c_index:.3f}")
    return (
        paragraph(t("check_model_intro", lang))
        + table_html(auc, t("cap_model_auc", lang), lang, c_line)
        + figure_html(
            trend_figures.calibration_chart(model.calibration, lang), t("fig_calibration", lang)
        )
    )


def check(results: ReportResults, params: ReportParams) -> Section:
    """The projection check (backtest tables) and the risk model's check (AUC, calibration)."""
    lang = params.lang
    parts, hidden = [heading("sec_check", lang)], 0
    lines = "".join(f"<li>{esc(x)}</li>" for x in check_lines(results, params))
    if lines:
        parts.append(f"<ul>{lines}</ul>")
    bt = results.projection_check
    if bt is not None:
        years = int(
            round((pd.Timestamp(bt.cutoff_now) - pd.Timestamp(bt.cutoff_then)).days / 365.25)
        )
        parts.append(paragraph(t("check_intro", lang, then=bt.cutoff_then, years=years)))
        html, hidden = _backtest_tables(bt, params)
        parts.append(html)
    if results.model_check is not None:
        parts.append(_model_block(results.model_check, params))
    return Section("check", "".join(parts), hidden)


__all__ = ["check", "check_lines", "projection_lines", "trend", "trend_lines", "trend_table"]
