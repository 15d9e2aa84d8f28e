"""The words of a batch's index.html (workbench/reporting/batch_index.py): the page an analyst
emails round with the batch's reports. A batch with runs in both languages gets both on one page
(Chinese first); a batch in one language gets that one."""

ENTRIES: dict[str, tuple[str, str]] = {
    "idx_title": ("{batch}：报告", "{batch}: reports"),
    "idx_batch_of": ("本批次生成于{when}：{tally}", "Batch of {when}: {tally}"),
    "idx_tally_ok": ("{n}份已生成", "{n} built"),
    "idx_tally_skipped": ("{n}份沿用", "{n} reused"),
    "idx_tally_failed": ("{n}份失败", "{n} failed"),
    "idx_data": ("数据", "Data"),
    "idx_period": (
        "出所日期{start}至{end}，数据截止{cutoff}",
        "releases {start} to {end}, data cut-off {cutoff}",
    ),
    "idx_periods_differ": (
        "（部分报告使用其他时期，见各报告）",
        " (some runs use another period: see each report)",
    ),
    "idx_code": ("代码", "Code"),
    "idx_code_value": (
        "workbench {version}，提交{commit}，代码版本{code}",
        "workbench {version}, commit {commit}, code version {code}",
    ),
    "idx_figures": ("数字", "Figures"),
    "idx_figures_value": (
        "与各报告公布的数字相同（metrics.json）；被抑制的数字留空",
        "as published in each report (metrics.json): suppressed figures stay blank",
    ),
    "idx_col_scope": ("范围", "Scope"),
    "idx_col_released": ("出所人员", "People released"),
    "idx_col_retention": ("12个月操守保持率", "12-month retention"),
    "idx_col_coverage": ("照管覆盖率", "Coverage"),
    "idx_ci": ("95%置信区间{lo}–{hi}", "95% CI {lo}–{hi}"),
    "idx_not_in_batch": ("不在本批次", "not in this batch"),
    "idx_history": ("批次{when}：{status}", "batch {when}: {status}"),
    "idx_status_ok": ("已生成", "built"),
    "idx_status_skipped": ("沿用", "reused"),
    "idx_status_failed": ("失败", "failed"),
    "idx_outdated": (
        "此前的报告已改名为OUTDATED-*，请勿发送",
        "earlier report renamed OUTDATED-*, do not send",
    ),
    "idx_built": ("报告生成于{when}（{s}秒）", "report built {when} ({s} s)"),
    "idx_built_at": ("报告生成于{when}", "report built {when}"),
}
