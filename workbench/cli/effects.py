"""`workbench effects DATA [--json] [--horizon DAYS] [--landmark D] [--bootstrap N] [--seed S]
[--jobs J] [--cutoff YYYY-MM-DD]`: one row per support or arm (`workbench.effects.table`)."""

from __future__ import annotations

import argparse
import sys

from workbench import console


def _arg(args: argparse.Namespace, names: tuple[str, ...], default: object) -> object:
    for name in names:
        value = getattr(args, name, None)
        if value is not None:
            return value
    return default


def run_effects(args: argparse.Namespace) -> int:
    """`workbench effects DATA [--json] [--horizon DAYS] [--landmark D] [--bootstrap N]
    [--seed S] [--jobs J] [--cutoff YYYY-MM-DD]`: one row per support or arm (metrics.json
    shape, plus `design`)."""
    from types import SimpleNamespace

    import pandas as pd

    from workbench import jsonout
    from workbench._base import DEFAULT_SEED
    from workbench.cohort.contract import load_cohort
    from workbench.data.codes import SUPPRESSION_THRESHOLD
    from workbench.effects.table import effects_table, records
    from workbench.evaluation.target_trial import command_trials
    from workbench.reporting.target_trial import trial_json, trial_text
    from workbench.reporting.trial_verdicts import metrics_block
    from workbench.stats.bootstrap import check_scheduler

    check_scheduler(getattr(args, "dask_scheduler", None))  # unreachable: fail before the work
    horizon = getattr(args, "horizon", None)
    n_bootstrap = int(_arg(args, ("bootstrap", "n_bootstrap"), 200))
    with console.showing(console.for_command(args)) as shown, console.timing() as stages:
        with console.stage("load"):
            cohort = load_cohort(args.data, cutoff=getattr(args, "cutoff", None))
        with console.stage("effects"):
            table = effects_table(
                cohort,
                n_bootstrap=n_bootstrap,
                seed=int(_arg(args, ("seed",), DEFAULT_SEED)),
                n_jobs=int(_arg(args, ("jobs", "n_jobs"), 1)),
                landmark_day=float(_arg(args, ("landmark", "landmark_day"), 180.0)),
                horizon=None if horizon is None else float(horizon),
                scheduler=getattr(args, "dask_scheduler", None),
            )
        with console.stage("target_trial"):  # issue 18: each support as an emulated trial
            trials = command_trials(
                cohort, n_bootstrap, seed=int(_arg(args, ("seed",), DEFAULT_SEED)),
                n_jobs=int(_arg(args, ("jobs", "n_jobs"), 1)),
                scheduler=getattr(args, "dask_scheduler", None),
            )  # fmt: skip
        shown.line(console.summary(stages))
    if getattr(args, "json", False):
        rows = records(table, cohort.design, n_bootstrap)
        # the report's verdict (docs/report_wording.md), without the report's own weighting notes
        verdicts = metrics_block(SimpleNamespace(target_trials=trials, effects=table, notes=()),
                                 SUPPRESSION_THRESHOLD)  # fmt: skip
        for row in rows:  # every null says why (the row's reason)
            trial = trials.get(str(row["code"]))
            row["target_trial"] = None if trial is None else trial_json(trial)
            row["verdict"] = verdicts.get(str(row["code"]))
            if trial is not None and row["target_trial"] is None:
                why = f"target trial not estimable: {trial.withheld}"
                row["reason"] = f"{row['reason']}; {why}" if row.get("reason") else why
        jsonout.emit(rows)
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(table.assign(design=cohort.design).to_string(index=False))
            if trials:
                print()
                print(trial_text(trials))
    for note in cohort.repairs:
        print(f"workbench effects: note: {note}", file=sys.stderr)
    return 0
