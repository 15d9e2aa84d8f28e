"""The words of the risk tables, in the reader's language (presentation, not estimation).

Estimators (`CoxModel`, `IntervalCoxModel`, `ICParametric`) label their tables in English; a
caller that writes Chinese renders the same tables with `summary_in`, `ph_test_in` and
`advice_in`. The words themselves live in the catalog (``workbench.i18n.risk``); category levels
are the programme's glossary words (``codes.label``).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from workbench.data import codes
from workbench.i18n import TEXT, t


def variable_label(name: str, lang: str = "en") -> str:
    """Words for a covariate name (the name itself when unknown)."""
    key = f"risk_var_{name}"
    return t(key, lang) if key in TEXT else name


def _level_label(var: str, level: object, lang: str) -> str:
    return codes.label(var, level, lang) if var in codes.KINDS else str(level)


def term_labels(terms: pd.DataFrame, lang: str = "en") -> list[str]:
    """One label per row of a design's `terms` (term, variable, level, reference)."""
    out = []
    for term in terms.itertuples(index=False):
        name = variable_label(term.variable, lang)
        if term.level is None:
            out.append(name)
        else:
            level = _level_label(term.variable, term.level, lang)
            reference = _level_label(term.variable, term.reference, lang)
            out.append(t("risk_term_level", lang, name=name, level=level, reference=reference))
    return out


def ph_labels(variables: pd.Series, lang: str = "en") -> list[str]:
    """Labels of a proportional-hazards test's rows (GLOBAL: all factors together)."""
    return [
        t("risk_all_factors", lang) if v == "GLOBAL" else variable_label(v, lang) for v in variables
    ]


def ph_advice(ph_table: pd.DataFrame, alpha: float = 0.05, lang: str = "en") -> list[str]:
    """Plain sentences from a PH test table (label, p): one per term whose effect seems to drift."""
    flagged = ph_table[ph_table["p"] < alpha]
    if flagged.empty:
        return [t("risk_ph_holds", lang, alpha=alpha)]
    return [t("risk_ph_drifts", lang, label=r.label, p=r.p) for r in flagged.itertuples()]


def summary_in(model: Any, lang: str, **kwargs: Any) -> pd.DataFrame:
    """A fitted model's `summary(**kwargs)` with its labels in `lang`."""
    return model.summary(**kwargs).assign(label=term_labels(model.design_.terms, lang))


def ph_test_in(model: Any, lang: str) -> pd.DataFrame:
    """A fitted model's `ph_test()` with its labels in `lang`."""
    table = model.ph_test()
    return table.assign(label=ph_labels(table["variable"], lang))


def advice_in(model: Any, lang: str) -> list[str]:
    """A fitted model's proportional-hazards advice in `lang` (one sentence per flagged variable)."""
    table = ph_test_in(model, lang)
    return ph_advice(table[table["variable"] != "GLOBAL"], model.alpha, lang)
