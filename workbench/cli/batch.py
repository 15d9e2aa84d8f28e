"""`workbench batch`: run many reports in parallel.

The handler still lives in `workbench.reporting.batch`; its owner (reporting) moves `run_batch` here (#17).
"""

from __future__ import annotations

import argparse


def run_batch(args: argparse.Namespace) -> int:
    from workbench.reporting.batch import run_batch as run

    return run(args)
