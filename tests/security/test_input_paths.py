"""Red team of names and paths (issue #15 item 6): report names that escape reports/, an --out
that is a file, a --key that is a folder; all refused before any analysis runs."""

from __future__ import annotations

import pytest
from attack_tools import refused, run, small_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_dataset(tmp_path_factory.mktemp("paths") / "data", n=60)


@pytest.mark.parametrize(
    "name",
    ["../../x", "/tmp/abs", "a/b", "..", ".hidden", "C:\\\\evil", "x\\\\..\\\\..\\\\y", "a\\tb"],
)
def test_a_report_name_must_be_a_plain_name(tmp_path, data, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    params = tmp_path / "p.yaml"
    params.write_text(f'data: {data}\nname: "{name}"\n', encoding="utf-8")
    refused(["report", "--params", str(params)], r"name .* is not a plain name",
            watch=(tmp_path, tmp_path.parent))  # fmt: skip


def test_a_batch_run_named_to_escape_fails_alone_and_writes_nothing_outside(tmp_path, data):
    batch = tmp_path / "b.yaml"
    batch.write_text(f"name: b\nruns:\n  - {{data: {data}, name: ../../escape}}\n", "utf-8")
    res = run(["batch", str(batch), "--out", str(tmp_path / "out"), "--workers", "1"])
    assert res.code == 1 and "Traceback" not in res.err
    assert "not a plain name" in res.out
    assert sorted(p.name for p in tmp_path.rglob("*escape*")) == []
    summary = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8")
    assert "not a plain name" in summary


def test_report_out_naming_a_file_fails_before_the_analysis(tmp_path, data):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"%PDF old")
    params = tmp_path / "p.yaml"
    params.write_text(f"data: {data}\n", encoding="utf-8")
    refused(["report", "--params", str(params), "--out", str(target)],
            r"--out report\.pdf: report\.pdf is a file", watch=(tmp_path,))  # fmt: skip
    refused(["report", "--params", str(params), "--out", str(target / "sub")],
            r"--out sub: report\.pdf is a file", watch=(tmp_path,))  # fmt: skip


def test_batch_out_naming_a_file_fails_before_any_run(tmp_path, data):
    target = tmp_path / "out"
    target.write_text("not a folder\n")
    batch = tmp_path / "b.yaml"
    batch.write_text(f"name: b\nruns:\n  - {{data: {data}}}\n", "utf-8")
    refused(["batch", str(batch), "--out", str(target)], r"--out out: out is a file",
            watch=(tmp_path,))  # fmt: skip


def test_cohort_out_naming_a_folder_fails_before_the_analysis(tmp_path, data):
    refused(["cohort", str(data), "--out", str(tmp_path)], r"is a folder \(expected a file name",
            watch=(tmp_path,))  # fmt: skip
    refused(["cohort", str(data), "--out", str(tmp_path / "c.txt")], r"cannot write a table as",
            watch=(tmp_path,))  # fmt: skip


def test_pseudonymize_key_naming_a_folder_fails_before_reading(tmp_path, data):
    refused(["pseudonymize", str(data), "--key", str(tmp_path), "--out", str(tmp_path / "o")],
            r"--key .*is a folder", watch=(tmp_path,))  # fmt: skip
