"""The report as an official reads it (issue 16): data-status banner, verdict lines, reconciled
support wording, figures without overlapping text, captions kept with tables, filled pages,
plain Chinese, fonts checked first. One small Chinese report is rendered once for the module."""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import os
import re
import subprocess
from pathlib import Path
from types import SimpleNamespace

import matplotlib
import numpy as np
import pandas as pd
import pypdf
import pytest

from workbench import fonts
from workbench.effects.findings import reconcile, support_verdicts
from workbench.evaluation.analysis import analyse
from workbench.exceptions import ReportError
from workbench.i18n import t
from workbench.params.report import ReportParams
from workbench.reporting import build_report, figures

matplotlib.use("Agg")
pytestmark = pytest.mark.slow  # one real report for the module


def make_dataset(folder: Path, n: int, seed: int) -> Path:
    """A small simulated dataset (status: simulated) the loader accepts (as in test_report)."""
    from workbench.simulate import NO_FEEDBACK, simulate, write_simulation

    write_simulation(simulate(NO_FEEDBACK, seed=seed, n=n), folder)
    visits, events = pd.read_csv(folder / "visits.csv"), pd.read_csv(folder / "events.csv")
    dead = set(events.loc[events["event"] == "death", "release_id"])
    drop = visits["result"].eq("died") & visits["release_id"].isin(dead)
    visits.loc[~drop].to_csv(folder / "visits.csv", index=False)
    return folder


def write_params(path: Path, data: Path, **extra) -> Path:
    d = {"data": str(data), "name": "official", "seed": 11, **extra}
    path.write_text("\n".join(f"{k}: {json.dumps(v)}" for k, v in d.items()) + "\n", "utf-8")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("official")
    old = os.environ.get("WORKBENCH_CACHE_DIR")
    os.environ["WORKBENCH_CACHE_DIR"] = str(root / "cache")
    try:
        data = make_dataset(root / "data", n=1200, seed=3)
        params = ReportParams.from_yaml(write_params(root / "zh.yaml", data, n_bootstrap=3))
        out = build_report(params, root / "zh")
        pages = [p.extract_text() for p in pypdf.PdfReader(str(out.pdf)).pages]
        yield SimpleNamespace(params=params, out=out, pages=pages, root=root, data=data)
    finally:
        if old is None:
            os.environ.pop("WORKBENCH_CACHE_DIR", None)
        else:
            os.environ["WORKBENCH_CACHE_DIR"] = old


def _body(pages: list[str]) -> str:
    """The zh report's text from the summary to the end of the methods (not the appendix)."""
    text = "".join(pages).replace("\n", "")
    start = text.index(t("sec_summary", "zh"), text.index(t("sec_summary", "zh")) + 1)
    return text[start : text.rindex(t("sec_provenance", "zh"))]


# --- data status ----------------------------------------------------------------------------------


def test_simulated_data_banner_on_every_page_and_in_metrics(report):
    banner = t("status_simulated", "zh")
    assert all(banner in page for page in report.pages), [
        i + 1 for i, p in enumerate(report.pages) if banner not in p
    ]
    assert t("status_warning_simulated", "zh")[:20] in report.pages[0]  # the cover says why
    m = json.loads(report.out.metrics.read_text("utf-8"))
    assert m["data"]["status"] == "simulated"


def test_real_data_carry_no_banner(tmp_path):
    from workbench.reporting.sections import status_banner

    (tmp_path / "dataset.yaml").write_text("name: x\nstatus: real\n", encoding="utf-8")
    assert status_banner(ReportParams(data=str(tmp_path))) == ""
    (tmp_path / "dataset.yaml").write_text("name: x\nstatus: test\n", encoding="utf-8")
    assert "测试数据（非真实数据）" in status_banner(ReportParams(data=str(tmp_path)))


def test_cover_has_beijing_date_issuer_and_version(report):
    from workbench.reporting.sections import report_date

    cover = report.pages[0]
    assert "报告日期：" in cover and "（北京时间）" in cover and "编制单位：" in cover
    assert "版本：workbench" in cover and "T0" not in cover  # no UTC ISO time stamp
    late = dt.datetime(2026, 12, 7, 17, 30, tzinfo=dt.UTC)  # 01:30 next day in Beijing
    assert report_date(late) == "2026-12-08"


# --- verdicts ---------------------------------------------------------------------------------------


def _tiers(observed, projected):
    return pd.DataFrame(
        {"years": [1, 2, 3], "observed": observed, "projected": projected,
         "target": [10_000, 1_000, 100]}
    )  # fmt: skip


