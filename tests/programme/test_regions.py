"""`predicted_retention` (workbench.programme.regions) fits its Cox model once for the same data
(the report's prefecture and facility comparisons share it) and again when anything it reads
changes."""

from __future__ import annotations

import numpy as np
import pytest
from lifelines import CoxPHFitter

from workbench.programme import regions


@pytest.fixture(scope="module")
def cohort(small_sim):
    from workbench.cohort import build_cohort

    return build_cohort(small_sim.dataset)


def test_same_data_one_fit_changed_data_a_new_one(cohort, monkeypatch):
    fits = []
    real = CoxPHFitter.fit
    monkeypatch.setattr(
        CoxPHFitter, "fit", lambda self, *a, **k: fits.append(1) or real(self, *a, **k)
    )
    monkeypatch.setattr(regions, "_LAST", [])
    first = regions.predicted_retention(cohort, months=12)
    again = regions.predicted_retention(cohort.copy(), months=12)
    assert len(fits) == 1
    np.testing.assert_array_equal(again.to_numpy(), first.to_numpy())
    first.iloc[0] = -1.0  # the caller's copy: the remembered predictions stay
    assert regions.predicted_retention(cohort, months=12).iloc[0] != -1.0
    other = cohort.assign(motivation_score=cohort["motivation_score"] + 1.0)
    regions.predicted_retention(other, months=12)
    later = regions.predicted_retention(cohort, months=24)
    assert len(fits) == 3  # a changed covariate, a changed horizon: fitted again
    monkeypatch.setattr(regions, "_LAST", [])
    fresh = regions.predicted_retention(cohort, months=24)
    np.testing.assert_array_equal(later.to_numpy(), fresh.to_numpy())  # as from a fresh fit
