"""A centre's (facility's) report: its standing among the province's centres
(workbench/reporting/benchmark.py, `facility_regions`), worded like a prefecture's standing."""

ENTRIES: dict[str, tuple[str, str]] = {
    "q_standing_facility": (
        "本所在全省各戒毒所比较中的位置",
        "Where this centre stands among the province's centres",
    ),
    "standing_line_facility": (
        "在全省各戒毒所的比较中，{name}出所人员风险调整后的12个月操守保持率为{adj}（比较所用的实际值{obs}，"
        "按其人员构成预期{exp}；全省{overall}）。比较对所有戒毒所用同一种估计，实际值可能与本报告自己的估计略有差别。",
        "Among the province's centres, the risk-adjusted 12-month retention of the people "
        "released from {name} is {adj} (observed {obs}; expected from their mix of people {exp}; "
        "province {overall}). The comparison estimates every centre the same way, so its "
        "observed value can differ slightly from this report's own estimate.",
    ),
    "standing_limits_facility": (
        "与{name}规模相同的戒毒所，因偶然波动落在全省水平附近的范围：95%范围 {lo95}–{hi95}，99.8%范围 {lo998}–{hi998}。",
        "For a centre of {name}'s size, chance alone spans {lo95}–{hi95} around the province "
        "level (95% limits; 99.8% limits {lo998}–{hi998}).",
    ),
    "standing_none_facility": (
        "全省各戒毒所的比较中没有{name}的结果（人数过少或无法估计）。",
        "The province's comparison of centres has no result for {name} (too few people or not "
        "estimable).",
    ),
    "standing_basis_facility": (
        "各戒毒所的比较与全省报告的“地区比较”方法相同（同一预期保持率模型、同一控制限），全省报告不列出各所的结果。",
        "The centres are compared the way the province report compares prefectures (the same "
        "expected-retention model and control limits); the province report does not list them.",
    ),
    # a scoped report's tiers chart draws no target (the targets are the province's)
    "cap_tiers_scoped": (
        "“百千万”各层级人数（已确认与预计）",
        "Programme tiers: confirmed and projected",
    ),
}
