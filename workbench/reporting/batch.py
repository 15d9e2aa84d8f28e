"""`workbench batch FILE`: many reports in parallel, isolated, resumable, with an index.

Reports run in `workbench report` processes, one per worker at a time, each with its own
temporary folder (``$TMPDIR/wb-<run_id>-*``: its work files and its kernel's connection file). On
timeout the run's process group and its kernel are killed and the folder removed, so a run that
raises, hangs or kills its kernel never stops the others and leaves nothing behind (the runs
after it in that process get a new one). Ctrl-C (or SIGTERM) stops the batch: queued runs are
cancelled, running ones killed, earlier outputs kept as they were. A batch killed with SIGKILL
cannot clean up: its runs notice their parent is gone and stop (within a second), leaving their
temporary folders. Runs that share an analysis (the Chinese and English report of one scope) form
a group: the analysis is computed once and both notebooks run in one kernel started before it
(`batch_runs`); each run still has the whole timeout from its own start, and a run that times out
costs only itself. A local worker takes a chunk of groups at a time into one process and one
kernel (`Chunks`: several groups early, single groups at the end), the province alone and first
(its prefecture reports need only its benchmark's sections, `reporting.benchmark`, not the whole
analysis); each process gets one BLAS thread per core it has (`batch_runs.THREAD_VARS`).
"""

from __future__ import annotations

import functools
import json
import os
import socket
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import yaml

from workbench.data.write import atomic_write
from workbench.evaluation.analysis import CODE_VERSION_ENV, cache_key, code_version, inputs_sha256
from workbench.params.batch import BatchSpec
from workbench.params.report import ReportParams
from workbench.privacy import public
from workbench.reporting.batch_console import BatchConsole, failure_list, tally
from workbench.reporting.batch_runs import (  # noqa: F401  (run_one, kill_processes_naming: API)
    STATUS_FAILED,
    STATUS_OK,
    STATUS_SKIPPED,
    RunResult,
    kill_processes_naming,
    reset_stop,
    run_many,
    run_one,
    step_of,
    stop_running,
)


