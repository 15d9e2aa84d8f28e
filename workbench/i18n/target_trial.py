"""The report's words for the emulated target trials (issue 18): the protocol table, the flow
of numbers, the risk tables and curves, the plain findings and their caveats, zh/en.

The estimator's own protocol words (``workbench.emulation``) are in ``i18n.emulation``; these
are the report's and the command's sentences around them. A finding whose 95 % CI of the risk
difference includes 0 uses the ``tt_find_unclear`` wording, which says what was estimated and
that the data cannot tell, never "would" or "lowers".

Size: a catalog, pure data — the report's, the command's and notebook 03/04's words for the
target trials in two languages, kept together so that a translator reviews them in one place.
"""

ENTRIES = {
    # section
    "sec_tt": ("帮扶效果：目标试验模拟", "Which support works: emulated target trials"),
    "tt_intro": (
        "每项帮扶都按一项试验的问题来回答：在符合条件的出所人员中，如果所有人都在出所后{g}个月内开始这项帮扶，"
        "与所有人都不开始相比，12、24、36个月内的复吸风险各是多少？每个符合条件的人同时计入两种策略"
        "（“复制”），当其记录偏离某一策略时即在该策略中删失；用出所时的特征和每次随访时的就业情况计算权重，"
        "弥补删失带来的偏差。这些数字来自观察记录，不是随机试验：其可信程度取决于影响开始帮扶和复吸的因素是否都已记录。",
        "Each support is answered as the question a trial would ask: among the people released "
        "who were eligible, what share would have relapsed by 12, 24 and 36 months if all of "
        "them had started the support within {g} months of release, compared with none of them "
        'starting it? Every eligible person is counted under both strategies ("cloned") and '
        "leaves a strategy when their records depart from it; weights built from the "
        "characteristics at release and employment at each visit make up for those who leave. "
        "The numbers come from observational records, not a randomised trial: they can be "
        "trusted only as far as what drives both starting a support and relapse was recorded.",
    ),
    "tt_sensitivity_heading": (
        "敏感性分析：风险比（时间依存模型）与第{landmark}天界标比较",
        "Sensitivity analyses: hazard ratios (time-varying model) and the day-{landmark} "
        "landmark comparison",
    ),
    "tt_sensitivity_intro": (
        "以下分析回答的是另一个问题（风险比，以及从界标日起的比较），作为上面目标试验模拟的交叉核对："
        "帮扶是否有效以目标试验模拟为准，摘要只在两者方向相反时提及这些分析。",
        "The analyses below answer a different question (a hazard ratio, and a comparison from "
        "the landmark day on) and cross-check the target trials above: the verdicts come from "
        "the trials, and the summary mentions these analyses only where they point the other way.",
    ),
    "tt_none": (
        "本报告范围内无法进行目标试验模拟：{why}",
        "No target trial could be emulated in this report's scope: {why}",
    ),
    # the protocol table (TARGET guideline items)
    "cap_tt_protocol": (
        "目标试验模拟方案（各项帮扶相同，只是帮扶名称不同）",
        "The emulated target trial's protocol (the same for every support, apart from its name)",
    ),
    "col_tt_item": ("方案要素", "Protocol item"),
    "col_tt_spec": ("本报告的做法", "In this report"),
    "tt_item_eligibility": ("纳入条件", "Eligibility"),
    "tt_item_strategies": ("比较的策略", "Treatment strategies"),
    "tt_item_time_zero": ("起点（时间零点）", "Time zero"),
    "tt_item_assignment": ("分配方式", "Assignment"),
    "tt_item_outcome": ("结局", "Outcome"),
    "tt_item_follow_up": ("随访", "Follow-up"),
    "tt_item_contrast": ("比较的效应", "Causal contrast"),
    "tt_item_analysis": ("分析方法", "Analysis"),
    # the protocol's default wording (used when the estimator gives none for an item)
    "tt_proto_eligibility": (
        "出所后纳入跟踪、出所时尚未开始该帮扶的人员",
        "People released into tracking who had not started the support at release",
    ),
    "tt_proto_strategies": (
        "（1）出所后{g}个月内开始该帮扶（若仍符合条件）；（2）随访期间不开始该帮扶",
        "(1) start the support within {g} months of release (if still eligible); (2) never "
        "start it during follow-up",
    ),
    "tt_proto_time_zero": ("出所之日", "The day of release"),
    "tt_proto_assignment": (
        "每人复制到两种策略中；记录偏离策略时删失，并用删失的逆概率加权（出所时特征与每次随访时的就业情况）",
        "Each person is cloned into both strategies; a clone is censored when the records "
        "depart from its strategy, with inverse-probability-of-censoring weights (characteristics "
        "at release, employment at each visit)",
    ),
    "tt_proto_outcome": (
        "复吸（只知道发生在两次随访之间），死亡作为竞争事件",
        "Relapse (known only to lie between two visits), with death as a competing event",
    ),
    "tt_proto_follow_up": (
        "从出所到复吸、死亡、失访或{months}个月，以先到者为准",
        "From release to relapse, death, loss to follow-up or {months} months, whichever "
        "comes first",
    ),
    "tt_proto_contrast": (
        "按方案效应：12、24、36个月内复吸风险的风险差与比值，36个月内平均保持操守天数之差",
        "Per-protocol effect: difference and ratio of relapse risk at 12, 24 and 36 months, "
        "difference in mean abstinent days over 36 months",
    ),
    "tt_proto_analysis": (
        "加权的区间删失累积发生率（死亡为竞争事件）；权重不截断，每个月检查有效样本量；置信区间来自对出所人员的{b}次自助抽样",
        "Weighted interval-censored cumulative incidence (death competing); weights not "
        "truncated, their effective sample size checked in every month; confidence intervals "
        "from {b} bootstrap resamples of the releases",
    ),
    # strategies
    "tt_arm_start": ("出所后{g}个月内开始帮扶", "Start within {g} months"),
    "tt_arm_never": ("不开始帮扶", "Never start"),
    # the flow of numbers
    "cap_tt_flow": ("各策略的人数流向", "Flow of people under each strategy"),
    "col_tt_strategy": ("策略", "Strategy"),
    "col_tt_eligible": ("符合条件", "Eligible"),
    "col_tt_cloned": ("计入该策略", "Cloned"),
    "col_tt_censored_deviation": ("偏离策略而删失", "Censored: deviated"),
    "col_tt_censored_other": ("其他原因删失", "Censored: other"),
    "col_tt_relapses": ("复吸", "Relapses"),
    "col_tt_deaths": ("死亡", "Deaths"),
    "tt_flow_note": (
        "同一个人计入两种策略，所以两行相加不是人数。“其他原因删失”指失访、转出或数据截止。",
        "The same person is counted under both strategies, so the two rows do not add up to "
        'people. "Censored: other" means lost to follow-up, transferred or the data cut-off.',
    ),
    # the risk table
    "cap_tt_risks": (
        "各策略下的复吸风险（目标试验模拟）",
        "Relapse risk under each strategy (target trials)",
    ),
    "col_tt_months": ("出所后月数", "Months after release"),
    "col_tt_risk_start": ("出所后{g}个月内开始帮扶", "Start within {g} months"),
    "col_tt_risk_never": ("不开始帮扶", "Never start"),
    "col_tt_rd": ("风险差（百分点）", "Difference (points)"),
    "col_tt_rd_ci": ("风险差的95%置信区间", "95% CI of the difference"),
    "tt_risks_note": (
        "复吸风险为复吸的累积发生率（死亡者不再计入复吸）；风险差 = 开始 − 不开始，以百分点计；负值表示开始该帮扶时复吸风险更低。",
        "Relapse risk is the cumulative incidence of relapse (those who died cannot relapse "
        "later); difference = start − never start, in percentage points; a negative value means "
        "a lower relapse risk when starting the support.",
    ),
    # the grace-period sensitivity
    "cap_tt_grace": (
        "宽限期的敏感性：24个月内复吸风险的风险差（开始 − 不开始，百分点）",
        "Sensitivity to the grace period: difference in 24-month relapse risk (start − never, "
        "percentage points)",
    ),
    "col_tt_grace": ("出所后{g}个月内开始帮扶", "Start within {g} months"),
    "tt_grace_note": (
        "宽限期是“开始”策略允许开始帮扶的期限；如果不同宽限期下的差值相近，结论就不取决于这一选择。"
        "{g}个月的数字即上表的数字；其他宽限期的置信区间按模型公式计算（把权重视为已知），可能略窄。"
        "“–”表示该宽限期下无法模拟（例如在那个月没有人开始这项帮扶）。",
        'The grace period is how long the "start" strategy allows before the support starts; '
        "if the differences are alike across grace periods, the conclusion does not hinge on "
        "that choice. The {g}-month column repeats the table above; the other columns' intervals "
        'are model-based (they take the weights as known) and may be a little narrow. "–": '
        "the trial cannot be emulated with that grace period (e.g. nobody started the support in "
        "that month).",
    ),
    # the figure
    "cap_tt_curves": (
        "各项帮扶在两种策略下的复吸风险（累积发生率；阴影为95%置信区间）",
        "Cumulative relapse risk under the two strategies for each support (shaded: 95% CI)",
    ),
    "ax_tt_risk": ("复吸风险", "Relapse risk"),
    "ax_tt_months": ("出所后月数", "Months after release"),
    "tt_panel_withheld": ("人数太少，不作估计", "Too few people to show"),
    "tt_alt": (
        "折线图：{names}在两种策略（{g}个月内开始、不开始）下出所后各月的复吸风险（累积发生率）及其95%置信区间。",
        "Line chart: cumulative relapse risk by month after release under two strategies (start "
        "within {g} months, never start) for {names}, with 95% confidence bands.",
    ),
    # plain findings
    "tt_find_lower": (
        "{name}：如果所有符合条件的人都在出所后{g}个月内开始这项帮扶，{m}个月内复吸风险估计为{x}，"
        "而都不开始时为{y}（风险差{d}个百分点，95%置信区间{lo}至{hi}）。",
        "{name}: if everyone eligible had started it within {g} months of release, {m}-month "
        "relapse would be {x} instead of {y} (a difference of {d} percentage points, 95% CI "
        "{lo} to {hi}).",
    ),
    "tt_find_higher": (
        "{name}：如果所有符合条件的人都在出所后{g}个月内开始这项帮扶，{m}个月内复吸风险估计为{x}，"
        "而都不开始时为{y}（风险差{d}个百分点，95%置信区间{lo}至{hi}），反而更高，需进一步核查。",
        "{name}: if everyone eligible had started it within {g} months of release, {m}-month "
        "relapse would be {x} instead of {y} (a difference of {d} percentage points, 95% CI "
        "{lo} to {hi}): higher, so check further.",
    ),
    "tt_find_unclear": (
        "{name}：出所后{g}个月内开始这项帮扶时估计的{m}个月内复吸风险为{x}，不开始时为{y}；"
        "风险差的95%置信区间（{lo}至{hi}个百分点）包含零，这些数据不能说明开始这项帮扶与复吸风险高低有关。",
        "{name}: the estimated {m}-month relapse is {x} when starting it within {g} months and "
        "{y} when never starting; the 95% CI of the difference ({lo} to {hi} percentage points) "
        "includes zero, so these data cannot tell whether starting it makes any difference.",
    ),
    "tt_find_no_ci": (
        "{name}：出所后{g}个月内开始这项帮扶时估计的{m}个月内复吸风险为{x}，不开始时为{y}；没有置信区间，不作结论。",
        "{name}: the estimated {m}-month relapse is {x} when starting it within {g} months and "
        "{y} when never starting; there is no confidence interval, so no conclusion is drawn.",
    ),
    "tt_find_withheld": (
        "{name}：人数太少（少于{k}人），不作估计。",
        "{name}: too few people (fewer than {k}) to estimate.",
    ),
    "tt_find_failed": (
        "{name}：这些数据无法模拟这项试验（技术细节已记录在分析人员的运行记录中）。",
        "{name}: the trial could not be emulated from these data (the technical details are in "
        "the analysts' run log).",
    ),
    "tt_find_no_grace_month": (
        "{name}：出所后第{g}个月没有人开始这项帮扶（它通常开始得更早），无法按{g}个月的宽限期模拟这项试验。",
        "{name}: nobody started it in month {g} after release (it usually starts earlier), so "
        "the trial cannot be emulated with a {g}-month grace period.",
    ),
    "tt_find_rmst": (
        "36个月内多保持操守天数（开始 − 不开始）：{d}天（95%置信区间{lo}至{hi}天）。",
        "Extra abstinent days in 36 months (start − never): {d} days (95% CI {lo} to {hi}).",
    ),
    # metrics.json
    "mnote_tt_withheld": (
        "interventions.{code}.target_trial：人数少于{k}或无法模拟，不予显示",
        "interventions.{code}.target_trial: withheld (fewer than {k} people, or not estimable)",
    ),
    # `workbench effects` (human output)
    "tt_cli_title": (
        "目标试验模拟（出所后{g}个月内开始帮扶 与 不开始帮扶）：{m}个月内复吸风险",
        "Target trials (start within {g} months vs never): relapse risk at {m} months",
    ),
    # notebook 03/04 table headers (workbench.display: nbcol_<column>)
    "nbcol_strategy": ("策略", "strategy"),
    "nbcol_eligible": ("符合条件人数", "eligible"),
    "nbcol_cloned": ("计入该策略人数", "cloned"),
    "nbcol_censored_deviation": ("偏离策略而删失", "censored: deviated"),
    "nbcol_censored_other": ("其他原因删失", "censored: other"),
    "nbcol_relapses": ("复吸人数", "relapses"),
    "nbcol_deaths": ("死亡人数", "deaths"),
    "nbcol_relapse_risk": ("复吸风险", "relapse risk"),
    "nbcol_death_risk": ("累积死亡率", "death risk"),
    "nbcol_risk_start": ("开始策略下的复吸风险", "risk: start"),
    "nbcol_risk_never": ("不开始策略下的复吸风险", "risk: never"),
    "nbcol_rd": ("风险差", "risk difference"),
    "nbcol_rd_lower": ("差值95%置信区间下限", "difference: 95% CI lower"),
    "nbcol_rd_upper": ("差值95%置信区间上限", "difference: 95% CI upper"),
    "nbcol_rr_lower": ("风险比95%置信区间下限", "risk ratio: 95% CI lower"),
    "nbcol_rr_upper": ("风险比95%置信区间上限", "risk ratio: 95% CI upper"),
    "nbcol_ess": ("有效样本量", "effective sample size"),
    "nbcol_mean": ("平均权重", "mean weight"),
    "nbcol_p99": ("权重第99百分位", "99th percentile weight"),
    "nbcol_max": ("最大权重", "largest weight"),
    "nbcol_grace_months": ("宽限期（月）", "grace period (months)"),
    "nbcol_start_month": ("开始帮扶的月份", "month the support started"),
    "nbcol_censor_month": ("偏离策略的月份", "month the clone deviated"),
    "nbcol_outcome": ("该克隆的结局", "the clone's outcome"),
    "nb_tt_never_started": ("未开始", "never"),
    "nb_tt_followed": ("一直遵循", "never deviated"),
    # notebook 03/04 figure words
    "nb_tt_weights_title": (
        "{name}：两种策略下各月的权重",
        "{name}: the weights by month under each strategy",
    ),
    "nb_tt_ess_title": (
        "{name}：各策略各月的有效样本量",
        "{name}: effective sample size by strategy and month",
    ),
    "nb_est_emulation": ("目标试验模拟（复制—删失—加权）", "target trial (clone–censor–weight)"),
    "nb_est_naive": ("简单比较：曾经接受与从未接受", "naive: ever vs never"),
    "nb_est_landmark": ("第180天界标比较", "landmark at day 180"),
    "nb_est_cox_employment": (
        "按当前就业调整的Cox模型",
        "Cox model adjusting for current employment",
    ),
    "nbcol_sd_between": ("重复间标准差", "SD between replicates"),
    "nbcol_n_rep": ("重复次数", "replicates"),
    # ttcov (session 7): the study's t interval (emulation/variance.py)
    "nbcol_coverage_normal": (
        "正态分布区间的覆盖率（未作小样本校正）",
        "coverage of the normal interval (no small-sample correction)",
    ),
    "nb_tt_bias_line": (
        "{est}：{n}项帮扶24个月内复吸风险的风险差的平均绝对偏倚为{b}个百分点。",
        "{est}: average absolute bias of the 24-month risk difference {b} percentage points over "
        "{n} supports.",
    ),
    "nb_tt_no_truth": (
        "本次模拟没有给出这些策略的真值（只有无效帮扶的真值为零），所以只能比较各方法的估计值和离散程度。",
        "The simulator gave no truth for these strategies in this run (only the null support's, "
        "zero), so only the estimates and their spread can be compared.",
    ),
    "nb_tt_weight": ("权重", "weight"),
}

