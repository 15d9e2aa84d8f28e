"""The RMST horizon of the effects table (effects.table.choose_horizon): defaults and refusals."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from workbench.data.codes import TRACKING_DAYS
from workbench.effects.table import choose_horizon
from workbench.exceptions import ParameterError


def _cohort(exposure="baseline", last=500.0):
    table = pd.DataFrame({"lower_day": [100.0, last], "upper_day": [200.0, np.nan]})
    return SimpleNamespace(exposure=exposure, table=table)


def test_default_is_the_tracking_period_or_the_end_of_follow_up():
    assert choose_horizon(_cohort(last=500.0), None) == 500.0
    assert choose_horizon(_cohort(last=5000.0), None) == TRACKING_DAYS
    assert choose_horizon(_cohort("time_varying", last=500.0), None) == TRACKING_DAYS
    assert choose_horizon(_cohort(last=500.0), 365) == 365.0


@pytest.mark.parametrize("bad", [0.0, -30.0, float("nan"), float("inf")])
def test_a_horizon_that_is_not_a_positive_number_is_refused(bad):
    with pytest.raises(ParameterError) as err:
        choose_horizon(_cohort("time_varying"), bad)
    assert str(err.value) == f"horizon {bad} days must be a positive number of days"


def test_a_horizon_beyond_follow_up_says_where_follow_up_ends():
    with pytest.raises(ParameterError) as err:
        choose_horizon(_cohort(last=500.0), 600)
    assert str(err.value) == (
        "horizon 600 days is beyond follow-up (which ends at day 500); give --horizon 500 or less"
    )
