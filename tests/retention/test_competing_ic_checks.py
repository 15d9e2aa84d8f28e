"""CompetingRisksNPMLE's input checks word for word, its curve rows, and a cohort without any
death or censoring (no death cells at all)."""

import numpy as np
import pytest

from workbench.exceptions import DataError, ParameterError
from workbench.retention.competing_ic import CompetingRisksNPMLE


@pytest.mark.parametrize(
    ("lower", "message"),
    [([0.0, -1.0], "row 1: lower must be a day >= 0 (the last relapse-free day); fix the row or drop it."),
     ([np.nan, 1.0], "row 0: lower must be a day >= 0 (the last relapse-free day); fix the row or drop it.")],
)  # fmt: skip
def test_lower_must_be_a_day(lower, message):
    with pytest.raises(DataError) as err:
        CompetingRisksNPMLE(n_bootstrap=0).fit(lower, [2.0, 3.0])
    assert str(err.value) == message


@pytest.mark.parametrize("weights", [[1.0, -1.0], [0.0, 0.0], [1.0, np.nan], [1.0]])
def test_weights_must_be_finite_non_negative_not_all_zero(weights):
    with pytest.raises(ParameterError) as err:
        CompetingRisksNPMLE(n_bootstrap=0).fit([0.0, 1.0], [2.0, 3.0], weights=weights)
    assert str(err.value) == "weights must be 2 finite values >= 0, not all 0."


def test_curve_rows_and_a_cohort_with_relapses_only():
    # everyone relapsed: no death or censoring cells (the empty second set of cells)
    fit = CompetingRisksNPMLE(n_bootstrap=20, seed=1).fit([0, 1, 2, 3], [2, 3, 4, 5], label="g")
    assert fit.n_relapses_ == 4 and fit.n_deaths_ == 0
    curve = fit.curve()
    assert list(curve.columns) == ["time", "estimate", "lower", "upper", "label", "cause"]
    assert curve["time"].iloc[0] == 0 and curve["time"].iloc[-1] == 5
    np.testing.assert_allclose(
        curve["estimate"],
        fit.cif_at(np.nextafter(curve["time"], 9))["estimate"].where(curve["time"] > 0, 0.0),
    )
    assert curve["estimate"].iloc[-1] == pytest.approx(1.0)
    assert (curve["lower"] <= curve["estimate"] + 1e-12).all()
    assert (curve["upper"] >= curve["estimate"] - 1e-12).all()
    assert set(curve["label"]) == {"g: relapse"} and set(curve["cause"]) == {"relapse"}
    deaths = fit.curve("death")
    assert (deaths["estimate"] == 0).all() and set(deaths["label"]) == {"g: death"}
