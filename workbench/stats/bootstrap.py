"""The seeded bootstrap that runs anywhere: replicate b always draws from child b of
`numpy.random.SeedSequence(seed)`, so the numbers do not depend on `n_jobs` or on where the
replicates run (in this process, on joblib's local processes, or on a Dask cluster given as
`scheduler=`).

`run_replicates(fn, seeds, n_jobs, scheduler)` is the runner every estimator's bootstrap uses;
`bootstrap` stacks its rows; `percentile_ci` turns them into intervals; `resample_weights` draws
one bootstrap sample of releases as multinomial counts on aggregated records.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs

from workbench import console
from workbench.exceptions import EstimationError, ParameterError


def _chunk(fn, seeds, progress=None, done=0, total=0):
    out = []
    for seed in seeds:
        try:
            out.append(fn(np.random.default_rng(seed)))
        except EstimationError:
            out.append(None)
        if progress is not None:
            progress(done + len(out), total)
    return out


def _batch(fn, seeds, progress=None, done=0, total=0):
    """`fn` on a whole chunk: a list of generators in, a list of rows (None: failed) out."""
    out = list(fn([np.random.default_rng(seed) for seed in seeds]))
    if progress is not None:
        progress(done + len(out), total)
    return out


# Replicates per chunk when a batched `fn` runs in this process (n_jobs 1).
BATCH = 25


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


def check_scheduler(address: str | None) -> None:
    """Connect to the Dask scheduler at `address` once and close (a command checks it before
    its analyses, so an unreachable one fails fast in one line); nothing when None."""
    if address:
        dask_client(address).close()


def _dask_chunks(fn, seeds, scheduler, progress=None, runner=_chunk, meanwhile=None) -> list:
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
        futures = client.map(runner, [shipped] * len(chunks), chunks, pure=False)
        if meanwhile is not None:
            meanwhile()
        if progress is not None:  # chunk by chunk, in order (no default client needed)
            parts, done = [], 0
            for future, chunk in zip(futures, chunks, strict=True):
                parts.append(future.result())
                done += len(chunk)
                progress(done, len(seeds))
            return _merge(parts, len(seeds))
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


def run_replicates(
    fn, seeds, n_jobs: int = 1, scheduler=None, progress=None, batched: bool = False,
    meanwhile=None,
) -> list:  # fmt: skip
    """[fn(numpy.random.default_rng(s)) for s in seeds], None where fn raised EstimationError.

    Sequential when n_jobs == 1; on joblib's local processes otherwise; on Dask when
    `scheduler` is given (a distributed Client, a cluster or a scheduler address) or when
    joblib's Dask backend is active (`with joblib.parallel_config(backend="dask"):`). Each
    replicate's draws come from its own seed, so results do not depend on where it ran.
    The scheduler is an argument all the way from the CLI (`--dask-scheduler`), never ambient.

    `progress(done, total)` is called in this process as replicates finish (per replicate
    when sequential, per chunk otherwise). None (the default): the running console's
    bootstrap bar (`workbench.console.replicate_progress`), or nothing when none shows.
    Progress only reports: it never changes which replicate gets which seed.

    `batched`: `fn` takes a chunk (a list of generators) and returns one row (or None) per
    generator, so the chunk's replicates can share work (the target trial's EM); its rows
    must not depend on which other replicates share the chunk. In this process the chunks hold
    `BATCH` replicates.

    `meanwhile()`: other work of the caller, run in this process once the replicates are
    handed to the workers (they go on while it runs: no core waits for it) and before their
    rows are collected; when sequential, before the replicates.
    """
    runner = _batch if batched else _chunk
    meanwhile = meanwhile if meanwhile is not None else (lambda: None)
    seeds = list(seeds)
    if progress is None:
        progress = console.replicate_progress()
    if progress is not None:
        progress(0, len(seeds))
    if scheduler is not None:
        return _dask_chunks(fn, seeds, scheduler, progress, runner, meanwhile)
    dask = _dask_backend_active()
    if n_jobs == 1 and not dask:
        meanwhile()
        if not batched:
            return _chunk(fn, seeds, progress, 0, len(seeds))
        parts, done = [], 0
        for c in _split(seeds, -(-len(seeds) // BATCH)):
            parts.append(_batch(fn, c, progress, done, len(seeds)))
            done += len(c)
        return _merge(parts, len(seeds))
    n_workers = effective_n_jobs(-1 if dask else n_jobs)
    chunks = _split(seeds, 4 * n_workers)
    parallel = Parallel(n_jobs=-1 if dask else n_jobs, return_as="generator")
    parts, done = [], 0
    results = parallel(delayed(runner)(fn, c) for c in chunks)  # dispatching from here on
    meanwhile()
    for part in results:
        parts.append(part)
        done += len(part)
        if progress is not None:
            progress(done, len(seeds))
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


def resample_weights(rng, n_pair, w_pair, release_pair=None, release_w=None) -> np.ndarray:
    """Weights of aggregated records (pairs) in one bootstrap sample of releases (multinomial
    counts). `n_pair`, `w_pair`: releases and summed weights per pair; `release_pair`,
    `release_w`: each release's pair and weight, needed only when weights differ within a pair."""
    if release_pair is None:  # weights constant within each pair: resample pairs' releases
        n = int(n_pair.sum())
        counts = rng.multinomial(n, n_pair / n)
        return counts * (w_pair / n_pair)
    counts = rng.multinomial(release_pair.size, np.full(release_pair.size, 1 / release_pair.size))
    return np.bincount(release_pair, counts * release_w, minlength=n_pair.size)
