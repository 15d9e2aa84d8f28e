"""`workbench power (--hr HR | --risk-difference RD) [--uptake P] [--accrual-years Y]
[--follow-up-years Y] [--loss-per-year R] [--simulate N] [--json]`: releases needed for an
evaluation of one support (workbench.studies.power), by Schoenfeld's formula and, with
--simulate, checked with the project's simulator."""

from __future__ import annotations

import argparse


def run_power(args: argparse.Namespace) -> int:
    from workbench import jsonout
    from workbench.exceptions import ParameterError
    from workbench.studies.power import StudyDesign, plan

    if args.hr is None and args.risk_difference is None:
        raise ParameterError("give the expected effect, --hr (e.g. 0.8) or "
                             "--risk-difference (e.g. 0.05)")  # fmt: skip
    if args.simulate < 0:
        raise ParameterError(f"--simulate {args.simulate} must be 0 (formula only) or more")
    design = StudyDesign(
        uptake=args.uptake,
        hr=args.hr,
        risk_difference=args.risk_difference,
        months=args.months,
        accrual_years=args.accrual_years,
        follow_up_years=args.follow_up_years,
        loss_per_year=args.loss_per_year,
        visit_months=args.visit_months,
        alpha=args.alpha,
    )
    result = plan(design, powers=_powers(args.power), replicates=args.simulate, seed=args.seed)
    if args.json:
        jsonout.emit(result)
        return 0
    print(render_text(result, args.lang))
    return 0


def _powers(text: str) -> tuple[float, ...]:
    from workbench.exceptions import ParameterError

    try:
        values = tuple(float(x) for x in text.split(","))
    except ValueError:
        values = ()
    if not values or not all(0.5 <= v < 1 for v in values):
        raise ParameterError(f"--power {text!r} must be shares between 0.5 and 1, "
                             "comma-separated, e.g. 0.8,0.9")  # fmt: skip
    return values


def render_text(result: dict, lang: str) -> str:
    """The plan as the design sentences, the table and the notes, in `lang`."""
    from workbench.studies.power_table import design_lines, plan_notes, plan_table

    table = plan_table(result, lang).to_string(index=False)
    return "\n".join([*design_lines(result, lang), "", table, "", *plan_notes(result, lang)])