def is_up_to_date(params: ReportParams, folder: Path) -> bool:
    """True when `folder` holds a complete report for these parameters, data and code."""
    try:
        prov = json.loads((folder / "metrics.json").read_text("utf-8"))["provenance"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    complete = all((folder / f).is_file() for f in ("report.pdf", "report.html", "report.ipynb"))
    return (
        complete
        and prov.get("params_sha256") == params.sha256()
        and prov.get("inputs_sha256") == inputs_sha256(params)
    )


def run_group(
    jobs: list[tuple[str, str]], timeout: float | None, step=None, threads: int | None = None
) -> list[RunResult]:
    """Runs in one process (each analysis once, one kernel: `run_many`); a run whose files this
    machine cannot see fails with which path, on which host, and what to do. `step` (local
    runs): the console line as each run finishes; `threads`: BLAS threads of the process."""
    out, todo = [], []
    for p, o in jobs:
        missing = unseen_path(p, o)
        if missing:
            out.append(RunResult(Path(o).name, STATUS_FAILED, missing, 0.0, public.scrub(missing)))
            step_of(step, out[-1:])
        else:
            todo.append((p, o))
    if todo:
        out += run_many(todo, timeout, step, threads)
    return out


def unseen_path(params_file: str, out_dir: str) -> str:
    """'' when this machine (a batch worker) sees the run's params file, its data and the parent
    of its output folder, all absolute; else what is missing, where, and what to do."""
    what = [("params file", Path(params_file)), ("output folder", Path(out_dir).parent)]
    try:
        data = yaml.safe_load(Path(params_file).read_text("utf-8")).get("data")
        what.append(("data", Path(str(data))))
    except (OSError, ValueError, AttributeError, yaml.YAMLError):
        pass  # the missing params file is reported below
    for label, path in what:
        if not path.is_absolute():
            return (
                f"the run's {label} {path} is not an absolute path (a batch passes absolute paths)"
            )
        if not path.exists():
            return (
                f"the run's {label} {path} is not visible on host {socket.gethostname()} "
                f"(worker folder {os.getcwd()}): start the workers where the repository, the data "
                "and the output folder are at the same absolute paths as on the machine that "
                "submitted the batch (a shared file system), or run the batch without "
                "--dask-scheduler"
            )
    return ""


def _plan(spec: BatchSpec, out: Path, force: bool) -> tuple[list, list[RunResult]]:
    """Group the runs to do by analysis cache key; skip up-to-date ones; record invalid ones."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    done: list[RunResult] = []
    first: set[str] = set()
    size: dict[str, int] = {}
    pdir = out / ".params"
    for run in spec.runs:
        folder = out / run.run_id
        if run.params is None:
            error = run.error or "invalid"
            done.append(RunResult(run.run_id, STATUS_FAILED, error, 0.0, public.scrub(error)))
            continue
        if not force and is_up_to_date(run.params, folder):
            done.append(RunResult(run.run_id, STATUS_SKIPPED, "", 0.0))
            continue
        pfile = pdir / f"{run.run_id}.yaml"
        mapping = {**run.params.to_mapping(), "data": str(Path(run.params.data).resolve())}
        text = yaml.safe_dump(mapping, allow_unicode=True, sort_keys=False)
        atomic_write(pfile, text)
        key = _group_key(run.params)
        groups[key].append((str(pfile), str(folder)))
        if not (run.params.prefecture or run.params.facility):
            first.add(key)
        size[key] = scope_size(run.params)
    # longest first: the province (its prefecture reports need only its benchmark sections,
    # `reporting.benchmark`), then the larger scopes, so the last groups are the quick ones
    order = sorted(groups, key=lambda k: (k not in first, -size[k]))
    return [Group(groups[k], k in first) for k in order], done


class Group(list):
    """The runs sharing one analysis (params file, output folder); `alone`: runs in a process
    of its own (the province: the batch's longest analysis)."""

    def __init__(self, jobs, alone: bool = False) -> None:
        super().__init__(jobs)
        self.alone = alone


def scope_size(params: ReportParams) -> int:
    """Releases in a prefecture or facility scope, from the data folder's releases.csv (0 when
    not known: another data format, or no scope); the batch's estimate of a run's cost."""
    column = "facility" if params.facility else "prefecture" if params.prefecture else None
    if column is None:
        return 0
    try:
        counts = _scope_counts(str(Path(params.data).resolve() / "releases.csv"), column)
    except (OSError, ValueError, KeyError):
        return 0
    return int(counts.get(getattr(params, column), 0))


@functools.cache
def _scope_counts(releases: str, column: str) -> dict:
    import pandas as pd

    return pd.read_csv(releases, usecols=[column])[column].astype(str).value_counts().to_dict()


def _group_key(params: ReportParams) -> str:
    try:
        return cache_key(params)
    except OSError:  # data missing: the run itself reports it
        return params.sha256()


def execute_batch(
    spec: BatchSpec,
    out: Path,
    workers: int | None = None,
    force: bool = False,
    timeout: float | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> list[RunResult]:
    """Run every report of `spec` into `out/<run_id>`; write summary.csv and index.html."""
    out = Path(out).resolve()  # every worker gets absolute paths, wherever it was started
    out.mkdir(parents=True, exist_ok=True)
    # one code version for the whole batch: its runs and the up-to-date checks agree on it
    os.environ.setdefault(CODE_VERSION_ENV, code_version())
    groups, results = _plan(spec, out, force)
    total = sum(len(g) for g in groups)
    submit = _dask_runner(scheduler) if scheduler else _local_runner(workers or os.cpu_count() or 1)
    console = BatchConsole(total + len(results), out / "batch.log", enabled=progress)
    console.say(f"batch {spec.name}: {total} run(s) to build, {len(results)} reused or invalid")
    console.finished(results)
    try:
        results += submit(groups, timeout, console.finished)
    finally:
        console.close(results)  # before any "interrupted" message, so that one ends the output
    order = {r.run_id: i for i, r in enumerate(spec.runs)}
    results.sort(key=lambda r: order.get(r.run_id, len(order)))
    write_outputs(spec, out, results)
    return results


def _local_runner(workers: int):
    def submit(groups, timeout, step) -> list[RunResult]:
        out: list[RunResult] = []
        reset_stop()
        queue = Chunks(groups, max(1, workers))
        threads = max(1, (os.cpu_count() or 1) // max(1, workers))  # no more threads than cores
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            futures = [pool.submit(_worker, queue, timeout, step, threads)
                       for _ in range(max(1, workers))]  # fmt: skip
            for fut in as_completed(futures):
                out += fut.result()
        except BaseException:  # Ctrl-C / SIGTERM: take no further chunk, kill what runs
            queue.close()
            pool.shutdown(wait=False, cancel_futures=True)
            stop_running()
            raise
        pool.shutdown()
        return out

    return submit


def _worker(queue: Chunks, timeout, step, threads: int) -> list[RunResult]:
    """One batch worker: chunk after chunk, each chunk's groups in one process."""
    out: list[RunResult] = []
    while chunk := queue.take():
        out += run_group([job for group in chunk for job in group], timeout, step, threads)
    return out


class Chunks:
    """The groups a batch's workers take, a chunk at a time, in order (guided scheduling): a
    chunk is about 1/(2 × workers) of the groups left (at least one), so a worker's process and
    kernel serve several groups early on (each process costs ~3 s of imports and a kernel ~3 s
    more) while the last chunks are single groups (no worker idles long at the end). A group
    marked `alone` (the province) is a chunk of its own."""

    def __init__(self, groups: list, workers: int) -> None:
        self._left = list(groups)
        self._workers = workers
        self._lock = threading.Lock()

    def take(self) -> list:
        with self._lock:
            if not self._left:
                return []
            if getattr(self._left[0], "alone", False):
                return [self._left.pop(0)]
            size = max(1, -(-len(self._left) // (2 * self._workers)))
            chunk = []
            while self._left and len(chunk) < size and not getattr(self._left[0], "alone", False):
                chunk.append(self._left.pop(0))
            return chunk

    def close(self) -> None:
        with self._lock:
            self._left.clear()


def _dask_runner(address: str):
    def submit(groups, timeout, step) -> list[RunResult]:
        from dask.distributed import as_completed as dask_completed

        from workbench.stats.bootstrap import dask_client

        out: list[RunResult] = []
        with dask_client(address) as client:
            futures = [client.submit(run_group, list(g), timeout, pure=False) for g in groups]
            left = sum(len(g) for g in groups)
            for fut in dask_completed(futures, loop=client.loop):  # the client is not default
                res = fut.result()
                out += res
                left -= len(res)
                step(res, remote=left)
        return out

    return submit


def public_error(result: RunResult | str) -> str:
    """A failure's cause as summary.csv and index.html show it (`workbench.privacy.public`): the run's
    public message, never the console's whole message."""
    if isinstance(result, str):
        return public.scrub(result)
    if result.status != STATUS_FAILED:
        return ""
    return result.public or public.GENERIC


def write_outputs(spec: BatchSpec, out: Path, results: list[RunResult]) -> list[dict]:
    """Mark failed reruns' old files outdated, then write summary.csv, batch.json, index.html."""
    from workbench.reporting import batch_index as bi
    from workbench.reporting.provenance import git_commit, now_utc

    when = now_utc()
    for res in results:
        folder = out / res.run_id
        if res.status == STATUS_OK:
            bi.clear_outdated(folder)
        elif res.status == STATUS_FAILED and res.error != "interrupted" and folder.is_dir():
            bi.mark_outdated(folder, public_error(res), when)
    records = bi.run_records(spec, out, results, when)
    facts = bi.batch_facts(spec, out, when, code_version(), git_commit())
    bi.write_summary(out, records)
    bi.write_manifest(out, facts, records)
    bi.write_index(out, facts, records)
    return records


def format_results(results: list[RunResult]) -> str:
    """The final tally and the failed runs with their whole message, one line each."""
    failures = failure_list(results)
    return tally(results) + (f"\n{failures}" if failures else "")
