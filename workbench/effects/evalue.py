"""E-values (VanderWeele & Ding 2017): how strong an unmeasured confounder would have to be.

The E-value is the minimum risk ratio that an unmeasured confounder would need with both the
support and relapse to explain the estimate away: RR + sqrt(RR (RR - 1)) for RR >= 1 (use 1/RR
below 1). A hazard ratio is first turned into a risk ratio: as it is when relapse is rare
(< 15 % by the end of follow-up), otherwise by the square-root transformation for common
outcomes, RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)) (VanderWeele 2017, as in the R package
EValue, `evalues.HR(rare = FALSE)`). For the CI, the limit nearer 1; 1 when the CI covers 1.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.exceptions import ParameterError

RARE_OUTCOME = 0.15


def hr_to_rr(hr: float, rare: bool) -> float:
    """Risk ratio approximating a hazard ratio (identity when rare, sqrt transform if common)."""
    if not hr > 0:
        raise ParameterError(f"hazard ratio {hr} must be > 0.")
    if rare:
        return float(hr)
    return float((1 - 0.5 ** np.sqrt(hr)) / (1 - 0.5 ** np.sqrt(1 / hr)))


def evalue_rr(rr: float) -> float:
    """E-value of a risk ratio."""
    rr = float(rr)
    if not rr > 0:
        raise ParameterError(f"risk ratio {rr} must be > 0.")
    rr = 1 / rr if rr < 1 else rr
    return float(rr + np.sqrt(rr * (rr - 1)))


def evalue_hr(hr: float, lower: float, upper: float, rare: bool) -> pd.Series:
    """E-values of a hazard ratio and of its CI limit nearer 1."""
    if not (np.isfinite(hr) and hr > 0):
        return pd.Series({"evalue": np.nan, "evalue_ci": np.nan, "rr": np.nan})
    rr = hr_to_rr(hr, rare)
    if not (np.isfinite(lower) and np.isfinite(upper) and lower > 0):
        ci_value = np.nan
    elif lower <= 1 <= upper:
        ci_value = 1.0
    else:
        near = upper if upper < 1 else lower  # the CI limit nearer 1
        ci_value = evalue_rr(hr_to_rr(near, rare))
    return pd.Series({"evalue": evalue_rr(rr), "evalue_ci": ci_value, "rr": rr})


def evalue_table(effects: pd.DataFrame, outcome_risk: float) -> pd.DataFrame:
    """E-value columns for a table with hr, hr_lower, hr_upper; `outcome_risk` decides rarity."""
    rare = outcome_risk < RARE_OUTCOME
    rows = [evalue_hr(r.hr, r.hr_lower, r.hr_upper, rare) for r in effects.itertuples()]
    out = pd.DataFrame(rows, index=effects.index, columns=["evalue", "evalue_ci", "rr"])
    out["approximation"] = "rare outcome: RR = HR" if rare else "common outcome: sqrt(HR) transform"
    return out