def test_target_verdict_lines_give_the_multiple_and_say_cumulative():
    from workbench.reporting.summary import tier_verdicts

    results = SimpleNamespace(tiers=_tiers([10_512, 7_021, 4_251], [11_230.4, 8_000.2, 7_580.9]))
    zh = tier_verdicts(results, ReportParams(data="x"))
    assert (
        zh[0] == "保持操守1年以上：已确认10,512人，已达到目标（累计目标10,000人），为目标的1.1倍。"
    )
    assert zh[2].endswith("为目标的43倍。")  # 4,251 / 100 = 42.5, shown as a whole multiple
    en = tier_verdicts(results, ReportParams(data="x", lang="en"))
    assert en[1] == (
        "Abstinent ≥ 2 years: 7,021 confirmed — target met (cumulative target 1,000), 7.0 "
        "times the target."
    )
    short = SimpleNamespace(tiers=_tiers([1_952, 5, 740], [1_989.2, 8.0, 1_326.4]))
    zh = tier_verdicts(short, ReportParams(data="x"))
    assert zh[0] == (
        "保持操守1年以上：已确认1,952人，尚未达到目标（累计目标10,000人），完成20%；"
        "现有人员跟踪期满时预计1,989人，仍达不到目标。"
    )
    assert (
        zh[1] == "保持操守2年以上：已确认人数少于10人，不予显示（累计目标1,000人，尚未达到目标）。"
    )
    scoped = tier_verdicts(short, ReportParams(data="x", prefecture="hengyang"))
    assert "不单独判断是否达标" in scoped[0] and "已达到" not in "".join(scoped)


def test_report_summary_has_a_verdict_for_every_tier(report):
    summary = report.pages[2].replace("\n", "")
    for years in (1, 2, 3):
        line = re.search(rf"保持操守{years}年以上：已确认[^。]*。", summary)
        assert line and ("已达到目标" in line[0] or "尚未达到目标" in line[0]), years


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [
        ((0.64, 0.53, 0.85, 101, 51, 135, 467), ("helps", "fairly_sure")),
        ((0.87, 0.80, 0.96, 14, -1, 40, 917), ("unclear_mixed", "not_sure")),  # 311: disagree
        ((1.07, 1.00, 1.14, -12, -36, 7, 738), ("unclear_harm_side", "not_sure")),
        ((0.95, 0.80, 1.10, 3, -20, 25, 500), ("unclear", "not_sure")),
        ((0.92, 0.84, 1.01, -8, -22, 10, 900), ("unclear_mixed", "not_sure")),  # opposite ways
        ((1.30, 1.10, 1.60, -40, -70, -10, 500), ("may_harm", "fairly_sure")),
        ((0.80, 0.70, 0.90, -5, -20, -1, 500), ("may_harm", "not_sure")),  # days harmful
        ((0.60, 0.50, 0.70, np.nan, np.nan, np.nan, 500), ("unclear_one", "not_sure")),
        ((0.60, 0.50, 0.70, 40, 10, 70, 5), ("not_estimable", "too_few")),
    ],
)
def test_support_verdicts_reconcile_the_two_measures(numbers, expected):
    *values, n = numbers
    assert reconcile(*values, n, 10) == expected


def test_support_ranking_is_by_extra_days_and_worded_in_the_summary(report):
    eff = pd.DataFrame(
        {"code": ["employment_311", "financial_aid", "precise_support", "job_placement"],
         "n_exposed": [917, 467, 738, 4], "hr": [0.87, 0.64, 1.07, 0.5],
         "hr_lower": [0.80, 0.53, 1.00, 0.3], "hr_upper": [0.96, 0.85, 1.14, 0.8],
         "rmst_diff_days": [14.0, 101.0, -12.0, 80.0], "rmst_diff_lower": [-1.0, 51.0, -36.0, 9.0],
         "rmst_diff_upper": [40.0, 135.0, 7.0, 150.0]}
    )  # fmt: skip
    v = support_verdicts(eff, 10)
    assert list(v["code"]) == [
        "financial_aid",
        "employment_311",
        "precise_support",
        "job_placement",
    ]
    assert list(v["verdict"]) == ["helps", "unclear_mixed", "unclear_harm_side", "not_estimable"]
    # the summary (its opening answers push the verdict table to page 3 or 4) speaks from the
    # target trials (docs/report_wording.md): their rule and verdict words, not the HR table's
    text = "".join(report.pages[2:4]).replace("\n", "")
    assert "判断规则" in text and "E值" not in text and "E-value" not in text
    words = [t(f"tv_verdict_{x}", "zh") for x in ("lower", "higher", "no_clear_difference")]
    assert any(w in text for w in [*words, "不作判断", "无法判断"])
    assert t("cap_support_verdicts", "zh") not in text


