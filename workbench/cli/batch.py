"""`workbench batch FILE [--workers N] [--force] [--timeout S] [--out DIR] [--dask-scheduler ADDR]
[--allow-identifiers]`: many reports, each in its own process (`workbench.reporting.batch`)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from workbench.cli.signals import stop_on_sigterm


def run_batch(args: argparse.Namespace) -> int:
    """Run every report of the batch file; exit 1 when a run failed (the others still ran)."""
    from workbench.data.write import check_out_folder
    from workbench.params.batch import load_batch
    from workbench.privacy.guard import ALLOW_ENV, guard
    from workbench.reporting.batch import STATUS_FAILED, execute_batch, format_results

    stop_on_sigterm()  # SIGTERM stops the runs like Ctrl-C
    spec = load_batch(args.file)
    out = check_out_folder(Path(args.out) if getattr(args, "out", None) else spec.out)
    allow = bool(getattr(args, "allow_identifiers", False))
    for data in dict.fromkeys(run.params.data for run in spec.runs if run.params):
        guard(data, allow or None)  # identifier columns stop the batch before any run starts
    if allow:
        os.environ[ALLOW_ENV] = "1"  # the runs (separate processes) warn instead of refusing
    results = execute_batch(
        spec,
        out,
        workers=getattr(args, "workers", None),
        force=bool(getattr(args, "force", False)),
        timeout=getattr(args, "timeout", None),
        scheduler=getattr(args, "dask_scheduler", None),
    )
    print(format_results(results))
    print(f"index: {out.resolve() / 'index.html'}  (manifest: batch.json, log: batch.log)")
    return 1 if any(r.status == STATUS_FAILED for r in results) else 0
