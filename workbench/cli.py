"""The `workbench` command line: one sub-command per job.

Every sub-command lives in the module of its concept; this file only parses arguments and turns
our errors into one line on stderr with exit code 2 (no traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence

from workbench import __version__
from workbench.exceptions import WorkbenchError

# sub-command -> (module, function, help). Each function takes the parsed args, returns an exit code.
COMMANDS = {
    "simulate": (
        "workbench.simulate",
        "run_simulate",
        "write a synthetic dataset with known truth",
    ),
    "validate": (
        "workbench.data.validate",
        "run_validate",
        "check a dataset against the data contract",
    ),
    "cohort": ("workbench.cli", "run_cohort", "build one analysis row per release"),
    "retention": ("workbench.retention.table", "run_retention", "milestone retention by group"),
    "risk": (
        "workbench.risk_table",
        "run_risk",
        "risk-factor model (Cox with PH test; AFT for interval-censored data)",
    ),
    "effects": ("workbench.effects", "run_effects", "compare support interventions"),
    "report": ("workbench.reporting", "run_report", "run one evaluation report"),
    "batch": ("workbench.reporting.batch", "run_batch", "run many reports in parallel"),
    "pseudonymize": (
        "workbench.privacy.pseudonymize",
        "run_pseudonymize",
        "replace direct identifiers",
    ),
    "notebook": (
        "workbench.notebook_params",
        "run_notebook",
        "run a research notebook with checked parameters",
    ),
}


def _add_simulate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="folder to write the dataset into")
    p.add_argument(
        "--config", default=None, help="simulation YAML (default params/simulation.yaml)"
    )
    p.add_argument("--seed", type=int, default=None, help="random seed (default 20170101)")
    p.add_argument("--n", type=int, default=None, help="number of releases (default from config)")
    p.add_argument("--if-missing", action="store_true", help="do nothing if --out holds a dataset")


def _positive_days(text: str) -> float:
    """A horizon in days: a positive finite number (argparse turns the error into exit 2)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days") from None
    if not (0 < value < 100 * 365.25):
        raise argparse.ArgumentTypeError(f"{text!r}: a horizon must be a positive number of days")
    return value


def _add_data(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="dataset folder, or a dataset spec (.yaml)")
    p.add_argument("--cutoff", default=None, help="data cut-off date YYYY-MM-DD")


def _add_allow(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-identifiers",
        action="store_true",
        help="warn instead of refusing data with identifier columns (keep outputs internal)",
    )


def _add_validate(p: argparse.ArgumentParser) -> None:
    _add_data(p)
    _add_allow(p)
    p.add_argument("--lang", default="en", choices=["en", "zh"], help="language of the summary")


def _add_cohort(p: argparse.ArgumentParser) -> None:
    _add_data(p)
    p.add_argument("--out", required=True, help="output file (.csv or .parquet)")


def _add_retention(p: argparse.ArgumentParser) -> None:
    _add_data(p)
    p.add_argument("--by", default=None, help="column to stratify by, e.g. prefecture")
    p.add_argument("--at", default="12,24,36", help="milestones in months, comma-separated")
    p.add_argument(
        "--horizon",
        type=_positive_days,
        default=None,
        help="RMST horizon in days (default: the shortest group's follow-up, at most 36 months)",
    )
    p.add_argument(
        "--bootstrap", type=int, default=200, help="bootstrap replicates (interval-censored CIs)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the bootstrap")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--lang", default="en", choices=["en", "zh"], help="labels in the table")


