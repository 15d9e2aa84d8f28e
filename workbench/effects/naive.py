"""The naive analysis, shown only to expose its bias: 'ever received' support vs never.

Cox (lifelines, Efron ties) on a baseline indicator of ever receiving each support during
follow-up, relapse at the first visit that found it (R), without confounders. It credits support
with the time people had to stay abstinent to receive it (immortal time) and with the motivation
that got them picked (confounding); both push hazard ratios below 1. Always labelled naive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.data.codes import SUPPRESSION_THRESHOLD
from workbench.effects.exposure import check_exposures

LABEL = "NAIVE (biased: immortal time and confounding) ever vs never, Cox"


def naive_effects(
    cohort: pd.DataFrame,
    starts: pd.DataFrame,
    exposures=None,
    min_exposed: int = SUPPRESSION_THRESHOLD,
) -> pd.DataFrame:
    """One row per exposure: code, n_exposed, hr, hr_lower, hr_upper, method (labelled naive).
    An exposure with fewer than `min_exposed` (the suppression threshold) ever exposed, or
    fewer than that never exposed, gets no estimate."""
    from lifelines import CoxPHFitter

    exposures = check_exposures(exposures or list(starts.columns))
    upper = cohort["upper_day"].to_numpy(float)
    relapse = np.isfinite(upper)
    stop = np.where(relapse, upper, cohort["last_day"].to_numpy(float))
    s = starts.reindex(cohort["release_id"].to_numpy())
    ever = {e: (s[e].to_numpy(float) <= stop).astype(int) for e in exposures}
    usable = [e for e in exposures if min_exposed <= ever[e].sum() <= len(stop) - min_exposed]
    df = pd.DataFrame({"t": np.maximum(stop, 1e-6), "e": relapse.astype(int), **ever})
    rows = {e: (np.nan, np.nan, np.nan) for e in exposures}
    if usable:
        cph = CoxPHFitter().fit(df[["t", "e", *usable]], "t", "e")
        ci = np.exp(cph.confidence_intervals_.to_numpy())
        for j, e in enumerate(usable):
            rows[e] = (float(np.exp(cph.params_[e])), ci[j, 0], ci[j, 1])
    return pd.DataFrame(
        [
            {
                "code": e,
                "n_exposed": int(ever[e].sum()),
                "hr": rows[e][0],
                "hr_lower": rows[e][1],
                "hr_upper": rows[e][2],
                "method": LABEL,
            }
            for e in exposures
        ]
    )
