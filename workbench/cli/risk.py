"""`workbench risk DATA [--strata COL ...] [--json]`: the risk-factor model of a dataset
(`workbench.risk.table.risk_model`, printed by `render_text` or as strict JSON)."""

from __future__ import annotations

import argparse

from workbench import console


def run_risk(args: argparse.Namespace) -> int:
    """`workbench risk DATA [--strata COL ...] [--json]`."""
    from workbench import jsonout
    from workbench.data.io import load_any
    from workbench.risk.table import render_text, risk_model

    with console.showing(console.for_command(args)) as shown, console.timing() as stages:
        with console.stage("load"):
            data = load_any(args.data, cutoff=args.cutoff)
        with console.stage("risk"):
            result = risk_model(data, strata=args.strata, lang=args.lang)
        shown.line(console.summary(stages))
    if args.json:
        jsonout.emit(result)
        return 0
    print(render_text(result))
    return 0