# --- figures --------------------------------------------------------------------------------------


def _crowded_regions() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The issue's crowded funnel: 湘潭/益阳/株洲 close together, long names, all flags."""
    from workbench.programme.regions import RegionComparison

    codes_ = ["xiangtan", "yiyang", "zhuzhou", "xiangxi", "chenzhou", "huaihua", "changsha",
              "hengyang", "loudi", "zhangjiajie"]  # fmt: skip
    n = np.array([205, 210, 214, 198, 200, 277, 478, 403, 246, 116], float)
    adjusted = np.array([0.60, 0.601, 0.599, 0.47, 0.472, 0.41, 0.46, 0.484, 0.60, 0.656])
    flag = ["watch", "watch", "watch", "", "", "worse", "worse", "", "watch", "watch"]
    table = pd.DataFrame(
        {"code": codes_, "n": n, "observed": adjusted, "expected": 0.53, "adjusted": adjusted,
         "flag": flag}
    )  # fmt: skip
    comp = RegionComparison(table, 0.53, 12.0, "")
    return table, comp.funnel()


def _figures(lang: str):
    curve = pd.DataFrame(
        {"time": np.linspace(0, 1095, 60), "estimate": np.linspace(1, 0.41, 60)}
    ).assign(lower=lambda d: d["estimate"] - 0.02, upper=lambda d: d["estimate"] + 0.02)
    milestones = pd.DataFrame({"months": [12, 24, 36], "estimate": [0.53, 0.46, 0.41]})
    tiers = _tiers([10_512, 7_021, 4_251], [11_230.0, 8_000.0, 7_580.0])
    regions, limits = _crowded_regions()
    arms = pd.concat(
        [curve.assign(arm="fin", group=g, estimate=curve["estimate"] - 0.05 * g) for g in (0, 1)]
    )
    return {
        "arms": figures.draw_arm_curves(arms, lang),
        "curve": figures.draw_retention_curve(curve, milestones, lang),
        "tiers": figures.draw_tiers(tiers, lang),
        "funnel": figures.draw_funnel(regions, limits, 0.53, lang),
    }


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_figures_have_no_overlapping_text_and_no_legend_over_data(lang):
    for name, fig in _figures(lang).items():
        assert figures.layout_problems(fig) == [], name
    funnel = _figures(lang)["funnel"]
    labels = {x.get_text() for x in funnel.axes[0].texts}
    assert labels == {
        figures.short_name(c, lang)
        for c in ("xiangtan", "yiyang", "zhuzhou", "huaihua", "changsha", "loudi", "zhangjiajie")
    }  # fmt: skip  (only flagged areas are labelled)
    low, high = funnel.axes[0].get_ylim()
    assert 0.30 < low and high < 0.75  # fitted to the data, not 0–100 %


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_figures_are_embedded_as_pngs_printed_at_their_drawn_size(lang, tmp_path):
    from PIL import Image

    from workbench.reporting.markup import figure_html
    from workbench.reporting.render import document, write_pdf

    fig = _figures(lang)["funnel"]
    tag = figures.image(fig, 'Funnel "plot" <1>')
    png = Image.open(io.BytesIO(base64.b64decode(re.search(r"base64,([^\"]+)\"", tag)[1])))
    assert png.format == "PNG" and png.mode == "RGB"  # no alpha channel for the PDF to split off
    ref = io.BytesIO()  # matplotlib's own PNG of the figure: the same pixels
    fig.savefig(ref, format="png", dpi=figures.DPI, bbox_inches="tight", facecolor="white")
    assert Image.open(ref).convert("RGB").tobytes() == png.tobytes()
    fig.set_dpi(figures.DPI)  # text extents depend a little on the resolution (glyph hinting)
    box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(
        matplotlib.rcParams["savefig.pad_inches"]
    )
    assert abs(png.width / figures.DPI - box.width) <= 1.0 / figures.DPI  # a pixel of rounding
    assert abs(png.height / figures.DPI - box.height) <= 1.0 / figures.DPI
    width_pt = float(re.search(r"width:([\d.]+)pt", tag)[1])
    assert width_pt == pytest.approx(png.width / figures.DPI * 72, abs=0.05)  # written to 0.1 pt
    assert 'alt="Funnel &quot;plot&quot; &lt;1&gt;"' in tag
    assert 'alt="Caption &amp; more"' in figure_html(figures.image(fig), "Caption & more")
    write_pdf(document(figure_html(tag, "x"), lang, "Report"), tmp_path / "fig.pdf")
    page = pypdf.PdfReader(str(tmp_path / "fig.pdf")).pages[0]
    (image,) = page.images  # printed at its own pixels: no resampling by the PDF engine
    assert image.image.size == png.size


