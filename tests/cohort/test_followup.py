"""followup: flow through follow-up, visit results and timing, worked (L, R] examples, uptake.

Hand-checkable fixtures for every rule; one seeded simulated cohort for the examples."""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pytest

from workbench.cohort import build_cohort, examples, followup, followup_figures
from workbench.data import codes
from workbench.exceptions import ParameterError

matplotlib.use("Agg")
M = codes.DAYS_PER_MONTH


def _cohort(rows):
    return pd.DataFrame(
        rows, columns=["release_id", "event", "censor_reason", "last_day", "lower_day", "upper_day"]
    )


HAND = _cohort(
    [
        ("a", "relapse", np.nan, 100.0, 0.0, 100.0),  # relapse seen on day 100
        ("b", "death", np.nan, 200.0, 150.0, np.nan),  # died on day 200
        ("c", "censored", "lost", 185.0, 185.0, np.nan),  # last seen day 185, then lost
        ("d", "censored", "end_of_tracking", 3 * 365.25, 1090.0, np.nan),
        ("e", "censored", "cutoff", 400.0, 400.0, np.nan),
        ("f", "censored", "transferred", 0.0, 0.0, np.nan),  # transferred on release day
    ]
)


def test_flow_hand_counts():
    flow = followup.followup_flow(HAND).set_index("month")
    # month 0: f was observed on day 0 only, so still counted at day 0
    assert flow.loc[0.0].to_dict() == {
        "under follow-up": 6,
        "relapse seen": 0,
        "died": 0,
        "transferred": 0,
        "lost": 0,
        "cutoff": 0,
        "end_of_tracking": 0,
    }
    # month 6 = day 182.6: a relapsed (100 <= 182.6), f transferred (0 < 182.6)
    row6 = flow.loc[6.0]
    assert (row6["relapse seen"], row6["transferred"], row6["died"]) == (1, 1, 0)
    assert row6["under follow-up"] == 4
    # month 12 = day 365.25: b died (200), c lost (185 < 365)
    row12 = flow.loc[12.0]
    assert (row12["died"], row12["lost"], row12["cutoff"], row12["under follow-up"]) == (1, 1, 0, 2)
    # month 36: e cut off (400), d followed to the end of tracking
    row36 = flow.loc[36.0]
    assert (row36["cutoff"], row36["end_of_tracking"], row36["under follow-up"]) == (1, 1, 0)


def test_flow_rows_add_up_to_the_cohort(sim_cohort):
    ds, cohort = sim_cohort
    flow = followup.followup_flow(cohort)
    np.testing.assert_array_equal(flow[list(followup.STATES)].sum(axis=1), len(cohort))
    # nobody comes back: follow-up only shrinks, endings only grow
    assert np.all(np.diff(flow["under follow-up"]) <= 0)
    assert np.all(np.diff(flow["relapse seen"]) >= 0)
    # at the end of tracking nobody is still "under follow-up"; all relapses are counted
    assert flow["under follow-up"].iloc[-1] == 0
    assert flow["relapse seen"].iloc[-1] == int(cohort["event"].eq("relapse").sum())


def _tiny_dataset():
    releases = pd.DataFrame(
        {
            "release_id": ["r1", "r2"],
            "release_date": pd.to_datetime(["2020-01-01", "2020-03-01"]),
        }
    )
    visits = pd.DataFrame(
        {
            "release_id": ["r1", "r1", "r1", "r2", "r2"],
            "visit_date": pd.to_datetime(
                ["2020-07-10", "2020-12-01", "2021-01-01", "2020-08-31", "2021-02-20"]
            ),
            "scheduled_month": [6.0, 12.0, np.nan, 6.0, 12.0],
            "result": ["negative", "missed", "positive", "negative", "positive"],
        }
    )
    return SimpleNamespace(releases=releases, visits=visits, events=visits.iloc[:0])


def test_visit_timing_hand():
    timing = followup.visit_timing(_tiny_dataset())
    # missed and unscheduled contacts are not timed
    assert list(timing["release_id"]) == ["r1", "r2", "r2"]
    # r1: 2020-07-10 is day 191; scheduled day 6 * 30.4375 = 182.625
    np.testing.assert_allclose(timing["offset_days"], [191 - 6 * M, 183 - 6 * M, 356 - 12 * M])
    summary = followup.timing_summary(timing, window=5.0)
    assert summary.loc[6, "visits"] == 2
    np.testing.assert_allclose(summary.loc[6, "median_offset_days"], (191 + 183) / 2 - 6 * M)
    np.testing.assert_allclose(summary.loc[6, "share_within_5_days"], 0.5)  # 0.375 yes, 8.4 no


