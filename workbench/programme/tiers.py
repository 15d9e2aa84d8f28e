"""Abstinence tiers against the targets: how many people stayed abstinent for 1, 2 and 3 years,
observed and projected (a fitted retention curve given as a callable ``survival(days)``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from workbench.data.codes import DAYS_PER_MONTH, TIER_TARGETS

# The k-year return visit may fall a few weeks before the anniversary (visits are jittered
# around the schedule); a negative result at it counts as "abstinent for k years".
VISIT_TOLERANCE_DAYS = 30.0

Survival = Callable[[np.ndarray], np.ndarray]


def tier_counts(
    cohort: pd.DataFrame,
    survival: Survival | None = None,
    *,
    years: Sequence[int] = (1, 2, 3),
    by: str | None = "release_year",
) -> pd.DataFrame:
    """Observed and projected numbers of people abstinent for at least 1, 2 and 3 years.

    observed: people seen abstinent at (or after) the k-year return visit with no relapse seen
    before it (lower_day >= k years - VISIT_TOLERANCE_DAYS).
    projected: observed plus, for people still in tracking at the data cut-off whose follow-up has
    not reached k years, their probability of staying abstinent to k years given abstinence up to
    their last negative contact, S(k) / S(L), from `survival`. People who died, were transferred
    or were lost are not projected: the programme no longer follows them.
    Returns one row per group and tier (and a total row per tier when `by` is given).
    """
    rows = []
    groups = (
        [("all", cohort)] if by is None else [*cohort.groupby(by, observed=True), ("all", cohort)]
    )
    for key, frame in groups:
        for k in years:
            observed, projected = _tier(frame, k, survival)
            rows.append(
                {
                    "group": key,
                    "years": int(k),
                    "observed": int(observed),
                    "projected": float(projected) if projected is not None else np.nan,
                    "target": TIER_TARGETS.get(int(k)),
                }
            )
    return pd.DataFrame(rows)


def _tier(frame: pd.DataFrame, years: int, survival: Survival | None) -> tuple[int, float | None]:
    day = years * 12 * DAYS_PER_MONTH
    no_relapse_seen = frame["event"].ne("relapse") | (frame["upper_day"] > day)
    reached = no_relapse_seen & (frame["lower_day"] >= day - VISIT_TOLERANCE_DAYS)
    observed = int(reached.sum())
    if survival is None:
        return observed, None
    pending = (
        frame["event"].eq("censored")
        & frame["censor_reason"].eq("cutoff")
        & ~reached
        & (frame["lower_day"] < day)
    )
    lower = frame.loc[pending, "lower_day"].to_numpy(float)
    s_lower = np.asarray(survival(lower), dtype=float)
    s_day = float(np.asarray(survival(np.array([day])), dtype=float)[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        conditional = np.where(s_lower > 0, np.minimum(s_day / s_lower, 1.0), 0.0)
    return observed, observed + float(conditional.sum())
