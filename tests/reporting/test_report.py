"""The report end to end on a small simulated cohort: PDF text, fonts, metrics, suppression."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pypdf
import pytest
from support import N_RELEASES, make_dataset, pdf_text

from workbench.params.report import ReportParams
from workbench.reporting import build_report
from workbench.reporting.execute import build_reports
from workbench.reporting.kernel import parked
from workbench.reporting.metrics import TOP_KEYS, without_provenance

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # end-to-end: a module fixture runs two real reports


def write_params(path: Path, data: Path, **extra) -> Path:
    d = {"data": str(data), "name": "small", "n_bootstrap": 5, "seed": 11, **extra}
    path.write_text("\n".join(f"{k}: {json.dumps(v)}" for k, v in d.items()) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A dataset and the zh + en reports built from it as `make report` builds them: one
    process, one analysis, both notebooks in one kernel started before the analysis."""
    root = tmp_path_factory.mktemp("report")
    old = os.environ.get("WORKBENCH_CACHE_DIR")
    os.environ["WORKBENCH_CACHE_DIR"] = str(root / "cache")
    try:
        data = make_dataset(root / "data")
        zh = ReportParams.from_yaml(write_params(root / "zh.yaml", data, lang="zh"))
        en = ReportParams.from_yaml(write_params(root / "en.yaml", data, lang="en"))
        out_zh, out_en = build_reports([(zh, root / "zh"), (en, root / "en")])
        for out in (out_zh, out_en):
            if isinstance(out, Exception):
                raise out
        marker = os.environ.get("PYTEST_CURRENT_TEST", "")  # as the fixture's kernel has it
        yield {"root": root, "data": data, "zh": (zh, out_zh), "en": (en, out_en), "marker": marker}
    finally:
        if old is None:
            os.environ.pop("WORKBENCH_CACHE_DIR", None)
        else:
            os.environ["WORKBENCH_CACHE_DIR"] = old


