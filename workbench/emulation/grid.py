"""The monthly grid of a target-trial emulation: one row per release, its outcome on the grid,
its support start and its covariates (baseline, and employment carried forward from contacts).

Months are 365.25/12 days; month m covers days ((m-1)·D, m·D]. Release day 0 is time zero and
every release is eligible. On the grid a release is:

- kind 0 (right-censored): relapse-free through month ``l = round(L / D)``, L its last
  relapse-free contact (a negative visit); nothing known after;
- kind 1 (relapse): relapse-free through month l, relapse in one of months ``l+1 .. b``
  (``b = round(R / D)``, R the day it was first seen at a visit) — never imputed at the visit
  date. A relapse known to the day from another register (police) counts as seen at the next
  scheduled visit: only relapses are dated that way, so keeping the day would make what is
  known by a day c depend on the outcome (a clone cut at c would keep such relapses and lose
  the others); visits are the only inspection, and they do not depend on relapse;
- kind 2 (death first): relapse-free through month l, dead in month ``b = ceil(death / D)``;
  a relapse in months ``l+1 .. b`` before the death is possible and unknown.

Visit days (L, R) go to the NEAREST month end, both the same way: a visit a week before the
end of month 6 and one a week after both close month 6. Rounding L down and R up instead would
widen every interval, and where clones are cut at a month end (the grace period's end) the
relapses seen just before it would land in a month whose relapse-free visits were rounded away.

Month K = 37 collects everything after the 36-month horizon. A clone that deviates from its
strategy on day c keeps only what was known by day c: a relapse or death seen by c stays, else it
is right-censored at its last relapse-free contact on or before c (``truncate``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data import codes
from workbench.effects.design import category_levels, encode

D = codes.DAYS_PER_MONTH
HORIZON = codes.TRACKING_MONTHS  # 36
K = HORIZON + 1  # month 37 = after the horizon
CENSORED, RELAPSE, DEATH = 0, 1, 2
_KEY = 1 << 20  # (release, day) keys for contacts


@dataclass(frozen=True)
class Grid:
    """Per release (aligned arrays) for one support; see the module doc."""

    release_id: np.ndarray
    kind: np.ndarray  # 0 censored, 1 relapse, 2 death
    lower: np.ndarray  # L, day of the last relapse-free contact (0: none)
    end: np.ndarray  # day the record's information ends: R, the death day, or the last day
    l: np.ndarray  # noqa: E741 - months known relapse-free
    b: np.ndarray  # month of relapse detection (kind 1) or death (kind 2); l for kind 0
    start: np.ndarray  # support start day (NaN = never)
    start_month: np.ndarray  # ceil(start / D); K + 1 = never
    X: np.ndarray  # baseline design (centred; categories one-hot)
    x_names: tuple[str, ...]
    employed: np.ndarray | None  # (n, K) employment at the start of each month (int8 when
    # whole numbers: multiply by float64 only — a Python float times float32 stays float32), or None
    contact_keys: np.ndarray  # sorted release-index * 2**20 + day of relapse-free contacts
    next_contact: np.ndarray  # (n, K) day of the first relapse-free contact in month >= m (f32)
    detected: np.ndarray  # day a relapse was first known to staff (inf: never)
    frame: pd.DataFrame  # the cohort rows' FRAME_COLUMNS (covariates for diagnostics)

    @property
    def n(self) -> int:
        return int(self.kind.size)


def month_of(day: np.ndarray) -> np.ndarray:
    """Month holding `day` (ceil(day / D)), within 1..K."""
    return np.clip(np.ceil(np.asarray(day, float) / D - 1e-9), 1, K).astype(np.int64)


def full_months(day: np.ndarray) -> np.ndarray:
    """Months entirely before `day` (floor(day / D)), within 0..K-1."""
    return np.clip(np.floor(np.asarray(day, float) / D + 1e-9), 0, K - 1).astype(np.int64)


def nearest_month(day: np.ndarray, low: int = 0) -> np.ndarray:
    """The month end nearest to `day` (round(day / D)), within low..K."""
    return np.clip(np.floor(np.asarray(day, float) / D + 0.5), low, K).astype(np.int64)


def outcome_arrays(table: pd.DataFrame, exact: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """kind, L, end, l, b of each cohort row. `exact`: day of an exact-dated relapse record
    (police) per row (NaN: none); such a relapse counts as seen at the next scheduled visit."""
    event = table["event"].astype(str).to_numpy()
    lower = np.nan_to_num(table["lower_day"].to_numpy(float), nan=0.0)
    upper = table["upper_day"].to_numpy(float)
    if exact is not None:
        upper = np.where(upper == exact, next_scheduled(upper), upper)
    death = table["death_day"].to_numpy(float)
    last = table["last_day"].to_numpy(float)
    kind = np.where(event == "relapse", RELAPSE, np.where(event == "death", DEATH, CENSORED))
    kind = np.where((kind == DEATH) & np.isnan(death), CENSORED, kind)
    end = np.where(kind == RELAPSE, upper, np.where(kind == DEATH, death, last))
    end = np.where(np.isnan(end), lower, end)
    l = np.minimum(nearest_month(lower), K - 1)  # noqa: E741
    seen = np.where(kind == DEATH, month_of(end), nearest_month(end, low=1))
    b = np.where(kind == CENSORED, l, np.maximum(seen, l + 1))
    return {"kind": kind, "lower": lower, "end": end, "l": l, "b": b}


def next_scheduled(day: np.ndarray) -> np.ndarray:
    """The scheduled visit day (every 6 months) on or after `day`."""
    step = 6 * D
    return np.ceil(np.asarray(day, float) / step - 1e-9) * step


def exact_relapse_days(cohort, ids: np.ndarray) -> np.ndarray | None:
    """First exact-dated relapse record (events table) per release, days since release."""
    records = getattr(cohort, "records", None)
    if records is None or not len(records.events):
        return None
    ev = records.events[records.events["event"].astype(str) == "relapse"]
    release_date = records.releases.set_index("release_id")["release_date"]
    day = (ev["event_date"] - ev["release_id"].map(release_date)).dt.days.to_numpy(float)
    first = pd.Series(day).groupby(ev["release_id"].astype(str).to_numpy()).min()
    return first.reindex(ids).to_numpy(float)


def employment_matrix(cohort, base: np.ndarray) -> np.ndarray | None:
    """(n, K) employment at the start of each month: the last value recorded at a contact
    before that day (visits' `employed` column), `employed_before` until the first record; None
    when the visits carry no employment."""
    records = getattr(cohort, "records", None)
    if records is None or "employed" not in records.visits.columns:
        return None
    visits = records.visits
    known = visits["employed"].notna().to_numpy()
    if not known.any():
        return None
    v = visits.loc[known]
    release_date = records.releases.set_index("release_id")["release_date"]
    day = (v["visit_date"] - v["release_id"].map(release_date)).dt.days.to_numpy(float)
    ids = cohort.table["release_id"].astype(str)
    pos = pd.Index(ids).get_indexer(v["release_id"].astype(str))
    ok = pos >= 0
    pos, day, value = pos[ok], day[ok], v["employed"].to_numpy(float)[ok]
    order = np.lexsort((day, pos))
    pos, day, value = pos[order], day[order], value[order]
    # a contact in month k (days ((k-1)D, kD]) tells the state from month k+1 on: what staff
    # know at the start of that month; the last contact (in day order) before a month wins
    first_month = np.clip(full_months(day) + 2, 1, K + 1)
    key = pos.astype(np.int64) * (K + 2) + first_month  # non-decreasing (sorted by pos, day)
    final = np.append(key[1:] != key[:-1], True) & (first_month <= K)  # last of each month
    last = np.full((len(base), K), -1, dtype=np.int64 if value.size >= 2**31 else np.int32)
    last[pos[final], first_month[final] - 1] = np.flatnonzero(final)
    np.maximum.accumulate(last, axis=1, out=last)
    base = np.asarray(base, float)
    out = np.empty((len(base), K), dtype=_employment_dtype(value, base))
    value = np.append(value, np.nan)  # index -1 (no contact yet) -> the appended NaN
    for lo in range(0, len(base), 65536):  # in blocks: no (n, K) temporaries
        rows = slice(lo, lo + 65536)
        out[rows] = np.where(last[rows] >= 0, value[last[rows]], base[rows, None])
    return out


def _employment_dtype(value: np.ndarray, base: np.ndarray) -> type:
    """int8 when every value is a whole number in -128..127 without NaN (employment is 0/1:
    an eighth of float64's memory, (n, K) bytes); else float64. Every use multiplies it by a
    float64 coefficient or array, which gives float64 (numpy casts the int8 exactly), so the
    numbers are the float64 matrix's (tests/emulation/test_scale.py)."""
    both = np.concatenate([value, base])
    whole = both.size == 0 or (
        bool(np.isfinite(both).all()) and np.array_equal(both, np.round(both))
        and float(np.abs(both).max()) <= 127
    )  # fmt: skip
    return np.int8 if whole else np.float64


def for_support(grid: Grid, cohort, code: str) -> Grid:
    """`grid` (built for any support of the same `cohort`) for support `code`: only the start
    day and month differ between supports, so a study builds the grid once per cohort."""
    start, start_month = _starts(cohort, grid.release_id, code)
    return dataclasses.replace(grid, start=start, start_month=start_month)


def _starts(cohort, ids: np.ndarray, code: str) -> tuple[np.ndarray, np.ndarray]:
    starts = cohort.starts
    start = starts[code].reindex(ids).to_numpy(float) if code in starts.columns else None
    if start is None:
        start = np.full(len(ids), np.nan)
    start_month = np.where(np.isnan(start), K + 1, month_of(np.nan_to_num(start, nan=1.0)))
    return start, start_month.astype(np.int64)


_SHARED: dict[int, list] = {}  # id(cohort) -> [cohort, its grid or None] inside `shared_grid`


@contextmanager
def shared_grid(cohort) -> Iterator[None]:
    """Within the block, `build_grid(cohort, code)` builds `cohort`'s grid once and gives each
    support its own view (`for_support`: supports differ only in the start), e.g. the report's
    trials of every support. The same numbers; the grid's arrays are shared, never written."""
    key = id(cohort)
    _SHARED[key] = [cohort, None]
    try:
        yield
    finally:
        _SHARED.pop(key, None)


def build_grid(cohort, code: str) -> Grid:
    """The grid of `cohort` (an AnalysisCohort with visit records) for support `code`."""
    entry = _SHARED.get(id(cohort))
    if entry is None or entry[0] is not cohort:
        return _build_grid(cohort, code)
    if entry[1] is None:
        entry[1] = _build_grid(cohort, code)
    return for_support(entry[1], cohort, code)


# the cohort columns a grid keeps (`Grid.frame`: the strata of the positivity check)
FRAME_COLUMNS = ("sex", "primary_drug", "education", "employed_before", "married", "family_support")


def _build_grid(cohort, code: str) -> Grid:
    table = cohort.table  # read by column (no copy of the whole table)
    ids = table["release_id"].astype(str).to_numpy()
    arrays = outcome_arrays(table, exact_relapse_days(cohort, ids))
    upper = table["upper_day"].to_numpy(float)
    detected = np.where(table["event"].astype(str).eq("relapse").to_numpy(), upper, np.inf)
    keys = _contact_keys(cohort.contacts, ids)
    start, start_month = _starts(cohort, ids, code)
    covs = [c for c in cohort.covariates if c in table.columns]
    design = encode(table, covs, levels=category_levels(table, covs))
    base = (
        table["employed_before"].to_numpy(float)
        if "employed_before" in table
        else np.zeros(len(ids))
    )
    return Grid(
        release_id=ids,
        start=start,
        start_month=start_month,
        X=design.to_numpy(float),
        x_names=tuple(design.columns),
        employed=employment_matrix(cohort, base),
        contact_keys=keys,
        next_contact=next_contact_days(keys, len(ids)),
        detected=np.nan_to_num(detected, nan=np.inf),
        frame=table[[c for c in FRAME_COLUMNS if c in table.columns]].reset_index(drop=True),
        **arrays,
    )


def _contact_keys(contacts: pd.DataFrame | None, ids: np.ndarray) -> np.ndarray:
    if contacts is None or not len(contacts):
        return np.empty(0, np.int64)
    pos = pd.Index(ids).get_indexer(contacts["release_id"].astype(str))
    day = contacts["day"].to_numpy(float)
    ok = (pos >= 0) & np.isfinite(day) & (day >= 0)
    return np.sort(pos[ok].astype(np.int64) * _KEY + day[ok].astype(np.int64))


def next_contact_days(keys: np.ndarray, n: int) -> np.ndarray:
    """(n, K) for each month m the day of the first relapse-free contact whose nearest month
    end is m or later (inf: none)."""
    day = (keys % _KEY).astype(float)
    month = np.clip(np.floor(day / D + 0.5), 0, K + 1).astype(np.int64)
    # float32: whole days (< 2**24) and inf are exact in it, at half the memory
    first = np.full((n, K + 2), np.inf, dtype=np.float32)
    np.minimum.at(first, (keys // _KEY, month), day.astype(np.float32))
    nxt = np.minimum.accumulate(first[:, ::-1], axis=1)[:, ::-1]
    return np.ascontiguousarray(nxt[:, 1 : K + 1])


def last_contact_before(grid: Grid, c: np.ndarray) -> np.ndarray:
    """Day of each release's last relapse-free contact on or before day c (0: none)."""
    c = np.asarray(c, float)
    idx = np.arange(grid.n, dtype=np.int64)
    probe = idx * _KEY + np.floor(np.minimum(c, _KEY - 1)).astype(np.int64)
    at = np.searchsorted(grid.contact_keys, probe, side="right") - 1
    found = at >= 0
    key = grid.contact_keys[np.maximum(at, 0)]
    same = found & (key // _KEY == idx)
    return np.where(same, (key % _KEY).astype(float), 0.0)


@dataclass(frozen=True)
class Clones:
    """One strategy's clones on the grid: kind, l, b after artificial censoring, and which
    clones were censored for deviating."""

    kind: np.ndarray
    l: np.ndarray  # noqa: E741
    b: np.ndarray
    deviated: np.ndarray  # artificially censored (the record went on past the deviation)
    censor_month: np.ndarray  # first month the clone no longer follows (K + 1: never)


def staff_end(grid: Grid) -> np.ndarray:
    """Day the record stops being followed as staff see it: the relapse first known (police day
    included), the death, or the last day of follow-up."""
    return np.where(np.isfinite(grid.detected), np.minimum(grid.detected, grid.end), grid.end)


def truncate(grid: Grid, c: np.ndarray, deviated: np.ndarray | None = None) -> Clones:
    """The clones when those `deviated` (default: followed past day c) deviate on day `c`: what
    was known by c stays (a relapse or death seen by c); otherwise relapse-free through the last
    contact on or before c, nothing known after (the EM's "T > L, follow-up ends at c" comes to
    the same). A clone that does not deviate keeps all its data."""
    c = np.asarray(c, float)
    if deviated is None:
        deviated = staff_end(grid) > c
    deviated = deviated & (grid.end > c)  # data that end by c are kept whole anyway
    lower = np.where(grid.lower <= c, grid.lower, last_contact_before(grid, c))
    lower = np.minimum(lower, grid.lower)
    l = np.minimum(nearest_month(lower), K - 1)  # noqa: E741
    kind = np.where(deviated, CENSORED, grid.kind)
    b = np.where(kind == CENSORED, l, np.maximum(grid.b, l + 1))
    censor_month = np.where(np.isfinite(c), full_months(np.where(np.isfinite(c), c, 0)) + 1, K + 1)
    return Clones(kind, l, b, deviated, np.where(deviated, censor_month, K + 1))


class InfoDays:
    """`info_day(grid, clones)` made on demand: `days[rows]` gives those releases' (b, K) rows,
    `np.asarray(days)` all of them; a strategy's design keeps this instead of an (n, K) array
    (blocked computations read it a block of releases at a time). `days.by(day)`: which
    clone-months' data came by `day` (`days[rows] <= day`) from three (n,) arrays, kept per day."""

    def __init__(self, grid: Grid, clones: Clones) -> None:
        self.next_contact, self.end, self.l = grid.next_contact, grid.end, clones.l
        self.shape = grid.next_contact.shape
        self._by: dict[float, CameBy] = {}

    def by(self, day: float) -> CameBy:
        """`days <= day` as `CameBy` (made once per day: one pass over `next_contact`)."""
        key = float(day)
        if key not in self._by:
            self._by[key] = CameBy.of(self, key)
        return self._by[key]

    def __getitem__(self, rows) -> np.ndarray:
        m = np.arange(1, K + 1)[None, :]
        return np.where(
            m <= self.l[rows][:, None], self.next_contact[rows], self.end[rows][:, None]
        )

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self[slice(None)]
        return out if dtype is None else out.astype(dtype)


def info_day(grid: Grid, clones: Clones) -> np.ndarray:
    """(n, K) day by which a clone's data say what happened in month m: the first relapse-free
    contact from month m on (m <= l), else the day its relapse or death was seen. A clone-month's
    inverse-probability weight is the clone's weight on that day: its data on month m exist
    only if it still followed its strategy when that contact came."""
    m = np.arange(1, K + 1)[None, :]
    return np.where(m <= clones.l[:, None], grid.next_contact, grid.end[:, None])


_MONTHS = np.arange(1, K + 1)[None, :]


@dataclass(frozen=True)
class CameBy:
    """Which clone-months' data came by a day t (`InfoDays[rows] <= t`) without the (n, K)
    days: in months m <= l the info day is the first contact from month m on, which does not
    decrease with m, so those months up to `head` (<= l) qualify; in months after l it is
    `end`, so all of them qualify or none (`tail`). `came[rows]` gives the (b, K) mask, the
    same booleans as the comparison (tests/emulation/test_scale.py)."""

    head: np.ndarray  # (n,) months 1..head (<= l) have data by t
    l: np.ndarray  # noqa: E741 - the clones' months known relapse-free
    tail: np.ndarray  # (n,) the months after l have data by t (end <= t)

    @classmethod
    def of(cls, days: InfoDays, t: float) -> CameBy:
        n = days.l.size
        head = np.empty(n, np.int64)
        for lo in range(0, n, 65536):  # in blocks: no (n, K) temporary
            rows = slice(lo, lo + 65536)
            # float32 days compared as float64 (a Python float would be cast to float32)
            head[rows] = np.sum(days.next_contact[rows].astype(np.float64) <= t, axis=1)
        return cls(np.minimum(head, days.l), days.l, days.end <= t)

    def __getitem__(self, rows) -> np.ndarray:
        l = self.l[rows][:, None]  # noqa: E741
        return (_MONTHS <= self.head[rows][:, None]) | ((_MONTHS > l) & self.tail[rows][:, None])
