"""Degenerate data still give a report (issue 7 item 6).

Each dataset is a small simulated cohort (tests/test_report.make_dataset) edited into one
degenerate shape: no relapse, everyone relapsed by month 6, one prefecture (and a support nobody
received), no support at all, nobody seen after release, a cohort below the suppression
threshold. Each renders through the real pipeline (papermill, HTML, PDF, metrics.json); the PDF
says in plain Chinese or English what could not be estimated and why, with no exception names and
no nan/None/inf; metrics.json holds null where nothing could be estimated.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import make_dataset, pdf_text

from workbench.cohort.contract import received_supports
from workbench.evaluation.analysis import analyse
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.reporting import build_report
from workbench.reporting.metrics import build_metrics, check_metrics

pytestmark = pytest.mark.slow  # end-to-end: seven real reports (about 1.5 min on 2 idle cores)
N = 300
TABLES = ("releases", "visits", "interventions", "events")
CENTRES = ("hengyang_centre", "changde_centre", "zhuzhou_centre", "yueyang_centre")
FORBIDDEN = re.compile(
    r"\b(nan|NaN|None|inf|Infinity|Traceback)\b|Error|Exception|failed:|\bnull\b"
)


def _read(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(folder / f"{name}.csv") for name in TABLES}


def _write(folder: Path, tables: dict[str, pd.DataFrame], cutoff: str = "2022-12-31") -> Path:
    folder.mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    (folder / "dataset.yaml").write_text(f"name: degenerate\ncutoff: '{cutoff}'\n", "utf-8")
    return folder


def no_relapse(t: dict) -> dict:
    """Every positive or detained visit becomes negative; no relapse event."""
    v = t["visits"]
    v.loc[v["result"].isin(["positive", "detained"]), "result"] = "negative"
    t["events"] = t["events"][t["events"]["event"].ne("relapse")]
    return t


def all_relapse(t: dict) -> dict:
    """One visit per release at month 6, positive; no other visit or event."""
    r = t["releases"]
    day183 = pd.to_datetime(r["release_date"]) + pd.Timedelta(days=183)
    t["visits"] = pd.DataFrame(
        {"release_id": r["release_id"], "visit_date": day183.dt.strftime("%Y-%m-%d"),
         "scheduled_month": 6, "result": "positive"}
    )  # fmt: skip
    t["events"] = t["events"].iloc[:0]
    return t


def one_prefecture(t: dict) -> dict:
    """Everyone released in Changsha (men at Xinkaipu); nobody placed in a job."""
    r = t["releases"]
    r["prefecture"] = "changsha"
    r.loc[r["facility"].isin(CENTRES), "facility"] = "xinkaipu"
    t["interventions"] = t["interventions"][t["interventions"]["intervention"].ne("job_placement")]
    return t


def no_support(t: dict) -> dict:
    t["interventions"] = t["interventions"].iloc[:0]
    return t


def censored_at_release(t: dict) -> dict:
    """No visit and no event after release: everyone's follow-up ends on the release day."""
    t["visits"], t["events"] = t["visits"].iloc[:0], t["events"].iloc[:0]
    return t


def tiny(t: dict) -> dict:
    keep = set(t["releases"]["release_id"].iloc[:7])
    return {name: f[f["release_id"].isin(keep)] for name, f in t.items()}


CASES = {f.__name__: f for f in (no_relapse, all_relapse, one_prefecture, no_support,
                                 censored_at_release, tiny)}  # fmt: skip


class Lab:
    """Datasets and reports, built once per module and on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        base = make_dataset(root / "base", n=N, seed=5)
        self.data = {name: _write(root / name, f(_read(base))) for name, f in CASES.items()}
        self._built: dict[tuple[str, str], tuple[ReportParams, object]] = {}

    def params(self, case: str, lang: str = "zh", **extra) -> ReportParams:
        d = {"data": str(self.data[case]), "name": case, "lang": lang, "n_bootstrap": 3,
             "seed": 11, **extra}  # fmt: skip
        return ReportParams.from_mapping(d)

    def report(self, case: str, lang: str):
        if (case, lang) not in self._built:
            params = self.params(case, lang)
            self._built[case, lang] = (params, build_report(params, self.root / f"{case}_{lang}"))
        return self._built[case, lang]

    def text(self, case: str, lang: str) -> str:
        """The PDF's text with line breaks removed (sentences wrap)."""
        joiner = "" if lang == "zh" else " "
        return pdf_text(self.report(case, lang)[1].pdf).replace("\n", joiner)

    def metrics(self, case: str, lang: str = "zh") -> dict:
        return json.loads(self.report(case, lang)[1].metrics.read_text("utf-8"))


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("degenerate")
    old = os.environ.get("WORKBENCH_CACHE_DIR")
    os.environ["WORKBENCH_CACHE_DIR"] = str(root / "cache")
    try:
        yield Lab(root)
    finally:
        if old is None:
            os.environ.pop("WORKBENCH_CACHE_DIR", None)
        else:
            os.environ["WORKBENCH_CACHE_DIR"] = old


