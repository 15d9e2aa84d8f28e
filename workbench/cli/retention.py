"""`workbench retention DATA [--by COL] [--at 12,24,36] [--horizon DAYS] [--json]`: milestone
retention, medians and RMST by group (`workbench.retention.table.retention_summary`)."""

from __future__ import annotations

import argparse

from workbench import console
from workbench.data.codes import DAYS_PER_MONTH
from workbench.exceptions import ParameterError


def _months(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in str(text).split(",") if v.strip())
    except ValueError:
        raise ParameterError(
            f"--at {text!r} is not a list of months (expected e.g. 12,24,36)."
        ) from None
    if not values or any(v <= 0 or v * DAYS_PER_MONTH > 100 * 365.25 for v in values):
        raise ParameterError(f"--at {text!r}: milestones must be positive months, e.g. 12,24,36.")
    return values


def run_retention(args: argparse.Namespace) -> int:
    """`workbench retention DATA [--by COL] [--at 12,24,36] [--horizon DAYS] [--json]`."""
    from workbench import jsonout
    from workbench.data.io import load_any
    from workbench.retention.table import render_text, retention_summary

    months = _months(args.at)
    with console.showing(console.for_command(args)) as shown, console.timing() as stages:
        with console.stage("load"):
            data = load_any(args.data, cutoff=args.cutoff)
        with console.stage("retention"):
            result = retention_summary(
                data,
                by=args.by,
                months=months,
                horizon=args.horizon,
                n_bootstrap=int(args.bootstrap),
                seed=int(args.seed),
            )
        shown.line(console.summary(stages))
    if args.json:
        jsonout.emit(result.to_json())
        return 0
    print(render_text(result, args.by, args.lang))
    return 0
