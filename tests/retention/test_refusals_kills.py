"""Every refusal of the estimators that no test read before (issue #24, session 7: 51 of the
101 messages raised in retention/, risk/ and effects/ appeared in no test, so bench/mutation.py's
changes to their words or their conditions survived). Each is triggered here with the smallest
bad input and read word for word with its fields: the sentence a user sees is the contract
(COMMON rules: what is wrong, and what to do)."""

import numpy as np
import pandas as pd
import pytest

from workbench.exceptions import DataError, EstimationError, ParameterError

L = np.array([0.0, 30, 60, 90, 120, 10])
U = np.array([40.0, np.nan, 100, np.nan, 160, 50])


def _ictest_missing():
    from workbench.retention.ictest import ictest

    ictest(L, U, ["a", "b", None, "a", "b", "a"])


def _ictest_one_group():
    from workbench.retention.ictest import ictest

    ictest(L, U, ["a"] * 6)


def _npmle(**kw):
    from workbench.retention.competing_ic import CompetingRisksNPMLE

    def go():
        args = kw.pop("args", (L, U, np.full(6, np.nan), L))
        CompetingRisksNPMLE(**kw).fit(*args)

    return go


def _turnbull(**kw):
    from workbench.retention.turnbull import TurnbullFitter

    def go():
        tau = kw.pop("tau", None)
        fit = TurnbullFitter(**kw).fit(L, U)
        if tau is not None:
            fit.rmst(tau)

    return go


def _km(*args, **kw):
    from workbench.retention.km import KaplanMeier

    return lambda: KaplanMeier().fit(*args, **kw)


def _by_group():
    from workbench.retention.km import KaplanMeier, by_group

    by_group(KaplanMeier, pd.DataFrame({"time": [1.0], "event": [1]}), "sex")


def _groups():
    from workbench.retention.table import _groups

    _groups(pd.DataFrame({"b": [1], "a": [2]}), "sex")


def _single_level():
    from workbench.risk.design import design_matrix

    design_matrix(pd.DataFrame({"x": [1.0, 2.0], "sex": ["f", "f"]}), ["x", "sex"])


def _cox(**kw):
    from workbench.risk.cox import CoxModel

    def go():
        frame = pd.DataFrame({"x": [0.1, 0.5, -0.3, 1.2, 0.0, -1.0],
                              "t": [5.0, 8, 3, 9, 4, 7], "e": [1, 0, 1, 1, 0, 1],
                              "s": ["a", "b", None, "a", "b", "a"],
                              "entry": [0.0, 1, 0, 9, 0, 0]})  # fmt: skip
        strata = kw.get("strata", [])
        model = CoxModel(["x"], strata=strata).fit(frame, "t", "e", entry_col=kw.get("entry"))
        model.ph_test()

    return go


def _aft_column():
    from workbench.risk.aft import ICParametric

    ICParametric(["x"]).fit(pd.DataFrame({"x": [1.0], "lo": [1.0]}), "lo", "hi")


def _evalue():
    from workbench.effects.evalue import evalue_rr

    evalue_rr(-0.5)


def _twice():
    from workbench.effects.exposure import check_exposures

    check_exposures(["job_placement", "job_placement"])


def _same_exposure():
    from workbench.effects.propensity import PropensityWeights

    PropensityWeights().fit(pd.DataFrame({"age": [30.0, 40, 50, 60]}), [1, 1, 1, 1])


def _lag():
    from workbench.effects.primary import lagged_starts

    lagged_starts("contact", pd.DataFrame({"job_placement": [1.0]}))


def _confounder_missing():
    from workbench.effects.design import encode

    encode(pd.DataFrame({"age": [30.0, np.nan]}), ["age"])


CASES = [
    (_ictest_missing, ParameterError,
     "group has missing values; drop those releases or fill the group."),
    (_ictest_one_group, EstimationError, "only one group ('a'); a test needs at least two."),
    (_npmle(args=(L[:0], U[:0], L[:0], L[:0])), EstimationError,
     "no releases to estimate from; pass at least one row."),
    (_npmle(args=(L, U, np.full(5, np.nan), L)), DataError,
     "lower, upper, death and alive need one value per release."),
    (_npmle(alpha=1.5), ParameterError, "alpha must be in (0, 1); got 1.5."),
    (_npmle(n_bootstrap=-1), ParameterError, "n_bootstrap must be >= 0; got -1."),
    (_turnbull(alpha=0.0), ParameterError, "alpha must be in (0, 1); got 0.0."),
    (_turnbull(n_bootstrap=-2), ParameterError, "n_bootstrap must be >= 0; got -2."),
    (_turnbull(tau=-1.0), ParameterError, "tau must be a positive number of days; got -1.0."),
    (_km([], []), EstimationError, "no rows to estimate from; check the filters"),
    (_km([3.0, -1.0], [1, 0]), ParameterError,
     "time -1.0 is not a finite number >= 0 (days since release)"),
    (_km([3.0, 4.0], [1, 0], weights=[1.0]), ParameterError,
     "weights must have the same length as time"),
    (_by_group, ParameterError, "column 'sex' is not in the table; available: time, event"),
    (_groups, ParameterError,
     "--by 'sex' is not a column of the analysis table; choose one of: a, b."),
    (_single_level, EstimationError, "covariate sex has a single level (f); drop it"),
    (_cox(strata=["s"]), ParameterError,
     "strata s: 1 row(s) without a stratum; drop them (complete cases) or give them a stratum"),
    (_cox(entry="entry"), ParameterError,
     "entry must satisfy 0 <= entry < time on every row"),
    (_aft_column, ParameterError, "column 'hi' is not in the table; available: x, lo"),
    (_evalue, ParameterError, "risk ratio -0.5 must be > 0."),
    (_twice, ParameterError,
     "exposures are listed twice: ['job_placement', 'job_placement']; list each once."),
    (_same_exposure, EstimationError, "everyone has the same exposure; nothing to compare."),
    (_lag, ParameterError,
     "lag='contact' needs contacts=relapse_free_contacts(ds); or use lag='none'."),
    (_confounder_missing, ParameterError,
     "confounder age has missing values; impute or drop them."),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), CASES)
def test_refusal_word_for_word(call, error, message):
    with pytest.raises(error) as err:
        call()
    assert str(err.value) == message


@pytest.mark.filterwarnings("ignore::workbench.exceptions.StatisticalWarning")  # few events
def test_the_ph_test_refuses_delayed_entry():
    from workbench.risk.cox import CoxModel

    frame = pd.DataFrame({"x": [0.1, 0.5, -0.3, 1.2, 0.0, -1.0, 0.7, 0.2],
                          "t": [5.0, 8, 3, 9, 4, 7, 6, 10], "e": [1, 0, 1, 1, 0, 1, 1, 0],
                          "entry": [0.0, 1, 0, 2, 0, 0, 1, 0]})  # fmt: skip
    model = CoxModel(["x"]).fit(frame, "t", "e", entry_col="entry")
    with pytest.raises(EstimationError) as err:
        model.ph_test()
    assert str(err.value) == (
        "the proportional-hazards test is not available with delayed entry (R's cox.zph km "
        "transform is for data followed from day 0)"
    )


def test_best_available_times_names_the_missing_columns():
    from workbench.retention.competing import best_available_times

    with pytest.raises(ParameterError) as err:
        best_available_times(pd.DataFrame({"lower_day": [1.0], "event": ["censored"]}))
    assert str(err.value) == (
        "the cohort table lacks column(s) upper_day, death_day; build it with "
        "workbench.cohort.build_cohort"
    )
