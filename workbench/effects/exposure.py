"""Support exposures: time-varying start days and landmark exposure; outcomes are refused.

Awards and typical-case tiers (codes.OUTCOME_CODES) follow abstinence, so using them as an
exposure would credit the "support" with the abstinence that selected people for it.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from workbench import codes
from workbench.exceptions import ParameterError


def check_exposures(names: Iterable[str]) -> list[str]:
    """Return `names` as a list; refuse outcome codes (awards, typical-case tiers)."""
    names = [str(n) for n in names]
    for name in names:
        if name in codes.OUTCOME_CODES or name in codes.TIERS:
            raise ParameterError(
                f"{name!r} is an outcome (people are selected for it because they stayed "
                "abstinent); it cannot be a support exposure. Choose among: "
                f"{', '.join(codes.INTERVENTIONS)}."
            )
    if len(set(names)) != len(names):
        raise ParameterError(f"exposures are listed twice: {names}; list each once.")
    return names


def exposure_starts_for(ds, exposures: Iterable[str] | None = None) -> pd.DataFrame:
    """Exposure start days (index release_id, NaN = never) from a Dataset, outcomes refused."""
    from workbench.cohort import exposure_starts

    if exposures is None:
        return exposure_starts(ds)
    return exposure_starts(ds, check_exposures(exposures))


def ever_exposed(cohort: pd.DataFrame, starts: pd.DataFrame) -> pd.DataFrame:
    """Naive 'ever received' 0/1 columns (any start during follow-up), indexed like `cohort`."""
    s = starts.reindex(cohort["release_id"].to_numpy())
    last = cohort["last_day"].to_numpy(float)
    flags = {c: (s[c].to_numpy(float) <= last).astype(int) for c in starts.columns}
    return pd.DataFrame(flags, index=cohort.index)
