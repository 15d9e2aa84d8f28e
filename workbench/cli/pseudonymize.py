"""`workbench pseudonymize`: replace direct identifiers.

The handler still lives in `workbench.privacy`; its owner (data) moves `run_pseudonymize` here (#17).
"""

from __future__ import annotations

import argparse


def run_pseudonymize(args: argparse.Namespace) -> int:
    from workbench.privacy import run_pseudonymize as run

    return run(args)
