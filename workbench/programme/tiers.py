"""Abstinence tiers against the targets: how many people stayed abstinent for 1, 2 and 3 years,
observed and projected (a fitted retention curve given as a callable ``survival(days)``).

A projection may also allow for people who will leave tracking before the k-year visit (death,
transfer, loss): `staying_in_tracking` is the Kaplan–Meier curve of leaving for those reasons,
and `tier_counts(..., staying=...)` multiplies each pending person's chance by it. The backtest
(`workbench.programme.backtest`) showed why: without it, the 12-month count projected two years
before the cut-off overshot what happened by about the people who left tracking meanwhile."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from workbench.data.codes import DAYS_PER_MONTH, TIER_TARGETS, TRACKING_DAYS

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
    staying: Survival | None = None,
) -> pd.DataFrame:
    """Observed and projected numbers of people abstinent for at least 1, 2 and 3 years.

    observed: people seen abstinent at (or after) the k-year return visit with no relapse seen
    before it (lower_day >= k years - VISIT_TOLERANCE_DAYS).
    projected: observed plus, for people still in tracking at the data cut-off whose follow-up has
    not reached k years, their probability of staying abstinent to k years given abstinence up to
    their last negative contact, S(k) / S(L), from `survival` (times G(k - tolerance) / G(L), their
    chance of still being followed, when `staying` = G is given). People who died, were transferred or
    were lost are not projected: the programme no longer follows them.
    Returns one row per group and tier (and a total row per tier when `by` is given).
    """
    rows = []
    groups = (
        [("all", cohort)] if by is None else [*cohort.groupby(by, observed=True), ("all", cohort)]
    )
    for key, frame in groups:
        for k in years:
            observed, q = pending_chances(frame, k, survival, staying)
            projected = None if q is None else observed + float(q.sum())
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


def pending_chances(
    frame: pd.DataFrame, years: int, survival: Survival | None, staying: Survival | None = None
) -> tuple[int, np.ndarray | None]:
    """(observed k-year count, each pending person's chance of joining it) — see `tier_counts`;
    the chances are None without `survival`."""
    observed, lower = pending_days(frame, years)
    if survival is None:
        return observed, None
    return observed, chances(lower, years, survival, staying)


def pending_days(frame: pd.DataFrame, years: int) -> tuple[int, np.ndarray]:
    """(observed k-year count, last relapse-free day of each person still pending at the
    cut-off: in tracking, relapse-free, the k-year visit not yet reached)."""
    day = years * 12 * DAYS_PER_MONTH
    no_relapse_seen = frame["event"].ne("relapse") | (frame["upper_day"] > day)
    reached = no_relapse_seen & (frame["lower_day"] >= day - VISIT_TOLERANCE_DAYS)
    pending = (
        frame["event"].eq("censored")
        & frame["censor_reason"].eq("cutoff")
        & ~reached
        & (frame["lower_day"] < day)
    )
    return int(reached.sum()), frame.loc[pending, "lower_day"].to_numpy(float)


def chances(
    lower: np.ndarray, years: int, survival: Survival, staying: Survival | None = None
) -> np.ndarray:
    """Each pending person's chance of reaching the k-year tier: S(k)/S(L) (x G(k - tolerance)/
    G(L): leaving tracking after a contact at or after k years - tolerance is too late to
    matter)."""
    day = years * 12 * DAYS_PER_MONTH
    chance = _conditional(survival, lower, day)
    if staying is not None:
        chance = chance * _conditional(staying, lower, day - VISIT_TOLERANCE_DAYS)
    return chance


def _conditional(curve: Survival, lower: np.ndarray, day: float) -> np.ndarray:
    s_lower = np.asarray(curve(lower), dtype=float)
    s_day = float(np.asarray(curve(np.array([day])), dtype=float)[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s_lower > 0, np.minimum(s_day / s_lower, 1.0), 0.0)


LEAVING = ("lost", "transferred")


def leaving_data(cohort: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's (day, 1 if it left tracking then else 0) for `staying_in_tracking`.

    Tracking ends after 3 years, so a relapse-free person who misses the final visit has no later
    contact and cannot reach the 3-year tier: their tracking ended with the last relapse-free
    contact before the final visit's window (TRACKING_DAYS - VISIT_TOLERANCE_DAYS). They count
    as leaving just before that window (the backtest found the 3-year projection made two years
    earlier too high by about these people)."""
    died = cohort["event"].astype(str).eq("death").to_numpy()
    left = cohort["event"].eq("censored") & cohort["censor_reason"].isin(LEAVING)
    time = np.where(died, cohort["death_day"].to_numpy(float), cohort["last_day"].to_numpy(float))
    relapse = cohort["event"].eq("relapse").to_numpy()
    time = np.where(relapse, cohort["lower_day"].to_numpy(float), time)
    time = np.where(np.isfinite(time), time, cohort["lower_day"].to_numpy(float))
    window = TRACKING_DAYS - VISIT_TOLERANCE_DAYS
    missed = (
        cohort["event"].eq("censored")
        & cohort["censor_reason"].eq("end_of_tracking")
        & (cohort["lower_day"] < window)
    ).to_numpy()
    time = np.where(missed, window - 1.0, time)
    return np.maximum(time, 0.0), (died | left.to_numpy() | missed).astype(int)


def staying_in_tracking(cohort: pd.DataFrame) -> Survival:
    """G(t): the Kaplan–Meier chance of not having left tracking by day t through death,
    transfer or loss (leaving at the last contact, a death at its day), relapse-free people and
    relapses censored at their last known relapse-free day, the cut-off censoring the rest."""
    from workbench.retention.km import KaplanMeier

    time, left = leaving_data(cohort)
    fit = KaplanMeier().fit(time, left)

    def staying(days: np.ndarray) -> np.ndarray:
        curve = fit.survival_at(np.asarray(days, float))["survival"]
        last = float(fit.table_["survival"].iloc[-1]) if len(fit.table_) else 1.0
        return curve.fillna(last).to_numpy(float)  # beyond the last time: its last value

    return staying