RENDERED = [("no_relapse", "zh"), ("all_relapse", "zh"),
            ("one_prefecture", "zh"), ("one_prefecture", "en"), ("no_support", "zh"),
            ("censored_at_release", "zh")]  # fmt: skip


@pytest.mark.parametrize(("case", "lang"), RENDERED)
def test_report_renders_with_plain_words_and_valid_metrics(lab, case, lang):
    params, out = lab.report(case, lang)
    for f in (out.pdf, out.html, out.metrics):
        assert f.is_file() and f.stat().st_size > 0
    raw = out.metrics.read_text("utf-8")
    assert "NaN" not in raw and "Infinity" not in raw
    check_metrics(json.loads(raw))
    body = _body(lab.text(case, lang), lang)
    assert not FORBIDDEN.search(body), FORBIDDEN.search(body)


def _body(text: str, lang: str) -> str:
    """The report after its table of contents and before the provenance tables."""
    start = text.index(t("sec_summary", lang), text.index(t("sec_summary", lang)) + 1)
    return text[start : text.rindex(t("sec_provenance", lang))]


def _missing_sentence(section: str, why: str, lang: str) -> str:
    return t("sum_missing_one", lang, section=t(section, lang), why=t(why, lang, k=10))


def test_no_relapse_says_the_risk_model_cannot_be_fitted(lab):
    from workbench.reporting.summary import executive_summary

    zh = lab.text("no_relapse", "zh")
    params = lab.params("no_relapse", "en")  # the English twin renders the same summary
    en = html.unescape(executive_summary(analyse(params), params).html)
    assert "复吸风险因素未能完成：未发现任何复吸，无法拟合复吸风险模型。" in zh
    assert (
        "Relapse risk factors could not be done: no relapse was observed, so the relapse-risk "
        "model cannot be fitted." in en
    )
    assert _missing_sentence("sec_effects", "why_effects_no_relapse", "zh") in zh
    assert "中位复吸时间：超过观察期" in zh
    m = lab.metrics("no_relapse")
    # 100 % abstinent says every person's outcome: withheld (docs/disclosure.md, rates)
    assert [r["estimate"] for r in m["retention"]] == [None, None, None]
    assert (
        "retention.12: withheld (fewer than 10 people relapsed or stayed abstinent)" in m["notes"]
    )
    assert m["interventions"] == [] and m["regions"] == []
    assert m["data"]["n_relapses"] is None  # zero is below the threshold: suppressed
    assert (
        "risk：未作估计（未发现任何复吸，无法拟合复吸风险模型）" in m["notes"]
    )  # zh report: zh notes


def test_everyone_relapsed_by_month_6(lab):
    zh = lab.text("all_relapse", "zh")
    assert t("median_first", "zh") in zh and "中位复吸时间：0天" not in zh
    assert _missing_sentence("sec_risk", "why_all_relapse_first", "zh") in zh
    assert _missing_sentence("sec_effects", "why_effects_all_relapse_first", "zh") in zh
    m = lab.metrics("all_relapse")
    # S(t) = 0 after day 183: nobody abstinent is a whole group's outcome, withheld
    assert [r["estimate"] for r in m["retention"]] == [None, None, None]
    assert abs(m["data"]["n_relapses"] - N) <= 3 and m["interventions"] == []  # cell-key noise
    assert all(m["tiers"][y]["observed"] is None for y in ("1", "2", "3"))  # 0: suppressed
    assert "100.0%" not in pdf_text(lab.report("all_relapse", "zh")[1].pdf)  # incidence too


def test_one_prefecture_and_a_support_nobody_received(lab):
    zh, en = lab.text("one_prefecture", "zh"), lab.text("one_prefecture", "en")
    assert t("one_region", "zh") in zh and t("one_region", "en") in en
    # the summary's verdicts come from the target trials: "cannot say" with the reason in words
    assert (
        "无法判断（截至数据截止日期，本报告范围内没有人接受过这项帮扶）：就业安置基地安置就业。"
        in zh
    )
    nobody = (
        "Cannot say (nobody in this report's scope had received it by the data cut-off): "
        "job placement at an employment base."
    )
    squeeze = lambda s: re.sub(r"[\s-]", "", s)  # noqa: E731  (a line may break at "cut-off")
    assert squeeze(nobody) in squeeze(en)
    m = lab.metrics("one_prefecture")
    assert m["regions"] == []
    placed = next(r for r in m["interventions"] if r["code"] == "job_placement")
    assert placed["n_exposed"] is None and placed["hr"] is None
    assert placed["rmst_diff_days"] is None
    others = [r for r in m["interventions"] if r["code"] != "job_placement"]
    assert any(r["hr"] is not None for r in others)  # the other supports are still estimated


