"""Result objects and the seeded bootstrap shared by the effect analyses."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, effective_n_jobs

from workbench.exceptions import EstimationError, ParameterError

# A Dask scheduler address for every bootstrap of this process and its children (the report's
# kernel): set by `workbench report/effects --dask-scheduler`. Results do not depend on it.
SCHEDULER_ENV = "WORKBENCH_DASK_SCHEDULER"


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
            out.append(fn(np.random.default_rng(seed)))
        except EstimationError:
            out.append(None)
    return out


def _dask_backend_active() -> bool:
    from joblib.parallel import get_active_backend

    return type(get_active_backend()[0]).__name__ == "DaskDistributedBackend"


def dask_client(address: str, timeout: float = 30.0):
    """A distributed Client for `address`, or a ParameterError saying the scheduler is unreachable."""
    from dask.distributed import Client

    try:
        return Client(address, set_as_default=False, timeout=timeout)
    except (OSError, TimeoutError, ValueError) as err:
        raise ParameterError(
            f"Dask scheduler {address!r} cannot be reached ({type(err).__name__}); start it "
            "(e.g. `dask scheduler`) or give its address as tcp://HOST:8786."
        ) from None


def _dask_chunks(fn, seeds, scheduler) -> list:
    """Run on a Dask cluster: `scheduler` is a distributed Client, a cluster, or an address."""
    from dask.distributed import Client

    own = not isinstance(scheduler, Client)
    if own:
        client = dask_client(getattr(scheduler, "scheduler_address", scheduler))
    else:
        client = scheduler
    try:
        workers = max(1, sum(client.nthreads().values()))
        chunks = _split(seeds, 4 * workers)
        shipped = client.scatter(fn, broadcast=True, hash=False)  # the data go once per worker
        futures = client.map(_chunk, [shipped] * len(chunks), chunks, pure=False)
        return _merge(client.gather(futures), len(seeds))
    finally:
        if own:
            client.close()


def _split(seeds, n_chunks):
    n_chunks = max(1, min(len(seeds), n_chunks))
    return [seeds[i::n_chunks] for i in range(n_chunks)]


def _merge(parts, n):
    rows: list = [None] * n
    for i, part in enumerate(parts):
        for j, value in enumerate(part):
            rows[i + j * len(parts)] = value
    return rows


def run_replicates(fn, seeds, n_jobs: int = 1, scheduler=None) -> list:
    """[fn(numpy.random.default_rng(s)) for s in seeds], None where fn raised EstimationError.

    Sequential when n_jobs == 1; on joblib's local processes otherwise; on Dask when
    `scheduler` is given (a distributed Client, a cluster or a scheduler address) or when
    joblib's Dask backend is active (`with joblib.parallel_config(backend="dask"):`). Each
    replicate's draws come from its own seed, so results do not depend on where it ran.
    Without `scheduler`, $WORKBENCH_DASK_SCHEDULER (an address) is used when set.
    """
    if scheduler is None:
        scheduler = os.environ.get(SCHEDULER_ENV) or None
    if scheduler is not None:
        return _dask_chunks(fn, list(seeds), scheduler)
    dask = _dask_backend_active()
    if n_jobs == 1 and not dask:
        return _chunk(fn, seeds)
    n_workers = effective_n_jobs(-1 if dask else n_jobs)
    chunks = _split(list(seeds), 4 * n_workers)
    parts = Parallel(n_jobs=-1 if dask else n_jobs)(delayed(_chunk)(fn, c) for c in chunks)
    return _merge(parts, len(seeds))


def bootstrap(
    fn: Callable[[np.random.Generator], np.ndarray],
    n_bootstrap: int,
    seed: int | np.random.SeedSequence,
    n_jobs: int = 1,
    *,
    scheduler=None,
) -> np.ndarray:
    """Run `fn(rng)` for `n_bootstrap` replicates, each seeded by its own SeedSequence child.

    Replicate b always gets child b, so the result does not depend on `n_jobs` or on the
    backend (see `run_replicates`). A replicate that raises EstimationError gives a row of NaN.
    Returns an (n_bootstrap, k) array.
    """
    if n_bootstrap < 1:
        raise ParameterError(f"n_bootstrap {n_bootstrap} must be >= 1 (e.g. 200).")
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rows = run_replicates(fn, root.spawn(n_bootstrap), n_jobs, scheduler)
    rows = [None if r is None else np.asarray(r, float).reshape(-1) for r in rows]
    width = max((r.size for r in rows if r is not None), default=1)
    return np.vstack([np.full(width, np.nan) if r is None else r for r in rows])


def percentile_ci(draws: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per column, ignoring failed (NaN) replicates."""
    draws = np.atleast_2d(draws)
    ok = ~np.isnan(draws).any(axis=1)
    if ok.sum() < 2:
        nan = np.full(draws.shape[1], np.nan)
        return nan, nan.copy()
    lo, hi = np.quantile(draws[ok], [alpha / 2, 1 - alpha / 2], axis=0)
    return lo, hi
