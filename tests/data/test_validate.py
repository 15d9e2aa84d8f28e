"""Data-quality report and `workbench validate` (workbench.data.validate)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.cli.validate import run_validate
from workbench.data import schema
from workbench.data.dataset import Dataset
from workbench.data.spec import load_spec
from workbench.data.validate import identifier_warnings, validation_report

ROOT = Path(__file__).resolve().parents[2]
T = pd.Timestamp


def _releases(rows: list[tuple[str, str]]) -> pd.DataFrame:
    n = len(rows)
    return pd.DataFrame(
        {
            "release_id": [r for r, _ in rows],
            "person_id": [f"P{r}" for r, _ in rows],
            "release_date": pd.to_datetime([d for _, d in rows]),
            "prefecture": ["changsha", "changsha", "loudi", "loudi", "yiyang", "yiyang"][:n],
            "facility": ["xinkaipu"] * n,
            "sex": ["male"] * n,
            "birth_year": [1980] * n,
            "primary_drug": ["heroin"] * n,
            "prior_treatments": [0] * n,
            "years_using": [1.0] * n,
            "education": ["junior"] * n,
            "employed_before": [0] * n,
            "married": [0] * n,
            "family_support": [0] * n,
            "motivation_score": [5.0] * n,
        }
    )


def _visits(rows: list[tuple[str, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "release_id": [r[0] for r in rows],
            "visit_date": pd.to_datetime([r[1] for r in rows]),
            "scheduled_month": np.array([r[2] for r in rows], dtype=float),
            "result": [r[3] for r in rows],
        }
    )


@pytest.fixture
def hand_dataset() -> Dataset:
    """Six releases, cut-off 2020-01-01; due/attended/lost worked out by hand below."""
    releases = _releases(
        [
            (
                "A",
                "2018-01-01",
            ),  # 730 days: months 6, 12, 18 due; 6, 12 seen; 18 missed: one, not lost
            ("B", "2019-01-01"),  # 365 days: month 6 due (12 is at 365.25); positive then negative
            ("C", "2018-06-01"),  # died on day 273: month 6 due and seen
            ("D", "2018-01-01"),  # transferred day 334: month 6 due, missed; contact after transfer
            ("E", "2019-06-01"),  # 214 days: month 6 due; negative and positive the same day
            (
                "F",
                "2018-01-01",
            ),  # months 6, 12, 18 due; "month 12" seen on day 151; 12, 18 after: lost
        ]
    )
    nan = np.nan
    visits = _visits(
        [
            ("A", "2018-07-01", 6, "negative"),
            ("A", "2019-01-01", 12, "negative"),
            ("A", "2019-07-02", 18, "missed"),
            ("B", "2019-07-01", 6, "positive"),
            ("B", "2020-01-01", 12, "negative"),
            ("C", "2018-12-01", 6, "negative"),
            ("C", "2019-03-01", nan, "died"),
            ("D", "2018-07-01", 6, "missed"),
            ("D", "2018-12-01", nan, "transferred"),
            ("D", "2019-06-01", nan, "negative"),
            ("E", "2019-12-01", 6, "negative"),
            ("E", "2019-12-01", 6, "positive"),
            ("F", "2018-06-01", 12, "negative"),
        ]
    )
    return Dataset(
        releases=releases,
        visits=visits,
        interventions=schema.empty_frame("interventions"),
        events=schema.empty_frame("events"),
        cutoff=T("2020-01-01"),
        source="hand",
        repairs=("visits.csv: dropped 1 duplicate rows (same release_id, visit_date, result).",),
    )


def test_counts_coverage_and_lost(hand_dataset):
    report = validation_report(hand_dataset)
    assert report.counts == {"releases": 6, "visits": 13, "interventions": 0, "events": 0}
    assert report.by_prefecture == {"changsha": 2, "loudi": 2, "yiyang": 2}
    # lost = two or more due visits after the last contact (the cohort rule): F only
    assert (report.n_due, report.n_attended, report.n_lost) == (10, 6, 1)
    assert report.coverage == pytest.approx(0.6, abs=1e-12)


def test_contradictions(hand_dataset):
    assert validation_report(hand_dataset).contradictions == {
        "negative_after_relapse": 1,
        "contact_after_transfer": 1,
        "same_day_conflict": 1,
        "outside_window": 1,
    }


def test_events_end_tracking(hand_dataset):
    events = pd.DataFrame(
        {
            "release_id": ["A"],
            "event_date": [T("2018-12-01")],
            "event": ["death"],
            "source": ["civil_registry"],
        }
    )
    visits = hand_dataset.visits.loc[
        lambda v: ~((v["release_id"] == "A") & (v["visit_date"] > T("2018-12-01")))
    ]
    ds = Dataset(
        hand_dataset.releases, visits, hand_dataset.interventions, events, hand_dataset.cutoff
    )
    report = validation_report(ds)
    # A now ends at death on day 334: only month 6 is due (seen), and A is no longer lost.
    assert (report.n_due, report.n_attended, report.n_lost) == (8, 5, 1)


def test_summary_and_text(hand_dataset):
    report = validation_report(hand_dataset)
    summary = report.summary()
    assert list(summary.columns) == ["section", "item", "value"]
    row = summary.loc[summary["item"] == "coverage", "value"].iloc[0]
    assert row == pytest.approx(0.6, abs=1e-12)
    en, zh = report.text("en"), report.text("zh")
    assert "coverage of scheduled visits: 60.0 % (6 / 10)" in en
    assert "lost to follow-up: 1" in en
    assert "negative result after the first evidence of relapse: 1" in en
    assert "  - visits.csv: dropped 1 duplicate rows" in en
    assert "回访覆盖率: 60.0 % (6 / 10)" in zh
    assert "失访: 1" in zh
    assert "长沙市: 2" in zh
    assert "  回访记录: 13 行" in zh
    with pytest.raises(ValueError, match=r"language 'fr' is not one of zh, en"):
        report.text("fr")


def test_identifier_warnings():
    frame = pd.DataFrame(
        {
            "release_id": ["张三", "R2"],
            "person_id": ["11010519491231002X", "P2"],
            "contact": ["13812345678", ""],
            "姓名": ["李四", "王五"],
            "note": ["ok", "fine"],
        }
    )
    warnings = identifier_warnings(frame, "releases")
    assert warnings == [
        "releases: column release_id holds values that look like direct identifiers (Chinese "
        "personal names); pseudonymize them (workbench pseudonymize) before sharing.",
        "releases: column person_id holds values that look like direct identifiers (resident ID "
        "number); pseudonymize them (workbench pseudonymize) before sharing.",
        "releases: column contact looks like a direct identifier by its name (relative or "
        "contact person); drop it or pseudonymize it before sharing.",
        "releases: column 姓名 looks like a direct identifier by its name (name); drop it or "
        "pseudonymize it before sharing.",
        "releases: column note looks like a direct identifier by its name (free text); drop it or "
        "pseudonymize it before sharing.",
    ]


def test_spec_report():
    report = validation_report(load_spec(ROOT / "params" / "examples" / "rossi.yaml"))
    assert report.counts == {"rows": 432, "events (arrest)": 114}
    assert "no tracking coverage" in report.text()


def _write_ok(folder: Path, name: bool = False) -> Path:
    folder.mkdir()
    (folder / "releases.csv").write_text(
        "release_id,release_date,prefecture,facility,sex,birth_year,primary_drug,"
        "prior_treatments,years_using,education,employed_before,married,family_support,"
        "motivation_score" + (",姓名" if name else "") + "\n"
        "R1,2018-01-05,长沙市,xinkaipu,男,1980,heroin,1,5.5,junior,1,0,1,6.5"
        + (",张三" if name else "")
        + "\n",
        encoding="utf-8",
    )
    (folder / "visits.csv").write_text(
        "release_id,visit_date,scheduled_month,result\nR1,2018-07-05,6,阴性\n", encoding="utf-8"
    )
    (folder / "interventions.csv").write_text(
        "release_id,intervention,start_date\n", encoding="utf-8"
    )
    return folder


def test_run_validate_prints_summary_and_returns_0(tmp_path, capsys):
    folder = _write_ok(tmp_path / "d", name=True)
    args = argparse.Namespace(data=str(folder), cutoff="2019-01-01", allow_identifiers=True)
    assert run_validate(args) == 0
    out, err = capsys.readouterr()
    assert err == (
        "warning: releases.csv: column 姓名 holds direct identifiers (name) (allowed by "
        "--allow-identifiers); keep the outputs internal.\n"
    )
    assert out.startswith("Data quality: d\ndata cut-off: 2019-01-01\n")
    assert "coverage of scheduled visits: 100.0 % (1 / 1)" in out
    assert "releases: column 姓名 looks like a direct identifier" in out
    assert "releases.csv: prefecture: mapped 1 values to codes (长沙市 → changsha: 1)." in out


def test_run_validate_chinese(tmp_path, capsys):
    folder = _write_ok(tmp_path / "d")
    assert run_validate(argparse.Namespace(data=str(folder), cutoff=None, lang="zh")) == 0
    assert "数据质量: d" in capsys.readouterr().out


def test_run_validate_error_is_one_line_exit_2(tmp_path, capsys):
    folder = _write_ok(tmp_path / "d")
    (folder / "visits.csv").write_text(
        "release_id,visit_date,scheduled_month,result\nR1,2018-02-30,6,阴性\n", encoding="utf-8"
    )
    assert run_validate(argparse.Namespace(data=str(folder), cutoff=None)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "error: visits.csv row 2: visit_date 2018-02-30 is not a date (expected YYYY-MM-DD, "
        "YYYY/M/D, YYYY.M.D or YYYY年M月D日); fix the date or drop the row.\n"
    )


def test_run_validate_bad_cutoff_argument(tmp_path, capsys):
    folder = _write_ok(tmp_path / "d")
    assert run_validate(argparse.Namespace(data=str(folder), cutoff="31/12/2019")) == 2
    assert "cutoff argument: cutoff 31/12/2019 is ambiguous" in capsys.readouterr().err


def test_chinese_text_has_no_english_words_beyond_the_data_own_names(small_sim):
    """zh: the simulated source, a spec's counts and its note are in Chinese; only the spec's
    own names (its name 'rossi' and its event label 'arrest') stay as written."""
    import re

    sim_text = validation_report(small_sim.dataset).text("zh")
    assert sim_text.splitlines()[0] == "数据质量: 模拟数据（非真实数据），随机种子 7"
    spec_text = validation_report(load_spec(ROOT / "params" / "examples" / "rossi.yaml")).text("zh")
    words = set(re.findall(r"[A-Za-z]{2,}", sim_text + spec_text))
    assert words == {"rossi", "arrest"}, words
    assert "事件（arrest）: 114 行" in spec_text  # 114 re-arrests in Rossi's 432 rows


def test_spec_rows_left_out_are_said_in_the_readers_language():
    """The complete-case rule's note (English in `repairs`, for metrics and the CLI) is said in
    Chinese in the zh text (R survival's mgus2: 46 rows with an empty hgb, creat or mspike)."""
    from workbench.data.spec import load_spec
    from workbench.data.validate import validation_report
    from workbench.i18n import t

    report = validation_report(load_spec("data/corpus/mgus2/spec.yaml"))
    english = report.text("en")
    assert "  - 46 row(s) with an empty value were left out of every analysis (complete cases; " \
        "empty cells per column: hgb (13), creat (30), mspike (11))" in english  # fmt: skip
    chinese = report.text("zh")
    said = t("dq_dropped_rows", "zh", n=46, where="hgb (13)、creat (30)、mspike (11)")
    assert f"  - {said}" in chinese and "row(s)" not in chinese


def test_a_repair_is_its_english_text_and_survives_the_cache():
    """`Repair` equals, prints and serialises as its English text (what metrics.json and the
    report keep), renders in Chinese, and comes back whole from pickle (the analysis cache)."""
    import json
    import pickle

    from workbench.data.repairs import Repair, said

    r = Repair("dq_repair_trimmed", file="visits.csv", n=1234)
    assert r == "visits.csv: trimmed spaces around 1,234 cells."
    assert json.dumps([r]) == '["visits.csv: trimmed spaces around 1,234 cells."]'
    assert said(r, "zh") == "visits.csv：去掉了1,234个单元格前后的空格。"
    back = pickle.loads(pickle.dumps(r))
    assert back == r and said(back, "zh") == said(r, "zh")
    assert said("a note from elsewhere", "zh") == "a note from elsewhere"  # plain text as it is
