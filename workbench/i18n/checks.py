"""Supports whose weighted comparison failed a check (workbench/reporting/support_checks.py):
no verdict in the summary, the reason beside their row in the Support effects section."""

ENTRIES: dict[str, tuple[str, str]] = {
    "verdict_not_judged": ("不作判断：比较未通过检查", "not judged: its comparison failed a check"),
    "sure_check_failed": (
        "原因见“帮扶措施效果”一节表下注释",
        "see the notes under the table in Support effects",
    ),
    "support_not_judged_list": (
        "不作判断（加权比较未通过可比性检查，数字与原因见“帮扶措施效果”一节）：{}。",
        "Not judged (their weighted comparison failed a check; the numbers and the reason are in "
        "Support effects): {}.",
    ),
    "check_mark": ("[{n}]", "[{n}]"),
}
