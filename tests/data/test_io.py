"""Loaders (CSV in UTF-8/BOM/GB18030, xlsx, Parquet), checks across tables, atomic writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.data import io, read
from workbench.data import write as writing
from workbench.data.dataset import Dataset
from workbench.data.spec import SpecDataset
from workbench.exceptions import DataError, ParameterError

RELEASES = [
    "release_id,person_id,release_date,prefecture,facility,sex,birth_year,primary_drug,"
    "prior_treatments,years_using,education,employed_before,married,family_support,"
    "motivation_score",
    "R1,P1,2018-01-05,changsha,xinkaipu,male,1980,heroin,1,5.5,junior,1,0,1,6.5",
    "R2,P2,2018-03-05,hengyang,women,female,1990,methamphetamine,0,2,senior,0,0,1,7",
    "R3,P3,2018-04-10,xiangxi,hengyang_centre,male,1975,heroin,2,10,primary,0,1,0,3",
]
VISITS = [
    "release_id,visit_date,scheduled_month,result",
    "R1,2018-07-05,6,negative",
    "R1,2019-01-05,12,positive",
    "R2,2018-09-05,6,missed",
    "R3,2018-10-10,6,negative",
]
INTERVENTIONS = [
    "release_id,intervention,start_date,end_date,amount",
    "R1,financial_aid,2018-02-01,,5000",
    "R2,job_placement,2018-05-01,2018-12-31,",
]
CHINESE_RELEASES = [
    "编号,人员编号,出所日期,市州,戒毒所,性别,出生年份,主要毒品,既往戒治次数,吸毒年限,文化程度,"
    "入所前就业,婚否,家庭支持,戒毒动机评分",
    "R1,P1,2018年1月5日,长沙市,湖南省新开铺强制隔离戒毒所,男,1980,海洛因,1,5.5,初中,是,否,是,6.5",
    "R2,P2,2018/3/5,衡阳市,湖南省女子强制隔离戒毒所,女,1990,冰毒,0,2,高中,否,否,是,7",
    "R3,P3,2018.4.10,湘西州,衡阳市强制隔离戒毒所,男,1975,海洛因,2,10,小学,否,是,否,3",
]
CHINESE_VISITS = [
    "编号,回访日期,计划回访月份,回访结果",
    "R1,2018年7月5日,6,阴性",
    "R1,2019年1月5日,12,阳性",
    "R2,2018年9月5日,6,未见面",
    "R3,2018年10月10日,6,阴性",
]


def write(folder: Path, encoding="utf-8", releases=RELEASES, visits=VISITS, **more) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tables = {"releases": releases, "visits": visits, "interventions": INTERVENTIONS, **more}
    for name, lines in tables.items():
        if lines is not None:
            (folder / f"{name}.csv").write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return folder


def expected_releases() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "release_id": ["R1", "R2", "R3"],
            "release_date": pd.to_datetime(["2018-01-05", "2018-03-05", "2018-04-10"]),
            "prefecture": ["changsha", "hengyang", "xiangxi"],
            "facility": ["xinkaipu", "women", "hengyang_centre"],
            "sex": ["male", "female", "male"],
            "primary_drug": ["heroin", "methamphetamine", "heroin"],
            "education": ["junior", "senior", "primary"],
            "employed_before": [1, 0, 0],
            "married": [0, 0, 1],
            "motivation_score": [6.5, 7.0, 3.0],
        }
    )


def check_canonical(ds: Dataset) -> None:
    want = expected_releases()
    pd.testing.assert_frame_equal(ds.releases[want.columns], want)
    assert ds.visits["visit_date"].tolist() == list(
        pd.to_datetime(["2018-07-05", "2019-01-05", "2018-09-05", "2018-10-10"])
    )
    assert ds.visits["result"].tolist() == ["negative", "positive", "missed", "negative"]
    np.testing.assert_array_equal(ds.visits["scheduled_month"], [6.0, 12.0, 6.0, 6.0])


# ---------------------------------------------------------------------------------------------
# encodings and formats


def test_utf8_dataset_loads_in_contract_form(tmp_path):
    ds = io.load_dataset(write(tmp_path / "d"))
    check_canonical(ds)
    assert ds.releases["birth_year"].dtype == "int64"
    assert ds.interventions["amount"].tolist()[0] == pytest.approx(5000.0, abs=1e-9)
    assert list(ds.events.columns) == ["release_id", "event_date", "event", "source"]
    assert ds.events.empty
    assert ds.repairs == ()
    assert ds.source == "d"


def test_bom_is_removed_and_reported(tmp_path):
    ds = io.load_dataset(write(tmp_path / "d", encoding="utf-8-sig"))
    check_canonical(ds)
    assert "releases.csv: removed the UTF-8 byte-order mark." in ds.repairs


def test_gb18030_chinese_headers_and_dates(tmp_path):
    folder = write(tmp_path / "d", "gb18030", releases=CHINESE_RELEASES, visits=CHINESE_VISITS)
    ds = io.load_dataset(folder)
    check_canonical(ds)
    assert "releases.csv: read as GB18030 (Chinese Windows) text." in ds.repairs
    assert (
        "visits.csv: result: mapped 4 values to codes (阴性 → negative: 2; 阳性 → positive: 1; 未见面 → missed: 1)."
        in ds.repairs
    )


def test_gbk_bytes_decode_as_gb18030(tmp_path):
    folder = write(tmp_path / "d", "gbk", releases=CHINESE_RELEASES, visits=CHINESE_VISITS)
    check_canonical(io.load_dataset(folder))


def _xlsx(path: Path, lines: list[str], sheet="Sheet1", dates=None, serial=None, extra=None):
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    header = lines[0].split(",")
    ws.append(header)
    for line in lines[1:]:
        cells: list[object] = line.split(",")
        for i, name in enumerate(header):
            if name == dates:
                cells[i] = dt.datetime.fromisoformat(cells[i])
            if name == serial:
                cells[i] = (pd.Timestamp(cells[i]) - pd.Timestamp("1899-12-30")).days
            if cells[i] != "" and name in ("birth_year", "motivation_score", "scheduled_month"):
                cells[i] = float(cells[i])
        ws.append(cells)
    for title in extra or ():
        book.create_sheet(title).append(["x"])
    book.save(path)


def test_xlsx_with_date_cells_serials_and_named_sheet(tmp_path):
    folder = write(tmp_path / "d", releases=None, visits=None)
    _xlsx(folder / "releases.xlsx", RELEASES, dates="release_date")
    _xlsx(folder / "visits.xlsx", VISITS, sheet="visits", serial="visit_date", extra=["notes"])
    ds = io.load_dataset(folder)
    check_canonical(ds)


def test_xlsx_column_without_header_is_error(tmp_path):
    path = tmp_path / "visits.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["release_id", None])
    book.active.append(["R1", "x"])
    book.save(path)
    with pytest.raises(
        DataError, match=r"visits\.xlsx sheet Sheet: column B has data but no header"
    ):
        read.read_table(path)


def test_parquet_typed_columns_and_only_needed_columns(tmp_path):
    folder = write(tmp_path / "d", visits=None)
    visits = pd.DataFrame(
        {
            "release_id": ["R1", "R1", "R2", "R3"],
            "visit_date": pd.to_datetime(["2018-07-05", "2019-01-05", "2018-09-05", "2018-10-10"]),
            "scheduled_month": [6, 12, 6, 6],
            "result": ["negative", "positive", "missed", "negative"],
            "unused": [1, 2, 3, 4],
        }
    )
    visits.to_parquet(folder / "visits.parquet")
    ds = io.load_dataset(folder)
    check_canonical(ds)
    assert "unused" not in ds.visits.columns
    assert "visits.parquet: ignored 1 columns not in the contract." in ds.repairs


def test_read_table_rows_are_spreadsheet_rows(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n\n3, 4 \n", encoding="utf-8")
    frame = read.read_table(path)
    assert list(frame.index) == [2, 4]
    assert frame.loc[4, "b"] == " 4 "


def test_undecodable_text_is_data_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n1,\x80\xff\n")
    with pytest.raises(DataError, match=r"^t\.csv: the text is neither UTF-8 nor GB18030/GBK"):
        read.read_table(path)


def test_unknown_suffix_is_data_error(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match=r"t\.json: files of type \.json cannot be read"):
        read.read_table(path)


def test_unreadable_parquet_and_xlsx(tmp_path):
    (tmp_path / "a.parquet").write_bytes(b"not parquet")
    (tmp_path / "b.xlsx").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"a\.parquet: the file is not a readable Parquet file"):
        read.read_table(tmp_path / "a.parquet")
    with pytest.raises(DataError, match=r"b\.xlsx: the file is not a readable Excel workbook"):
        read.read_table(tmp_path / "b.xlsx")


# ---------------------------------------------------------------------------------------------
# a dataset folder


def test_sha256_of_each_input_file(tmp_path):
    folder = write(tmp_path / "d")
    ds = io.load_dataset(folder)
    assert set(ds.sha256) == {"releases.csv", "visits.csv", "interventions.csv"}
    for name, digest in ds.sha256.items():
        assert digest == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    (folder / "dataset.yaml").write_text("name: x\n", encoding="utf-8")
    assert "dataset.yaml" in io.load_dataset(folder).sha256


def test_cutoff_precedence(tmp_path):
    folder = write(tmp_path / "d")
    assert io.load_dataset(folder).cutoff == pd.Timestamp("2019-01-05")
    (folder / "dataset.yaml").write_text("name: demo\ncutoff: 2020-06-30\n", encoding="utf-8")
    ds = io.load_dataset(folder)
    assert (ds.cutoff, ds.source) == (pd.Timestamp("2020-06-30"), "demo")
    assert io.load_dataset(folder, cutoff="2021/1/1").cutoff == pd.Timestamp("2021-01-01")
    with pytest.raises(ParameterError, match=r"cutoff 2010-01-01 is before every release"):
        io.load_dataset(folder, cutoff="2010-01-01")


def test_events_table_and_chinese_table_names(tmp_path):
    folder = write(tmp_path / "d", visits=None)
    (folder / "回访记录.csv").write_text("\n".join(VISITS), encoding="utf-8")
    (folder / "events.csv").write_text(
        "编号,事件日期,事件,来源\nR3,2019-02-01,死亡,civil_registry\n", encoding="utf-8"
    )
    ds = io.load_dataset(folder)
    check_canonical(ds)
    assert ds.events["event"].tolist() == ["death"]
    assert ds.events["event_date"].tolist() == [pd.Timestamp("2019-02-01")]


def test_duplicate_visits_dropped_and_reported(tmp_path):
    folder = write(
        tmp_path / "d", visits=[*VISITS, "R1,2018-07-05,6,negative", "R1, 2018-07-05 ,6,阴性"]
    )
    ds = io.load_dataset(folder)
    check_canonical(ds)
    assert (
        "visits.csv: dropped 2 duplicate rows (same release_id, visit_date, result)." in ds.repairs
    )


def test_missed_visits_after_death_are_dropped(tmp_path):
    visits = [*VISITS, "R3,2019-01-10,,died", "R3,2019-04-10,12,missed"]
    ds = io.load_dataset(write(tmp_path / "d", visits=visits))
    assert ds.visits["result"].tolist()[-1] == "died"
    assert len(ds.visits) == 5
    assert "visits.csv: dropped 1 missed visits scheduled after a recorded death." in ds.repairs


def test_contact_after_death_is_error(tmp_path):
    visits = [*VISITS, "R3,2019-01-10,,died", "R3,2019-04-10,12,positive"]
    with pytest.raises(
        DataError,
        match=r"^visits\.csv row 7: visit_date 2019-04-10 \(positive\) is after the death recorded "
        r"on 2019-01-10 \(expected no contact after a death\); correct the visit or the death",
    ):
        io.load_dataset(write(tmp_path / "d", visits=visits))


def test_person_id_missing_uses_release_id(tmp_path):
    releases = [",".join(x for i, x in enumerate(r.split(",")) if i != 1) for r in RELEASES]
    ds = io.load_dataset(write(tmp_path / "d", releases=releases))
    assert ds.releases["person_id"].tolist() == ["R1", "R2", "R3"]
    assert "releases.csv: no person_id column; used release_id." in ds.repairs


def test_extra_interventions_declared_in_dataset_yaml(tmp_path):
    folder = write(tmp_path / "d")
    (folder / "interventions.csv").write_text(
        "release_id,intervention,start_date\nR1,住房帮扶,2018-02-01\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"intervention 住房帮扶 is not a known code"):
        io.load_dataset(folder)
    (folder / "dataset.yaml").write_text(
        "interventions:\n  housing: {zh: 住房帮扶, en: housing support}\n", encoding="utf-8"
    )
    ds = io.load_dataset(folder)
    assert ds.interventions["intervention"].tolist() == ["housing"]
    assert ds.interventions["end_date"].isna().all()


def test_dataset_yaml_outcome_code_refused(tmp_path):
    folder = write(tmp_path / "d")
    (folder / "dataset.yaml").write_text("interventions: {award_gold: {}}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"intervention code 'award_gold' is not allowed"):
        io.load_dataset(folder)


def test_not_a_folder(tmp_path):
    with pytest.raises(DataError, match=r"not a folder \(expected a dataset folder"):
        io.load_dataset(tmp_path / "nothing")


def test_load_any_dispatches(tmp_path):
    folder = write(tmp_path / "d")
    assert isinstance(io.load_any(folder), Dataset)
    (folder / "dataset.yaml").write_text("name: x\n", encoding="utf-8")
    assert isinstance(io.load_any(folder / "dataset.yaml"), Dataset)
    root = Path(__file__).resolve().parents[2]
    assert isinstance(io.load_any(root / "params" / "examples" / "rossi.yaml"), SpecDataset)


# ---------------------------------------------------------------------------------------------
# atomic writing


def test_atomic_write_replaces_whole_file(tmp_path):
    path = tmp_path / "out" / "a.txt"
    writing.atomic_write(path, "第一版")
    writing.atomic_write(path, b"second")
    assert path.read_bytes() == b"second"
    assert os.listdir(path.parent) == ["a.txt"]


def test_atomic_path_keeps_old_file_when_writer_fails(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("good", encoding="utf-8")
    with pytest.raises(RuntimeError, match="boom"), writing.atomic_path(path) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise RuntimeError("boom")
    assert path.read_text(encoding="utf-8") == "good"
    assert os.listdir(tmp_path) == ["a.txt"]


def test_write_table_round_trips(tmp_path):
    frame = pd.DataFrame({"a": ["长沙", "x"], "d": pd.to_datetime(["2019-03-05", "2020-01-01"])})
    writing.write_table(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(
        encoding="utf-8"
    ) == "a,d\n长沙,2019-03-05\nx,2020-01-01\n"
    writing.write_table(frame, tmp_path / "t.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), frame)
    with pytest.raises(ParameterError, match=r"t\.txt: cannot write a table as \.txt"):
        writing.write_table(frame, tmp_path / "t.txt")


# ---------------------------------------------------------------------------------------------
# property: malformed rows give our error or a valid dataset, never anything else

_CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", " ", "2019-02-30", "03/05/2019", "1e400", "-1", "阴性", "NA", '"', ",", "\n"]
    ),
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    table=st.sampled_from(["releases", "visits", "interventions"]),
    cells=st.lists(_CELL, min_size=1, max_size=16),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
)
def test_malformed_rows_raise_only_data_error(tmp_path_factory, table, cells, encoding):
    folder = tmp_path_factory.mktemp("prop")
    base = {"releases": RELEASES, "visits": VISITS, "interventions": INTERVENTIONS}
    lines = [*base[table], ",".join(cells)]
    write(folder, **{k: v for k, v in base.items() if k != table})
    try:
        raw = ("\n".join(lines) + "\n").encode(encoding)
    except UnicodeEncodeError:
        raw = ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass")
    (folder / f"{table}.csv").write_bytes(raw)
    try:
        ds = io.load_dataset(folder)
    except DataError as exc:
        message = str(exc)
        assert "\n" not in message
        assert any(f"{name}.csv" in message for name in base), message
        return
    assert ds.releases["release_id"].is_unique


def test_parquet_dates_ints_and_dictionary_columns(tmp_path):
    folder = write(tmp_path / "d", visits=None)
    visits = pd.DataFrame(
        {
            "release_id": pd.Categorical(["R1", "R1", "R2", "R3"]),
            "visit_date": [
                dt.date(2018, 7, 5),
                dt.date(2019, 1, 5),
                dt.date(2018, 9, 5),
                dt.date(2018, 10, 10),
            ],
            "scheduled_month": [6.0, 12.0, 6.0, 6.0],
            "result": pd.Categorical(["negative", "positive", "missed", "negative"]),
        }
    )
    visits.to_parquet(folder / "visits.parquet")
    check_canonical(io.load_dataset(folder))
    visits["visit_date"] = pd.to_datetime(visits["visit_date"]).dt.tz_localize("Asia/Shanghai")
    visits.to_parquet(folder / "visits.parquet")
    check_canonical(io.load_dataset(folder))


def test_integer_ids_become_text(tmp_path):
    releases = [RELEASES[0]] + [r.replace("R", "100", 1) for r in RELEASES[1:]]
    visits = [VISITS[0]] + [v.replace("R", "100", 1) for v in VISITS[1:]]
    folder = write(tmp_path / "d", releases=releases, visits=visits)
    (folder / "interventions.csv").write_text(
        "release_id,intervention,start_date\n", encoding="utf-8"
    )
    releases_frame = pd.read_csv(folder / "releases.csv")
    releases_frame.to_parquet(folder / "releases.parquet")
    (folder / "releases.csv").unlink()
    ds = io.load_dataset(folder)
    assert ds.releases["release_id"].tolist() == ["1001", "1002", "1003"]
    assert ds.visits["release_id"].tolist() == ["1001", "1001", "1002", "1003"]


def test_xlsx_repeated_header_is_error(tmp_path):
    path = tmp_path / "visits.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["release_id", "备注", "备注"])
    book.active.append(["R1", "a", "b"])
    book.save(path)
    with pytest.raises(DataError, match=r"visits\.xlsx: the header 备注 appears more than once"):
        read.read_table(path)


def test_died_visit_after_exact_death_event_is_not_a_conflict(tmp_path):
    visits = [*VISITS, "R3,2019-04-10,12,died"]
    events = ["release_id,event_date,event,source", "R3,2019-02-01,death,civil_registry"]
    ds = io.load_dataset(write(tmp_path / "d", visits=visits, events=events))
    assert ds.visits["result"].tolist()[-1] == "died"
    assert ds.repairs == ()


def test_two_death_records_are_not_a_conflict(tmp_path):
    visits = [*VISITS, "R3,2019-01-10,,died"]
    events = ["release_id,event_date,event,source", "R3,2019-02-01,death,hospital"]
    ds = io.load_dataset(write(tmp_path / "d", visits=visits, events=events))
    assert ds.events["event"].tolist() == ["death"]


def test_xlsx_title_row_above_header_is_skipped(tmp_path):
    folder = write(tmp_path / "d", visits=None)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["湖南省解除强制隔离戒毒人员回访记录表"])
    ws.merge_cells("A1:D1")
    for line in CHINESE_VISITS:
        ws.append(line.split(","))
    book.save(folder / "visits.xlsx")
    ds = io.load_dataset(folder)
    check_canonical(ds)
    assert "visits.xlsx: skipped the title row above the header." in ds.repairs
    ws.cell(row=4, column=2, value="2019年2月30日")
    book.save(folder / "visits.xlsx")
    with pytest.raises(
        DataError, match=r"^visits\.xlsx row 4: visit_date 2019年2月30日 is not a date"
    ):
        io.load_dataset(folder)


_TYPED_CELL = st.one_of(
    _CELL,
    st.none(),
    st.booleans(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    table=st.sampled_from(["releases", "visits", "interventions"]),
    cells=st.lists(_TYPED_CELL, min_size=1, max_size=16),
)
def test_malformed_xlsx_rows_raise_only_data_error(tmp_path_factory, table, cells):
    folder = tmp_path_factory.mktemp("propx")
    base = {"releases": RELEASES, "visits": VISITS, "interventions": INTERVENTIONS}
    write(folder, **{k: (None if k == table else v) for k, v in base.items()})
    book = openpyxl.Workbook()
    for line in base[table]:
        book.active.append(line.split(","))
    clean = [c.replace("\x00", "") if isinstance(c, str) else c for c in cells]
    try:
        book.active.append(clean)
    except openpyxl.utils.exceptions.IllegalCharacterError:
        return  # openpyxl refuses control characters; Excel cannot hold them either
    book.save(folder / f"{table}.xlsx")
    try:
        ds = io.load_dataset(folder)
    except DataError as exc:
        assert "\n" not in str(exc)
        return
    assert ds.releases["release_id"].is_unique


def test_killed_writer_leaves_previous_file_intact(tmp_path):
    import signal
    import subprocess
    import sys

    path = tmp_path / "metrics.json"
    path.write_text('{"good": true}', encoding="utf-8")
    script = (
        "import os, signal, sys\n"
        "from workbench.data.write import atomic_path\n"
        "with atomic_path(sys.argv[1]) as tmp:\n"
        "    tmp.write_text('{\"half\": ', encoding='utf-8')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, timeout=60)
    assert run.returncode == -signal.SIGKILL
    assert path.read_text(encoding="utf-8") == '{"good": true}'
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "metrics.json"]
    assert all(name.startswith(".metrics.json.") for name in leftovers)


def test_atomic_outputs_get_the_usual_file_mode(tmp_path):
    old = os.umask(0o022)
    try:
        writing.atomic_write(tmp_path / "a.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644


def test_repairs_keep_their_english_and_are_said_in_chinese(tmp_path):
    """A visit-record dataset's repairs stay the same English strings (metrics.json, report,
    CLI), and the zh validation text says them in Chinese (they were English there):
    duplicates dropped, a missing person_id, missed visits after a death, codes mapped."""
    from workbench.data.repairs import Repair
    from workbench.data.validate import validation_report

    releases = [",".join(x for i, x in enumerate(r.split(",")) if i != 1) for r in RELEASES]
    visits = [*VISITS, "R1,2018-07-05,6,negative", "R1, 2018-07-05 ,6,阴性",
              "R3,2019-01-10,,died", "R3,2019-04-10,12,missed"]  # fmt: skip
    ds = io.load_dataset(write(tmp_path / "d", releases=releases, visits=visits))
    english = [
        "releases.csv: no person_id column; used release_id.",
        "visits.csv: dropped 2 duplicate rows (same release_id, visit_date, result).",
        "visits.csv: dropped 1 missed visits scheduled after a recorded death.",
    ]
    assert all(e in ds.repairs for e in english), ds.repairs
    assert all(isinstance(r, Repair) for r in ds.repairs)
    zh = validation_report(ds).text("zh")
    assert "  - releases.csv：没有 person_id 列，用 release_id 代替。" in zh
    assert "  - visits.csv：删除了2行重复记录（release_id, visit_date, result都相同）。" in zh
    assert "  - visits.csv：删除了1条安排在已记录的死亡之后的未按期回访。" in zh
    assert "  - visits.csv：result：把1个值换成了代码（阴性 → negative: 1）。" in zh
    assert not [e for e in english if e in zh] and "dropped" not in zh and "mapped" not in zh
    en = validation_report(ds).text("en")
    assert all(f"  - {e}" in en for e in english)
