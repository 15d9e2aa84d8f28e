"""The research notebooks' words (notebooks/01..05, `workbench.display`, the follow-up figures):
key -> (Chinese, English). Pure data; `workbench.i18n.t` renders.

``nbcol_<column>`` is the header of a table column (`workbench.display.header`); a column with no
entry keeps its name on purpose (a code or a method name). ``nb_*`` are sentences and figure
words. Terms follow glossary.md: the same word for the same thing in both languages.

Size: a catalog, not code — one entry per table header and sentence of five notebooks, kept in
one file so a translator reviews the notebooks' wording in one place.
"""

from __future__ import annotations

_COLUMNS = {
    # identifiers, groups, times
    "nbcol_release_id": ("出所编号", "release"),
    "nbcol_prefecture": ("市州", "prefecture"),
    "nbcol_facility": ("强制隔离戒毒所", "centre"),
    "nbcol_sex": ("性别", "sex"),
    "nbcol_age": ("年龄", "age"),
    "nbcol_age_group": ("年龄组", "age group"),
    "nbcol_primary_drug": ("主要滥用毒品", "primary drug"),  # as risk_var_primary_drug
    "nbcol_education": ("文化程度", "education"),
    "nbcol_lower_day": ("L（天）", "L (day)"),
    "nbcol_upper_day": ("R（天）", "R (day)"),
    "nbcol_last_day": ("最后观察日（天）", "last day observed (day)"),
    "nbcol_death_day": ("死亡日（天）", "death day (day)"),
    "nbcol_event": ("结局", "outcome"),
    "nbcol_censor_reason": ("删失原因", "censoring reason"),
    "nbcol_visit_date": ("回访日期", "visit date"),
    "nbcol_scheduled_month": ("计划回访（月）", "scheduled visit (month)"),
    "nbcol_result": ("回访结果", "visit result"),
    "nbcol_employed": ("回访时就业（1是，0否）", "employed at the visit (1 yes, 0 no)"),
    "nbcol_day": ("出所后天数", "day since release"),
    "nbcol_month": ("出所后月数", "month since release"),
    "nbcol_months": ("出所后月数", "months since release"),
    "nbcol_item": ("项目", "item"),
    "nbcol_section": ("部分", "section"),
    "nbcol_value": ("数值", "value"),
    "nbcol_pattern": ("情形", "kind of history"),
    "nbcol_interval": ("复吸区间", "relapse interval"),
    "nbcol_explanation": ("说明", "explanation"),
    # follow-up flow, visits, coverage
    "nbcol_under follow-up": ("仍在照管且保持操守", "followed, abstinent"),
    "nbcol_relapse seen": ("发现复吸", "relapse seen"),
    "nbcol_died": ("死亡", "died"),
    "nbcol_transferred": ("迁出", "transferred out"),
    "nbcol_lost": ("失访", "lost to follow-up"),
    "nbcol_cutoff": ("数据截止", "data cut-off"),
    "nbcol_end_of_tracking": ("三年跟踪期满", "end of 3-year tracking"),
    "nbcol_total": ("合计", "total"),
    "nbcol_attended_share": ("实到比例", "share attended"),
    "nbcol_visits": ("回访次数", "visits"),
    "nbcol_median_offset_days": ("偏差中位数（天）", "median offset (days)"),
    "nbcol_q25_offset_days": ("偏差下四分位数（天）", "offset, lower quartile (days)"),
    "nbcol_q75_offset_days": ("偏差上四分位数（天）", "offset, upper quartile (days)"),
    "nbcol_share_within_30_days": ("30天以内的比例", "share within 30 days"),
    "nbcol_coverage": ("照管覆盖率", "tracking coverage"),
    "nbcol_lost_share": ("失访比例", "share lost"),
    "nbcol_n_releases": ("出所人数", "releases"),
    "nbcol_visits_due": ("应回访次数", "visits due"),
    "nbcol_visits_attended": ("实际回访次数", "visits attended"),
    # estimates
    "nbcol_estimate": ("估计值", "estimate"),
    "nbcol_lower": ("95%置信区间下限", "95% CI lower"),
    "nbcol_upper": ("95%置信区间上限", "95% CI upper"),
    "nbcol_n": ("人数", "n"),
    "nbcol_group": ("组别", "group"),
    "nbcol_by": ("分组变量", "grouped by"),
    "nbcol_quantity": ("指标", "quantity"),
    "nbcol_statistic": ("检验统计量", "statistic"),
    "nbcol_df": ("自由度", "df"),
    "nbcol_p_value": ("P值", "p-value"),
    "nbcol_p": ("P值", "p-value"),
    "nbcol_groups": ("组数", "groups"),
    "nbcol_estimator": ("方法", "method"),
    "nbcol_method": ("方法", "method"),
    "nbcol_error": ("与真值之差", "error"),
    "nbcol_truth": ("真值", "truth"),
    "nbcol_cause": ("事件", "event"),
    "nbcol_note": ("说明", "note"),
    "nbcol_notes": ("说明", "notes"),
    "nbcol_reason": ("原因", "reason"),
    "nbcol_identified": ("可估计", "identified"),
    "nbcol_range_low": ("可能范围下限", "range low"),
    "nbcol_range_high": ("可能范围上限", "range high"),
    "nbcol_NPMLE (intervals)": ("NPMLE（区间）", "NPMLE (intervals)"),
    "nbcol_median_df": ("t分布自由度中位数", "median df (t quantile)"),  # small-sample sandwich CI
    "nbcol_Aalen-Johansen, visit dates (comparison)": (
        "Aalen–Johansen（回访日期，仅作比较）",
        "Aalen–Johansen, visit dates (comparison)",
    ),
    # risk models
    "nbcol_term": ("变量", "term"),
    "nbcol_label": ("因素", "factor"),
    "nbcol_coef": ("系数", "coefficient"),
    "nbcol_hr": ("风险比", "hazard ratio"),
    "nbcol_se": ("标准误", "standard error"),
    "nbcol_robust_se": ("稳健标准误", "robust standard error"),
    "nbcol_z": ("z值", "z"),
    "nbcol_chisq": ("卡方值", "chi-square"),
    "nbcol_variable": ("变量", "variable"),
    "nbcol_aic": ("AIC", "AIC"),
    "nbcol_delta_aic": ("ΔAIC", "ΔAIC"),
    "nbcol_distribution": ("分布", "distribution"),
    "nbcol_log_likelihood": ("对数似然", "log-likelihood"),
    "nbcol_time_ratio": ("时间比", "time ratio"),
    "nbcol_hr_ic": ("风险比（区间，IC PH）", "hazard ratio, intervals (IC PH)"),
    "nbcol_hr_visit": ("风险比（回访日期，Cox，敏感性分析）", "hazard ratio, visit dates (Cox)"),
    "nbcol_ours": ("本工具", "ours"),
    "nbcol_published": ("已发表", "published"),
    # supports and effects
    "nbcol_code": ("帮扶措施", "support"),
    "nbcol_support": ("帮扶措施", "support"),
    "nbcol_n_started": ("开始帮扶人数", "n started"),
    "nbcol_share_started": ("开始帮扶比例", "share started"),
    "nbcol_median_start_day": ("开始日中位数（出所后天数）", "median start (day)"),
    "nbcol_q25_start_day": ("开始日下四分位数（天）", "start, lower quartile (day)"),
    "nbcol_q75_start_day": ("开始日上四分位数（天）", "start, upper quartile (day)"),
    "nbcol_immortal_days": ("永生时间（人天）", "immortal time (person-days)"),
    "nbcol_immortal_share": ("永生时间占暴露时间比例", "immortal share of exposed time"),
    "nbcol_n_exposed": ("接受帮扶人数", "n exposed"),
    "nbcol_hr_lower": ("风险比95%置信区间下限", "HR 95% CI lower"),
    "nbcol_hr_upper": ("风险比95%置信区间上限", "HR 95% CI upper"),
    "nbcol_naive_hr": ("简单比较风险比（含永生时间）", "naive HR (ever vs never)"),
    "nbcol_true_hr": ("真实风险比（模拟）", "true HR (simulated)"),
    "nbcol_covariate": ("协变量", "covariate"),
    "nbcol_mean_treated": ("接受帮扶组均值", "mean, exposed"),
    "nbcol_mean_untreated": ("未接受帮扶组均值", "mean, not exposed"),
    "nbcol_smd_before": ("加权前标准化均数差", "SMD before weighting"),
    "nbcol_smd_after": ("加权后标准化均数差", "SMD after weighting"),
    "nbcol_var_ratio_before": ("加权前方差比", "variance ratio before"),
    "nbcol_var_ratio_after": ("加权后方差比", "variance ratio after"),
    "nbcol_|smd_after| < 0.1": ("加权后均衡（|SMD| < 0.1）", "balanced (|SMD| < 0.1)"),
    "nbcol_balance": ("均衡", "balance"),
    "nbcol_ess_treated": ("接受帮扶组有效样本量", "effective n, exposed"),
    "nbcol_ess_untreated": ("未接受帮扶组有效样本量", "effective n, not exposed"),
    "nbcol_estimand": ("估计目标", "estimand"),
    "nbcol_max_abs_smd": ("加权后最大|SMD|", "largest |SMD| after weighting"),
    "nbcol_max_abs_smd_after": ("加权后最大|SMD|", "largest |SMD| after weighting"),
    "nbcol_model": ("模型", "model"),
    "nbcol_n_extreme_propensity": ("倾向性评分极端人数", "n with extreme propensity"),
    "nbcol_n_treated": ("接受帮扶人数", "n exposed"),
    "nbcol_n_untreated": ("未接受帮扶人数", "n not exposed"),
    "nbcol_n_truncated": ("权重截断人数", "n weights truncated"),
    "nbcol_reference": ("是否参照组", "reference group?"),
    "nbcol_log_hr": ("对数风险比", "log HR"),
    "nbcol_se_log_hr": ("对数风险比标准误", "SE of log HR"),
    "nbcol_p_interaction": ("交互作用P值", "interaction p-value"),
    "nbcol_rr": ("近似风险比（rr）", "approximate risk ratio (rr)"),
    "nbcol_evalue": ("E值（估计值）", "E-value (estimate)"),
    "nbcol_evalue_ci": ("E值（置信限）", "E-value (CI limit)"),
    "nbcol_approximation": ("换算方法", "conversion"),
    "nbcol_verdict": ("结论", "verdict"),
    "nbcol_finding": ("结论", "finding"),
    # method checks
    "nbcol_bias": ("偏倚", "bias"),
    "nbcol_ci_coverage": ("95%置信区间覆盖率", "95% CI coverage"),
    "nbcol_empirical_sd": ("经验标准差", "empirical SD"),
    "nbcol_mc_se_bias": ("偏倚的蒙特卡罗标准误", "Monte-Carlo SE of bias"),
    "nbcol_mean_estimate": ("平均估计值", "mean estimate"),
    "nbcol_n_reps": ("重复次数", "replicates"),
    "nbcol_rmse": ("均方根误差", "RMSE"),
    "nbcol_mean_se": ("平均标准误", "mean SE"),
    "nbcol_naive_bias": ("简单比较的偏倚", "naive bias"),
    "nbcol_target": ("目标", "target"),
    # own data (dataset spec summary)
    "nbcol_name": ("名称", "name"),
    "nbcol_arm": ("比较的措施", "arm"),
    "nbcol_n_exposed_arm": ("处理组人数", "n in the treated arm"),
    "nbcol_n_unexposed": ("未接受帮扶人数", "n not exposed"),
    "nbcol_risk_diff": ("12个月复吸风险差", "difference in 12-month relapse risk"),
    "nbcol_risk_diff_lower": ("风险差95%置信区间下限", "risk difference 95% CI lower"),
    "nbcol_risk_diff_upper": ("风险差95%置信区间上限", "risk difference 95% CI upper"),
    "nbcol_nnt": ("需帮扶人数（NNT）", "number needed to treat"),
    "nbcol_rmst_diff_lower": ("多保持天数95%置信区间下限", "extra days 95% CI lower"),
    "nbcol_rmst_diff_upper": ("多保持天数95%置信区间上限", "extra days 95% CI upper"),
    "nbcol_horizon_days": ("观察期限（天）", "horizon (days)"),
    "nbcol_time": ("时间（天）", "time (days)"),
    "nbcol_n_risk": ("在访人数", "number at risk"),
    "nbcol_statistic_name": ("统计量", "statistic"),
    "nbcol_rmst_diff_days": ("多保持无事件天数", "extra event-free days"),
    "nbcol_event_label": ("事件名称", "event"),
    "nbcol_n_events": ("事件数", "events"),
    "nbcol_n_censored": ("删失数", "censored"),
    "nbcol_n_competing": ("竞争事件数", "competing events"),
    "nbcol_n_dropped": ("剔除人数", "dropped"),
    "nbcol_n_exact": ("确切时间人数", "exact times"),
}

