"""`workbench report`: run one evaluation report.

The handler still lives in `workbench.reporting.execute`; its owner (reporting) moves `run_report` here (#17).
"""

from __future__ import annotations

import argparse


def run_report(args: argparse.Namespace) -> int:
    from workbench.reporting.execute import run_report as run

    return run(args)
