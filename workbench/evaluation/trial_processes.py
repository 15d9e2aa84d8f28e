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
(tests/evaluation/test_trial_processes.py). While another worker uses the second core (the
report's independent sections, evaluation/section_processes.py, `second_core`), the worker is
forked only once that core is free, asked before each support this process fits.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from workbench.evaluation import memory


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
    free = _SECOND_CORE.get() or (lambda: True)
    n = len(getattr(cohort, "table", ()))

    def fits() -> bool:  # the two processes' fits within the memory budget (evaluation.memory)
        return memory.trial_worker_fits(n)

    worker = None
    try:
        while True:
            if worker is None and counter.value < len(chosen) - 1 and free() and fits():
                gc.collect()
                gc.freeze()  # the objects so far: never traversed again, their pages stay shared
                worker = ctx.Process(
                    target=_work, args=(cohort, chosen, params, fit, store, counter, results),
                    daemon=True,
                )  # fmt: skip
                worker.start()
            if (k := _take(counter, len(chosen))) is None:
                break
            done[chosen[k]] = fit(cohort, chosen[k], params, None, ahead=(None, store))
        if worker is not None:
            done.update(_collect(results, worker))
            worker.join()
    finally:
        if worker is not None:
            gc.unfreeze()
    for code in chosen:  # what the worker did not deliver
        if code not in done:
            done[code] = fit(cohort, code, params, None, ahead=(None, store))
    return {code: done[code] for code in chosen}


# Whether the second core is free for a trial worker (evaluation/section_processes.py: not
# while its worker computes other sections); unset: free.
_SECOND_CORE: ContextVar[Callable[[], bool] | None] = ContextVar("second_core", default=None)


@contextmanager
def second_core(free: Callable[[], bool] | None) -> Iterator[None]:
    """Inside the block the trials fork their worker only once `free()` says the second core
    is free (asked before each support this process fits); None: at once."""
    token = _SECOND_CORE.set(free)
    try:
        yield
    finally:
        _SECOND_CORE.reset(token)


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
