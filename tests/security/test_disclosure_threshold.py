"""One threshold everywhere, with a floor (issue 15 item 2, docs/disclosure.md).

With suppression_threshold 20, nothing about a support given to 10-19 people may appear
anywhere: not in the effects table, the executive summary, the findings or metrics.json (before,
effects used a constant 10 and the summary printed a hazard ratio the table hid). A threshold
below the floor is refused unless the parameter set says internal_use.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from workbench.effects.findings import findings
from workbench.effects.naive import naive_effects
from workbench.evaluation.analysis import analyse
from workbench.exceptions import ParameterError
from workbench.params.report import ReportParams
from workbench.privacy import disclosure
from workbench.reporting import metrics as metrics_mod
from workbench.reporting import model_sections, sections, summary

RARE = "job_placement"
N_RARE = 19  # between the default threshold 10 and the report's 20


def simulated(folder: Path, n: int, seed: int) -> Path:
    """A small simulated dataset in the data contract (as tests/test_report.make_dataset)."""
    from workbench.simulate import NO_FEEDBACK, simulate, write_simulation

    write_simulation(simulate(NO_FEEDBACK, seed=seed, n=n), folder)
    visits, events = pd.read_csv(folder / "visits.csv"), pd.read_csv(folder / "events.csv")
    dead = set(events.loc[events["event"] == "death", "release_id"])
    drop = visits["result"].eq("died") & visits["release_id"].isin(dead)
    visits.loc[~drop].to_csv(folder / "visits.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def rare_support(tmp_path_factory):
    """Data where job placement went to 19 people, analysed with thresholds 10 and 20."""
    root = tmp_path_factory.mktemp("threshold")
    data = simulated(root / "data", n=700, seed=5)
    table = pd.read_csv(data / "interventions.csv")
    visits = pd.read_csv(data / "visits.csv")
    positive = visits[visits["result"].isin(["positive", "detained"])]
    first = positive.groupby("release_id")["visit_date"].min()
    starts = table[table["intervention"].eq(RARE)].groupby("release_id")["start_date"].min()
    later = starts.index[starts.to_numpy() < first.reindex(starts.index).fillna("").to_numpy()]
    # mostly people who relapsed after their support began: enough relapses among the exposed
    # for the small-sample rule (10), so only the threshold decides whether it is estimated
    rare = pd.concat([pd.Series(later), pd.Series(starts.index.difference(later))])
    keep = set(rare.iloc[:N_RARE])
    drop = table["intervention"].eq(RARE) & ~table["release_id"].isin(keep)
    table.loc[~drop].to_csv(data / "interventions.csv", index=False)
    mp = pytest.MonkeyPatch()
    mp.setenv("WORKBENCH_CACHE_DIR", str(root / "cache"))
    out = {}
    for k in (20,):
        params = ReportParams.from_mapping(
            {"data": str(data), "lang": "en", "n_bootstrap": 2, "seed": 3,
             "suppression_threshold": k}
        )  # fmt: skip
        out[k] = (params, analyse(params))
    mp.undo()
    return out


def _row(results, code=RARE) -> dict:
    return results.effects.set_index("code").loc[code].to_dict()


def test_support_effects_applies_the_report_threshold(monkeypatch):
    """The report's effects step withholds a support given to fewer people than the report's
    threshold, whatever the model returned; at threshold 10 the same 15-person support keeps
    its hazard ratio (the control: the test fails if the threshold does not arrive)."""
    from types import SimpleNamespace

    from workbench.effects import table as table_mod
    from workbench.evaluation import models

    fitted = pd.DataFrame({"code": [RARE, "peer_education"], "n_exposed": [15, 300],
                           "hr": [0.5, 0.8], "hr_lower": [0.3, 0.7], "hr_upper": [0.8, 0.9],
                           "rmst_diff_days": [40.0, 20.0], "rmst_diff_lower": [10.0, 5.0],
                           "rmst_diff_upper": [70.0, 35.0], "evalue": [3.4, 1.8],
                           "evalue_ci": [1.8, 1.5]})  # fmt: skip
    seen = {}

    def fake(cohort, **kwargs):
        seen.update(kwargs)
        return fitted.copy()

    monkeypatch.setattr(table_mod, "effects_table", fake)
    cohort = SimpleNamespace(randomised=False, received={RARE, "peer_education"})
    for k, hidden in ((10, False), (20, True)):
        params = ReportParams.from_mapping({"data": "x", "suppression_threshold": k})
        out = models.support_effects(cohort, params)
        assert seen["min_exposed"] == k
        row = out["table"].set_index("code").loc[RARE]
        assert bool(pd.isna(row[["hr", "rmst_diff_days", "evalue"]]).all()) is hidden
        found = out["findings"].set_index("code").loc[RARE]
        assert bool(found["verdict"] == "not estimable") is hidden
        assert bool("hazard ratio" in found["en"]) is not hidden


def test_threshold_20_hides_everything_about_the_rare_support(rare_support):
    params, results = rare_support[20]
    row = _row(results)
    assert 10 <= row["n_exposed"] < 20
    for key in ("hr", "hr_lower", "hr_upper", "rmst_diff_days", "evalue"):
        assert pd.isna(row[key]), key
    found = results.findings.set_index("code").loc[RARE]
    assert found["verdict"] == "not estimable" and "fewer than 20" in found["en"]
    pages = [
        summary.executive_summary(results, params).html,
        model_sections.effects(results, params).html,
    ]
    doc = metrics_mod.build_metrics(results, params, 0, {})
    (m,) = [r for r in doc["interventions"] if r["code"] == RARE]
    assert m["n_exposed"] is None and all(m[k] is None for k in metrics_mod.INTERVENTION_KEYS)
    for page in pages:  # the support's line says only that it is not estimable
        lines = [x for x in re.split(r"<(?:li|tr|p)\b", page) if "job placement" in x.lower()]
        assert lines and all("hazard ratio" not in x and "%" not in x for x in lines)


def test_findings_and_naive_take_the_threshold():
    table = pd.DataFrame({"code": ["peer_education"], "n_exposed": [15], "hr": [0.5],
                          "hr_lower": [0.3], "hr_upper": [0.8]})  # fmt: skip
    assert findings(table).loc[0, "verdict"] == "helps"
    assert findings(table, threshold=20).loc[0, "verdict"] == "not estimable"
    cohort = pd.DataFrame({"release_id": [f"r{i}" for i in range(40)],
                           "upper_day": [100.0 + i if i % 2 else float("inf") for i in range(40)],
                           "last_day": [300.0] * 40})  # fmt: skip
    starts = pd.DataFrame({"peer_education": [10.0] * 15 + [float("nan")] * 25},
                          index=cohort["release_id"])  # fmt: skip
    row = naive_effects(cohort, starts, min_exposed=20).iloc[0]
    assert row["n_exposed"] == 15 and pd.isna(row["hr"])


@pytest.mark.parametrize("k", [1, 2, 4])
def test_threshold_below_the_floor_is_refused(k):
    with pytest.raises(ParameterError, match=rf"suppression_threshold {k} is below the floor 5"):
        ReportParams.from_mapping({"data": "x", "suppression_threshold": k})


def test_threshold_below_the_floor_needs_internal_use():
    p = ReportParams.from_mapping({"data": "x", "suppression_threshold": 1, "internal_use": True})
    assert p.suppression_threshold == 1 and p.internal_use
    assert (
        ReportParams.from_mapping({"data": "x", "suppression_threshold": 5}).internal_use is False
    )
    with pytest.raises(ParameterError, match="internal_use 'yes' is not true or false"):
        ReportParams.from_mapping({"data": "x", "internal_use": "yes"})


def test_threshold_floor_from_a_file_names_the_line(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("data: x\nname: a\nsuppression_threshold: 1\n", "utf-8")
    with pytest.raises(ParameterError, match=r"p\.yaml: suppression_threshold 1 .*\(line 3\)"):
        ReportParams.from_yaml(path)
    assert disclosure.check_threshold(disclosure.FLOOR, False) is None


def test_internal_report_says_so_on_its_cover_and_in_metrics():
    from workbench.evaluation.results import ReportResults

    results = ReportResults("contract", "s", "relapse", {}, None, (None, None), {})
    for internal, expected in ((True, "INTERNAL USE"), (False, "counts below 10 are not shown")):
        params = ReportParams.from_mapping(
            {"data": "x", "lang": "en", "internal_use": internal,
             "suppression_threshold": 3 if internal else 10}
        )  # fmt: skip
        assert expected in sections.cover(results, params).html
        assert metrics_mod._scope(results, params)["internal_use"] is internal
