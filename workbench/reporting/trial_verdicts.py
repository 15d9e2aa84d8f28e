"""Which support works, as the report says it: one verdict per support, read from its emulated
target trial (the primary estimand: relapse risk by 24 months if everyone eligible started the
support within g months of release vs never, the risk difference and its 95 % CI). The rules,
worded for readers in docs/report_wording.md:

- ``lower`` / ``higher``: the 95 % CI of the 24-month difference, as printed (0.1 point),
  excludes 0 (`target_trial.verdict`); only then may a sentence say "would be X % instead of Y %";
- ``no_clear_difference``: the printed CI includes 0 (no "would", "lower", "helps");
- ``not_judged``: the trial failed a check (`failed_checks`): a positivity caution
  (``tt_positivity``), few starts (``tt_few_starts``), or a weights caution
  (``tt_extreme_weights``) whose effective sample size fell below `LOW_ESS_SHARE` of the people
  followed that month (the same tenth as the sensitivity analyses' low-ESS check,
  `support_checks`). No figure of it in the summary; its row in Support effects keeps its
  numbers with a mark [n] and the caution under the table. A weights caution raised only
  because one weight exceeded the estimator's bound while the effective sample size stayed at
  or above that tenth is not a failed check (the effective sample size already measures how
  much the estimate rests on a few heavily weighted people): it stays in the analysts' log;
- ``not_estimable``: withheld (too few people) or not emulated, with the reason.

The sensitivity analyses (hazard ratio of the time-varying model, day-180 landmark comparison)
are a cross-check: ``disagrees`` is True when their point estimates sit on the other side of no
effect from the trial's (the hazard ratio, and the landmark's extra days when given, agreeing
with each other) and at least one of the two is clear (its printed 95 % CI excludes no effect).
A support whose weighted sensitivity comparison failed its own check is not used to cross-check.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from workbench.effects.findings import verdict as hr_verdict
from workbench.evaluation.results import as_float
from workbench.evaluation.target_trial import FEW_PEOPLE, TrialSummary
from workbench.i18n import t
from workbench.reporting.markup import pct
from workbench.reporting.suppression import count_text
from workbench.reporting.target_trial_figures import name_of, strategy_label

HEADLINE_MONTH = 24
VERDICTS = ("lower", "higher", "no_clear_difference", "not_judged", "not_estimable")
FAILING = ("tt_positivity", "tt_few_starts", "tt_extreme_weights")
LOW_ESS_SHARE = 0.1
FIGURES = ("risk_start", "risk_never", "rd", "rd_lower", "rd_upper")
_WHY = {"tt_extreme_weights": "tv_why_weights", "tt_positivity": "tv_why_positivity",
        "tt_few_starts": "tv_why_few_starts"}  # fmt: skip


def points(x: object) -> str:
    """A risk difference in percentage points with its sign: +1.2, -3.4; "–" when missing."""
    v = as_float(x)
    return "–" if v is None else f"{v * 100:+.1f}".replace("+0.0", "0.0").replace("-0.0", "0.0")


def headline(s: TrialSummary, month: float = HEADLINE_MONTH) -> Any:
    """The horizon row a finding quotes: `month` if estimated, else the middle horizon."""
    h = s.horizons
    at = h[h["month"].astype(float) == float(month)]
    return (at if len(at) else h.iloc[[len(h) // 2]]).iloc[0]


def verdict(lo: object, hi: object) -> str:
    """'lower', 'higher', 'unclear' (the CI as printed, to 0.1 point, includes 0) or 'no_ci'."""
    a, b = as_float(lo), as_float(hi)
    if a is None or b is None:
        return "no_ci"
    a, b = round(a * 100, 1), round(b * 100, 1)
    if b < 0:
        return "lower"
    if a > 0:
        return "higher"
    return "unclear"


def positivity_words(note: Any, lang: str) -> tuple[str, str]:
    """A positivity caveat's covariate and level in the reader's words."""
    from workbench.data import codes
    from workbench.risk.labels import variable_label

    f = dict(note.fields)
    cov, level = str(f.get("covariate", "")), str(f.get("level", ""))
    if cov in codes.KINDS:
        level = codes.label(cov, level, lang)
    elif level in ("0", "1", "0.0", "1.0", "False", "True"):
        level = t("yes" if level in ("1", "1.0", "True") else "no", lang)
    return variable_label(cov, lang), level


def failed_checks(s: TrialSummary) -> list[Any]:
    """The trial's caveats (`Note`s) that fail its check, each once (see the module doc)."""
    out: list[Any] = []
    for note in s.caveats:
        if note.code not in FAILING:
            continue
        if note.code == "tt_extreme_weights":
            share = as_float(dict(note.fields).get("share"))
            if share is not None and share >= LOW_ESS_SHARE:
                continue  # one large weight, but enough weighted data that month
        if note not in out:
            out.append(note)
    return out


