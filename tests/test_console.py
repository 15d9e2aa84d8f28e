"""The console of the long-running commands (issue 23 item 3): stage lines and the bootstrap bar
on stderr, plain timestamped lines when stderr is not a terminal, `--quiet`; stage timing; path
messages that say what a path was resolved against."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

from workbench import console
from workbench.cli import main
from workbench.exceptions import ParameterError
from workbench.stats.bootstrap import run_replicates

STAMP = r"\d\d:\d\d:\d\d "


class Clock:
    """A settable clock for `Console(now=...)`."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_plain_lines_are_timestamped_stages_and_bootstrap_progress():
    out, clock = io.StringIO(), Clock()
    shown = console.Console(out, tty=False, hold_s=0, now=clock)
    with console.showing(shown), console.timing() as stages:
        with console.stage("load"):
            pass
        with console.stage("effects"):
            progress = console.replicate_progress()
            progress(0, 200)
            clock.t = 5.0
            progress(50, 200)  # within LOG_EVERY_S of the start: no line
            clock.t = 12.0
            progress(100, 200)
            clock.t = 13.0
            progress(150, 200)  # within LOG_EVERY_S of the last line
            clock.t = 24.0
            progress(200, 200)
    lines = out.getvalue().splitlines()
    assert all(re.match(STAMP, x) for x in lines)  # every line starts with the time of day
    text = [x[len("08:31:05 ") :] for x in lines]
    assert text[0] == "load …" and re.fullmatch(r"load done in \d+\.\d s", text[1])
    assert text[2:5] == [
        "effects …",
        "effects: bootstrap 100/200 (50%), 0:12 elapsed, ~0:12 left",
        "effects: bootstrap 200/200 done in 24.0 s",
    ]
    assert re.fullmatch(r"effects done in \d+\.\d s", text[5]) and len(text) == 6
    assert list(stages) == ["load", "effects"] and all(v >= 0 for v in stages.values())


def test_terminal_bar_redraws_in_place_with_elapsed_and_remaining_time():
    out, clock = io.StringIO(), Clock()
    with console.showing(console.Console(out, tty=True, now=clock)):
        with console.stage("competing"):
            progress = console.replicate_progress()
            progress(0, 40)
            clock.t = 10.0
            progress(10, 40)
            clock.t = 40.0
            progress(40, 40)
    text = out.getvalue()
    assert (
        "\r\033[Kcompeting: bootstrap [######------------------] 10/40  0:10 elapsed  ~0:30 left"
        in text
    )
    assert "[########################] 40/40  0:40 elapsed" in text
    assert re.search(r"\r\033\[Kcompeting done in \d+\.\d s\n$", text)


def test_quiet_shows_nothing_but_stages_are_still_timed():
    out = io.StringIO()
    with console.showing(console.Console(out, quiet=True, tty=False, hold_s=0)):
        with console.timing() as stages, console.stage("load"):
            assert console.replicate_progress() is None  # no bar is drawn at all
    assert out.getvalue() == "" and list(stages) == ["load"]


def test_lines_of_a_quick_failure_are_dropped_and_a_stage_run_twice_adds_up():
    out = io.StringIO()
    with pytest.raises(ParameterError):
        with console.showing(console.Console(out, tty=False)), console.stage("load"):
            raise ParameterError("bad")
    assert out.getvalue() == ""  # within HOLD_S: the command's one error line says it all
    with console.timing() as stages:
        for _ in range(2):
            with console.stage("pdf"):
                pass
    assert list(stages) == ["pdf"]
    held = io.StringIO()
    with console.showing(console.Console(held, tty=False)), console.stage("load"):
        pass
    assert re.fullmatch(rf"{STAMP}load …\n{STAMP}load done in \d+\.\d s\n", held.getvalue())


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_replicate_progress_reports_every_replicate_and_changes_no_number(n_jobs):
    seeds = np.random.SeedSequence(3).spawn(12)
    calls: list[tuple[int, int]] = []
    with_progress = run_replicates(
        lambda rng: rng.normal(size=2), seeds, n_jobs, progress=lambda d, t: calls.append((d, t))
    )
    without = run_replicates(lambda rng: rng.normal(size=2), seeds, n_jobs)
    np.testing.assert_array_equal(np.vstack(with_progress), np.vstack(without))
    assert calls[0] == (0, 12) and calls[-1] == (12, 12)
    done = [d for d, _ in calls]
    assert done == sorted(done) and all(t == 12 for _, t in calls)
    if n_jobs == 1:
        assert done == list(range(13))


def _dataset(tmp_path: Path) -> Path:
    from workbench.simulate import simulate, write_simulation

    write_simulation(simulate(seed=8, n=400), tmp_path / "data")
    return tmp_path / "data"


