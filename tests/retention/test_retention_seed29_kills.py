"""Written AFTER bench/mutation.py's fresh seed-29 sample (issue #24, session 7, helper mut4)
for a non-equivalent survivor (not counted towards that sample's score): a horizon that is not
a positive number of days is refused."""

from pathlib import Path

import pytest

from workbench.exceptions import ParameterError

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("horizon", [-30.0, 0.0, float("nan")])
def test_retention_summary_refuses_a_horizon_that_is_not_positive(horizon):
    from workbench.data.spec import load_spec
    from workbench.retention.table import retention_summary

    spec = load_spec(ROOT / "params" / "examples" / "rossi.yaml")
    with pytest.raises(ParameterError) as caught:
        retention_summary(spec, horizon=horizon, n_bootstrap=0)
    assert str(caught.value) == f"--horizon {horizon}: give a positive number of days"
    retention_summary(spec, horizon=300.0, n_bootstrap=0)  # a positive horizon is taken