def test_report_body_is_the_cells_html_outputs_and_nbconverts_otherwise():
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from workbench.reporting.render import _nbconvert_body, notebook_body

    def text(body: str) -> str:
        return re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", body)))

    cell = new_code_cell("x", outputs=[
        new_output("stream", name="stdout", text="a log line"),
        new_output("display_data", data={"text/html": "<p>Alpha &amp; 1</p>", "text/plain": "A"}),
        new_output("execute_result", data={"text/html": "<p>\nBeta</p>"}, execution_count=1),
    ])  # fmt: skip
    nb = new_notebook(cells=[new_markdown_cell("# a heading"), cell, new_code_cell("y")])
    nb = nbformat.from_dict(nb)
    body = notebook_body(nb)
    assert text(body) == "Alpha&1Beta" == text(_nbconvert_body(nb))  # what nbconvert shows
    assert body.index("Alpha") < body.index("Beta")
    pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg=="
    nb.cells[1].outputs.append(new_output("display_data", data={"image/png": pixel}))  # no HTML
    body = notebook_body(nb)
    assert "data:image/png;base64," + pixel in body and text(body) == "Alpha&1Beta"


def test_layout_check_catches_overlaps_and_covered_data():
    fig = figures._figure("en")
    ax = fig.subplots()
    ax.scatter([0.5], [0.5])
    ax.text(0.1, 0.1, "Xiangxi Tujia and Miao Autonomous Prefecture")
    ax.text(0.12, 0.1, "Chenzhou")
    ax.legend(["points"], loc="center")
    problems = figures.layout_problems(fig)
    assert any("overlaps" in p for p in problems) and "legend covers points" in problems


# --- print layout ---------------------------------------------------------------------------------


def _tables(page_html: str) -> list[tuple[str, str]]:
    """(caption, first cell) of every table in the report HTML."""
    out = []
    for caption, body in re.findall(
        r"<caption>(.*?)</caption>.*?<tbody>(.*?)</tbody>", page_html, re.S
    ):
        first = re.search(r"<td[^>]*>(.*?)</td>", body, re.S)
        out.append((html.unescape(caption), html.unescape(first[1]) if first else ""))
    return out


def test_captions_stay_with_their_tables(report):
    squeezed = [p.replace("\n", "").replace(" ", "") for p in report.pages]
    tables = _tables(report.out.html.read_text("utf-8"))
    assert len(tables) >= 8
    for caption, first in tables:
        cap, cell = caption.replace(" ", ""), first.replace(" ", "")
        pages = [i for i, p in enumerate(squeezed) if cap in p]
        assert pages, caption
        assert any(cell in squeezed[i] for i in pages), (caption, first, pages)


def test_numbers_never_wrap(report):
    page_html = report.out.html.read_text("utf-8")
    cells = {html.unescape(c) for c in re.findall(r'<td class="wb-num">(.*?)</td>', page_html)}
    cells = {c for c in cells if re.search(r"\d[–至]|\d\D*至", c)}  # intervals: "0.80–0.96"
    assert cells
    lines = [ln.replace(" ", "") for p in report.pages for ln in p.splitlines()]
    for cell in cells:
        assert any(cell.replace(" ", "") in ln for ln in lines), cell


def _ink_depth(pdf: Path, root: Path) -> list[float]:
    """Per page, how far down the text area the last ink reaches (0 = empty, 1 = full)."""
    subprocess.run(["pdftoppm", "-r", "20", "-gray", str(pdf), str(root / "pg")], check=True)
    depths = []
    for f in sorted(root.glob("pg-*.pgm")):
        raw = f.read_bytes()
        header = raw.split(b"\n", 3)
        w, h = map(int, header[1].split())
        img = np.frombuffer(header[3][-w * h :], np.uint8).reshape(h, w)
        top, bottom = int(h * 30 / 297), int(h * (297 - 25) / 297)  # header and footer bands
        rows = np.nonzero((img[top:bottom] < 200).any(axis=1))[0]
        depths.append(0.0 if len(rows) == 0 else (rows[-1] + 1) / (bottom - top))
    return depths


def test_no_page_under_a_quarter_full_except_a_sections_last(report, tmp_path):
    depths = _ink_depth(report.out.pdf, tmp_path)
    headings = [t(k, "zh") for k in ("sec_summary", "sec_coverage", "sec_retention",
                                     "sec_tiers", "sec_risk", "sec_effects", "sec_regions",
                                     "sec_competing", "sec_methods", "sec_provenance")]  # fmt: skip
    for i, depth in enumerate(depths[:-1]):
        nxt = report.pages[i + 1].splitlines()
        starts_section = any(line.strip() in headings for line in nxt[:3])
        assert depth >= 0.25 or starts_section, f"page {i + 1} is {depth:.0%} full"


