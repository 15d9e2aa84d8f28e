"""The target-trial emulation's words (``workbench.emulation``): the TARGET-style protocol,
the strategies, the caveats and the reasons an emulation cannot be made, zh/en."""

ENTRIES = {
    # a word given in both languages by the caller (a support's label from data.codes)
    "tt_name": ("{zh}{en:.0}", "{zh:.0}{en}"),
    # strategies (curves_/flow_ strategy "start" / "never")
    "tt_strategy_start": (
        "出所后{grace}个月内开始{name}",
        "start {name} within {grace} months of release",
    ),
    "tt_strategy_never": ("随访期间不开始{name}", "never start {name} during follow-up"),
    # the protocol table (TargetTrial.protocol_), one entry per row
    "tt_row_eligibility": ("纳入标准", "Eligibility"),
    "tt_row_strategies": ("干预策略", "Treatment strategies"),
    "tt_row_time_zero": ("时间零点", "Time zero"),
    "tt_row_assignment": ("分组方式", "Assignment"),
    "tt_row_outcome": ("结局", "Outcome"),
    "tt_row_follow_up": ("随访", "Follow-up"),
    "tt_row_contrast": ("因果对比", "Causal contrast"),
    "tt_row_analysis": ("分析方法", "Analysis plan"),
    "tt_protocol_eligibility": (
        "所有出所记录（{n:,}次出所），不论出所时的情况；同一人多次出所各算一次。",
        "every release ({n:,} releases), whatever the situation at release; a person released "
        "twice counts twice.",
    ),
    "tt_protocol_strategies": (
        "（1）{start}：前{before}个月按实际情况开始；到第{grace}个月仍符合条件（在世、未发现复吸）"
        "且尚未开始的人在第{grace}个月开始；（2）{never}。",
        "(1) {start}: started as it happens in months 1–{before}; whoever is still eligible "
        "(alive, no relapse detected) and has not started starts in month {grace}; (2) {never}.",
    ),
    "tt_protocol_time_zero": (
        "出所当天：纳入、分组（克隆到两种策略）和随访开始都在这一天。",
        "the day of release: eligibility, assignment (cloning into both strategies) and the "
        "start of follow-up all happen then.",
    ),
    "tt_protocol_assignment": (
        "每次出所复制为两个克隆，各遵循一种策略；克隆一旦偏离其策略即删失（从不开始：开始当月；"
        "{grace}个月内开始：第{grace}个月末仍符合条件却未开始）。用逆删失概率加权（开始帮扶的逻辑斯蒂"
        "回归模型：基线协变量{employment}和月份；第{grace}个月另用该月仍符合条件者的模型）校正偏离带来的"
        "选择。",
        "each release is cloned into both strategies; a clone is censored when it deviates "
        "(never: in the month it starts; within {grace} months: at the end of month {grace} if "
        "still eligible and not started). Inverse-probability-of-censoring weights (logistic "
        "models of starting: baseline covariates{employment} and month; for month {grace} a "
        "model of those still eligible at its end) correct the selection this causes.",
    ),
    "tt_protocol_employment": (
        "、当前就业状况（最近一次接触时记录）",
        ", current employment (as last recorded at a contact)",
    ),
    "tt_protocol_outcome": (
        "复吸（只知道发生在两次随访之间），死亡为竞争事件。",
        "relapse (known only to lie between two visits), with death as a competing event.",
    ),
    "tt_protocol_follow_up": (
        "从出所到复吸、死亡、失访/迁出/数据截止或{months}个月，以先到者为准。",
        "from release to relapse, death, loss to follow-up / transfer / data cut-off or "
        "{months} months, whichever comes first.",
    ),
    "tt_protocol_contrast": (
        "两种策略下第{horizons}个月的复吸风险之差和之比，以及{months}个月内限制平均无事件时间之差"
        "（按方案分析的类比）。",
        "the difference and ratio of relapse risk under the two strategies at months "
        "{horizons}, and the difference of restricted mean event-free time to {months} months "
        "(per-protocol analogue).",
    ),
    "tt_protocol_analysis": (
        "克隆—删失—加权；按月离散时间的复吸和死亡风险，用加权自洽（期望最大化）算法处理区间删失的复吸；"
        "权重不截断（报告最大权重和有效样本量）；{ci}。",
        "clone–censor–weight; monthly discrete-time hazards of relapse and death, with a weighted "
        "self-consistency (EM) algorithm for the interval-censored relapse; weights not "
        "truncated (the largest weight and the effective sample size are reported); {ci}.",
    ),
    "tt_ci_bootstrap": (
        "95%置信区间：对出所记录重复抽样{n}次，整个过程重新估计（百分位法）",
        "95% confidence intervals from {n} bootstrap samples of releases, the whole procedure "
        "refitted (percentile)",
    ),
    "tt_ci_sandwich": (
        "95%置信区间：影响函数（稳健）方差，权重视为已知",
        "95% confidence intervals from the influence-function (sandwich) variance, weights "
        "taken as known",
    ),
    # why there is no emulation (NotEstimable reasons)
    "tt_no_start_dates": (
        "无法模拟目标试验：数据中没有帮扶的开始日期（只有基线的是/否列）。",
        "no target trial can be emulated: the data have no support start dates (only baseline "
        "yes/no columns).",
    ),
    "tt_too_few_starts": (
        "无法模拟目标试验：宽限期内开始{name}的只有{n_starts}人（至少需要{minimum}人）。",
        "no target trial can be emulated: only {n_starts} people started {name} within the "
        "grace period (at least {minimum} are needed).",
    ),
    "tt_no_start_in_grace_month": (
        "无法模拟目标试验：数据中没有人在第{grace}个月开始{name}，“第{grace}个月仍未开始者在当月开始”"
        "这一策略无从估计；请换一个宽限期。",
        "no target trial can be emulated: nobody started {name} in month {grace}, so the "
        "strategy 'whoever has not started starts in month {grace}' cannot be estimated; choose "
        "another grace period.",
    ),
    # caveats (StatisticalWarning codes)
    "caveat_tt_positivity": (
        "目标试验（{name}）：{covariate}为“{level}”的{n:,}人中，宽限期内没有人开始该帮扶；"
        "对这部分人，“开始”策略的结果只能由其他人外推。",
        "target trial ({name}): of the {n:,} people with {covariate} = {level}, nobody started "
        "it within the grace period; for them the 'start' strategy's outcome is extrapolated "
        "from others.",
    ),
    "caveat_tt_extreme_weights": (
        "目标试验（{name}，{strategy}）：最大权重{max_weight:.1f}，有效样本量在第{month}个月降至"
        "{ess:.0f}；估计依赖少数人。",
        "target trial ({name}, {strategy}): largest weight {max_weight:.1f}, effective sample "
        "size down to {ess:.0f} in month {month}; the estimate rests on few people.",
    ),
    "caveat_tt_few_starts": (
        "目标试验（{name}）：宽限期内只有{n_starts}人开始该帮扶，结果不确定性大。",
        "target trial ({name}): only {n_starts} people started it within the grace period; "
        "the result is very uncertain.",
    ),
}
