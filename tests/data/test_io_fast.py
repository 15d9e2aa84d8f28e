"""The pyarrow CSV path of load_dataset reads exactly what pandas' parser reads (or defers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from workbench.data import io, read

HEADER = "release_id,visit_date,scheduled_month,result\n"
CASES = {
    "plain": HEADER + "R1,2018-07-01,6,negative\nR2,2018-08-01,,missed\n",
    "bom": "\ufeff" + HEADER + "R1,2018-07-01,6,negative\n",
    "na_words": HEADER + "R1,NA,N/A,null\nR2,None,nan,NULL\nR3,n/a,NaN,\n",
    "spaces": HEADER + " R1 ,2018-07-01 , 6,\u3000negative\u3000\n   ,  ,  ,  \n",
    "quoted": HEADER + '"R,1","2018-07-01","6","neg ""x"""\n"NA",,"",x\n',
    "blank_line": HEADER + "R1,2018-07-01,6,negative\n\nR2,2018-08-01,12,positive\n",
    "short_row": HEADER + "R1,2018-07-01\nR2,2018-08-01,12,positive\n",
    "crlf": HEADER.replace("\n", "\r\n") + "R1,2018-07-01,6,negative\r\n",
    "chinese": "编号,日期,月,结果\n甲1,2018年7月1日,6,阴性\n",
    "no_final_newline": HEADER + "R1,2018-07-01,6,negative",
    "header_only": HEADER,
}


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as object columns with NaN for missing (pandas' reader's form)."""
    cols = {c: np.asarray(frame[c].astype(object), dtype=object) for c in frame.columns}
    out = pd.DataFrame(cols, index=frame.index, columns=frame.columns)
    return out.where(out.notna(), np.nan)


@pytest.mark.parametrize("case", sorted(CASES))
def test_fast_csv_reads_the_same_cells_rows_and_repairs(tmp_path, case):
    path = tmp_path / "visits.csv"
    path.write_bytes(CASES[case].encode("utf-8"))
    slow, slow_notes = read.read_raw(path, "visits")
    fast, fast_notes = read.read_raw(path, "visits", fast=True)
    pd.testing.assert_frame_equal(_plain(fast), _plain(slow), check_index_type=False)
    assert fast_notes == slow_notes


def test_fast_csv_reads_gb18030_through_pandas(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_bytes(CASES["chinese"].encode("gb18030"))
    frame, notes = read.read_raw(path, "visits", fast=True)
    assert frame.loc[2, "结果"] == "阴性"
    assert notes == ["visits.csv: read as GB18030 (Chinese Windows) text."]


def test_fast_csv_leaves_a_repeated_header_to_pandas_message(tmp_path):
    path = tmp_path / "visits.csv"
    path.write_text("release_id,result,result\nR1,negative,negative\n", encoding="utf-8")
    with pytest.raises(ValueError, match="the header result appears more than once"):
        read.read_raw(path, "visits", fast=True)


def test_fast_csv_leaves_a_long_row_to_pandas_message(tmp_path):
    path = tmp_path / "visits.csv"
    rows = "R1,2018-07-01,6,negative\nR2,2018-08-01,12,positive,extra\n"
    path.write_text(HEADER + rows, encoding="utf-8")
    with pytest.raises(ValueError, match="row 3: the row has 5 cells but the header has 4"):
        read.read_raw(path, "visits", fast=True)


def test_load_dataset_same_with_and_without_the_fast_reader(monkeypatch, tmp_path):
    from workbench.simulate import simulate, write_simulation

    folder = write_simulation(simulate(n=300, seed=7), tmp_path / "d")
    fast = io.load_dataset(folder)
    monkeypatch.setattr(read, "_arrow_frame", lambda path: None)
    slow = io.load_dataset(folder)
    for table in ("releases", "visits", "interventions", "events"):
        pd.testing.assert_frame_equal(getattr(fast, table), getattr(slow, table))
    assert fast.repairs == slow.repairs
    assert fast.cutoff == slow.cutoff
