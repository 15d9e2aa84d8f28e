"""Run one report: validate, analyse (cached), papermill, HTML, PDF, metrics.json — atomically.

The report is built in a private work folder in the temporary directory ($TMPDIR, never the
output folder) and its four files are then moved into the output folder one by one with SIGINT and
SIGTERM held back, so an interrupted run leaves the previous report as it was. A run killed with
SIGKILL cannot clean up: it may leave its work folder ``$TMPDIR/wb-run-*`` (with its kernel's
connection file and sockets) behind, never a file in the output folder; its kernel exits within
about a second when it sees its parent gone (ipykernel's parent poller).

The kernel talks to us over unix sockets (ZeroMQ IPC) in the private work folder (mode 0700),
not over TCP on localhost: no other user can connect, no port can clash with another run's, and
ipykernel has no reason to warn that the traffic is unencrypted.

Once the last cell's outputs are in, the kernel is killed (SIGKILL to its process group, then its
connection file and sockets are removed), not asked to shut down: ipykernel's own shutdown races
between its threads (the control thread flushes stdout through the IOPub thread while the main
thread closes that thread's pipes) and now and then printed "ERROR:tornado.general: Uncaught
exception in ZMQStream callback … Socket operation on non-socket" on the report's stderr. The
kernel has nothing left to do by then (history is in memory, the cache is written by the cells),
and the kill also saves the graceful shutdown's ~0.8 s.

Each stage (the analyses' own stages, then notebook, html, pdf) is timed with
`workbench.console.stage`: shown on the command's console and recorded in metrics.json's
provenance (`stages`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from workbench import __version__, console
from workbench.data.write import atomic_write, check_out_folder
from workbench.evaluation.analysis import (
    CODE_VERSION_ENV,
    FILE_HASHES_ENV,
    analyse,
    cache_key,
    code_version,
    file_hashes_json,
    inputs_sha256,
)
from workbench.evaluation.results import ReportResults
from workbench.exceptions import ReportError, WorkbenchError
from workbench.fonts import require_fonts
from workbench.i18n import LANGUAGES, t
from workbench.params.report import RUN_OPTIONS, ReportParams
from workbench.reporting import analysis_ahead, figure_ahead
from workbench.reporting import metrics as metrics_mod
from workbench.reporting import provenance as prov
from workbench.reporting.kernel import (  # noqa: F401 (bench, tests)
    KERNEL,
    PREWARM_WAIT,
    ReportKernel,
    ipc_kernel_manager,
    park,
    take,
)
from workbench.reporting.model_sections import suppressed_cells
from workbench.reporting.papermill_run import (  # noqa: F401
    KERNEL_SHUTDOWN,
    NOTEBOOK_ENV,
    cell_progress,
    execute,
    notebook_path,
)
from workbench.reporting.render import document, notebook_body, write_pdf
from workbench.reporting.text import start_words

OUTPUTS = ("report.ipynb", "report.html", "report.pdf", "metrics.json")
INTERNAL_NOTE = t("internal_note", "en") + " / " + t("internal_note", "zh")
# environment variables a kept kernel need not share with the run that takes it (`kernel.take`):
# the input hashes (sent by `fresh`) and what scikit-learn's import sets in the parent during
# the analyses (with the same values in the kernel, should it import scikit-learn itself)
VOLATILE_ENV = (FILE_HASHES_ENV, "KMP_DUPLICATE_LIB_OK", "KMP_INIT_AT_FORK")


@dataclass(frozen=True)
class ReportOutputs:
    out: Path
    pdf: Path
    html: Path
    notebook: Path
    metrics: Path
    duration_s: float
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds, as in metrics.json


def mark_internal(path: Path, nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Write the executed notebook `nb` to `path` marked as internal (in its metadata and in a
    first cell); returns it unmarked, for the HTML."""
    body_nb = nbformat.from_dict(nb)
    nb.metadata["workbench"] = {"internal": True, "note": INTERNAL_NOTE}
    banner = nbformat.v4.new_markdown_cell(f"**{INTERNAL_NOTE}**")
    banner.metadata["tags"] = ["internal"]
    nb.cells.insert(0, banner)
    nbformat.write(nb, str(path))
    return body_nb


