"""`workbench retention`: milestone retention by group.

The handler still lives in `workbench.retention.table`; its owner (engines) moves `run_retention` here (#17).
"""

from __future__ import annotations

import argparse


def run_retention(args: argparse.Namespace) -> int:
    from workbench.retention.table import run_retention as run

    return run(args)
