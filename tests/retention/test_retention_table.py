"""Milestone retention tables and the `workbench retention` command."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.cli import main
from workbench.data.codes import DAYS_PER_MONTH
from workbench.retention.km import KaplanMeier
from workbench.retention.table import fit_retention, is_exact, milestone_table
from workbench.retention.turnbull import TurnbullFitter

ROOT = Path(__file__).resolve().parents[2]
ROSSI = ROOT / "params" / "examples" / "rossi.yaml"


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from workbench.simulate import NO_FEEDBACK, simulate, write_simulation

    sim = simulate(NO_FEEDBACK, seed=11, n=3000)
    folder = tmp_path_factory.mktemp("sim")
    write_simulation(sim, folder)
    return sim, folder


def test_interval_data_go_to_the_npmle_and_exact_data_to_kaplan_meier():
    interval = pd.DataFrame(
        {"lower_day": [0.0, 180.0, 90.0], "upper_day": [180.0, np.nan, 90.0]}
    ).assign(event=["relapse", "censored", "relapse"])
    exact = interval.assign(upper_day=[0.0, np.nan, 90.0], lower_day=[0.0, 180.0, 90.0])
    assert not is_exact(interval)
    assert is_exact(exact)
    assert isinstance(fit_retention(interval, n_bootstrap=0), TurnbullFitter)
    assert isinstance(fit_retention(exact), KaplanMeier)


def test_milestones_cover_the_simulated_truth(simulated):
    from workbench.cohort import build_cohort

    sim, _ = simulated
    cohort = build_cohort(sim.dataset)
    table = milestone_table(cohort, n_bootstrap=100, seed=3)
    truth = sim.truth["retention"]
    for row in table.itertuples():
        assert row.lower <= truth[f"{row.months:g}"] <= row.upper, row
        assert row.upper - row.lower < 0.1  # 3,000 releases: the band is a few points wide


def test_milestone_table_by_group_has_one_row_per_group_and_month(simulated):
    from workbench.cohort import build_cohort

    cohort = build_cohort(simulated[0].dataset)
    table = milestone_table(cohort, by="sex", months=(12, 24), n_bootstrap=20)
    assert sorted(table["group"].unique()) == ["female", "male"]
    assert len(table) == 4
    counts = table.drop_duplicates("group").set_index("group")["n"]
    assert counts.sum() == len(cohort)


def test_rossi_retention_equals_lifelines_kaplan_meier(capsys):
    from lifelines import KaplanMeierFitter
    from lifelines.datasets import load_rossi

    assert main(["retention", str(ROSSI), "--at", "3,6,9", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["milestones"]
    rossi = load_rossi()
    km = KaplanMeierFitter().fit(rossi["week"], rossi["arrest"])
    for row in rows:
        weeks = row["months"] * DAYS_PER_MONTH / 7
        expected = float(km.survival_function_at_times(weeks).iloc[0])
        assert row["estimate"] == pytest.approx(expected, abs=1e-12)
        assert row["lower"] < row["estimate"] < row["upper"]
        assert row["n"] == 432
    assert [r["months"] for r in rows] == [3.0, 6.0, 9.0]


def test_retention_cli_rejects_a_bad_milestone_list(capsys):
    assert main(["retention", str(ROSSI), "--at", "twelve"]) == 2
    err = capsys.readouterr().err
    assert "--at 'twelve' is not a list of months" in err


def test_retention_cli_rejects_an_unknown_group_column(capsys):
    assert main(["retention", str(ROSSI), "--by", "colour"]) == 2
    assert "--by 'colour' is not a column" in capsys.readouterr().err
