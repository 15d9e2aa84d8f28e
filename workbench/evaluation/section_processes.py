"""The report's independent analyses on both cores (issue 23: the 2.3 M-release report in 10
minutes on 2 cores).

After the retention fit, `analyse_cohort` hands the rest of its sections to `run` as a plan (a
list of `Section` in the order one process computes them). Without a second process (`beside`
false) they run here in that order. With one, the sections marked `movable` (those that read only
the cohort and the parameters: the ranking, risk factors, competing risks, the trend, the
projection and model checks) go to a worker forked here, sharing this process's memory
copy-on-write (`gc.freeze` first, as `trial_processes` does), while this process computes the
others (regions, facilities, effects, the target trials). The target trials' own second process
(`trial_processes.fit_supports`) is forked only once this worker has finished and its results
are read: never three busy processes on two cores, never the two workers' memory at once.

Each section is computed the same way wherever it runs (`compute`): its value, the caveats it
raised (each once, in order), the reason it is missing (`guarded`) and its seconds come back as
an `Outcome`; `merge` then adds them to the report's `missing` and `notes` in the plan's order,
and puts the stages in that order in the run's timing (each section's own seconds), so the
`ReportResults` are those of one process to the last bit (tests/evaluation/test_section_processes.py).
A section the worker did not deliver (it died, e.g. killed for memory) is computed here.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import time
from collections import ChainMap
from collections.abc import Callable, Collection
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from workbench import console
from workbench.evaluation import trial_processes
from workbench.evaluation.memory import (
    PARENT,
    WAIT_S,
    WORKER,
    Budget,
    lasting_child_fits,
    transient_mb,
)
from workbench.evaluation.results import Note, guarded, record_warnings

# Sections a worker may take, in the order it takes them (see `Section.movable`).
MOVABLE = ("ranking", "risk", "competing", "trend", "projection_check", "model_check")


@dataclass(frozen=True)
class Section:
    """One analysis of the plan: `func(*args, **kwargs)` under the stage `name`.

    `gated`: skipped when the section is known missing or not asked for (`only`); `guard`: an
    error marks it missing with its reason (`results.guarded`); `staged`: timed as a stage here
    (a section that times itself, or not at all, says False); `when(values, missing)`: run only
    if true (values: the sections computed before it, by name), e.g. the ranking only beside a
    regional comparison; `late(values)`: its arguments made from earlier sections' values (the
    target trials take the effects table's supports). `movable`: it reads only what exists when
    the plan starts (a worker may compute it; its `when` is then applied to its result);
    `spread`: it uses a second process of its own once the worker has finished (the target
    trials), so the worker's sections are finished first."""

    name: str
    func: Callable[..., Any]
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    gated: bool = True
    guard: bool = True
    staged: bool = True
    when: Callable[[dict, dict], bool] | None = None
    late: Callable[[dict], tuple] | None = None
    movable: bool = False
    spread: bool = False


@dataclass(frozen=True)
class Outcome:
    """A section's run: its value, its caveats (each once, in the order raised), the reason it
    is missing (None when it gave a value or was not guarded) and its seconds."""

    value: Any = None
    notes: tuple[Note, ...] = ()
    missing: str | None = None
    seconds: float = 0.0


def usable(params: Any, scheduler: Any = None) -> bool:
    """Whether the movable sections go to a worker: two jobs, no bootstrap replicates (with
    them, and with a Dask scheduler, the replicates already spread over the cores: a second
    process would only compete with them) and a fork start method (POSIX)."""
    return (
        scheduler is None
        and int(getattr(params, "n_jobs", 1)) >= 2
        and int(getattr(params, "n_bootstrap", 0)) < 2
        and trial_processes.usable()
    )


def compute(section: Section, values: dict, here: bool = True) -> Outcome:
    """Run one section (not its gates): its value, caveats, missing reason and seconds. `here`:
    shown and timed as a stage of this process's run (a worker's are added by `merge`)."""
    notes: list[Note] = []
    lost: dict[str, str] = {}
    args = section.late(values) if section.late is not None else section.args
    staged = console.stage(section.name) if here and section.staged else _nothing()
    t0 = time.perf_counter()
    with record_warnings(notes), staged:
        if section.guard:
            value = guarded(lost, section.name, section.func, *args, **section.kwargs)
        else:
            value = section.func(*args, **section.kwargs)
    return Outcome(value, tuple(notes), lost.get(section.name), time.perf_counter() - t0)


