"""Plain-language findings: one sentence per support in Chinese and English (glossary words;
the sentences are catalog entries, ``workbench.i18n.effects``).

`sentence`/`findings` word one measure (the hazard ratio). The report's executive summary uses
`support_verdicts`, which reconciles the two measures of each support by one rule (stated in
the report: `workbench.reporting.text`, key ``verdict_rule``): "helps" only when the relapse-rate and the abstinent-days intervals both sit on the
helpful side; "may harm" when either sits wholly on the harmful side; otherwise "unclear", said
to lean to the harmful side when a point estimate is there, or that the measures disagree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.i18n import t


def verdict(
    hr: float,
    lower: float,
    upper: float,
    n_exposed: int,
    threshold: int = codes.SUPPRESSION_THRESHOLD,
) -> str:
    """helps (CI below 1) / may harm (CI above 1) / no clear effect / not estimable (fewer than
    `threshold` exposed, the report's suppression threshold, or no finite estimate). The CI is
    judged as printed (2 decimals): an upper limit shown as 1.00 reaches 1."""
    if n_exposed < threshold or not np.isfinite([hr, lower, upper]).all():
        return "not estimable"
    if round(upper, 2) < 1:
        return "helps"
    if round(lower, 2) > 1:
        return "may harm"
    return "no clear effect"


def _ci(hr, lower, upper, lang):
    return t("effects_ci", lang, hr=hr, lower=lower, upper=upper)


def _evalue_clause(evalue, lang) -> str:
    if evalue is None or not np.isfinite(evalue):
        return ""
    return t("effects_evalue_clause", lang, evalue=evalue)


VERDICT_KEYS = {"helps": "effects_helps", "no clear effect": "effects_no_clear_effect",
                "may harm": "effects_may_harm"}  # fmt: skip


def sentence(
    code: str,
    hr,
    lower,
    upper,
    n_exposed: int,
    lang: str = "en",
    evalue=None,
    threshold: int = codes.SUPPRESSION_THRESHOLD,
) -> str:
    """One sentence for one support, from its hazard ratio and CI (and E-value, if given)."""
    name = codes.label("intervention", code, lang)
    v = verdict(hr, lower, upper, n_exposed, threshold)
    if v == "not estimable":  # enough received it (the PWE's min_exposed is the threshold):
        key = "effects_not_estimable" if n_exposed < threshold else "effects_too_few_relapses"
        return t(key, lang, name=name, threshold=threshold)
    ci = _ci(hr, lower, upper, lang)
    pct = abs(1 - hr) * 100
    e = _evalue_clause(evalue, lang) if v != "no clear effect" else ""
    return t(VERDICT_KEYS[v], lang, name=name, pct=pct, ci=ci, e=e)


def findings(effects: pd.DataFrame, threshold: int = codes.SUPPRESSION_THRESHOLD) -> pd.DataFrame:
    """code, verdict, zh, en for a table with code, n_exposed, hr, hr_lower, hr_upper (and
    `evalue`: then a clause on how strong unmeasured confounding would have to be). A support
    with fewer than `threshold` (the report's suppression threshold) exposed is not estimable."""
    rows = []
    for r in effects.itertuples():
        args = (r.code, r.hr, r.hr_lower, r.hr_upper, int(r.n_exposed))
        e = getattr(r, "evalue", None)
        rows.append(
            {
                "code": r.code,
                "verdict": verdict(*args[1:], threshold),
                "zh": sentence(*args, lang="zh", evalue=e, threshold=threshold),
                "en": sentence(*args, lang="en", evalue=e, threshold=threshold),
            }
        )
    return pd.DataFrame(rows)


SUPPORT_VERDICTS = ("helps", "may_harm", "unclear_harm_side", "unclear_mixed", "unclear_one",
                    "unclear", "not_estimable")  # fmt: skip


def reconcile(hr, hr_lower, hr_upper, days, days_lower, days_upper, n_exposed, threshold):
    """(verdict, how sure) of one support from its hazard ratio and its extra abstinent days
    (restricted mean difference) with their 95 % intervals; see `RULE`."""
    if n_exposed < threshold or not np.isfinite([hr, hr_lower, hr_upper]).all():
        return "not_estimable", "too_few"
    has_days = bool(np.isfinite([days, days_lower, days_upper]).all())
    hr_good, hr_bad = hr_upper < 1, hr_lower > 1
    days_good = has_days and days_lower > 0
    days_bad = has_days and days_upper < 0
    if hr_good and days_good:
        return "helps", "fairly_sure"
    if hr_bad or days_bad:
        both = hr_bad and days_bad
        return "may_harm", "fairly_sure" if both else "not_sure"
    harm_side = hr >= 1 or (has_days and days < 0)
    good_side = hr < 1 or (has_days and days > 0)
    if harm_side and good_side:  # the point estimates point different ways
        return "unclear_mixed", "not_sure"
    if harm_side:
        return "unclear_harm_side", "not_sure"
    if hr_good and not has_days:  # the days are withheld (e.g. balance not achieved)
        return "unclear_one", "not_sure"
    if hr_good or days_good:  # one measure says it helps, the other cannot confirm it
        return "unclear_mixed", "not_sure"
    return "unclear", "not_sure"


def support_verdicts(effects: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """One row per support, ranked by extra abstinent days (largest first, unknown last):
    code, verdict, sure, days, days_lower, days_upper, risk, risk_lower, risk_upper (relative
    change of the relapse rate, hr - 1), agree (both measures on the same side)."""
    rows = []
    for r in effects.to_dict("records"):
        days = [float(r.get(k, np.nan)) for k in ("rmst_diff_days", "rmst_diff_lower",
                                                  "rmst_diff_upper")]  # fmt: skip
        hr = [float(r[k]) for k in ("hr", "hr_lower", "hr_upper")]
        v, sure = reconcile(*hr, *days, int(r["n_exposed"]), threshold)
        shown = v != "not_estimable"
        rows.append(
            {
                "code": r["code"],
                "verdict": v,
                "sure": sure,
                **dict(
                    zip(
                        ("days", "days_lower", "days_upper"),
                        days if shown else [np.nan] * 3,
                        strict=True,
                    )
                ),  # fmt: skip
                **dict(
                    zip(
                        ("risk", "risk_lower", "risk_upper"),
                        [x - 1 for x in hr] if shown else [np.nan] * 3,
                        strict=True,
                    )
                ),  # fmt: skip
            }
        )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    key = out["days"].where(out["verdict"].ne("not_estimable"))
    return (
        out.assign(_k=key.fillna(-np.inf))
        .sort_values("_k", ascending=False, kind="stable")
        .drop(columns="_k")
        .reset_index(drop=True)
    )