def test_retention_cli_shows_stages_on_stderr_and_nothing_with_quiet(tmp_path, capsys):
    data = _dataset(tmp_path)
    args = ["retention", str(data), "--bootstrap", "5", "--json"]
    assert main(args) == 0
    err = capsys.readouterr().err.splitlines()
    stripped = [re.sub(STAMP, "", x, count=1) for x in err]
    assert all(re.match(STAMP, x) for x in err)  # capsys is not a terminal: plain lines
    assert stripped[0] == "load …" and re.fullmatch(r"load done in \d+\.\d s", stripped[1])
    assert "retention …" in stripped and re.fullmatch(
        r"stages: load \d+\.\d s, retention \d+\.\d s", stripped[-1]
    )
    assert main([*args, "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_report_data_path_message_says_what_it_was_resolved_against(tmp_path, monkeypatch):
    from workbench.evaluation.analysis import analyse
    from workbench.params.report import ReportParams

    (tmp_path / "copied").mkdir()
    params = tmp_path / "copied" / "province.yaml"
    params.write_text("name: province\ndata: ../data/synthetic\n", "utf-8")
    with pytest.raises(ParameterError) as err:
        analyse(ReportParams.from_yaml(params))
    assert str(err.value) == (
        f"data '{tmp_path / 'data' / 'synthetic'}' does not exist (read relative to the "
        f"parameter file's folder {tmp_path / 'copied'}); give a dataset folder or spec"
    )
    params.write_text("data: /no/such/folder\n", "utf-8")
    with pytest.raises(ParameterError, match=r"'/no/such/folder' does not exist \(as written in"):
        analyse(ReportParams.from_yaml(params))
    monkeypatch.chdir(tmp_path)
    relative = ReportParams.from_mapping({"data": "nowhere"})
    with pytest.raises(ParameterError) as err:
        analyse(relative)
    assert f"data 'nowhere' does not exist (read relative to the current folder {tmp_path})" in str(
        err.value
    )


def test_report_command_refuses_a_missing_data_path_before_its_imports(tmp_path, capsys):
    """`workbench report` checks the data path right after reading the parameters (no font
    check, no report stack imported first): one line saying what it was resolved against."""
    (tmp_path / "copied").mkdir()
    params = tmp_path / "copied" / "province.yaml"
    params.write_text("name: province\ndata: ../data/synthetic\n", "utf-8")
    assert main(["report", "--params", str(params), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"workbench report: data '{tmp_path / 'data' / 'synthetic'}' does not exist (read "
        f"relative to the parameter file's folder {tmp_path / 'copied'}); give a dataset "
        "folder or spec\n"
    )
    assert not (tmp_path / "out").exists()


def test_report_command_wants_one_out_folder_per_params_file(tmp_path, capsys):
    """Several parameter files (a scope's zh + en, one process): one --out folder each, or
    none; anything else stops before the parameters are even read."""
    params = tmp_path / "p.yaml"
    params.write_text("name: p\ndata: .\n", "utf-8")
    argv = ["report", "--params", str(params), str(params), "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "workbench report: --out names 1 folder(s) for 2 --params file(s); give one output "
        "folder per parameter file, or none\n"
    )
    assert not (tmp_path / "o").exists()


def test_file_messages_say_what_a_relative_path_was_read_against(tmp_path, monkeypatch):
    from workbench.data.io import load_any
    from workbench.params.report import ReportParams

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError, match=rf"read relative to the current folder {tmp_path}\)"):
        ReportParams.from_yaml("missing.yaml")
    with pytest.raises(Exception, match=rf"read relative to the current folder {tmp_path}\)"):
        load_any("no_folder")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "s.yaml").write_text("table: t.csv\ntime: t\nevent: e\n", "utf-8")
    with pytest.raises(ParameterError) as err:
        load_any("specs/s.yaml")
    assert (
        f"table t.csv does not exist (read relative to the spec's folder {tmp_path / 'specs'})"
        in (str(err.value))
    )


def test_a_bootstrap_of_no_replicates_prints_nothing():
    out = io.StringIO()
    shown = console.Console(out, tty=False, hold_s=0, now=Clock())
    with console.showing(shown), console.stage("model_check"):
        for _ in range(3):  # e.g. a fit with n_bootstrap=0, repeated per fold
            console.replicate_progress()(0, 0)
    text = [x[len("08:31:05 ") :] for x in out.getvalue().splitlines()]
    assert text[0] == "model_check …" and re.fullmatch(r"model_check done in \d+\.\d s", text[1])
    assert len(text) == 2
