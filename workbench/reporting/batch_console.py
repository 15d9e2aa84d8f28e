"""A long batch on the console and in its log: one timestamped line per finished run (scope,
language, status, seconds), what is running now, and a compact failure list at the end.

Plain lines only (no progress bar, no carriage returns), so the log file ``<out>/batch.log``
reads like the console.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

RUNNING: dict[str, float] = {}  # run_id -> start (perf_counter) of the runs of this process
_LOCK = threading.Lock()
MESSAGE_CHARS = 160  # a failure's line in the final list


def started(run_id: str) -> None:
    with _LOCK:
        RUNNING[run_id] = time.perf_counter()


def stopped(run_id: str) -> None:
    with _LOCK:
        RUNNING.pop(run_id, None)


def clock() -> str:
    return time.strftime("%H:%M:%S")


class BatchConsole:
    """Lines to `stream` (stderr) and, when given, to the batch's log file."""

    def __init__(self, total: int, log: Path | None = None, stream: IO[str] | None = None,
                 enabled: bool = True) -> None:  # fmt: skip
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.log = log.open("a", encoding="utf-8") if log else None
        self.lock = threading.Lock()  # local runs finish in worker threads
        self.closed = False  # after close(), runs still returning (an interrupt) print nothing

    def say(self, text: str) -> None:
        if self.closed:
            return
        line = f"{clock()}  {text}"
        if self.enabled:
            print(line, file=self.stream, flush=True)
        if self.log:
            print(line, file=self.log, flush=True)

    def finished(self, results: Iterable[Any], remote: int = 0) -> None:
        """One line per finished run, then what is still running (`remote`: runs on a cluster)."""
        with self.lock:
            self._finished(list(results), remote)

    def _finished(self, results: list[Any], remote: int) -> None:
        for res in results:
            self.done += 1
            lang = res.run_id.rsplit("_", 1)[-1] if "_" in res.run_id else "?"
            scope = res.run_id.removesuffix(f"_{lang}")
            self.say(f"[{self.done}/{self.total}] {scope:<12} {lang:<2} {res.status:<7} "
                     f"{res.duration_s:7.1f} s")  # fmt: skip
        with _LOCK:
            now = time.perf_counter()
            running = [f"{rid} ({now - t0:.0f} s)" for rid, t0 in sorted(RUNNING.items())]
        if running:
            self.say("running: " + ", ".join(running))
        elif remote:
            self.say(f"on the cluster: {remote} run(s) not finished")

    def close(self, results: list[Any]) -> None:
        with self.lock:
            self._close(results)
            self.closed = True

    def _close(self, results: list[Any]) -> None:
        failed = [r for r in results if r.status == "failed"]
        if failed:
            self.say(f"{len(failed)} failed:")
            for r in failed:
                msg = (
                    r.error if len(r.error) <= MESSAGE_CHARS else r.error[: MESSAGE_CHARS - 1] + "…"
                )
                self.say(f"  {r.run_id}: {msg}")
        if self.log:
            self.log.close()
            self.log = None


def failure_list(results: list[Any], cut: int | None = None) -> str:
    """'N failed:' and one line per failed run with its message (no padding)."""
    failed = [r for r in results if r.status == "failed"]
    if not failed:
        return ""
    lines = [f"{len(failed)} failed:"]
    for r in failed:
        msg = r.error if cut is None or len(r.error) <= cut else r.error[: cut - 1] + "…"
        lines.append(f"  {r.run_id}: {msg}")
    return "\n".join(lines)


def tally(results: list[Any]) -> str:
    """'28 ok, 0 skipped, 2 failed'."""
    n = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "failed")}
    return ", ".join(f"{v} {k}" for k, v in n.items())
