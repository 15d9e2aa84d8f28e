"""One hand-made case per cohort rule (data/README.md, "Cohort rules").

Each case is a few DataFrame rows; days are days since release (release date 2018-01-01 unless
a case says otherwise), so every expected number can be checked by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.cohort import (
    COHORT_COLUMNS,
    VISIT_WINDOW_DAYS,
    WINDOW_END_DAYS,
    build_cohort,
    cohort_diagnostics,
)
from workbench.data import codes
from workbench.data.dataset import Dataset
from workbench.exceptions import DataError

RELEASE = pd.Timestamp("2018-01-01")
LATE_CUTOFF = pd.Timestamp("2022-12-31")  # after every release's 36 months
M = codes.DAYS_PER_MONTH


def release_row(rid: str, release_date: pd.Timestamp = RELEASE, **over) -> dict:
    row = {
        "release_id": rid,
        "person_id": "p" + rid,
        "release_date": release_date,
        "prefecture": "changsha",
        "facility": "xinkaipu",
        "sex": "male",
        "birth_year": 1980,
        "primary_drug": "heroin",
        "prior_treatments": 1,
        "years_using": 5.0,
        "education": "junior",
        "employed_before": 0,
        "married": 0,
        "family_support": 1,
        "motivation_score": 5.0,
    }
    row.update(over)
    return row


def make_dataset(
    visits=(),
    events=(),
    interventions=(),
    releases=None,
    cutoff: pd.Timestamp = LATE_CUTOFF,
) -> Dataset:
    """visits: (release_id, day, result, scheduled_month or None); events: (release_id, day,
    event); interventions: (release_id, code, start day). Days count from each release date."""
    rel = pd.DataFrame(releases if releases is not None else [release_row("r1")])
    start = dict(zip(rel["release_id"], pd.to_datetime(rel["release_date"]), strict=True))

    def date(rid, day):
        return start[rid] + pd.Timedelta(days=day)

    v = pd.DataFrame(
        {
            "release_id": [r for r, *_ in visits],
            "visit_date": pd.to_datetime([date(r, d) for r, d, *_ in visits]),
            "scheduled_month": pd.Series([m for *_, m in visits], dtype=float),
            "result": [res for _, _, res, _ in visits],
        }
    )
    e = pd.DataFrame(
        {
            "release_id": [r for r, *_ in events],
            "event_date": pd.to_datetime([date(r, d) for r, d, _ in events]),
            "event": [ev for *_, ev in events],
            "source": ["police"] * len(events),
        }
    )
    iv = pd.DataFrame(
        {
            "release_id": [r for r, *_ in interventions],
            "intervention": [c for _, c, _ in interventions],
            "start_date": pd.to_datetime([date(r, d) for r, _, d in interventions]),
            "end_date": pd.to_datetime([pd.NaT] * len(interventions)),
            "amount": np.full(len(interventions), np.nan),
        }
    )
    return Dataset(releases=rel, visits=v, interventions=iv, events=e, cutoff=cutoff)


def one(ds: Dataset) -> pd.Series:
    return build_cohort(ds).iloc[0]


def test_relapse_interval_is_last_negative_to_first_positive():
    ds = make_dataset([("r1", 180, "negative", 6), ("r1", 370, "positive", 12)])
    row = one(ds)
    assert row["event"] == "relapse"
    assert (row["lower_day"], row["upper_day"], row["last_day"]) == (180.0, 370.0, 370.0)
    assert pd.isna(row["censor_reason"])


def test_relapse_at_first_visit_has_lower_zero():
    row = one(make_dataset([("r1", 175, "detained", 6)]))
    assert (row["lower_day"], row["upper_day"], row["event"]) == (0.0, 175.0, "relapse")


def test_missed_visits_carry_no_information():
    ds = make_dataset(
        [
            ("r1", 180, "negative", 6),
            ("r1", 365, "missed", 12),
            ("r1", 548, "missed", 18),
            ("r1", 740, "positive", 24),
        ]
    )
    row = one(ds)
    assert (row["lower_day"], row["upper_day"]) == (180.0, 740.0)


def test_detained_is_a_relapse():
    row = one(make_dataset([("r1", 190, "negative", 6), ("r1", 300, "detained", None)]))
    assert (row["event"], row["lower_day"], row["upper_day"]) == ("relapse", 190.0, 300.0)


def test_exact_relapse_event_gives_lower_equal_upper():
    ds = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 370, "positive", 12)], [("r1", 250, "relapse")]
    )
    row = one(ds)
    assert (row["lower_day"], row["upper_day"], row["last_day"]) == (250.0, 250.0, 250.0)


def test_visit_evidence_before_exact_event_wins():
    ds = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 370, "positive", 12)], [("r1", 400, "relapse")]
    )
    row = one(ds)
    assert (row["lower_day"], row["upper_day"]) == (180.0, 370.0)


def test_records_after_first_relapse_do_not_change_it():
    ds = make_dataset(
        [
            ("r1", 180, "negative", 6),
            ("r1", 370, "positive", 12),
            ("r1", 550, "negative", 18),
            ("r1", 730, "negative", 24),
            ("r1", 900, "transferred", None),
        ],
        [("r1", 800, "death")],
    )
    row = one(ds)
    assert (row["event"], row["lower_day"], row["upper_day"]) == ("relapse", 180.0, 370.0)
    assert row["death_day"] == 800.0  # a death after the relapse is still reported
    assert pd.isna(row["censor_reason"])


def test_negative_after_positive_does_not_undo_relapse():
    ds = make_dataset([("r1", 370, "positive", 12), ("r1", 550, "negative", 18)])
    row = one(ds)
    assert (row["event"], row["lower_day"], row["upper_day"]) == ("relapse", 0.0, 370.0)
    assert cohort_diagnostics(ds)["negative_after_relapse"] == 1


def test_same_day_negative_and_positive_positive_wins_and_is_counted():
    ds = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 365, "negative", 12), ("r1", 365, "positive", 12)]
    )
    row = one(ds)
    assert (row["lower_day"], row["upper_day"]) == (180.0, 365.0)
    assert cohort_diagnostics(ds)["contradictory_same_day"] == 1


def test_duplicate_visits_count_once():
    visits = [("r1", 180, "negative", 6), ("r1", 365, "negative", 12)]
    ds = make_dataset(visits + [("r1", 180, "negative", 6)])
    row = one(ds)
    assert (row["n_scheduled"], row["n_attended"]) == (6, 2)
    pd.testing.assert_frame_equal(build_cohort(ds), build_cohort(make_dataset(visits)))
    assert cohort_diagnostics(ds)["duplicate_visits"] == 1


def test_death_from_event_before_relapse_is_a_death():
    ds = make_dataset([("r1", 180, "negative", 6)], [("r1", 300, "death")])
    row = one(ds)
    assert (row["event"], row["death_day"], row["last_day"]) == ("death", 300.0, 300.0)
    assert (row["lower_day"], pd.isna(row["upper_day"])) == (180.0, True)
    assert (row["n_scheduled"], row["n_attended"]) == (1, 1)  # visits due after death are not


def test_death_from_died_visit_uses_visit_date_as_upper_bound():
    ds = make_dataset([("r1", 180, "negative", 6), ("r1", 369, "died", 12)])
    row = one(ds)
    assert (row["event"], row["death_day"], row["last_day"]) == ("death", 369.0, 369.0)


def test_exact_death_date_preferred_to_later_died_visit():
    ds = make_dataset([("r1", 180, "negative", 6), ("r1", 369, "died", 12)], [("r1", 250, "death")])
    assert one(ds)["death_day"] == 250.0


def test_relapse_seen_before_death_is_a_relapse_with_death_day():
    ds = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 365, "positive", 12), ("r1", 548, "died", 18)]
    )
    row = one(ds)
    assert (row["event"], row["upper_day"], row["death_day"]) == ("relapse", 365.0, 548.0)


def test_records_after_death_are_not_used():
    ds = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 365, "positive", 12)], [("r1", 300, "death")]
    )
    row = one(ds)
    assert (row["event"], row["death_day"], row["lower_day"]) == ("death", 300.0, 180.0)
    assert cohort_diagnostics(ds)["records_after_death"] == 1


def test_transfer_visit_censors_with_reason_transferred():
    ds = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 400, "transferred", None), ("r1", 548, "positive", 18)]
    )
    row = one(ds)
    assert (row["event"], row["censor_reason"]) == ("censored", "transferred")
    assert (row["lower_day"], row["last_day"]) == (180.0, 400.0)
    assert pd.isna(row["upper_day"])
    assert (row["n_scheduled"], row["n_attended"]) == (2, 1)


def test_transfer_event_censors_with_reason_transferred():
    ds = make_dataset([("r1", 180, "negative", 6)], [("r1", 250, "transfer")])
    row = one(ds)
    assert (row["censor_reason"], row["last_day"], row["lower_day"]) == (
        "transferred",
        250.0,
        180.0,
    )


def test_censored_at_end_of_tracking_when_followed_to_36_months():
    visits = [("r1", round(m * M) + 3, "negative", m) for m in codes.SCHEDULED_MONTHS]
    row = one(make_dataset(visits))
    assert (row["event"], row["censor_reason"]) == ("censored", "end_of_tracking")
    assert row["lower_day"] == row["last_day"] == round(36 * M) + 3
    assert (row["n_scheduled"], row["n_attended"]) == (6, 6)


def test_censored_at_cutoff_when_still_in_tracking():
    cutoff = RELEASE + pd.Timedelta(days=500)
    ds = make_dataset([("r1", 180, "negative", 6), ("r1", 368, "negative", 12)], cutoff=cutoff)
    row = one(ds)
    assert (row["censor_reason"], row["last_day"]) == ("cutoff", 368.0)
    assert (row["n_scheduled"], row["n_attended"]) == (2, 2)


def test_lost_when_two_scheduled_visits_due_with_no_contact():
    # last contact day 370; the 18- and 24-month windows opened after it (488, 670) and both
    # fell due before the cut-off at day 800: lost.
    cutoff = RELEASE + pd.Timedelta(days=800)
    visits = [("r1", 180, "negative", 6), ("r1", 370, "negative", 12)]
    row = one(make_dataset(visits + [("r1", 548, "missed", 18)], cutoff=cutoff))
    assert (row["censor_reason"], row["last_day"], row["lower_day"]) == ("lost", 370.0, 370.0)
    assert (row["n_scheduled"], row["n_attended"]) == (4, 2)


def test_one_missed_visit_is_not_lost():
    cutoff = RELEASE + pd.Timedelta(days=700)  # only the 18-month visit is due after day 370
    visits = [("r1", 180, "negative", 6), ("r1", 370, "negative", 12)]
    assert one(make_dataset(visits, cutoff=cutoff))["censor_reason"] == "cutoff"


def test_gap_in_the_middle_is_not_lost():
    visits = [("r1", 180, "negative", 6), ("r1", 740, "negative", 24)]
    visits += [("r1", 920, "negative", 30), ("r1", 1100, "negative", 36)]
    row = one(make_dataset(visits))
    assert (row["censor_reason"], row["n_attended"]) == ("end_of_tracking", 4)


def test_unscheduled_contact_counts_as_contact_for_lost():
    # 18- and 24-month visits missed, but an unscheduled negative on day 700 (inside the 24-month
    # window) followed by the cut-off at day 800: only contact matters, not lost.
    cutoff = RELEASE + pd.Timedelta(days=800)
    visits = [
        ("r1", 180, "negative", 6),
        ("r1", 370, "negative", 12),
        ("r1", 700, "negative", None),
    ]
    row = one(make_dataset(visits, cutoff=cutoff))
    assert (row["censor_reason"], row["last_day"], row["n_attended"]) == ("cutoff", 700.0, 2)


def test_never_seen_and_past_two_visits_is_lost_at_day_zero():
    row = one(make_dataset([("r1", 183, "missed", 6), ("r1", 365, "missed", 12)]))
    assert (row["censor_reason"], row["last_day"], row["lower_day"]) == ("lost", 0.0, 0.0)
    assert (row["n_scheduled"], row["n_attended"]) == (6, 0)


def test_nothing_after_cutoff_is_used():
    cutoff = RELEASE + pd.Timedelta(days=400)
    ds = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 370, "negative", 12), ("r1", 550, "positive", 18)],
        [("r1", 450, "death")],
        cutoff=cutoff,
    )
    row = one(ds)
    assert (row["event"], row["censor_reason"], row["last_day"]) == ("censored", "cutoff", 370.0)
    assert pd.isna(row["death_day"])
    assert cohort_diagnostics(ds)["records_after_cutoff"] == 1  # visits only


def test_record_on_cutoff_day_is_used():
    cutoff = RELEASE + pd.Timedelta(days=370)
    ds = make_dataset([("r1", 180, "negative", 6), ("r1", 370, "positive", 12)], cutoff=cutoff)
    assert one(ds)["upper_day"] == 370.0


def test_nothing_after_tracking_plus_visit_window_is_used():
    assert WINDOW_END_DAYS == pytest.approx(36 * M + VISIT_WINDOW_DAYS, abs=1e-12)
    visits = [("r1", round(m * M), "negative", m) for m in codes.SCHEDULED_MONTHS]
    late = int(np.floor(WINDOW_END_DAYS)) + 1
    ds = make_dataset(visits + [("r1", late, "positive", None)], [("r1", late, "death")])
    row = one(ds)
    assert (row["event"], row["censor_reason"]) == ("censored", "end_of_tracking")
    assert pd.isna(row["death_day"])
    assert cohort_diagnostics(ds)["records_after_window"] == 1


def test_late_36_month_visit_inside_window_is_used():
    visits = [("r1", round(m * M), "negative", m) for m in codes.SCHEDULED_MONTHS[:-1]]
    day = int(np.floor(WINDOW_END_DAYS))
    row = one(make_dataset(visits + [("r1", day, "positive", 36)]))
    assert (row["event"], row["lower_day"], row["upper_day"]) == ("relapse", 913.0, float(day))


def test_visit_before_release_is_an_error():
    ds = make_dataset([("r1", -3, "negative", None)])
    with pytest.raises(
        DataError, match=r"visits row 2: visit_date 2017-12-29 is before the release"
    ):
        build_cohort(ds)


def test_visit_for_unknown_release_is_an_error():
    ds = make_dataset([("r1", 180, "negative", 6)])
    ds.visits.loc[0, "release_id"] = "r9"
    with pytest.raises(DataError, match=r"visits row 2: release_id 'r9' is not in releases"):
        build_cohort(ds)


def test_no_records_at_all_is_censored_at_day_zero():
    cutoff = RELEASE + pd.Timedelta(days=100)  # no visit due yet
    row = one(make_dataset(cutoff=cutoff))
    assert (row["event"], row["censor_reason"], row["last_day"]) == ("censored", "cutoff", 0.0)
    assert (row["n_scheduled"], row["n_attended"]) == (0, 0)


def test_scheduled_visits_due_stop_at_cutoff_and_unscheduled_do_not_count():
    cutoff = RELEASE + pd.Timedelta(days=600)  # due: months 6, 12, 18 (548 d)
    visits = [
        ("r1", 180, "negative", 6),
        ("r1", 250, "negative", None),
        ("r1", 365, "missed", 12),
        ("r1", 560, "negative", 18),
    ]
    row = one(make_dataset(visits, cutoff=cutoff))
    assert (row["n_scheduled"], row["n_attended"]) == (3, 2)


def test_age_age_group_and_release_year():
    rel = [
        release_row("a", pd.Timestamp("2019-07-02"), birth_year=1990),
        release_row("b", pd.Timestamp("2019-01-01"), birth_year=1969),
        release_row("c", pd.Timestamp("2020-12-31"), birth_year=1970),
    ]
    c = build_cohort(make_dataset(releases=rel))
    # 2019-07-02: 182 days into a 365-day year → 2019.49863, minus 1990.5 (mid-year birth).
    np.testing.assert_allclose(c["age"], [28.9986301, 49.5, 50.4972678], atol=1e-6)
    assert list(c["age_group"]) == ["<30", "40-49", "50+"]
    assert list(c["release_year"]) == [2019, 2019, 2020]


def test_scheduled_visits_stop_falling_due_at_readmission_not_at_positive():
    detained = make_dataset([("r1", 180, "negative", 6), ("r1", 370, "detained", 12)])
    positive = make_dataset([("r1", 180, "negative", 6), ("r1", 370, "positive", 12)])
    assert (one(detained)["n_scheduled"], one(detained)["n_attended"]) == (2, 2)
    assert (one(positive)["n_scheduled"], one(positive)["n_attended"]) == (6, 2)


def test_numeric_release_ids_in_visits_match_text_ids():
    ds = make_dataset(
        [("17", 180, "negative", 6), ("17", 370, "positive", 12)], releases=[release_row("17")]
    )
    ds.visits["release_id"] = ds.visits["release_id"].astype(object)
    ds.visits.loc[1, "release_id"] = 17  # an integer among strings, as a spreadsheet may give
    row = one(ds)
    assert (row["release_id"], row["lower_day"], row["upper_day"]) == ("17", 180.0, 370.0)


def test_relapse_on_the_day_of_death_or_transfer_is_a_relapse():
    died = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 300, "positive", None)], [("r1", 300, "death")]
    )
    moved = make_dataset(
        [
            ("r1", 180, "negative", 6),
            ("r1", 300, "positive", None),
            ("r1", 300, "transferred", None),
        ]
    )
    for ds in (died, moved):
        row = one(ds)
        assert (row["event"], row["lower_day"], row["upper_day"]) == ("relapse", 180.0, 300.0)
    assert one(died)["death_day"] == 300.0


def test_records_after_transfer_are_counted():
    ds = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 400, "transferred", None), ("r1", 548, "positive", 18)]
    )
    d = cohort_diagnostics(ds)
    assert (d["records_after_transfer"], d["records_after_death"]) == (1, 0)


def test_no_visits_at_all_and_no_releases():
    rel = [release_row("a"), release_row("b")]
    c = build_cohort(make_dataset(releases=rel, cutoff=RELEASE + pd.Timedelta(days=400)))
    assert list(c["censor_reason"]) == ["lost", "lost"]  # months 6 and 12 due, never seen
    np.testing.assert_allclose(c[["lower_day", "last_day"]].to_numpy(), 0.0)
    empty = make_dataset(releases=pd.DataFrame(columns=list(release_row("x"))))
    c = build_cohort(empty)
    assert c.empty
    assert list(c.columns) == list(COHORT_COLUMNS)


# --- the rules, written person by person, against the vectorised builder -----------------------


def _reference_row(recs: list[tuple[float, str, float]], cutoff_day: float) -> dict:
    """The cohort rules for one release, written plainly (loops, no vectorisation).

    recs: (day, kind, scheduled_month) with kind a visit result or 'event:<event>'."""
    recs = [r for r in recs if r[0] <= min(cutoff_day, WINDOW_END_DAYS)]
    transfer = min(
        [d for d, k, _ in recs if k in ("transferred", "event:transfer")], default=np.inf
    )
    recs = [r for r in recs if r[0] <= transfer]
    death = min([d for d, k, _ in recs if k in ("died", "event:death")], default=np.inf)
    recs = [r for r in recs if r[0] <= death]
    seen = [d for d, k, _ in recs if k in ("positive", "detained")]
    exact = [d for d, k, _ in recs if k == "event:relapse"]
    upper = min(seen + exact, default=np.inf)
    lower = max([d for d, k, _ in recs if k == "negative" and d < upper], default=0.0)
    if exact and min(exact) <= min(seen, default=np.inf):
        lower = upper
    tracking_due = min(cutoff_day, codes.TRACKING_DAYS)
    detained = min([d for d, k, _ in recs if k == "detained"], default=np.inf)
    due_end = min(tracking_due, death, transfer, detained)
    due = [m for m in codes.SCHEDULED_MONTHS if m * M <= due_end]
    attended = {m for d, k, m in recs if m in due and not k.startswith("event") and k != "missed"}
    row = {"lower_day": lower, "death_day": death if death < np.inf else np.nan}
    row.update(n_scheduled=len(due), n_attended=len(attended), upper_day=np.nan)
    if upper < np.inf:
        return row | {"event": "relapse", "upper_day": upper, "last_day": upper, "reason": None}
    if death < np.inf:
        return row | {"event": "death", "last_day": death, "reason": None}
    if transfer < np.inf:
        return row | {"event": "censored", "last_day": transfer, "reason": "transferred"}
    missed = [
        m
        for m in codes.SCHEDULED_MONTHS
        if lower < m * M - VISIT_WINDOW_DAYS <= tracking_due - 60 + 60 and m * M <= tracking_due
    ]
    reason = (
        "lost"
        if len(missed) >= 2
        else "end_of_tracking"
        if cutoff_day >= codes.TRACKING_DAYS
        else "cutoff"
    )
    return row | {"event": "censored", "last_day": lower, "reason": reason}


def _random_dataset(rng: np.random.Generator, n: int) -> Dataset:
    releases = [
        release_row(f"r{i:03d}", RELEASE + pd.Timedelta(days=int(rng.integers(0, 1500))))
        for i in range(n)
    ]
    results = ["negative"] * 6 + ["positive", "missed", "missed", "detained", "died", "transferred"]
    visits, events = [], []
    for r in releases:
        rid = r["release_id"]
        for m in codes.SCHEDULED_MONTHS:
            if rng.random() < 0.9:
                day = int(round(m * M) + rng.integers(-30, 31))
                visits.append((rid, day, results[rng.integers(len(results))], m))
        for _ in range(rng.integers(0, 3)):  # unscheduled contacts, some on visit days
            visits.append((rid, int(rng.integers(0, 1200)), results[rng.integers(7)], None))
        if rng.random() < 0.2 and visits:
            visits.append(visits[-1])  # a duplicate
        for _ in range(rng.integers(0, 2)):
            ev = ["relapse", "death", "transfer"][rng.integers(3)]
            events.append((rid, int(rng.integers(0, 1200)), ev))
    cutoff = RELEASE + pd.Timedelta(days=1700)
    return make_dataset(visits, events, releases=releases, cutoff=cutoff)


def test_builder_equals_rules_written_person_by_person():
    rng = np.random.default_rng(20261129)
    ds = _random_dataset(rng, 400)
    c = build_cohort(ds).set_index("release_id")
    rel = ds.releases.set_index("release_id")
    recs: dict[str, list] = {rid: [] for rid in rel.index}
    for v in ds.visits.itertuples():
        day = float((v.visit_date - rel.loc[v.release_id, "release_date"]).days)
        recs[v.release_id].append((day, v.result, v.scheduled_month))
    for e in ds.events.itertuples():
        day = float((e.event_date - rel.loc[e.release_id, "release_date"]).days)
        recs[e.release_id].append((day, f"event:{e.event}", np.nan))
    ref = {}
    for rid in rel.index:
        cutoff_day = float((ds.cutoff - rel.loc[rid, "release_date"]).days)
        ref[rid] = _reference_row(recs[rid], cutoff_day)
    ref = pd.DataFrame.from_dict(ref, orient="index").loc[c.index]
    assert set(ref["event"]) == {"relapse", "death", "censored"}
    assert set(ref["reason"].dropna()) == {"transferred", "lost", "end_of_tracking", "cutoff"}
    for col in ("lower_day", "upper_day", "last_day", "death_day"):
        np.testing.assert_array_equal(c[col].to_numpy(), ref[col].to_numpy(float), err_msg=col)
    for col in ("event", "n_scheduled", "n_attended"):
        assert (c[col] == ref[col]).all(), col
    np.testing.assert_array_equal(c["censor_reason"].fillna("-"), ref["reason"].fillna("-"))


def test_visit_after_death_does_not_count_as_attended():
    ds = make_dataset([("r1", 205, "negative", 6)], [("r1", 200, "death")])  # late month-6 visit
    row = one(ds)
    assert (row["event"], row["lower_day"], row["n_scheduled"], row["n_attended"]) == (
        "death",
        0.0,
        1,
        0,
    )


def test_positive_visits_on_their_own_days_are_no_contradiction():
    ds = make_dataset(
        [("r1", 180, "negative", 6), ("r1", 365, "positive", 12), ("r1", 550, "positive", 18)]
    )
    diagnostics = cohort_diagnostics(ds)
    assert diagnostics["contradictory_same_day"] == 0
    assert diagnostics["negative_after_relapse"] == 0