def pdf_fonts(path: Path) -> set[str]:
    names = set()
    for page in pypdf.PdfReader(str(path)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def metrics(out) -> dict:
    return json.loads(out.metrics.read_text("utf-8"))


def test_all_outputs_written(env):
    for lang in ("zh", "en"):
        out = env[lang][1]
        for f in (out.pdf, out.html, out.notebook, out.metrics):
            assert f.is_file() and f.stat().st_size > 0
        assert not list(out.out.glob(".wb-run-*")) and not list(out.out.glob("*.tmp"))


def test_chinese_pdf_has_headings_and_embeds_noto_sans_cjk_sc(env):
    params, out = env["zh"]
    text = pdf_text(out.pdf)
    for heading in (
        "目录",
        "执行摘要",
        "照管覆盖率",
        "操守保持曲线",
        "地区比较",
        "方法与注意事项",
        "数据与运行记录",
    ):
        assert heading in text, heading
    assert "图1" in text and "表1" in text  # numbered figures and tables
    names = pdf_fonts(out.pdf)
    assert any("Noto-Sans-CJK-SC" in n for n in names), names
    assert not any("Kai" in n or "JP" in n for n in names), names
    assert len(pypdf.PdfReader(str(out.pdf)).pages) >= 8


def test_retention_in_pdf_equals_metrics_and_library(env):
    from workbench.cohort import build_cohort
    from workbench.data.io import load_dataset
    from workbench.retention.turnbull import TurnbullFitter

    params, out = env["zh"]
    m = metrics(out)
    text = pdf_text(out.pdf).replace("\n", "")
    cohort = build_cohort(load_dataset(env["data"]))
    relapse = cohort["event"].eq("relapse").to_numpy()
    fit = TurnbullFitter(n_bootstrap=params.n_bootstrap, seed=params.seed).fit(
        cohort["lower_day"], np.where(relapse, cohort["upper_day"], np.nan)
    )
    lib = fit.milestones([12, 24, 36])
    assert [r["months"] for r in m["retention"]] == [12.0, 24.0, 36.0]
    for row, (_, ref) in zip(m["retention"], lib.iterrows(), strict=True):
        np.testing.assert_allclose(
            [row["estimate"], row["lower"], row["upper"]],
            [ref["estimate"], ref["lower"], ref["upper"]],
            rtol=0,  # published: shifted by cell-key noise d / n (|d| <= 3), 4 decimals
            atol=3 / N_RELEASES + 5e-5,  # (docs/disclosure.md)
        )
        sentence = (
            f"出所后{row['months']:g}个月操守保持率为{row['estimate']:.1%}；"
            f"我们有95%的把握认为真实比例在{row['lower']:.1%}至{row['upper']:.1%}之间"
        )
        assert sentence in text, sentence
    en_text = pdf_text(env["en"][1].pdf).replace("\n", " ")
    first = m["retention"][0]
    assert f"{first['estimate']:.1%} were still abstinent 12 months after release" in en_text


def test_metrics_follow_the_schema(env):
    m = metrics(env["zh"][1])
    assert tuple(m) == TOP_KEYS and m["schema"] == "workbench.metrics/5"
    # schema 2 (issue 20): interval-censored estimators lead, visit-dated ones are labelled
    roles = {(r["role"], r["method"]) for r in m["competing"]}
    assert roles == {
        ("estimate", "competing-risks NPMLE (interval-censored relapse, exact death)"),
        ("comparison", "Aalen-Johansen on visit-dated times (comparison)"),
    }
    assert m["risk"]["method"].startswith("interval-censored proportional hazards")
    assert m["risk"]["sensitivity"]["method"] == "Cox model on visit-dated times (sensitivity)"
    assert all(0 < r["lower"] <= r["hr"] <= r["upper"] for r in m["risk"]["terms"])
    assert m["scope"]["language"] == "zh" and abs(m["data"]["n_releases"] - N_RELEASES) <= 3
    assert set(m["tiers"]) == {"1", "2", "3"} and m["tiers"]["1"]["target"] == 10000.0
    assert 0 < m["coverage"] < 1
    codes = [r["code"] for r in m["interventions"]]
    assert codes == sorted(codes) and "job_placement" in codes
    for row in m["interventions"]:
        assert row["n_exposed"] is None or row["n_exposed"] >= 10
        if row["n_exposed"] is not None and row["hr"] is not None:
            assert 0 < row["hr_lower"] <= row["hr_upper"] and row["hr"] > 0
    assert set(m["provenance"]) == {"workbench_version", "git_commit", "params_sha256",
                                    "inputs_sha256", "started_at", "duration_s",
                                    "stages"}  # fmt: skip
    # zh and en differ only in scope.language, the notes' language and provenance: one analysis,
    # rendered twice
    a, b = (
        without_provenance(env["zh"][1].metrics.read_text()),
        without_provenance(env["en"][1].metrics.read_text()),
    )
    assert a.pop("scope")["language"] == "zh" and b.pop("scope")["language"] == "en"
    notes_zh, notes_en = a.pop("notes"), b.pop("notes")
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in notes_zh) and notes_en
    assert a == b


def _table_cells(html: str) -> list[tuple[str, str]]:
    """(section, cell text) for every table cell outside the provenance section."""
    out = []
    parts = re.split(r'data-section="(\w+)">', html)  # sections hold nested blocks: split
    for section, body in zip(parts[1::2], parts[2::2], strict=True):
        if section != "provenance":
            out += [(section, c) for c in re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)]
    return out


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_small_count_appears(env, lang):
    params, out = env[lang]
    html = out.html.read_text("utf-8")
    cells = _table_cells(html)
    assert cells
    counts = [c.replace(",", "") for _, c in cells if re.fullmatch(r"[\d,]+", c)]
    assert counts and all(int(c) >= params.suppression_threshold for c in counts)
    assert any(c == "&lt;10" for _, c in cells)  # small counts exist in this cohort, hidden
    text = pdf_text(out.pdf).replace("\n", " ")
    pattern = r"(?<![<\d,.])([\d,]+)(?:人|名)" if lang == "zh" else r"(?<![<\d,.])([\d,]+) people"
    numbers = re.findall(pattern, text)  # every "N人" / "N people" in a sentence has N >= 10
    assert numbers and all(int(n.replace(",", "")) >= 10 for n in numbers)
    m = metrics(out)
    assert m["suppressed"] > 0
    for value in [
        m["data"]["n_relapses"],
        m["data"]["n_deaths"],
        *m["data"]["n_censored"].values(),
    ]:
        assert value is None or value >= params.suppression_threshold


STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?Z?")  # run time (provenance)


def _comparable(nb_path: Path) -> list:
    """Each code cell's outputs and execution count, run times masked (papermill's timing
    metadata is not an output)."""
    nb = nbformat.read(str(nb_path), as_version=4)
    return [
        (c.get("execution_count"), STAMP.sub("<time>", json.dumps(c.outputs, sort_keys=True)))
        for c in nb.cells
        if c.cell_type == "code"
    ]


