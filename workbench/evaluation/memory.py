"""How much memory the report's analyses add, and a budget two processes share (issue 23: the
2.3 M-release report within 8 GB).

Each analysis, while it runs, holds temporaries on top of what the report process keeps (the
loaded data and the cohort): `TRANSIENT_MB_PER_M`, MB per million releases, measured on the
idle 2.3 M report (the lead, 2026-12-07 22:35–22:49 UTC, a 2-second PSS series of every
process: each stage's peak minus the tree's PSS before it). Scaled by the cohort's size they
decide, from the data's size and not from the machine's free memory, which sections may run
at the same time in two processes (`Budget`) and whether the target trials may use a second
process (`trial_worker_fits`), so that the estimated peak stays within `BUDGET_MB`.
A section without a figure counts as nothing.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from typing import Any

BUDGET_MB = 8192  # issue 23: the 2.3 M-release report within 8 GB
TRANSIENT_MB_PER_M = {
    "regions": 770,
    "ranking": 2130,
    "facilities": 810,
    "risk": 1280,
    "effects": 1500,
    "target_trial": 1460,  # one process: the grid and one support's fit
    "competing": 330,
    "trend": 1430,
    "projection_check": 830,
    "model_check": 680,
}
# a support's fit on top of the cohort and the grid, in each of the trials' two processes: 935
# measured (the lead's run), less the "never" arm's weights now remade on demand from 1 M releases
# (emulation/arms.py: 37 months x 8 bytes = 296 MB per million)
TRIAL_FIT_MB_PER_M = 640
OTHERS_MB = 300  # the rest of the report's processes (its kernel, started before the analyses)
WAIT_S = 0.2  # how often a process waiting for memory looks again


def transient_mb(section: str, releases: int) -> float:
    """What `section` adds at its peak for a cohort of `releases` (MB)."""
    return TRANSIENT_MB_PER_M.get(section, 0) * releases / 1e6


def resident_mb() -> float:
    """This process's resident memory now (MB; 0 where /proc is not there)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            pages = int(fh.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def trial_worker_fits(releases: int, budget_mb: float | None = None) -> bool:
    """Whether the target trials' second process fits: this process now (cohort and grid) plus
    one support's fit in each of the two processes (the worker shares the rest)."""
    used = resident_mb() + OTHERS_MB + 2 * TRIAL_FIT_MB_PER_M * releases / 1e6
    return used <= (BUDGET_MB if budget_mb is None else budget_mb)


def lasting_child_fits(parent_mb: float, worker_mb: float, budget_mb: float | None = None) -> bool:
    """Whether a forked worker for the report's sections fits at all: this process now, its
    largest section (`parent_mb`), the worker's largest (`worker_mb`) and, in the worst case, a
    private copy of everything this process holds now in the worker (a page either process
    writes after the fork stops being shared: at 2.3 M releases the idle worker held 2.3 GB of
    PSS beside the parent's sections, and the tree peaked at 9.0 GB; the 2-second series of
    bench/scale.py, bench/README.md "Session 9")."""
    used = 2 * resident_mb() + OTHERS_MB + parent_mb + worker_mb
    return used <= (BUDGET_MB if budget_mb is None else budget_mb)


PARENT, WORKER = 0, 1


class Budget:
    """The memory two processes (this one and a forked worker) share (a second guard: with
    `lasting_child_fits`' worst case the two largest sections always fit together): each says
    what its running section adds (`using`), and starts only when that fits beside what the other
    one runs (`free_mb`: the budget less what the report process holds; a section that does not
    fit beside anything runs alone). The worker gives way to a section this process waits to
    start (this process computes the effects and the trials, the longest path)."""

    def __init__(self, ctx: Any, free_mb: float | None = None) -> None:
        self.free_mb = BUDGET_MB - OTHERS_MB - resident_mb() if free_mb is None else free_mb
        self.running = ctx.Array("d", 2)  # MB each process's running section adds (0: none)
        self.waiting = ctx.Value("d", 0.0)  # MB of the section this process waits to start
        self.worker_gone: Any = lambda: False  # set by the worker's owner (its process ended)

    def fits(self, side: int, mb: float) -> bool:
        if side == PARENT and self.worker_gone():  # it died holding its share: released
            self.running[WORKER] = 0.0
        other = self.running[1 - side]
        if other and other + mb > self.free_mb:
            return False
        wanted = self.waiting.value if side == WORKER else 0.0
        return not (wanted and wanted + mb > self.free_mb)

    def try_start(self, side: int, mb: float) -> bool:
        """Start a section adding `mb` if it fits now (then `stop` when it ends)."""
        with self.running.get_lock():
            if not self.fits(side, mb):
                return False
            self.running[side] = mb
            return True

    def stop(self, side: int) -> None:
        with self.running.get_lock():
            self.running[side] = 0.0

    @contextmanager
    def using(self, side: int, mb: float):
        """Hold `mb` for the block, waiting until it fits."""
        if side == PARENT:
            self.waiting.value = mb
        try:
            while not self.try_start(side, mb):
                time.sleep(WAIT_S)
        finally:
            if side == PARENT:
                self.waiting.value = 0.0
        try:
            yield
        finally:
            self.stop(side)
