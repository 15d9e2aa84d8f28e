"""Technical notes in the official report: our caveats translated, library messages counted.

Each caveat is produced by the code that really raises it, so a reworded warning that the
translator no longer recognises fails here instead of reaching an official as English text.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

from workbench.evaluation.results import Note, record_warnings
from workbench.exceptions import StatisticalWarning
from workbench.reporting.notes import official_notes, print_log, translate

ALLOWED_LATIN = re.compile(r"Turnbull|\d(?:\.\d+)?e[+-]\d+")  # a method's name, 3.2e-07


def _recorded(func) -> list[Note]:
    notes: list[Note] = []
    with record_warnings(notes):
        func()
    return notes


def _positivity_notes() -> list[Note]:
    from workbench.effects.propensity import PropensityWeights

    rng = np.random.default_rng(1)
    x = rng.normal(size=400)
    treated = (x + rng.normal(scale=0.05, size=400) > 0).astype(int)  # almost separated
    X = pd.DataFrame({"x": x})
    return _recorded(lambda: PropensityWeights("ATE", truncate=None).fit(X, treated))


def _few_events_notes() -> list[Note]:
    from workbench.risk.cox import CoxModel

    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.normal(size=60), "b": rng.normal(size=60)})
    df["t"] = rng.exponential(10, 60)
    df["e"] = (rng.random(60) < 0.2).astype(int)
    return _recorded(lambda: CoxModel(["a", "b"], cluster=None).fit(df, "t", "e"))


def _npmle_notes() -> list[Note]:
    # The support-reduction NPMLE converges even with max_iter=0 on any data we could build
    # quickly, so this caveat is the warning as turnbull.py raises it.
    message = (
        "Turnbull NPMLE stopped after 100,000 iterations with a Kuhn-Tucker violation of "
        "3.2e-07 (> 1e-08); raise max_iter."
    )
    warning = StatisticalWarning(message, code="npmle_not_converged", n_iter=100_000, kt=3.2e-07)
    return _recorded(lambda: warnings.warn(warning, stacklevel=1))


def _outcome_notes() -> list[Note]:
    from workbench.cohort import exposure_starts
    from workbench.simulate import simulate

    ds = simulate(n=200, seed=4).dataset
    extra = ds.interventions.iloc[:3].assign(intervention="award_gold")
    ds2 = type(ds)(**{**ds.__dict__, "interventions": pd.concat([ds.interventions, extra])})
    return _recorded(lambda: exposure_starts(ds2))


@pytest.mark.parametrize(
    ("make", "zh_part", "en_part"),
    [
        (_positivity_notes, "倾向性评分检查", "Positivity check"),
        (_few_events_notes, "复吸风险因素模型只有", "relapse-risk model has only"),
        (_npmle_notes, "保持率曲线", "retention curve (Turnbull NPMLE) stopped after 100,000"),
        (_outcome_notes, "金奖", "gold award"),
    ],
)
def test_each_caveat_the_code_raises_is_translated(make, zh_part, en_part):
    raised = make()
    ours = [n for n in raised if translate(n, "zh") is not None]
    assert ours, f"none of {raised!r} was recognised"
    zh, en = translate(ours[0], "zh"), translate(ours[0], "en")
    assert zh_part in zh and en_part in en
    assert not re.search("[A-Za-z]", ALLOWED_LATIN.sub("", zh)), zh  # no English words left


def test_library_messages_are_counted_not_shown():
    few = (
        "only 27 relapses for 15 terms (fewer than 10 per term); the hazard ratios may be unstable"
    )
    notes = [
        Note("Column x4 have very low variance when conditioned on death event present or not."),
        Note("invalid value encountered in sqrt"),
        Note(few, code="few_events", fields={"events": 27, "terms": 15}),
        Note(few, code="few_events", fields={"events": 27, "terms": 15}),
    ]
    zh = official_notes(notes, "zh")
    assert len(zh) == 2  # the caveat once, then the count of library messages
    assert zh[0].startswith("复吸风险因素模型只有27例复吸、15个参数")
    assert zh[1].startswith("另有2条") and "x4" not in "".join(zh)
    en = official_notes(notes, "en")
    assert en[1].startswith("2 further numerical messages")
    assert official_notes([], "en") == []


def test_print_log_shows_everything_verbatim(capsys):
    class R:
        notes = (Note("Column x4 have very low variance"),)
        missing = {"risk": "no relapses in these data; a Cox model cannot be fitted"}

    print_log(R())
    out = capsys.readouterr().out
    assert "note: Column x4 have very low variance" in out
    assert "missing risk: no relapses in these data" in out


def _method_parts():
    from workbench.i18n import Text
    from workbench.retention.competing_ic import METHOD_TEXT
    from workbench.risk.interval import COX_SENSITIVITY_TEXT

    return [(Text("method_turnbull_bootstrap", {"n": 200}),), METHOD_TEXT, COX_SENSITIVITY_TEXT]


@pytest.mark.parametrize("parts", _method_parts())
def test_method_labels_are_chinese_in_a_chinese_report(parts):
    from workbench.i18n import join

    zh, en = join(parts, "zh"), join(parts, "en")
    names = re.compile(r"Turnbull|Aalen|Johansen|Cox|Kaplan|Meier|Efron|ATE|logistic|RMST")
    assert not re.search("[A-Za-z]", names.sub("", zh)), zh
    for number in re.findall(r"\d+", en):
        assert number in zh  # replicates kept


def test_a_caveat_with_a_code_is_rendered_from_its_fields_not_its_message():
    from workbench.i18n import Text

    coded = [
        Note("reworded", code="few_events", fields={"events": 27, "terms": 15}),
        Note("x", code="low_ess", fields={"arm": Text("arm_group_treated"), "ess": 12, "n": 1500}),
        Note("y", code="outcome_records", fields={"outcome": ("award_gold", "typical_case")}),
        Note("z", code="competing_npmle_not_converged", fields={"n_iter": 10}),  # counted
    ]
    zh = official_notes(coded, "zh")
    assert zh[0].startswith("复吸风险因素模型只有27例复吸、15个参数")
    assert zh[1].startswith("加权后接受帮扶组的有效样本量为12（共1,500人）")
    assert zh[2].startswith("帮扶记录中的金奖、戒毒典型是结果")
    assert zh[3].startswith("另有1条")
    en = official_notes(coded, "en")
    assert en[1].startswith("After weighting, the supported group's effective sample size is 12")
    assert "gold award, typical case" in en[2]
