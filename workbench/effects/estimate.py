"""Result objects and the seeded bootstrap shared by the effect analyses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from workbench.exceptions import EstimationError, ParameterError


@dataclass(frozen=True)
class EffectEstimate:
    """One support's hazard ratio with its confidence interval, method and caveats."""

    intervention: str
    hazard_ratio: float
    ci: tuple[float, float]
    method: str
    n_exposed: int = 0
    ci_model: tuple[float, float] = (np.nan, np.nan)
    se_log_hr: float = np.nan
    notes: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "code": self.intervention,
                    "n_exposed": self.n_exposed,
                    "hr": self.hazard_ratio,
                    "hr_lower": self.ci[0],
                    "hr_upper": self.ci[1],
                    "hr_lower_model": self.ci_model[0],
                    "hr_upper_model": self.ci_model[1],
                    "method": self.method,
                    "notes": " ".join(self.notes),
                }
            ]
        )


def not_estimable(code: str, n_exposed: int, method: str, threshold: int) -> EffectEstimate:
    """A placeholder estimate (NaN) for a support with too few exposed people."""
    return EffectEstimate(
        code,
        np.nan,
        (np.nan, np.nan),
        method,
        n_exposed=n_exposed,
        notes=(f"not estimable: too few exposed (fewer than {threshold}).",),
    )


def _chunk(fn, seeds):
    out = []
    for seed in seeds:
        try:
            out.append(np.asarray(fn(np.random.default_rng(seed)), float))
        except EstimationError:
            out.append(None)
    return out


def bootstrap(
    fn: Callable[[np.random.Generator], np.ndarray],
    n_boot: int,
    seed: int | np.random.SeedSequence,
    n_jobs: int = 1,
) -> np.ndarray:
    """Run `fn(rng)` for `n_boot` replicates, each seeded by its own SeedSequence child.

    Replicate b always gets child b, so the result does not depend on `n_jobs`. A replicate that
    raises EstimationError gives a row of NaN. Returns an (n_boot, k) array.
    """
    if n_boot < 1:
        raise ParameterError(f"n_boot {n_boot} must be >= 1 (e.g. 200).")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    seeds = root.spawn(n_boot)
    n_chunks = max(1, min(n_boot, 4 * (n_jobs if n_jobs > 0 else 2)))
    chunks = [seeds[i::n_chunks] for i in range(n_chunks)]
    if n_jobs == 1:
        parts = [_chunk(fn, c) for c in chunks]
    else:
        parts = Parallel(n_jobs=n_jobs)(delayed(_chunk)(fn, c) for c in chunks)
    rows: list = [None] * n_boot
    for i, part in enumerate(parts):
        for j, value in enumerate(part):
            rows[i + j * n_chunks] = value
    width = max((r.size for r in rows if r is not None), default=1)
    return np.vstack([np.full(width, np.nan) if r is None else r.reshape(-1) for r in rows])


def percentile_ci(draws: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column, ignoring failed (NaN) replicates."""
    draws = np.atleast_2d(draws)
    ok = ~np.isnan(draws).any(axis=1)
    if ok.sum() < 2:
        nan = np.full(draws.shape[1], np.nan)
        return nan, nan.copy()
    lo, hi = np.quantile(draws[ok], [alpha / 2, 1 - alpha / 2], axis=0)
    return lo, hi
