"""`workbench effects`: compare support interventions.

The handler still lives in `workbench.effects.table`; its owner (models) moves `run_effects` here (#17).
"""

from __future__ import annotations

import argparse


def run_effects(args: argparse.Namespace) -> int:
    from workbench.effects.table import run_effects as run

    return run(args)
