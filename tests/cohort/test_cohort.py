"""The cohort table's shape, exposures, counting-process and landmark tables."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from test_cohort_rules import RELEASE, make_dataset, release_row

from workbench import i18n
from workbench.cohort import (
    COHORT_COLUMNS,
    analysis_times,
    build_cohort,
    counting_process,
    exposure_starts,
    landmark_table,
    person_period,
)
from workbench.data import codes
from workbench.exceptions import ParameterError, StatisticalWarning


def three_releases():
    """r1: relapse in (180, 370]; r2: exact relapse day 90; r3: censored, last negative 740.
    r1 got job placement at day 100 and financial aid at day 200; r3 got job placement at 30
    and peer education at 800 (after its censoring day) ; r2 had financial aid at day 120."""
    rel = [release_row("r3"), release_row("r1"), release_row("r2")]
    visits = [
        ("r1", 180, "negative", 6),
        ("r1", 370, "positive", 12),
        ("r2", 180, "negative", 6),
        ("r3", 180, "negative", 6),
        ("r3", 365, "negative", 12),
        ("r3", 740, "negative", 24),
    ]
    events = [("r2", 90, "relapse")]
    iv = [
        ("r1", "job_placement", 100),
        ("r1", "financial_aid", 200),
        ("r1", "financial_aid", 150),
        ("r3", "job_placement", 30),
        ("r3", "peer_education", 800),
        ("r2", "financial_aid", 120),
    ]
    cutoff = RELEASE + pd.Timedelta(days=900)
    return make_dataset(visits, events, iv, releases=rel, cutoff=cutoff)


def test_cohort_has_contract_columns_sorted_by_release_id():
    c = build_cohort(three_releases())
    assert tuple(c.columns) == COHORT_COLUMNS
    assert list(c["release_id"]) == ["r1", "r2", "r3"]
    assert list(c["person_id"]) == ["pr1", "pr2", "pr3"]
    for col in ("lower_day", "upper_day", "last_day", "death_day", "age"):
        assert c[col].dtype == np.float64, col
    for col in ("n_scheduled", "n_attended", "release_year"):
        assert c[col].dtype == np.int64, col
    assert c["release_date"].dtype == "datetime64[ns]"


def test_cohort_values_of_three_releases():
    c = build_cohort(three_releases()).set_index("release_id")
    np.testing.assert_allclose(c["lower_day"], [180.0, 90.0, 740.0])
    np.testing.assert_allclose(c["upper_day"], [370.0, 90.0, np.nan])
    assert list(c["event"]) == ["relapse", "relapse", "censored"]
    assert c.loc["r3", "censor_reason"] == "cutoff"
    np.testing.assert_array_equal(c["n_scheduled"], [4, 4, 4])
    np.testing.assert_array_equal(c["n_attended"], [2, 1, 3])


def test_exposure_starts_first_start_per_code():
    s = exposure_starts(three_releases())
    assert list(s.columns) == list(codes.INTERVENTIONS)
    assert list(s.index) == ["r1", "r2", "r3"]
    assert s.index.name == "release_id"
    assert s.loc["r1", "job_placement"] == 100.0
    assert s.loc["r1", "financial_aid"] == 150.0  # first of two starts
    assert s.loc["r3", "peer_education"] == 800.0
    assert s[["employment_311", "vocational_training", "precise_support"]].isna().all().all()


def test_exposure_starts_after_cutoff_are_not_used():
    ds = make_dataset(
        interventions=[("r1", "job_placement", 50), ("r1", "peer_education", 450)],
        cutoff=RELEASE + pd.Timedelta(days=400),
    )
    s = exposure_starts(ds)
    assert s.loc["r1", "job_placement"] == 50.0
    assert np.isnan(s.loc["r1", "peer_education"])


def test_exposure_starts_keeps_other_codes_present():
    ds = make_dataset(interventions=[("r1", "methadone", 10)])
    s = exposure_starts(ds)
    assert list(s.columns) == [*codes.INTERVENTIONS, "methadone"]
    assert s.loc["r1", "methadone"] == 10.0


def test_exposure_starts_selected_codes():
    s = exposure_starts(three_releases(), codes=["financial_aid"])
    assert list(s.columns) == ["financial_aid"]
    np.testing.assert_allclose(s["financial_aid"], [150.0, 120.0, np.nan])


def test_exposure_starts_refuses_outcome_codes():
    with pytest.raises(ParameterError, match=r"award_gold is an outcome \(people are selected"):
        exposure_starts(three_releases(), codes=["job_placement", "award_gold"])


def test_exposure_starts_refuses_unknown_code():
    with pytest.raises(ParameterError, match=r"intervention karaoke is not known.*use one of"):
        exposure_starts(three_releases(), codes=["karaoke"])


def test_exposure_starts_leaves_out_outcomes_in_data_with_warning():
    ds = make_dataset(interventions=[("r1", "typical_case", 400), ("r1", "job_placement", 20)])
    with pytest.warns(StatisticalWarning, match="typical_case: outcomes") as caught:
        s = exposure_starts(ds)
    assert "typical_case" not in s.columns
    assert s.loc["r1", "job_placement"] == 20.0
    warning = caught[0].message
    assert warning.code == "outcome_records" and warning.fields == {"outcome": ("typical_case",)}
    assert i18n.t("caveat_outcome_records", "en", outcome="typical cases") == (
        "The interventions table holds typical cases: these are outcomes (given to people "
        "because they stayed abstinent), so they are not compared as supports."
    )


def test_analysis_times_midpoint_and_upper():
    c = build_cohort(three_releases())
    stop, event = analysis_times(c, "midpoint")
    np.testing.assert_allclose(stop, [275.0, 90.0, 740.0])
    np.testing.assert_array_equal(event, [1, 1, 0])
    stop, _ = analysis_times(c, "upper")
    np.testing.assert_allclose(stop, [370.0, 90.0, 740.0])
    with pytest.raises(ParameterError, match="time 'middle' is not one of: midpoint, upper"):
        analysis_times(c, "middle")


def test_analysis_times_censors_deaths_at_death_day():
    ds = make_dataset([("r1", 180, "negative", 6)], [("r1", 300, "death")])
    stop, event = analysis_times(build_cohort(ds))
    np.testing.assert_allclose(stop, [300.0])
    np.testing.assert_array_equal(event, [0])


def test_counting_process_rows():
    ds = three_releases()
    cp = counting_process(build_cohort(ds), exposure_starts(ds), time="midpoint")
    expected = pd.DataFrame(
        {
            "release_id": ["r1", "r1", "r1", "r2", "r3", "r3"],
            "start": [0.0, 100.0, 150.0, 0.0, 0.0, 30.0],
            "stop": [100.0, 150.0, 275.0, 90.0, 30.0, 740.0],
            "event": [0, 0, 1, 1, 0, 0],
            "job_placement": [0, 1, 1, 0, 0, 1],
            "financial_aid": [0, 0, 1, 0, 0, 0],
            "peer_education": [0, 0, 0, 0, 0, 0],  # starts at 800, after r3's censoring at 740
        }
    )
    cols = list(expected.columns)
    pd.testing.assert_frame_equal(cp[cols], expected)
    assert cp["employment_311"].sum() == 0


def test_counting_process_upper_time_and_covariates():
    ds = three_releases()
    cp = counting_process(build_cohort(ds), exposure_starts(ds), "upper", ["motivation_score"])
    r1 = cp[cp["release_id"] == "r1"]
    np.testing.assert_allclose(r1["stop"], [100.0, 150.0, 370.0])
    np.testing.assert_allclose(r1["motivation_score"], [5.0, 5.0, 5.0])


def test_counting_process_exposure_from_day_zero_and_drops_zero_follow_up():
    rel = [release_row("a"), release_row("b")]
    ds = make_dataset(
        [("a", 180, "negative", 6)],
        [("b", 0, "relapse")],
        [("a", "peer_education", 0)],
        releases=rel,
        cutoff=RELEASE + pd.Timedelta(days=200),
    )
    cp = counting_process(build_cohort(ds), exposure_starts(ds))
    assert list(cp["release_id"]) == ["a"]
    assert (cp["start"].iloc[0], cp["stop"].iloc[0], cp["peer_education"].iloc[0]) == (0, 180, 1)


def test_counting_process_refuses_outcome_columns_and_missing_rows():
    ds = three_releases()
    c = build_cohort(ds)
    starts = exposure_starts(ds)
    bad = starts.assign(award_gold=np.nan)
    with pytest.raises(ParameterError, match="award_gold is an outcome"):
        counting_process(c, bad)
    with pytest.raises(ParameterError, match="no row for release_id 'r3'"):
        counting_process(c, starts.drop(index="r3"))


def test_landmark_table_rows_and_shifted_times():
    ds = three_releases()
    lm = landmark_table(build_cohort(ds), exposure_starts(ds), day=180)
    # r2 relapsed on day 90 (before the landmark): out. r1's (180, 370] and r3 stay.
    assert list(lm["release_id"]) == ["r1", "r3"]
    np.testing.assert_allclose(lm["lower_day"], [0.0, 560.0])
    np.testing.assert_allclose(lm["upper_day"], [190.0, np.nan])
    np.testing.assert_allclose(lm["last_day"], [190.0, 560.0])
    np.testing.assert_array_equal(lm["exposed_job_placement"], [1, 1])
    np.testing.assert_array_equal(lm["exposed_financial_aid"], [1, 0])
    np.testing.assert_array_equal(lm["exposed_peer_education"], [0, 0])
    assert lm["landmark_day"].eq(180.0).all()
    assert "motivation_score" in lm.columns


def test_landmark_keeps_interval_straddling_landmark_from_zero():
    ds = three_releases()
    lm = landmark_table(build_cohort(ds), exposure_starts(ds), day=300)
    r1 = lm.set_index("release_id").loc["r1"]
    # L = 180 < 300 < R = 370: relapse not yet seen at 300, kept in (0, 70].
    assert (r1["lower_day"], r1["upper_day"]) == (0.0, 70.0)
    assert r1["exposed_financial_aid"] == 1


def test_landmark_excludes_not_under_observation():
    ds = make_dataset(
        [("a", 100, "negative", None)],
        [("b", 150, "death")],
        releases=[release_row("a"), release_row("b")],
        cutoff=RELEASE + pd.Timedelta(days=170),
    )
    lm = landmark_table(build_cohort(ds), exposure_starts(ds), day=120)
    # a: last contact day 100 < 120 (censored earlier); b: died day 150 ≥ 120 → kept.
    assert list(lm["release_id"]) == ["b"]
    assert lm["death_day"].iloc[0] == 30.0


def test_landmark_day_must_be_nonnegative():
    ds = three_releases()
    with pytest.raises(ParameterError, match="landmark day -1.0 must be"):
        landmark_table(build_cohort(ds), exposure_starts(ds), day=-1)


def test_builder_emits_no_warnings_on_clean_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = three_releases()
        build_cohort(ds)
        exposure_starts(ds)


# --- agreement with the simulator's truth -----------------------------------------------------


def _implied_by_truth(sim) -> pd.DataFrame:
    """Per release, from the TRUE relapse day T and the raw records alone: the last negative
    visit before T and the first evidence on or after T (a positive/detained visit or the
    police record, written as ceil(T))."""
    t = sim.truth_table.set_index("release_id")["relapse_day"]
    v = sim.dataset.visits.merge(sim.dataset.releases[["release_id", "release_date"]])
    v["day"] = (v["visit_date"] - v["release_date"]).dt.days.astype(float)
    v["T"] = v["release_id"].map(t)
    neg = v[(v["result"] == "negative") & (v["day"] < v["T"])]
    pos = v[v["result"].isin(["positive", "detained"]) & (v["day"] >= v["T"])]
    e = sim.dataset.events.merge(sim.dataset.releases[["release_id", "release_date"]])
    e = e[e["event"] == "relapse"]
    exact = pd.Series(
        (e["event_date"] - e["release_date"]).dt.days.to_numpy(float), index=e["release_id"]
    )
    out = pd.DataFrame({"T": t})
    out["last_negative"] = neg.groupby("release_id")["day"].max()
    out["first_positive"] = pos.groupby("release_id")["day"].min()
    out["exact"] = exact
    return out.fillna({"last_negative": 0.0})


def test_intervals_agree_with_true_relapse_day_for_every_release(small_sim):
    c = build_cohort(small_sim.dataset).set_index("release_id")
    imp = _implied_by_truth(small_sim).loc[c.index]
    T, L, R = imp["T"].to_numpy(), c["lower_day"].to_numpy(), c["upper_day"].to_numpy()
    seen = (c["event"] == "relapse").to_numpy()
    exact = seen & (L == R)
    assert seen.sum() > 500 and exact.sum() > 50 and (~seen).sum() > 500  # all kinds present
    # every seen relapse: T in (L, R]; an exact record is ceil(T), so T in (R - 1, R]
    assert np.all(T[seen & ~exact] > L[seen & ~exact])
    assert np.all(T[seen] <= R[seen])
    assert np.all(T[exact] > R[exact] - 1)
    np.testing.assert_array_equal(R[exact], np.ceil(T[exact]))
    # never seen: T after the last day known relapse-free
    assert np.all(T[~seen] > L[~seen])
    # L and R are exactly the interval implied by T and the records
    first = np.fmin(imp["first_positive"].to_numpy(), imp["exact"].to_numpy())
    np.testing.assert_array_equal(R[seen], first[seen])
    np.testing.assert_array_equal(L[seen & ~exact], imp["last_negative"].to_numpy()[seen & ~exact])
    np.testing.assert_array_equal(L[~seen], imp["last_negative"].to_numpy()[~seen])
    assert np.all(np.isnan(first[~seen]))


def test_deaths_and_transfers_agree_with_truth(small_sim):
    c = build_cohort(small_sim.dataset).set_index("release_id")
    tt = small_sim.truth_table.set_index("release_id").loc[c.index]
    d = c["death_day"].to_numpy()
    has = ~np.isnan(d)
    assert has.sum() > 20
    # a death record is on or after the true death (exact dates are ceil(day))
    assert np.all(tt["death_day"].to_numpy()[has] <= d[has])
    assert np.all(tt["death_day"].to_numpy()[has] > c["lower_day"].to_numpy()[has])
    tr = (c["censor_reason"] == "transferred").to_numpy()
    assert tr.sum() > 20
    assert np.all(tt["transfer_day"].to_numpy()[tr] <= c["last_day"].to_numpy()[tr])
    lost = (c["censor_reason"] == "lost").to_numpy()
    assert lost.sum() > 20
    # lost = two scheduled visits with no contact; nearly always a true loss (10 % of visits
    # are missed at random, so two in a row by chance is ~1 %)
    assert np.mean(np.isfinite(tt["lost_day"].to_numpy()[lost])) > 0.9


def test_exposure_starts_agree_with_truth(small_sim):
    s = exposure_starts(small_sim.dataset)
    tt = small_sim.truth_table.set_index("release_id").loc[s.index]
    for code in codes.INTERVENTIONS:
        seen = s[code].notna().to_numpy()
        assert seen.sum() > 20, code
        np.testing.assert_array_equal(
            s[code].to_numpy()[seen], tt[f"start_{code}"].to_numpy()[seen]
        )


def test_person_period_rows_events_and_exposure_days():
    ds = three_releases()
    pp = person_period(build_cohort(ds), exposure_starts(ds), breaks=[0, 100, 200, 400])
    expected = pd.DataFrame(
        {
            # r1: relapse in (180, 370]; r2: exact day 90; r3: censored at L = 740, clipped at 400
            "release_id": ["r1", "r1", "r1", "r2", "r3", "r3", "r3"],
            "period": [0, 1, 2, 0, 0, 1, 2],
            "start": [0.0, 100.0, 200.0, 0.0, 0.0, 100.0, 200.0],
            "stop": [100.0, 200.0, 370.0, 90.0, 100.0, 200.0, 400.0],
            "days": [100.0, 100.0, 170.0, 90.0, 100.0, 100.0, 200.0],
            "after_lower": [0, 1, 1, 0, 0, 0, 0],
            "event": [0, 0, 1, 1, 0, 0, 0],
            "job_placement": [0.0, 100.0, 170.0, 0.0, 70.0, 100.0, 200.0],
            "financial_aid": [0.0, 50.0, 170.0, 0.0, 0.0, 0.0, 0.0],
            "peer_education": [0.0] * 7,
        }
    )
    pd.testing.assert_frame_equal(pp[list(expected.columns)], expected)


def test_person_period_relapse_beyond_last_break_has_no_event():
    ds = three_releases()
    pp = person_period(build_cohort(ds), exposure_starts(ds), breaks=[100, 365])  # 0 added
    r1 = pp[pp["release_id"] == "r1"]
    np.testing.assert_allclose(r1["stop"], [100.0, 365.0])
    np.testing.assert_array_equal(r1["event"], [0, 0])


def test_person_period_rejects_bad_breaks():
    ds = three_releases()
    with pytest.raises(ParameterError, match=r"breaks \[0, 200, 100\] must be increasing"):
        person_period(build_cohort(ds), exposure_starts(ds), breaks=[0, 200, 100])


def test_cohort_same_after_writing_and_loading_the_simulated_folder(tmp_path):
    from workbench.data.io import load_dataset
    from workbench.simulate import simulate, write_simulation

    sim = simulate(seed=5, n=600)
    write_simulation(sim, tmp_path / "sim")
    loaded = load_dataset(tmp_path / "sim")
    pd.testing.assert_frame_equal(build_cohort(loaded), build_cohort(sim.dataset))
    pd.testing.assert_frame_equal(exposure_starts(loaded), exposure_starts(sim.dataset))