_WORDS = {
    # display helpers
    "nb_page": (
        "第{first}–{last}行，共{n}行（第{page}/{pages}页；用 page= 查看其他页）",
        "rows {first}–{last} of {n} (page {page} of {pages}; pass page= for another)",
    ),
    "nb_alt": ("图：{what}", "Figure: {what}"),
    "nb_word_achieved": ("已达标", "achieved"),
    "nb_word_not achieved": ("未达标", "not achieved"),
    "nb_word_overlap": ("重叠人群（overlap，ATO）", "overlap population (ATO)"),
    "nb_word_logistic": ("logistic回归", "logistic regression"),
    "plot_months": ("出所后月数", "Months since release"),  # plots.py: the unit is the word
    # notebook 01: tables as they arrive
    "nb_releases": ("出所人员", "releases"),
    "nb_visits": ("回访记录", "visits"),
    "nb_support_episodes": ("帮扶记录", "support episodes"),
    "nb_register_events": ("登记事件", "register events"),
    "nb_cutoff": ("数据截止日期", "data cut-off"),
    "nb_unscheduled": ("非计划回访", "unscheduled"),
    "nb_total": ("合计", "all"),
    "nb_register": ("登记", "register"),
    "nb_register_row": ("{event}（{source}）", "{event} ({source})"),
    "nb_source_police": ("公安机关记录", "police record"),
    "nb_source_hospital": ("医院记录", "hospital record"),
    "nb_source_civil_registry": ("民政登记", "civil registry"),
    # notebook 01: data-quality notes
    "nb_dq_negative_after_relapse": (
        "{n:,}份记录在首次发现复吸之后又有阴性结果（相当于出所人数的{share:.0%}）。这并不矛盾："
        "复吸后戒断的人以后可能检测阴性。分析以首次复吸证据为准，之后的结果不改变复吸区间。",
        "{n:,} records show a negative result after the first evidence of relapse (as many as "
        "{share:.0%} of the number of releases). This is expected rather than an error: people who relapse can test "
        "negative later. The analysis uses the first evidence of relapse; later results do not "
        "change the relapse interval.",
    ),
    "nb_dq_other": (
        "{what}：{n:,}份记录，构建分析表时按 data/README.md 的规则处理。",
        "{what}: {n:,} records, handled by the rules of data/README.md when the analysis table "
        "is built.",
    ),
    "nb_dq_clean": ("未发现矛盾记录。", "No contradicting records."),
    "nb_no_visits": (
        "此数据没有回访记录，无法计算照管覆盖率。",
        "These data have no visit records, so tracking coverage cannot be computed.",
    ),
    # notebook 01: coverage figure
    "nb_coverage_title": ("各市州照管覆盖率", "Tracking coverage by prefecture"),
    "nb_coverage_x": ("已回访占应回访的比例", "Share of scheduled visits attended"),
    "nb_coverage_all": ("全省", "province"),
    # notebook 01: flow, timing, uptake figures (cohort/followup_figures.py)
    "nb_flow_title": (
        "三年跟踪期内出所人员的状态",
        "Where releases stand during the 3-year follow-up",
    ),
    "nb_months_since_release": ("出所后月数", "Months since release"),
    "nb_days_since_release": ("出所后天数", "Days since release"),
    "nb_releases_count": ("人数（人）", "Releases (persons)"),
    "nb_timing_title": ("实际回访日与计划日之差", "When visits happened, relative to the schedule"),
    "nb_timing_x": ("实际回访日减计划日（天）", "Visit day minus scheduled day (days)"),
    "nb_timing_y": ("回访次数的比例密度", "Density (share of visits per day)"),
    "nb_month_visit": ("第{m}月回访", "month-{m} visit"),
    "nb_scheduled_day": ("计划日", "scheduled day"),
    "nb_uptake_title": (
        "帮扶何时开始：出所后的累计开始比例",
        "When support starts: cumulative uptake",
    ),
    "nb_uptake_y": ("已开始帮扶的出所人员比例", "Share of releases who started"),
    # notebook 01: worked examples
    "nb_examples_title": (
        "从回访记录到复吸区间 (L, R]：示例",
        "From raw visits to the relapse interval (L, R]: worked examples",
    ),
    "nb_interval_relapse": ("复吸区间 (L, R]", "relapse interval (L, R]"),
    "nb_interval_exact": ("确切复吸日（L = R）", "exact relapse day (L = R)"),
    "nb_interval_censored": ("若复吸，发生在L之后：(L, ∞)", "relapse, if ever, after L: (L, ∞)"),
    "nb_pat_interval": ("先阴性、后发现复吸", "negative, then relapse found"),
    "nb_pat_missed": ("漏访使区间变长", "a missed visit widens the interval"),
    "nb_pat_first": ("首次接触即发现复吸", "relapse found at the first contact"),
    "nb_pat_exact": ("其他登记给出确切日期", "exact date from another register"),
    "nb_pat_died": ("保持操守至死亡", "died relapse-free"),
    "nb_pat_end": ("保持操守至跟踪期满", "abstinent to the end of tracking"),
    "nb_pat_lost": ("失访", "lost to follow-up"),
    "nb_pat_transferred": ("迁出", "transferred out"),
    "nb_found": ("第{day:.0f}天{what}", "{what} on day {day:.0f}"),
    "nb_ex_interval": (
        "第{L:.0f}天回访阴性，{found}：复吸发生在 ({L:.0f}, {R:.0f}] 之间的某一天，"
        "只知道区间，不知道具体日期。",
        "Negative on day {L:.0f}, {found}: the relapse happened on some day in "
        "({L:.0f}, {R:.0f}] — we know the interval, not the day.",
    ),
    "nb_ex_missed": (
        "最后一次阴性在第{L:.0f}天，之后漏访，{found}：区间 ({L:.0f}, {R:.0f}] 很长，"
        "因为这段时间没有见到本人。",
        "Last negative on day {L:.0f}, then missed visit(s), {found}: the interval "
        "({L:.0f}, {R:.0f}] is long because nobody saw the person in between.",
    ),
    "nb_ex_first": (
        "出所后从未检测阴性，{found}：复吸发生在 (0, {R:.0f}] 之间。",
        "Never seen negative after release, {found}: the relapse lies in (0, {R:.0f}].",
    ),
    "nb_ex_exact": (
        "{found}，登记给出确切复吸日，因此 L = R = {R:.0f}。写作 ({L:.0f}, {R:.0f}] "
        "的区间表示这一天本身已知，并非空区间。",
        "{found}, and the register gives the exact relapse day, so L = R = {R:.0f}. Written as "
        "({L:.0f}, {R:.0f}] it means this day itself is known, not an empty interval.",
    ),
    "nb_ex_died": (
        "最后一次阴性在第{L:.0f}天，第{D:.0f}天死亡。死亡结束随访：它是竞争事件，"
        "既不是复吸，也不是普通删失。",
        "Last negative on day {L:.0f}; died on day {D:.0f}. Death ends follow-up: it is a "
        "competing event, neither a relapse nor ordinary censoring.",
    ),
    "nb_ex_end": (
        "直到第{L:.0f}天均为阴性，36个月跟踪期满。右删失：若复吸，也在第{L:.0f}天之后（R = ∞）。",
        "Negative up to day {L:.0f}; tracking ends at 36 months. Right-censored: a relapse, if "
        "ever, comes after day {L:.0f} (R = ∞).",
    ),
    "nb_ex_lost": (
        "最后一次阴性在第{L:.0f}天，之后只有漏访：在第{L:.0f}天右删失。"
        "如果失访者复吸更多，操守保持率会被高估。",
        "Last negative on day {L:.0f}, then only missed visits: right-censored at day {L:.0f}. "
        "If people who go missing relapse more often, retention is overestimated.",
    ),
    "nb_ex_transferred": (
        "最后一次阴性在第{L:.0f}天，之后迁出本辖区：在第{L:.0f}天右删失。",
        "Last negative on day {L:.0f}, then transferred out of the jurisdiction: "
        "right-censored at day {L:.0f}.",
    ),
    # method checks (studies/method_check_figures.py) and notebook 02's three analyses
    "nb_est_Turnbull NPMLE on (L, R]": (
        "Turnbull NPMLE（基于区间 (L, R]）",
        "Turnbull NPMLE on (L, R]",
    ),
    "nb_est_naive KM, relapse at the visit date": (
        "简单KM（复吸日记为发现复吸的回访日）",
        "naive KM, relapse at the visit date",
    ),
    "nb_est_naive KM, relapse at the interval midpoint": (
        "简单KM（复吸日记为区间中点）",
        "naive KM, relapse at the interval midpoint",
    ),
    "nb_est_time-varying PH model (primary)": (
        "时变PH模型（主要分析）",
        "time-varying PH model (primary)",
    ),
    "nb_est_naive ever vs never Cox": (
        "简单比较：曾经/从未接受帮扶的Cox模型",
        "naive ever vs never Cox",
    ),
    "nb_est_truth (simulator)": ("真值（模拟）", "truth (simulator)"),
    "nb_quantity_retention S(t)": ("操守保持率 S(t)", "retention S(t)"),
    "nb_quantity_log hazard ratio": ("对数风险比", "log hazard ratio"),
    "nb_quantity_retention_at": ("{m:g}个月操守保持率", "retention at {m:g} months"),
    "nb_quantity_RMST 36 months (days)": (
        "36个月内平均保持操守天数（RMST，天）",
        "RMST to 36 months (days)",
    ),
    "nb_quantity_median (days)": ("复吸时间中位数（天）", "median time to relapse (days)"),
    "nb_group_NPMLE": ("NPMLE", "NPMLE"),
    "nb_truth": ("真值", "truth"),
    "nb_true_hr": ("真实风险比", "true hazard ratio"),
    "nb_months_n": ("{m:g}个月", "{m:g} months"),
    "nb_milestone_x": ("时间点（出所后月数）", "Milestone (months since release)"),
    "nb_retention_check_title": (
        "各次重复的操守保持率估计与真值",
        "Retention estimates over replicates vs the truth",
    ),
    "nb_effect_check_title": (
        "各次重复的帮扶效果：主要分析与简单比较，及真值",
        "Support effects over replicates: primary vs naive, with the truth",
    ),
    "nb_observed_coverage": ("实际覆盖率", "observed coverage"),
    "nb_mc_band": ("蒙特卡罗范围（覆盖率为0.95时）", "Monte-Carlo range if coverage is 0.95"),
    "nb_coverage_check_title_few": (
        "置信区间覆盖率（仅{n}次重复，少于{min}次：不画蒙特卡罗范围）",
        "Confidence-interval coverage ({n} replicates, fewer than {min}: no Monte-Carlo range)",
    ),
    "nb_nominal": ("名义覆盖率0.95", "nominal 0.95"),
    "nb_coverage_check_x": (
        "95%置信区间包含真值的重复比例",
        "Share of replicates whose 95% CI contains the truth",
    ),
    "nb_coverage_check_title": ("置信区间覆盖率", "Confidence-interval coverage"),
    # notebook 03: balance, overlap, landmark, E-values (effects/presentation.py)
    "nb_already_receiving": ("已接受：{name}", "already receiving: {name}"),
    "nb_unweighted": ("加权前", "unweighted"),
    "nb_weighted": ("加权后", "weighted"),
    "nb_balance_target": ("均衡目标 |SMD| < {x:g}", "balance target |SMD| < {x:g}"),
    "nb_abs_smd": ("|标准化均数差|", "|standardised mean difference|"),
    "nb_exposed": ("接受帮扶（{n:,}人）", "exposed (n={n:,})"),
    "nb_not_exposed": ("未接受帮扶（{n:,}人）", "not exposed (n={n:,})"),
    "nb_propensity": (
        "倾向性评分（接受帮扶的估计概率）",
        "Propensity score (estimated probability of exposure)",
    ),
    "nb_density": (
        "密度（各组分别标准化；上：接受，下：未接受）",
        "Density (each group scaled to 1; up: exposed, down: not)",
    ),
    "nb_withheld_too_few_in_arm": (
        "未估计：标志日时某一组少于{min_group}人。",
        "Not estimated: fewer than {min_group} people in an arm at the landmark.",
    ),
    "nb_withheld_too_few_exposed_relapses": (
        "未估计：标志日后接受帮扶者中的复吸少于{min_events}例，不足以稳定比较（小样本规则，见 bench/README.md）。",
        "Not estimated: fewer than {min_events} relapses among the exposed after the landmark, "
        "too few for a stable comparison (small-sample rule, bench/README.md).",
    ),
    "nb_balance_achieved": (
        "均衡已达标：加权后各特征的|SMD|均低于0.1（最大{smd:.3f}），两组在已测量的特征上可比。",
        "Balance achieved: after weighting every characteristic's |SMD| is below 0.1 (largest "
        "{smd:.3f}), so the two groups compare like with like on what was measured.",
    ),
    "nb_balance_not_achieved": (
        "均衡未达标，结果不作为结论：加权后至少一个特征仍有差异（最大|SMD| {smd:.2f}，目标低于0.1）。",
        "Balance not achieved: result not reported as a finding; after weighting the groups still "
        "differ on at least one characteristic (largest |SMD| {smd:.2f}, target below 0.1).",
    ),
    "nb_rr_rare": ("复吸少见（<15%）：rr = 风险比", "rare outcome (< 15%): rr = hazard ratio"),
    "nb_rr_common": (
        "复吸常见：rr = √风险比（换算）",
        "common outcome: rr = √hazard ratio (conversion)",
    ),
    "nb_caveat": ("注意：{text}", "Caveat: {text}"),
    # notebooks 02-05: figure titles and labels
    "nb_retention_title": (
        "出所后操守保持率（Turnbull NPMLE，95%自助法置信带）",
        "Retention after release (Turnbull NPMLE, 95% bootstrap band)",
    ),
    "nb_retention_point_title": (
        "出所后操守保持率（Turnbull NPMLE，未做自助法）",
        "Retention after release (Turnbull NPMLE, no bootstrap)",
    ),
    "nb_all_releases": ("全部出所人员（{n:,}人）", "all releases (n={n:,})"),
    "nb_retention_by": (
        "按{by}分组的操守保持率（Turnbull NPMLE）",
        "Retention by {by} (Turnbull NPMLE)",
    ),
    "nb_three_analyses": (
        "同一数据的三种分析（模拟数据另画真值）",
        "Same data, three analyses (and the truth when simulated)",
    ),
    "nb_cif_title": (
        "复吸与死亡的累积发生率（区间删失竞争风险NPMLE）",
        "Cumulative incidence of relapse and death (NPMLE on the intervals)",
    ),
    "nb_visit_dates": ("回访日期法（仅作比较）", "visit dates (comparison)"),
    "nb_kt": (
        "Kuhn–Tucker条件偏离：{v:.1e}（接近0表示已收敛）",
        "Kuhn–Tucker violation {v:.1e} (near 0: converged)",
    ),
    "nb_hr_title": (
        "各基线因素的复吸风险比（区间删失PH模型，95%置信区间）",
        "Relapse hazard ratios by baseline characteristic (interval-censored PH, 95% CI)",
    ),
    "nb_love_title": (
        "加权前后的协变量均衡：{name}",
        "Covariate balance before and after weighting: {name}",
    ),
    "nb_overlap_title": ("倾向性评分分布的重叠：{name}", "Propensity overlap: {name}"),
    "nb_landmark_title": (
        "自第{day}天起的加权操守保持率：{name}",
        "Weighted retention from day {day}: {name} vs not",
    ),
    "nb_share_abstinent": ("仍保持操守的比例", "Share still abstinent"),
    "nb_subgroup_x": (
        "复吸风险比（对数刻度；小于1表示风险较低）",
        "Relapse hazard ratio (log scale; below 1: lower risk)",
    ),
    "nb_no_difference": ("无差异（风险比 = 1）", "no difference (HR 1)"),
    "nb_hr_ci": ("风险比及95%置信区间", "hazard ratio, 95% CI"),
    "nb_aid_title": (
        "按是否获得资助分组的未再被捕比例（Kaplan–Meier）",
        "Arrest-free after release, by financial aid (Kaplan–Meier)",
    ),
    "nb_aid_yes": ("获得资助", "financial aid"),
    "nb_aid_no": ("未获资助", "no aid"),
    "nb_not_rearrested": ("未再被捕的比例", "Share not re-arrested"),
    "nb_note_read_at": (
        "{m:g}个月按最后随访日（第{day:g}天）读取",
        "{m:g} months read at the last follow-up day (day {day:g})",
    ),
    "nb_note_not_identified": (
        "第{day:g}天的操守保持率不能唯一确定：NPMLE给出的范围为{low:.3f}至{high:.3f}",
        "not identified at day {day:g}: the NPMLE puts retention between {low:.3f} and {high:.3f}",
    ),
    "nb_reason_beyond": ("超出随访期，不作估计", "beyond follow-up, not estimated"),
    "nb_reason_no_event": ("到第{day:g}天尚无此类事件", "none by day {day:g}"),
    # notebook 03: the landmark comparison's notes (effects.presentation.landmark_notes)
    "nb_lm_weights_from": (
        "权重来自以下变量的倾向性评分模型：{names}。",
        "Weights from a propensity model on {names}.",
    ),
    "nb_lm_estimand_overlap": (
        "重叠加权：比较描述的是既可能接受也可能不接受该帮扶的人（重叠人群，ATO），而不是全部出所人员（ATE）。",
        "Overlap weights: the comparison describes people who could plausibly have received the "
        "support or not (the overlap population, ATO), not the whole cohort (ATE).",
    ),
    "nb_lm_estimand_ATE": (
        "ATE加权：比较描述的是界标日的全部人员。",
        "ATE weights: the comparison describes the whole cohort at the landmark.",
    ),
    "nb_lm_estimand_ATT": (
        "ATT加权：比较描述的是接受该帮扶的人。",
        "ATT weights: the comparison describes the people who received the support.",
    ),
    "nb_lm_unbalanced": (
        "均衡未达标，结果不作为结论：加权后两组仍至少在一个特征上有差异（最大|SMD| {smd:.2f}，目标低于0.1）。",
        "Balance not achieved: result not reported as a finding (after weighting the largest "
        "|SMD| is {smd:.2f}, target below 0.1).",
    ),
    "nb_lm_entry": (
        "对象为第{day:g}天或之后确认仍保持操守的人，从该次接触起随访。",
        "Among people seen relapse-free at or after day {day:g}, followed from that contact.",
    ),
    "nb_lm_not_converged": (
        "保持曲线的NPMLE未收敛（Kuhn–Tucker条件偏离{v:.1e}）：较晚进入的人提供的信息很少。",
        "The curves' NPMLE did not converge (Kuhn–Tucker violation {v:.1e}): late entrants "
        "carry little information.",
    ),
    "nb_lm_window": (
        "绘制曲线时，在界标日前后{days:g}天内首次确认保持操守的人，视为在界标日保持操守。",
        "For the curves, people first seen relapse-free within {days:g} days of the landmark "
        "count as relapse-free at it.",
    ),
    "nb_counted": ("{group}（{n:,}人）", "{group} ({n:,})"),
    "nb_arm_no": ("{arm}：否", "{arm}: no"),
    "nb_arm_yes": ("{arm}：是", "{arm}: yes"),
    "nb_arm_value": ("{arm}：{value}", "{arm}: {value}"),
    "nb_arm_title": ("按{arm}分组的无事件比例", "Event-free share by {arm}"),
    "nb_event_free": ("未发生事件的比例", "Share event-free"),
    # notebook 03: sentences that adapt to the data
    "nb_naive_lower_all": (
        "简单比较（曾经/从未）的风险比对全部{k}项帮扶都低于时变调整模型：永生时间和选择使帮扶看起来更有效。",
        "The naive (ever vs never) hazard ratio is below the time-varying adjusted one for all "
        "{k} supports: immortal time and selection make supports look more protective.",
    ),
    "nb_naive_lower_some": (
        "简单比较（曾经/从未）的风险比在{k}项帮扶中有{m}项低于时变调整模型：{names}。",
        "The naive (ever vs never) hazard ratio is below the time-varying adjusted one for {m} "
        "of {k} supports: {names}.",
    ),
    "nb_truth_null": (
        "模拟数据中真实效果为零的帮扶（{names}）：简单比较风险比为{naive}，调整后为{adjusted}。",
        "Supports with no true effect in the simulation ({names}): naive hazard ratio {naive}, "
        "adjusted {adjusted}.",
    ),
    # notebook 03, simulated data: a support with no true effect (studies/truth_notes.py)
    "nb_truth_null_covered": (
        "模拟数据中{name}没有真实效果（真实风险比为1）：简单比较的风险比为{naive:.2f}；调整后为{hr:.2f}"
        "（95%置信区间{lower:.2f}–{upper:.2f}），区间包含1（无效果），与真值相符。",
        "In this simulation {name} has no true effect (true hazard ratio 1): naive hazard ratio "
        "{naive:.2f}; adjusted {hr:.2f} (95% confidence interval {lower:.2f}–{upper:.2f}), an "
        "interval that includes 1 (no effect), as the truth does.",
    ),
    "nb_truth_null_missed": (
        "模拟数据中{name}没有真实效果（真实风险比为1）：简单比较的风险比为{naive:.2f}；调整后为{hr:.2f}"
        "（95%置信区间{lower:.2f}–{upper:.2f}），区间不包含1。所以这里调整后的模型没有得到真值，这不是"
        "该帮扶的作用：可能是偶然（约每20个区间有1个不含真值），也可能是模型未能消除的混杂——在本模拟中，"
        "随访期间的就业既影响谁获得帮扶，也影响复吸风险，而模型只调整了出所时的特征。第8节用目标试验模拟"
        "回答同一问题。",
        "In this simulation {name} has no true effect (true hazard ratio 1): naive hazard ratio "
        "{naive:.2f}; adjusted {hr:.2f} (95% confidence interval {lower:.2f}–{upper:.2f}), an "
        "interval that does not include 1. So the adjusted model misses the truth here; this is "
        "not an effect of the support. It may be chance (about 1 interval in 20 misses its true "
        "value) or confounding the model does not remove: in this simulation, employment during "
        "follow-up changes both who receives support and the risk of relapse, and the model "
        "adjusts only for characteristics at release. Section 8 answers the same question as a "
        "target trial.",
    ),
    "nb_truth_null_finding": (
        "模拟数据中{name}没有真实效果：上面关于它的那句话描述的是调整后仍然存在的关联，不是该帮扶造成的"
        "伤害或益处（见第2节）。",
        "In this simulation {name} has no true effect: the sentence above about it describes an "
        "association left after the adjustment, not harm or benefit caused by the support (see "
        "section 2).",
    ),
    "nb_subgroup_dropped": (
        "{groups}：接受帮扶人数或复吸人数少于{min}人，没有单独的交互项，未列出。",
        "{groups}: fewer than {min} exposed people or relapses, so no interaction term of its "
        "own; not listed.",
    ),
    "nb_subgroup_none": (
        "没有任何亚组达到最低人数（每组至少{min}名接受帮扶者和{min}例复吸），不作亚组分析。",
        "No subgroup reaches the minimum ({min} exposed people and {min} relapses each), so "
        "there is no subgroup analysis.",
    ),
    "nb_subgroup_title": (
        "{name}：按{by}分组（交互作用P = {p}）",
        "{name} by {by} (interaction p = {p})",
    ),
    "nb_subgroup_title_one": (
        "{name}：按{by}分组（仅一个亚组达到最低人数，无法检验交互作用）",
        "{name} by {by} (one subgroup only: no interaction test)",
    ),
    "nb_subgroup_title_untested": (
        "{name}：按{by}分组（交互作用无法检验）",
        "{name} by {by} (the interaction could not be tested)",
    ),
    "nb_started_note": (
        "“开始帮扶人数”只计在随访结束前开始的人（与下表一致）。",
        "“n started” counts people who started before their follow-up ended (as in the table "
        "below).",
    ),
    "nb_design_note": (
        "这些是观察性数据中的关联，已调整已测量的混杂因素；未测量的混杂见第6节E值。",
        "These are associations in observational data, adjusted for measured confounders; "
        "section 6's E-values show how strong unmeasured confounding would have to be.",
    ),
    "nb_landmark_not_estimated": ("未估计：{why}", "Not estimated: {why}"),
    # any notebook: a parameter that makes the results rough (params.notebook notes)
    "nb_few_bootstrap": (
        "只用了{n}次自助法重复：置信区间很粗略（甚至可能不包含估计值），只适合试运行；正式结果请用至少"
        "{min}次。",
        "Only {n} bootstrap replicates: the confidence intervals are rough (they may even miss "
        "their estimate) and fit a trial run only; use at least {min} for results.",
    ),
}

ENTRIES = {**_COLUMNS, **_WORDS}