def test_no_support_recorded(lab):
    zh = lab.text("no_support", "zh")
    assert "帮扶措施效果未能完成：截至数据截止日期，本报告范围内没有任何人的帮扶记录。" in zh
    m = lab.metrics("no_support")
    assert m["interventions"] == []
    assert "effects：未作估计（截至数据截止日期，本报告范围内没有任何人的帮扶记录）" in m["notes"]
    assert len(m["retention"]) == 3 and m["retention"][0]["estimate"] is not None


def test_everyone_censored_at_release(lab):
    zh = lab.text("censored_at_release", "zh")
    assert "出所后12/24/36个月操守保持率无法估计：出所后没有任何人有回访或其他记录，" in zh
    assert "操守保持率为" not in zh  # no retention invented for people nobody saw
    m = lab.metrics("censored_at_release")
    assert m["retention"] == [] and m["tiers"] == {} and m["interventions"] == []
    # no visit attended (0 %) is everyone's attribute: withheld; counts carry cell-key noise
    assert m["coverage"] is None and abs(m["data"]["n_censored"]["lost"] - N) <= 3


def test_cutoff_on_the_release_day(lab, tmp_path):
    """All released on one day, data cut off that day: nothing is due, nothing estimated."""
    tables = censored_at_release(_read(lab.root / "base"))
    tables["releases"]["release_date"] = "2020-06-01"
    tables["interventions"] = tables["interventions"].iloc[:0]
    folder = _write(tmp_path / "cut", tables, cutoff="2020-06-01")
    params = ReportParams.from_mapping({"data": str(folder), "n_bootstrap": 3})
    res = analyse(params, use_cache=False)
    from workbench.reporting.summary import ANSWERED

    shown = {s: why for s, why in res.missing.items() if s not in ANSWERED}
    assert set(shown.values()) == {"no_follow_up"} and len(shown) == 6
    # the opening answers say why there is no trend, projection check or model check
    assert set(res.missing) - set(shown) <= set(ANSWERED)
    from workbench.reporting.summary import executive_summary

    html = executive_summary(res, params).html
    assert t("sum_coverage_none", "zh") in html and "–。" not in html
    m = build_metrics(res, params, 0, {})
    assert m["coverage"] is None and m["retention"] == []
    assert list(m["data"]["n_censored"]) == ["cutoff"]
    assert abs(m["data"]["n_censored"]["cutoff"] - N) <= 3  # cell-key noise


def test_tiny_cohort_through_the_cli(lab, tmp_path):
    f = tmp_path / "tiny.yaml"
    f.write_text(f"data: {lab.data['tiny']}\nname: tiny\nn_bootstrap: 3\n", encoding="utf-8")
    env = {**os.environ, "WORKBENCH_CACHE_DIR": str(lab.root / "cache")}
    run = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "report", "--params", str(f),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300, env=env,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    out = tmp_path / "out"
    m = json.loads((out / "metrics.json").read_text("utf-8"))
    check_metrics(m)
    assert m["data"]["n_releases"] is None and m["retention"] == [] and m["interventions"] == []
    assert "retention：未作估计（本报告范围内人数少于10人" in " ".join(m["notes"])
    text = pdf_text(out / "report.pdf").replace("\n", "")
    assert t("too_few", "zh", 10) in text
    assert not FORBIDDEN.search(_body(text, "zh"))
    html = (out / "report.html").read_text("utf-8")
    coverage = html.split('data-section="coverage"')[1].split("</table>")[0]
    assert re.findall(r"<td[^>]*>[\d,]+</td>", coverage) == []  # not even visit counts of 7 people


# Small hand-checkable pieces behind the reports above.


