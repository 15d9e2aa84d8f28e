"""The result of a weighted comparison of one support (`WeightedComparison`) and the plain
sentences that go with it: the estimand, whether balance was achieved, and the number needed to
treat (given only when the risk difference's CI excludes 0 and balance is achieved)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from workbench.effects.propensity import BALANCE_THRESHOLD
from workbench.i18n import Text, t

ESTIMAND_NOTE = {
    "overlap": (
        "Overlap weights: the comparison describes people who could plausibly have received "
        "the support or not (the overlap population, ATO), not the whole cohort (ATE)."
    ),
    "ATE": "ATE weights: the comparison describes the whole cohort at the landmark.",
    "ATT": "ATT weights: the comparison describes the people who received the support.",
}


def unbalanced_note(smd: float) -> str:
    """Plain sentence: why a weighted comparison is not a finding."""
    return (
        f"Balance not achieved: after weighting the groups still differ on at least one "
        f"characteristic (largest |SMD| {smd:.2f}, target below {BALANCE_THRESHOLD:g}), so "
        "the weighted comparison is not like with like and is not reported as a finding."
    )


def number_needed_to_treat(rd: float, rd_ci, balanced: bool = True) -> float:
    """1 / |risk difference|, only when its CI excludes 0 and balance is achieved (else NaN)."""
    lo, hi = rd_ci
    if not balanced or not np.isfinite([rd, lo, hi]).all() or lo <= 0 <= hi or rd == 0:
        return float("nan")
    return float(1 / abs(rd))


@dataclass(frozen=True)
class WeightedComparison:
    """Weighted effect of one support: HR, risk difference, NNT, RMST difference, with CIs."""

    intervention: str
    n_exposed: int
    n_unexposed: int
    hazard_ratio: float
    hr_ci: tuple[float, float]
    hr_ci_model: tuple[float, float]
    risk_difference: float
    risk_difference_ci: tuple[float, float]
    nnt: float
    rmst_difference: float
    rmst_difference_ci: tuple[float, float]
    risk_day: float
    horizon_day: float
    landmark_day: float
    method: str
    curves: pd.DataFrame
    notes: tuple[str, ...] = ()
    estimand: str = "overlap"
    max_abs_smd: float = 0.0
    balance_achieved: bool = True
    method_text: tuple[Text, ...] = ()  # `method` as catalog parts (workbench.i18n.methods)
    estimable: bool = field(default=True, init=False)  # as `_base.NotEstimable.estimable`

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "code": self.intervention,
                    "n_exposed": self.n_exposed,
                    "n_unexposed": self.n_unexposed,
                    "hr": self.hazard_ratio,
                    "hr_lower": self.hr_ci[0],
                    "hr_upper": self.hr_ci[1],
                    "risk_diff": self.risk_difference,
                    "risk_diff_lower": self.risk_difference_ci[0],
                    "risk_diff_upper": self.risk_difference_ci[1],
                    "nnt": self.nnt,
                    "rmst_diff_days": self.rmst_difference,
                    "rmst_diff_lower": self.rmst_difference_ci[0],
                    "rmst_diff_upper": self.rmst_difference_ci[1],
                    "horizon_days": self.horizon_day,
                    "estimand": self.estimand,
                    "max_abs_smd": self.max_abs_smd,
                    "balance": "achieved" if self.balance_achieved else "not achieved",
                    "method": self.method,
                    "notes": " ".join(self.notes),
                }
            ]
        )

    def balance_statement(self) -> str:
        """Plain sentence: is the weighted comparison like with like (and so a finding)?"""
        if not self.balance_achieved:
            return unbalanced_note(self.max_abs_smd)
        return (
            f"Balance achieved: after weighting every characteristic's |SMD| is below "
            f"{BALANCE_THRESHOLD:g} (largest {self.max_abs_smd:.3f}), so the two groups compare "
            "like with like on what was measured."
        )

    def plot(self, ax=None, lang: str = "en"):
        """Adjusted retention curves of both arms with bootstrap bands."""
        import matplotlib.pyplot as plt

        from workbench.plots import step_band

        ax = ax or plt.gca()
        c = self.curves
        for arm in ("exposed", "unexposed"):
            band = (c[f"{arm}_lower"], c[f"{arm}_upper"]) if f"{arm}_lower" in c else (None, None)
            step_band(ax, c["day"], c[arm], *band, label=t(f"effects_arm_{arm}", lang))
        ax.set_xlabel(t("effects_days_since_release", lang))
        ax.set_ylabel(t("effects_retention", lang))
        ax.set_ylim(0, 1)
        ax.legend()
        return ax