@contextmanager
def _nothing():
    yield


def run(
    plan: list[Section], missing: dict[str, str], notes: list[Note],
    only: Collection[str] | None = None, beside: bool = False, size: int = 0,
) -> dict[str, Any]:  # fmt: skip
    """Compute the plan's sections (the movable ones in a worker when `beside`); add their
    missing reasons and caveats to `missing` and `notes` in the plan's order; their values by
    name (None: skipped, failed or not asked for). `size`: the cohort's releases (what the
    sections' memory is estimated from: two run at once only when they fit, `memory.Budget`)."""

    def gated(s: Section) -> bool:
        return s.gated and (s.name in missing or (only is not None and s.name not in only))

    away = [s for s in plan if s.movable and not gated(s)] if beside else []
    if away and not lasting_child_fits(
        max((transient_mb(s.name, size) for s in plan if s not in away), default=0.0),
        max(transient_mb(s.name, size) for s in away),
    ):  # no room for a second process beside this one's memory (the 2.3 M report)
        away = []
    values: dict[str, Any] = {}
    outcomes: dict[str, Outcome] = {}
    failed: dict[str, str] = {}  # this run's missing reasons so far (merged in the plan's order)

    def skip(s: Section) -> bool:
        known = ChainMap(failed, missing)
        return s in away or gated(s) or (s.when is not None and not s.when(values, known))

    worker = None
    try:
        try:
            worker = Worker(away, values, size) if away else None
        except OSError:  # no fork (e.g. no memory for the process table): all of it here
            away = []
        with trial_processes.second_core(worker.ready if worker else None):
            for s in (s for s in plan if not skip(s)):
                mb = transient_mb(s.name, size)
                if worker is not None:  # the worker's sections first where that is better
                    _take_over(worker, outcomes, values, everything=s.spread, before=mb)
                with worker.budget.using(PARENT, mb) if worker else _nothing():
                    outcomes[s.name] = got = compute(s, values)
                values[s.name] = got.value
                console.offer(**{s.name: got.value})  # (the report draws figures ahead)
                if got.missing is not None:
                    failed[s.name] = got.missing
            if worker is not None:  # then help the worker with what it has not begun
                _take_over(worker, outcomes, values, everything=True)
                outcomes.update(worker.finish())
    finally:
        if worker is not None:
            worker.stop()
    delivered = set(worker.got) if worker is not None else set()
    for s in away:  # what the worker did not deliver (it died): computed here
        if s.name not in outcomes:
            outcomes[s.name] = compute(s, values)
    return merge(plan, outcomes, missing, notes, {s.name for s in away}, delivered)


def _take_over(
    worker: Worker, outcomes: dict, values: dict, everything: bool, before: float = 0.0
) -> None:
    """Compute here sections the worker has not begun: all of them (`everything`: before a
    section that spreads over both cores itself, and at the end), or, while this process's
    next section (adding `before` MB) does not fit beside the worker's, those that do."""
    while everything or not worker.budget.fits(PARENT, before):
        s = worker.take(PARENT)
        if s is not None:
            try:
                outcomes[s.name] = compute(s, values)
            finally:
                worker.budget.stop(PARENT)
        elif not everything or not worker.left():
            return
        else:  # none fits beside the worker's section now
            time.sleep(WAIT_S)


