"""`workbench batch FILE`: many reports in parallel, isolated, resumable, with an index.

Each report runs as its own `workbench report` process with its own temporary folder
(``$TMPDIR/wb-<run_id>-*``: its work files and its kernel's connection file). On timeout the
run's process group and its kernel are killed and the folder removed, so a run that raises, hangs
or kills its kernel never stops the others and leaves nothing behind. Ctrl-C (or SIGTERM) stops
the batch: queued runs are cancelled, running ones killed, earlier outputs kept as they were. A
batch killed with SIGKILL cannot clean up: its runs notice their parent is gone and stop (within
a second), leaving their temporary folders. Runs that share an analysis (the Chinese and English
report of one scope) go to the same worker one after the other, so the second renders from the
first one's cache.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import yaml

from workbench import i18n
from workbench.data import codes
from workbench.data.write import atomic_write
from workbench.evaluation.analysis import CODE_VERSION_ENV, cache_key, code_version, inputs_sha256
from workbench.params.batch import BatchRun, BatchSpec
from workbench.params.report import ReportParams
from workbench.privacy import public

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


_LIVE: set[subprocess.Popen] = set()  # running report processes of this batch
_LOCK = threading.Lock()
_STOP = threading.Event()  # set when the batch is interrupted: start no further run


def run_one(params_file: str, out_dir: str, timeout: float | None) -> RunResult:
    """One report in its own process group; the error is the last line it printed on stderr."""
    from workbench.reporting.execute import PARENT_ENV

    run_id = Path(out_dir).name
    cmd = [sys.executable, "-m", "workbench.cli", "report", "--params", params_file,
           "--out", out_dir]  # fmt: skip
    scratch = tempfile.mkdtemp(prefix=f"wb-{run_id}-")
    public_file = os.path.join(scratch, "public-error.txt")
    env = {**os.environ, "TMPDIR": scratch, PARENT_ENV: str(os.getpid()), public.ENV: public_file}
    t0 = time.perf_counter()
    with _LOCK:
        if _STOP.is_set():
            shutil.rmtree(scratch, ignore_errors=True)
            return RunResult(run_id, STATUS_FAILED, "interrupted", 0.0)
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, start_new_session=True, env=env)  # fmt: skip
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        _LIVE.add(proc)
    said = public.GENERIC
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        proc.communicate()
        late = f"timed out after {timeout:g} s"
        return RunResult(run_id, STATUS_FAILED, late, round(time.perf_counter() - t0, 3), late)
    finally:
        with _LOCK:
            _LIVE.discard(proc)
        kill_processes_naming(scratch)  # a kernel outliving its killed report
        with contextlib.suppress(OSError):
            said = Path(public_file).read_text(encoding="utf-8").strip() or said
        shutil.rmtree(scratch, ignore_errors=True)
    duration = round(time.perf_counter() - t0, 3)
    if proc.returncode == 0:
        return RunResult(run_id, STATUS_OK, "", duration)
    if _STOP.is_set():
        return RunResult(run_id, STATUS_FAILED, "interrupted", duration, "interrupted")
    lines = [x for x in err.strip().splitlines() if x.strip() and "running over TCP" not in x]
    message = lines[-1] if lines else f"exit code {proc.returncode}"
    message = message.removeprefix("workbench report: ")
    return RunResult(run_id, STATUS_FAILED, message, duration, said)


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


def run_group(jobs: list[tuple[str, str]], timeout: float | None) -> list[RunResult]:
    """Runs sharing one analysis, one after the other (the first fills the cache)."""
    return [run_one(p, o, timeout) for p, o in jobs]


def _plan(spec: BatchSpec, out: Path, force: bool) -> tuple[list, list[RunResult]]:
    """Group the runs to do by analysis cache key; skip up-to-date ones; record invalid ones."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    done: list[RunResult] = []
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
        text = yaml.safe_dump(run.params.to_mapping(), allow_unicode=True, sort_keys=False)
        atomic_write(pfile, text)
        key = _group_key(run.params)
        groups[key].append((str(pfile), str(folder)))
    return list(groups.values()), done


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
    out.mkdir(parents=True, exist_ok=True)
    # one code version for the whole batch: its runs and the up-to-date checks agree on it
    os.environ.setdefault(CODE_VERSION_ENV, code_version())
    groups, results = _plan(spec, out, force)
    total = sum(len(g) for g in groups)
    submit = _dask_runner(scheduler) if scheduler else _local_runner(workers or os.cpu_count() or 1)
    bar = _progress(total, progress)
    try:
        results += submit(groups, timeout, bar.update)
    finally:
        bar.close()  # before any "interrupted" message, so that one ends the output
    order = {r.run_id: i for i, r in enumerate(spec.runs)}
    results.sort(key=lambda r: order.get(r.run_id, len(order)))
    write_summary(spec, out, results)
    write_index(spec, out, results)
    return results


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, desc="reports", unit="report", disable=not enabled or total == 0,
                file=sys.stderr)  # fmt: skip


def _local_runner(workers: int):
    def submit(groups, timeout, step) -> list[RunResult]:
        out: list[RunResult] = []
        _STOP.clear()
        pool = ThreadPoolExecutor(max_workers=max(1, workers))
        try:
            futures = [pool.submit(run_group, g, timeout) for g in groups]
            for fut in as_completed(futures):
                res = fut.result()
                out += res
                step(len(res))
        except BaseException:  # Ctrl-C / SIGTERM: cancel what is queued, kill what runs
            pool.shutdown(wait=False, cancel_futures=True)
            stop_running()
            raise
        pool.shutdown()
        return out

    return submit