def _add_risk(p: argparse.ArgumentParser) -> None:
    _add_data(p)
    p.add_argument(
        "--strata",
        nargs="*",
        default=None,
        metavar="COL",
        help="stratify the Cox model by these columns (default: the spec's strata; "
        "--strata alone: no strata)",
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--lang", default="en", choices=["en", "zh"], help="labels in the table")


def _add_effects(p: argparse.ArgumentParser) -> None:
    _add_data(p)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--landmark", type=int, default=180, help="landmark day (default 180)")
    p.add_argument(
        "--horizon",
        type=_positive_days,
        default=None,
        help="RMST horizon in days (default: the data's common follow-up, at most 36 months)",
    )
    p.add_argument("--bootstrap", type=int, default=200, help="bootstrap replicates")
    p.add_argument("--seed", type=int, default=20170101, help="random seed")
    p.add_argument("--jobs", type=int, default=1, help="parallel workers for the bootstrap")
    _add_scheduler(p, "run the bootstrap replicates on this Dask scheduler (address)")


def _add_report(p: argparse.ArgumentParser) -> None:
    p.add_argument("--params", required=True, help="report parameter file (YAML)")
    p.add_argument("--out", default=None, help="output folder (default reports/<name>)")
    _add_allow(p)
    _add_scheduler(p, "run the bootstrap replicates on this Dask scheduler (address)")


def _add_scheduler(p: argparse.ArgumentParser, text: str) -> None:
    p.add_argument("--dask-scheduler", default=None, help=text)


def _add_batch(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="batch file (YAML) listing report parameter sets")
    p.add_argument("--workers", type=int, default=None, help="parallel runs (default: cores)")
    p.add_argument("--force", action="store_true", help="rerun reports that are up to date")
    p.add_argument("--timeout", type=float, default=None, help="seconds allowed per report")
    p.add_argument("--out", default=None, help="output folder (default from the batch file)")
    p.add_argument("--dask-scheduler", default=None, help="address of a Dask scheduler")
    _add_allow(p)


def _add_pseudonymize(p: argparse.ArgumentParser) -> None:
    p.add_argument("data", help="dataset folder with direct identifiers")
    p.add_argument("--key", required=True, help="key file (kept by you, never with the data)")
    p.add_argument("--out", required=True, help="folder for the pseudonymised dataset")


def _add_notebook(p: argparse.ArgumentParser) -> None:
    p.add_argument("notebook", help="a notebook name such as 02_retention_and_relapse, or a path")
    p.add_argument("out", help="where to write the executed notebook")
    p.add_argument("-p", "--param", action="append", default=[], help="KEY=VALUE (repeatable)")
    p.add_argument("--kernel", default="workbench", help="Jupyter kernel (default workbench)")


ADDERS = {
    "simulate": _add_simulate,
    "validate": _add_validate,
    "cohort": _add_cohort,
    "retention": _add_retention,
    "risk": _add_risk,
    "effects": _add_effects,
    "report": _add_report,
    "batch": _add_batch,
    "pseudonymize": _add_pseudonymize,
    "notebook": _add_notebook,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Relapse & Retention Workbench: survival analysis and evaluation reports.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_module, _func, help_text) in COMMANDS.items():
        ADDERS[name](sub.add_parser(name, help=help_text, description=help_text))
    return parser


def run_cohort(args: argparse.Namespace) -> int:
    """`workbench cohort DATA --out FILE`: one analysis row per release."""
    from workbench.cohort import build_cohort
    from workbench.data.io import check_table_path, load_dataset, write_table
    from workbench.privacy.public import neutral_csv

    check_table_path(args.out)
    ds = load_dataset(args.data, cutoff=args.cutoff)
    cohort = build_cohort(ds)
    csv = str(args.out).lower().endswith(".csv")
    write_table(neutral_csv(cohort) if csv else cohort, args.out)  # no formulas in a CSV
    counts = cohort["event"].value_counts()
    print(
        f"{len(cohort):,} releases → {args.out} "
        f"(relapse {counts.get('relapse', 0):,}, death {counts.get('death', 0):,}, "
        f"censored {counts.get('censored', 0):,})"
    )
    return 0


def _write_public(err: BaseException) -> None:
    """For `workbench batch`: the error as an official output may show it (workbench.privacy.public)."""
    from workbench.privacy.public import ENV, public_message

    target = os.environ.get(ENV)
    if target:
        with contextlib.suppress(OSError):
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(public_message(err))


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module_name, func_name, _ = COMMANDS[args.command]
    if args.command in ("report", "effects") and getattr(args, "dask_scheduler", None):
        from workbench.effects.estimate import SCHEDULER_ENV

        os.environ[SCHEDULER_ENV] = args.dask_scheduler  # read by every bootstrap (and kernel)
    try:
        func = getattr(importlib.import_module(module_name), func_name)
        return int(func(args) or 0)
    except WorkbenchError as err:
        print(f"workbench {args.command}: {err}", file=sys.stderr)
        _write_public(err)
        return 2
    except BrokenPipeError:  # the reader went away (e.g. `| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"workbench {args.command}: interrupted; no partial output was kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
