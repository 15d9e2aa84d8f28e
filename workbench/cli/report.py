"""`workbench report --params FILE... [--out DIR...] [--allow-identifiers] [--dask-scheduler ADDR]`.

Several parameter files (a scope's Chinese and English twins) make one process: each distinct
analysis is computed once and every notebook runs in one kernel started before the analyses
(not kept after the call, as the library keeps it: a command has no later call).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
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


def _listed(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def run_report(args: argparse.Namespace) -> int:
    """`workbench report --params FILE... [--out DIR...]`: evaluation reports (PDF, HTML,
    notebook, metrics.json) into DIR (default reports/<name>), one per parameter file."""
    from workbench.exceptions import ParameterError
    from workbench.params.report import ReportParams, missing_data

    stop_on_sigterm()  # SIGTERM cleans up like Ctrl-C
    files, outs = _listed(args.params), _listed(getattr(args, "out", None))
    if outs and len(outs) != len(files):
        raise ParameterError(f"--out names {len(outs)} folder(s) for {len(files)} --params file(s); "
                             "give one output folder per parameter file, or none")  # fmt: skip
    every = [ReportParams.from_yaml(f) for f in files]  # wrong parameters fail before the imports
    for params in every:
        if not Path(params.data).exists():
            raise ParameterError(missing_data(params.data, params.data_against))
    from workbench.data.write import check_out_folder
    from workbench.privacy.guard import guard
    from workbench.reporting.execute import PARENT_ENV, build_reports
    from workbench.stats.bootstrap import check_scheduler

    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit():
        threading.Thread(target=_watch_parent, args=(int(parent),), daemon=True).start()
    folders = [Path(o) for o in outs] or [Path("reports") / p.name for p in every]
    for folder in folders:
        check_out_folder(folder)
    allow = True if getattr(args, "allow_identifiers", False) else None
    for data in dict.fromkeys(p.data for p in every):
        guard(Path(data), allow)
    check_scheduler(getattr(args, "dask_scheduler", None))  # unreachable: fail before the work
    failed = []
    with console.showing(console.for_command(args)) as shown:
        for params, f in zip(every, files, strict=True):
            shown.line(f"report {params.name} ({params.lang}) from {f}")

        def done(i: int, res) -> None:
            _event(folders[i], res)
            if isinstance(res, Exception):
                failed.append(res)
                print(f"workbench report: {res}", file=sys.stderr, flush=True)
                return
            shown.line(console.summary(res.stages))
            p = every[i]
            print(f"report {p.name} ({p.lang}) → {res.pdf} ({res.duration_s:.1f} s)", flush=True)

        build_reports(list(zip(every, folders, strict=True)), timeout=getattr(args, "timeout", None),
                      scheduler=getattr(args, "dask_scheduler", None), on_done=done,
                      keep_kernel=False)  # fmt: skip
    return 2 if failed else 0


def _event(folder: Path, res) -> None:
    """For `workbench batch`: one JSON line per finished report ($WORKBENCH_RUN_EVENTS)."""
    from workbench.privacy.public import public_message
    from workbench.reporting.execute import EVENTS_ENV

    target = os.environ.get(EVENTS_ENV)
    if not target:
        return

    ok = not isinstance(res, Exception)
    line = {"out": str(folder), "status": "ok" if ok else "failed",
            "error": "" if ok else str(res), "public": "" if ok else public_message(res)}  # fmt: skip
    with contextlib.suppress(OSError), open(target, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")
