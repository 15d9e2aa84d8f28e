"""Tables for analyses: exact-time stops, counting-process rows, landmark and person-period."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench.cohort.exposure import refuse_outcomes
from workbench.exceptions import ParameterError


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
    refuse_outcomes([str(c) for c in s.columns])
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


def _check_breaks(breaks: Sequence[float]) -> np.ndarray:
    b = np.asarray(breaks, dtype=float).ravel()
    if b.size and b[0] > 0:
        b = np.concatenate([[0.0], b])
    if b.size < 2 or not np.all(np.isfinite(b)) or b[0] != 0 or np.any(np.diff(b) <= 0):
        raise ParameterError(
            f"breaks {np.asarray(breaks).ravel().tolist()} must be increasing finite days >= 0 "
            "with at least one period, e.g. [0, 90, 180, 365]."
        )
    return b


def person_period(
    cohort: pd.DataFrame, starts: pd.DataFrame, breaks: Sequence[float]
) -> pd.DataFrame:
    """One row per release per period of `breaks` (days) overlapping its follow-up.

    Follow-up runs to R for a relapse and to L (the last day known relapse-free) otherwise,
    clipped at the last break. Columns: release_id, period (0-based), start, stop, days,
    ``after_lower`` (1 when the piece ends after L: inside the relapse interval), ``event`` (1 on
    the piece holding R), and per column of ``starts`` the days exposed within (start, stop].
    """
    b = _check_breaks(breaks)
    s = _aligned_starts(cohort, starts).to_numpy(float)
    lower = cohort["lower_day"].to_numpy(float)
    upper = cohort["upper_day"].to_numpy(float)
    relapse = (cohort["event"] == "relapse").to_numpy()
    end = np.where(relapse, upper, lower)
    n_pieces = np.searchsorted(b[:-1], np.minimum(end, b[-1]), side="left")
    pos = np.repeat(np.arange(len(cohort)), n_pieces)
    first_row = np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    k = np.arange(len(pos)) - first_row
    start = b[k]
    stop = np.minimum(b[k + 1], end[pos])
    out = pd.DataFrame(
        {
            "release_id": cohort["release_id"].to_numpy()[pos],
            "period": k.astype(np.int64),
            "start": start,
            "stop": stop,
            "days": stop - start,
            "after_lower": (stop > lower[pos]).astype(np.int64),
            "event": (relapse[pos] & (upper[pos] > start) & (upper[pos] <= stop)).astype(np.int64),
        }
    )
    for j, code in enumerate(starts.columns):
        on = np.maximum(start, np.nan_to_num(s[pos, j], nan=np.inf))
        out[str(code)] = np.maximum(stop - on, 0.0)
    return out
