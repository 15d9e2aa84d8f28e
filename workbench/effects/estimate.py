"""Result objects of the effect analyses (their bootstrap: `workbench.stats.bootstrap`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.effects.methods import english
from workbench.i18n import Text


@dataclass(frozen=True)
class EffectEstimate:
    """One support's hazard ratio with its confidence interval, method and caveats.

    `method` is the English label (JSON, API); `method_text` the same label as catalog parts."""

    intervention: str
    hazard_ratio: float
    ci: tuple[float, float]
    method: str
    n_exposed: int = 0
    ci_model: tuple[float, float] = (np.nan, np.nan)
    se_log_hr: float = np.nan
    notes: tuple[str, ...] = ()
    method_text: tuple[Text, ...] = ()

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "code": self.intervention,
                    "n_exposed": self.n_exposed,
                    "hr": self.hazard_ratio,
                    "hr_lower": self.ci[0],
                    "hr_upper": self.ci[1],
                    "hr_lower_model": self.ci_model[0],
                    "hr_upper_model": self.ci_model[1],
                    "method": self.method,
                    "notes": " ".join(self.notes),
                }
            ]
        )


def not_estimable(
    code: str, n_exposed: int, method_text: tuple[Text, ...], threshold: int
) -> EffectEstimate:
    """A placeholder estimate (NaN) for a support with too few exposed people."""
    return EffectEstimate(
        intervention=code,
        hazard_ratio=np.nan,
        ci=(np.nan, np.nan),
        method=english(method_text),
        method_text=method_text,
        n_exposed=n_exposed,
        notes=(f"not estimable: too few exposed (fewer than {threshold}).",),
    )