# Notebook 03, section 8 (the target trial step by step): prose entries, merged into
# i18n/notebook_prose.ENTRIES (the notebooks' narrative; `display.prose`).
NOTEBOOK_PROSE = {
    "nbp03_tt_intro": (
        "## 8. 同一个问题，按目标试验来回答：复制、删失、加权\n\n"
        "评估报告现在以这一分析为首。它提出随机试验会提出的问题：在出所时符合条件的所有人中，"
        "如果所有人都**在出所后6个月内（宽限期）开始这项帮扶**，与**所有人都从不开始**相比，"
        "12、24、36个月时复吸的比例各是多少？没有这样的试验，所以分三步模拟它：\n\n"
        "1. **复制。** 每个符合条件的人在出所当天（时间零点）被复制到两种策略中，"
        "所以没有人按以后发生的事被分组（没有永生时间）。\n"
        "2. **删失。** 一旦记录偏离某一策略，该复制即在这一策略中删失：“开始”复制在宽限期结束仍未开始时，"
        "“不开始”复制在帮扶开始时。\n"
        "3. **加权。** 离开的人不是随机的一部分（例如就业既影响开始帮扶，也影响复吸），"
        "所以留下的复制按“至今仍遵循策略”的概率的倒数加权；这一概率来自按随访月合并的开始帮扶模型，"
        "用出所时的特征和每次随访时的就业情况（权重不截断：截断会使估计产生偏倚；报告检查每个月的有效样本量）。复吸只知道发生在两次随访之间，"
        "死亡为竞争事件：风险来自加权的区间删失估计。\n\n"
        "下表数出各策略的复制：计入多少、因偏离策略删失多少、因其他原因（失访、转出、数据截止）删失多少、"
        "遵循策略期间复吸或死亡多少。接着是三个人各自的两个复制：一人在宽限期内开始"
        "（“不开始”复制在开始的那个月偏离），一人较晚开始（“开始”复制在宽限期结束时偏离），一人从未开始。",
        "## 8. The same question as a target trial: clone, censor, weight\n\n"
        "The report now leads with this analysis. It asks the question a randomised trial would "
        "ask: among everyone eligible at release, what share would relapse by 12, 24 and 36 "
        "months if all of them **started the support within 6 months** (the grace period), "
        "compared with if **none of them ever started it**? There is no such trial, so we emulate "
        "it in three steps:\n\n"
        "1. **Clone.** Every eligible person is copied into both strategies at release (time "
        "zero), so nobody is classified by what happened later (no immortal time).\n"
        "2. **Censor.** A clone leaves its strategy when its records depart from it: the "
        '"start" clone when the grace period ends without a start, the "never" clone when the '
        "support starts.\n"
        "3. **Weight.** Those who leave are not a random subset (employment, for one, drives both "
        "starting and relapse), so the clones who stay are weighted by the inverse probability "
        "of having followed the strategy so far, from a pooled model of starting over the "
        "follow-up months on the characteristics at release and employment at each visit "
        "(weights not truncated: truncating them biased the estimates; the report checks the "
        "effective sample size in every month). Relapse is known only between visits, with "
        "death as a competing event: the risks come from a weighted interval-censored "
        "estimator.\n\n"
        "The flow below counts the clones under each strategy: how many were cloned, censored "
        "for deviating, censored for other reasons (loss, transfer, cut-off), and how many "
        "relapsed or died while following it. Then three people's two clones each: one who "
        'started within the grace period (the "never" clone deviates in the month of the '
        'start), one who started later (the "start" clone deviates when the grace period '
        "ends), one who never started.",
    ),
    "nbp03_tt_weights": (
        "### 权重\n\n"
        "仍遵循策略的每个复制都带一个权重：至今遵循策略的估计概率的倒数。随着更多复制离开，权重逐渐变大。"
        "下图是每种策略各月权重的平均数、第99百分位数和最大值（对数刻度）：最大权重远高于第99百分位数的"
        "月份，估计依赖少数人；报告检查每个月的有效样本量，有效样本量低于当月在访人数十分之一的帮扶不作判断。",
        "### The weights\n\n"
        "Each clone still following its strategy carries a weight: one over the estimated "
        "probability of having followed it so far. The weights grow as more clones leave. Below, "
        "the mean, 99th percentile and largest weight in each month under each strategy (log "
        "scale): a largest weight far above the 99th percentile marks months where a few people "
        "carry the estimate; the report checks the effective sample size in every month and "
        "does not judge a support whose weighted data count as fewer than a tenth of the people "
        "followed that month.",
    ),
    "nbp03_tt_ess": (
        "### 诊断：每种策略各月的有效样本量\n\n"
        "有效样本量 (Σw)² / Σw² 是加权后的复制相当于多少个等权重的人。它随复制删失而下降；"
        "如果某一策略的有效样本量远低于仍遵循它的人数，说明结果依赖少数高权重的人，"
        "报告会在这项帮扶的数字后附上提醒。",
        "### Diagnostics: effective sample size per strategy and month\n\n"
        "The effective sample size, (Σw)² / Σw², is the number of equally weighted people the "
        "weighted clones are worth. It falls as clones are censored; a strategy whose effective "
        "sample size falls far below the number still following it rests on a few heavily "
        "weighted people, and the report then attaches a caution to that support's number.",
    ),
    "nbp04_tt": (
        "## 7. 目标试验模拟与其他比较方法：相对真值的偏倚\n\n"
        "模拟器打开了就业的反馈：就业降低复吸风险，影响谁会获得帮扶，而帮扶（如安置就业）又让人就业。"
        "在这种情况下，简单比较“曾经接受”与“从未接受”的人会受永生时间和混杂的影响；"
        "第180天界标比较丢掉了180天前复吸的人；调整当前就业的模型把帮扶通过就业起的作用也调整掉了。"
        "下表对每项帮扶和每种方法给出24个月内复吸风险的风险差（开始 − 不开始）在{n_reps}次重复模拟中的平均值、"
        "相对模拟器真值的偏倚及其蒙特卡罗标准误，以及目标试验模拟95%置信区间的覆盖率"
        "（按模型公式计算的区间；自助法区间的覆盖率另在基准测试中测量）。",
        "## 7. The target trial against the other comparisons: bias against the truth\n\n"
        "The simulator has the employment feedback on: being employed lowers the risk of "
        "relapse and changes who is offered support, and support (job placement, for one) makes "
        "people employed. Then a naive comparison of those who ever and never received a support "
        "suffers immortal time and confounding, the day-180 landmark comparison drops everyone "
        "who relapsed before day 180, and a model adjusting for current employment adjusts away "
        "what the support does through employment. The table gives, for each support and "
        "method, the 24-month risk difference (start − never) averaged over {n_reps} simulated "
        "replicates, its bias against the simulator's truth with the Monte-Carlo SE, and the "
        "coverage of the target trial's 95% intervals (model-based; the bootstrap intervals' "
        "coverage is measured once in the benchmarks).",
    ),
    "nbp03_tt_curves": (
        "### 风险曲线与比较\n\n"
        "每种策略下的复吸风险（累积发生率）及其95%自助法置信带（对重抽样的出所记录重复整个过程），"
        "然后是12、24、36个月的风险、风险差与风险比，以及36个月内平均保持操守天数之差（第一行）。"
        "最后一句与报告中的句子相同：只有当风险差的置信区间不含零时，才说“如果……将会……”。",
        "### The risk curves and the contrast\n\n"
        "Cumulative relapse risk under each strategy with its 95% bootstrap band (the whole "
        "procedure repeated on resampled releases), then the risks at 12, 24 and 36 months, "
        "their difference and ratio, and the difference in mean abstinent days over 36 months "
        '(first row). The sentence is the one the report prints: it says "would" only when the '
        "interval of the difference excludes zero.",
    ),
}
