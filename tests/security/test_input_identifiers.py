"""Red team of the identifier guard (issue #15 item 1): `report`, `validate` and `batch` refuse
data that still hold direct identifiers, naming the column and never the value; with
--allow-identifiers they warn and go on."""

from __future__ import annotations

import shutil

import pytest
from attack_tools import edit_table, refused, run, small_dataset

PHONE = "13912345678"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return small_dataset(tmp_path_factory.mktemp("ident") / "data", n=60)


@pytest.fixture
def copy(data, tmp_path):
    return shutil.copytree(data, tmp_path / "d")


def _add(copy, table, column, value, row=None):
    def change(frame):
        frame[column] = "" if row is not None else value
        if row is not None:
            frame.loc[row, column] = value

    edit_table(copy, table, change)


@pytest.mark.parametrize(
    ("column", "value", "kind"),
    [
        ("姓名", "张三", "name"),
        ("lxdh", PHONE, "phone number"),
        ("身份证号码", "11010519491231002X", "resident ID number"),
        ("备注", "家住长沙", "free text"),
        ("misc_a", f"call {PHONE}", "mobile number"),
        ("misc_b", "x@y.cn", "e-mail address"),
    ],
)
def test_validate_refuses_identifier_columns(copy, column, value, kind):
    _add(copy, "releases", column, value, row=5)
    what = "is free text" if kind == "free text" else rf"holds direct identifiers \({kind}\)"
    refused(["validate", str(copy)], rf"releases\.csv: column {column} {what}",
            hidden=(value,))  # fmt: skip


def test_names_used_as_ids_are_refused(copy):
    _add(copy, "visits", "release_id", "张三", row=2)  # also an unknown id: the guard comes first
    refused(["validate", str(copy)], r"visits\.csv: column release_id holds direct identifiers",
            hidden=("张三",))  # fmt: skip


def test_validate_with_allow_identifiers_warns_and_runs(copy):
    _add(copy, "releases", "手机", PHONE)
    res = run(["validate", str(copy), "--allow-identifiers"])
    assert res.code == 0
    assert res.err.startswith("warning: releases.csv: column 手机 holds direct identifiers")
    assert PHONE not in res.err


def test_report_refuses_before_the_analysis(copy, tmp_path):
    _add(copy, "events", "微信号", "wx_123")
    params = tmp_path / "p.yaml"
    params.write_text(f"data: {copy}\nn_bootstrap: 0\n", encoding="utf-8")
    refused(["report", "--params", str(params), "--out", str(tmp_path / "r")],
            r"events\.csv: column 微信号 holds direct identifiers", watch=(tmp_path,),
            hidden=("wx_123",))  # fmt: skip


def test_batch_refuses_before_any_run(copy, tmp_path):
    _add(copy, "releases", "address", "1 Main Street")
    batch = tmp_path / "b.yaml"
    batch.write_text(f"name: b\nruns:\n  - {{data: {copy}}}\n  - {{data: {copy}, lang: en}}\n",
                     encoding="utf-8")  # fmt: skip
    refused(["batch", str(batch), "--out", str(tmp_path / "out")],
            r"releases\.csv: column address holds direct identifiers \(address\)",
            watch=(tmp_path,))  # fmt: skip
