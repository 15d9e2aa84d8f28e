"""display: whole tables with headers and codes in the reader's language, numbers as a reader
wants them, paging that says which rows are shown, figures with alt text."""

from __future__ import annotations

import re

import matplotlib
import numpy as np
import pandas as pd
import pytest

from workbench import display

matplotlib.use("Agg")


@pytest.mark.parametrize(
    ("value", "kwargs", "text"),
    [
        (3000.0, {"whole": True}, "3,000"),
        (np.int64(1515), {}, "1,515"),
        (0.5, {}, "0.5"),
        (0.12345, {}, "0.123"),
        (-9.7e-17, {}, "0"),  # rounding noise of a balanced SMD
        (-0.0001, {"digits": 3}, "-1.0e-04"),
        (2.3e-10, {}, "2.3e-10"),  # a small p-value keeps its size
        (np.nan, {}, "–"),
        (pd.Timestamp("2022-12-31"), {}, "2022-12-31"),
    ],
)
def test_number(value, kwargs, text):
    assert display.number(value, **kwargs) == text


def test_table_translates_headers_codes_and_keeps_every_row_and_character():
    long = "x" * 300
    frame = pd.DataFrame(
        {
            "n_releases": [3000.0, 12.0, 3012.0],
            "prefecture": ["changsha", "xiangxi", "all"],
            "coverage": [0.857, np.nan, 0.85],
            "notes": [long, "", ""],
        }
    )
    shown = display.table(frame, "zh", first=["prefecture", "coverage"])
    page = shown._repr_html_()
    headers = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", page)
    assert headers == ["市州", "照管覆盖率", "出所人数", "说明"]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
    assert cells[:4] == ["长沙市", "0.857", "3,000", long]  # whole, not cut at 50 characters
    assert "湘西土家族苗族自治州" in cells and "合计" in cells and "–" in cells
    assert "Changsha" in repr(display.table(frame, "en"))  # the console view is whole too


def test_long_tables_are_paged_with_a_caption_not_cut():
    frame = pd.DataFrame({"n": np.arange(250)})
    first = display.table(frame, "en", rows=100)
    assert len(first.frame) == 100 and "rows 1–100 of 250 (page 1 of 3" in first.caption
    last = display.table(frame, "zh", rows=100, page=3)
    assert list(last.frame.iloc[:, 0]) == list(range(200, 250))
    assert last.caption.startswith("第201–250行，共250行")


def test_record_reads_a_wide_row_top_to_bottom():
    row = pd.DataFrame([{"hr": 0.8, "code": "job_placement", "balance": "achieved"}])
    shown = display.record(row, "zh", first=["code"])
    assert list(shown.frame.iloc[:, 0]) == ["帮扶措施", "风险比", "均衡"]
    assert list(shown.frame.iloc[:, 1]) == ["就业安置基地安置就业", 0.8, "已达标"]


def test_figure_is_shown_once_with_alt_text_and_its_texts(monkeypatch):
    import matplotlib.pyplot as plt

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="curve")
    ax.set_title("Retention")
    ax.set_xlabel("Months since release")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1))
    display.figure(ax, "en")
    (bundle,), kwargs = shown[0]
    meta = kwargs["metadata"]["image/png"]
    assert meta["alt"] == "Figure: Retention · Months since release · curve"
    assert 'alt="Figure: Retention' in bundle["text/html"] and bundle["image/png"]
    assert "Retention" in meta["workbench"]["texts"]
    assert meta["workbench"]["layout_problems"] == []
    assert not plt.get_fignums()  # closed: the backend does not show it again


def test_p_values_read_below_0001_never_as_0():
    frame = pd.DataFrame({"by": ["sex", "age"], "p_value": [1e-80, 0.0423], "df": [1, 1]})
    cells = re.findall(r"<td[^>]*>(.*?)</td>", display.table(frame, "zh")._repr_html_())
    assert cells == ["sex", "&lt;0.001", "1", "age", "0.042", "1"]


