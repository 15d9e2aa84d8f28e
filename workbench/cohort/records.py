"""Visits and events of a dataset on the follow-up clock (days since release), per release.

Rows are mapped to integer positions in the release_id-sorted releases; results and events to
small integer codes, so every rule is a vectorised numpy reduction.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.data import codes as _codes
from workbench.data.dataset import Dataset
from workbench.exceptions import DataError

# A scheduled visit may happen this many days either side of its scheduled date; records later
# than the end of tracking plus this window are not used (the 36-month visit may come late).
VISIT_WINDOW_DAYS = 60.0
# Last usable day of any record: 36 months + the visit window.
WINDOW_END_DAYS = _codes.TRACKING_DAYS + VISIT_WINDOW_DAYS

_NS_PER_DAY = 86_400 * 10**9
# Visit results and events as small integers: their position in these tuples.
RESULTS = tuple(_codes.VISIT_RESULTS)
EVENTS = tuple(_codes.EVENTS)


def distinct(x: np.ndarray) -> np.ndarray:
    """Sorted distinct values (sort-based: numpy's hash-based unique is slow on these keys)."""
    a = np.sort(x)
    return a[np.concatenate([[True], a[1:] != a[:-1]])] if len(a) else a


def code_of(names: Sequence[str], table: Sequence[str]) -> np.ndarray:
    """The small-integer codes of `names` (their positions in `table`)."""
    return np.array([table.index(x) for x in names], dtype=np.int64)


def text_ids(ids: pd.Series) -> pd.Series:
    """Release ids as text (object columns are taken as they are; `release_positions` retries)."""
    return ids if ids.dtype == object else ids.astype(str)


def release_positions(ids: pd.Series, index: pd.Index, table: str) -> np.ndarray:
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


def days_since_release(dates: pd.Series, release_dates: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Days since release of each date (float; NaN for NaT)."""
    d = pd.to_datetime(dates).to_numpy(dtype="datetime64[ns]")
    delta = (d - release_dates[pos]).astype("timedelta64[ns]")
    out = delta.astype(np.int64).astype(float) / _NS_PER_DAY
    out[np.isnat(delta)] = np.nan
    return out


def check_not_before_release(days: np.ndarray, table: str, column: str, frame: pd.DataFrame):
    """DataError naming the first row of `frame` dated before its release (negative `days`)."""
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


def release_index(sorted_ids: np.ndarray) -> pd.Index:
    """The sorted release ids as an index; DataError when an id appears twice."""
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


def cutoff_days(cutoff: object, release_dates: np.ndarray) -> np.ndarray:
    """Days from each release to the data cut-off."""
    c = np.datetime64(pd.Timestamp(cutoff).to_datetime64(), "ns")
    return (c - release_dates).astype(np.int64).astype(float) / _NS_PER_DAY


class Records:
    """Visits and events of one dataset on the follow-up clock, with each release's limits."""

    def __init__(self, ds: Dataset) -> None:
        rel = ds.releases
        ids = rel["release_id"].astype(str).to_numpy()
        self.order = np.argsort(ids, kind="stable")
        self.releases = rel
        self.n = len(rel)
        index = release_index(ids[self.order])
        release_dates = pd.to_datetime(rel["release_date"]).to_numpy(dtype="datetime64[ns]")
        release_dates = release_dates[self.order]
        self.cutoff_day = cutoff_days(ds.cutoff, release_dates)
        # Nothing after the cut-off, nothing after 36 months + the visit window.
        self.limit = np.minimum(self.cutoff_day, WINDOW_END_DAYS)

        v = ds.visits
        self.v_pos = release_positions(text_ids(v["release_id"]), index, "visits")
        self.v_day = days_since_release(v["visit_date"], release_dates, self.v_pos)
        check_not_before_release(self.v_day, "visits", "visit_date", v)
        # Results and events as small integers (index in RESULTS / EVENTS; -1 = other).
        self.v_result = pd.Index(RESULTS).get_indexer(v["result"].astype(str))
        self.v_month = pd.to_numeric(v["scheduled_month"], errors="coerce").to_numpy(float)

        e = ds.events if ds.events is not None else pd.DataFrame()
        if len(e):
            self.e_pos = release_positions(text_ids(e["release_id"]), index, "events")
            self.e_day = days_since_release(e["event_date"], release_dates, self.e_pos)
            check_not_before_release(self.e_day, "events", "event_date", e)
            self.e_kind = pd.Index(EVENTS).get_indexer(e["event"].astype(str))
        else:
            self.e_pos = np.zeros(0, dtype=np.int64)
            self.e_day = np.zeros(0)
            self.e_kind = np.zeros(0, dtype=np.int64)
        self.v_usable = self.v_day <= self.limit[self.v_pos]
        self.e_usable = self.e_day <= self.limit[self.e_pos]

    def first(self, kinds_v: Sequence[str], kinds_e: Sequence[str], until: np.ndarray):
        """Per release, the first day of a record of these kinds on or before `until` (inf: none)."""
        out = np.full(self.n, np.inf)
        mv = self.v_usable & np.isin(self.v_result, code_of(kinds_v, RESULTS))
        mv &= self.v_day <= until[self.v_pos]
        np.minimum.at(out, self.v_pos[mv], self.v_day[mv])
        if kinds_e and len(self.e_day):
            me = (
                self.e_usable
                & np.isin(self.e_kind, code_of(kinds_e, EVENTS))
                & (self.e_day <= until[self.e_pos])
            )
            np.minimum.at(out, self.e_pos[me], self.e_day[me])
        return out

    def last_negative(self, before: np.ndarray, until: np.ndarray) -> np.ndarray:
        """Per release, the last negative contact strictly before `before` and on or before
        `until` (0 = release day when none)."""
        out = np.zeros(self.n)
        m = self.v_usable & (self.v_result == RESULTS.index("negative"))
        m &= (self.v_day < before[self.v_pos]) & (self.v_day <= until[self.v_pos])
        np.maximum.at(out, self.v_pos[m], self.v_day[m])
        return out
