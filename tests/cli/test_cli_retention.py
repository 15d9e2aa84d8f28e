"""`workbench retention` / `workbench risk`: honest milestones and horizons, strict JSON, one-line
refusals (issue 14 items 3 and 4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench import jsonout
from workbench.cli import build_parser, main
from workbench.data.codes import DAYS_PER_MONTH
from workbench.data.spec import load_spec
from workbench.retention.table import milestone_table, retention_summary

ROOT = Path(__file__).resolve().parents[2]
ROSSI = ROOT / "params" / "examples" / "rossi.yaml"


def _run(capsys, *argv) -> dict:
    assert main(list(argv)) == 0
    return jsonout.loads(capsys.readouterr().out)


def _spec(tmp_path: Path, frame: pd.DataFrame, keys: str) -> Path:
    frame.to_csv(tmp_path / "t.csv", index=False)
    (tmp_path / "s.yaml").write_text(f"name: t\ntable: t.csv\n{keys}", encoding="utf-8")
    return tmp_path / "s.yaml"


def test_weekly_data_reach_twelve_months_at_the_last_week_and_say_so(capsys):
    out = _run(capsys, "retention", str(ROSSI), "--at", "6,12,13", "--json")
    assert set(out) >= {"milestones", "medians", "rmst", "notes"}
    six, twelve, thirteen = out["milestones"]
    assert six["day"] == pytest.approx(6 * DAYS_PER_MONTH) and six["note"] is None
    assert twelve["day"] == 364 and "evaluated at day 364" in twelve["note"]
    assert twelve["estimate"] == pytest.approx(1 - 114 / 432, abs=1e-12)  # all 114 arrests by 52 w
    assert thirteen["estimate"] is None and thirteen["reason"] == "follow-up ends at day 364"
    assert out["rmst"][0]["horizon_days"] == 364 and out["horizon_days"] == 364
    assert any("RMST horizon: day 364" in n for n in out["notes"])
    median = out["medians"][0]
    assert median["days"] is None and "stays above 50%" in median["reason"]


def test_twenty_six_week_data_asked_for_six_months(tmp_path, capsys):
    frame = pd.DataFrame({"w": [4, 10, 26, 26, 26, 13, 20, 26], "e": [1, 1, 0, 1, 0, 1, 0, 0]})
    spec = _spec(tmp_path, frame, "time: w\ntime_unit: weeks\nevent: e\n")
    out = _run(capsys, "retention", str(spec), "--at", "6", "--json")
    row = out["milestones"][0]
    assert row["day"] == 182 and row["estimate"] is not None
    assert "evaluated at day 182" in row["note"]


def test_horizon_past_a_groups_follow_up_is_null_with_the_reason(capsys):
    out = _run(capsys, "retention", str(ROSSI), "--by", "fin", "--horizon", "400", "--json")
    assert [r["group"] for r in out["rmst"]] == ["0", "1"]
    for row in out["rmst"]:
        assert row["horizon_days"] == 400 and row["estimate"] is None
        assert row["reason"] == "follow-up ends at day 364, before the horizon (day 400)"


def test_text_header_shows_the_horizon_used(capsys):
    assert main(["retention", str(ROSSI), "--horizon", "300"]) == 0
    text = capsys.readouterr().out
    assert "Restricted mean time without the event to day 300 (9.9 months)" in text


def test_npmle_milestone_inside_an_innermost_interval_gives_the_identified_bounds():
    frame = pd.DataFrame(
        {
            "id": [str(i) for i in range(20)],
            "lower_day": [100.0] * 10 + [300.0] * 10,
            "upper_day": [200.0] * 10 + [np.nan] * 10,
            "event": ["relapse"] * 10 + ["censored"] * 10,
        }
    )
    days = np.array([150.0, 250.0])
    table = milestone_table(frame, months=days / DAYS_PER_MONTH, n_bootstrap=0)
    inside, after = table.to_dict("records")
    assert not inside["identified"] and "not identified at day 150" in inside["note"]
    assert (inside["range_low"], inside["range_high"]) == pytest.approx((0.5, 1.0))
    assert inside["estimate"] == pytest.approx(0.5)  # the lower envelope, as everywhere
    assert after["identified"] and after["estimate"] == pytest.approx(0.5)


def test_npmle_median_inside_an_interval_is_flagged(tmp_path):
    frame = pd.DataFrame(
        {"lo": [100] * 12 + [300] * 8, "hi": [200] * 12 + [None] * 8, "k": range(20)}
    )
    spec = _spec(tmp_path, frame, "lower: lo\nupper: hi\nid: k\n")
    result = retention_summary(load_spec(spec), months=[3], n_bootstrap=10, seed=1)
    median = result.medians.iloc[0]
    assert not median["identified"]
    assert (median["range_low"], median["range_high"]) == (100, 200)
    payload = jsonout.loads(jsonout.dumps(result.to_json()))
    assert payload["curves"][0]["log_likelihood"] == pytest.approx(
        12 * np.log(0.6) + 8 * np.log(0.4)
    )


def test_risk_json_gives_model_and_robust_se_and_a_strict_document(capsys):
    out = _run(capsys, "risk", str(ROSSI), "--json")
    assert [t["term"] for t in out["terms"]] == [
        "fin",
        "age",
        "race",
        "wexp",
        "mar",
        "paro",
        "prio",
    ]
    fin = out["terms"][0]
    assert set(fin) == {"term", "label", "coef", "se", "robust_se", "hr", "lower", "upper", "p"}
    assert fin["se"] != fin["robust_se"]
    assert out["ph_test"][-1]["variable"] == "GLOBAL"


def test_risk_without_covariates_is_one_line_exit_2(tmp_path, capsys):
    spec = _spec(tmp_path, pd.DataFrame({"t": [1, 2, 3], "e": [1, 0, 1]}), "time: t\nevent: e\n")
    assert main(["risk", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "names no covariates" in err


def test_effects_accepts_a_horizon_in_days():
    args = build_parser().parse_args(["effects", "x.yaml", "--horizon", "268"])
    assert args.horizon == 268.0
    assert build_parser().parse_args(["effects", "x.yaml"]).horizon is None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["effects", "x.yaml", "--horizon", "-1"])
