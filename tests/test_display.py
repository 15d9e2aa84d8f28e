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
