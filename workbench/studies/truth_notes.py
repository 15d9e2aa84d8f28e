"""What an analysis of simulated data says about a support with no true effect (true hazard
ratio 1), in sentences that stay true whatever the interval: notebook 03's sections 2 and 7.

- `null_notes(side_by_side, truth, lang)`: per null support, the naive and the adjusted hazard
  ratio with the adjusted 95 % CI, and whether that interval (as printed, 2 decimals) includes 1.
  When it does not, the sentence says the model misses the truth here (chance or confounding it
  does not remove), not that the support harms or helps.
- `null_findings(effects, truth, lang)`: after the plain-language findings, per null support
  whose interval misses 1, that its finding is an association left after adjustment.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.i18n import t


def _null(frame: pd.DataFrame, truth: Mapping[str, float] | None) -> pd.DataFrame:
    """The rows of supports whose true hazard ratio is 1, with a finite estimate and CI."""
    if not truth:
        return frame.iloc[:0]
    is_null = [abs(float(truth.get(c, np.nan)) - 1) < 1e-9 for c in frame["code"]]
    rows = frame[is_null]
    return rows[np.isfinite(rows[["hr", "hr_lower", "hr_upper"]].to_numpy(float)).all(axis=1)]


def includes_one(lower: float, upper: float) -> bool:
    """The 95 % CI, as printed (2 decimals, as `effects.findings.verdict` judges it), holds 1."""
    return round(float(lower), 2) <= 1 <= round(float(upper), 2)


def null_notes(
    side_by_side: pd.DataFrame, truth: Mapping[str, float] | None, lang: str
) -> list[str]:
    """One sentence per null support of `side_by_side` (code, hr, hr_lower, hr_upper, naive_hr)."""
    out = []
    for r in _null(side_by_side, truth).itertuples():
        key = (
            "nb_truth_null_covered"
            if includes_one(r.hr_lower, r.hr_upper)
            else "nb_truth_null_missed"
        )
        out.append(t(key, lang, name=codes.label("intervention", r.code, lang), naive=r.naive_hr,
                     hr=r.hr, lower=r.hr_lower, upper=r.hr_upper))  # fmt: skip
    return out


def null_findings(effects: pd.DataFrame, truth: Mapping[str, float] | None, lang: str) -> list[str]:
    """Per null support of `effects` whose interval misses 1 (its finding then says lower or
    higher risk): that this is an association left after adjustment, not an effect."""
    rows = _null(effects, truth)
    return [
        t("nb_truth_null_finding", lang, name=codes.label("intervention", r.code, lang))
        for r in rows.itertuples()
        if not includes_one(r.hr_lower, r.hr_upper)
    ]
