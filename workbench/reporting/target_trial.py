"""The report's emulated target trials (issue 18): protocol, flow, risks, findings, grace period.

Everything here reads the protected `TrialSummary` tables of `ReportResults.target_trials`
(workbench/evaluation/target_trial.py) and writes words through the catalog
(``i18n.target_trial``). Counts go through `suppression`; a support withheld by disclosure
control says "too few people". A finding whose 95 % CI of the risk difference (as printed)
includes 0 is worded without "would" (`tt_find_unclear`). A support whose trial failed a check
(`trial_verdicts`: positivity, weights, few starts) is "not judged": one line with the reason,
its rows of the risk table marked [n] and the caution under that table (docs/report_wording.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.evaluation.results import as_float
from workbench.evaluation.target_trial import (
    FEW_PEOPLE,
    FLOW_COLUMNS,
    GRACE_MONTHS,
    RMST_MONTHS,
    TrialSummary,
)
from workbench.i18n import TEXT, Text, t
from workbench.reporting.markup import esc, first_upper, pct
from workbench.reporting.suppression import scrub_counts, suppress
from workbench.reporting.target_trial_figures import name_of, strategy_label
from workbench.reporting.trial_verdicts import (
    HEADLINE_MONTH,
    caution_lines,
    caution_marks,
    cli_verdict,
    headline,
    not_judged_finding,
    points,
    verdict,
)

PROTOCOL_ITEMS = ("eligibility", "strategies", "time_zero", "assignment", "outcome", "follow_up",
                  "contrast", "analysis")  # fmt: skip


def _days(x: float) -> str:
    """Days with a sign, never "-0" or "+0"."""
    text = f"{x:+.0f}"
    return "0" if text in ("+0", "-0") else text


# --- the protocol --------------------------------------------------------------------------------


def protocol_text(value: object, lang: str) -> str | None:
    """A protocol item's words from the estimator: a `Text`, a (key, fields) pair, a mapping
    with "key"/"fields", or a catalog key; None for anything else (then the report's own
    wording is used: never a bare English string in a Chinese report)."""
    if isinstance(value, Text):
        return value.render(lang) if value.key in TEXT else None
    if isinstance(value, tuple | list) and len(value) == 2 and isinstance(value[0], str):
        key, fields = value
        return Text(key, dict(fields or {})).render(lang) if key in TEXT else None
    if isinstance(value, dict) and "key" in value:
        return protocol_text((value["key"], value.get("fields", {})), lang)
    if isinstance(value, str) and value in TEXT:
        return t(value, lang)
    return None


def published(value: object, trial: TrialSummary) -> object:
    """A protocol `Text` whose field ``n`` (the number of releases) quotes the published number
    of eligible people (the flow table's, perturbed), never the raw count."""
    if not isinstance(value, Text) or "n" not in value.fields:
        return value
    n = trial.flow["eligible"].iloc[0] if trial.flow is not None else None
    if n is None or not np.isfinite(float(n)):
        return None
    return Text(value.key, {**value.fields, "n": int(n)})


def protocol_table(trial: TrialSummary, lang: str) -> pd.DataFrame:
    """The TARGET items and how this report emulates each."""
    defaults = {"strategies": {"g": f"{trial.grace_months:g}"},
                "follow_up": {"months": RMST_MONTHS}, "analysis": {"b": trial.n_bootstrap}}  # fmt: skip
    rows = []
    for item in PROTOCOL_ITEMS:
        words = protocol_text(published(trial.protocol.get(item), trial), lang)
        if words is None:
            words = t(f"tt_proto_{item}", lang, **defaults.get(item, {}))
        rows.append((t(f"tt_item_{item}", lang), words))
    return pd.DataFrame(rows, columns=[t("col_tt_item", lang), t("col_tt_spec", lang)])


# --- the flow of numbers -------------------------------------------------------------------------


def flow_table(trials: dict[str, TrialSummary], lang: str, k: int) -> tuple[pd.DataFrame, int]:
    """One row per support and strategy: eligible, cloned, censored (deviation, other),
    relapses, deaths; counts below k shown as "<k". Returns (table, cells suppressed)."""
    rows = []
    for code, s in trials.items():
        if s.flow is None:
            continue
        for i, r in enumerate(s.flow.itertuples(index=False)):
            label = strategy_label(r.strategy, lang, s.grace_months)
            rows.append([name_of(code, lang) if i == 0 else "", label,
                         *(getattr(r, c) for c in FLOW_COLUMNS)])  # fmt: skip
    columns = [t("col_support", lang), t("col_tt_strategy", lang),
               *(t(f"col_tt_{c}", lang) for c in FLOW_COLUMNS)]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    return suppress(table, k, counts=columns[2:], lang=lang)


# --- risks, findings, caveats --------------------------------------------------------------------


def risk_table(
    trials: dict[str, TrialSummary], lang: str, marks: dict[str, str] | None = None
) -> pd.DataFrame:
    """Relapse risk under each strategy at each horizon, the difference and its CI; a support
    not judged keeps its rows, its name followed by its mark ("[1]", `marks`)."""
    rows = []
    g = GRACE_MONTHS
    for code, s in trials.items():
        if not s.estimable:
            continue
        g = s.grace_months
        name = name_of(code, lang) + (f" {marks[code]}" if code in (marks or {}) else "")
        for i, r in enumerate(s.horizons.itertuples(index=False)):
            rows.append([name if i == 0 else "", f"{r.month:g}", pct(r.risk_start),
                         pct(r.risk_never), points(r.rd), ci_points(r.rd_lower, r.rd_upper, lang)])  # fmt: skip
    columns = [t("col_support", lang), t("col_tt_months", lang),
               t("col_tt_risk_start", lang, g=f"{g:g}"), t("col_tt_risk_never", lang),
               t("col_tt_rd", lang), t("col_tt_rd_ci", lang)]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def ci_points(lo: object, hi: object, lang: str) -> str:
    a, b = points(lo), points(hi)
    return "–" if "–" in (a, b) else t("range_to", lang, a=a, b=b)


def finding(s: TrialSummary, lang: str, k: int) -> str:
    """The support's plain sentence (24-month relapse under both strategies), then the RMST."""
    name = name_of(s.code, lang)
    if s.withheld in FEW_PEOPLE:
        return t("tt_find_withheld", lang, name=name, k=k)
    if s.withheld == "tt_no_start_in_grace_month":
        return t("tt_find_no_grace_month", lang, name=name, g=f"{s.grace_months:g}")
    if not s.estimable:
        return t("tt_find_failed", lang, name=name)
    r = headline(s)
    kind = verdict(r["rd_lower"], r["rd_upper"])
    if not (as_float(r["risk_start"]) is not None and as_float(r["risk_never"]) is not None):
        return t("tt_find_withheld", lang, name=name, k=k)
    words = dict(name=name, g=f"{s.grace_months:g}", m=f"{float(r['month']):g}",
                 x=pct(r["risk_start"]), y=pct(r["risk_never"]), d=points(r["rd"]),
                 lo=points(r["rd_lower"]), hi=points(r["rd_upper"]))  # fmt: skip
    text = t(f"tt_find_{kind}", lang, **words)
    rmst = s.rmst or {}
    if all(rmst.get(x) is not None for x in ("diff", "lower", "upper")):
        d, lo, hi = (_days(rmst[x]) for x in ("diff", "lower", "upper"))
        text += ("" if lang == "zh" else " ") + t("tt_find_rmst", lang, d=d, lo=lo, hi=hi)
    return text


def caveats(s: TrialSummary, lang: str, k: int) -> list[str]:
    """Our other caveats on this support's number (``caveat_<code>`` entries), each once,
    counts below k as "<k". The estimator's ``tt_*`` cautions are not here: those that fail
    the trial's check make it "not judged", worded under the risk table
    (`trial_verdicts.caution_lines`); the others stay in the analysts' log."""
    if not s.estimable:
        return []
    from workbench.reporting.notes import translate

    out: list[str] = []
    for note in s.caveats:
        text = None if str(note.code).startswith("tt_") else translate(note, lang)
        if text and text not in out:
            out.append(scrub_counts(text, k, lang))
    return out


# --- the grace-period sensitivity ----------------------------------------------------------------


def grace_table(trials: dict[str, TrialSummary], lang: str) -> pd.DataFrame | None:
    """The 24-month risk difference (and CI) of each support under each grace period."""
    frames = {c: s.grace for c, s in trials.items() if s.estimable and s.grace is not None}
    if not frames:
        return None
    graces = sorted({float(g) for f in frames.values() for g in f["grace_months"]})
    rows = []
    for code, g in frames.items():
        at = g[g["month"].astype(float) == HEADLINE_MONTH]
        cells = []
        for grace in graces:
            r = at[at["grace_months"].astype(float) == grace]
            if r.empty or as_float(r["rd"].iloc[0]) is None:
                cells.append("–")
                continue
            r = r.iloc[0]
            lo, hi = points(r["rd_lower"]), points(r["rd_upper"])
            cells.append(t("risk_value", lang, r=points(r["rd"]), lo=lo, hi=hi))
        rows.append([name_of(code, lang), *cells])
    columns = [t("col_support", lang), *(t("col_tt_grace", lang, g=f"{g:g}") for g in graces)]
    return pd.DataFrame(rows, columns=columns)


# --- the section ---------------------------------------------------------------------------------


def section_html(trials: dict[str, TrialSummary] | None, params: Any) -> str:
    """The effects section's lead: intro, findings (with their caveats), risks, curves, then
    the protocol, the flow of numbers and the grace-period sensitivity."""
    from workbench.reporting import figure_cache as tf
    from workbench.reporting.markup import figure_html, paragraph, suppress_note, table_html

    if not trials:
        return ""
    lang, k = params.lang, params.suppression_threshold
    first = next(iter(trials.values()))
    parts = [f'<h3 class="wb-question">{esc(t("sec_tt", lang))}</h3>',
             paragraph(t("tt_intro", lang, g=f"{first.grace_months:g}"))]  # fmt: skip
    marks = {c: t("check_mark", lang, n=n) for c, n in caution_marks(trials).items()}
    items = []
    for code, s in trials.items():
        notes = "".join(f'<p class="wb-note">{esc(c)}</p>' for c in caveats(s, lang, k))
        line = not_judged_finding(s, marks[code], lang) if code in marks else finding(s, lang, k)
        items.append(f"<li>{esc(first_upper(line, lang))}{notes}</li>")
    parts.append("<ul>" + "".join(items) + "</ul>")
    risks = risk_table(trials, lang, marks)
    if len(risks):
        parts.append(table_html(risks, t("cap_tt_risks", lang), lang, t("tt_risks_note", lang)))
        parts += [f'<p class="wb-note">{esc(mark)} {esc(line)}</p>'
                  for code, mark in marks.items() for line in caution_lines(trials[code], lang, k)]  # fmt: skip
        svg = tf.trial_curves(trials, lang)
        if svg:
            parts.append(figure_html(svg, t("cap_tt_curves", lang)))
    shown = [s for s in trials.values() if s.estimable]
    if shown:  # a withheld support's protocol would quote a number of fewer than k people
        parts.append(table_html(protocol_table(shown[0], lang), t("cap_tt_protocol", lang), lang))
    flow, n = flow_table(trials, lang, k)
    note = " ".join(x for x in (t("tt_flow_note", lang), suppress_note(n, params)) if x)
    parts.append(table_html(flow, t("cap_tt_flow", lang), lang, note))
    grace = grace_table(trials, lang)
    if grace is not None:
        note = t("tt_grace_note", lang, g=f"{first.grace_months:g}")
        parts.append(table_html(grace, t("cap_tt_grace", lang), lang, note))
    return "".join(parts)


def suppressed_cells(trials: dict[str, TrialSummary] | None, lang: str, k: int) -> int:
    return flow_table(trials, lang, k)[1] if trials else 0


# --- JSON (metrics.json, `workbench effects --json`) --------------------------------------------


def trial_json(s: TrialSummary) -> dict[str, Any] | None:
    """The issue's block: grace_months, horizons [{month, risk_start, risk_never, rd, rd_lower,
    rd_upper}], rmst_diff_days/lower/upper; None when the support is withheld."""
    if not s.estimable:
        return None
    rate = lambda x: None if as_float(x) is None else round(float(x), 4) + 0.0  # noqa: E731
    days = lambda x: None if as_float(x) is None else round(float(x), 1) + 0.0  # noqa: E731
    rmst = s.rmst or {}
    return {
        "grace_months": float(s.grace_months),
        "horizons": [
            {"month": float(r["month"]), **{c: rate(r[c]) for c in HORIZON_KEYS[1:]}}
            for _, r in s.horizons.iterrows()
        ],
        "rmst_diff_days": days(rmst.get("diff")),
        "rmst_diff_lower": days(rmst.get("lower")),
        "rmst_diff_upper": days(rmst.get("upper")),
    }


HORIZON_KEYS = ("month", "risk_start", "risk_never", "rd", "rd_lower", "rd_upper")
TRIAL_KEYS = ("grace_months", "horizons", "rmst_diff_days", "rmst_diff_lower", "rmst_diff_upper")


def check_trial_json(block: object, where: str) -> list[str]:
    """What is wrong with a `target_trial` block (empty when it follows the schema)."""
    if block is None:
        return []
    if not isinstance(block, dict) or tuple(block) != TRIAL_KEYS:
        return [f"{where} keys are {list(block) if isinstance(block, dict) else block!r}, "
                f"expected {list(TRIAL_KEYS)}"]  # fmt: skip
    return [
        f"{where}.horizons[{i}] keys are {list(h)}, expected {list(HORIZON_KEYS)}"
        for i, h in enumerate(block["horizons"])
        if tuple(h) != HORIZON_KEYS
    ]


def trial_text(trials: dict[str, TrialSummary], month: float = HEADLINE_MONTH) -> str:
    """`workbench effects` (human output): one line per support, relapse risk at `month` under
    both strategies, the difference and its CI, the RMST difference (English: the analysts'
    console, like the effects table above it) and the report's verdict from the trial alone
    (`trial_verdicts.cli_verdict`: the summary adds only the sensitivity cross-check)."""
    rows = []
    g = next(iter(trials.values())).grace_months
    for code, s in trials.items():
        if not s.estimable:
            rows.append({"code": code, "risk_start": "–", "risk_never": "–", "rd": "–",
                         "rd_95ci": "not estimable", "rmst_diff_days": "–",
                         "verdict": cli_verdict(s)})  # fmt: skip
            continue
        r = headline(s, month)
        rmst = s.rmst or {}
        rows.append({"code": code, "risk_start": pct(r["risk_start"]),
                     "risk_never": pct(r["risk_never"]), "rd": points(r["rd"]),
                     "rd_95ci": ci_points(r["rd_lower"], r["rd_upper"], "en"),
                     "rmst_diff_days": "–" if rmst.get("diff") is None else _days(rmst["diff"]),
                     "verdict": cli_verdict(s)})  # fmt: skip
    title = t("tt_cli_title", "en", g=f"{g:g}", m=f"{month:g}")
    return title + "\n" + pd.DataFrame(rows).to_string(index=False)
