"""The summary's data-quality line says the repairs made while reading the data in the report's
language (data/repairs.Repair), not in English in a Chinese report; one sentence each."""

from workbench.data.repairs import Repair
from workbench.reporting.summary import repairs_line


def test_repairs_are_said_in_the_reports_language_one_sentence_each():
    repairs = [Repair("dq_repair_bom", file="visits.csv"),
               Repair("dq_repair_trimmed", file="releases.csv", n=1200), "a note without a stop"]  # fmt: skip
    assert repairs_line(repairs, 10, "zh") == (
        "数据质量：visits.csv：去掉了UTF-8字节顺序标记。releases.csv：去掉了1,200个单元格前后的空格。"
        "a note without a stop。"
    )
    assert repairs_line(repairs, 10, "en") == (
        "Data quality: visits.csv: removed the UTF-8 byte-order mark. releases.csv: trimmed "
        "spaces around 1,200 cells. a note without a stop."
    )