def trial_verdict(s: TrialSummary) -> tuple[str, tuple[str, ...]]:
    """(verdict, reasons): reasons are the failed checks' codes (``not_judged``) or why no
    verdict can be given (``not_estimable``: the trial's `withheld` reason, or ``no_ci``)."""
    if not s.estimable:
        return "not_estimable", (str(s.withheld),)
    r = headline(s)
    if as_float(r["risk_start"]) is None or as_float(r["risk_never"]) is None:
        return "not_estimable", (FEW_PEOPLE[0],)
    failed = failed_checks(s)
    if failed:
        return "not_judged", tuple(dict.fromkeys(str(n.code) for n in failed))
    kind = verdict(r["rd_lower"], r["rd_upper"])
    if kind == "no_ci":
        return "not_estimable", ("no_ci",)
    return {"unclear": "no_clear_difference"}.get(kind, kind), ()


def _sensitivity(row: dict, k: int) -> tuple[int, bool]:
    """The sensitivity analyses' direction (-1 fewer relapses, +1 more, 0 none: the hazard
    ratio as printed is 1.00, or the landmark's extra days point the other way) and whether it
    is clear (the printed hazard-ratio CI excludes 1, or the days' CI excludes 0, that way)."""
    hr = [float(row[c]) for c in ("hr", "hr_lower", "hr_upper")]
    days = [float(row.get(c, np.nan)) for c in ("rmst_diff_days", "rmst_diff_lower",
                                                "rmst_diff_upper")]  # fmt: skip
    v = hr_verdict(*hr, int(row["n_exposed"]), k)
    if v == "not estimable":
        return 0, False
    side = -1 if round(hr[0], 2) < 1 else int(round(hr[0], 2) > 1)
    if not np.isfinite(days).all():
        return side, v in ("helps", "may harm")
    if side * days[0] > 0:  # more days abstinent with more relapse (or the reverse)
        return 0, False
    days_clear = (days[1] > 0) if side < 0 else (days[2] < 0)
    return side, v in ("helps", "may harm") or days_clear


NOBODY = "nobody_received"  # reason: no one in the scope had started the support


def _nobody(row: dict | None) -> bool:
    """Whether the effects table says nobody in the scope received the support."""
    n = None if row is None else as_float(row.get("n_exposed"))
    return n == 0