@contextmanager
def deferred_signals() -> Iterator[None]:
    """Hold SIGINT/SIGTERM back for the block, then deliver the first one caught (main thread
    only; elsewhere Python cannot install handlers and the block runs unprotected)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    signals = (signal.SIGINT, signal.SIGTERM)
    old = {s: signal.signal(s, lambda signum, frame: caught.append(signum)) for s in signals}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    if caught:
        signal.raise_signal(caught[0])


def build_report(
    params: ReportParams,
    out: str | Path,
    timeout: float | None = None,
    scheduler: str | None = None,
) -> ReportOutputs:
    """Run the report for `params` into folder `out`; files appear whole or not at all.
    `scheduler`: a Dask scheduler address for the bootstrap replicates (numbers unchanged)."""
    return build_reports([(params, out)], timeout, scheduler)[0]


def build_reports(
    jobs: list[tuple[ReportParams, str | Path]],
    timeout: float | None = None,
    scheduler: str | None = None,
    fresh_kernels: bool = False,
    on_done=None,
    keep_kernel: bool = True,
) -> list[ReportOutputs | WorkbenchError]:
    """Several reports (typically the two languages of a scope) from one process: each
    distinct analysis computed once, every notebook in one kernel started before the analyses
    (`kernel.ReportKernel`). With one job its error is raised; with several, a job's
    `WorkbenchError` is returned in its place and the others still run. `fresh_kernels`: a
    new kernel without preloading for every notebook, papermill's own (the reference that the
    shared kernel's reports are tested against). `on_done(i, outputs_or_error)` after each.
    `keep_kernel`: the kernel is parked for this process's next call, which reuses it when
    the environment is the same (`kernel.take`), instead of killed at the end."""
    outs = [check_out_folder(o) for _, o in jobs]  # a file named as --out fails now
    t0 = time.perf_counter()
    os.environ.setdefault(CODE_VERSION_ENV, code_version())  # the kernel keys its cache alike
    for params, _ in jobs:
        with contextlib.suppress(OSError):  # missing data: analyse says so, clearly
            cache_key(params)  # hashes the inputs now: the kernel inherits them
    os.environ[FILE_HASHES_ENV] = file_hashes_json()
    workdir = Path(tempfile.mkdtemp(prefix="wb-run-"))  # not in `out`: no junk when killed
    kernel = (
        None
        if fresh_kernels
        else take(workdir, VOLATILE_ENV)
        if keep_kernel
        else ReportKernel(workdir)
    )
    done: list[ReportOutputs | WorkbenchError] = []
    kept = False
    try:
        if kernel is not None and kernel.km is None:
            kernel.start()  # boots and imports on the other core while we analyse
        for lang in dict.fromkeys(p.lang for p, _ in jobs):
            require_fonts(lang)  # a missing font or library fails in seconds, not after the fits
        analyses: dict[str, ReportResults] = {}
        keys = [_key(p) for p, _ in jobs]
        for i, (params, _) in enumerate(jobs):
            # the other language's figures, drawn by the kernel while we print this one's PDF
            done_langs = {p.lang for j, (p, _) in enumerate(jobs[: i + 1]) if keys[j] == keys[i]}
            others = [lang for lang in LANGUAGES if lang not in done_langs]
            try:
                got = _one(params, outs[i], workdir / f"r{i}", kernel, analyses, timeout,
                           scheduler, t0 if i == 0 else time.perf_counter(), others)  # fmt: skip
            except WorkbenchError as err:
                if len(jobs) == 1:
                    raise
                got = err
            done.append(got)
            if on_done is not None:
                on_done(i, got)
        if kernel is not None and keep_kernel:
            park(kernel)  # still drawing for the next run, perhaps: it settles first
            kept = True
        elif kernel is not None:
            kernel.settle(PREWARM_WAIT)  # let the figures drawn for another run be finished
    finally:
        if kernel is not None and not kept:
            kernel.remove()
        shutil.rmtree(workdir, ignore_errors=True)
    return done


def _key(params: ReportParams) -> str:
    try:
        return cache_key(params)
    except OSError:
        return params.sha256()


def _one(
    params, out, workdir, kernel, analyses, timeout, scheduler, t0, others=()
) -> ReportOutputs:
    """One report of `build_reports` into `out`, its files built in `workdir`."""
    started = prov.now_utc()
    with console.timing() as stages:
        key = _key(params)
        if key not in analyses:  # our errors stop here, before any notebook
            # the idle kernel draws each section's figures as soon as the section is computed
            with analysis_ahead.drawing(kernel, params, workdir.parent, [params.lang, *others]):
                analyses[key] = analyse(params, scheduler=scheduler)
        results = analyses[key]
        os.environ[FILE_HASHES_ENV] = file_hashes_json()  # the kernel re-reads no data file
        out.mkdir(parents=True, exist_ok=True)
        workdir.mkdir()
        _render(params, results, workdir, timeout, scheduler, kernel, others)
        duration = round(time.perf_counter() - t0, 3)
        provenance = {
            "workbench_version": __version__,
            "git_commit": prov.git_commit(),
            "params_sha256": params.sha256(),
            "inputs_sha256": inputs_sha256(params),
            "started_at": started,
            "duration_s": duration,
            "stages": dict(stages),
        }
        doc = metrics_mod.build_metrics(
            results, params, suppressed_cells(results, params), provenance
        )
        (workdir / "metrics.json").write_text(metrics_mod.dumps(doc), encoding="utf-8")
        with deferred_signals():  # all four files or none: an interrupt waits for the last
            for name in OUTPUTS:  # metrics.json last: its presence marks a complete report
                atomic_write(out / name, (workdir / name).read_bytes())
    return ReportOutputs(
        out,
        out / "report.pdf",
        out / "report.html",
        out / "report.ipynb",
        out / "metrics.json",
        duration,
        dict(stages),
    )


def _render(
    params: ReportParams,
    results: ReportResults,
    workdir: Path,
    timeout: float | None,
    scheduler: str | None,
    kernel: ReportKernel | None = None,
    others: list[str] | tuple = (),
) -> None:
    """The notebook, HTML and PDF stages into `workdir` (report.ipynb, .html, .pdf); the
    notebook in `kernel` while this process draws the figures from the last one backwards
    (`figure_ahead.ahead`), or in a fresh kernel of papermill's when None (the reference: it
    draws its own). `others`: languages whose figures the kernel draws into the cache once
    this process has printed the PDF (`ReportKernel.prewarm`; a cold report's are mostly
    drawn during its analyses already, `analysis_ahead`)."""
    executed = workdir / "report.ipynb"
    with console.stage("notebook"):
        if kernel is None:
            nb = execute(params, executed, workdir, timeout, scheduler)
        else:
            # this core draws from the last figure, unless the kernel has drawn or is drawing
            # them: during the analyses (`analysis_ahead`), or a prewarm sent by the previous
            # report (the kept kernel's, from the previous call)
            ahead = figure_ahead.ahead if kernel.pending is None else _nothing
            with ahead(results, params):
                nb = run_in(kernel, params, executed, timeout, scheduler)
        nb = mark_internal(executed, nb)
    with console.stage("html"):
        title = params.title or t("default_title", params.lang)
        body = start_words(notebook_body(nb), params.lang, getattr(results, "start_label", None))
        page = document(body, params.lang, title)
        (workdir / "report.html").write_text(page, encoding="utf-8")
    with console.stage("pdf"):
        write_pdf(page, workdir / "report.pdf", base_url=str(workdir), jobs=params.n_jobs)
    if kernel is not None:  # after the PDF: a busy kernel at its start keeps it in one process
        kernel.prewarm(list(others))  # (`pdf_split.free_core`); the next notebook settles it


def run_in(kernel: ReportKernel, params, target: Path, timeout, scheduler) -> nbformat.NotebookNode:
    """The notebook for `params` executed in `kernel` into `target` (and returned); our errors
    as `execute`'s."""
    import papermill as pm

    parameters = params.to_mapping()
    if scheduler:
        parameters[RUN_OPTIONS[0]] = scheduler
    source = notebook_path()
    cells = nbformat.read(str(source), as_version=4).cells
    n_cells = 1 + sum(c.cell_type == "code" and bool(c.source.strip()) for c in cells)
    env = {FILE_HASHES_ENV: os.environ.get(FILE_HASHES_ENV, "{}")}
    try:
        return kernel.run(source, target, parameters, timeout, env, cell_progress(n_cells))
    except KeyboardInterrupt:
        raise
    except pm.PapermillExecutionError as err:
        raise ReportError(
            f"report {params.name}: cell {err.exec_count} failed: {err.ename}: "
            f"{str(err.evalue).splitlines()[0] if err.evalue else ''}"
        ) from None
    except ReportError:
        raise
    except Exception as err:
        raise ReportError(
            f"report {params.name}: kernel failed: {type(err).__name__}: {err}"
        ) from None


PARENT_ENV = "WORKBENCH_PARENT_PID"  # set by `workbench batch`: stop when the batch dies
EVENTS_ENV = "WORKBENCH_RUN_EVENTS"  # set by `workbench batch`: a JSON line per finished report


@contextmanager
def _nothing(*_args) -> Iterator[None]:
    yield
