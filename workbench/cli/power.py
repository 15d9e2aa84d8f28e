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
    """The plan as the design sentence, the table and the notes, in `lang`."""
    import pandas as pd

    from workbench.i18n import t

    d = result["design"]
    from_rd = ""
    if d["risk_difference"] is not None:
        from_rd = t(
            "pw_from_rd", lang, months=f"{d['months']:g}", rd=f"{d['risk_difference']:+.0%}"
        )
    lines = [
        t("pw_design", lang, uptake=f"{d['uptake']:.0%}", hr=f"{result['hazard_ratio']:.2f}",
          from_rd=from_rd, accrual=f"{d['accrual_years']:g}", follow=f"{d['follow_up_years']:g}",
          loss=f"{d['loss_per_year']:.0%}", visits=d["visit_months"], alpha=f"{d['alpha']:g}"),
        t("pw_event_share", lang, share=f"{result['event_probability']:.1%}"),
    ]  # fmt: skip
    rows = []
    for r in result["rows"]:
        row = {
            t("pw_col_power", lang): f"{r['power']:.0%}",
            t("pw_col_events", lang): f"{r['events']:,}",
            t("pw_col_releases", lang): f"{r['releases']:,}",
        }
        if result["replicates"]:
            row[t("pw_col_sim_exact", lang)] = _share(r, "simulated_power_exact")
            row[t("pw_col_sim_visits", lang)] = _share(r, "simulated_power_visits")
            need = r["releases_visits"]
            row[t("pw_col_releases_visits", lang)] = "–" if need is None else f"{need:,.0f}"
        rows.append(row)
    table = pd.DataFrame(rows).to_string(index=False)
    notes = [t("pw_note_formula", lang)]
    if result["replicates"]:
        notes.append(t("pw_note_simulation", lang, reps=result["replicates"]))
    return "\n".join([*lines, "", table, "", *notes])


def _share(row: dict, key: str) -> str:
    return f"{row[key]:.0%} ({row[key + '_se']:.0%})"
