"""`workbench validate`: check a dataset against the data contract."""

from __future__ import annotations

import argparse
import sys


def one_line(exc: BaseException) -> str:
    """The error message on one line."""
    return " ".join(str(exc).split())


def run_validate(args: argparse.Namespace) -> int:
    """`workbench validate DATA`: print the data-quality summary (exit 0) or the error (exit 2)."""
    from workbench.data.io import load_any
    from workbench.data.validate import validation_report
    from workbench.exceptions import WorkbenchError
    from workbench.privacy.guard import guard

    try:
        guard(args.data, getattr(args, "allow_identifiers", None) or None)
        data = load_any(args.data, cutoff=getattr(args, "cutoff", None))
        report = validation_report(data)
    except WorkbenchError as exc:
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 2
    print(report.text(getattr(args, "lang", None) or "en"))
    return 0
