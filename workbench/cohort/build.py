"""build_cohort: one analysis row per release, and counts of the records the rules set aside."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.cohort.records import (
    RESULTS,
    VISIT_WINDOW_DAYS,
    WINDOW_END_DAYS,
    Records,
    code_of,
    distinct,
)
from workbench.data import codes as _codes
from workbench.data.dataset import Dataset
from workbench.exceptions import DataError

# Scheduled visits with no contact since their window opened that make a censored release "lost".
LOST_AFTER_MISSED = 2

COHORT_COLUMNS = (
    "release_id",
    "person_id",
    "prefecture",
    "facility",
    "release_date",
    "release_year",
    "sex",
    "birth_year",
    "age",
    "age_group",
    "primary_drug",
    "prior_treatments",
    "years_using",
    "education",
    "employed_before",
    "married",
    "family_support",
    "motivation_score",
    "lower_day",
    "upper_day",
    "event",
    "censor_reason",
    "last_day",
    "death_day",
    "n_scheduled",
    "n_attended",
)
# Person-level baseline characteristics: what a risk model adjusts for (no region, no calendar).
PERSON_COVARIATES = (
    "sex",
    "age",
    "primary_drug",
    "prior_treatments",
    "years_using",
    "education",
    "employed_before",
    "married",
    "family_support",
    "motivation_score",
)
# Baseline covariates carried by the cohort (and copied into landmark tables on request).
COVARIATES = ("prefecture", "facility", "release_year", "age_group", *PERSON_COVARIATES)
AGE_GROUPS = tuple(_codes.AGE_GROUPS)  # "<30", "30-39", "40-49", "50+"
_SCHEDULED_DAYS = np.array(_codes.SCHEDULED_MONTHS, dtype=float) * _codes.DAYS_PER_MONTH
_DAY_KEY = 1 << 24  # day-of-follow-up slot in integer (release, day) keys


def _outcomes(rec: Records) -> dict[str, np.ndarray]:
    """(L, R], death, transfer and the end of observation for every release."""
    transfer = rec.first(["transferred"], ["transfer"], rec.limit)
    obs_end = np.minimum(rec.limit, transfer)  # records after a transfer are not used
    death = rec.first(["died"], ["death"], obs_end)
    rel_end = np.minimum(obs_end, death)  # nothing after a death; a relapse on that day counts
    r_visit = rec.first(["positive", "detained"], [], rel_end)
    r_exact = rec.first([], ["relapse"], rel_end)
    upper = np.minimum(r_visit, r_exact)
    exact = np.isfinite(r_exact) & (r_exact <= r_visit)
    lower = rec.last_negative(upper, rel_end)
    lower = np.where(exact, upper, lower)
    return {
        "lower": lower,
        "upper": upper,
        "death": death,
        "transfer": transfer,
        "detained": rec.first(["detained"], [], rel_end),
        "used_until": rel_end,
        "exact": exact,
    }


def _scheduled(
    rec: Records, due_end: np.ndarray, used_until: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Scheduled visits due by `due_end` and those attended (a non-missed result), per release."""
    due = _SCHEDULED_DAYS[None, :] <= due_end[:, None]
    n_scheduled = due.sum(axis=1)
    month_idx = np.searchsorted(np.array(_codes.SCHEDULED_MONTHS, float), rec.v_month)
    month_idx = np.minimum(month_idx, len(_codes.SCHEDULED_MONTHS) - 1)
    valid = np.array(_codes.SCHEDULED_MONTHS, float)[month_idx] == rec.v_month
    m = rec.v_usable & valid & (rec.v_result != RESULTS.index("missed"))
    m &= rec.v_day <= used_until[rec.v_pos]  # nothing after a transfer or a death
    pos, idx = rec.v_pos[m], month_idx[m]
    m2 = due[pos, idx]
    attended = np.zeros(due.shape, dtype=bool)
    attended[pos[m2], idx[m2]] = True  # duplicates count once
    return n_scheduled, attended.sum(axis=1)


def _n_missed_since(last_contact: np.ndarray, due_end: np.ndarray) -> np.ndarray:
    """Scheduled visits due by `due_end` whose window opened after the last contact."""
    opened = (_SCHEDULED_DAYS[None, :] - VISIT_WINDOW_DAYS) > last_contact[:, None]
    due = _SCHEDULED_DAYS[None, :] <= due_end[:, None]
    return (opened & due).sum(axis=1)


