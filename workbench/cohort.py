"""The cohort builder: raw visit records → one analysis row per release (data/README.md).

Time is days since release (release day = day 0). Every rule below is written out, with a worked
example, under "Cohort rules" in data/README.md and pinned by tests/test_cohort_rules.py.

Everything is vectorised over releases (integer positions, ``np.minimum.at`` / ``np.maximum.at``,
sorts): no per-person Python loops.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench import codes as _codes
from workbench.dataset import Dataset
from workbench.exceptions import DataError, ParameterError, StatisticalWarning

# A scheduled visit may happen this many days either side of its scheduled date; records later
# than the end of tracking plus this window are not used (the 36-month visit may come late).
VISIT_WINDOW_DAYS = 60.0
# Last usable day of any record: 36 months + the visit window.
WINDOW_END_DAYS = _codes.TRACKING_DAYS + VISIT_WINDOW_DAYS
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
# Baseline covariates carried by the cohort (and copied into landmark tables on request).
COVARIATES = (
    "prefecture",
    "facility",
    "release_year",
    "sex",
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
)
AGE_GROUPS = ("<30", "30-39", "40-49", "50+")
_SCHEDULED_DAYS = np.array(_codes.SCHEDULED_MONTHS, dtype=float) * _codes.DAYS_PER_MONTH
_NS_PER_DAY = 86_400 * 10**9
_DAY_KEY = 1 << 24  # day-of-follow-up slot in integer (release, day) keys
_RESULTS = tuple(_codes.VISIT_RESULTS)
_EVENTS = tuple(_codes.EVENTS)


def _distinct(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: numpy's hash-based unique is slow on these keys)."""
    a = np.sort(x)
    return a[np.concatenate([[True], a[1:] != a[:-1]])] if len(a) else a


