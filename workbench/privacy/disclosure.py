"""Disclosure control for official outputs (docs/disclosure.md): what may be published.

Three layers, each a standard of official statistics producers:

1. **One threshold, with a floor.** The report's ``suppression_threshold`` k is the only one
   (counts, rates, effects, subgroups); below `FLOOR` it is refused unless the parameter set says
   ``internal_use: true`` (the report is then marked internal, not for release).
2. **Scope rules** (against differencing between overlapping scopes): release periods are whole
   calendar months; a scope's first and last non-empty months hold at least k releases; every
   restriction of the scope (prefecture, facility, start, end) removes nobody or at least k
   people. Two scopes allowed by these rules (same data) differ by no one or by at least k people.
3. **Cell-key perturbation** (the ABS/ONS method, keyed by the record set of the scope): each
   published count n >= k becomes n + d with d in -3..3 drawn from a fixed table by a key
   derived from the scope's records and the cell's name; rates and curves are shifted by the same
   kind of draw on their implied count (d / n) and withheld when their implied numerator or its
   complement is below k. The same records give the same numbers (reruns, zh and en reports
   agree); any change of the record set redraws every cell, so the difference of two reports is
   the true difference plus noise of spread ±6.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from workbench.exceptions import ParameterError

if TYPE_CHECKING:  # annotations only: parameter validation must not pay pandas's ~1.3 s import
    import pandas as pd

FLOOR = 5  # a threshold below this is refused unless internal_use
# Published precision (the report prints one digit less): the report and metrics.json show the
# same rounded numbers, and eight significant digits would let two reports be differenced far
# below one person's weight.
RATE_DECIMALS, HR_DECIMALS, DAYS_DECIMALS = 4, 3, 1
DOC = "docs/disclosure.md"

# The perturbation table: noise d and its probability (symmetric, mean 0, variance 4).
NOISE = np.arange(-3, 4)
NOISE_P = np.full(7, 1 / 7)
_NOISE_CDF = np.cumsum(NOISE_P)


def check_threshold(k: int, internal_use: bool) -> str | None:
    """The problem with threshold `k` (None when allowed)."""
    if k < FLOOR and not internal_use:
        return (
            f"suppression_threshold {k} is below the floor {FLOOR} for official outputs; use "
            f"{FLOOR} or more, or set internal_use: true for an internal report ({DOC})"
        )
    return None


def check_period(start: dt.date | None, end: dt.date | None, internal_use: bool) -> str | None:
    """The problem with a release period that is not made of whole calendar months."""
    if internal_use:
        return None
    if start is not None and start.day != 1:
        first = start.replace(day=1)
        return (
            f"release_start {start} is not the first day of a month: report periods are whole "
            f"months, so that two reports cannot differ by a few people ({DOC}); use {first}"
        )
    if end is not None and end.day != calendar.monthrange(end.year, end.month)[1]:
        last = end.replace(day=calendar.monthrange(end.year, end.month)[1])
        return (
            f"release_end {end} is not the last day of a month: report periods are whole "
            f"months, so that two reports cannot differ by a few people ({DOC}); use {last}"
        )
    return None


def check_scope(
    release_month: pd.Series,
    restrictions: Mapping[str, pd.Series],
    k: int,
    edges: Iterable[str] = (),
) -> None:
    """Raise ParameterError unless the scope follows the scope rules (module doc).

    `release_month` holds each release's month (a Period) for the whole, unscoped cohort;
    `restrictions` maps a parameter name to the boolean mask it keeps; `edges` lists the explicit
    period bounds ("release_start", "release_end") whose edge month must hold k releases.
    """
    masks = {name: m.to_numpy(bool) for name, m in restrictions.items()}
    everyone = np.ones(len(release_month), dtype=bool)
    scope = np.logical_and.reduce([everyone, *masks.values()])
    for name, mask in masks.items():
        others = np.logical_and.reduce([everyone, *(m for o, m in masks.items() if o != name)])
        removed = int((others & ~mask).sum())
        if 0 < removed < k:
            raise ParameterError(
                f"{name} leaves out fewer than {k} people of the otherwise same scope, so "
                f"comparing this report with one without {name} would disclose them ({DOC}); "
                f"widen or drop {name}"
            )
    months = release_month[scope]
    for name in edges:
        if months.empty:
            return
        edge = months.max() if name == "release_end" else months.min()
        if 0 < int((months == edge).sum()) < k:
            raise ParameterError(
                f"{name}: the scope's {'last' if name == 'release_end' else 'first'} month "
                f"({edge}) holds fewer than {k} releases, so two reports one month apart would "
                f"disclose them ({DOC}); move {name} to include a larger month"
            )


def scope_key(release_ids: Iterable[object]) -> bytes:
    """The key of a record set: sha256 over its sorted release ids (order does not matter)."""
    # The domain bytes are a published constant of the perturbation, not this module's path.
    digest = hashlib.sha256(b"workbench.disclosure/1\0")
    for rid in sorted(str(r) for r in release_ids):
        digest.update(rid.encode("utf-8") + b"\0")
    return digest.digest()


def noise(key: bytes, cell: str) -> int:
    """The perturbation d of one cell: the table's inverse CDF at the cell key in [0, 1)."""
    h = hashlib.sha256(key + b"\0" + cell.encode("utf-8")).digest()
    u = int.from_bytes(h[:8], "big") / 2.0**64
    return int(NOISE[int(np.searchsorted(_NOISE_CDF, u, side="right"))])


