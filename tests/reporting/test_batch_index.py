"""The batch's index, summary.csv, manifest, outdated marking and console (no report is run)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.params.batch import load_batch
from workbench.reporting.batch import RunResult, format_results, write_outputs
from workbench.reporting.batch_console import BatchConsole


def _metrics(folder: Path, started: str, duration: float, r12: float, coverage: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    m = {
        "scope": {
            "release_start": "2017-01-01",
            "release_end": "2021-12-31",
            "cutoff": "2022-12-31",
        },
        "data": {"n_releases": 2754},
        "coverage": coverage,
        "retention": [{"months": 12.0, "estimate": r12, "lower": r12 - 0.01, "upper": r12 + 0.01}],
        "suppressed": 0,
        "provenance": {"started_at": started, "duration_s": duration, "workbench_version": "0.1.0"},
    }
    (folder / "metrics.json").write_text(json.dumps(m), "utf-8")
    for name in ("report.pdf", "report.html", "report.ipynb"):
        (folder / name).write_text("x", "utf-8")


@pytest.fixture
def spec(tmp_path):
    f = tmp_path / "annual.yaml"
    f.write_text(
        f"name: annual\nout: {tmp_path / 'out'}\ndefaults: {{data: {tmp_path / 'nodata'}}}\nruns:\n"
        "  - {name: province}\n  - {name: province_en, lang: en}\n"
        "  - {name: changsha, prefecture: changsha}\n"
        "  - {name: changsha, prefecture: changsha, lang: en}\n",
        "utf-8",
    )
    return load_batch(f)


def test_index_summary_and_manifest_keep_build_times_and_mark_outdated(spec, tmp_path):
    out = tmp_path / "out"
    _metrics(out / "province_zh", "2026-12-01T08:00:00Z", 81.9, 0.5248, 0.857)
    _metrics(out / "province_en", "2026-12-01T08:02:00Z", 12.5, 0.5248, 0.857)
    _metrics(out / "changsha_zh", "2026-12-01T08:04:00Z", 40.0, 0.498, 0.85)  # fails now
    _metrics(out / "changsha_en", "2026-12-07T09:00:00Z", 20.0, 0.498, 0.85)
    results = [
        RunResult("province_zh", "skipped", "", 0.0),
        RunResult("province_en", "skipped", "", 0.0),
        RunResult("changsha_zh", "failed", "x.yaml: prefecture 'changsah'", 3.0, "bad prefecture"),
        RunResult("changsha_en", "ok", "", 20.4),
    ]
    write_outputs(spec, out, results)
    summary = pd.read_csv(out / "summary.csv").set_index("run_id")
    assert list(summary["name"]) == ["province", "province", "changsha", "changsha"]
    assert list(summary["scope"]) == ["province", "province", "changsha", "changsha"]
    # reused: the original build time and duration, not 0.0
    assert summary.loc["province_zh", "built_at"] == "2026-12-01T08:00:00Z"
    assert summary.loc["province_zh", "duration_s"] == pytest.approx(81.9, abs=1e-9)
    assert summary.loc["province_zh", "retention_12"] == pytest.approx(0.5248, abs=1e-12)
    # the failed rerun: old files renamed, said so, no link, no figures
    folder = out / "changsha_zh"
    assert not (folder / "report.pdf").exists() and (folder / "OUTDATED-report.pdf").is_file()
    assert "Do not send them" in (folder / "OUTDATED.txt").read_text("utf-8")
    assert bool(summary.loc["changsha_zh", "outdated"]) is True
    assert pd.isna(summary.loc["changsha_zh", "pdf"]) and pd.isna(
        summary.loc["changsha_zh", "retention_12"]
    )
    manifest = json.loads((out / "batch.json").read_text("utf-8"))
    assert manifest["release_start"] == "2017-01-01" and manifest["cutoff"] == "2022-12-31"
    assert manifest["code_version"] and manifest["batch"] == "annual"
    runs = {r["run_id"]: r for r in manifest["runs"]}
    assert runs["province_zh"]["history"][-1]["reused_build_of"] == "2026-12-01T08:00:00Z"
    page = (out / "index.html").read_text("utf-8")
    for fact in ("releases 2017-01-01 to 2021-12-31", "data cut-off 2022-12-31", "code version",
                 "52.5%", "85.7%", "长沙市", "Changsha", "全省", ": reused",
                 "report built 2026-12-07 09:00 UTC (20 s)", "OUTDATED", "bad prefecture"):  # fmt: skip
        assert fact in page, fact
    assert page.count("<tr><td>") == 2  # one row per scope, both languages in it
    # the page's words in both of the batch's languages (workbench/i18n/batch.py); each report's
    # cell in its own language
    for fact in ("出所日期2017-01-01至2021-12-31，数据截止2022-12-31", "12个月操守保持率",
                 "照管覆盖率", "本批次生成于", "：沿用", "报告生成于2026-12-01 08:00 UTC（82秒）",
                 "此前的报告已改名为OUTDATED-*，请勿发送"):  # fmt: skip
        assert fact in page, fact
    assert page.index("本批次生成于") < page.index("Batch of")  # Chinese first
    # a second batch: history grows, the outdated run stays marked, a rebuild clears it
    _metrics(folder, "2026-12-07T09:30:00Z", 41.0, 0.498, 0.85)
    write_outputs(spec, out, [*results[:2], RunResult("changsha_zh", "ok", "", 41.0), results[3]])
    runs = {r["run_id"]: r for r in json.loads((out / "batch.json").read_text("utf-8"))["runs"]}
    assert [h["status"] for h in runs["changsha_zh"]["history"]] == ["failed", "ok"]
    assert not (folder / "OUTDATED.txt").exists() and not (folder / "OUTDATED-report.pdf").exists()


def test_an_english_only_batch_gets_an_english_index(tmp_path):
    f = tmp_path / "en.yaml"
    f.write_text(
        f"name: en\nout: {tmp_path / 'out'}\ndefaults: {{data: {tmp_path / 'nodata'}, lang: en}}\n"
        "runs:\n  - {name: changsha, prefecture: changsha}\n",
        "utf-8",
    )
    out = tmp_path / "out"
    _metrics(out / "changsha_en", "2026-12-07T09:00:00Z", 20.0, 0.498, 0.85)
    write_outputs(load_batch(f), out, [RunResult("changsha_en", "ok", "", 20.4)])
    page = (out / "index.html").read_text("utf-8")
    assert '<html lang="en">' in page and "Changsha" in page and "12-month retention" in page
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in page)  # no Chinese word on the page


def test_console_lines_are_timestamped_and_failures_compact(tmp_path):
    stream = io.StringIO()
    console = BatchConsole(2, tmp_path / "batch.log", stream=stream)
    long = "x.yaml: " + "bad " * 200
    console.finished([RunResult("changsha_en", "ok", "", 41.26)])
    console.finished([RunResult("hengyang_zh", "failed", long, 2.0)])
    console.close([RunResult("hengyang_zh", "failed", long, 2.0)])
    lines = stream.getvalue().splitlines()
    log = (tmp_path / "batch.log").read_text("utf-8").splitlines()
    assert lines[0][2] == ":" and lines[0][5] == ":"  # HH:MM:SS
    assert lines[0][10:] == "[1/2] changsha     en ok         41.3 s"
    assert max(len(x) for x in lines) < 200 and "\r" not in stream.getvalue()
    assert log[: len(lines)] == lines  # the log reads like the console
    assert log[-2].endswith("1 failed:") and "  hengyang_zh: x.yaml: bad" in log[-1]
    assert len(log[-1]) < 200  # compact in the log; stdout gets the whole message
    final = format_results(
        [RunResult("changsha_en", "ok", "", 41.26), RunResult("hengyang_zh", "failed", long, 2.0)]
    )
    assert final.splitlines()[0] == "1 ok, 0 skipped, 1 failed"
    assert final.splitlines()[2] == f"  hengyang_zh: {long}"


def test_a_typo_in_a_runs_params_file_is_reported_against_that_file(tmp_path):
    (tmp_path / "p").mkdir()
    params = tmp_path / "p" / "hengyang.yaml"
    params.write_text(
        "data: /nowhere\nname: hengyang\nn_bootstrap: 5\nprefecture: hengyng\n", "utf-8"
    )
    batch = tmp_path / "annual.yaml"
    batch.write_text(
        "runs:\n  - {params: p/hengyang.yaml}\n  - {params: p/hengyang.yaml, prefecture: hengyng, lang: en}\n",
        "utf-8",
    )
    own_file, own_run = load_batch(batch).runs
    assert own_file.error.startswith(f"{params} (params of {batch} run 1): prefecture 'hengyng'")
    assert "(did you mean hengyang?)" in own_file.error and own_file.error.endswith("(line 4)")
    # the same typo written in the batch file's run is reported against the batch file
    assert own_run.error.startswith(f"{batch} run 2: prefecture 'hengyng'")
    assert own_run.error.endswith("(line 3)")
