"""The data domain's words (data contract, data-quality report, dataset specs, cohort caveats):
key -> (Chinese, English). Pure data; `workbench.i18n.t` renders."""

from __future__ import annotations

ENTRIES = {
    # caveats raised while building exposures (cohort/exposure.py)
    "caveat_outcome_records": (
        "帮扶记录中的{outcome}是结果（以保持操守为前提评定），未作为帮扶措施比较。",
        "The interventions table holds {outcome}: these are outcomes (given to people because "
        "they stayed abstinent), so they are not compared as supports.",
    ),
    # the data-quality report of `workbench validate` (data/validate.py)
    "dq_title": ("数据质量", "Data quality"),
    "dq_rows": ("行", "rows"),
    "dq_by_prefecture": ("各市州出所人数", "releases by prefecture"),
    "dq_coverage": ("回访覆盖率", "coverage of scheduled visits"),
    "dq_lost": ("失访", "lost to follow-up"),
    "dq_contradictions": ("矛盾记录", "contradictions"),
    "dq_repairs": ("自动修复", "repairs made"),
    "dq_identifiers": ("疑似直接身份信息", "possible direct identifiers"),
    "dq_none": ("无", "none"),
    "dq_cutoff": ("数据截止日期", "data cut-off"),
    "dq_table_releases": ("出所人员", "releases"),
    "dq_table_visits": ("回访记录", "visits"),
    "dq_table_interventions": ("帮扶措施", "interventions"),
    "dq_table_events": ("事件", "events"),
    "dq_table_rows": ("表格", "table"),
    "dq_table_spec_events": ("事件（{label}）", "events ({label})"),
    "dq_source_simulated": (
        "模拟数据（非真实数据），随机种子 {seed}",
        "simulated data (not real programme data), seed {seed}",
    ),
    "dq_note": ("说明", "note"),
    "dq_dropped_rows": (
        "{n:,}行有空值，按完整记录规则未纳入任何分析（各列空值数：{where}）",
        "{n:,} row(s) with an empty value were left out of every analysis (complete cases; "
        "empty cells per column: {where})",
    ),
    # repairs made while reading a dataset folder (data/read.py, conform.py, io.py, links.py;
    # data/repairs.Repair): English as it always was, Chinese in the zh validation text
    "dq_repair_bom": (
        "{file}：去掉了UTF-8字节顺序标记。",
        "{file}: removed the UTF-8 byte-order mark.",
    ),
    "dq_repair_gb18030": (
        "{file}：按GB18030（中文Windows）编码读取。",
        "{file}: read as GB18030 (Chinese Windows) text.",
    ),
    "dq_repair_title_row": (
        "{file}：跳过了表头上方的标题行。",
        "{file}: skipped the title row above the header.",
    ),
    "dq_repair_ignored_columns": (
        "{file}：忽略了{n}个数据约定之外的列。",
        "{file}: ignored {n} columns not in the contract.",
    ),
    "dq_repair_renamed": ("{file}：重命名了表头 {renamed}。", "{file}: renamed headers {renamed}."),
    "dq_repair_trimmed": (
        "{file}：去掉了{n:,}个单元格前后的空格。",
        "{file}: trimmed spaces around {n:,} cells.",
    ),
    "dq_repair_codes": (
        "{file}：{column}：把{n:,}个值换成了代码（{detail}）。",
        "{file}: {column}: mapped {n:,} values to codes ({detail}).",
    ),
    "dq_repair_flags": (
        "{file}：{column}：把{n:,}个词换成了1/0（{detail}）。",
        "{file}: {column}: mapped {n:,} words to 1/0 ({detail}).",
    ),
    "dq_repair_person_id": (
        "{file}：没有 person_id 列，用 release_id 代替。",
        "{file}: no person_id column; used release_id.",
    ),
    "dq_repair_duplicates": (
        "{file}：删除了{n:,}行重复记录（{columns}都相同）。",
        "{file}: dropped {n:,} duplicate rows (same {columns}).",
    ),
    "dq_repair_after_death": (
        "{file}：删除了{n:,}条安排在已记录的死亡之后的未按期回访。",
        "{file}: dropped {n:,} missed visits scheduled after a recorded death.",
    ),
    "dq_note_no_schedule": (
        "可分析的表格没有回访计划，因此不计算照管覆盖率",
        "an analysis-ready table has no visit schedule, so no tracking coverage",
    ),
    "dq_negative_after_relapse": (
        "复吸后又出现阴性结果",
        "negative result after the first evidence of relapse",
    ),
    "dq_contact_after_transfer": ("迁出后仍有回访", "contact after transfer out"),
    "dq_same_day_conflict": ("同日阴性与阳性结果并存", "negative and positive on the same day"),
    "dq_outside_window": (
        "计划回访与应访日相差超过{days}天",
        "scheduled visit more than {days} days from its due day",
    ),
    # dataset specs and the cohort contract (data/spec.py, data/spec_columns.py, cohort/contract.py;
    # their start label "release" is report_methods' start_release)
    "competing_event": ("竞争事件", "competing event"),
    "start_label_example": ("随机分组", "randomisation"),  # in the start_label error message
    "flag_yes": ("是", "yes"),  # accepted in yes/no columns of a dataset spec
    "flag_no": ("否", "no"),
    # dataset.yaml (data/io.py): the example in the interventions error message
    "housing_example": ("住房帮扶", "housing support"),
}

# Chinese words that make a column header a direct identifier (workbench.privacy.identifiers:
# HEADER_WORDS' first element per kind, matched anywhere in a header), kept here so that Chinese
# text lives in the catalog package. Not display text: detection vocabulary, pure data.
IDENTIFIER_HEADERS_ZH: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "曾用名", "别名", "绰号", "化名", "真名"),
    "resident ID number": ("身份证", "身份号码", "证件号", "证件编号", "公民身份", "护照", "居住证"),
    "phone number": ("手机", "电话", "联系方式", "固话", "座机", "传真"),
    "address": ("地址", "住址", "户籍", "现住", "居住地", "住所", "家庭住址", "籍贯", "门牌", "通讯地址",
         "所在地", "住处", "暂住"),
    "e-mail or social account": ("邮箱", "电子邮件", "微信", "qq", "微博", "抖音", "支付宝"),
    "relative or contact person": ("家属", "联系人", "监护人", "亲属", "配偶", "父亲", "母亲", "紧急联系"),
    "other direct identifier": ("车牌", "银行卡", "银行账号", "卡号", "社保号", "医保号", "指纹", "照片", "头像", "人脸",
         "档案号", "工号", "学号", "签名"),
    "free text": ("备注", "说明", "描述", "情况说明", "附注", "记录内容", "详情", "简历", "案情"),
}  # fmt: skip
# ... and free-text headers that are identifiers only as the whole header ("other").
IDENTIFIER_WHOLE_HEADERS_ZH = ("其他", "其它")
