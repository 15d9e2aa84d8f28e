"""The processes of `workbench batch`: one `workbench report` process per group of runs that share
an analysis (a scope's Chinese and English reports: one analysis, one kernel), each run allowed
the batch's timeout from its own start. The process reports each finished run as a JSON line
($WORKBENCH_RUN_EVENTS); a run that times out is killed with its process (and its kernel, found
by the temporary folder its command line names) and the runs after it get a new process.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from workbench.privacy import public
from workbench.reporting.batch_console import started, stopped

STATUS_OK, STATUS_SKIPPED, STATUS_FAILED = "ok", "skipped", "failed"


@dataclass(frozen=True)
class RunResult:
    """One run's outcome. `error` is the whole message (console); `public` what official
    outputs (summary.csv, index.html) may show of it (`workbench.privacy.public`)."""

    run_id: str
    status: str
    error: str
    duration_s: float
    public: str = ""


_LIVE: set[subprocess.Popen] = set()  # running report processes of this batch
_LOCK = threading.Lock()
_STOP = threading.Event()  # set when the batch is interrupted: start no further run


def run_one(params_file: str, out_dir: str, timeout: float | None) -> RunResult:
    """One report in its own process group; the error is the last line it printed on stderr."""
    return run_many([(params_file, out_dir)], timeout)[0]


def run_many(
    jobs: list[tuple[str, str]], timeout: float | None, step=None, threads: int | None = None
) -> list[RunResult]:
    """Reports in one `workbench report` process (each distinct analysis once, one kernel;
    `execute.build_reports`), each allowed `timeout` seconds from its start. A report that
    times out is killed with the process; the reports after it get a new process. `threads`:
    the BLAS/OpenMP threads of the process and its kernel (unless the environment sets them):
    a batch runs one process per core, and threaded BLAS beside it only oversubscribes."""
    out: list[RunResult] = []
    while len(out) < len(jobs):
        got = _run_process(jobs[len(out) :], timeout, step, threads)
        out += got
        if not got:  # the process was stopped before it reported anything
            break
    return out


THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def _run_process(jobs, timeout, step, threads=None) -> list[RunResult]:
    """One process for `jobs`; the results of those it finished (and of the one that hung)."""
    from workbench.reporting.execute import EVENTS_ENV, PARENT_ENV

    ids = [Path(o).name for _, o in jobs]
    cmd = [sys.executable, "-m", "workbench.cli", "report", "--params", *(p for p, _ in jobs),
           "--out", *(o for _, o in jobs)]  # fmt: skip
    scratch = tempfile.mkdtemp(prefix=f"wb-{ids[0]}-")
    public_file, events = os.path.join(scratch, "public-error.txt"), Path(scratch, "events.jsonl")
    env = {**os.environ, "TMPDIR": scratch, PARENT_ENV: str(os.getpid()), public.ENV: public_file,
           EVENTS_ENV: str(events)}  # fmt: skip
    if threads is not None:
        env.update({v: str(threads) for v in THREAD_VARS if v not in os.environ})
    with _LOCK:
        if _STOP.is_set():
            shutil.rmtree(scratch, ignore_errors=True)
            return [RunResult(ids[0], STATUS_FAILED, "interrupted", 0.0)]
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    text=True, start_new_session=True, env=env)  # fmt: skip
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        _LIVE.add(proc)
    said, results, seconds, err, timed_out = public.GENERIC, [], 0.0, [], False
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read()), daemon=True)
    reader.start()
    try:
        results, seconds, timed_out = _watch(proc, ids, events, timeout, step)
    finally:
        with _LOCK:
            _LIVE.discard(proc)
        kill_processes_naming(scratch)  # a kernel outliving its killed report
        reader.join(timeout=10)  # the pipe closes when the report and its kernel are gone
        proc.stderr.close()
        with contextlib.suppress(OSError):
            said = Path(public_file).read_text(encoding="utf-8").strip() or said
        shutil.rmtree(scratch, ignore_errors=True)
    if len(results) < len(ids) and not timed_out and (proc.returncode != 0 or not results):
        # the process ended before reporting the run it was on: its stderr says why
        rid = ids[len(results)]
        if _STOP.is_set():
            results.append(RunResult(rid, STATUS_FAILED, "interrupted", seconds, "interrupted"))
        else:
            lines = [x for x in "".join(err).strip().splitlines() if x.strip()]
            message = lines[-1] if lines else f"exit code {proc.returncode}"
            message = message.removeprefix("workbench report: ")
            results.append(RunResult(rid, STATUS_FAILED, message, seconds, said))
        step_of(step, results[-1:])
    return results


def _watch(proc, ids, events: Path, timeout, step) -> tuple[list[RunResult], float, bool]:
    """Follow the process's events until it exits or its current report exceeds `timeout`:
    the finished reports (with the one that timed out), the seconds of the report it was
    running, and whether it was killed for the timeout."""
    results: list[RunResult] = []
    started(ids[0])
    t_run = time.perf_counter()
    seen = 0
    try:
        while True:
            code = proc.poll()
            for line in _new_lines(events, seen):
                seen += 1
                ev = json.loads(line)
                i = len(results)
                now = time.perf_counter()
                results.append(RunResult(ids[i], ev["status"], ev["error"], round(now - t_run, 3),
                                         ev["public"] if ev["status"] != STATUS_OK else ""))  # fmt: skip
                stopped(ids[i])
                step_of(step, results[-1:])
                t_run = now
                if i + 1 < len(ids):
                    started(ids[i + 1])
            if code is not None:
                break
            if timeout is not None and time.perf_counter() - t_run > timeout:
                _kill_group(proc)
                proc.wait()
                late = f"timed out after {timeout:g} s"
                rid = ids[len(results)]
                results.append(RunResult(rid, STATUS_FAILED, late, round(timeout, 3), late))
                stopped(rid)
                step_of(step, results[-1:])
                return results, round(timeout, 3), True
            time.sleep(0.2)
    finally:
        for rid in ids:
            stopped(rid)
    return results, round(time.perf_counter() - t_run, 3), False


def _new_lines(events: Path, seen: int) -> list[str]:
    try:
        lines = events.read_text(encoding="utf-8").split("\n")[:-1]  # whole lines only
    except OSError:
        return []
    return lines[seen:]


def step_of(step, results) -> None:
    if step is not None:
        step(results)


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def kill_processes_naming(marker: str) -> list[int]:
    """SIGKILL our processes whose command line contains `marker` (Linux /proc; else none).

    A report's kernel runs in its own session with its connection file in the run's temporary
    folder, so killing the report's process group does not reach it; its command line names it.
    """
    killed = []
    key = marker.encode()
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if key not in (entry / "cmdline").read_bytes() or int(entry.name) == os.getpid():
                continue
            os.kill(int(entry.name), signal.SIGKILL)
            killed.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return killed


def stop_running() -> None:
    """Interrupt the batch: start no further run and kill the running ones."""
    with _LOCK:
        _STOP.set()
        for proc in list(_LIVE):
            _kill_group(proc)


def reset_stop() -> None:
    """A new batch in this process: runs may start again."""
    _STOP.clear()
