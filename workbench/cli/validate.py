"""`workbench validate`: check a dataset against the data contract.

The handler still lives in `workbench.validate`; its owner (data) moves `run_validate` here (#17).
"""

from __future__ import annotations

import argparse


def run_validate(args: argparse.Namespace) -> int:
    from workbench.validate import run_validate as run

    return run(args)
