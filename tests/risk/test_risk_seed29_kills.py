"""Written AFTER bench/mutation.py's fresh seed-29 sample (issue #24, session 7, helper mut4) for
its non-equivalent survivors (they do not count towards that sample's score): a missing strata
column is refused word for word with the columns there are."""

import pandas as pd
import pytest

from workbench.exceptions import ParameterError


def test_a_missing_strata_column_names_the_columns_there_are():
    from workbench.risk.cox import CoxModel

    data = pd.DataFrame({"t": [1.0, 2, 3, 4], "e": [1, 0, 1, 1], "x": [0.0, 1, 0, 1]})
    with pytest.raises(ParameterError) as caught:
        CoxModel(["x"], cluster=None, strata=["site"]).fit(data, "t", "e")
    assert str(caught.value) == "strata column(s) site not in the table; available: t, e, x"
