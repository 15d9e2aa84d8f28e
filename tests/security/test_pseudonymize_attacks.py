"""Red team of `workbench pseudonymize` (issue #15 item 1): identifiers hidden in headers and
values, mixed encodings, a dirty output folder, readable keys."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pandas as pd
import pytest
from attack_tools import edit_table, refused, run, small_dataset, snapshot

RESIDENT_ID = "11010519491231002X"  # GB 11643 example number: check digit X is valid
MOBILE = "13912345678"
# header -> a value planted under it (every one must be dropped)
HEADERS = {
    "地址": "长沙市岳麓区麓山南路2号",
    "户籍地": "湖南省邵阳县",
    "现住址": "岳阳楼区洞庭路8号",
    "微信号": "wx_zhang_1988",
    "email": "zhang.san@example.cn",
    "邮箱": "li.si@example.cn",
    "家属联系人": "王五",
    "QQ": "12345",
    "身份证号": RESIDENT_ID,
    "sfzh": RESIDENT_ID,
    "ＳＦＺＨ": RESIDENT_ID,  # full-width letters
    "xm": "张三丰",
    "lxdh": "0731-8888777",
    "手机": MOBILE,
    "姓名": "李小龙",
    "Name": "Zhang San",
    "Phone No.": "138 1234 5678",
    "home_address": "8 Lushan Road",
    "紧急联系人电话": "15011112222",
    "备注": "已婚，住在妹妹家",
    "qq号": "987654",
}
# neutral headers whose values give them away
VALUES = {
    "col_a": f"见证人 {RESIDENT_ID}",
    "col_b": "联系 +86 139-1234-5678",
    "col_c": "mail me: a.b@x.org",
    "col_d": "卡 6222020200112233445",
}


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    folder = small_dataset(tmp_path_factory.mktemp("raw") / "data")

    def plant(frame):
        for header, value in HEADERS.items():
            frame[header] = value
        for header, value in VALUES.items():
            frame[header] = ""
            frame.loc[len(frame) - 3, header] = value  # one cell deep in the table

    edit_table(folder, "releases", plant)
    return folder


def _all_text(folder):
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file())


def test_every_identifier_spelling_and_value_is_dropped(raw, tmp_path):
    key, out = tmp_path / "k" / "wb.key", tmp_path / "pseudo"
    res = run(["pseudonymize", str(raw), "--key", str(key), "--out", str(out)])
    assert res.code == 0, res.err
    kept = pd.read_csv(out / "releases.csv", dtype=str).columns
    assert not set(HEADERS) & set(kept) and not set(VALUES) & set(kept)
    text = _all_text(out)
    for value in [*HEADERS.values(), *VALUES.values(), "6222020200112233445", RESIDENT_ID]:
        assert value not in text
    line = next(x for x in res.out.splitlines() if x.startswith("releases:"))
    assert all(h in line for h in [*HEADERS, *VALUES])  # the columns are named ...
    assert RESIDENT_ID not in res.out and MOBILE not in res.out  # ... never their values
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert [p.name for p in key.parent.iterdir()] == ["wb.key"]  # no temporary key left


def test_header_list_and_value_patterns():
    from workbench.privacy.identifiers import header_kind, valid_resident_id, value_kind

    for header in [*HEADERS, "身份证号码", "sfz号", "QQ号码", "wechat_id", "联系电话", "E-mail"]:
        assert header_kind(header), header
    for header in ["release_id", "person_id", "人员编号", "prefecture", "家庭支持", "amount",
                   "facility_name", "source", "birth_year", "事件日期"]:  # fmt: skip
        assert header_kind(header) is None, header
    assert valid_resident_id(RESIDENT_ID) and not valid_resident_id("110105194912310021")
    assert value_kind("身份证" + RESIDENT_ID.lower()) == "resident ID number"
    assert value_kind("3.14159265358979") is None and value_kind("2017-01-05") is None


def test_every_listed_header_word_is_documented_and_recognised():
    from workbench.privacy.identifiers import HEADER_WORDS, header_kind

    readme = (Path(__file__).parents[2] / "data" / "README.md").read_text(encoding="utf-8")
    for kind, words in HEADER_WORDS.items():
        for word in (w for group in words for w in group):
            assert word in readme, word
            assert header_kind(word) == kind, word
            assert header_kind(f"  {word.upper()} ") == kind, word  # spaces, case


def test_mixed_encoding_is_refused_and_nothing_is_written(raw, tmp_path):
    data = shutil.copytree(raw, tmp_path / "mixed")
    path = data / "visits.csv"
    lines = path.read_bytes().splitlines(keepends=True)
    for i, encoding in ((3, "utf-8"), (40, "gbk")):  # file rows 4 and 41: result 阴性
        cells = lines[i].rstrip(b"\r\n").split(b",")
        lines[i] = b",".join([*cells[:-1], "阴性".encode(encoding)]) + b"\n"
    path.write_bytes(b"".join(lines))
    key, out = tmp_path / "k.key", tmp_path / "out"
    refused(
        ["pseudonymize", str(data), "--key", str(key), "--out", str(out)],
        r"visits\.csv row 41: the text is not UTF-8 but row 4 is .*mixes encodings",
        watch=(out, key, data),
    )


def test_a_gbk_file_is_read_and_its_identifiers_dropped(raw, tmp_path):
    data = shutil.copytree(raw, tmp_path / "gbk")
    frame = pd.read_csv(data / "releases.csv", dtype=str, keep_default_na=False)
    frame = frame[["release_id", "release_date", "prefecture", "facility", "sex", "birth_year",
                   "primary_drug", "prior_treatments", "years_using", "education",
                   "employed_before", "married", "family_support", "motivation_score",
                   "姓名", "现住址"]]  # fmt: skip
    frame.to_csv(data / "releases.csv", index=False, encoding="gb18030")
    out = tmp_path / "out"
    res = run(["pseudonymize", str(data), "--key", str(tmp_path / "k.key"), "--out", str(out)])
    assert res.code == 0, res.err
    assert "姓名, 现住址" in res.out and "李小龙" not in _all_text(out)


def test_a_non_empty_output_folder_is_refused(raw, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(raw / "releases.csv", out / "releases.csv")  # a raw table left behind
    refused(
        ["pseudonymize", str(raw), "--key", str(tmp_path / "k.key"), "--out", str(out)],
        r"--out .*the folder is not empty",
        watch=(out, tmp_path / "k.key"),
    )


def test_an_empty_output_folder_is_used(raw, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    res = run(["pseudonymize", str(raw), "--key", str(tmp_path / "k.key"), "--out", str(out)])
    assert res.code == 0 and (out / "releases.csv").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.key", "out"]  # no staging left


def test_an_output_that_is_a_file_is_refused(raw, tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("x\n")
    refused(["pseudonymize", str(raw), "--key", str(tmp_path / "k.key"), "--out", str(out)],
            r"--out .*is a file", watch=(out, tmp_path / "k.key"))  # fmt: skip


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_key_readable_by_others_is_refused_with_the_chmod_to_fix_it(raw, tmp_path, mode):
    key = tmp_path / "old.key"
    key.write_text("ab" * 32 + "\n")
    key.chmod(mode)
    message = refused(
        ["pseudonymize", str(raw), "--key", str(key), "--out", str(tmp_path / "out")],
        rf"group or others can read the key \(mode {mode:04o}.*run `chmod 600 ",
        watch=(tmp_path,),
    )
    assert "ab" * 32 not in message


def test_a_key_that_is_a_folder_or_beside_the_output_is_refused(raw, tmp_path):
    out = tmp_path / "out"
    refused(["pseudonymize", str(raw), "--key", str(tmp_path), "--out", str(out)],
            r"--key .*is a folder", watch=(tmp_path,))  # fmt: skip
    refused(["pseudonymize", str(raw), "--key", str(out / "k.key"), "--out", str(out)],
            r"the key file is inside", watch=(tmp_path,))  # fmt: skip


def test_a_dataset_description_holding_a_phone_is_refused(raw, tmp_path):
    data = shutil.copytree(raw, tmp_path / "meta")
    with open(data / "dataset.yaml", "a", encoding="utf-8") as fh:
        fh.write(f"description: 联系人 {MOBILE}\n")
    message = refused(
        ["pseudonymize", str(data), "--key", str(tmp_path / "k.key"), "--out", str(tmp_path / "o")],
        r"dataset\.yaml: holds direct identifiers \(mobile number\)",
        watch=(tmp_path / "o", tmp_path / "k.key"),
    )
    assert MOBILE not in message


def test_a_broken_table_leaves_no_output_and_no_key(raw, tmp_path):
    data = shutil.copytree(raw, tmp_path / "broken")
    with open(data / "visits.csv", "a", encoding="utf-8") as fh:
        fh.write("R1,2019-01-01,6,negative,extra,cells\n")
    before = snapshot(tmp_path)
    res = run(["pseudonymize", str(data), "--key", str(tmp_path / "k.key"), "--out",
               str(tmp_path / "o")])  # fmt: skip
    assert res.code == 2 and len(res.err.splitlines()) == 1
    assert snapshot(tmp_path) == before
