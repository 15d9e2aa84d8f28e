"""Projections that are checked: "last time we projected X, Y happened".

`backtest(records, years_back=2)` cuts the visit records at an earlier date (the cut-off minus
`years_back` years: releases after it are left out, records after it unseen), makes the
projections the report makes from what was known then, and sets them beside what the full data
show for the same releases:

- tier counts (people abstinent 1, 2, 3 years; `workbench.programme.tiers`): projected then =
  observed then + each pending person's chance S(k)/S(L) x G(k)/G(L) (relapse curve S from the
  Turnbull NPMLE, G the chance of still being followed, `staying_in_tracking`); its interval
  (`PROJECTION_Z` = 1.96) adds the relapse curve's uncertainty (the variance of the projection
  over the NPMLE's bootstrap replicates, G fixed), the leaving curve's (the variance over as many
  Kaplan–Meier fits of G on releases resampled with replacement, S fixed; `staying_replicates`)
  and the people's own chance (sum of q(1 - q), a sum of independent yes/no outcomes). The two
  curves' variances are added: S treats leaving as censoring and G treats relapse as censoring,
  and such estimates of two competing causes are asymptotically uncorrelated. What happened = the count observed in the full data; where
  someone's k-year visit is still ahead at the full cut-off (2- and 3-year tiers), the full
  data's own projection is added and the row says so (`complete` False).
- retention at 12, 24 and 36 months: the NPMLE then and now on the same releases, each with its
  percentile-bootstrap CI (NaN where the earlier data do not reach the milestone).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench._base import DEFAULT_SEED
from workbench.exceptions import EstimationError
from workbench.programme.tiers import (
    Survival,
    chances,
    leaving_data,
    pending_chances,
    pending_days,
    staying_in_tracking,
)

YEARS_BACK = 2
PROJECTION_Z = 1.959964
BACKTEST_MONTHS = (12, 24, 36)
TIER_COLUMNS = ["years", "projected", "lower", "upper", "observed_then", "actual", "complete"]
CURRENT_COLUMNS = ["years", "observed", "projected", "lower", "upper"]
RETENTION_COLUMNS = ["months", "then", "then_lower", "then_upper", "now", "now_lower", "now_upper"]


@dataclass(frozen=True)
class Backtest:
    """The projection check: the earlier cut-off, the releases it covers, and two tables
    (TIER_COLUMNS, RETENTION_COLUMNS)."""

    cutoff_then: str
    cutoff_now: str
    n_releases: int
    tiers: pd.DataFrame
    retention: pd.DataFrame
    current: pd.DataFrame | None = None  # today's projections with the same interval (CURRENT)


def cut_records(records, cutoff: object):
    """The visit-record dataset as it stood at `cutoff`: releases after it left out (records
    after it are ignored by the cohort builder)."""
    from workbench.cohort.contract import scoped_dataset

    when = pd.Timestamp(cutoff)
    releases = records.releases
    keep = releases.loc[pd.to_datetime(releases["release_date"]) <= when, "release_id"]
    if keep.empty:
        raise EstimationError("backtest_no_releases")
    return dataclasses.replace(scoped_dataset(records, keep), cutoff=when)


def _fitter(table: pd.DataFrame, n_bootstrap: int, seed: int, n_jobs: int, scheduler):
    from workbench.retention.turnbull import TurnbullFitter

    relapse = table["event"].astype(str).eq("relapse").to_numpy()
    upper = np.where(relapse, table["upper_day"].to_numpy(float), np.nan)
    fit = TurnbullFitter(n_bootstrap=n_bootstrap, seed=seed, n_jobs=n_jobs, scheduler=scheduler)
    return fit.fit(table["lower_day"].to_numpy(float), upper)


def _curve(drops: np.ndarray, masses: np.ndarray):
    from workbench.stats.npmle import step_survival

    return lambda days: step_survival(drops, masses, np.asarray(days, float))


def projection(
    table: pd.DataFrame,
    fitter,
    years: int,
    staying_reps: Sequence[Survival] = (),
    staying: Survival | None = None,
) -> dict[str, float]:
    """Observed k-year count, its projection and 95 % interval (module doc) from a fitted
    Turnbull curve with bootstrap replicates and `staying_reps`, replicates of G; `staying`:
    `staying_in_tracking(table)` when already computed (one per table, not one per year)."""
    staying = staying_in_tracking(table) if staying is None else staying
    observed, lower = pending_days(table, years)
    q = chances(lower, years, fitter.survival_at, staying)
    var = _variance([chances(lower, years, _curve(d, p), staying) for d, p in fitter.replicates()])
    var += _variance([chances(lower, years, fitter.survival_at, g) for g in staying_reps])
    var += float(np.sum(q * (1 - q)))
    half = PROJECTION_Z * np.sqrt(var)
    projected = observed + float(q.sum())
    return {
        "observed": observed,
        "projected": projected,
        "lower": max(projected - half, float(observed)),
        "upper": projected + half,
    }


def _variance(replicates: list[np.ndarray]) -> float:
    sums = [float(r.sum()) for r in replicates]
    return float(np.var(sums, ddof=1)) if len(sums) > 1 else 0.0


def staying_replicates(table: pd.DataFrame, n: int, seed: int = DEFAULT_SEED) -> list[Survival]:
    """`n` bootstrap replicates of `staying_in_tracking` (releases resampled with replacement,
    seeded): the same Kaplan–Meier curve, computed from resampling counts on the distinct days."""
    time, left = leaving_data(table)
    days, where = np.unique(time, return_inverse=True)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 7]))
    out = []
    for _ in range(int(n)):
        w = np.bincount(rng.integers(0, time.size, time.size), minlength=time.size)
        events = np.bincount(where, w * left, minlength=days.size)
        at_risk = np.bincount(where, w, minlength=days.size)[::-1].cumsum()[::-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(at_risk > 0, 1.0 - events / at_risk, 1.0)
        out.append(_step_curve(days, np.cumprod(step)))
    return out


def _step_curve(days: np.ndarray, values: np.ndarray) -> Survival:
    def curve(t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(days, np.asarray(t, float), side="right") - 1
        return np.where(i >= 0, values[np.clip(i, 0, None)], 1.0)

    return curve


def current_projection(
    table: pd.DataFrame,
    years: Sequence[int] = (1, 2, 3),
    n_bootstrap: int = 100,
    seed: int = DEFAULT_SEED,
    n_jobs: int = 1,
    scheduler=None,
) -> pd.DataFrame:
    """Today's tier projections (as `workbench.programme.tiers.tier_counts` with `staying`) with
    the backtest's 95 % interval (CURRENT_COLUMNS)."""
    fit = _fitter(table, n_bootstrap, seed, n_jobs, scheduler)
    reps = staying_replicates(table, n_bootstrap, seed)
    staying = staying_in_tracking(table)
    rows = [{"years": int(k), **projection(table, fit, int(k), reps, staying)} for k in years]
    return pd.DataFrame(rows, columns=CURRENT_COLUMNS)


