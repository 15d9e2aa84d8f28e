"""Write the bad-input corpus: one folder per case, each with `expected.txt` (a regex of the
one-line message `workbench validate CASE` must print). Run from the repository root:

    .venv/bin/python tests/data/bad/make_cases.py [CASE ...]

Each case starts from a small valid dataset and breaks one thing, the way real exports do.
If a case folder holds `spec.yaml`, the test validates that spec instead of the folder.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent
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
EVENTS = ["release_id,event_date,event,source", "R3,2019-02-01,death,civil_registry"]


def edit(lines: list[str], row: int, old: str, new: str) -> list[str]:
    """Replace `old` by `new` in data line `row` (1 = header)."""
    out = list(lines)
    assert old in out[row - 1], (old, out[row - 1])
    out[row - 1] = out[row - 1].replace(old, new, 1)
    return out


def write(folder: Path, releases=RELEASES, visits=VISITS, interventions=INTERVENTIONS, events=None):
    for name, lines in (
        ("releases", releases),
        ("visits", visits),
        ("interventions", interventions),
        ("events", events),
    ):
        if lines is not None:
            (folder / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def xlsx(path: Path, sheets: dict[str, list[str]], merge: str | None = None) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, lines in sheets.items():
        sheet = book.create_sheet(title)
        for line in lines:
            sheet.append(line.split(","))
        if merge:
            sheet.merge_cells(merge)
    book.save(path)


def case_gbk_unknown_prefecture(d):
    write(d, releases=None)
    text = "\n".join(edit(RELEASES, 3, "hengyang,", "武汉市,")) + "\n"
    (d / "releases.csv").write_bytes(text.encode("gb18030"))
    return r"^error: releases\.csv row 3: prefecture 武汉市 is not a known code \(expected one of changsha"


def case_utf16_file(d):
    write(d, releases=None)
    (d / "releases.csv").write_text("\n".join(RELEASES), encoding="utf-16")
    return r"releases\.csv: the file is UTF-16 text \(expected UTF-8 or GB18030\); save it again"


def case_excel_named_csv(d):
    write(d, visits=None)
    xlsx(d / "visits.xlsx", {"visits": VISITS})
    (d / "visits.xlsx").rename(d / "visits.csv")
    return r"visits\.csv: the file is not text .*if it is an Excel workbook, name it \.xlsx"


def case_undecodable_bytes(d):
    write(d, visits=None)
    (d / "visits.csv").write_bytes(
        ("\n".join(VISITS) + "\n").encode() + b"R2,\xff\xfe\x80,6,negative\n"
    )
    return r"visits\.csv: the text is neither UTF-8 nor GB18030/GBK"


def case_empty_file(d):
    write(d, interventions=None)
    (d / "interventions.csv").write_bytes(b"")
    return r"interventions\.csv: the file is empty \(expected a header row and data rows\)"


def case_releases_header_only(d):
    write(d, releases=RELEASES[:1])
    return r"releases\.csv: the table has a header but no rows \(expected one row per release\)"


def case_missing_releases_table(d):
    write(d, releases=None)
    return r"no releases table \(expected releases\.csv, releases\.xlsx or releases\.parquet\)"


def case_missing_visits_table(d):
    write(d, visits=None)
    return r"no visits table \(expected visits\.csv"


def case_missing_column(d):
    lines = [",".join(c for c in line.split(",") if c != "sex") for line in RELEASES[:1]]
    lines += [line.replace(",male,", ",").replace(",female,", ",") for line in RELEASES[1:]]
    write(d, releases=lines)
    return r"releases\.csv: column sex is missing \(expected a header sex or 性别\)"


def case_duplicate_release_id(d):
    write(d, releases=edit(RELEASES, 4, "R3,P3", "R2,P3"))
    return r"releases\.csv row 4: release_id R2 appears again \(first in row 3\)"


def case_impossible_date(d):
    write(d, visits=edit(VISITS, 3, "2019-01-05", "2019-02-30"))
    return r"visits\.csv row 3: visit_date 2019-02-30 is not a date \(expected YYYY-MM-DD.*\); fix the date or drop the row\.$"


def case_ambiguous_date(d):
    write(d, visits=edit(VISITS, 2, "2018-07-05", "07/05/2018"))
    return r"visits\.csv row 2: visit_date 07/05/2018 is ambiguous \(day and month order unknown\)"


def case_impossible_chinese_date(d):
    write(d, releases=edit(RELEASES, 2, "2018-01-05", "2018年13月5日"))
    return r"releases\.csv row 2: release_date 2018年13月5日 is not a date"


def case_date_out_of_range(d):
    write(d, releases=edit(RELEASES, 3, "2018-03-05", "1918-03-05"))
    return r"releases\.csv row 3: release_date 1918-03-05 is outside 1990-2100"


def case_text_in_date(d):
    write(d, interventions=edit(INTERVENTIONS, 2, "2018-02-01", "Feb 2018"))
    return r"interventions\.csv row 2: start_date Feb 2018 is not a date"


def case_visit_before_release(d):
    write(d, visits=edit(VISITS, 4, "2018-09-05", "2018-01-05"))
    return r"visits\.csv row 4: visit_date 2018-01-05 is before the release on 2018-03-05"


def case_intervention_before_release(d):
    write(d, interventions=edit(INTERVENTIONS, 2, "2018-02-01", "2017-12-01"))
    return r"interventions\.csv row 2: start_date 2017-12-01 is before the release on 2018-01-05"


def case_end_before_start(d):
    write(d, interventions=edit(INTERVENTIONS, 3, "2018-12-31", "2018-04-30"))
    return r"interventions\.csv row 3: end_date 2018-04-30 is before start_date 2018-05-01"


def case_visit_after_death(d):
    write(d, visits=[*VISITS, "R3,2019-04-10,12,negative"], events=EVENTS)
    return r"visits\.csv row 6: visit_date 2019-04-10 \(negative\) is after the death recorded on 2019-02-01"


def case_event_after_death(d):
    write(d, events=[*EVENTS, "R3,2019-05-01,relapse,police"])
    return r"events\.csv row 3: event_date 2019-05-01 \(relapse\) is after the recorded death"


def case_unknown_result(d):
    write(d, visits=edit(VISITS, 5, "negative", "good"))
    return (
        r"visits\.csv row 5: result good is not a known code \(expected one of negative, positive"
    )


def case_unknown_intervention(d):
    write(d, interventions=edit(INTERVENTIONS, 2, "financial_aid", "housing"))
    return r"interventions\.csv row 2: intervention housing is not a known code"


def case_award_as_intervention(d):
    write(d, interventions=edit(INTERVENTIONS, 3, "job_placement", "金奖"))
    return r"interventions\.csv row 3: intervention 金奖 is an outcome, not a support"


def case_orphan_visit(d):
    write(d, visits=[*VISITS, "R9,2018-10-10,6,negative"])
    return r"visits\.csv row 6: release_id R9 is not in releases\.csv"


def case_orphan_intervention(d):
    write(d, interventions=edit(INTERVENTIONS, 3, "R2,", "R22,"))
    return r"interventions\.csv row 3: release_id R22 is not in releases\.csv"


def case_negative_count(d):
    write(d, releases=edit(RELEASES, 2, "heroin,1,", "heroin,-1,"))
    return (
        r"releases\.csv row 2: prior_treatments -1 is too small \(expected a number from 0 to 50\)"
    )


def case_huge_amount(d):
    write(d, interventions=edit(INTERVENTIONS, 2, ",5000", ",5000000000"))
    return r"interventions\.csv row 2: amount 5e\+09 is too large \(expected a number from 0 to 1e\+06\)"


def case_motivation_out_of_range(d):
    write(d, releases=edit(RELEASES, 4, ",3", ",11"))
    return r"releases\.csv row 4: motivation_score 11 is too large"


def case_text_in_number(d):
    write(d, releases=edit(RELEASES, 3, "1990", "nineteen ninety"))
    return r"releases\.csv row 3: birth_year nineteen ninety is not a number"


def case_fractional_year(d):
    write(d, releases=edit(RELEASES, 3, "1990", "1990.5"))
    return r"releases\.csv row 3: birth_year 1990\.5 is not a whole number"


def case_bad_flag(d):
    write(d, releases=edit(RELEASES, 2, "junior,1,", "junior,maybe,"))
    return r"releases\.csv row 2: employed_before maybe is not 1 or 0 \(expected 1/0 or 是/否\)"


def case_bad_scheduled_month(d):
    write(d, visits=edit(VISITS, 2, ",6,", ",7,"))
    return r"visits\.csv row 2: scheduled_month 7 is not allowed \(expected one of 6, 12, 18, 24, 30, 36 or empty\)"


def case_empty_required_cell(d):
    write(d, releases=edit(RELEASES, 4, "2018-04-10", ""))
    return r"releases\.csv row 4: release_date is empty .*; fill the cell or drop the row\.$"


def case_unknown_sex(d):
    write(d, releases=edit(RELEASES, 2, ",male,", ",X,"))
    return r"releases\.csv row 2: sex X is not a known code \(expected one of male, female"


def case_ragged_row(d):
    write(d, visits=edit(VISITS, 3, "positive", "positive,extra,cells"))
    return r"visits\.csv row 3: the row has 6 cells but the header has 4"


def case_xlsx_merged_header(d):
    write(d, visits=None)
    xlsx(d / "visits.xlsx", {"visits": VISITS}, merge="A1:B1")
    return r"visits\.xlsx sheet visits: header cells A1:B1 are merged"


def case_xlsx_extra_sheets(d):
    write(d, visits=None)
    xlsx(d / "visits.xlsx", {"Sheet1": VISITS, "汇总": ["a,b", "1,2"]})
    return r"visits\.xlsx: the workbook has sheets Sheet1, 汇总 and none is named visits"


def case_xls_old_format(d):
    write(d, visits=None)
    (d / "visits.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64)
    return r"visits\.xls: old-style Excel files cannot be read"


def case_two_files_one_table(d):
    write(d)
    xlsx(d / "visits.xlsx", {"visits": VISITS})
    return r"visits\.csv and visits\.xlsx both hold visits \(expected one file per table\)"


def case_chinese_header_twice(d):
    lines = [RELEASES[0] + ",编号"] + [line + "," + line.split(",")[0] for line in RELEASES[1:]]
    write(d, releases=lines)
    return r"releases\.csv: columns release_id and 编号 both mean release_id; keep one of them"


def case_repeated_header(d):
    write(d, visits=[VISITS[0] + ",备注,备注"] + [v + ",," for v in VISITS[1:]])
    return r"visits\.csv: the header 备注 appears more than once"


def case_dataset_yaml_unknown_key(d):
    write(d)
    (d / "dataset.yaml").write_text("name: test\ncut_off: 2020-01-01\n", encoding="utf-8")
    return r"dataset\.yaml: unknown key cut_off \(expected one of name, cutoff, description"


def case_dataset_yaml_bad_cutoff(d):
    write(d)
    (d / "dataset.yaml").write_text("name: test\ncutoff: 2020-13-45\n", encoding="utf-8")
    return r"dataset\.yaml: cutoff 2020-13-45 is not a date"


def _spec_table(d):
    (d / "table.csv").write_text("week,arrest,fin,age\n20,1,0,27\n52,0,1,19\n", encoding="utf-8")


def case_spec_missing_column(d):
    _spec_table(d)
    (d / "spec.yaml").write_text(
        "table: table.csv\ntime: weeks\nevent: arrest\ntime_unit: weeks\n", encoding="utf-8"
    )
    return (
        r"spec\.yaml: column weeks is not in table\.csv \(expected one of week, arrest, fin, age\)"
    )


def case_spec_unknown_key(d):
    _spec_table(d)
    (d / "spec.yaml").write_text(
        "table: table.csv\ntime: week\nevent: arrest\nunit: weeks\n", encoding="utf-8"
    )
    return r"spec\.yaml: unknown key unit \(expected one of name, description, table"


def case_spec_wrong_type(d):
    _spec_table(d)
    (d / "spec.yaml").write_text(
        "table: table.csv\ntime: week\nevent: arrest\ninterventions: fin\n", encoding="utf-8"
    )
    return r"spec\.yaml: interventions must be a list of column names or mappings, not 'fin'"


def case_spec_bad_event_value(d):
    (d / "table.csv").write_text("week,arrest\n20,1\n52,maybe\n", encoding="utf-8")
    (d / "spec.yaml").write_text("table: table.csv\ntime: week\nevent: arrest\n", encoding="utf-8")
    return r"table\.csv row 3: arrest maybe is not an event value"


# Parameter files for `workbench report --params` and `workbench batch` (issue 7 item 1): each
# case folder holds a valid dataset in data/ and one broken report.yaml or batch.yaml. The test
# runs the CLI with --out CASE/out, which must not appear. test_report.py already covers an
# unknown report key, a word for n_bootstrap, an impossible cutoff and a missing data folder.


def _report(d, text):
    (d / "data").mkdir()
    write(d / "data")
    (d / "report.yaml").write_text(text, encoding="utf-8")


def _batch(d, text):
    (d / "data").mkdir()
    write(d / "data")
    (d / "batch.yaml").write_text(text, encoding="utf-8")


def case_params_milestones_word(d):
    _report(d, "data: data\nname: province\nmilestones: twelve\n")
    return (
        r"^workbench report: .*report\.yaml: milestones 'twelve' is not a whole number \(expected "
        r"a list of whole months such as \[12, 24, 36\]\); write it in digits \(line 3\)$"
    )


def case_params_lang_fr(d):
    _report(d, "data: data\nlang: fr\n")
    return r"^workbench report: .*report\.yaml: lang 'fr' is not one of: zh, en; use one of these \(line 2\)$"


def case_params_unknown_prefecture(d):
    _report(d, "data: data\nname: wuhan\nprefecture: wuhan\n")
    return (
        r"^workbench report: .*report\.yaml: prefecture 'wuhan' is not a known prefecture code, so "
        r"no release is in the report's scope \(expected one of: changsha, .*xiangxi\); use one "
        r"of these codes \(line 3\)$"
    )


def case_params_impossible_release_start(d):
    _report(d, "data: data\nrelease_start: 2019-13-01\n")
    return (
        r"^workbench report: .*report\.yaml: release_start '2019-13-01' is not a date \(expected "
        r"YYYY-MM-DD, e\.g\. 2019-06-30\); correct the date \(line 2\)$"
    )


def case_params_negative_bootstrap(d):
    _report(d, "data: data\nn_bootstrap: -200\n")
    return (
        r"^workbench report: .*report\.yaml: n_bootstrap -200 is below its minimum 0; use 0 or "
        r"more \(line 2\)$"
    )


def case_params_empty_file(d):
    _report(d, "")
    return (
        r"^workbench report: .*report\.yaml: the parameter file is empty; write at least "
        r"'data: FOLDER'"
    )


def case_params_yaml_syntax(d):
    _report(d, "data: data\nmilestones: [12, 24\nlang: en\n")
    return (
        r"^workbench report: .*report\.yaml: not valid YAML at line 3 \(.*\); check indentation, "
        r"colons and quotes$"
    )


def case_params_not_a_mapping(d):
    _report(d, "- data\n- lang\n")
    return r"^workbench report: .*report\.yaml: expected a mapping of parameters at the top level"


def case_params_batch_run_unknown_key(d):
    _batch(
        d,
        "defaults:\n  data: data\n  n_bootstrap: 3\nruns:\n  - name: a\n  - name: b\n    bootstrp: 5\n",
    )
    return (
        r"^workbench batch: .*batch\.yaml: run 2: unknown parameter 'bootstrp' \(the batch was "
        r"not started\); valid parameters are: data, .*; did you mean 'n_bootstrap'\? \(line 7\)$"
    )


def case_params_batch_defaults_unknown_key(d):
    _batch(d, "defaults:\n  data: data\n  langauge: en\nruns:\n  - name: a\n")
    return (
        r"^workbench batch: .*batch\.yaml: defaults: unknown parameter 'langauge' \(the batch was "
        r"not started\); valid parameters are: .*; did you mean 'lang'\? \(line 3\)$"
    )


def case_params_batch_unknown_top_key(d):
    _batch(d, "defaults:\n  data: data\nrun:\n  - name: a\n")
    return (
        r"^workbench batch: .*batch\.yaml: unknown key 'run'; valid keys are: name, out, "
        r"defaults, runs; did you mean 'runs'\? \(line 3\)$"
    )


def main(names: list[str]) -> None:
    """Write the cases named (all when none are named)."""
    cases = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}
    for name, make in cases.items():
        if names and name not in names:
            continue
        folder = HERE / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        pattern = make(folder)
        (folder / "expected.txt").write_text(pattern + "\n", encoding="utf-8")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main(sys.argv[1:])
