"""The estimators' own `.plot()` and `.summary()` draw and list their estimates (issue #24,
session 7: no fast test reached these, so bench/mutation.py counted every change in them as a
survivor). Each plotted line is compared with the estimate it should show, and the axis words
with the catalog's glossary entries (workbench/i18n: `plot_<key>`) in both languages."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from workbench.data.codes import DAYS_PER_MONTH
from workbench.i18n import t
from workbench.retention.competing import AalenJohansen
from workbench.retention.competing_ic import CompetingRisksNPMLE
from workbench.retention.km import KaplanMeier

T = np.array([30, 60, 60, 90, 120, 150, 200, 200, 250, 300.0])
E = np.array([1, 1, 0, 1, 0, 1, 1, 1, 0, 0])
S = np.array([1, 2, 0, 1, 0, 2, 1, 2, 0, 0])  # 1 relapse, 2 death, 0 censored


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_km_plot_draws_the_survival_steps_in_months():
    km = KaplanMeier().fit(T, E, label="all")
    _, ax = plt.subplots()
    km.plot(ax=ax, at_risk=False)
    curve = km.curve()
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), curve["time"] / DAYS_PER_MONTH)
    np.testing.assert_allclose(line.get_ydata(), curve["estimate"])
    assert line.get_drawstyle() == "steps-post"


def test_aalen_johansen_summary_is_its_table_with_the_label():
    aj = AalenJohansen().fit(T, S, label="g")
    s = aj.summary()
    assert (s["label"] == "g").all()
    pd.testing.assert_frame_equal(s.drop(columns="label"), aj.table_)


def _npmle():
    lower = np.array([0, 30, 60, 90, 0, 120, 150, 30, 200, 240.0])
    upper = np.array([40, 80, np.nan, 130, 70, np.nan, 210, np.nan, np.nan, np.nan])
    death = np.array([np.nan, np.nan, 100, np.nan, np.nan, np.nan, np.nan, 65, np.nan, np.nan])
    alive = np.array([0, 30, 60, 90, 0, 300, 150, 30, 320, 400.0])
    return CompetingRisksNPMLE().fit(lower, upper, death, alive)


def test_competing_npmle_plot_draws_both_causes():
    fit = _npmle()
    _, ax = plt.subplots()
    fit.plot(ax=ax)
    assert len(ax.lines) == len(fit.causes) == 2
    for line, cause in zip(ax.lines, fit.causes, strict=True):
        c = fit.curve(cause).sort_values("time", kind="stable")
        np.testing.assert_allclose(line.get_xdata(), c["time"] / DAYS_PER_MONTH)
        np.testing.assert_allclose(line.get_ydata(), c["estimate"])
    assert ax.get_ylabel() == t("plot_cif_y", "en")  # the method draws in English


def test_competing_npmle_summary_is_both_causes_milestones():
    fit = _npmle()
    s = fit.summary([3, 6])
    assert list(s["cause"]) == [fit.causes[0]] * 2 + [fit.causes[1]] * 2
    pd.testing.assert_frame_equal(
        s, pd.concat([fit.milestones([3, 6], c) for c in fit.causes], ignore_index=True)
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_risk_models_forest_plots_their_ratios_with_catalog_words(lang):
    from workbench.risk.aft import ICParametric
    from workbench.risk.cox import CoxModel
    from workbench.risk.labels import summary_in

    rng = np.random.default_rng(2)
    n = 150
    x = rng.normal(size=n)
    time = rng.exponential(300 * np.exp(-0.4 * x))
    data = pd.DataFrame({"x": x, "t": np.minimum(time, 600), "e": (time < 600).astype(int)})
    cox = CoxModel(["x"]).fit(data, "t", "e")
    ax = cox.plot(lang=lang)
    tab = summary_in(cox, lang)
    (points,) = [ln for ln in ax.lines if ln.get_marker() == "s"]
    np.testing.assert_allclose(points.get_xdata(), tab["hr"])
    assert [tl.get_text() for tl in ax.get_yticklabels()] == list(tab["label"])
    assert ax.get_xlabel() == t("plot_hr_x", lang) and ax.get_title() == t("plot_hr_title", lang)

    visits = np.array([100.0, 200, 300, 400, 500, 600])
    k = (visits[None, :] < time[:, None]).sum(axis=1)
    seen = k < visits.size
    ic = pd.DataFrame({"x": x, "lo": np.where(k > 0, visits[np.maximum(k - 1, 0)], 0.0),
                       "hi": np.where(seen, visits[np.minimum(k, 5)], np.nan)})  # fmt: skip
    aft = ICParametric(["x"], distributions=("weibull",)).fit(ic, "lo", "hi")
    ax = aft.plot(lang=lang)
    tab = summary_in(aft, lang)
    (points,) = [ln for ln in ax.lines if ln.get_marker() == "s"]
    np.testing.assert_allclose(points.get_xdata(), tab["time_ratio"])
    assert ax.get_xlabel() == t("plot_tr_x", lang) and ax.get_title() == t("plot_tr_title", lang)
