"""The `workbench` command line: one sub-command per job.

This package parses arguments and turns our errors into one line on stderr with exit code 2 (no
traceback). Each sub-command's handler is `run_<command>(args) -> exit code` in
`workbench/cli/<command>.py`, imported statically below. A handler module imports the analysis
it runs inside the handler, so `workbench --help` or `workbench simulate` does not load the
report stack (0.03 s instead of 5 s to start).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Callable, Sequence

from workbench import __version__
from workbench._base import DEFAULT_SEED
from workbench.cli.batch import run_batch
from workbench.cli.cohort import run_cohort
from workbench.cli.effects import run_effects
from workbench.cli.notebook import run_notebook
from workbench.cli.power import run_power
from workbench.cli.pseudonymize import run_pseudonymize
from workbench.cli.report import run_report
from workbench.cli.retention import run_retention
from workbench.cli.risk import run_risk
from workbench.cli.simulate import run_simulate
from workbench.cli.validate import run_validate
from workbench.exceptions import WorkbenchError

# sub-command -> (handler, help). Each handler takes the parsed args and returns an exit code.
COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int | None], str]] = {
    "simulate": (run_simulate, "write a synthetic dataset with known truth"),
    "validate": (run_validate, "check a dataset against the data contract"),
    "cohort": (run_cohort, "build one analysis row per release"),
    "retention": (run_retention, "milestone retention by group"),
    "risk": (run_risk, "risk-factor model (Cox with PH test; AFT for interval-censored data)"),
    "effects": (run_effects, "compare support interventions"),
    "report": (run_report, "run one evaluation report"),
    "batch": (run_batch, "run many reports in parallel"),
    "pseudonymize": (run_pseudonymize, "replace direct identifiers"),
    "notebook": (run_notebook, "run a research notebook with checked parameters"),
    "power": (run_power, "releases needed to evaluate a support (formula and simulation)"),
}


def _add_simulate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", required=True, help="folder to write the dataset into")
    p.add_argument(
        "--config", default=None, help="simulation YAML (default params/simulation.yaml)"
    )
    p.add_argument("--seed", type=int, default=None, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--n", type=int, default=None, help="number of releases (default from config)")
    p.add_argument("--if-missing", action="store_true", help="do nothing if --out holds a dataset")
    p.add_argument(
        "--strategies-n",
        type=int,
        default=None,
        help="releases for truth/strategies.csv (default counterfactual.n of the config; 0 = skip)",
    )


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


def _add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress on stderr (stages, bootstrap bar): only errors and the final line",
    )


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
    _add_quiet(p)
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
    _add_quiet(p)
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
    _add_quiet(p)
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
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    p.add_argument("--jobs", type=int, default=1, help="parallel workers for the bootstrap")
    _add_scheduler(p, "run the bootstrap replicates on this Dask scheduler (address)")


def _add_report(p: argparse.ArgumentParser) -> None:
    _add_quiet(p)
    p.add_argument(
        "--params",
        required=True,
        nargs="+",
        help="report parameter file(s) (YAML); "
        "several (e.g. a scope's zh and en) share one analysis and one kernel",
    )
    p.add_argument(
        "--out",
        default=None,
        nargs="+",
        help="output folder(s), one per parameter file (default reports/<name>)",
    )
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


def _add_power(p: argparse.ArgumentParser) -> None:
    effect = p.add_mutually_exclusive_group()
    effect.add_argument(
        "--hr",
        type=float,
        default=None,
        help="expected hazard ratio of relapse with the support, e.g. 0.8",
    )
    effect.add_argument(
        "--risk-difference",
        type=float,
        default=None,
        help="expected change in retention at --months, e.g. 0.05",
    )
    p.add_argument(
        "--months",
        type=float,
        default=12.0,
        help="milestone of --risk-difference in months (default 12)",
    )
    p.add_argument(
        "--uptake",
        type=float,
        default=0.3,
        help="share of releases receiving the support (default 0.3)",
    )
    p.add_argument(
        "--accrual-years",
        type=float,
        default=2.0,
        help="years over which the study's releases happen (default 2)",
    )
    p.add_argument(
        "--follow-up-years",
        type=float,
        default=1.0,
        help="follow-up after the last release, in years (default 1)",
    )
    p.add_argument(
        "--loss-per-year",
        type=float,
        default=0.05,
        help="share lost to follow-up per year (default 0.05)",
    )
    p.add_argument(
        "--visit-months",
        type=int,
        default=6,
        help="months between return visits (the programme's 6; default 6)",
    )
    p.add_argument("--alpha", type=float, default=0.05, help="two-sided level (default 0.05)")
    p.add_argument("--power", default="0.8,0.9", help="target powers (default 0.8,0.9)")
    p.add_argument(
        "--simulate",
        type=int,
        default=0,
        metavar="N",
        help="also simulate N studies at each size with the workbench simulator "
        "(default 0: formula only; 200 takes about a minute)",
    )
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed of --simulate")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--lang", default="en", choices=["en", "zh"], help="language of the text")


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
    "power": _add_power,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="Relapse & Retention Workbench: survival analysis and evaluation reports.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_handler, help_text) in COMMANDS.items():
        ADDERS[name](sub.add_parser(name, help=help_text, description=help_text))
    return parser


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
    handler, _ = COMMANDS[args.command]
    try:
        return int(handler(args) or 0)
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