def test_incidence_stays_final_once_nobody_is_left_event_free():
    from workbench.retention.competing import AalenJohansen

    # 10 people, no censoring: 1 death (day 100), 9 relapses (days 150, 183 x 8): by day 183
    # everyone had an event, so the incidences 9/10 and 1/10 hold at any later day.
    time = np.array([100.0, 150.0, *[183.0] * 8])
    status = np.array([2, 1, *[1] * 8])
    fit = AalenJohansen().fit(time, status)
    np.testing.assert_allclose(
        fit.milestones([12, 36], "relapse")["estimate"], [0.9, 0.9], rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(fit.milestones([12], "death")["estimate"], [0.1], atol=1e-12)
    # One person censored at day 183 instead: the future beyond day 183 is unknown.
    censored = AalenJohansen().fit(time, np.array([2, 1, *[1] * 7, 0]))
    assert np.isnan(censored.milestones([12], "relapse")["estimate"]).all()


def _cohort(event, lower, last, prefecture=("changsha", "hengyang")):
    n = len(event)
    return pd.DataFrame(
        {"event": event, "lower_day": lower, "last_day": last,
         "prefecture": [prefecture[i % len(prefecture)] for i in range(n)]}
    )  # fmt: skip


class _Scoped:
    """A dataset's support records: n starts, the last one after the cut-off when `late`."""

    def __init__(self, n_support: int, late: bool = False) -> None:
        starts = ["2019-01-01"] * n_support
        if late and starts:
            starts[-1] = "2021-01-01"
        self.cutoff = pd.Timestamp("2020-12-31")
        self.interventions = pd.DataFrame(
            {"release_id": "R1", "intervention": "peer_education", "start_date": starts}
        )
        self.received = received_supports(self.interventions, self.cutoff)


def test_not_estimable_names_each_degenerate_shape():
    from workbench.evaluation.contract import ESTIMATES, not_estimable

    nobody_seen = _cohort(["censored"] * 4, [0.0] * 4, [0.0] * 4)
    assert not_estimable(nobody_seen, _Scoped(3).received) == dict.fromkeys(
        ESTIMATES, "no_follow_up"
    )
    no_relapse = _cohort(["censored", "death", "censored"], [183.0, 0.0, 400.0], [183, 90, 400])
    assert not_estimable(no_relapse, _Scoped(0).received) == {
        "risk": "no_relapse", "effects": "no_relapse", "regions": "no_relapse"
    }  # fmt: skip
    first_visit = _cohort(["relapse"] * 3, [0.0] * 3, [183.0, 190.0, 200.0], ("loudi",))
    assert not_estimable(first_visit, _Scoped(2).received) == {
        "risk": "all_relapse_first", "effects": "all_relapse_first", "regions": "one_region"
    }  # fmt: skip
    usual = _cohort(["relapse", "censored", "death"], [0.0, 365.0, 183.0], [183, 365, 200])
    assert not_estimable(usual, _Scoped(0).received) == {"effects": "no_support"}
    assert not_estimable(usual, _Scoped(1).received) == {}
    assert not_estimable(usual, _Scoped(1, late=True).received) == {"effects": "no_support"}
    assert not_estimable(usual, _Scoped(2, late=True).received) == {}


def test_reasons_are_plain_words_never_a_technical_message():
    from workbench.reporting.text import reason

    technical = "failed: ValueError: zero-size array to reduction operation maximum"
    for lang in ("zh", "en"):
        assert reason("effects", technical, lang, 10) == t("why_other", lang)
        assert "ValueError" not in reason("effects", technical, lang, 10)
    assert reason("risk", "no_relapse", "en", 10) == (
        "no relapse was observed, so the relapse-risk model cannot be fitted"
    )
    assert reason("tiers", "no_relapse", "zh", 10) == "未发现任何复吸，无法分析复吸风险"
    assert reason("risk", "too_few", "en", 7).startswith("fewer than 7 people")


def test_summary_gives_one_sentence_per_reason():
    from workbench.evaluation.results import ReportResults
    from workbench.reporting.summary import summary_missing

    res = ReportResults(
        kind="contract", source="x", event_label="relapse", sha256={}, cutoff=None,
        period=(None, None), counts={},
        missing={"risk": "no_follow_up", "effects": "no_follow_up", "regions": "one_region",
                 "competing": "failed: LinAlgError: Singular matrix"},
    )  # fmt: skip
    out = summary_missing(res, "en", 10)
    assert out == [
        t("one_region", "en"),
        "Relapse risk factors, Support effects could not be done: " + t("why_no_follow_up", "en")
        + ".",
        "Cumulative incidence of relapse and death could not be done: " + t("why_other", "en")
        + ".",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("no_relapse", "no relapse was observed, so support effects cannot be estimated"),
        ("all_relapse", "everyone had relapsed when first seen after release"),
        ("censored_at_release", "nobody was seen after release, so no support can be compared"),
    ],
)
def test_effects_cli_refuses_data_without_comparable_relapse_times(lab, case, message):
    """`workbench effects` says why in one line (exit 2) instead of a library's traceback."""
    res = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "effects", str(lab.data[case]), "--json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 2, res.stderr[-2000:]
    assert message in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert res.stdout == ""
