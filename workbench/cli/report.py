"""`workbench report --params FILE [--out DIR] [--allow-identifiers] [--dask-scheduler ADDR]`."""

from __future__ import annotations

import argparse
import os
import signal
import threading
import time
from pathlib import Path

from workbench import console
from workbench.cli.signals import stop_on_sigterm


def _watch_parent(parent: int) -> None:
    """SIGTERM ourselves once `parent` is gone (a batch killed with SIGKILL cannot stop us)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os.kill(os.getpid(), signal.SIGTERM)


def run_report(args: argparse.Namespace) -> int:
    """`workbench report --params FILE [--out DIR]`: one evaluation report (PDF, HTML, notebook,
    metrics.json) into DIR (default reports/<name>)."""
    from workbench.exceptions import ParameterError
    from workbench.params.report import ReportParams, missing_data

    stop_on_sigterm()  # SIGTERM cleans up like Ctrl-C
    params = ReportParams.from_yaml(args.params)  # wrong parameters fail before the imports
    if not Path(params.data).exists():
        raise ParameterError(missing_data(params.data, params.data_against))
    from workbench.data.write import check_out_folder
    from workbench.privacy.guard import guard
    from workbench.reporting.execute import PARENT_ENV, build_report
    from workbench.stats.bootstrap import check_scheduler

    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit():
        threading.Thread(target=_watch_parent, args=(int(parent),), daemon=True).start()
    out = Path(args.out) if getattr(args, "out", None) else Path("reports") / params.name
    check_out_folder(out)
    guard(Path(params.data), True if getattr(args, "allow_identifiers", False) else None)
    check_scheduler(getattr(args, "dask_scheduler", None))  # unreachable: fail before the work
    with console.showing(console.for_command(args)) as shown:
        shown.line(f"report {params.name} ({params.lang}) from {args.params}")
        res = build_report(
            params,
            out,
            timeout=getattr(args, "timeout", None),
            scheduler=getattr(args, "dask_scheduler", None),
        )
        shown.line(console.summary(res.stages))
    print(f"report {params.name} ({params.lang}) → {res.pdf} ({res.duration_s:.1f} s)")
    return 0
