"""The data domain's words (data contract, data-quality report, dataset specs, cohort caveats):
key -> (Chinese, English). Pure data; `workbench.i18n.t` renders."""

from __future__ import annotations

ENTRIES = {
    # caveats raised while building exposures (cohort/exposure.py)
    "caveat_outcome_records": (
        "帮扶记录中的{outcome}是结果（以保持操守为前提评定），未作为帮扶措施比较。",
        "The interventions table holds {outcome}: these are outcomes (given to people because "
        "they stayed abstinent), so they are not compared as supports.",
    ),
}
