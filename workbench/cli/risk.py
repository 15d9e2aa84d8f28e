"""`workbench risk`: the risk-factor model.

The handler still lives in `workbench.risk_table`; its owner (models) moves `run_risk` here (#17).
"""

from __future__ import annotations

import argparse


def run_risk(args: argparse.Namespace) -> int:
    from workbench.risk_table import run_risk as run

    return run(args)