def backtest(
    records,
    years_back: float = YEARS_BACK,
    years: Sequence[int] = (1, 2, 3),
    months: Sequence[float] = BACKTEST_MONTHS,
    n_bootstrap: int = 200,
    seed: int = DEFAULT_SEED,
    n_jobs: int = 1,
    scheduler=None,
) -> Backtest:
    """The projection check on a visit-record dataset (module doc)."""
    from workbench.cohort.contract import as_cohort, scoped_dataset

    now = pd.Timestamp(records.cutoff)
    then = (
        now - pd.DateOffset(years=int(years_back))
        if float(years_back).is_integer()
        else (now - pd.Timedelta(days=round(float(years_back) * 365.25)))
    )
    early = as_cohort(cut_records(records, then)).table
    if early["event"].astype(str).eq("relapse").sum() == 0:
        raise EstimationError("no_relapse")
    late = as_cohort(scoped_dataset(records, early["release_id"])).table
    opts = {"seed": seed, "n_jobs": n_jobs, "scheduler": scheduler}
    fit_then = _fitter(early, n_bootstrap, **opts)
    fit_now = _fitter(late, n_bootstrap, **opts)
    rows = []
    staying_now = staying_in_tracking(late)
    reps = staying_replicates(early, n_bootstrap, seed)
    staying_then = staying_in_tracking(early)
    for k in years:
        p = projection(early, fit_then, int(k), reps, staying_then)
        seen, q = pending_chances(late, int(k), fit_now.survival_at, staying_now)
        rows.append(
            {
                "years": int(k),
                "projected": p["projected"],
                "lower": p["lower"],
                "upper": p["upper"],
                "observed_then": p["observed"],
                "actual": seen + float(q.sum()),
                "complete": bool(q.size == 0 or q.sum() < 0.5),
            }
        )
    band_then = _milestones(fit_then, early, months)
    band_now = _milestones(fit_now, late, months)
    retention = pd.DataFrame(
        {
            "months": [float(m) for m in months],
            "then": band_then["estimate"],
            "then_lower": band_then["lower"],
            "then_upper": band_then["upper"],
            "now": band_now["estimate"],
            "now_lower": band_now["lower"],
            "now_upper": band_now["upper"],
        },
        columns=RETENTION_COLUMNS,
    )
    return Backtest(
        cutoff_then=then.date().isoformat(),
        cutoff_now=now.date().isoformat(),
        n_releases=int(len(early)),
        tiers=pd.DataFrame(rows, columns=TIER_COLUMNS),
        retention=retention,
    )


def _milestones(fitter, table: pd.DataFrame, months: Sequence[float]) -> pd.DataFrame:
    """The NPMLE's milestones with CIs; NaN beyond the data's longest follow-up."""
    band = fitter.milestones(list(months)).reset_index(drop=True)
    reach = float(table["last_day"].max())
    beyond = band["day"].to_numpy(float) > reach
    band.loc[beyond, ["estimate", "lower", "upper"]] = np.nan
    return band


__all__ = [
    "BACKTEST_MONTHS",
    "YEARS_BACK",
    "Backtest",
    "backtest",
    "cut_records",
    "projection",
    "staying_replicates",
]