def test_visit_results_hand():
    table = followup.visit_results(_tiny_dataset())
    assert list(table.index) == ["6", "12", "unscheduled"]
    assert table.loc["6", "negative"] == 2 and table.loc["12", "missed"] == 1
    np.testing.assert_allclose(table.loc["12", "attended_share"], 0.5)
    np.testing.assert_allclose(table.loc["unscheduled", "attended_share"], 1.0)


@pytest.fixture(scope="module")
def sim_cohort():
    ds, sim = followup.load_or_simulate(n=600, seed=11)
    assert sim is not None
    return ds, build_cohort(ds)


def test_worked_examples_match_the_raw_visits(sim_cohort):
    """Label, sentence and picture of each example come from its own record: L is a negative
    visit, R the first evidence of relapse in the history, and the sentence names what was found
    on day R (a positive test, a re-admission or a register record), in both languages."""
    ds, cohort = sim_cohort
    found = examples.worked_examples(ds, cohort, n=8)
    assert len(found) >= 6
    assert len({e.pattern for e in found}) == len(found)
    for ex in found:
        v = ex.visits
        if 0 < ex.lower_day != ex.upper_day:  # L is a day the person was seen relapse-free
            assert ex.lower_day in set(v.loc[v["result"].eq("negative"), "day"])
        if ex.event == "relapse":
            evidence = v["result"].isin(["positive", "detained"]) | v["result"].eq(
                "register:relapse"
            )
            assert ex.upper_day == pytest.approx(v.loc[evidence, "day"].min(), abs=1e-9)
            row = ex.evidence()
            assert row is not None and row["day"] == ex.upper_day
            for lang in ("en", "zh"):
                text = ex.explanation(lang)
                assert f"{ex.upper_day:.0f}" in text
                if row["result"] in ("positive", "detained"):
                    assert codes.label("result", row["result"], lang) in text
                    other = {"positive": "detained", "detained": "positive"}[row["result"]]
                    assert codes.label("result", other, lang) not in text
        else:
            assert np.isnan(ex.upper_day) and ex.interval().endswith("∞)")
    table = examples.examples_table(found, "zh")
    assert list(table["pattern"]) == [e.label("zh") for e in found]


def test_worked_examples_exact_register_date(sim_cohort):
    ds, cohort = sim_cohort
    exact = [e for e in examples.worked_examples(ds, cohort, n=8) if e.pattern == "exact"]
    assert len(exact) == 1
    ex = exact[0]
    assert ex.lower_day == ex.upper_day
    assert ex.upper_day in set(ex.visits.loc[ex.visits["result"].str.startswith("register"), "day"])
    # (57, 57] is not an empty interval: the sentence says the day itself is known
    assert "not an empty interval" in ex.explanation("en") and "并非空区间" in ex.explanation("zh")


def test_exposure_overview_hand():
    cohort = _cohort(
        [
            ("a", "relapse", np.nan, 300.0, 200.0, 300.0),
            ("b", "censored", "cutoff", 500.0, 500.0, np.nan),
            ("c", "censored", "lost", 100.0, 100.0, np.nan),
        ]
    )
    starts = pd.DataFrame(
        {"job_placement": [50.0, 250.0, 150.0]}, index=pd.Index(["a", "b", "c"], name="release_id")
    )
    row = followup.exposure_overview(cohort, starts).iloc[0]
    # c's start (150) falls after its follow-up ended (100): not counted
    assert row["n_started"] == 2
    np.testing.assert_allclose(row["share_started"], 2 / 3)
    np.testing.assert_allclose(row["immortal_days"], 50 + 250)
    np.testing.assert_allclose(row["immortal_share"], 300 / (300 + 500))
    np.testing.assert_allclose(row["median_start_day"], 150.0)


