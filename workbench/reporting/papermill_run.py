"""The report notebook executed by papermill in a kernel of its own (the reference path:
`execute.build_reports(fresh_kernels=True)`), its location, and the console's cell progress.

The kernel runs over unix sockets (ZeroMQ IPC, `kernel.ipc_kernel_manager`) in the run's private
work folder and is killed after its last cell (`KERNEL_SHUTDOWN`; `execute`'s module docstring
says why). Moved out of `execute` (issue 23, session 9) to keep that module under 400 lines.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from importlib import resources
from pathlib import Path

import nbformat

from workbench import console
from workbench.exceptions import ReportError
from workbench.params.report import RUN_OPTIONS, ReportParams
from workbench.reporting.kernel import (
    KERNEL,
    KERNEL_START_RETRIES,
    ipc_kernel_manager,
    is_kernel_start_failure,
    socket_folder,
)

RETRY = object()  # `_execute_once`: the kernel failed to start, try again
KERNEL_SHUTDOWN = "immediate"  # killed after its last cell, no shutdown_request (module docstring)
NOTEBOOK_ENV = "WORKBENCH_REPORT_NOTEBOOK"


def notebook_path() -> Path:
    """The report notebook: $WORKBENCH_REPORT_NOTEBOOK (an analyst's variant with the same
    parameters cell), else the repository's notebooks/evaluation_report.ipynb."""
    if os.environ.get(NOTEBOOK_ENV):
        return Path(os.environ[NOTEBOOK_ENV])
    repo = Path(__file__).resolve().parents[2] / "notebooks" / "evaluation_report.ipynb"
    if repo.is_file():
        return repo
    return Path(str(resources.files("workbench.reporting").joinpath("evaluation_report.ipynb")))


def cell_progress(total: int):
    """nbclient's on_cell_executed hook drawing `notebook: cells` progress on the console."""
    progress = console.replicate_progress("cells")
    if progress is None:
        return None
    done = [0]

    def hook(**_kwargs) -> None:
        done[0] += 1
        progress(min(done[0], total), total)

    progress(0, total)
    return hook


def execute(
    params: ReportParams,
    target: Path,
    workdir: Path,
    timeout: float | None,
    scheduler: str | None = None,
) -> nbformat.NotebookNode:
    """papermill-execute the notebook into `target` (and return it), retrying kernel-start
    failures (#511); written once, at the end (as `kernel.ReportKernel.run`).
    `scheduler` (a Dask address) reaches the kernel as the notebook's `dask_scheduler`.
    The kernel runs over IPC (`ipc_kernel_manager`) with its sockets in `workdir`."""
    import papermill as pm

    parameters = params.to_mapping()
    if scheduler:
        parameters[RUN_OPTIONS[0]] = scheduler  # not a report parameter: where, not what
    source = notebook_path()
    cells = nbformat.read(str(source), as_version=4).cells
    n_cells = 1 + sum(c.cell_type == "code" and bool(c.source.strip()) for c in cells)
    sockets = socket_folder(workdir)
    try:
        for attempt in range(1, KERNEL_START_RETRIES + 1):
            nb = _execute_once(pm, source, target, parameters, workdir, sockets, timeout, n_cells,
                               params.name, attempt)  # fmt: skip
            if nb is not RETRY:
                return nb
        raise AssertionError("unreachable: the last attempt returns or raises")
    finally:
        if sockets != workdir:
            shutil.rmtree(sockets, ignore_errors=True)


def _execute_once(pm, source, target, parameters, workdir, sockets, timeout, n_cells, name,
                  attempt):  # fmt: skip
    """One papermill attempt: the executed notebook, or `RETRY` when the kernel failed to start
    and another attempt is allowed; our errors otherwise."""
    try:
        return pm.execute_notebook(
            str(source),
            str(target),
            parameters=parameters,
            kernel_name=KERNEL,
            cwd=str(workdir),
            progress_bar=False,
            log_output=False,
            execution_timeout=timeout,
            start_timeout=120,
            kernel_manager_class=ipc_kernel_manager(sockets),
            shutdown_kernel=KERNEL_SHUTDOWN,
            request_save_on_cell_execute=False,
            on_cell_executed=cell_progress(n_cells),
        )
    except KeyboardInterrupt:
        # the abandoned kernel's polling tasks fail later and asyncio would print their
        # DeadKernelError tracebacks after our one-line "interrupted" message
        logging.getLogger("asyncio").setLevel(logging.CRITICAL + 1)
        raise
    except pm.PapermillExecutionError as err:
        raise ReportError(
            f"report {name}: cell {err.exec_count} failed: {err.ename}: "
            f"{str(err.evalue).splitlines()[0] if err.evalue else ''}"
        ) from None
    except Exception as err:
        if attempt < KERNEL_START_RETRIES and is_kernel_start_failure(err):
            time.sleep(0.5 * attempt)
            return RETRY
        raise ReportError(f"report {name}: kernel failed: {type(err).__name__}: {err}") from None
