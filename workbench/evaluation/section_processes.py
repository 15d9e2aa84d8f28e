"""The report's independent analyses on both cores (issue 23: the 2.3 M-release report in 10
minutes on 2 cores, within 8 GB).

After the retention fit, `analyse_cohort` hands the rest of its sections to `run` as a plan (a
list of `Section` in the order one process computes them). Without a second process (`beside`
false) they run here in that order. With one, the sections marked `movable` (those that read only
the cohort and the parameters: the ranking, risk factors, competing risks, the trend, the
projection and model checks) form a pool that this process and fresh child processes share
(`Spare`): before each of its own sections (regions, facilities, effects) this process forks a
child for the largest pooled section that fits in memory beside it (`memory.child_fits`), which
computes that one section and ends. A child lives for one section only: a forked process shares
this one's pages until either writes them, and a long-lived one ends up holding a private copy
of most of them (at 2.3 M releases an idle worker held 2.3 GB, bench/README.md "Session 9");
the allocator's free pages are given back before each fork (`memory.release_free_memory`) and
the objects so far frozen (`gc.freeze`) so that few pages are written twice. (Where even a
private copy of this process fits beside the two largest sections, as at 230 k releases, a
child goes on with the next pooled section until the target trials: `Spare.linger`.) Where this
process's next section does not fit beside the running child, it computes a pooled section that
does, or waits. The target trials use a second process of their own (`trial_processes`), forked
once the child has ended; after them the rest of the pool is shared the same way.

Each section is computed the same way wherever it runs (`compute`): its value, the caveats it
raised (each once, in order), the reason it is missing (`guarded`) and its seconds come back as
an `Outcome`; `merge` then adds them to the report's `missing` and `notes` in the plan's order,
and puts the stages in that order in the run's timing (each section's own seconds), so the
`ReportResults` are those of one process to the last bit (tests/evaluation/test_section_processes.py).
A section no child delivered (it died, e.g. killed for memory) is computed here.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import shutil
import tempfile
import time
from collections import ChainMap
from collections.abc import Callable, Collection
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from workbench import console
from workbench.evaluation import trial_processes
from workbench.evaluation.memory import (
    WAIT_S,
    child_fits,
    lasting_child_fits,
    release_free_memory,
    transient_mb,
)
from workbench.evaluation.results import Note, guarded, record_warnings


@dataclass(frozen=True)
class Section:
    """One analysis of the plan: `func(*args, **kwargs)` under the stage `name`.

    `gated`: skipped when the section is known missing or not asked for (`only`); `guard`: an
    error marks it missing with its reason (`results.guarded`); `staged`: timed as a stage here
    (a section that times itself, or not at all, says False); `when(values, missing)`: run only
    if true (values: the sections computed before it, by name), e.g. the ranking only beside a
    regional comparison; `late(values)`: its arguments made from earlier sections' values (the
    target trials take the effects table's supports). `movable`: it reads only what exists when
    the plan starts (a child process may compute it; its `when` is then applied to its result);
    `spread`: it uses a second process of its own once the child has ended (the target trials)."""

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
    """Whether the movable sections may go to child processes: two jobs, no bootstrap
    replicates (with them, and with a Dask scheduler, the replicates already spread over the
    cores: a second process would only compete with them) and a fork start method (POSIX)."""
    return (
        scheduler is None
        and int(getattr(params, "n_jobs", 1)) >= 2
        and int(getattr(params, "n_bootstrap", 0)) < 2
        and trial_processes.usable()
    )


def compute(section: Section, values: dict, here: bool = True) -> Outcome:
    """Run one section (not its gates): its value, caveats, missing reason and seconds. `here`:
    shown and timed as a stage of this process's run (a child's are added by `merge`)."""
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
    """Compute the plan's sections (the movable ones shared with child processes when
    `beside`); add their missing reasons and caveats to `missing` and `notes` in the plan's
    order; their values by name (None: skipped, failed or not asked for). `size`: the cohort's
    releases (what the sections' memory is estimated from, `memory.transient_mb`)."""

    def gated(s: Section) -> bool:
        return s.gated and (s.name in missing or (only is not None and s.name not in only))

    pool = [s for s in plan if s.movable and not gated(s)] if beside else []
    away = {s.name for s in pool}
    values: dict[str, Any] = {}
    outcomes: dict[str, Outcome] = {}
    failed: dict[str, str] = {}  # this run's missing reasons so far (merged in the plan's order)

    def skip(s: Section) -> bool:
        known = ChainMap(failed, missing)
        return gated(s) or (s.when is not None and not s.when(values, known))

    def pooled(s: Section) -> None:  # a pooled section computed here (its `when` at the merge)
        outcomes[s.name] = compute(s, values)

    here_mb = max((transient_mb(s.name, size) for s in plan if s.name not in away), default=0)
    spare = Spare(pool, values, size, pooled, here_mb) if pool else None
    try:
        with trial_processes.second_core(spare.idle if spare else None):
            for s in plan:
                if s.name in away or skip(s):
                    continue
                if spare is not None:
                    spare.before(s)
                outcomes[s.name] = got = compute(s, values)
                values[s.name] = got.value
                console.offer(**{s.name: got.value})  # (the report draws figures ahead)
                if got.missing is not None:
                    failed[s.name] = got.missing
            if spare is not None:
                spare.drain()
    finally:
        if spare is not None:
            spare.stop()
    delivered = spare.got if spare is not None else {}
    outcomes.update(delivered)
    for s in pool:  # what no child delivered (it died): computed here
        if s.name not in outcomes:
            pooled(s)
    return merge(plan, outcomes, missing, notes, away, set(delivered))


def merge(
    plan: list[Section], outcomes: dict[str, Outcome], missing: dict[str, str],
    notes: list[Note], away: Collection[str] = (), delivered: Collection[str] = (),
) -> dict[str, Any]:  # fmt: skip
    """The outcomes into `missing`, `notes` and the run's stages in the plan's order (as one
    process would have added them); a pooled section whose `when` is false is dropped (one
    process would not have computed it). `away`: the pooled sections (computed whatever their
    `when`); `delivered`: those a child computed (their stages are added to this process's
    timing). Every section of the plan is a key of the values returned."""
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


class Spare:
    """The second core: the pooled sections (largest first), each taken once (`taken`, shared
    with the children) by a child process forked here (one at a time) or by this process
    (`pooled`). Where even a private copy of this process would fit beside the two largest
    sections (`memory.lasting_child_fits`: the 230 k report, not the 2.3 M one) a child goes on
    taking the next pooled section until this process starts the target trials (`linger`);
    otherwise it computes one section and ends."""

    def __init__(
        self, pool: list[Section], values: dict, size: int, pooled: Callable[[Section], None],
        here_mb: float = 0.0,
    ) -> None:  # fmt: skip
        self.values, self.size, self.pooled = values, size, pooled
        self.sections = sorted(pool, key=lambda s: -self.mb(s))  # stable: the plan's order else
        self.ctx = multiprocessing.get_context("fork")
        self.taken = self.ctx.Array("b", len(self.sections))  # 1: a process has begun it
        self.halt = self.ctx.Value("b", 0)  # 1: a lingering child takes no further section
        self.linger = lasting_child_fits(here_mb, max(map(self.mb, self.sections)))
        self.got: dict[str, Outcome] = {}
        self.child: tuple[Section, Any] | None = None  # (its first section, the process)
        self.folder = tempfile.mkdtemp(prefix="workbench-sections-")

    def mb(self, s: Section) -> float:
        return transient_mb(s.name, self.size)

    def fits(self, here: Section | None, child: Section | None) -> bool:
        """Whether `child`'s section fits beside this process computing `here` (a lingering
        child's sections fit beside anything; a section beside nothing always runs)."""
        if self.linger or here is None or child is None:
            return True
        return child_fits(0.0 if here is None else self.mb(here), self.mb(child), self.size)

    def left(self) -> bool:
        with self.taken.get_lock():
            return not all(self.taken)

    def claim(self, here: Section | None) -> Section | None:
        """Take the first pooled section not taken that fits beside `here` (None: none)."""
        with self.taken.get_lock():
            for i, s in enumerate(self.sections):
                if not self.taken[i] and self.fits(here, s):
                    self.taken[i] = 1
                    return s
        return None

    def running(self) -> Section | None:
        return None if self.child is None else self.child[0]

    def idle(self) -> bool:
        """Whether no child runs (a finished one's outcomes are read): the second core is free.
        Asked by the target trials before forking their own worker."""
        self.collect()
        return self.child is None

    def before(self, s: Section) -> None:
        """Before this process computes its own section `s`: while `s` does not fit beside the
        running child, compute a pooled section that does here (or wait for the child); then,
        unless `s` spreads over both cores itself (a lingering child then stops after its
        current section), fork a child for one that fits beside `s`."""
        if s.spread:
            self.halt.value = 1
        while not self.idle() and not self.fits(s, self.running()):
            self._here_beside_child()
        if not s.spread:
            self.launch(s)

    def drain(self) -> None:
        """The rest of the pool: this process takes the largest that fits beside the running
        child (waiting while none does), with a child for one that fits beside it."""
        self.halt.value = 0
        while self.left():
            if self.idle():
                s = self.claim(None)
                if s is not None:
                    self.launch(s)
                    self.pooled(s)
            else:
                self._here_beside_child()
        self.wait()

    def _here_beside_child(self) -> None:
        s = self.claim(self.running())
        if s is None:
            time.sleep(WAIT_S)
        else:
            self.pooled(s)

    def launch(self, here: Section | None) -> None:
        """Fork a child for the first pooled section that fits beside `here` (none running)."""
        if not self.idle():
            return
        s = self.claim(here)
        if s is None:
            return
        gc.collect()
        release_free_memory()
        gc.freeze()  # the objects so far: never traversed again, their pages stay shared
        process = self.ctx.Process(target=self._work, args=(s,), daemon=True)
        try:
            process.start()
        except OSError:  # no fork (e.g. no memory for the process table): computed here
            gc.unfreeze()
            self.pooled(s)
            return
        self.child = (s, process)
        console.note(f"in a second process: {s.name}")

    def _work(self, s: Section) -> None:
        """A child: section `s` (and, lingering, the next ones not taken), each `Outcome`
        pickled into the folder. On an error it exits with a nonzero code: this process
        computes what the child took and did not deliver (and meets the error)."""
        from joblib import parallel_config

        try:  # a bootstrap's replicates here run one after another (the same rows, see
            # stats.bootstrap.run_replicates): the parent's joblib workers are not this
            # process's to use, and both cores are busy already
            with console.showing(None), console.timing(), parallel_config(backend="sequential"):
                while s is not None:
                    got = compute(s, self.values, here=False)
                    with open(os.path.join(self.folder, s.name), "wb") as fh:
                        pickle.dump(got, fh, protocol=pickle.HIGHEST_PROTOCOL)
                    s = self.claim(None) if self.linger and not self.halt.value else None
        except BaseException:  # any failure: the parent computes the section
            os._exit(1)

    def collect(self, wait: bool = False) -> None:
        """Read the child's outcomes once it has ended (`wait`: wait for that)."""
        if self.child is None or (not wait and self.child[1].is_alive()):
            return
        self.child[1].join()
        self.child = None
        gc.unfreeze()
        for s in self.sections:
            path = os.path.join(self.folder, s.name)
            if s.name in self.got or not os.path.exists(path):
                continue  # read already, or not delivered: computed here (`run`)
            try:
                with open(path, "rb") as fh:
                    self.got[s.name] = pickle.load(fh)
            except (OSError, EOFError, pickle.UnpicklingError):
                pass

    def wait(self) -> None:
        self.collect(wait=True)

    def stop(self) -> None:
        """End the child if it still runs (this process failed or was interrupted)."""
        if self.child is not None and self.child[1].is_alive():
            self.child[1].terminate()
        self.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
