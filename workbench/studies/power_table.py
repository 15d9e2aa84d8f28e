"""`workbench.studies.power`'s plans in words: the design sentences, the table of releases
needed (and the simulated powers) and the notes, in zh or en (`workbench power`, notebook 04)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.i18n import t


def design_lines(result: dict, lang: str) -> list[str]:
    """A `plan` result's design and expected share with a relapse, as sentences in `lang`."""
    d = result["design"]
    from_rd = ""
    if d["risk_difference"] is not None:
        rd = f"{100 * d['risk_difference']:+g}"
        from_rd = t("pw_from_rd", lang, months=f"{d['months']:g}", rd=rd)
    return [
        t("pw_design", lang, uptake=f"{d['uptake']:.0%}", hr=f"{result['hazard_ratio']:.2f}",
          from_rd=from_rd, accrual=f"{d['accrual_years']:g}", follow=f"{d['follow_up_years']:g}",
          loss=f"{d['loss_per_year']:.0%}", visits=d["visit_months"], alpha=f"{d['alpha']:g}"),
        t("pw_event_share", lang, share=f"{result['event_probability']:.1%}"),
    ]  # fmt: skip


def plan_table(result: dict, lang: str) -> pd.DataFrame:
    """A `plan` result's rows with headers in `lang`: power, relapses and releases needed, and
    with simulation the simulated powers (SE in brackets) and the releases they imply."""

    def share(row: dict, key: str) -> str:
        return "–" if not np.isfinite(row[key]) else f"{row[key]:.0%} ({row[key + '_se']:.0%})"

    rows = []
    for r in result["rows"]:
        row = {
            t("pw_col_power", lang): f"{r['power']:.0%}",
            t("pw_col_events", lang): f"{r['events']:,}",
            t("pw_col_releases", lang): f"{r['releases']:,}",
        }
        if result["replicates"]:
            need = r["releases_visits"]
            row |= {
                t("pw_col_sim_exact", lang): share(r, "simulated_power_exact"),
                t("pw_col_sim_visits", lang): share(r, "simulated_power_visits"),
                t("pw_col_releases_visits", lang): "–" if need is None else f"{need:,.0f}",
            }
        rows.append(row)
    return pd.DataFrame(rows)


def plan_notes(result: dict, lang: str) -> list[str]:
    """What the formula and (when run) the simulation assume, in `lang`."""
    notes = [t("pw_note_formula", lang)]
    if result["replicates"]:
        notes.append(t("pw_note_simulation", lang, reps=result["replicates"]))
    return notes
