"""Words of the direction of travel (trend by release cohort), the projection check (backtest)
and the risk model's check (discrimination, calibration), and the "how sure" sentences of the
summary's opening answers (issue 19), zh/en. Official-statistics style: what we are 95%
confident of, or that there are too few people to say."""

ENTRIES = {
    # the stated rule for the words
    "trend_rule": (
        "判断规则：出所年份每晚一年，复吸风险比的双侧 p < {alpha:g} 且小于 1 时称“在改善”，"
        "大于 1 时称“在变差”，否则称“没有明显变化”。这只描述数据中的变化，不说明变化的原因。",
        "Rule: when the two-sided p for the hazard ratio per later release year is below "
        "{alpha:g}, we say “improving” if it is below 1 and “worsening” if it is above 1; "
        "otherwise “no clear change”. This describes the data; it does not say what caused "
        "the change.",
    ),
    "trend_verdict_improving": ("在改善", "improving"),
    "trend_verdict_no_clear_change": ("没有明显变化", "no clear change"),
    "trend_verdict_worsening": ("在变差", "worsening"),
    # the summary's first question and its answer
    "q_improving": ("一、我们在进步吗？", "1. Are we improving?"),
    "q_where": ("二、哪里做得更好或更差？", "2. Where are we doing better or worse?"),
    "q_reach": (
        "三、能否达到目标？预测可信吗？",
        "3. Will we reach the targets, and can we trust the projection?",
    ),
    "trend_answer": (
        "比较{first}至{last}各批次出所人员：{verdict}。",
        "Comparing the people released from {first} to {last}, cohort by cohort: {verdict}.",
    ),
    "trend_sure": (
        "出所年份每晚一年，复吸风险乘以{hr}。我们有95%的把握认为这一倍数在{lo}至{hi}之间"
        "（p = {p}）。",
        "For each year later that people were released, their relapse hazard was multiplied by "
        "{hr}; we are 95% confident that this factor lies between {lo} and {hi} (p = {p}).",
    ),
    "trend_sure_none": (
        "范围包含 1（没有变化），因此不能说情况在变好或变差。",
        "The range includes 1 (no change), so we cannot say things got better or worse.",
    ),
    "trend_adjusted": (
        "考虑出所人员构成（年龄、性别、毒品种类等）的变化后：{verdict}（每年风险比 {hr}，95% 置信区间 {lo}–{hi}）。",
        "Allowing for changes in who was released (age, sex, drug and the other baseline "
        "characteristics): {verdict} (hazard ratio per year {hr}, 95% CI {lo}–{hi}).",
    ),
    "trend_cohort_line": (
        "{cohort}出所人员{m}个月保持操守率为{est}，我们有95%的把握认为真实比例在{lo}至{hi}之间。",
        "Of people released in {cohort}, {est} stayed abstinent for {m} months; we are 95% "
        "confident that the true share lies between {lo} and {hi}.",
    ),
    "trend_na": ("无法判断变化方向：{why}。", "The direction of travel cannot be judged: {why}."),
    "trend_why_one_cohort": ("出所时间跨度不足一年", "releases span less than a year"),
    "trend_why_no_release_dates": ("数据中没有出所日期", "the data have no release dates"),
    "trend_why_other": (
        "出所时间跨度或各批次人数不足",
        "the releases span too short a time, or cohorts are too small",
    ),
    "q_support_4": ("四、哪些帮扶有效", "4. Which supports help?"),
    "q_data_5": ("五、数据情况", "5. About the data"),
    "cohort_year": ("{y}年", "{y}"),
    "cohort_h1": ("{y}年上半年", "the first half of {y}"),
    "cohort_h2": ("{y}年下半年", "the second half of {y}"),
    "too_few_to_say": (
        "人数太少，无法判断（少于{k}人）",
        "too few people to say (fewer than {k})",
    ),
    # the projection check in the summary
    "backtest_answer": (
        "检验预测：按{then}的数据，我们曾预测这些人中将有{proj}人保持操守满1年"
        "（95%预测区间{lo}–{hi}）；实际为{actual}人，{inside}。",
        "Checking the projection: from the data of {then} we projected that {proj} of those "
        "people would stay abstinent for a year (95% prediction interval {lo}–{hi}); "
        "{actual} did, {inside}.",
    ),
    "tier_projection_sure": (
        "{tier}：预计{proj}人；我们有95%的把握认为，现有人员跟踪期满时将在{lo}至{hi}人之间。",
        "{tier}: {proj} projected; we are 95% confident that between {lo} and {hi} of the people "
        "released so far will reach it by the end of their tracking.",
    ),
    "backtest_inside": ("在预测区间之内", "within the interval"),
    "backtest_outside_high": ("高于预测区间", "above the interval"),
    "backtest_outside_low": ("低于预测区间", "below the interval"),
    "model_check_line": (
        "风险模型区分复吸早晚的能力：C指数为{c}（0.5为随机，1为完美）；12个月时AUC为{auc}。",
        "How well the risk model tells sooner from later relapse: C-index {c} (0.5 is chance, "
        "1 is perfect); AUC at 12 months {auc}.",
    ),
    # the trend section
    "sec_trend": (
        "变化趋势：各出所批次的保持操守率",
        "Direction of travel: retention by release cohort",
    ),
    "trend_intro": (
        "各出所批次在 {months} 个月时的保持操守率（区间删失 NPMLE，95% 自助法置信区间）。只有当该批次"
        "所有人员都能随访到该时点（截止日期减去批次最后出所日期不少于该月数）时才列出，"
        "以免随访时间不同造成的误导。",
        "Retention at {months} months for each release cohort (interval-censored NPMLE, 95% "
        "bootstrap CI). A value is shown only when everyone in the cohort could be followed "
        "that long (cut-off minus the cohort's last release date at least the milestone), so "
        "cohorts with different follow-up are not compared unfairly.",
    ),
    "cap_trend": ("各出所批次保持操守率", "Retention by release cohort"),
    "fig_trend": (
        "各出所批次保持操守率及95%置信区间",
        "Retention by release cohort, with 95% CI",
    ),
    "col_cohort": ("出所批次", "Release cohort"),
    "col_n_released": ("出所人数", "Released"),
    "trend_not_followed": ("随访未满", "not yet followed"),
    "trend_method": (
        "趋势检验：区间删失比例风险模型（月度分段基线），以出所时间（年）为协变量，按人聚类的稳健标准误。",
        "Trend test: interval-censored proportional-hazards model (monthly piecewise baseline) "
        "with release time (years) as a covariate, robust standard errors clustered by person.",
    ),
    # the projection check section
    "sec_check": ("预测检验与风险模型检验", "Checking the projections and the risk model"),
    "check_intro": (
        "把数据截止到 {then}（比本次截止日期早 {years} 年），用当时已知的情况做与本报告相同的预测，"
        "再与完整数据中实际发生的情况比较。",
        "We cut the data at {then} ({years} years before this report's cut-off), made the "
        "projections this report makes from what was known then, and compared them with what "
        "the full data show.",
    ),
    "cap_backtest_tiers": (
        "当时的预测与实际（保持操守人数）",
        "What we projected then, and what happened (people abstinent)",
    ),
    "cap_backtest_retention": (
        "当时与现在估计的保持操守率（同一批人员）",
        "Retention estimated then and now (the same releases)",
    ),
    "col_projected_then": ("当时预测", "Projected then"),
    "col_interval": ("95%预测区间", "95% interval"),
    "col_actual": ("实际", "What happened"),
    "col_then": ("当时估计", "Estimated then"),
    "col_now": ("现在估计", "Estimated now"),
    "backtest_partly": ("（部分仍为预测）", " (partly still projected)"),
    "check_model_intro": (
        "风险模型的检验采用两折交叉验证（按人随机分为两半，一半拟合、另一半检验，再交换）。"
        "区分能力：时间依赖 AUC（某时点前复吸者的预测风险高于未复吸者的概率）和截至 36 个月的 C 指数；"
        "校准：按预测风险十等分，比较平均预测风险与 NPMLE 估计的实际复吸比例。"
        "只使用能随访到该时点的人员；状态不确定者按 NPMLE 给出的概率计入。",
        "The risk model is checked by two-fold cross-validation (people split at random into "
        "halves: one half fits, the other is predicted, and back). Discrimination: the "
        "time-dependent AUC (the chance that someone who relapsed by the time had a higher "
        "predicted risk than someone who had not) and the C-index to 36 months; calibration: "
        "by tenth of predicted risk, the mean predicted risk against the share relapsed "
        "(NPMLE). Only people who could be followed to the time are used; an uncertain status "
        "counts with its NPMLE probability.",
    ),
    "cap_model_auc": (
        "风险模型的区分能力",
        "How well the risk model tells sooner from later relapse",
    ),
    "fig_calibration": (
        "风险模型的校准（按预测风险十等分）",
        "Calibration of the risk model (by tenth of predicted risk)",
    ),
    "col_auc": ("AUC", "AUC"),
    "col_observed_then": ("当时已确认", "Confirmed then"),
    "c_index_line": ("截至36个月的C指数：{c}。", "C-index to 36 months: {c}."),
    "axis_predicted_risk": ("预测复吸风险", "predicted relapse risk"),
    "axis_observed_risk": ("实际复吸比例（NPMLE）", "share relapsed (NPMLE)"),
    "axis_retention": ("保持操守率", "retention"),
    "axis_cohort": ("出所批次", "release cohort"),
    "months_label": ("{m} 个月", "{m} months"),
    "perfect_calibration": ("完全校准", "perfect calibration"),
}