def _event_columns(rec: Records, o: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    relapse = np.isfinite(o["upper"])
    death = ~relapse & np.isfinite(o["death"])
    censored = ~relapse & ~death
    transferred = censored & np.isfinite(o["transfer"])
    tracking_due = np.minimum(rec.cutoff_day, _codes.TRACKING_DAYS)
    lost = censored & ~transferred
    lost &= _n_missed_since(o["lower"], tracking_due) >= LOST_AFTER_MISSED
    reason = np.where(rec.cutoff_day >= _codes.TRACKING_DAYS, "end_of_tracking", "cutoff")
    reason = np.where(lost, "lost", reason)
    reason = np.where(transferred, "transferred", reason).astype(object)
    reason[~censored] = np.nan
    event = np.where(relapse, "relapse", np.where(death, "death", "censored")).astype(object)
    last = np.where(transferred, o["transfer"], o["lower"])
    last = np.where(death, o["death"], last)
    last = np.where(relapse, o["upper"], last)
    # Visits stop falling due at a death, a transfer out or a re-admission (detained).
    due_end = np.minimum.reduce([tracking_due, o["death"], o["transfer"], o["detained"]])
    n_scheduled, n_attended = _scheduled(rec, due_end, o["used_until"])
    return {
        "lower_day": o["lower"],
        "upper_day": np.where(relapse, o["upper"], np.nan),
        "event": event,
        "censor_reason": reason,
        "last_day": last,
        "death_day": np.where(np.isfinite(o["death"]), o["death"], np.nan),
        "n_scheduled": n_scheduled.astype(np.int64),
        "n_attended": n_attended.astype(np.int64),
    }


def _age_group(age: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(np.array([30.0, 40.0, 50.0]), age, side="right")
    out = np.array(AGE_GROUPS, dtype=object)[idx]
    out[np.isnan(age)] = np.nan
    return out


def _baseline(rel: pd.DataFrame, order: np.ndarray) -> dict[str, object]:
    """Baseline columns in release_id order, plus release_year, age and age_group."""
    out: dict[str, object] = {}
    for col in COHORT_COLUMNS[: COHORT_COLUMNS.index("lower_day")]:
        if col in rel.columns:
            out[col] = rel[col].to_numpy()[order]
    date = pd.DatetimeIndex(pd.to_datetime(rel["release_date"]).to_numpy()[order])
    out["release_date"] = date.to_numpy(dtype="datetime64[ns]")
    out["release_year"] = date.year.to_numpy().astype(np.int64)
    # Age at release, birth taken at mid-year (only the birth year is recorded).
    days_in_year = np.where(date.is_leap_year, 366.0, 365.0)
    decimal_year = date.year.to_numpy() + (date.dayofyear.to_numpy() - 1) / days_in_year
    age = decimal_year - (out["birth_year"].astype(float) + 0.5)
    out["age"] = age
    out["age_group"] = _age_group(age)
    return out


def build_cohort(ds: Dataset) -> pd.DataFrame:
    """One row per release, sorted by release_id, with the columns of ``COHORT_COLUMNS``.

    The relapse lies in (lower_day, upper_day] (upper NaN: none seen; lower == upper: exact day).
    """
    rec = Records(ds)
    o = _outcomes(rec)
    out = _baseline(rec.releases, rec.order)
    out.update(_event_columns(rec, o))
    missing = [c for c in COHORT_COLUMNS if c not in out]
    if missing:
        raise DataError(
            f"releases: column {', '.join(missing)} is missing (see data/README.md); add it.",
            file="releases",
            column=missing[0],
        )
    return pd.DataFrame({c: out[c] for c in COHORT_COLUMNS})


def cohort_diagnostics(ds: Dataset) -> pd.Series:
    """Counts of the records the cohort rules set aside or overrule (for validation reports)."""
    rec = Records(ds)
    o = _outcomes(rec)
    p, d, r = rec.v_pos, rec.v_day, rec.v_result
    neg, died, trans = (RESULTS.index(x) for x in ("negative", "died", "transferred"))
    use = rec.v_usable
    ok = ~np.isnan(d)
    key = p.astype(np.int64) * _DAY_KEY + np.where(ok, d, 0).astype(np.int64)
    neg_keys = distinct(key[use & (r == neg)])
    pos_keys = distinct(key[use & np.isin(r, code_of(["positive", "detained"], RESULTS))])
    full_key = (key * 8 + (r + 1))[ok]
    counts = {
        "contradictory_same_day": len(np.intersect1d(neg_keys, pos_keys, assume_unique=True)),
        "negative_after_relapse": int((use & (r == neg) & (d > o["upper"][p])).sum()),
        "records_after_death": int((use & (d > o["death"][p]) & (r != died)).sum()),
        "records_after_transfer": int((use & (d > o["transfer"][p]) & (r != trans)).sum()),
        "records_after_cutoff": int((d > rec.cutoff_day[p]).sum()),
        "records_after_window": int(((d > WINDOW_END_DAYS) & (d <= rec.cutoff_day[p])).sum()),
        "duplicate_visits": len(full_key) - len(distinct(full_key)),
    }
    return pd.Series(counts, name="count", dtype=np.int64)
