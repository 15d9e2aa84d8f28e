"""Plain-language findings: one sentence per support in Chinese and English (glossary words)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench import codes

VERDICTS = ("helps", "no clear effect", "may harm", "not estimable")


def verdict(
    hr: float,
    lower: float,
    upper: float,
    n_exposed: int,
    threshold: int = codes.SUPPRESSION_THRESHOLD,
) -> str:
    """helps (CI below 1) / may harm (CI above 1) / no clear effect / not estimable (fewer than
    `threshold` exposed, the report's suppression threshold, or no finite estimate)."""
    if n_exposed < threshold or not np.isfinite([hr, lower, upper]).all():
        return "not estimable"
    if upper < 1:
        return "helps"
    if lower > 1:
        return "may harm"
    return "no clear effect"


def _ci(hr, lower, upper, lang):
    if lang == "zh":
        return f"风险比{hr:.2f}，95%置信区间{lower:.2f}–{upper:.2f}"
    return f"hazard ratio {hr:.2f}, 95% confidence interval {lower:.2f}–{upper:.2f}"


def _evalue_clause(evalue, lang) -> str:
    if evalue is None or not np.isfinite(evalue):
        return ""
    if lang == "zh":
        return f"；未测量的混杂因素须与帮扶和复吸都有至少{evalue:.1f}倍的关联才能完全解释这一结果（E值）"
    return (
        f"; an unmeasured confounder would need a risk ratio of at least {evalue:.1f} with both "
        "the support and relapse to explain it away (E-value)"
    )


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
    if v == "not estimable":
        if lang == "zh":
            return f"{name}：接受帮扶人数少于{threshold}人，不予估计。"
        return f"{name}: not estimable — fewer than {threshold} people received it."
    ci = _ci(hr, lower, upper, lang)
    pct = abs(1 - hr) * 100
    e = _evalue_clause(evalue, lang) if v != "no clear effect" else ""
    if lang == "zh":
        text = {
            "helps": f"{name}有助于保持操守：复吸风险降低{pct:.0f}%（{ci}）{e}。",
            "no clear effect": f"{name}：未见明确效果（{ci}）。",
            "may harm": f"{name}：复吸风险可能升高{pct:.0f}%（{ci}）{e}，需进一步核查。",
        }
        return text[v]
    text = {
        "helps": f"{name} helps people stay abstinent: relapse rate lower by {pct:.0f}% ({ci}){e}.",
        "no clear effect": f"{name}: no clear effect ({ci}).",
        "may harm": f"{name} may harm: relapse rate higher by {pct:.0f}% ({ci}){e}; check further.",
    }
    return text[v]


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
