"""Figures: titles, axis labels, legends, the at-risk table with suppression, CJK font in PDFs."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from workbench.exceptions import ParameterError
from workbench.plots import (
    at_risk_counts,
    cif_plot,
    forest_plot,
    funnel_plot,
    retention_curves,
    suppress,
    tiers_plot,
)
from workbench.retention.competing import AalenJohansen
from workbench.retention.km import KaplanMeier
from workbench.risk.cox import CoxModel


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _km_curves():
    rng = np.random.default_rng(2)
    out = []
    for label, n, scale in (("男", 200, 500.0), ("女", 12, 900.0)):
        t = np.minimum(rng.exponential(scale, n), 1095.75)
        out.append(KaplanMeier().fit(t, (t < 1095.75).astype(int), label=label).curve())
    return pd.concat(out, ignore_index=True)


def test_legend_beside_the_curves_with_a_ci_entry_only_when_a_band_is_drawn():
    from workbench.reporting.figures import layout_problems

    banded = retention_curves(_km_curves(), lang="zh", at_risk=False)
    legend = banded.get_legend()
    assert [t.get_text() for t in legend.get_texts()][-1] == "95%置信区间"
    fig = banded.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box, frame = legend.get_window_extent(renderer), banded.get_window_extent(renderer)
    assert box.x0 >= frame.x1  # outside the axes, on the right
    assert layout_problems(fig) == []
    plain = retention_curves(
        _km_curves().drop(columns=["lower", "upper"]), lang="zh", at_risk=False
    )
    assert "95%置信区间" not in [t.get_text() for t in plain.get_legend().get_texts()]


def test_many_curves_get_distinct_colours():
    curves = pd.concat(
        [pd.DataFrame({"time": [0.0, 400.0], "estimate": [1.0, 0.5 + i / 40], "label": f"g{i}"})
         for i in range(14)],
        ignore_index=True,
    )  # fmt: skip
    ax = retention_curves(curves, at_risk=False)
    colours = {tuple(line.get_color()) for line in ax.get_lines()}
    assert len(colours) == 14


def _pdf_fonts(path):
    fonts = set()
    for page in PdfReader(path).pages:
        for f in page["/Resources"]["/Font"].values():
            fonts.add(str(f.get_object()["/BaseFont"]))
    return fonts


def test_chinese_retention_figure_embeds_cjk_font(tmp_path):
    ax = retention_curves(_km_curves(), lang="zh")
    assert ax.get_title() == "操守保持曲线"
    assert ax.get_xlabel() == "出所后月数"  # the unit is the word: not "（月）" again
    assert ax.get_ylabel() == "操守保持率"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["男", "女", "95%置信区间"]
    path = tmp_path / "retention_zh.pdf"
    ax.figure.savefig(path)
    assert any("NotoSansCJK" in f for f in _pdf_fonts(path)), _pdf_fonts(path)


def test_at_risk_table_suppresses_small_counts():
    curves = _km_curves()
    ax = retention_curves(curves, lang="en")
    texts = [t.get_text() for t in ax.texts if t.get_gid() == "at_risk"]
    assert len(texts) == 2 * 7  # two groups x months 0, 6, ..., 36
    counts = at_risk_counts(curves)
    assert counts.loc["女", 0] == 12
    assert counts.loc["男", 0] == 200
    # the women's row starts at 12 and drops below 10: those cells read "<10"
    assert "<10" in texts[7:]
    assert texts[0] == "200" and texts[7] == "12"
    title = [t.get_text() for t in ax.texts if t.get_gid() == "at_risk_title"]
    assert title == ["Number at risk"]
    for n in counts.to_numpy().ravel():
        if 0 <= n < 10:
            assert suppress(n) == "<10"


def test_curve_labels_from_codes():
    km = KaplanMeier().fit([10.0, 20.0, 30.0], [1, 0, 1], label="heroin")
    ax = retention_curves(km.curve(), lang="zh", kind="primary_drug")
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "海洛因"
    assert [t.get_text() for t in ax.texts if t.get_gid() == "at_risk_label"] == ["海洛因"]


def test_at_risk_counts_hand_checked():
    frame = pd.DataFrame(
        {
            "time": [0.0, 100.0, 200.0, 400.0],
            "estimate": [1, 0.9, 0.8, 0.7],
            "n_risk": [50, 50, 40, 11],
            "label": "a",
        }
    )
    counts = at_risk_counts(frame, months=[0, 6, 12, 24])
    # 6 months = 182.6 d -> first time >= it is 200 (40); 12 months = 365.25 -> 400 (11); 24 -> none
    np.testing.assert_allclose(counts.loc["a"].to_numpy(), [50, 40, 11, 0])


def test_cif_plot_labels_causes():
    aj = AalenJohansen().fit([100, 200, 300, 400, 500, 600], [1, 2, 1, 0, 1, 2])
    ax = aj.plot()
    assert ax.get_title() == "Cumulative incidence of relapse and death"
    assert ax.get_ylabel() == "Cumulative incidence"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:2] == ["relapse", "death"]
    ax = cif_plot(aj.curve("relapse"), lang="zh")
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "复吸"


def test_forest_plot_hr_and_time_ratio():
    table = pd.DataFrame(
        {
            "label": ["sex: female (vs male)", "age (years)"],
            "hr": [0.7, 1.02],
            "lower": [0.5, 1.0],
            "upper": [0.98, 1.04],
            "p": [0.03, 0.04],
        }
    )
    ax = forest_plot(table, lang="en")
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["sex: female (vs male)", "age (years)"]
    assert ax.get_title() == "Hazard ratios (95% CI)"
    assert ax.get_legend() is not None
    ax = forest_plot(table.rename(columns={"hr": "time_ratio"}), lang="zh")
    assert ax.get_title() == "时间比（95%置信区间）"
    with pytest.raises(ParameterError, match="forest plot needs columns"):
        forest_plot(table.drop(columns="hr"))


def test_model_forest_plots_in_chinese():
    rng = np.random.default_rng(8)
    n = 400
    frame = pd.DataFrame(
        {
            "sex": rng.choice(["male", "female"], n, p=[0.8, 0.2]),
            "primary_drug": rng.choice(["heroin", "methamphetamine"], n),
            "t": rng.exponential(500, n).round(),
            "person_id": np.arange(n),
        }
    )
    frame["e"] = (frame["t"] < 1000).astype(int)
    frame["t"] = frame["t"].clip(upper=1000)
    cox = CoxModel(["sex", "primary_drug"], reference={"primary_drug": "heroin"})
    cox.fit(frame, "t", "e")
    ax = cox.plot(lang="zh")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["性别: 女（对照：男）", "主要滥用毒品: 甲基苯丙胺（冰毒）（对照：海洛因）"]
    assert ax.get_xlabel() == "风险比（对数刻度）"
    # the markers sit at the hazard ratios
    np.testing.assert_allclose(ax.lines[0].get_xdata(), cox.summary()["hr"].to_numpy())


def test_funnel_plot_marks_flagged_regions():
    table = pd.DataFrame(
        {
            "code": ["changsha", "loudi", "yiyang"],
            "n": [2000, 300, 800],
            "adjusted": [0.55, 0.40, 0.56],
            "flag": ["", "worse", ""],
        }
    )
    ax = funnel_plot(table, overall=0.55, lang="zh")
    assert ax.get_title() == "12个月操守保持率（风险调整）"
    assert [t.get_text() for t in ax.texts] == ["娄底市"]
    assert ax.get_legend() is not None and ax.get_xlabel() == "出所人数（人）"
    with pytest.raises(ParameterError, match="funnel plot needs"):
        funnel_plot(table)


def test_funnel_plot_from_region_comparison():
    from workbench.programme.regions import RegionComparison

    table = pd.DataFrame(
        {
            "code": ["huaihua", "changde"],
            "n": [900, 400],
            "adjusted": [0.62, 0.50],
            "flag": ["better", ""],
        }
    )
    ax = funnel_plot(RegionComparison(table, 0.55, 24.0, "test"), lang="en")
    assert ax.get_title() == "Risk-adjusted 24-month retention"
    assert [t.get_text() for t in ax.texts] == ["Huaihua"]
    upper95 = ax.lines[0]
    n, y = upper95.get_xdata(), upper95.get_ydata()
    np.testing.assert_allclose(y, 0.55 + 1.959963984540054 * np.sqrt(0.55 * 0.45 / n), rtol=1e-12)
    assert upper95.get_label() == "95% limits"


def test_tiers_plot_targets_and_suppression():
    tiers = pd.DataFrame(
        {
            "group": "all",
            "years": [1, 2, 3],
            "observed": [8200, 700, 4],
            "projected": [10400.0, 980.0, 60.0],
            "target": [10000, 1000, 100],
        }
    )
    ax = tiers_plot(tiers, lang="en")
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["8,200", "700", "<10", "10,400", "980", "60"]
    # no bar for the suppressed count: its height would reveal it
    heights = sorted(round(p.get_height()) for p in ax.patches)
    assert heights == [60, 700, 980, 8200, 10400]
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "Abstinence tiers against targets"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "target",
        "observed",
        "projected",
    ]
    with pytest.raises(ParameterError, match="no tier rows for group 'x'"):
        tiers_plot(tiers, group="x")


def test_km_plot_draws_curve_band_and_table():
    km = KaplanMeier().fit([30.0, 200.0, 400.0, 800.0] * 5, [1, 0, 1, 0] * 5, label="all")
    ax = km.plot()
    line = ax.get_lines()[0]
    # x in months: the first drop is at 30 days
    np.testing.assert_allclose(line.get_xdata()[:2], [0, 30 / (365.25 / 12)])
    np.testing.assert_allclose(line.get_ydata()[:2], [1, 0.75])
    assert len(ax.collections) == 1  # the CI band
    assert [t.get_text() for t in ax.texts if t.get_gid() == "at_risk"][:2] == ["20", "15"]


def test_given_axes_are_used_and_returned():
    fig, ax = plt.subplots()
    assert retention_curves(_km_curves(), ax=ax, at_risk=False) is ax
    with pytest.raises(ParameterError, match="language 'fr' is not one of zh, en"):
        retention_curves(_km_curves(), lang="fr")
