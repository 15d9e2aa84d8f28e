"""`workbench risk DATA [--strata COL ...] [--json]`: the risk-factor model of a dataset
(`workbench.risk.table.risk_model`, printed by `render_text` or as strict JSON)."""

from __future__ import annotations

import argparse


def run_risk(args: argparse.Namespace) -> int:
    """`workbench risk DATA [--strata COL ...] [--json]`."""
    from workbench import jsonout
    from workbench.data.io import load_any
    from workbench.risk.table import render_text, risk_model

    data = load_any(args.data, cutoff=args.cutoff)
    result = risk_model(data, strata=args.strata, lang=args.lang)
    if args.json:
        jsonout.emit(result)
        return 0
    print(render_text(result))
    return 0
