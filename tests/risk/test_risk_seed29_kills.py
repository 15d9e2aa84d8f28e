"""Written AFTER bench/mutation.py's fresh seed-29 sample (issue #24, session 7, helper mut4) for
its non-equivalent survivors (they do not count towards that sample's score): a missing strata
column is refused word for word with the columns there are; no lifelines weights warning."""

import pandas as pd
import pytest

from workbench.exceptions import ParameterError


def test_a_missing_strata_column_names_the_columns_there_are():
    from workbench.risk.cox import CoxModel

    data = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 0, 1, 1], "x": [0.0, 1, 0, 1]})
    with pytest.raises(ParameterError) as caught:
        CoxModel(["x"], cluster=None, strata=["site"]).fit(data, "t", "e")
    assert str(caught.value) == "strata column(s) site not in the table; available: t, e, x"


def test_non_integer_case_weights_raise_no_lifelines_warning():
    """lifelines warns that non-integer weights need a robust variance; the model uses the
    sandwich, so that warning is silenced (seed 29's `_lifelines_cox #29`, upper-casing the
    pattern, is equivalent: `warnings.filterwarnings` matches messages case-insensitively)."""
    import warnings

    import numpy as np

    from workbench.risk.cox import CoxModel

    rng = np.random.default_rng(3)
    n = 120
    data = pd.DataFrame(
        {"t": rng.exponential(100.0, n), "e": rng.integers(0, 2, n), "x": rng.normal(size=n),
         "w": rng.uniform(0.5, 2.0, n)}
    )  # fmt: skip
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CoxModel(["x"], cluster=None).fit(data, "t", "e", weights_col="w")
    assert not [w for w in caught if "weights are not integers" in str(w.message)]