def test_retention_curve_frame_by_group(sim_cohort):
    _, cohort = sim_cohort
    curves = followup.retention_curve_frame(cohort, "sex")
    assert curves["label"].nunique() == cohort["sex"].nunique()
    for _, g in curves.groupby("label"):
        s = g["estimate"].to_numpy()
        assert s[0] == pytest.approx(1.0, abs=1e-12)
        assert np.all(np.diff(s) <= 1e-12) and s.min() >= 0
    with pytest.raises(ParameterError, match="'shoe_size' is not a cohort column"):
        followup.retention_curve_frame(cohort, "shoe_size")


def test_simulated_cutoff_is_refused():
    with pytest.raises(ParameterError, match="cutoff applies to a dataset folder"):
        followup.load_or_simulate(None, n=100, seed=1, cutoff="2019-01-01")


def _labelled(ax):
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_legend() is not None
    return True


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plots_have_titles_units_and_legends(sim_cohort, lang):
    import matplotlib.pyplot as plt

    from workbench.cohort import exposure_starts
    from workbench.i18n import t
    from workbench.programme.coverage import coverage_table
    from workbench.reporting.figures import layout_problems

    ds, cohort = sim_cohort
    found = examples.worked_examples(ds, cohort, n=4)
    ax = followup_figures.plot_worked_examples(found, lang=lang)
    assert ax.get_xlabel() == t("nb_days_since_release", lang) and ax.get_legend() is not None
    assert _labelled(followup_figures.plot_flow(followup.followup_flow(cohort), lang=lang))
    axes = followup_figures.plot_visit_timing(followup.visit_timing(ds), lang=lang)
    assert axes.flat[0].figure.get_suptitle() == t("nb_timing_title", lang)
    ax = followup_figures.plot_uptake(cohort, exposure_starts(ds), lang=lang)
    assert _labelled(ax) and ax.get_ylabel() == t("nb_uptake_y", lang)
    ax = followup_figures.plot_coverage(coverage_table(cohort), lang=lang)
    names = [x.get_text() for x in ax.get_yticklabels()]
    assert len(names) == cohort["prefecture"].nunique()  # the province total is a line, not a bar
    assert codes.label("prefecture", "changsha", lang) in names
    for fig in {a.figure for a in [ax, axes.flat[0]]}:
        assert layout_problems(fig) == []
    plt.close("all")


def test_load_or_simulate_reads_a_dataset_folder_with_a_cutoff(tmp_path):
    from workbench.simulate import simulate, write_simulation

    write_simulation(simulate(n=200, seed=4), tmp_path / "d")
    ds, sim = followup.load_or_simulate(tmp_path / "d", cutoff="2018-06-30")
    assert sim is None and len(ds.releases) == 200
    assert pd.Timestamp(ds.cutoff) == pd.Timestamp("2018-06-30")
    cohort = build_cohort(ds)
    flow = followup.followup_flow(cohort)
    # every release is counted once at every month
    np.testing.assert_array_equal(flow[list(followup.STATES)].sum(axis=1), 200)


def test_milestones_by_group_carry_the_npmle_bootstrap_ci(small_sim):
    """Notebook 02 section 2: each group's milestone with the estimator's own 95 % CI (it had
    none), the same numbers as the NPMLE fitted to that group alone with the same bootstrap;
    groups and headers in words (zh and en)."""
    from workbench import display
    from workbench.retention.table import fit_retention

    cohort = build_cohort(small_sim.dataset)
    shown = {
        lang: followup.milestones_by_group(cohort, ["sex"], [12], lang, n_bootstrap=20, seed=3)
        for lang in ("zh", "en")
    }
    assert shown["en"]["group"].tolist() == ["male", "female"]  # the code list's order
    assert shown["zh"]["group"].tolist() == ["男", "女"]
    for i, code in enumerate(codes.in_order("sex", cohort["sex"].unique())):
        own = fit_retention(cohort[cohort["sex"].eq(code)], n_bootstrap=20, seed=3).milestones([12])
        for col in ("estimate", "lower", "upper"):  # the same fit and replicates: equal exactly
            assert shown["en"][col].iloc[i] == own[col].iloc[0], (code, col)
        assert own["lower"].iloc[0] < own["estimate"].iloc[0] < own["upper"].iloc[0]
    headers = {lang: list(display.table_frame(s, lang).columns) for lang, s in shown.items()}
    assert headers["zh"][3:6] == ["估计值", "95%置信区间下限", "95%置信区间上限"]
    assert headers["en"][3:6] == ["estimate", "95% CI lower", "95% CI upper"]