def test_reused_kernel_report_equals_fresh_kernel_report(env, tmp_path):
    """The English report rendered in the kernel that first rendered the Chinese one (the
    fixture: a kernel started before the analysis, preloaded, then reset between notebooks)
    equals the English report from a fresh kernel of papermill's own (no preloading): the same
    notebook outputs and execution counts, the same HTML, the same metrics.json (provenance
    aside), up to the run's time stamps."""
    en, shared = env["en"]
    fresh = build_reports([(en, tmp_path / "fresh")], fresh_kernels=True)[0]
    assert _comparable(shared.notebook) == _comparable(fresh.notebook)
    html = [STAMP.sub("<time>", o.html.read_text("utf-8")) for o in (shared, fresh)]
    assert html[0] == html[1]
    m = [without_provenance(o.metrics.read_text("utf-8")) for o in (shared, fresh)]
    assert m[0] == m[1]
    assert shared.stages.keys() == {"notebook", "html", "pdf"}  # the analysis ran once, for zh


def test_next_call_takes_the_kept_kernel_and_renders_as_a_fresh_one(env, tmp_path, monkeypatch):
    """`build_reports` keeps its kernel for the process's next call (the bench's warm report after
    the cold one): that call runs in the same kernel process and renders what the fixture's
    English report (equal to a fresh kernel's, test above) rendered, up to the run's time."""
    en, shared = env["en"]
    # the environment the fixture's kernel started with (pytest names the current test in it)
    monkeypatch.setenv("PYTEST_CURRENT_TEST", env["marker"])
    kept = parked()
    assert kept is not None and kept.alive()
    pid = kept.km.provisioner.pid
    again = build_report(en, tmp_path / "again")
    assert parked() is kept and kept.km.provisioner.pid == pid  # the same kernel process
    assert _comparable(again.notebook) == _comparable(shared.notebook)
    html = [STAMP.sub("<time>", o.html.read_text("utf-8")) for o in (shared, again)]
    assert html[0] == html[1]
    m = [without_provenance(o.metrics.read_text("utf-8")) for o in (shared, again)]
    assert m[0] == m[1]


def test_executed_notebook_is_internal(env):
    nb = nbformat.read(str(env["zh"][1].notebook), as_version=4)
    assert nb.metadata["workbench"]["internal"] is True
    assert nb.cells[0].cell_type == "markdown" and "INTERNAL" in nb.cells[0].source
    assert "parameters" in nb.cells[1].metadata["tags"]
    assert "INTERNAL" not in env["zh"][1].html.read_text("utf-8")


def test_html_has_no_code_and_a_toc(env):
    html = env["en"][1].html.read_text("utf-8")
    assert "ReportParams" not in html and "analyse(" not in html and "In&nbsp;[" not in html
    assert '<nav class="wb-toc">' in html and 'href="#sec-retention"' in html


def _cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("data: x\nlanguage: en\n", r"unknown parameter 'language'; valid parameters are: data"),
        ("data: x\nn_bootstrap: lots\n", r"n_bootstrap 'lots' is not a whole number"),
        ("data: x\ncutoff: 2019-02-30\n", r"cutoff '2019-02-30' is not a date"),
        ("data: no_such_folder\n", r"data '.*no_such_folder' does not exist"),
    ],
)
def test_bad_params_fail_fast_with_one_line(tmp_path, content, message):
    f = tmp_path / "bad.yaml"
    f.write_text(content, encoding="utf-8")
    res = _cli("report", "--params", str(f), "--out", str(tmp_path / "out"))
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.stderr
    assert re.search(message, lines[0]), lines[0]
    assert not (tmp_path / "out").exists()