def test_milestone_table_words_from_its_own_columns():
    """note and reason said again in the reader's language from the table's columns (day,
    identified, range), the method from the result's catalog parts; nothing English left."""
    from workbench.retention.table import milestone_table

    frame = pd.DataFrame(
        {"lower_day": [50.0, 120, 300, 364], "upper_day": [50.0, np.nan, 300, np.nan]}
    )
    frame = frame.assign(event=np.where(frame["upper_day"].notna(), "relapse", "censored"))
    table = milestone_table(frame, months=[3, 24], n_bootstrap=0)
    zh = display.table_frame(table, "zh")
    assert list(zh["原因"]) == [None, "超出随访期，不作估计"]  # 24 months: beyond day 364
    assert set(zh["方法"]) == {"Kaplan–Meier方法，log-log变换置信区间"}
    en = display.table_frame(table, "en")
    assert set(en["method"]) == set(table["method"])  # English: the engine's own words
    made = pd.DataFrame({"months": [12.0, 36.0], "day": [364.0, 1095.75], "estimate": [0.5, 0.4],
                         "identified": [True, False], "range_low": [0.5, 0.397],
                         "range_high": [0.5, 0.398], "note": ["x", "y"]})  # fmt: skip
    notes = list(display.milestone_words(made, "zh")["note"])
    assert notes == ["12个月按最后随访日（第364天）读取",
                     "第1095.75天的操守保持率不能唯一确定：NPMLE给出的范围为0.397至0.398"]  # fmt: skip


def test_groups_in_the_code_lists_order_with_their_sizes():
    frame = pd.DataFrame({"group": ["50+", "<30", "30-39", "40-49"], "n": [1, 2, 3, 4]})
    assert list(display.code_order(frame, "group", "age_group")["n"]) == [2, 3, 4, 1]
    line = display.counted(["50+", "<30"], [595, 2247], "age_group", "zh")
    assert line == "30岁以下（2,247人）、50岁及以上（595人）"
    assert display.counted(["b", "a"], [1, 2], "no_such_kind", "en") == "a (2), b (1)"


def test_prose_follows_lang_and_fills_lists_and_thresholds():
    zh = display.prose("nbp03_subgroups", "zh").data
    assert zh.startswith("## 5. 亚组") and "至少需要10名接受帮扶者" in zh
    en = display.prose("nbp05_retention", "en", last_day=364, months=[3, 6, 9]).data
    assert "Follow-up ends by day 364" in en and "3, 6, 9 months" in en


def test_a_model_table_shows_its_words_not_its_codes(small_sim):
    """A model's summary keeps its `term` codes (sex[female]) for code that reads it, but the shown
    table has only the words (it showed both); the PH test's `variable` codes likewise."""
    from workbench.cohort import build_cohort
    from workbench.risk.cox import CoxModel
    from workbench.risk.labels import ph_test_in, summary_in

    cohort = build_cohort(small_sim.dataset)
    model = CoxModel(covariates=["sex", "age"]).fit(cohort)
    for lang, label in (("zh", "性别: 女（对照：男）"), ("en", "sex: female (vs male)")):
        data = summary_in(model, lang)
        assert data["term"].tolist() == ["sex[female]", "age"]  # the data keep the codes
        page = display.table(data, lang, first=["label"])._repr_html_()
        cells = re.findall(r"<td[^>]*>(.*?)</td>", page)
        assert label in cells and "sex[female]" not in cells and "age" not in cells
        headers = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", page)
        assert headers[0] == display.header("label", lang) and "term" not in headers
        ph = display.table(ph_test_in(model, lang), lang, first=["label"])._repr_html_()
        ph_headers = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", ph)
        assert "variable" not in ph_headers and len(ph_headers) == 4  # label, chi-square, df, p
        assert ph_headers[0] == display.header("label", lang)


def test_sentences_start_with_a_capital_letter():
    # the catalog's support names are lower case for use inside a sentence ("job placement ...")
    shown = display.sentences(
        ["job placement at an employment base: not estimable.", "帮扶资金：不予估计。"]
    )
    assert (
        shown.data
        == "- Job placement at an employment base: not estimable.\n- 帮扶资金：不予估计。"
    )
