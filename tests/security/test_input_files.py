"""Red team of the table readers (issue #15 item 5): huge headers, too many columns, rows or
bytes, an xlsx zip bomb, mixed encodings, invisible characters, one person with two sexes."""

from __future__ import annotations

import shutil
import zipfile

import pandas as pd
import pytest
from attack_tools import edit_table, refused, small_dataset

from workbench.data import limits


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_dataset(tmp_path_factory.mktemp("files") / "data", n=80)


@pytest.fixture
def copy(data, tmp_path):
    return shutil.copytree(data, tmp_path / "d")


def test_a_million_column_header_is_refused_before_parsing(copy):
    (copy / "releases.csv").write_bytes(b",".join([b"c%d" % i for i in range(1_000_000)]) + b"\n")
    refused(["validate", str(copy)], r"releases\.csv: the header row is longer than 1024 KiB")


def test_two_thousand_columns_are_refused(copy):
    header = ",".join(f"c{i}" for i in range(2_000))
    (copy / "releases.csv").write_text(header + "\n" + "," * 1_999 + "\n", encoding="utf-8")
    refused(["validate", str(copy)], r"releases\.csv: the header has 2,000 columns")


def test_too_many_rows_and_too_many_bytes_are_refused(copy, monkeypatch):
    monkeypatch.setattr(limits, "MAX_ROWS", 50)
    refused(["validate", str(copy)], r"releases\.csv: the table has 80 rows \(expected at most 50")
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1_000)
    refused(["validate", str(copy)], r"releases\.csv: the file is 0\.0 GiB")


def test_an_xlsx_zip_bomb_is_refused_before_openpyxl_reads_it(copy, monkeypatch):
    monkeypatch.setattr(limits, "MAX_XLSX_BYTES", 20 << 20)  # the check, at a test-sized limit
    (copy / "releases.csv").unlink()
    bomb = copy / "releases.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * (30 << 20) + b"/>")
    assert bomb.stat().st_size < 100_000  # 30 MiB unpacked from a few kilobytes
    refused(["validate", str(copy)], r"releases\.xlsx: the workbook unpacks to 0\.0 GiB")


def test_a_gbk_cell_in_a_utf8_file_is_an_error_naming_the_row(copy):
    path = copy / "releases.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    lines[0] = lines[0].replace(b"sex", "性别".encode())  # UTF-8 Chinese in the header
    lines[7] = (
        lines[7]
        .replace(b",male,", ",男性,".encode("gbk"))
        .replace(b",female,", ",女性,".encode("gbk"))
    )  # (a lone 女 in GBK, C5 AE, happens to be valid UTF-8: Ů, then an unknown sex code)
    path.write_bytes(b"".join(lines))
    refused(["validate", str(copy)], r"releases\.csv row 8: the text is not UTF-8 but row 1 is")


def test_a_utf8_bom_file_with_one_gbk_cell_is_an_error(copy):
    path = copy / "visits.csv"
    raw = path.read_bytes().splitlines(keepends=True)
    raw[5] = raw[5].rstrip(b"\n").rsplit(b",", 1)[0] + b"," + "阴性".encode("gbk") + b"\n"
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(raw))
    refused(["validate", str(copy)], r"visits\.csv row 6: the text is not UTF-8 but row 1 is")


def test_a_zero_width_character_in_an_id_is_an_error(copy):
    def hide(frame):
        frame.loc[4, "release_id"] += "\u200b"  # spreadsheet row 6

    edit_table(copy, "releases", hide)
    refused(["validate", str(copy)], r"releases\.csv row 6: release_id .* invisible character "
            r"\(U\+200B\)")  # fmt: skip


def test_one_person_with_two_sexes_or_two_birth_years_is_an_error(copy):
    def twin(frame, column, value):
        frame.loc[1, "person_id"] = frame.loc[0, "person_id"]
        frame.loc[1, column] = value

    sex = "female" if pd.read_csv(copy / "releases.csv").loc[0, "sex"] == "male" else "male"
    edit_table(copy, "releases", lambda f: twin(f, "sex", sex))
    refused(["validate", str(copy)], r"releases\.csv row 2: person_id .* different sex")
    edit_table(copy, "releases", lambda f: twin(f, "sex", f.loc[0, "sex"]))
    edit_table(copy, "releases", lambda f: twin(f, "birth_year", "1901"))
    refused(["validate", str(copy)], r"person_id .* different birth_year")


def test_a_utf16_file_and_a_binary_file_are_refused(copy):
    text = (copy / "visits.csv").read_text(encoding="utf-8")
    (copy / "visits.csv").write_bytes(text.encode("utf-16"))
    refused(["validate", str(copy)], r"visits\.csv: the file is UTF-16 text")
    (copy / "visits.csv").write_bytes(b"\x00\x01\x02" * 100)
    refused(["validate", str(copy)], r"visits\.csv: the file is not text")
