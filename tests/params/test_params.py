"""Report parameter sets: strict keys, typed values, dates from strings, the notebook's cell."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import papermill
import pytest

from workbench.exceptions import ParameterError
from workbench.params.batch import load_batch
from workbench.params.report import RUN_OPTIONS, ReportParams

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "evaluation_report.ipynb"


def test_dates_arrive_as_strings_and_are_parsed():
    p = ReportParams.from_mapping(
        {
            "data": "x",
            "release_start": "2017-01-01",
            "release_end": "2018-12-31",
            "cutoff": "2020-06-30",
        }
    )
    assert p.release_start == dt.date(2017, 1, 1)
    assert p.release_end == dt.date(2018, 12, 31)
    assert p.cutoff == dt.date(2020, 6, 30)
    assert p.to_mapping()["cutoff"] == "2020-06-30"


def test_defaults():
    p = ReportParams.from_mapping({"data": "x"})
    assert (p.lang, p.suppression_threshold, p.milestones, p.landmark_day) == (
        "zh",
        10,
        (12, 24, 36),
        180,
    )


def test_unknown_key_lists_valid_ones():
    with pytest.raises(
        ParameterError,
        match=r"unknown parameter 'langauge'; valid parameters are: data, name, .*lang",
    ):
        ReportParams.from_mapping({"data": "x", "langauge": "en"})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("lang", "fr", r"lang 'fr' is not one of: zh, en"),
        ("cutoff", "2019-02-30", r"cutoff '2019-02-30' is not a date \(expected YYYY-MM-DD"),
        ("release_start", "03/05/2019", r"release_start '03/05/2019' is not a date"),
        ("n_bootstrap", "many", r"n_bootstrap 'many' is not a whole number"),
        ("n_bootstrap", 2.5, r"n_bootstrap 2.5 is not a whole number"),
        ("seed", True, r"seed True is not a whole number"),
        ("suppression_threshold", 0, r"suppression_threshold 0 is below its minimum 1"),
        ("n_jobs", 0, r"n_jobs 0 is below its minimum 1"),
        ("milestones", [12, 48], r"milestones \[12, 48\] goes beyond the 36-month tracking"),
        ("milestones", "soon", r"milestones 'soon' is not a whole number"),
        ("landmark_day", 2000, r"landmark_day 2000 is after the end of tracking"),
        ("interventions", ["job_placement", "award_gold"], r"'award_gold' is an outcome"),
        ("name", "", r"name '' is not a text value"),
    ],
)
def test_bad_values_fail_with_our_message(key, value, message):
    with pytest.raises(ParameterError, match=message):
        ReportParams.from_mapping({"data": "x", key: value})


def test_release_period_must_be_ordered():
    with pytest.raises(
        ParameterError, match="release_start 2019-01-01 is after release_end 2018-01-01"
    ):
        ReportParams.from_mapping(
            {"data": "x", "release_start": "2019-01-01", "release_end": "2018-01-01"}
        )


def test_missing_data_fails():
    with pytest.raises(ParameterError, match="data is missing"):
        ReportParams.from_mapping({"name": "x"})


def test_from_yaml_resolves_data_and_names_the_file(tmp_path):
    f = tmp_path / "p.yaml"
    f.write_text("data: data/x\nlang: en\ncutoff: 2020-01-31\n", encoding="utf-8")
    p = ReportParams.from_yaml(f)
    assert p.data == str((tmp_path / "data" / "x").resolve())
    assert p.cutoff == dt.date(2020, 1, 31)  # YAML dates (not strings) are accepted too
    f.write_text("data: x\nlang: [zh\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"p\.yaml: not valid YAML"):
        ReportParams.from_yaml(f)
    f.write_text("data: x\nseed: abc\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"p\.yaml: seed 'abc' is not a whole number"):
        ReportParams.from_yaml(f)


def test_analysis_key_ignores_language_and_title():
    zh = ReportParams.from_mapping({"data": "x", "lang": "zh", "title": "甲"})
    en = ReportParams.from_mapping({"data": "x", "lang": "en", "title": "A", "name": "other"})
    assert zh.analysis_key() == en.analysis_key()
    assert zh.sha256() != en.sha256()
    assert ReportParams.from_mapping({"data": "x", "seed": 1}).analysis_key() != zh.analysis_key()


def test_notebook_parameters_cell_names_equal_the_fields():
    inspected = papermill.inspect_notebook(str(NOTEBOOK))
    assert list(inspected) == [*ReportParams.field_names(), *RUN_OPTIONS]
    assert inspected["dask_scheduler"]["default"] == "None"
    assert not set(RUN_OPTIONS) & set(ReportParams.from_mapping({"data": "x"}).to_mapping())


def test_committed_params_files_are_valid():
    files = [ROOT / "params" / "province.yaml", ROOT / "params" / "province_en.yaml"]
    files += sorted((ROOT / "params" / "prefectures").glob("*.yaml"))
    assert len(files) == 16
    params = [ReportParams.from_yaml(f) for f in files]
    assert {p.prefecture for p in params[2:]} == {
        "changsha", "zhuzhou", "xiangtan", "hengyang", "shaoyang", "yueyang", "changde",
        "zhangjiajie", "yiyang", "chenzhou", "yongzhou", "huaihua", "loudi", "xiangxi",
    }  # fmt: skip
    assert (params[0].lang, params[1].lang) == ("zh", "en")


def test_annual_batch_lists_province_and_prefectures_in_both_languages():
    spec = load_batch(ROOT / "params" / "batches" / "annual.yaml")
    assert all(r.error is None for r in spec.runs), [r.error for r in spec.runs if r.error]
    assert len(spec.runs) == 30
    pairs = {(r.params.prefecture, r.params.lang) for r in spec.runs}
    assert len(pairs) == 30 and (None, "zh") in pairs and ("xiangxi", "en") in pairs


def test_batch_keeps_a_bad_run_as_an_error(tmp_path):
    f = tmp_path / "b.yaml"
    f.write_text(
        "defaults: {data: d, n_bootstrap: 0}\nruns:\n  - {name: a}\n  - {name: b, seed: x}\n",
        encoding="utf-8",
    )
    spec = load_batch(f)
    assert [r.run_id for r in spec.runs] == ["a_zh", "b_zh"]
    assert spec.runs[0].params.data == str((tmp_path / "d").resolve())
    assert spec.runs[1].params is None
    assert "seed 'x' is not a whole number" in spec.runs[1].error
    f.write_text("runs: []\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="runs must be a non-empty list"):
        load_batch(f)
    f.write_text("runs: [{name: a}]\nworkers: 2\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown key 'workers'; valid keys are: name, out"):
        load_batch(f)