def perturb_count(n: object, key: bytes, cell: str, k: int) -> object:
    """A count as published: n + d (never below k) when n >= k; small counts stay as they are
    (the renderers suppress them); None and non-numbers pass through."""
    try:
        value = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return n
    if not np.isfinite(value) or value < k:
        return n
    return int(max(round(value) + noise(key, cell), k))


def rate_allowed(p: object, n: object, k: int) -> bool:
    """A proportion p of n people may be shown only when its implied numerator n·p and its
    complement n·(1 − p) are both at least k (and n itself is)."""
    try:
        p, n = float(p), float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    if not (np.isfinite(p) and np.isfinite(n)) or n < k:
        return False
    eps = 1e-9 * max(n, 1.0)  # 100 × (1 − 0.9) is 9.999999999999998 in floating point
    return bool(n * p >= k - eps and n * (1 - p) >= k - eps)


def perturb_rate(p: float, n: float, key: bytes, cell: str) -> float:
    """A proportion shifted by its implied count's noise, d / n, kept in [0, 1]."""
    return float(np.clip(p + noise(key, cell) / n, 0.0, 1.0))


# --- applying the rules to a report's results ------------------------------------------------

VISIT_SCALE = 6  # one person has up to 6 scheduled visits: visit counts get 6 draws of noise


def count_noise(key: bytes, cell: str, scale: int = 1) -> int:
    """The sum of `scale` independent draws (a person can add up to `scale` to this count)."""
    if scale == 1:
        return noise(key, cell)
    return sum(noise(key, f"{cell}#{i}") for i in range(scale))


def protect_count(n: object, key: bytes, cell: str, k: int, scale: int = 1) -> object:
    """`perturb_count` with the noise of a count to which one person adds up to `scale`."""
    try:
        value = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return n
    if not np.isfinite(value) or value < k:
        return n
    return int(max(round(value) + count_noise(key, cell, scale), k))


def shifted(
    values: object, p: float, n: float, key: bytes, cell: str, k: int, n_shown: object = None
) -> np.ndarray:
    """Proportions (an estimate and its CI) shifted together by one draw d / n, or NaN when
    the estimate `p` of `n` people is not publishable (`rate_allowed`) — checked on the true
    numbers and again on the published ones (the shifted estimate of `n_shown`, the published
    n), so that anyone can check an output with the published numbers alone."""
    arr = np.asarray(values, dtype=float)
    if not rate_allowed(p, n, k):
        return np.full_like(arr, np.nan)
    out = np.round(np.clip(arr + noise(key, cell) / float(n), 0.0, 1.0), RATE_DECIMALS)
    if n_shown is not None and not rate_allowed(out[0], n_shown, k):
        return np.full_like(arr, np.nan)
    return out