def trial_verdicts(
    trials: dict[str, TrialSummary], results: Any = None, k: int = 10
) -> pd.DataFrame:
    """One row per support: code, verdict, reasons, the headline month's figures (NaN unless
    judged), disagrees (the sensitivity analyses point the other way, see the module doc);
    lower first (largest reduction first), then higher, no clear difference, not judged, not
    estimable."""
    from workbench.reporting.support_checks import failed_supports

    eff = getattr(results, "effects", None)
    sens = {} if eff is None else {str(r["code"]): r for r in eff.to_dict("records")}
    bad = failed_supports(results, k) if results is not None else {}
    rows = []
    for code, s in trials.items():
        v, reasons = trial_verdict(s)
        if v == "not_estimable" and _nobody(sens.get(code)):
            reasons = (NOBODY,)
        row = {"code": code, "verdict": v, "reasons": reasons, "month": float(HEADLINE_MONTH),
               **dict.fromkeys(FIGURES, np.nan), "disagrees": False}  # fmt: skip
        if v in ("lower", "higher", "no_clear_difference"):
            r = headline(s)
            row.update({c: float(r[c]) for c in FIGURES}, month=float(r["month"]))
            here = -1 if round(row["rd"] * 100, 1) < 0 else int(round(row["rd"] * 100, 1) > 0)
            if code in sens and code not in bad:
                there, clear = _sensitivity(sens[code], k)
                row["disagrees"] = here * there == -1 and (clear or v != "no_clear_difference")
        rows.append(row)
    for code, sens_row in sens.items():  # no trial: nobody in the scope received the support
        if code not in trials and _nobody(sens_row):
            rows.append({"code": code, "verdict": "not_estimable", "reasons": (NOBODY,),
                         "month": float(HEADLINE_MONTH), **dict.fromkeys(FIGURES, np.nan),
                         "disagrees": False})  # fmt: skip
    out = pd.DataFrame(rows, columns=["code", "verdict", "reasons", "month", *FIGURES, "disagrees"])
    rank = out["verdict"].map({v: i for i, v in enumerate(VERDICTS)})
    order = np.lexsort((out["rd"].fillna(np.inf).to_numpy(), rank.to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def has_trials(results: Any) -> bool:
    """Whether the report's verdicts come from target trials (else the sensitivity analyses
    are the report's only comparison: randomised arms, baseline groups)."""
    return bool(getattr(results, "target_trials", None))


# --- words ---------------------------------------------------------------------------------------


def why_words(code: str, reasons: tuple[str, ...], lang: str, g: float) -> str:
    """A few words on why a support is not judged or cannot be judged (no figures)."""
    words = []
    for reason in reasons:
        if reason in _WHY:
            words.append(t(_WHY[reason], lang))
        elif reason == NOBODY:
            words.append(t("tv_why_nobody", lang))
        elif reason in FEW_PEOPLE:
            words.append(t("tv_why_too_few", lang))
        elif reason == "tt_no_start_in_grace_month":
            words.append(t("tv_why_no_grace_month", lang, g=f"{g:g}"))
        elif reason == "no_ci":
            words.append(t("tv_why_no_ci", lang))
        else:
            words.append(t("tv_why_failed", lang))
    return t("list_sep", lang).join(dict.fromkeys(words))


def _grace(trials: dict[str, TrialSummary]) -> float:
    return next(iter(trials.values())).grace_months if trials else 6.0


def summary_lines(results: Any, params: Any) -> list[str]:
    """The summary's answer to "which supports help?" from the trials: lower, higher, no clear
    difference (names only: the table under it has the figures), one line per support not
    judged or not estimable (with the reason, no figures), and the cross-check line."""
    lang, k = params.lang, params.suppression_threshold
    trials = results.target_trials
    v = trial_verdicts(trials, results, k)
    g = _grace(trials)
    words = {"g": f"{g:g}", "m": f"{HEADLINE_MONTH:g}"}
    sep = t("list_sep", lang)

    def names(mask: pd.Series) -> str:
        return sep.join(name_of(c, lang) for c in v.loc[mask, "code"])

    lines = []
    for kind, key in (("lower", "tv_sum_lower"), ("higher", "tv_sum_higher"),
                      ("no_clear_difference", "tv_sum_unclear")):  # fmt: skip
        if names(v["verdict"].eq(kind)):
            lines.append(t(key, lang, names=names(v["verdict"].eq(kind)), **words))
    judged = v["verdict"].isin(["lower", "higher", "no_clear_difference"])
    if judged.any() and not v["verdict"].eq("lower").any():
        lines.insert(0, t("tv_sum_none_lower", lang, **words))
    groups: dict[tuple[str, str], list[str]] = {}  # supports with the same reason: one line
    for r in v[~judged].itertuples(index=False):
        why = why_words(r.code, r.reasons, lang, g)
        groups.setdefault((r.verdict, why), []).append(name_of(r.code, lang))
    for (kind, why), group in groups.items():
        key = "tv_sum_not_judged" if kind == "not_judged" else "tv_sum_not_estimable"
        lines.append(t(key, lang, why=why, names=sep.join(group)))
    if v["disagrees"].any():
        lines.append(t("tv_sum_cross_check", lang, names=names(v["disagrees"]),
                       landmark=f"{params.landmark_day:g}"))  # fmt: skip
    return lines


def summary_table(results: Any, params: Any) -> tuple[pd.DataFrame | None, str, str]:
    """(table, caption, rule): one row per support, figures only for the judged ones; no table
    (None) when no support is judged (a table of dashes: the lines say it all)."""
    lang, k = params.lang, params.suppression_threshold
    trials = results.target_trials
    v = trial_verdicts(trials, results, k)
    g = _grace(trials)
    m = f"{HEADLINE_MONTH:g}"

    def sure(r: Any) -> str:
        if r.verdict in ("lower", "higher"):
            return t("sure_fairly_sure", lang)
        if r.verdict == "no_clear_difference":
            return t("sure_not_sure", lang)
        if r.verdict == "not_estimable" and set(r.reasons) <= set(FEW_PEOPLE):
            return t("sure_too_few", lang)
        return t("tv_sure_see_effects", lang)

    def verdict_word(x: str) -> str:
        return t("verdict_not_estimable" if x == "not_estimable" else f"tv_verdict_{x}", lang)

    rows = [
        [name_of(r.code, lang), pct(r.risk_start), pct(r.risk_never),
         "–" if as_float(r.rd) is None else t("risk_value", lang, r=points(r.rd),
                                        lo=points(r.rd_lower), hi=points(r.rd_upper)),
         verdict_word(r.verdict), sure(r)]
        for r in v.itertuples(index=False)
    ]  # fmt: skip
    columns = [t("col_support", lang), t("col_tv_start", lang, g=f"{g:g}"),
               t("col_tv_never", lang), t("col_tv_rd", lang), t("col_verdict", lang),
               t("col_sure", lang)]  # fmt: skip
    judged = v["verdict"].isin(["lower", "higher", "no_clear_difference"]).any()
    table = pd.DataFrame(rows, columns=columns) if judged else None
    cap = t("cap_tv_table", lang, g=f"{g:g}", m=m)
    return table, cap, t("tv_rule", lang, g=f"{g:g}", m=m)


# --- the effects section: marks and cautions -----------------------------------------------------


def caution_marks(trials: dict[str, TrialSummary] | None) -> dict[str, int]:
    """support code -> its mark number [n] (the supports not judged, in the trials' order)."""
    out: dict[str, int] = {}
    for code, s in (trials or {}).items():
        if trial_verdict(s)[0] == "not_judged":
            out[code] = len(out) + 1
    return out


def caution_lines(s: TrialSummary, lang: str, k: int) -> list[str]:
    """The sentences of a trial's failed checks (each once), counts below k as "<k"."""
    from workbench.emulation.diagnostics import FEW_STARTS

    g = f"{s.grace_months:g}"
    out: list[str] = []
    for note in failed_checks(s):
        f = dict(note.fields)
        if note.code == "tt_positivity":
            covariate, level = positivity_words(note, lang)
            text = t("tv_caveat_positivity", lang, covariate=covariate, level=level, g=g)
        elif note.code == "tt_few_starts":
            text = t("tv_caveat_few_starts", lang, g=g, few=FEW_STARTS)
        else:
            share = as_float(f.get("share"))
            extra = "" if share is None else t("tv_caveat_share", lang, share=pct(share),
                                                need=f"{LOW_ESS_SHARE:.0%}")  # fmt: skip
            arm = strategy_label(str(f.get("strategy", "start")), lang, s.grace_months)
            text = t("tv_caveat_weights", lang, arm=arm, month=f.get("month", "–"),
                     ess=count_text(f.get("ess"), k, lang), share=extra)  # fmt: skip
        if text not in out:
            out.append(text)
    return out


def not_judged_finding(s: TrialSummary, mark: str, lang: str) -> str:
    """The effects section's line for a support not judged: no "would", the reason, the mark."""
    _, reasons = trial_verdict(s)
    why = why_words(s.code, reasons, lang, s.grace_months)
    return t("tv_find_not_judged", lang, name=name_of(s.code, lang), mark=mark, why=why)


def cli_verdict(s: TrialSummary) -> str:
    """`workbench effects`' verdict column (English, the analysts' console)."""
    v, reasons = trial_verdict(s)
    word = t("verdict_not_estimable" if v == "not_estimable" else f"tv_verdict_{v}", "en")
    return f"{word} ({', '.join(reasons)})" if reasons else word


def metrics_block(results: Any, k: int) -> dict[str, dict[str, Any]]:
    """support code -> metrics.json's ``verdict`` block (see workbench/reporting/metrics.py)."""
    if has_trials(results):
        v = trial_verdicts(results.target_trials, results, k)
        return {
            str(r.code): {"basis": "target_trial", "value": r.verdict, "month": r.month,
                          "reasons": list(r.reasons), "sensitivity_disagrees": bool(r.disagrees)}
            for r in v.itertuples(index=False)
        }  # fmt: skip
    if getattr(results, "effects", None) is None:
        return {}
    from workbench.reporting.support_checks import failed_supports, sensitivity_verdicts

    failed = failed_supports(results, k)
    return {
        str(r.code): {"basis": "hazard_ratio_rmst", "value": str(r.verdict), "month": None,
                      "reasons": [getattr(c, "code", c) for c in failed.get(str(r.code), [])]
                      if r.verdict == "not_judged" else [],
                      "sensitivity_disagrees": None}
        for r in sensitivity_verdicts(results, k).itertuples(index=False)
    }  # fmt: skip