def _code_of(names: Sequence[str], table: Sequence[str]) -> np.ndarray:
    return np.array([table.index(x) for x in names], dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Records: visits and events as (release position, day, kind)
# ---------------------------------------------------------------------------------------------


def _ids(ids: pd.Series) -> pd.Series:
    """Release ids as text (object columns are taken as they are; `_positions` retries)."""
    return ids if ids.dtype == object else ids.astype(str)


def _positions(ids: pd.Series, index: pd.Index, table: str) -> np.ndarray:
    """Position in the (sorted) release index of each row's release_id."""
    pos = index.get_indexer(ids)
    if (pos < 0).any() and ids.dtype == object:  # ids of other types (e.g. 17 for "17")
        ids = ids.astype(str)
        pos = index.get_indexer(ids)
    if (pos < 0).any():
        row = int(np.flatnonzero(pos < 0)[0])
        raise DataError(
            f"{table} row {row + 2:,}: release_id {ids.iloc[row]!r} is not in releases; "
            "fix the id or drop the row.",
            file=table,
            row=row + 2,
            column="release_id",
            value=ids.iloc[row],
        )
    return pos


def _days(dates: pd.Series, release_dates: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Days since release of each date (float; NaN for NaT)."""
    d = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]")
    delta = (d - release_dates[pos]).astype("timedelta64[ns]")
    out = delta.astype(np.int64).astype(float) / _NS_PER_DAY
    out[np.isnat(delta)] = np.nan
    return out


def _check_not_before_release(days: np.ndarray, table: str, column: str, frame: pd.DataFrame):
    bad = days < 0
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        value = frame[column].iloc[row]
        raise DataError(
            f"{table} row {row + 2:,}: {column} {pd.Timestamp(value).date()} is before the "
            f"release date of {frame['release_id'].iloc[row]!r} (a record cannot precede "
            "release); fix the date or drop the row.",
            file=table,
            row=row + 2,
            column=column,
            value=value,
        )


def _release_index(sorted_ids: np.ndarray) -> pd.Index:
    index = pd.Index(sorted_ids, name="release_id")
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise DataError(
            f"releases: release_id {dup!r} appears more than once (expected one row per "
            "release); give each release episode its own id.",
            file="releases",
            column="release_id",
            value=dup,
        )
    return index


def _cutoff_days(cutoff: object, release_dates: np.ndarray) -> np.ndarray:
    c = np.datetime64(pd.Timestamp(cutoff).to_datetime64(), "ns")
    return (c - release_dates).astype(np.int64).astype(float) / _NS_PER_DAY


class _Records:
    """Visits and events of one dataset on the follow-up clock, with each release's limits."""

    def __init__(self, ds: Dataset) -> None:
        rel = ds.releases
        ids = rel["release_id"].astype(str).to_numpy()
        self.order = np.argsort(ids, kind="stable")
        self.releases = rel
        self.n = len(rel)
        index = _release_index(ids[self.order])
        release_dates = pd.to_datetime(rel["release_date"]).to_numpy(dtype="datetime64[ns]")
        release_dates = release_dates[self.order]
        self.cutoff_day = _cutoff_days(ds.cutoff, release_dates)
        # Nothing after the cut-off, nothing after 36 months + the visit window.
        self.limit = np.minimum(self.cutoff_day, WINDOW_END_DAYS)

        v = ds.visits
        self.v_pos = _positions(_ids(v["release_id"]), index, "visits")
        self.v_day = _days(v["visit_date"], release_dates, self.v_pos)
        _check_not_before_release(self.v_day, "visits", "visit_date", v)
        # Results and events as small integers (index in _RESULTS / _EVENTS; -1 = other).
        self.v_result = pd.Index(_RESULTS).get_indexer(v["result"].astype(str))
        self.v_month = pd.to_numeric(v["scheduled_month"], errors="coerce").to_numpy(float)

        e = ds.events if ds.events is not None else pd.DataFrame()
        if len(e):
            self.e_pos = _positions(_ids(e["release_id"]), index, "events")
            self.e_day = _days(e["event_date"], release_dates, self.e_pos)
            _check_not_before_release(self.e_day, "events", "event_date", e)
            self.e_kind = pd.Index(_EVENTS).get_indexer(e["event"].astype(str))
        else:
            self.e_pos = np.zeros(0, dtype=np.int64)
            self.e_day = np.zeros(0)
            self.e_kind = np.zeros(0, dtype=np.int64)
        self.v_usable = self.v_day <= self.limit[self.v_pos]
        self.e_usable = self.e_day <= self.limit[self.e_pos]

    def first(self, kinds_v: Sequence[str], kinds_e: Sequence[str], until: np.ndarray):
        """Per release, the first day of a record of these kinds on or before `until` (inf: none)."""
        out = np.full(self.n, np.inf)
        mv = self.v_usable & np.isin(self.v_result, _code_of(kinds_v, _RESULTS))
        mv &= self.v_day <= until[self.v_pos]
        np.minimum.at(out, self.v_pos[mv], self.v_day[mv])
        if kinds_e and len(self.e_day):
            me = (
                self.e_usable
                & np.isin(self.e_kind, _code_of(kinds_e, _EVENTS))
                & (self.e_day <= until[self.e_pos])
            )
            np.minimum.at(out, self.e_pos[me], self.e_day[me])
        return out

    def last_negative(self, before: np.ndarray, until: np.ndarray) -> np.ndarray:
        """Per release, the last negative contact strictly before `before` and on or before
        `until` (0 = release day when none)."""
        out = np.zeros(self.n)
        m = self.v_usable & (self.v_result == _RESULTS.index("negative"))
        m &= (self.v_day < before[self.v_pos]) & (self.v_day <= until[self.v_pos])
        np.maximum.at(out, self.v_pos[m], self.v_day[m])
        return out


# ---------------------------------------------------------------------------------------------
# build_cohort
# ---------------------------------------------------------------------------------------------


def _outcomes(rec: _Records) -> dict[str, np.ndarray]:
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
        "exact": exact,
    }


def _scheduled(rec: _Records, due_end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scheduled visits due by `due_end` and those attended (a non-missed result), per release."""
    due = _SCHEDULED_DAYS[None, :] <= due_end[:, None]
    n_scheduled = due.sum(axis=1)
    month_idx = np.searchsorted(np.array(_codes.SCHEDULED_MONTHS, float), rec.v_month)
    month_idx = np.minimum(month_idx, len(_codes.SCHEDULED_MONTHS) - 1)
    valid = np.array(_codes.SCHEDULED_MONTHS, float)[month_idx] == rec.v_month
    m = rec.v_usable & valid & (rec.v_result != _RESULTS.index("missed"))
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


def _event_columns(rec: _Records, o: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
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
    n_scheduled, n_attended = _scheduled(rec, due_end)
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
    rec = _Records(ds)
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
    rec = _Records(ds)
    o = _outcomes(rec)
    p, d, r = rec.v_pos, rec.v_day, rec.v_result
    neg, died, trans = (_RESULTS.index(x) for x in ("negative", "died", "transferred"))
    use = rec.v_usable
    ok = ~np.isnan(d)
    key = p.astype(np.int64) * _DAY_KEY + np.where(ok, d, 0).astype(np.int64)
    neg_keys = _distinct(key[use & (r == neg)])
    pos_keys = _distinct(key[use & np.isin(r, _code_of(["positive", "detained"], _RESULTS))])
    full_key = (key * 8 + (r + 1))[ok]
    counts = {
        "contradictory_same_day": len(np.intersect1d(neg_keys, pos_keys, assume_unique=True)),
        "negative_after_relapse": int((use & (r == neg) & (d > o["upper"][p])).sum()),
        "records_after_death": int((use & (d > o["death"][p]) & (r != died)).sum()),
        "records_after_transfer": int((use & (d > o["transfer"][p]) & (r != trans)).sum()),
        "records_after_cutoff": int((d > rec.cutoff_day[p]).sum()),
        "records_after_window": int(((d > WINDOW_END_DAYS) & (d <= rec.cutoff_day[p])).sum()),
        "duplicate_visits": len(full_key) - len(_distinct(full_key)),
    }
    return pd.Series(counts, name="count", dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Exposures
# ---------------------------------------------------------------------------------------------


def _refuse_outcomes(requested: Sequence[str]) -> None:
    bad = [c for c in requested if c in _codes.OUTCOME_CODES]
    if bad:
        raise ParameterError(
            f"{', '.join(bad)} is an outcome (people are selected for it because they stayed "
            "abstinent); it cannot be a support exposure. Use one of: "
            f"{', '.join(_codes.INTERVENTIONS)}."
        )


def exposure_starts(ds: Dataset, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Day of the first start of each intervention per release (index release_id; NaN = never).

    Columns: every code of ``workbench.codes.INTERVENTIONS`` plus any other code present (outcome codes
    such as awards are left out with a StatisticalWarning), or exactly ``codes=[...]``. Starts
    after the data cut-off are not used.
    """
    requested = codes
    iv = ds.interventions
    present = pd.unique(iv["intervention"].astype(str)) if len(iv) else []
    if requested is not None:
        requested = [str(c) for c in requested]
        _refuse_outcomes(requested)
        unknown = [c for c in requested if c not in _codes.INTERVENTIONS and c not in present]
        if unknown:
            raise ParameterError(
                f"intervention {', '.join(unknown)} is not known and not in the data; use one "
                f"of: {', '.join(sorted(set(_codes.INTERVENTIONS) | set(present)))}."
            )
        columns = requested
    else:
        outcomes = [c for c in present if c in _codes.OUTCOME_CODES]
        if outcomes:
            warnings.warn(
                f"interventions table holds {', '.join(outcomes)}: outcomes (people are selected "
                "for them because they stayed abstinent), left out of the exposures.",
                StatisticalWarning,
                stacklevel=2,
            )
        others = sorted(c for c in present if c not in _codes.INTERVENTIONS and c not in outcomes)
        columns = list(_codes.INTERVENTIONS) + others
    return _first_starts(ds, columns)


def _first_starts(ds: Dataset, columns: Sequence[str]) -> pd.DataFrame:
    ids = ds.releases["release_id"].astype(str).to_numpy()
    order = np.argsort(ids, kind="stable")
    index = _release_index(ids[order])
    iv = ds.interventions
    out = np.full((len(index), len(columns)), np.nan)
    if len(iv):
        pos = _positions(_ids(iv["release_id"]), index, "interventions")
        dates = pd.to_datetime(ds.releases["release_date"]).to_numpy(dtype="datetime64[ns]")
        release_dates = dates[order]
        day = _days(iv["start_date"], release_dates, pos)
        _check_not_before_release(day, "interventions", "start_date", iv)
        cutoff_day = _cutoff_days(ds.cutoff, release_dates)
        col = pd.Index(columns).get_indexer(iv["intervention"].astype(str))
        m = (col >= 0) & ~np.isnan(day) & (day <= cutoff_day[pos])
        flat = np.full(out.size, np.inf)
        np.minimum.at(flat, pos[m] * len(columns) + col[m], day[m])
        out = np.where(np.isfinite(flat), flat, np.nan).reshape(out.shape)
    return pd.DataFrame(out, index=index, columns=pd.Index(list(columns)))


# ---------------------------------------------------------------------------------------------
# Counting-process and landmark tables
# ---------------------------------------------------------------------------------------------


def analysis_times(cohort: pd.DataFrame, time: str = "midpoint") -> tuple[np.ndarray, np.ndarray]:
    """(stop day, relapse 0/1) per cohort row for exact-time methods.

    Relapse at the midpoint of (L, R] (``time="midpoint"``) or at R (``"upper"``); exact days
    as they are. Deaths are censored at the death day, other releases at L (last known
    relapse-free day).
    """
    if time not in ("midpoint", "upper"):
        raise ParameterError(f"time {time!r} is not one of: midpoint, upper.")
    lower = cohort["lower_day"].to_numpy(float)
    upper = cohort["upper_day"].to_numpy(float)
    relapse = (cohort["event"] == "relapse").to_numpy()
    t_relapse = (lower + upper) / 2 if time == "midpoint" else upper
    death = (cohort["event"] == "death").to_numpy()
    stop = np.where(relapse, t_relapse, np.where(death, cohort["death_day"].to_numpy(float), lower))
    return stop, relapse.astype(np.int64)


def _aligned_starts(cohort: pd.DataFrame, starts: pd.DataFrame) -> pd.DataFrame:
    ids = cohort["release_id"].astype(str)
    s = starts.copy()
    s.index = s.index.astype(str)
    missing = ~ids.isin(s.index)
    if missing.any():
        raise ParameterError(
            f"exposure starts have no row for release_id {ids[missing].iloc[0]!r}; build them "
            "from the same dataset as the cohort (exposure_starts(ds))."
        )
    _refuse_outcomes([str(c) for c in s.columns])
    return s.reindex(ids)


def counting_process(
    cohort: pd.DataFrame,
    starts: pd.DataFrame,
    time: str = "midpoint",
    covariates: Sequence[str] = (),
) -> pd.DataFrame:
    """(start, stop] rows per release with exposures switching on at their start days.

    Columns: release_id, start, stop, event (relapse 0/1, on the last row only), one 0/1 column
    per column of ``starts``, then ``covariates`` copied from the cohort. Times from
    `analysis_times`; exposures starting on or after the stop day are ignored; releases with
    no follow-up (stop == 0) are left out.
    """
    stop, event = analysis_times(cohort, time)
    s = _aligned_starts(cohort, starts)
    sv = s.to_numpy(float)
    keep = stop > 0
    rows = np.flatnonzero(keep)
    k = sv.shape[1]
    # Cut points: day 0 and each exposure start strictly inside (0, stop).
    cut_pos = np.repeat(rows, k)
    cut_day = sv[rows].ravel()
    inside = (cut_day > 0) & (cut_day < stop[cut_pos])
    pos = np.concatenate([rows, cut_pos[inside]])
    day = np.concatenate([np.zeros(len(rows)), cut_day[inside]])
    order = np.lexsort((day, pos))
    pos, day = pos[order], day[order]
    distinct = np.ones(len(pos), dtype=bool)
    distinct[1:] = (pos[1:] != pos[:-1]) | (day[1:] != day[:-1])
    pos, day = pos[distinct], day[distinct]
    last = np.ones(len(pos), dtype=bool)
    last[:-1] = pos[1:] != pos[:-1]
    stop_col = np.where(last, stop[pos], np.roll(day, -1))
    out = pd.DataFrame(
        {
            "release_id": cohort["release_id"].to_numpy()[pos],
            "start": day,
            "stop": stop_col,
            "event": np.where(last, event[pos], 0).astype(np.int64),
        }
    )
    for j, code in enumerate(s.columns):
        out[str(code)] = (sv[pos, j] <= day).astype(np.int64)  # NaN (never) compares False
    for c in covariates:
        out[c] = cohort[c].to_numpy()[pos]
    return out


def landmark_table(cohort: pd.DataFrame, starts: pd.DataFrame, day: float = 180) -> pd.DataFrame:
    """Releases relapse-free (as far as seen) and under observation at `day`, times shifted.

    Kept: no relapse seen by `day` (upper_day > day or none) and last_day >= day. Times
    (lower_day, upper_day, last_day, death_day) are counted from the landmark, lower_day as
    max(L - day, 0): a relapse whose interval (L, R] straddles the landmark is placed in
    (0, R - day]. ``exposed_<code>`` = 1 when the support started on or before `day`.
    """
    day = float(day)
    if not np.isfinite(day) or day < 0:
        raise ParameterError(f"landmark day {day} must be a finite number of days >= 0.")
    upper = cohort["upper_day"].to_numpy(float)
    keep = (np.isnan(upper) | (upper > day)) & (cohort["last_day"].to_numpy(float) >= day)
    out = cohort.loc[keep].reset_index(drop=True).copy()
    s = _aligned_starts(out, starts).to_numpy(float)
    for j, code in enumerate(starts.columns):
        out[f"exposed_{code}"] = (s[:, j] <= day).astype(np.int64)
    out["lower_day"] = np.maximum(out["lower_day"].to_numpy(float) - day, 0.0)
    for c in ("upper_day", "last_day", "death_day"):
        out[c] = out[c].to_numpy(float) - day
    out["landmark_day"] = day
    return out
