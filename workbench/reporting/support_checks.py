"""Supports whose weighted comparison failed a check: their caveats beside their row, no verdict.

A support's landmark comparison is weighted (overlap weights). It fails a check when its
propensity model leaves at least the report's threshold of people with a propensity outside
[0.01, 0.99] (positivity, caveat ``support_positivity``), when an arm's effective sample size
after weighting is below a tenth of its size (``support_low_ess``), or when weighting leaves a
covariate unbalanced (|SMD| >= 0.1, effects column ``balance``). Such a support:

- gets no verdict in the executive summary (``verdict_not_judged``: "not judged", no figures),
  so nothing there reads as a finding about it (issue 22) — when the summary speaks from these
  analyses (no target trials); with target trials it is not used as their cross-check
  (`trial_verdicts`, docs/report_wording.md, which applies the same rule to the trials);
- has its caveats shown once, in the Support effects section, marked on its row of the table
  ([1], [2] … after the support's name, the notes below the table with the same marks).

Fewer people than the threshold outside [0.01, 0.99] is not a failed check: overlap weights
give them almost no weight, and the count could not be shown anyway. Their caveat stays in
metrics.json's notes and the analysts' log.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench.effects.findings import support_verdicts
from workbench.evaluation.results import ReportResults
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.reporting.notes import SUPPORT_CAVEATS, translate
from workbench.reporting.suppression import scrub_counts

BALANCE = "balance"  # a support's failed balance check (no Note: the effects table says it)


def failed_supports(results: ReportResults, threshold: int) -> dict[str, list]:
    """support code -> its failed checks (caveat `Note`s, or BALANCE), in the table's order."""
    out: dict[str, list] = {}
    for note in getattr(results, "notes", ()):
        code = note.fields.get("intervention") if note.code in SUPPORT_CAVEATS else None
        if code is None:
            continue
        if note.code == "support_positivity" and float(note.fields.get("n", 0)) < threshold:
            continue  # a handful of people: overlap weights barely count them
        if note not in out.setdefault(str(code), []):
            out[str(code)].append(note)
    eff = getattr(results, "effects", None)
    if eff is not None and "balance" in eff:
        for code in eff.loc[eff["balance"].eq("not achieved"), "code"]:
            out.setdefault(str(code), []).append(BALANCE)
    if eff is not None:  # the effects table's order
        order = {str(c): i for i, c in enumerate(eff["code"])}
        out = dict(sorted(out.items(), key=lambda kv: order.get(kv[0], len(order))))
    return out


def check_notes(results: ReportResults, params: ReportParams) -> dict[str, list[str]]:
    """support code -> the sentences of its failed checks in the report's language (each
    once; counts below the threshold scrubbed)."""
    from workbench.data import codes

    lang, k = params.lang, params.suppression_threshold
    out: dict[str, list[str]] = {}
    for code, checks in failed_supports(results, k).items():
        lines = out.setdefault(code, [])
        for check in checks:
            if check == BALANCE:
                text = t("balance_note", lang, codes.label("intervention", code, lang))
            else:
                text = scrub_counts(translate(check, lang) or "", k, lang)
            if text and text not in lines:
                lines.append(text)
    return out


def sensitivity_verdicts(results: ReportResults, threshold: int) -> pd.DataFrame:
    """`effects.findings.support_verdicts` of the hazard-ratio and landmark analyses, except
    that a support whose weighted comparison failed a check is "not_judged" (sure
    "check_failed"), without figures, after the judged ones. The summary's verdicts when the
    report has no target trials (randomised arms, baseline groups); else the cross-check."""
    v = support_verdicts(results.effects, threshold)
    failed = failed_supports(results, threshold)
    if not failed or v.empty:
        return v
    off = v["code"].isin(list(failed)) & v["verdict"].ne("not_estimable")
    v.loc[off, ["verdict", "sure"]] = ["not_judged", "check_failed"]
    cols = [c for c in v.columns if c.startswith(("days", "risk"))]
    v.loc[off, cols] = np.nan
    rank = v["verdict"].map({"not_judged": 1, "not_estimable": 2}).fillna(0)
    return v.iloc[np.argsort(rank.to_numpy(), kind="stable")].reset_index(drop=True)
