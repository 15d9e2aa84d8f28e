"""Table specifications, aliases and vectorised checks (workbench.data.schema)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.data import codes, conform, schema, values
from workbench.exceptions import DataError

README = Path(__file__).resolve().parents[2] / "data" / "README.md"


def _rows(values, start=2) -> pd.Series:
    return pd.Series(values, index=pd.RangeIndex(start, start + len(values)), dtype=object)


def _col(name: str, table: str = "releases") -> schema.Column:
    return next(c for c in schema.SPECS[table] if c.name == name)


@pytest.mark.parametrize(
    "text",
    ["2019-03-05", "2019-3-5", "2019/3/5", "2019.3.5", "2019年3月5日", "2019-03-05 00:00:00"],
)
def test_accepted_date_forms(text):
    out = values.to_dates(_rows([text]), "v.csv", "visit_date")
    assert out.iloc[0] == pd.Timestamp(2019, 3, 5)
    assert out.dtype == "datetime64[ns]"


def test_impossible_date_names_file_row_column_value():
    with pytest.raises(DataError, match=r"^v\.csv row 3: visit_date 2019-02-30 is not a date") as e:
        values.to_dates(_rows(["2019-02-28", "2019-02-30"]), "v.csv", "visit_date")
    assert (e.value.file, e.value.row, e.value.column, e.value.value) == (
        "v.csv",
        3,
        "visit_date",
        "2019-02-30",
    )


def test_ambiguous_date_counts_other_rows():
    with pytest.raises(
        DataError, match=r"row 2 \(and 1 more rows\): d 03/05/2019 is ambiguous \(day and month"
    ):
        values.to_dates(_rows(["03/05/2019", "2019-01-01", "03/05/2019"]), "v.csv", "d")


def test_number_in_csv_date_is_error_but_excel_serial_is_a_date():
    with pytest.raises(DataError, match=r"d 43529 is a number, not a date"):
        values.to_dates(_rows([43529]), "v.csv", "d")
    out = values.to_dates(_rows([43529, 43529.0]), "v.xlsx", "d", excel=True)
    assert list(out) == [pd.Timestamp(2019, 3, 5)] * 2


def test_excel_serial_past_the_date_range_is_an_error_not_an_overflow():
    # 106752 days after 1899-12-30 is past what pandas can hold; found by hypothesis
    with pytest.raises(
        DataError, match=r"row 2: d 106752.0 is an Excel date number after 2100-12-31"
    ):
        values.to_dates(_rows([106752.0]), "v.xlsx", "d", excel=True)


def test_datetime_column_is_normalised_and_range_checked():
    out = values.to_dates(pd.Series(pd.to_datetime(["2019-03-05 13:45"])), "v.parquet", "d")
    assert out.iloc[0] == pd.Timestamp(2019, 3, 5)
    with pytest.raises(DataError, match=r"row 0: d 2190-01-01 is outside 1990-2100"):
        values.to_dates(pd.Series(pd.to_datetime(["2190-01-01"])), "v.parquet", "d")


def test_empty_dates_stay_missing():
    out = values.to_dates(_rows(["2019-01-01", np.nan]), "v.csv", "d")
    assert out.isna().tolist() == [False, True]


def test_chinese_code_words_are_repaired_and_counted():
    out, repaired = values.to_codes(
        _rows(["阴性", "阳性", "negative", "失联", "再次被查获吸毒", "阴性", "Died"]),
        "v.csv",
        _col("result", "visits"),
    )
    assert out.tolist() == [
        "negative",
        "positive",
        "negative",
        "missed",
        "detained",
        "negative",
        "died",
    ]
    assert repaired == {
        "阴性 → negative": 2,
        "阳性 → positive": 1,
        "失联 → missed": 1,
        "再次被查获吸毒 → detained": 1,
        "Died → died": 1,
    }


def test_prefecture_accepts_full_and_short_chinese_names():
    out, _ = values.to_codes(
        _rows(["长沙市", "长沙", "湘西土家族苗族自治州", "湘西州", "loudi"]),
        "r.csv",
        _col("prefecture"),
    )
    assert out.tolist() == ["changsha", "changsha", "xiangxi", "xiangxi", "loudi"]


def test_unknown_code_lists_choices():
    with pytest.raises(
        DataError,
        match=r"^r\.csv row 3: sex x is not a known code \(expected one of male, female, or a "
        r"Chinese name listed in data/README\.md\); correct the value\.$",
    ):
        values.to_codes(_rows(["男", "x"]), "r.csv", _col("sex"))


def test_outcome_code_refused_as_intervention():
    with pytest.raises(DataError, match=r"intervention 银奖 is an outcome, not a support"):
        values.to_codes(_rows(["银奖"]), "i.csv", _col("intervention", "interventions"))
    with pytest.raises(DataError, match=r"intervention typical_case is an outcome"):
        values.to_codes(_rows(["typical_case"]), "i.csv", _col("intervention", "interventions"))


def test_declared_extra_codes_are_accepted():
    out, _ = values.to_codes(
        _rows(["housing", "住房帮扶"]),
        "i.csv",
        _col("intervention", "interventions"),
        {"housing": "housing", "住房帮扶": "housing"},
    )
    assert out.tolist() == ["housing", "housing"]


def test_flags_words_and_errors():
    col = _col("married")
    out = values.to_numbers(_rows(["是", "否", "1", "0", "yes", "已婚"]), "r.csv", col)
    np.testing.assert_array_equal(out.to_numpy(), [1, 0, 1, 0, 1, 1])
    with pytest.raises(
        DataError, match=r"row 2: married 2 is not 1 or 0 \(expected 1/0 or 是/否\)"
    ):
        values.to_numbers(_rows(["2"]), "r.csv", col)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (
            "prior_treatments",
            "-1",
            r"prior_treatments -1 is too small \(expected a number from 0 to 50\)",
        ),
        ("motivation_score", "10.5", r"motivation_score 10.5 is too large"),
        ("birth_year", "1980.5", r"birth_year 1980.5 is not a whole number"),
        ("years_using", "five", r"years_using five is not a number \(expected a number\)"),
    ],
)
def test_number_checks(name, value, message):
    with pytest.raises(DataError, match=message):
        values.to_numbers(_rows([value]), "r.csv", _col(name))


def test_scheduled_month_allowed_values():
    col = _col("scheduled_month", "visits")
    out = values.to_numbers(_rows(["6", np.nan, "36"]), "v.csv", col)
    np.testing.assert_array_equal(out.to_numpy(), [6.0, np.nan, 36.0])
    with pytest.raises(DataError, match=r"scheduled_month 9 is not allowed"):
        values.to_numbers(_rows(["9"]), "v.csv", col)


def test_trim_counts_changed_cells():
    out, n = values.trim(_rows([" R1", "R2 ", "R3", "  ", " R1"]))
    assert out.tolist()[:3] == ["R1", "R2", "R3"]
    assert pd.isna(out.iloc[3])
    assert n == 4


def test_trim_turns_integer_floats_into_ids():
    out, _ = values.trim(pd.Series([1001.0, 1002.0], dtype=object))
    assert out.tolist() == ["1001", "1002"]


def test_chinese_headers_are_renamed_and_reported():
    frame = pd.DataFrame(columns=["编号", "回访日期", " 回访结果 ", "计划回访月份"])
    out, repairs = conform.rename_headers(frame, "visits", "回访记录.csv")
    assert list(out.columns) == ["release_id", "visit_date", "result", "scheduled_month"]
    assert repairs == [
        "回访记录.csv: renamed headers 编号 → release_id, 回访日期 → visit_date, "
        " 回访结果  → result, 计划回访月份 → scheduled_month."
    ]


def test_missing_required_column_names_the_chinese_header():
    frame = pd.DataFrame(columns=["release_id", "visit_date", "result"])
    with pytest.raises(
        DataError,
        match=r"^visits\.csv: column scheduled_month is missing \(expected a header "
        r"scheduled_month or 计划回访月份/回访月份/回访期次\); add the column",
    ):
        conform.rename_headers(frame, "visits", "visits.csv")


def test_conform_keeps_row_numbers_and_dtypes():
    raw = pd.DataFrame(
        {
            "release_id": ["R1", "R2"],
            "visit_date": ["2019/3/5", "2019年4月1日"],
            "scheduled_month": ["6", ""],
            "result": ["阴性", "missed"],
            "note": [" hi ", None],
        },
        index=pd.RangeIndex(2, 4),
    ).replace("", np.nan)
    out, repairs = conform.conform(raw, "visits", "visits.csv")
    assert list(out.index) == [2, 3]
    assert list(out.columns) == ["release_id", "visit_date", "scheduled_month", "result", "note"]
    assert out["visit_date"].tolist() == [pd.Timestamp(2019, 3, 5), pd.Timestamp(2019, 4, 1)]
    assert out["note"].iloc[0] == "hi"
    assert repairs[0] == "visits.csv: trimmed spaces around 1 cells."
    assert repairs[1] == "visits.csv: result: mapped 1 values to codes (阴性 → negative: 1)."


def test_conform_handles_a_million_rows_on_distinct_values():
    # Vectorised path: a million rows with few distinct values give the same answer as 3 rows.
    rng = np.random.default_rng(7)
    n = 1_000_000
    pick = rng.integers(0, 3, n)
    raw = pd.DataFrame(
        {
            "release_id": np.array(["R1", "R2", "R3"], dtype=object)[pick],
            "visit_date": np.array(["2019-01-05", "2019/2/5", "2019年3月5日"], dtype=object)[pick],
            "scheduled_month": np.array(["6", "12", None], dtype=object)[pick],
            "result": np.array(["negative", "阳性", "missed"], dtype=object)[pick],
        },
        index=pd.RangeIndex(2, n + 2),
    )
    out, _ = conform.conform(raw, "visits", "visits.csv")
    expected = np.array(["2019-01-05", "2019-02-05", "2019-03-05"], dtype="datetime64[ns]")[pick]
    np.testing.assert_array_equal(out["visit_date"].to_numpy(), expected)
    assert (out["result"] == "positive").sum() == (pick == 1).sum()


def test_empty_frame_has_contract_dtypes():
    frame = schema.empty_frame("events")
    assert list(frame.columns) == ["release_id", "event_date", "event", "source"]
    assert frame["event_date"].dtype == "datetime64[ns]"


def test_every_code_appears_in_data_readme_with_labels():
    text = README.read_text(encoding="utf-8")
    for kind, table in codes.KINDS.items():
        for code, lab in table.items():
            row = re.search(rf"^\| `{re.escape(code)}` \| (.*?) \| (.*?) \|", text, re.MULTILINE)
            assert row is not None, (kind, code)
            assert (row[1], row[2]) == (lab["zh"], lab["en"]), (kind, code)


def test_every_chinese_header_appears_in_data_readme():
    text = README.read_text(encoding="utf-8")
    for table, columns in schema.SPECS.items():
        for col in columns:
            assert f"`{col.name}`" in text, (table, col.name)
            for alias in col.aliases:
                assert alias in text, (table, alias)
    for kind, aliases in schema.CODE_ALIASES.items():
        for word in aliases:
            assert word in text, (kind, word)
