"""The words of the report's verdicts on which support works, read from the emulated target
trials (workbench/reporting/trial_verdicts.py; rules in docs/report_wording.md), zh/en.

Glossary terms verbatim: 目标试验模拟, 出所后6个月内开始帮扶 / 不开始帮扶, 该策略下24个月内复吸风险,
风险差（百分点）, 95%置信区间, 把握程度（较有把握 / 尚不确定 / 人数太少，无法判断）, 结果不作为结论.
"""

ENTRIES: dict[str, tuple[str, str]] = {
    # the executive summary's lines (reporting.trial_verdicts.summary_block)
    "tv_sum_lower": (
        "目标试验模拟：如果所有符合条件的人都在出所后{g}个月内开始帮扶，{m}个月内复吸风险会更低"
        "（风险差的95%置信区间不含零）：{names}。",
        "Target trials: had everyone eligible started it within {g} months of release, "
        "{m}-month relapse would be lower (the 95% CI of the difference excludes zero) for: "
        "{names}.",
    ),
    "tv_sum_higher": (
        "目标试验模拟：出所后{g}个月内开始帮扶时{m}个月内复吸风险反而更高（风险差的95%置信区间不含零），"
        "需要核查：{names}。",
        "Target trials: {m}-month relapse would be higher when started within {g} months (the "
        "95% CI of the difference excludes zero), so check further: {names}.",
    ),
    "tv_sum_unclear": (
        "{m}个月内复吸风险无明显差异（风险差的95%置信区间包含零，这些数据不能说明有无作用）：{names}。",
        "No clear difference in {m}-month relapse (the 95% CI of the difference includes zero: "
        "these data cannot tell whether it makes any difference): {names}.",
    ),
    "tv_sum_none_lower": (
        "目标试验模拟：没有一项帮扶在出所后{g}个月内开始时{m}个月内复吸风险明显更低。",
        "Target trials: for no support is {m}-month relapse clearly lower when started within "
        "{g} months.",
    ),
    "tv_sum_not_judged": (
        "不作判断，结果不作为结论（{why}；数字与注意事项见“帮扶措施效果”一节）：{names}。",
        "Not judged ({why}; the numbers and the caution are in Support effects): {names}.",
    ),
    "tv_sum_not_estimable": ("无法判断（{why}）：{names}。", "Cannot say ({why}): {names}."),
    "tv_sum_cross_check": (
        "交叉核对：敏感性分析（风险比与第{landmark}天界标比较）的方向与目标试验模拟相反：{names}"
        "（详见“帮扶措施效果”一节）。",
        "Cross-check: the sensitivity analyses (hazard ratio and day-{landmark} landmark "
        "comparison) point the other way for: {names} (see Support effects).",
    ),
    # why a support is not judged / cannot be judged, in a few words (no figures)
    "tv_why_weights": (
        "少数高权重个体主导了“开始”策略的数字",
        'a few heavily weighted people drive the "start" strategy\'s numbers',
    ),
    "tv_why_positivity": (
        "有些人群中没有人在宽限期内开始这项帮扶（阳性假设不足）",
        "in some groups nobody started it within the grace period (weak positivity)",
    ),
    "tv_why_few_starts": (
        "在宽限期内开始这项帮扶的人太少",
        "too few people started it within the grace period",
    ),
    "tv_why_too_few": ("人数太少", "too few people"),
    "tv_why_nobody": (
        "截至数据截止日期，本报告范围内没有人接受过这项帮扶",
        "nobody in this report's scope had received it by the data cut-off",
    ),
    "tv_why_no_grace_month": (
        "出所后第{g}个月没有人开始这项帮扶，无法按{g}个月的宽限期模拟",
        "nobody started it in month {g} after release, so it cannot be emulated with a "
        "{g}-month grace period",
    ),
    "tv_why_no_ci": ("没有置信区间", "there is no confidence interval"),
    "tv_why_failed": (
        "这些数据无法模拟这项试验",
        "the trial could not be emulated from these data",
    ),
    # the summary's table
    "cap_tv_table": (
        "帮扶措施效果：目标试验模拟，该策略下{m}个月内复吸风险（出所后{g}个月内开始帮扶 与 不开始帮扶）",
        "Support effects: relapse risk by {m} months if everyone eligible started it within {g} "
        "months of release, or never (emulated target trials)",
    ),
    "col_tv_start": ("出所后{g}个月内开始帮扶", "Start within {g} months"),
    "col_tv_never": ("不开始帮扶", "Never start"),
    "col_tv_rd": ("风险差（百分点，95%置信区间）", "Difference, points (95% CI)"),
    "tv_verdict_lower": ("复吸风险更低", "lower relapse"),
    "tv_verdict_higher": ("复吸风险更高，需核查", "higher relapse: check"),
    "tv_verdict_no_clear_difference": ("无明显差异", "no clear difference"),
    "tv_verdict_not_judged": ("不作判断", "not judged"),
    "tv_sure_see_effects": ("见“帮扶措施效果”", "see Support effects"),
    "tv_rule": (
        "判断规则：出所后{g}个月内开始帮扶与不开始帮扶相比，{m}个月内复吸风险的风险差的95%置信区间不含零时，"
        "才判为“复吸风险更低”或“复吸风险更高”；包含零时为“无明显差异”。"
        "模拟试验未通过权重或阳性检查（少数高权重个体主导、某些人群无人开始、开始的人太少）的帮扶不作判断，"
        "结果不作为结论。风险比与界标比较是敏感性分析，只有方向相反时才在此列出。"
        "帮扶不是随机分配的，这些是调整已记录因素后的估计，见“方法与注意事项”。",
        "Rule: 'lower' or 'higher' only when the 95% CI of the difference in {m}-month relapse "
        "risk (start within {g} months minus never start) excludes zero; 'no clear difference' "
        "when it includes zero. A support whose trial failed a weight or positivity check (a "
        "few heavily weighted people, a group where nobody started it, too few starts) is not "
        "judged. The hazard-ratio and landmark analyses are sensitivity analyses, named here "
        "only where they point the other way. Support is not random: these are estimates "
        "adjusted for recorded characteristics (see Methods and caveats).",
    ),
    # the effects section: a not-judged support's line and its cautions under the risk table
    "tv_find_not_judged": (
        "{name}{mark}：不作判断，结果不作为结论（{why}）；下表中它的数字仅供参考（见表下注释{mark}）。",
        "{name} {mark}: not judged ({why}); its rows in the table below are for reference "
        "only (see note {mark} under the table).",
    ),
    "tv_caveat_weights": (
        "注意：在“{arm}”策略下，第{month}个月加权后的有效样本量只有{ess}人{share}，"
        "少数高权重个体主导了这一数字，因此不作判断。",
        'Caution: under the "{arm}" strategy the weighted data in month {month} count as only '
        "{ess} people{share}: a few heavily weighted people drive this number, so it is not "
        "judged.",
    ),
    "tv_caveat_share": (
        "（占当月在访人数的{share}，检查要求至少{need}）",
        " ({share} of those followed that month; the check asks for at least {need})",
    ),
    "tv_caveat_positivity": (
        "注意：{covariate}为“{level}”的人中，没有人在{g}个月内开始这项帮扶（阳性假设不足），"
        "对他们的“开始”策略只能依靠模型推算，因此不作判断。",
        'Caution: among people with {covariate} "{level}", nobody started it within {g} '
        'months (weak positivity), so the "start" strategy is extrapolated for them by the '
        "model: it is not judged.",
    ),
    "tv_caveat_few_starts": (
        "注意：在{g}个月内开始这项帮扶的人少于{few}人，“开始”策略的数字依赖少数人，因此不作判断。",
        'Caution: fewer than {few} people started it within {g} months, so the "start" '
        "strategy's number rests on few people: it is not judged.",
    ),
    # the sensitivity analyses' intro when the target trials lead (reporting.model_sections)
    "tv_eff_intro_sensitivity": (
        "帮扶不是随机分配的，并且在出所后才开始。第一项敏感性分析把每项帮扶作为随时间变化的暴露（从开始之日起计），"
        "并调整出所时的特征，得出风险比；平均保持操守天数之差来自第{landmark}天界标分析（倾向性评分重叠加权），"
        "它描述的是既可能接受也可能不接受该帮扶的人（重叠人群），而不是全部出所人员。",
        "Support is not handed out at random and starts after release. The first sensitivity "
        "analysis treats each support as switching on from its start day and adjusts for "
        "characteristics at release (the hazard ratio); the difference in mean abstinent days "
        "comes from a landmark analysis at day {landmark} with propensity-score overlap weights, "
        "and describes the people who could as well have received the support as not (the "
        "overlap population), not everyone released.",
    ),
    # Methods and caveats (reporting.closing.methods): how the summary judges a support
    "tv_methods": (
        "哪些帮扶有效：每项帮扶按目标试验模拟比较（复制—删失—加权：出所后{g}个月内开始帮扶与不开始帮扶相比的"
        "{m}个月内复吸风险；权重来自出所时的特征和每次随访时的就业情况，不截断）。摘要只在风险差的95%置信区间"
        "不含零时判为“复吸风险更低”或“复吸风险更高”；模拟试验未通过权重或阳性检查的帮扶不作判断，结果不作为结论；"
        "风险比与界标比较为敏感性分析，只在方向相反时列入摘要。",
        "Which support works: each support is compared as an emulated target trial "
        "(clone–censor–weight: {m}-month relapse risk if everyone eligible started it within "
        "{g} months of release vs never; weights from the characteristics at release and "
        "employment at each visit, not truncated). The summary calls a support 'lower' or "
        "'higher' only when the 95% CI of the difference excludes zero, and does not judge one "
        "whose trial failed a weight or positivity check; the hazard-ratio and landmark "
        "analyses are sensitivity analyses, in the summary only where they point the other way.",
    ),
}
