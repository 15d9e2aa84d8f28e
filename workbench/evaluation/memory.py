"""How much memory the report's analyses add, and whether a second process fits beside them
(issue 23: the 2.3 M-release report within 8 GB).

Each analysis, while it runs, holds temporaries on top of what the report process keeps (the
loaded data and the cohort): `TRANSIENT_MB_PER_M`, MB per million releases, measured on the
idle 2.3 M report (the lead's runs of main e60b2cf, 2026-12-08 00:35–00:47 UTC, and 3d0b9ff,
01:09–01:20: a 2-second PSS series of every process; each stage's peak minus the tree's PSS
when it started, the larger of the two runs). Scaled by the
cohort's size they decide, from the data's size and not from the machine's free memory, which
section a fresh process may compute beside this one's (`child_fits`) and whether the target
trials may use a second process (`trial_worker_fits`), so that the estimated peak stays within
`BUDGET_MB`. A section without a figure counts as nothing.

A forked process shares this one's pages until either writes them: a page written after the
fork is then held twice. A process that lives for one section only (section_processes) writes
few of them — `UNSHARED_MB_PER_M` allows for them — and `release_free_memory` first gives the
allocator's free pages back to the system, so that reusing them later copies nothing.
"""

from __future__ import annotations

import ctypes
import os

BUDGET_MB = 8192  # issue 23: the 2.3 M-release report within 8 GB
TRANSIENT_MB_PER_M = {
    "regions": 910,
    "ranking": 1680,  # 3.85 GB in scale10's 2.3 M run (after the trend: joblib's 2 workers)
    "facilities": 420,  # after the regions (their Cox fit is reused)
    "risk": 1390,
    "effects": 1650,
    "target_trial": 1460,  # one process: the grid and one support's fit
    "competing": 100,
    "trend": 1570,
    "projection_check": 940,
    "model_check": 770,
}
# a support's fit on top of the cohort and the grid, in each of the trials' two processes: 935
# measured (the lead's run), less the "never" arm's weights now remade on demand from 1 M releases
# (emulation/arms.py: 37 months x 8 bytes = 296 MB per million)
TRIAL_FIT_MB_PER_M = 640
# pages written by either process while a fresh child computes one section (held twice then),
# with the estimates' error: 250 let the model check's child run beside the regions in the
# lead's idle 2.3 M run of aefcaad (2026-12-08 02:46 UTC), and the tree peaked at 8,273 MB, over
# the budget; doubled, that pair no longer starts and the estimate stays ~0.5 GB above it
UNSHARED_MB_PER_M = 500
OTHERS_MB = 300  # the rest of the report's processes (its kernel, started before the analyses)
WAIT_S = 0.2  # how often a process waiting for another one looks again


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


def child_fits(
    here_mb: float, child_mb: float, releases: int, budget_mb: float | None = None
) -> bool:
    """Whether a process forked now for one section (adding `child_mb`) fits beside this one
    while it computes a section adding `here_mb`: this process now, both sections, the pages
    either writes while the child lives (`UNSHARED_MB_PER_M`) and the report's other processes."""
    used = resident_mb() + OTHERS_MB + here_mb + child_mb + UNSHARED_MB_PER_M * releases / 1e6
    return used <= (BUDGET_MB if budget_mb is None else budget_mb)


def release_free_memory() -> None:
    """Give the allocator's free pages back to the system (glibc's malloc_trim; nothing
    elsewhere): a process forked next then shares no page this one reuses later."""
    try:
        trim = ctypes.CDLL(None).malloc_trim  # this process's C library
    except (OSError, AttributeError):  # not glibc
        return
    trim(ctypes.c_size_t(0))


def lasting_child_fits(here_mb: float, child_mb: float, budget_mb: float | None = None) -> bool:
    """Whether a forked process may live long (a section child for several sections, the
    PDF's second layout process): this process now, what it adds meanwhile (`here_mb`), what
    the other adds (`child_mb`) and, in the worst case, a private copy of
    everything this process holds now in the child (a page either process writes after the
    fork stops being shared: at 2.3 M releases a lasting worker held 2.3 GB of PSS while idle,
    and the tree peaked at 9.0 GB; bench/README.md "Session 9")."""
    used = 2 * resident_mb() + OTHERS_MB + here_mb + child_mb
    return used <= (BUDGET_MB if budget_mb is None else budget_mb)
