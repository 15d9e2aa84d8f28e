"""How the support effects show in the report: the E-value column and note."""

from types import SimpleNamespace

import numpy as np
import pandas as pd

from workbench.i18n import TEXT, Text
from workbench.reporting import model_sections


def _results():
    eff = pd.DataFrame(
        {
            "code": ["job_placement", "financial_aid", "peer_education"],
            "n_exposed": [300, 120, 4],
            "hr": [0.62, np.nan, 0.5],
            "hr_lower": [0.50, np.nan, 0.2],
            "hr_upper": [0.77, np.nan, 0.9],
            "rmst_diff_days": [40.0, np.nan, 10.0],
            "rmst_diff_lower": [20.0, np.nan, 1.0],
            "rmst_diff_upper": [60.0, np.nan, 30.0],
            "method": ["m"] * 3,
            "evalue": [2.14, 1.9, 3.0],
            "evalue_ci": [1.62, 1.0, 1.2],
        }
    )
    return SimpleNamespace(effects=eff, findings=None)


def test_effects_table_shows_evalues_and_hides_them_with_the_estimate():
    params = SimpleNamespace(lang="en", suppression_threshold=10, landmark_day=180)
    shown, _ = model_sections.effects_table(_results(), params)
    col = TEXT["evalue_column"]["en"]
    # shown for an estimate; hidden where the HR was withheld or too few received the support
    assert list(shown[col]) == ["2.1 / 1.6", "–", "–"]


def test_evalue_is_explained_once_in_the_methods_not_under_the_table():
    from workbench.reporting import closing

    results = SimpleNamespace(
        **vars(_results()),
        kind="contract",
        notes=(),
        milestones=None,
        cif=None,
        tiers=None,
        regions=pd.DataFrame(),  # present: no province benchmark is looked up
        method_text={"effects:job_placement": (Text("method_turnbull_bootstrap", {"n": 9}),)},
    )
    for lang in ("en", "zh"):
        params = SimpleNamespace(
            lang=lang, suppression_threshold=10, landmark_day=180, prefecture=None, facility=None
        )
        section = model_sections.effects(_results(), params)
        assert TEXT["evalue_note"][lang][:20] not in section.html
        methods = closing.methods(results, params).html
        assert methods.count(TEXT["evalue_note"][lang][:20]) == 1