# --- plain Chinese ----------------------------------------------------------------------------------


def test_chinese_text_has_no_english_keys_paths_or_e_notation(report):
    body = _body(report.pages)
    assert not re.search(r"\d(?:\.\d+)?e-?\d", body), re.search(r".{20}\de-?\d.{5}", body)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", body), re.search(r"\b[a-z]+_[a-z_]+\b", body)
    assert not re.search(r"p=\d", body), re.search(r".{20}p=\d.{5}", body)  # "p = 0.046"
    assert "logistic" not in body and "ATE" not in body
    assert "标志点" not in body
    appendix = "".join(report.pages).split(t("sec_provenance", "zh"))[-1]
    assert str(report.data) not in appendix.replace("\n", "")  # the folder name only
    for key in ("n_bootstrap", "suppression_threshold", "landmark_day", "release_start"):
        assert key not in appendix, key


def test_metrics_counts_are_whole_numbers_and_notes_in_chinese(report):
    m = json.loads(report.out.metrics.read_text("utf-8"))
    for tier in m["tiers"].values():
        assert isinstance(tier["target"], int)
        assert tier["projected"] is None or isinstance(tier["projected"], int)
    assert m["notes"] and all(re.search(r"[\u4e00-\u9fff]", n) for n in m["notes"]), m["notes"]


def test_hazard_ratios_keep_what_two_decimals_would_hide():
    from workbench.reporting.model_sections import hr_cells, plain_p

    assert hr_cells(0.990167, 0.985017, 0.995343) == ("0.990", "0.985–0.995")
    assert hr_cells(0.87, 0.80, 0.96) == ("0.87", "0.80–0.96")
    assert hr_cells(1.002, 0.99, 1.01) == ("1.00", "0.99–1.01")  # no effect: 1.00 is honest
    assert plain_p("作用似乎随时间变化（p=8.29e-05）") == "作用似乎随时间变化（p < 0.001）"
    assert plain_p("(p=0.0457)") == "(p = 0.046)"


# --- fonts -----------------------------------------------------------------------------------------


def test_english_report_prints_without_the_chinese_font(monkeypatch, tmp_path):
    from workbench.reporting.render import document, write_pdf

    def missing(bold: bool = False):
        raise ReportError("the Chinese font Noto Sans CJK SC was not found")

    monkeypatch.setattr(fonts, "cjk_font_path", missing)
    fig = _figures("en")["funnel"]
    assert figures.layout_problems(fig) == []
    page = document(f"<p>Retention 53.2%</p>{figures.image(fig)}", "en", "Report")
    write_pdf(page, tmp_path / "en.pdf")
    names = {
        str(f.get_object()["/BaseFont"])
        for p in pypdf.PdfReader(str(tmp_path / "en.pdf")).pages
        for f in p["/Resources"]["/Font"].values()
    }
    assert names and all("DejaVu" in n for n in names), names


def test_chinese_report_fails_in_seconds_with_the_install_command(monkeypatch, tmp_path):
    import workbench.reporting.execute as execute

    monkeypatch.setattr(fonts, "DEBIAN_PATHS", (tmp_path / "none.ttc",))
    monkeypatch.setattr(fonts, "_fc_list", lambda weight, family=fonts.FAMILY: None)
    monkeypatch.setattr(execute, "analyse", lambda params, **kw: pytest.fail("analysis started"))
    fonts.cjk_font_path.cache_clear()
    try:
        with pytest.raises(ReportError, match=r"apt-get install fonts-noto-cjk"):
            build_report(ReportParams(data=str(tmp_path)), tmp_path / "out")
    finally:
        fonts.cjk_font_path.cache_clear()
    assert not (tmp_path / "out").exists()


def test_english_summary_words_match_the_tables(report):
    from workbench.reporting.sections import regions_table
    from workbench.reporting.summary import executive_summary

    params = ReportParams.from_mapping({**report.params.to_mapping(), "lang": "en"})
    results = analyse(params)  # cached by the zh run: same analysis
    text = html.unescape(executive_summary(results, params).html)
    assert "SIMULATED" in text.upper() and "E-value" not in text
    if results.regions is not None:
        flags = set(regions_table(results, params)[0][t("col_flag", "en")])
        assert flags <= {t(f"flag_{c}", "en") for c in ("better", "as_expected", "worse")}
