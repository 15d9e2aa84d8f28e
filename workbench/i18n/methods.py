"""Method labels of result tables (``method_text``: a tuple of ``Text`` parts joined with "; "),
zh/en. The Chinese is the report's translation of each English label, word for word as the
report has shown it (including the parts it leaves in English). ``method_bootstrap`` is shared
with the retention labels (``i18n.retention``). ``method_comma`` joins two
pieces of one part; ``method_verbatim`` carries names and sentences that stay as they are."""

ENTRIES = {
    # joining pieces
    "method_comma": ("{a}，{b}", "{a}, {b}"),
    "method_semicolon": ("{a}；{b}", "{a}; {b}"),
    "method_verbatim": ("{text}", "{text}"),
    "method_hr_part": ("风险比：{method}", "HR: {method}"),
    "method_rmst_part": ("平均保持操守天数之差（RMST）：{method}", "RMST: {method}"),
    # a spec's own outcome (arrest, death, ...): event-free days, not the programme's abstinence
    "method_rmst_part_event": ("平均无事件天数之差（RMST）：{method}", "RMST: {method}"),
    "method_withheld_event": (
        "加权后两组未达到平衡，平均无事件天数之差不予报告",
        "balance not achieved, RMST withheld",
    ),
    "method_competing_censored": (
        "{label}视为删失（特定原因风险）",
        "{label} censored (cause-specific)",
    ),
    "method_not_estimable": ("not estimable: {problem}", "not estimable: {problem}"),
    # risk-factor models
    "method_ic_ph": (
        "区间删失比例风险模型（按月分段基线）",
        "interval-censored proportional hazards (monthly piecewise baseline)",
    ),
    "method_cox_sensitivity": (
        "按随访日期定复吸时间的Cox模型（敏感性分析）",
        "Cox model on visit-dated times (sensitivity)",
    ),
    # effect models
    "method_tv_pwe": ("时变分段指数比例风险模型", "time-varying piecewise-exponential PH"),
    "method_pwe": ("分段指数比例风险模型", "piecewise-exponential PH"),
    "method_interval_censored": ("区间删失", "interval-censored"),
    "method_model_based_ci": ("model-based CI", "model-based CI"),
    "method_cox": ("Cox比例风险模型（Efron法处理同时发生）", "Cox PH (Efron ties)"),
    "method_cox_adjusted": (
        "协变量调整的Cox比例风险模型（Efron法处理同时发生）",
        "Cox PH (Efron ties), covariate-adjusted",
    ),
    "method_covariate_adjusted": ("covariate-adjusted", "covariate-adjusted"),
    "method_unadjusted_randomised": ("未调整（随机分组）", "unadjusted (randomised arms)"),
    "method_stratified": ("分层：{columns}", "stratified by {columns}"),
    "method_weighted_by": ("weighted by {column}", "weighted by {column}"),
    "method_cox_delayed_entry": ("delayed entry", "delayed entry"),  # left in English, as shown
    "method_clustered": ("robust SE clustered on {column}", "robust SE clustered on {column}"),
    "method_adjusted_hr": ("协变量调整的风险比 {value}", "covariate-adjusted HR {value}"),
    "method_km_rmst_difference": (
        "各组Kaplan–Meier曲线平均无事件天数之差（Greenwood型标准误）",
        "difference of the arms' Kaplan-Meier RMST (Greenwood-type SEs)",
    ),
    "method_turnbull_rmst_difference": (
        "各组Turnbull曲线平均无事件天数之差（自助法标准误）",
        "difference of the arms' Turnbull RMST (bootstrap SEs)",
    ),
    # weighted (landmark or baseline-exposure) comparison
    "method_landmark_day": ("第{day:g}天界标分析", "landmark day {day:g}"),
    "method_baseline_exposure": ("基线暴露比较", "baseline exposure"),
    "method_model_logistic": ("逻辑回归", "logistic"),
    "method_weights_overlap": ("倾向性评分重叠加权（{model}模型）", "overlap weights ({model})"),
    "method_weights_ATE": ("倾向性评分加权（全体人群，{model}模型）", "ATE weights ({model})"),
    "method_weights_ATT": ("倾向性评分加权（接受帮扶人群，{model}模型）", "ATT weights ({model})"),
    "method_cox_km": ("Cox模型与Kaplan–Meier曲线", "Cox + KM"),
    "method_truncated_npmle_curves": (
        "考虑延迟进入的非参数最大似然估计保持曲线",
        "left-truncated NPMLE curves",
    ),
    "method_withheld": (
        "加权后两组未达到平衡，平均保持操守天数之差不予报告",
        "balance not achieved, RMST withheld",
    ),
    "method_weighted_hr_overlap": ("重叠加权风险比 {value}", "overlap-weighted HR {value}"),
    "method_weighted_hr_ATE": ("逆概率加权风险比 {value}", "IPTW HR {value}"),
    "method_weighted_hr_ATT": ("ATT加权风险比 {value}", "ATT-weighted HR {value}"),
}