def _dask_runner(address: str):
    def submit(groups, timeout, step) -> list[RunResult]:
        from dask.distributed import as_completed as dask_completed

        from workbench.stats.bootstrap import dask_client

        out: list[RunResult] = []
        with dask_client(address) as client:
            futures = [client.submit(run_group, g, timeout, pure=False) for g in groups]
            for fut in dask_completed(futures, loop=client.loop):  # the client is not default
                res = fut.result()
                out += res
                step(len(res))
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


SUMMARY_COLUMNS = (
    "run_id", "name", "lang", "prefecture", "facility", "status", "error", "duration_s",
    "n_releases", "coverage", "retention_12", "retention_12_lower", "retention_12_upper",
    "retention_24", "retention_36", "suppressed", "pdf",
)  # fmt: skip


def _summary_row(run: BatchRun, res: RunResult, out: Path) -> dict:
    p = run.params
    raw = _known_raw(run.raw)  # an invalid run: only the values that are valid codes
    row = {
        "run_id": run.run_id,
        "name": p.name if p else raw["name"],
        "lang": p.lang if p else raw["lang"],
        "prefecture": p.prefecture if p else raw["prefecture"],
        "facility": p.facility if p else raw["facility"],
        "status": res.status,
        "error": public_error(res),
        "duration_s": res.duration_s,
    }
    m = _read_metrics(out / run.run_id) if res.status != STATUS_FAILED else None
    if m is not None:
        ret = {int(r["months"]): r for r in m["retention"]}
        row.update(
            n_releases=m["data"]["n_releases"],
            coverage=m["coverage"],
            retention_12=ret.get(12, {}).get("estimate"),
            retention_12_lower=ret.get(12, {}).get("lower"),
            retention_12_upper=ret.get(12, {}).get("upper"),
            retention_24=ret.get(24, {}).get("estimate"),
            retention_36=ret.get(36, {}).get("estimate"),
            suppressed=m["suppressed"],
            pdf=f"{run.run_id}/report.pdf",
        )
    return row


def _known_raw(raw) -> dict:
    """The scope of a run whose parameters are invalid, as official outputs may show it: codes
    that exist, a name scrubbed like a message (`workbench.privacy.public`), nothing else."""
    known = {"lang": i18n.LANGUAGES, "prefecture": codes.PREFECTURES, "facility": codes.FACILITIES}
    out = {k: raw.get(k) if raw.get(k) in allowed else None for k, allowed in known.items()}
    out["name"] = public.scrub(str(raw["name"])) if raw.get("name") is not None else None
    return out


def _read_metrics(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "metrics.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None


def write_summary(spec: BatchSpec, out: Path, results: list[RunResult]) -> Path:
    """summary.csv: one row of key metrics per report (failed runs with their error)."""
    by_id = {r.run_id: r for r in results}
    rows = [_summary_row(run, by_id[run.run_id], out) for run in spec.runs if run.run_id in by_id]
    frame = pd.DataFrame(rows).reindex(columns=list(SUMMARY_COLUMNS))
    for col in ("n_releases", "suppressed"):  # whole numbers, not 500.0 beside failed runs
        frame[col] = pd.to_numeric(frame[col]).astype("Int64")
    frame = public.neutral_csv(frame)  # a name or message starting with = is text, not a formula
    return atomic_write(out / "summary.csv", frame.to_csv(index=False, lineterminator="\n"))


def write_index(spec: BatchSpec, out: Path, results: list[RunResult]) -> Path:
    """index.html linking every report (PDF and HTML), with each failure's cause."""
    by_id = {r.run_id: r for r in results}
    rows = []
    for run in spec.runs:
        res = by_id.get(run.run_id)
        if res is None:
            continue
        rid = html.escape(run.run_id)
        if res.status == STATUS_FAILED:
            links = f'<td class="failed" colspan="2">{html.escape(public_error(res))}</td>'
        else:
            links = (f'<td><a href="{rid}/report.pdf">PDF</a></td>'
                     f'<td><a href="{rid}/report.html">HTML</a></td>')  # fmt: skip
        rows.append(f"<tr><td>{rid}</td><td>{html.escape(res.status)}</td>{links}</tr>")
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(spec.name)} reports</title><style>"
        "body{font-family:'Noto Sans CJK SC',sans-serif;margin:2em}"
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:4px 10px}"
        ".failed{color:#b03a2e}</style></head><body>"
        f"<h1>{html.escape(spec.name)}</h1>"
        '<p><a href="summary.csv">summary.csv</a></p>'
        "<table><thead><tr><th>report</th><th>status</th><th>PDF</th><th>HTML</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )
    return atomic_write(out / "index.html", page)


def format_results(results: list[RunResult]) -> str:
    frame = pd.DataFrame([asdict(r) for r in results])
    counts = frame["status"].value_counts()
    head = ", ".join(f"{counts.get(s, 0)} {s}" for s in (STATUS_OK, STATUS_SKIPPED, STATUS_FAILED))
    return f"{head}\n{frame.to_string(index=False)}"