def merge(
    plan: list[Section], outcomes: dict[str, Outcome], missing: dict[str, str],
    notes: list[Note], away: Collection[str] = (), delivered: Collection[str] = (),
) -> dict[str, Any]:  # fmt: skip
    """The outcomes into `missing`, `notes` and the run's stages in the plan's order (as one
    process would have added them); a worker's section whose `when` is false is dropped (one
    process would not have computed it). `away`: the sections given to the worker (computed
    whatever their `when`); `delivered`: those it computed (their stages are added to this
    process's timing). Every section of the plan is a key of the values returned."""
    out: dict[str, Any] = {}
    seen = {n.message for n in notes}
    for s in plan:
        got = outcomes.get(s.name)
        if got is None or (s.name in away and s.when is not None and not s.when(out, missing)):
            out[s.name] = None
            continue
        if s.name in delivered and s.staged:
            console.add_stage(s.name, got.seconds, " (in a second process)")
        out[s.name] = got.value
        if got.missing is not None:
            missing[s.name] = got.missing
        for note in got.notes:
            if note.message not in seen:
                seen.add(note.message)
                notes.append(note)
    console.order_stages([s.name for s in plan if s.name in outcomes])
    return out


class Worker:
    """The forked process computing `sections` one after another, sending each `Outcome`."""

    def __init__(self, sections: list[Section], values: dict, size: int = 0) -> None:
        self.sections, self.size = sections, size
        ctx = multiprocessing.get_context("fork")
        self.budget = Budget(ctx)
        self.taken = ctx.Array("b", len(sections), lock=False)  # under the budget's lock
        self.results = ctx.Queue()
        self.finished = ctx.Event()
        self.got: dict[str, Outcome] = {}
        self.done = False
        console.note("in a second process: " + ", ".join(s.name for s in sections))
        gc.collect()
        gc.freeze()  # the objects so far: never traversed again, their pages stay shared
        self.process = ctx.Process(target=self._work, args=(values,), daemon=True)
        self.budget.worker_gone = lambda: not self.process.is_alive()
        try:
            self.process.start()
        except BaseException:
            gc.unfreeze()
            raise

    def _work(self, values: dict) -> None:
        from joblib import parallel_config

        try:  # a bootstrap's replicates here run one after another (the same rows, see
            # stats.bootstrap.run_replicates): the parent's joblib workers are not this
            # process's to use, and both cores are busy already
            with console.showing(None), console.timing(), parallel_config(backend="sequential"):
                while (s := self._next()) is not None:
                    try:
                        got = compute(s, values, here=False)
                    finally:
                        self.budget.stop(WORKER)
                    self.results.put((s.name, got))
        except BaseException:  # the parent computes what was not sent, and meets the error
            pass
        self.finished.set()
        self.results.put(None)

    def _next(self) -> Section | None:
        """The worker's next section (the first not taken that fits beside the parent's;
        waits while none fits), None when all are taken."""
        while self.left():
            got = self.take(WORKER)
            if got is not None:
                return got
            time.sleep(WAIT_S)
        return None

    def take(self, side: int) -> Section | None:
        """Take the first section not taken yet that fits in memory beside what the other
        process runs (`side` then holds its memory until `budget.stop`), None if none fits."""
        with self.budget.running.get_lock():
            for i, s in enumerate(self.sections):
                mb = transient_mb(s.name, self.size)
                if not self.taken[i] and self.budget.fits(side, mb):
                    self.taken[i] = 1
                    self.budget.running[side] = mb
                    return s
        return None

    def left(self) -> bool:
        """Whether a section is not taken yet."""
        with self.budget.running.get_lock():
            return not all(self.taken)

    def ready(self) -> bool:
        """Whether the worker has finished (then its results are read and it has ended): the
        second core is free. Asked by the target trials before forking their own worker."""
        if not self.done and (self.finished.is_set() or not self.process.is_alive()):
            self.finish()
        return self.done

    def finish(self) -> dict[str, Outcome]:
        """Wait for the worker's outcomes (until its end marker, or its end without one)."""
        while not self.done:
            try:
                item = self.results.get(timeout=1.0)
            except queue.Empty:
                if self.process.is_alive():
                    continue
                try:  # anything it sent just before it ended
                    item = self.results.get(timeout=1.0)
                except queue.Empty:
                    item = None
            if item is None:
                self.done = True
                self.process.join()
                gc.unfreeze()
            else:
                self.got[item[0]] = item[1]
        return self.got

    def stop(self) -> None:
        """End the worker if it still runs (this process failed or was interrupted)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        if not self.done:
            self.done = True
            gc.unfreeze()
