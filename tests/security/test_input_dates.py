"""Red team of dates and numbers (issue #15 item 5): years past 2262 that wrapped around int64
nanoseconds, impossible times, digits Python reads but people do not, a spec time of inf."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pandas as pd
import pytest
from attack_tools import edit_table, refused, small_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_dataset(tmp_path_factory.mktemp("dates") / "data", n=60)


@pytest.fixture
def copy(data, tmp_path):
    return shutil.copytree(data, tmp_path / "d")


def _set(copy, table, column, value, row=3):
    def change(frame):
        frame.loc[row, column] = value  # spreadsheet row = row + 2

    edit_table(copy, table, change)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("2604-01-01", "2604-01-01 is outside 1990-2100"),  # wrapped to 2019-06-12 00:25 before
        ("2262-04-12", "2262-04-12 is outside 1990-2100"),
        ("2846-12-31", "2846-12-31 is outside 1990-2100"),
        ("9999-12-31", "9999-12-31 is outside 1990-2100"),  # was "1816-03-29 is outside"
        ("2017-01-05 25:99:99", "2017-01-05 25:99:99 has a time of day that does not exist"),
        ("２０１７-01-05", "２０１７-01-05 is not a date"),
    ],
)
def test_a_date_is_checked_as_written_before_any_nanosecond_stamp(copy, value, problem):
    _set(copy, "visits", "visit_date", value)
    refused(["validate", str(copy)], rf"visits\.csv row 5: visit_date {problem}")


@pytest.mark.parametrize("value", ["1_977", "１９７７", "inf", "0x7B9"])
def test_a_year_must_be_written_in_plain_digits(copy, value):
    _set(copy, "releases", "birth_year", value)
    refused(["validate", str(copy)], rf"releases\.csv row 5: birth_year {value} is not a number")


def test_an_excel_date_in_year_9999_is_reported_as_written(copy):
    frame = pd.read_csv(copy / "releases.csv", dtype=str, keep_default_na=False)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = list(row)
        cells[2] = dt.datetime(9999, 12, 31) if i == 2 else dt.datetime.fromisoformat(cells[2])
        sheet.append(cells)
    book.save(copy / "releases.xlsx")
    (copy / "releases.csv").unlink()
    refused(["validate", str(copy)], r"releases\.xlsx row 4: release_date 9999-12-31 .*outside")


def test_a_cutoff_in_year_9999_is_refused(copy):
    refused(["validate", str(copy), "--cutoff", "9999-12-31"], r"cutoff 9999-12-31 is outside")


def test_a_parameter_date_in_year_9999_is_refused(tmp_path, copy):
    params = tmp_path / "p.yaml"
    params.write_text(f"data: {copy}\nrelease_end: 9999-12-31\n", encoding="utf-8")
    refused(["report", "--params", str(params)], r"release_end 9999-12-31 is outside 1990-2100")


def test_a_spec_time_overflowing_to_inf_is_refused(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("start,stop,event\n0,10,1\n5,1e400,0\n0,7,1\n", encoding="utf-8")
    spec = tmp_path / "spec.yaml"
    spec.write_text("table: t.csv\nlower: start\nupper: stop\nevent: event\n", encoding="utf-8")
    refused(["validate", str(spec)], r"t\.csv row 3: stop 1e400 is not a finite number")
