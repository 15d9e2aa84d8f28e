"""What the programme records about the simulated truth: visits, exact-dated events, support.

Conventions (also in data/README.md): day d is the d-th day after release (release day = 0). A
visit on day v sees a relapse when the true relapse day T <= v; an exact-dated event on day d
means the true time lies in (d - 1, d], i.e. d = ceil(T).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from workbench.data import codes

RESULTS = np.array(
    ["negative", "positive", "missed", "died", "detained", "transferred"], dtype=object
)
_NEG, _POS, _MISS, _DIED, _DET, _TRANS = range(6)
_MAX_UNSCHEDULED = 3


@dataclass(frozen=True)
class Fates:
    """Per-release true times (days since release, continuous; inf = never)."""

    relapse: np.ndarray
    death: np.ndarray
    transfer: np.ndarray
    lost: np.ndarray
    police: np.ndarray  # bool: the relapse is known to the day from police records
    cut: np.ndarray  # last day on or before the data cut-off


def contact_slots(rng: np.random.Generator, cfg: dict, n: int):
    """Contact days (n, 6 + 3): scheduled (jittered) and unscheduled (inf = none), sorted."""
    v = cfg["visits"]
    months = np.asarray(codes.SCHEDULED_MONTHS, dtype=float)
    jit = int(v["jitter_days"])
    sched = np.round(months * codes.DAYS_PER_MONTH) + rng.integers(-jit, jit + 1, (n, months.size))
    lam = v["unscheduled_per_year"] * codes.TRACKING_DAYS / 365.25
    count = np.minimum(rng.poisson(lam, size=n), _MAX_UNSCHEDULED)
    extra = rng.integers(1, int(codes.TRACKING_DAYS) + 1, size=(n, _MAX_UNSCHEDULED)).astype(float)
    extra[np.arange(_MAX_UNSCHEDULED)[None, :] >= count[:, None]] = np.inf
    # one record per day: no unscheduled contact on the day of another contact
    clash = (extra[:, :, None] == sched[:, None, :]).any(axis=2)
    for k in range(1, _MAX_UNSCHEDULED):
        clash[:, k] |= (extra[:, k : k + 1] == extra[:, :k]).any(axis=1)
    extra[clash] = np.inf
    day = np.concatenate([sched, extra], axis=1)
    month = np.concatenate([np.broadcast_to(months, sched.shape), np.full(extra.shape, np.nan)], 1)
    order = np.argsort(day, axis=1, kind="stable")
    return np.take_along_axis(day, order, axis=1), np.take_along_axis(month, order, axis=1)


def _first(mask: np.ndarray) -> np.ndarray:
    """True at the first True of each row (column loop: fast for few, long columns)."""
    out = np.zeros_like(mask)
    seen = np.zeros(mask.shape[0], dtype=bool)
    for k in range(mask.shape[1]):
        out[:, k] = mask[:, k] & ~seen
        seen |= mask[:, k]
    return out


def _after(mask: np.ndarray) -> np.ndarray:
    """True strictly after the first True of each row."""
    out = np.zeros_like(mask)
    for k in range(1, mask.shape[1]):
        out[:, k] = out[:, k - 1] | mask[:, k - 1]
    return out


@dataclass(frozen=True)
class VisitRows:
    """The visit records (one entry per row, sorted by release and day) and per-release days."""

    rows: np.ndarray  # release index of each row
    cols: np.ndarray  # contact slot of each row (column of the contact grid)
    day: np.ndarray
    month: np.ndarray  # scheduled month (NaN = unscheduled)
    result: np.ndarray  # result code (index into RESULTS)
    attended: np.ndarray  # bool: somebody was seen at the contact
    det_day: np.ndarray  # per release: day of re-admission found at a visit (inf = none)
    detect_day: np.ndarray  # per release: first day a relapse is known (visit or police)


def draw_visits(rng: np.random.Generator, cfg: dict, f: Fates, contacts=None) -> VisitRows:
    """The visit records and the days on which relapses become known.

    A missed visit is written on the day it was scheduled for (the jittered day). `contacts`:
    (day, month, u_miss) drawn beforehand (the employment feedback needs them before relapse).
    detect_day ignores the cut-off: it is when staff would learn of the relapse."""
    n = f.relapse.shape[0]
    if contacts is None:
        day, month = contact_slots(rng, cfg, n)
        u_miss, u_det, u_persist, u_sens = (rng.random(day.shape) for _ in range(4))
    else:
        day, month, u_miss = contacts
        u_det, u_persist, u_sens = (rng.random(day.shape) for _ in range(3))
    v = cfg["visits"]
    sched = ~np.isnan(month)
    police_t = np.where(f.police, f.relapse, np.inf)
    term = np.minimum(np.minimum(f.death, f.transfer), police_t)
    kind = np.where(term == f.death, _DIED, np.where(term == f.transfer, _TRANS, _DET))
    known = term < f.lost
    after_term = known[:, None] & (day > term[:, None])
    term_slot = _first(after_term & sched)
    lost = ~known[:, None] & (day > f.lost[:, None])
    normal = np.isfinite(day) & ~after_term & ~lost
    missed = (normal & sched & (u_miss < v["missed_share"])) | (lost & sched)
    attended = normal & ~missed
    relapsed = attended & (day >= f.relapse[:, None])
    first = _first(relapsed)
    later = relapsed & ~first
    det = first & (u_det < v["detained_share"])
    using = (first & ~det) | (later & (u_persist < v["persist_share"]))
    result = np.full(day.shape, _NEG, dtype=np.int8)
    result[using & (u_sens < cfg["knobs"]["test_sensitivity"])] = _POS
    result[det] = _DET
    result[missed] = _MISS
    result[term_slot] = kind[np.nonzero(term_slot)[0]]
    recorded = (attended | missed | term_slot) & ~_after(det)
    keep = recorded & (day <= f.cut[:, None])
    rows, cols = np.nonzero(keep)
    det_day = np.where(det, day, np.inf).min(axis=1)
    found = recorded & ((result == _POS) | (result == _DET))
    police_found = np.where(known & (kind == _DET), term, np.inf)
    detect_day = np.minimum(np.where(found, day, np.inf).min(axis=1), police_found)
    return VisitRows(
        rows,
        cols,
        day[rows, cols],
        month[rows, cols],
        result[rows, cols],
        attended[rows, cols],
        det_day,
        detect_day,
    )


def draw_events(rng: np.random.Generator, cfg: dict, f: Fates, det_day: np.ndarray):
    """Exact-dated relapses (police), deaths (hospital / civil registry) and transfers."""
    e = cfg["events"]
    n = f.relapse.shape[0]
    u_death, u_trans, u_src = (rng.random(n) for _ in range(3))
    police_t = np.where(f.police, f.relapse, np.inf)
    horizon = codes.TRACKING_DAYS

    def seen(t, *others):
        end = np.minimum.reduce([f.lost, *others])
        return (t < end) & (t <= horizon) & (np.ceil(t) <= f.cut)

    rel = f.police & seen(f.relapse, f.death, f.transfer)
    death = (u_death < e["death_recorded_share"]) & seen(f.death, f.transfer, det_day, police_t)
    trans = (u_trans < e["transfer_recorded_share"]) & seen(f.transfer, f.death, det_day, police_t)
    parts = []
    for mask, times, event, source in (
        (rel, f.relapse, "relapse", np.full(n, "police", dtype=object)),
        (death, f.death, "death", np.where(u_src < 0.5, "hospital", "civil_registry")),
        (trans, f.transfer, "transfer", np.full(n, "household_registry", dtype=object)),
    ):
        idx = np.nonzero(mask)[0]
        parts.append(
            (idx, np.ceil(times[idx]), np.full(idx.size, event, dtype=object), source[idx])
        )
    return tuple(np.concatenate(col) for col in zip(*parts, strict=True))


def draw_support(
    rng: np.random.Generator, cfg: dict, f: Fates, planned: np.ndarray, known_relapse=None
):
    """Support actually given: planned start before relapse, death, transfer, loss and cut-off.

    `known_relapse`: the day the relapse becomes known (employment feedback: support can start
    after an undetected relapse); default the true relapse day."""
    n, j = planned.shape
    specs = list(cfg["interventions"].values())
    u_end = rng.random((n, j))
    z_amount = rng.standard_normal((n, j))
    relapse = f.relapse if known_relapse is None else known_relapse
    end_of_care = np.minimum.reduce([relapse, f.death, f.transfer, f.lost])
    given = (
        ~np.isnan(planned)
        & (planned < end_of_care[:, None])
        & (planned <= f.cut[:, None])
        & (planned <= codes.TRACKING_DAYS)
    )
    end = np.full((n, j), np.nan)
    amount = np.full((n, j), np.nan)
    for c, spec in enumerate(specs):
        if spec["end_days"] is not None:
            lo, hi = spec["end_days"]
            end[:, c] = planned[:, c] + np.floor(lo + u_end[:, c] * (hi - lo + 1))
        if spec["amount"] is not None:
            a = spec["amount"]
            raw = a["median"] * np.exp(a["sigma"] * z_amount[:, c])
            amount[:, c] = np.round(np.minimum(raw, a["max"]))
    end[end > f.cut[:, None]] = np.nan  # not yet ended at the cut-off
    rows, cols = np.nonzero(given)
    return rows, cols, planned[rows, cols], end[rows, cols], amount[rows, cols]


def to_dates(release_dates: np.ndarray, rows: np.ndarray, days: np.ndarray) -> pd.DatetimeIndex:
    """release date of each row + whole days (NaN -> NaT), as datetime64[ns]."""
    base = release_dates[rows].astype("datetime64[D]")
    ok = np.isfinite(days)
    out = np.full(rows.shape, np.datetime64("NaT"), dtype="datetime64[D]")
    out[ok] = base[ok] + days[ok].astype(np.int64).astype("timedelta64[D]")
    return pd.DatetimeIndex(out.astype("datetime64[ns]"))
