"""The single-thread BLAS limiter of the engines' small dense solves.

The NPMLE's Newton steps, the piecewise-exponential model's Hessians and the propensity models
solve small dense systems: threaded BLAS only adds contention there (and stalls on a busy
machine), so they run inside `single_thread_blas()`.
"""

from __future__ import annotations

_CONTROLLER: list = []


def single_thread_blas():
    """Context limiting BLAS to one thread (the controller scans the loaded libraries once per
    process: that scan is slow)."""
    if not _CONTROLLER:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")
