"""studies.truth_notes: notebook 03's sentences on a support with no true effect (simulated
data) are true whatever its interval, and never read as harm or benefit of the support."""

from __future__ import annotations

import pandas as pd

from workbench.i18n import t
from workbench.studies import truth_notes

TRUTH = {"precise_support": 1.0, "job_placement": 0.7}
NAME = {"zh": "一人一策精准帮扶", "en": "one-person-one-plan precise support"}


def _frame(hr, lower, upper):
    """The null support (given HR and CI) and job placement (true 0.7, CI misses 1)."""
    return pd.DataFrame(
        {
            "code": ["precise_support", "job_placement"],
            "hr": [hr, 0.52],
            "hr_lower": [lower, 0.39],
            "hr_upper": [upper, 0.69],
            "naive_hr": [0.78, 0.43],
        }
    )


def test_a_null_support_whose_interval_misses_1_is_said_not_to_be_an_effect():
    """The default simulator's case (notebook 03 at 10,000 releases: 1.13, 1.01-1.26): the
    sentence gives the interval, says it misses the truth, and that this is no effect of the
    support (it used to give "adjusted 1.13" alone, which reads as harm)."""
    side = _frame(1.1289, 1.0103, 1.2614)
    for lang, missed in (("zh", "区间不包含1"), ("en", "an interval that does not include 1")):
        notes = truth_notes.null_notes(side, TRUTH, lang)
        assert notes == [t("nb_truth_null_missed", lang, name=NAME[lang], naive=0.78,
                           hr=1.1289, lower=1.0103, upper=1.2614)]  # fmt: skip
        assert missed in notes[0] and "1.13" in notes[0] and "1.01–1.26" in notes[0]
    assert "this is not an effect of the support" in truth_notes.null_notes(side, TRUTH, "en")[0]
    assert "这不是该帮扶的作用" in truth_notes.null_notes(side, TRUTH, "zh")[0]
    findings = truth_notes.null_findings(side.drop(columns="naive_hr"), TRUTH, "en")
    assert findings == [t("nb_truth_null_finding", "en", name=NAME["en"])]  # job placement: none
    assert "not harm or benefit caused by the support" in findings[0]
    assert truth_notes.null_findings(side, TRUTH, "zh") == [
        t("nb_truth_null_finding", "zh", name=NAME["zh"])
    ]


def test_a_null_support_whose_interval_holds_1_is_said_to_agree_with_the_truth():
    """A CI holding 1 (0.94-1.17; and 0.91-0.996, which prints as 0.91-1.00 and is judged as
    printed, like the findings' verdict) gives the 'includes 1 (no effect)' sentence and no
    extra finding."""
    for hr, lower, upper in ((1.05, 0.94, 1.17), (0.95, 0.91, 0.996)):
        side = _frame(hr, lower, upper)
        for lang, held in (("zh", "区间包含1（无效果）"), ("en", "includes 1 (no effect)")):
            notes = truth_notes.null_notes(side, TRUTH, lang)
            assert notes == [t("nb_truth_null_covered", lang, name=NAME[lang], naive=0.78,
                               hr=hr, lower=lower, upper=upper)]  # fmt: skip
            assert held in notes[0]
            assert truth_notes.null_findings(side, TRUTH, lang) == []
    assert "0.91–1.00" in truth_notes.null_notes(_frame(0.95, 0.91, 0.996), TRUTH, "en")[0]


def test_no_truth_no_sentence():
    """Real data (no simulation truth) and a simulation without a null support say nothing."""
    side = _frame(1.13, 1.01, 1.26)
    assert truth_notes.null_notes(side, None, "zh") == []
    assert truth_notes.null_notes(side, {"job_placement": 0.7}, "en") == []
    assert truth_notes.null_findings(side, None, "en") == []
