"""`workbench notebook NAME OUT [-p KEY=VALUE ...] [--kernel K]`: a research notebook, checked."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.exceptions import WorkbenchError


def run_notebook(args: argparse.Namespace) -> int:
    """`workbench notebook NAME OUT [-p KEY=VALUE ...]`: run a research notebook (exit 0), or
    print our error (exit 2). NAME is a notebook path or a name like 02_retention_and_relapse."""
    from workbench.params.notebook import execute, parameter_set, parse_assignments

    path = Path(args.notebook)
    if not path.suffix:
        path = Path(__file__).resolve().parents[2] / "notebooks" / f"{path.name}.ipynb"
    try:
        params = parse_assignments(getattr(args, "param", None))
        parameter_set(path).from_mapping(params)  # our message before a kernel starts
        execute(path, args.out, params, kernel_name=getattr(args, "kernel", None) or "workbench")
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
