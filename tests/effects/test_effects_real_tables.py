"""`workbench effects` on ordinary tables (issue 14 item 5): text and missing covariates, no
interventions, yes/no arms, a single arm, perfect separation, a group with no events and a
randomised design, each through the command line: exit code, strict JSON or one line."""

from __future__ import annotations

import numpy as np
import pandas as pd

from workbench import cli, jsonout

N = 120


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(14)
    arm = rng.integers(0, 2, N)
    house = np.where(rng.random(N) < 0.35, "homeless", "housed")
    age = rng.normal(35, 8, N).round()
    rate = 0.01 * np.exp(-0.5 * arm + 0.6 * (house == "homeless"))
    time = np.minimum(rng.exponential(1 / rate), 200).round() + 1
    return pd.DataFrame(
        {
            "days": time,
            "event": np.where(time <= 200, "yes", "no"),
            "aid": np.where(arm == 1, "yes", "no"),
            "house": house,
            "age": age,
        }
    )


def _run(tmp_path, capsys, spec: str, table: pd.DataFrame | None = None, *extra: str):
    (table if table is not None else _table()).to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "s.yaml").write_text(
        "table: t.csv\ntime: days\nevent: event\n" + spec, encoding="utf-8"
    )
    code = cli.main(["effects", str(tmp_path / "s.yaml"), "--json", "--bootstrap", "0", *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _records(out: str) -> list[dict]:
    return jsonout.loads(out)


def test_text_covariate_is_a_labelled_category(tmp_path, capsys):
    code, out, _ = _run(tmp_path, capsys, "interventions: [aid]\ncovariates: [house, age]\n")
    assert code == 0
    (row,) = _records(out)
    assert row["code"] == "aid" and row["design"] == "observational"
    assert 0 < row["hr_lower"] < row["hr"] < row["hr_upper"]
    assert row["balance"] in ("achieved", "not achieved") and row["horizon_days"] == 201
    assert "RMST: baseline exposure" in row["method"]


def test_missing_covariates_are_complete_cases_and_counted(tmp_path, capsys):
    table = _table()
    table.loc[[3, 8, 9], "house"] = np.nan
    table.loc[[9, 20], "age"] = np.nan
    code, out, err = _run(tmp_path, capsys, "arms: [aid]\ncovariates: [house, age]\n", table)
    assert code == 0
    assert _records(out)[0]["n_exposed"] == int((table.dropna()["aid"] == "yes").sum())
    assert "4 row(s) with an empty value were left out" in err
    assert "house (3), age (2)" in err


def test_no_interventions_is_one_line_exit_2(tmp_path, capsys):
    code, out, err = _run(tmp_path, capsys, "covariates: [age]\n")
    assert (code, out) == (2, "")
    assert err.strip().count("\n") == 0
    assert "lists no interventions (arms), so there is nothing to compare" in err


def test_single_arm_is_one_line_exit_2(tmp_path, capsys):
    code, out, err = _run(tmp_path, capsys, "arms: [aid]\n", _table().assign(aid="yes"))
    assert (code, out) == (2, "")
    assert "everyone is in arm aid (a single group), so there is nothing to compare" in err


def test_a_group_without_events_keeps_its_row_with_a_reason(tmp_path, capsys):
    table = _table()
    treated = table["aid"].eq("yes")
    table.loc[treated, "event"] = "no"  # no event at all among the treated
    code, out, _ = _run(tmp_path, capsys, "design: randomised\narms: [aid]\n", table)
    assert code == 0
    (row,) = _records(out)
    assert row["hr"] is None and row["reason"].startswith("no event in the group aid = 1")
    assert row["rmst_diff_days"] > 0  # the treated are all event-free: the RMST difference stands


def test_perfect_separation_by_a_covariate_is_refused_in_one_line(tmp_path, capsys):
    table = _table()
    table["flag"] = np.where(table["event"].eq("yes"), "a", "b")  # predicts the event exactly
    code, out, err = _run(tmp_path, capsys, "arms: [aid]\ncovariates: [flag]\n", table)
    assert (code, out) == (2, "")
    assert err.strip().count("\n") == 0 and "separate" in err


def test_randomised_design_is_the_trials_comparison(tmp_path, capsys):
    from lifelines import CoxPHFitter, KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    spec = "design: randomised\narms: [{column: aid, treated: [yes], untreated: [no]}]\n"
    code, out, _ = _run(tmp_path, capsys, spec + "covariates: [house]\n", None, "--horizon", "150")
    assert code == 0
    (row,) = _records(out)
    assert row["design"] == "randomised" and "weight" not in row["method"]
    assert (
        "unadjusted (randomised arms)" in row["method"] and "covariate-adjusted HR" in row["method"]
    )
    t = _table().assign(
        e=lambda d: d["event"].eq("yes").astype(int), a=lambda d: d["aid"].eq("yes")
    )
    cph = CoxPHFitter().fit(t[["days", "e"]].assign(a=t["a"].astype(float)), "days", "e")
    np.testing.assert_allclose(row["hr"], np.exp(cph.params_["a"]), rtol=1e-6)
    rmst = [
        restricted_mean_survival_time(KaplanMeierFitter().fit(g["days"], g["e"]), t=150)
        for _, g in t.groupby("a")
    ]
    np.testing.assert_allclose(row["rmst_diff_days"], rmst[1] - rmst[0], rtol=1e-9)
    assert row["horizon_days"] == 150


def test_horizon_beyond_follow_up_is_one_line_exit_2(tmp_path, capsys):
    code, out, err = _run(tmp_path, capsys, "arms: [aid]\n", None, "--horizon", "400")
    assert (code, out) == (2, "")
    assert "horizon 400 days is beyond follow-up (which ends at day 201)" in err


def test_rossi_randomised_arms_equal_r(tmp_path, capsys):
    """params/examples/rossi.yaml says design: randomised: unadjusted Cox and the arms' KM RMST
    difference to day 364 equal R (tests/reference/rossi_trial.R) to 1e-6."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    ref = pd.read_csv(root / "tests" / "reference" / "rossi_trial.csv").set_index("quantity")
    ref = ref["value"]
    code = cli.main(["effects", str(root / "params/examples/rossi.yaml"), "--json"])
    (row,) = jsonout.loads(capsys.readouterr().out)
    assert code == 0 and row["design"] == "randomised" and row["evalue"] is None
    np.testing.assert_allclose(np.log(row["hr"]), ref["coef"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        np.log([row["hr_lower"], row["hr_upper"]]), ref[["ci_lower", "ci_upper"]], atol=1e-6
    )
    diff = ref["rmst_fin1"] - ref["rmst_fin0"]
    half = 1.959963984540054 * np.hypot(ref["rmst_se_fin1"], ref["rmst_se_fin0"])
    np.testing.assert_allclose(
        [row["rmst_diff_days"], row["rmst_diff_lower"], row["rmst_diff_upper"]],
        [diff, diff - half, diff + half],
        rtol=0,
        atol=1e-6,
    )
    assert row["horizon_days"] == 364
    assert f"covariate-adjusted HR {np.exp(ref['coef_adjusted']):.3f}" in row["method"]