def test_rossi_report_reads_sensibly(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    params = ReportParams.from_yaml(ROOT / "params" / "examples" / "rossi_report.yaml")
    params = ReportParams.from_mapping({**params.to_mapping(), "n_bootstrap": 0})
    out = build_report(params, tmp_path / "rossi")
    text = pdf_text(out.pdf).replace("\n", " ")
    shown = [int(n) for n in re.findall(r"(\d{3}) people", text)]
    assert shown and abs(shown[0] - 432) <= 3 and "arrest" in text  # cell-key noise, |d| <= 3
    assert "abstinent" not in text.split("Methods and caveats")[0].lower()
    assert "Tracking coverage" not in text  # no visit records: no coverage section
    m = metrics(out)
    assert [r["months"] for r in m["retention"]] == [3.0, 6.0, 9.0]
    assert m["retention"][0]["method"].startswith("Kaplan-Meier")


def test_suppress_hides_small_counts_and_rates_of_small_groups():
    from workbench.reporting.suppression import count_text, scrub_counts, suppress

    table = pd.DataFrame({"area": ["a", "b", "c"], "n": [120, 9, 0], "lost": [10, 3, 0],
                          "share": ["8.3%", "33.3%", "–"]})  # fmt: skip
    shown, hidden = suppress(table, 10, counts=["n", "lost"], rates=["share"], base="n")
    assert shown.to_dict("list") == {
        "area": ["a", "b", "c"],
        "n": ["120", "<10", "<10"],
        "lost": ["10", "<10", "<10"],
        "share": ["8.3%", "<10", "<10"],
    }
    assert hidden == 6
    assert count_text(1234, 10) == "1,234" and count_text(9.4, 10) == "<10"
    assert count_text(5, 3) == "5"
    assert scrub_counts("7 people; 12 people; 0.01 level; 3 relapses; 100,000 iterations", 10) == (
        "<10 people; 12 people; 0.01 level; <10 relapses; 100,000 iterations"
    )
    assert scrub_counts("dropped 1 duplicate rows; 3人; 1 year; 2 terms", 10) == (
        "dropped <10 duplicate rows; <10人; 1 year; 2 terms"
    )


def test_no_hidden_count_is_the_total_minus_the_others():
    from workbench.reporting.suppression import complementary, suppress

    table = pd.DataFrame({"area": ["all", "a", "b", "c", "d"], "n": [239, 120, 9, 60, 50],
                          "died": [40, 30, 7, 3, 0], "lost": [60, 20, 20, 10, 10]})  # fmt: skip
    total = [True, False, False, False, False]
    shown, _ = suppress(table, 10, counts=["n", "died", "lost"])
    assert shown["n"].tolist() == ["239", "120", "<10", "60", "50"]  # 9 = 239 - 120 - 60 - 50
    out, extra = complementary(shown, table, ["n", "died", "lost"], total, 10)
    assert out["n"].tolist() == ["239", "120", "<10", "60", "<10"]  # smallest shown one joins
    assert out["died"].tolist() == shown["died"].tolist()  # three hidden already: nothing to add
    assert out["lost"].tolist() == shown["lost"].tolist()  # nothing hidden
    assert extra == 1
    # a hidden total protects its column; two hidden components protect each other
    assert complementary(shown.assign(n="<10"), table, ["n"], total, 10)[1] == 0


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("raise RuntimeError('boom')", r"cell \d+ failed: RuntimeError: boom"),
        ("import os\nos._exit(1)", r"kernel failed: DeadKernelError"),
    ],
)
def test_failing_notebook_keeps_previous_outputs(env, tmp_path, monkeypatch, cell, message):
    from workbench.exceptions import ReportError
    from workbench.reporting.execute import NOTEBOOK_ENV, notebook_path

    nb = nbformat.read(str(notebook_path()), as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(cell))
    broken = tmp_path / "broken.ipynb"
    nbformat.write(nb, str(broken))
    monkeypatch.setenv(NOTEBOOK_ENV, str(broken))
    params, good = env["zh"]
    out = tmp_path / "out"
    out.mkdir()
    names = ("report.pdf", "report.html", "report.ipynb", "metrics.json")
    for name in names:
        (out / name).write_bytes((good.out / name).read_bytes())
    with pytest.raises(ReportError, match=message):
        build_report(params, out)
    for name in names:
        assert (out / name).read_bytes() == (good.out / name).read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(names)  # no temp files left


def test_scope_below_threshold_shows_no_rate(env, tmp_path):
    base = env["zh"][0].to_mapping()
    params = ReportParams.from_mapping(
        {
            **base,
            "name": "tiny",
            "prefecture": "zhangjiajie",
            "release_start": "2017-01-01",
            "release_end": "2017-12-31",
        }  # fmt: skip
    )
    out = build_report(params, tmp_path / "tiny")
    m = metrics(out)
    assert m["data"]["n_releases"] is None and m["retention"] == [] and m["interventions"] == []
    text = pdf_text(out.pdf).replace("\n", "")
    assert "本报告范围内人数少于10人，不予显示任何比例或估计值。" in text
    assert "%" not in text.split("执行摘要")[1].split("照管覆盖率")[0]
