"""A fit that fails becomes one sentence (effects.fitting._quiet_fit), and the weighted
comparison's plot draws both arms with their bands."""

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from workbench.effects.comparison import WeightedComparison
from workbench.effects.fitting import _quiet_fit
from workbench.exceptions import EstimationError, ParameterError


def test_a_failed_fit_is_one_sentence_with_the_first_160_characters():
    def diverge():
        raise np.linalg.LinAlgError("x" * 170 + "\nsecond line")

    with pytest.raises(EstimationError) as err:
        _quiet_fit(diverge)
    assert str(err.value) == (
        f"the model did not converge ({'x' * 160}); a covariate or arm may separate the groups "
        "perfectly: remove it or merge its rare levels"
    )

    def bad():
        raise ParameterError("y" * 210)

    with pytest.raises(EstimationError) as err:
        _quiet_fit(bad)
    assert str(err.value) == f"the model could not be fitted: {'y' * 200}"


def test_weighted_comparison_plot_draws_both_arms_with_bands():
    day = np.array([180.0, 365.0, 730.0])
    curves = pd.DataFrame({"day": day, "exposed": [1, 0.8, 0.6], "unexposed": [1, 0.7, 0.5],
                           "exposed_lower": [1, 0.7, 0.5], "exposed_upper": [1, 0.9, 0.7],
                           "unexposed_lower": [1, 0.6, 0.4], "unexposed_upper": [1, 0.8, 0.6]})  # fmt: skip
    fake = SimpleNamespace(curves=curves)
    ax = WeightedComparison.plot(fake, lang="en")
    lines = [
        ln
        for ln in ax.get_lines()
        if ln.get_label() in ("exposed", "unexposed") or "exposed" in ln.get_label()
    ]
    assert len(ax.get_lines()) >= 2 and lines
    ys = sorted(tuple(np.round(ln.get_ydata()[-1:], 3)) for ln in ax.get_lines())
    assert (0.5,) in ys and (0.6,) in ys  # each arm's own curve
    assert len(ax.collections) >= 2  # both bands
    assert ax.get_ylim() == (0.0, 1.0)
    plt.close("all")
