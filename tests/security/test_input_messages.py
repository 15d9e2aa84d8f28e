"""Red team of official outputs (issue #15 item 4): failure messages carry no data values into
summary.csv or index.html (allow-list: our templates with file, row and column names), and no CSV
we write starts a cell with a spreadsheet formula."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from attack_tools import edit_table, run, small_dataset

from workbench.exceptions import DataError, ParameterError

SHIFTED_ID = "430102199001011235"  # a resident-ID number with a wrong check digit


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_dataset(tmp_path_factory.mktemp("messages") / "data", n=60)


def test_public_message_keeps_the_template_and_drops_values():
    from workbench.privacy.public import GENERIC, PLACEHOLDER, public_message

    err = DataError(
        f"visits.csv row 7: release_id {SHIFTED_ID} is not in releases.csv (expected an id "
        "listed in releases.csv); correct the id or add the release.",
        value=SHIFTED_ID,
    )
    assert public_message(err) == (
        f"visits.csv row 7: release_id {PLACEHOLDER} is not in releases.csv (expected an id "
        "listed in releases.csv); correct the id or add the release."
    )
    err = ParameterError("/home/ana/p.yaml: prefecture 'zhang san 13912345678' is not known")
    assert public_message(err) == f"p.yaml: prefecture '{PLACEHOLDER}' is not known"
    assert public_message(KeyError("root:x:0:0:root:/root:/bin/bash")) == GENERIC
    assert public_message(MemoryError()) == GENERIC


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("releases.csv row 3: 备注 has 联系 13912345678 here", "13912345678"),
        ("a.csv: cell a.b@x.org is odd", "a.b@x.org"),
        ("x: 11010519491231002X", "11010519491231002X"),
        ("x: card 6222020200112233445", "6222020200112233445"),
        ("/srv/secret/cases/zhang-san/releases.csv: not found", "zhang-san"),
        ("events.csv row 9: person_id 张三 appears twice", "张三"),
        ('p.yaml: name "=HYPERLINK(1)" is bad', "HYPERLINK"),
        ("a\x1b[2Jb\nsecond line", "\x1b"),
    ],
)
def test_scrub_hides_values_identifiers_and_directories(text, secret):
    from workbench.privacy.public import scrub

    shown = scrub(text)
    assert secret not in shown and "\n" not in shown and len(shown) <= 300


def test_scrub_keeps_our_wording_and_numbers():
    from workbench.privacy.public import scrub

    text = ("releases.csv row 1,234 (and 5 more rows): birth_year is too large (expected a number "
            "from 1900 to 2030); save it again as 'CSV UTF-8'.")  # fmt: skip
    assert scrub(text) == text


def test_formula_prefixes_are_neutralised():
    from workbench.privacy.public import neutral_csv

    frame = pd.DataFrame({"a": ["=1+2", "+1", "-cmd", "@SUM(A1)", "\tx", "\rx", "ok"],
                          "n": [-1.5, 2, 3, 4, 5, 6, 7]})  # fmt: skip
    out = neutral_csv(frame)
    assert list(out["a"]) == ["'=1+2", "'+1", "'-cmd", "'@SUM(A1)", "'\tx", "'\rx", "ok"]
    assert list(out["n"]) == list(frame["n"])  # numbers stay numbers


def test_cohort_csv_neutralises_formulas_in_data_cells(data, tmp_path):
    copy = shutil.copytree(data, tmp_path / "d")
    for table in ("releases", "visits", "interventions", "events"):
        edit_table(copy, table, lambda f: f.__setitem__("release_id", "=" + f["release_id"]))
    res = run(["cohort", str(copy), "--out", str(tmp_path / "c.csv")])
    assert res.code == 0, res.err
    cells = pd.read_csv(tmp_path / "c.csv", dtype=str)["release_id"]
    assert cells.str.startswith("'=").all()


def test_batch_summary_and_index_hold_no_values_and_no_formulas(data, tmp_path):
    broken = shutil.copytree(data, tmp_path / "broken")
    with open(broken / "visits.csv", "a", encoding="utf-8") as fh:
        fh.write(f"{SHIFTED_ID},2019-06-01,6,negative\n")
    batch = tmp_path / "b.yaml"
    batch.write_text(
        "name: b\nruns:\n"
        f'  - {{data: {broken}, name: "=1+2"}}\n'
        f"  - {{data: {data}, name: p2, prefecture: '{SHIFTED_ID}'}}\n",
        encoding="utf-8",
    )
    res = run(["batch", str(batch), "--out", str(tmp_path / "out"), "--workers", "2"])
    assert res.code == 1, res.err
    assert SHIFTED_ID in res.out  # the analyst's console has the whole message
    summary = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8")
    index = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    for text in (summary, index):
        assert SHIFTED_ID not in text and str(tmp_path) not in text
    frame = pd.read_csv(tmp_path / "out" / "summary.csv", dtype=str)
    # run names are stable file-safe names (#22): "=1+2" becomes "_1_2", never a formula
    assert list(frame["name"]) == ["_1_2", "p2"]
    assert frame["error"].str.contains("is not in releases.csv", regex=False).iloc[0]
    cells = frame.fillna("").to_numpy().ravel()
    assert not [
        c for c in cells if c.startswith(("=", "+", "-", "@"))
    ]  # no cell a spreadsheet runs
