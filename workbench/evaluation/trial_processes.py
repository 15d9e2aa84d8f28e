"""The report's target trials in two processes (issue 23: the 2.3 M-release report in 10 minutes).

With the sandwich CI (no bootstrap replicates) a support's trial is one process's work and
nothing else runs meanwhile, so with `n_jobs` >= 2 the supports are shared between this process
and one forked worker. The cohort's grid is built here first (grid.shared_grid) and the worker
is forked after it: the worker reads the cohort and the grid from the memory it shares with
this process (copy-on-write: nothing is copied or pickled; `gc.freeze` keeps the garbage
collector from writing to those objects' pages). Both processes take the next support from a
shared counter; the worker sends each support's `TrialSummary` (plain tables with the caveats
fit_one recorded) back through a queue. A support the worker did not deliver (it stopped, e.g.
killed for memory) is fitted here. Which process fits a support does not change its numbers
(tests/evaluation/test_trial_processes.py).
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import warnings
from collections.abc import Callable
from typing import Any


def usable() -> bool:
    """Whether a worker can be forked here (POSIX: shares the parent's memory)."""
    return "fork" in multiprocessing.get_all_start_methods()


def fit_supports(cohort: Any, chosen: list[str], params: Any, fit: Callable) -> dict[str, Any]:
    """`{code: fit(cohort, code, params, None, ahead=...)}` for the supports `chosen` (in that
    order), fitted by this process and one forked worker; call inside grid.shared_grid."""
    from workbench.emulation.grid import build_grid

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            build_grid(cohort, chosen[0])  # once, before the fork: both processes read it
        except Exception:  # the trials meet the problem themselves, one process is enough
            return {code: fit(cohort, code, params) for code in chosen}
    # the warnings building the grid raised are raised again inside the first support's fit,
    # as when it builds the grid itself (fit_one's `ahead` store: no point estimate made)
    store: dict = {chosen[0]: (None, list(caught))}
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("i", 0)
    results = ctx.Queue()
    done: dict[str, Any] = {}
    gc.collect()
    gc.freeze()  # the objects so far: never traversed again, their pages stay shared
    try:
        worker = ctx.Process(
            target=_work, args=(cohort, chosen, params, fit, store, counter, results), daemon=True
        )
        worker.start()
        while (k := _take(counter, len(chosen))) is not None:
            done[chosen[k]] = fit(cohort, chosen[k], params, None, ahead=(None, store))
        done.update(_collect(results, worker))
        worker.join()
    finally:
        gc.unfreeze()
    for code in chosen:  # what the worker did not deliver
        if code not in done:
            done[code] = fit(cohort, code, params, None, ahead=(None, store))
    return {code: done[code] for code in chosen}


def _take(counter: Any, n: int) -> int | None:
    """The next support's index (shared by both processes), None when all are taken."""
    with counter.get_lock():
        k = counter.value
        if k >= n:
            return None
        counter.value = k + 1
    return k


def _work(cohort, chosen, params, fit, store, counter, results) -> None:
    """The worker: fit supports until none is left, send each; None at the end. On an
    unexpected error it stops: the parent fits what it did not send, and meets the error."""
    try:
        while (k := _take(counter, len(chosen))) is not None:
            code = chosen[k]
            results.put((code, fit(cohort, code, params, None, ahead=(None, store))))
    except Exception:  # the parent fits that support itself and meets the error there
        pass
    results.put(None)


def _collect(results: Any, worker: Any) -> dict[str, Any]:
    """The worker's summaries until its end marker (or its end without one)."""
    out: dict[str, Any] = {}
    while True:
        try:
            item = results.get(timeout=1.0)
        except queue.Empty:
            if worker.is_alive():
                continue
            try:  # anything it sent just before it ended
                item = results.get(timeout=1.0)
            except queue.Empty:
                return out
        if item is None:
            return out
        code, summary = item
        out[code] = summary
